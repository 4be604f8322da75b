# SPDX-License-Identifier: MIT
"""Logging set-up: console on stderr, and a rotating file in the user's log directory for the app."""

from __future__ import annotations

import logging
import logging.handlers
from pathlib import Path

FORMAT = "%(asctime)s %(levelname)-7s %(name)s: %(message)s"


class BriefFormatter(logging.Formatter):
    """The message without its traceback: what the screen shows unless asked for debug output (-vv)."""

    def format(self, record: logging.LogRecord) -> str:
        saved = record.exc_info, record.exc_text, record.stack_info
        record.exc_info = record.exc_text = record.stack_info = None
        try:
            return super().format(record)
        finally:
            record.exc_info, record.exc_text, record.stack_info = saved


def setup(level: int = logging.WARNING, log_file: Path | None = None) -> None:
    """Configure the root logger once; safe to call again (handlers are replaced)."""
    root = logging.getLogger()
    for h in list(root.handlers):
        root.removeHandler(h)
    root.setLevel(min(level, logging.INFO) if log_file else level)
    console = logging.StreamHandler()
    console.setLevel(level)
    # tracebacks go to the log file (and to the screen with -vv), not in front of the user
    console.setFormatter(logging.Formatter(FORMAT) if level <= logging.DEBUG else BriefFormatter(FORMAT))
    root.addHandler(console)
    if log_file is not None:
        log_file.parent.mkdir(parents=True, exist_ok=True)
        fh = logging.handlers.RotatingFileHandler(log_file, maxBytes=2_000_000, backupCount=3, encoding="utf-8")
        fh.setLevel(min(level, logging.INFO))  # -vv brings debug output to the file too
        fh.setFormatter(logging.Formatter(FORMAT))
        root.addHandler(fh)
