# SPDX-License-Identifier: MIT
"""Helper for the SIGKILL test: index an album slowly (run as a separate process)."""

from __future__ import annotations

import sys

from index_fakes import FakeEngine  # the services test folder is on sys.path when run as a script

from organizer.db.engine import open_library
from organizer.services.index_service import IndexService
from organizer.services.index_service import IndexSettings

if __name__ == "__main__":
    db, album = sys.argv[1], sys.argv[2]
    _, sessions = open_library(db)
    service = IndexService(sessions, lambda: FakeEngine(delay_s=0.03),
                           IndexSettings(commit_every=3, commit_interval_s=0.2))
    for _ in service.run([album]):
        pass
