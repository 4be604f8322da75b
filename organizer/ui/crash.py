# SPDX-License-Identifier: MIT
"""Unhandled exceptions: logged at CRITICAL with their traceback, and said to the user with the log file's path.

Installed as ``sys.excepthook`` (the GUI thread, Qt slots included) and ``threading.excepthook`` (Python threads);
the message box is always opened on the GUI thread, one at a time, as Vorta does.
"""

from __future__ import annotations

import logging
import sys
import threading
from pathlib import Path

from PySide6.QtCore import QObject
from PySide6.QtCore import Qt
from PySide6.QtCore import Signal
from PySide6.QtWidgets import QApplication
from PySide6.QtWidgets import QMessageBox

from organizer import APP_NAME

log = logging.getLogger(__name__)


class CrashReporter(QObject):
    """Create it on the GUI thread; :meth:`excepthook` and :meth:`thread_excepthook` may be called on any thread."""

    _report = Signal(str)

    def __init__(self, log_file: Path, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.log_file = log_file
        self._showing = False
        self._report.connect(self._show, Qt.ConnectionType.QueuedConnection)

    def excepthook(self, etype, value, tb) -> None:
        log.critical("Unhandled exception", exc_info=(etype, value, tb))
        self._report.emit(f"{etype.__name__}: {value}")

    def thread_excepthook(self, args: threading.ExceptHookArgs) -> None:
        if args.exc_type is SystemExit:
            return
        name = args.thread.name if args.thread is not None else "?"
        log.critical("Unhandled exception in thread %s", name,
                     exc_info=(args.exc_type, args.exc_value, args.exc_traceback))
        self._report.emit(f"{args.exc_type.__name__}: {args.exc_value}")

    def message(self, what: str) -> str:
        return (f"Something went wrong: {what}\n\nOrganizer may not work as it should until it is restarted. "
                f"The details are in the log file:\n{self.log_file}")

    def _show(self, what: str) -> None:
        if self._showing:
            return  # one box at a time: further errors are in the log
        self._showing = True
        try:
            QMessageBox.critical(QApplication.activeWindow(), APP_NAME, self.message(what))
        finally:
            self._showing = False


def install(log_file: Path, parent: QObject | None = None) -> CrashReporter:
    """Routes unhandled exceptions of every thread to a :class:`CrashReporter` (keep it referenced)."""
    reporter = CrashReporter(log_file, parent)
    sys.excepthook = reporter.excepthook
    threading.excepthook = reporter.thread_excepthook
    return reporter
