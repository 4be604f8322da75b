# SPDX-License-Identifier: MIT
"""Entry point of the frozen ``organizer`` executable (see organizer.spec)."""

import multiprocessing

if __name__ == "__main__":
    # The indexer runs FFmpeg in a spawned worker process: the frozen executable must act as that worker when asked.
    multiprocessing.freeze_support()

    from organizer.cli.main import main

    raise SystemExit(main())
