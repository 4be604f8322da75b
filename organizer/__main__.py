# SPDX-License-Identifier: MIT
"""``python -m organizer``."""

import sys

from organizer.cli.main import main

if __name__ == "__main__":
    sys.exit(main())
