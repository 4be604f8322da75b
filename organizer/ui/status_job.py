# SPDX-License-Identifier: MIT
"""A long job of the window that writes files, not the library (Export Photos, Write Face Tags): run on a pool
thread, with its progress and a Stop button in the status bar, a summary in the status label at the end, and the
files that failed listed with their reasons in a message that does not block the window."""

from __future__ import annotations

import time
from collections.abc import Callable
from collections.abc import Generator
from typing import TYPE_CHECKING
from typing import Any

from PySide6.QtCore import QObject
from PySide6.QtCore import Qt
from PySide6.QtCore import Signal
from PySide6.QtWidgets import QMessageBox
from PySide6.QtWidgets import QProgressBar
from PySide6.QtWidgets import QPushButton

from organizer.core.progress import CancelToken
from organizer.core.progress import Progress
from organizer.core.vocabulary import Phase
from organizer.ui.workers import GeneratorWorker

if TYPE_CHECKING:
    from organizer.ui.main_window import MainWindow

#: The failures a message lists in full (the rest are counted; every one is in the log).
FAILURES_LISTED = 200


class StatusBarJob(QObject):
    """One job at a time; a subclass says what its lines read (:meth:`progress_text`, :meth:`summary`...).

    The job's result must have ``failed``: ``[(path, reason in plain words), ...]``.
    """

    #: The job ended: its result, or None when it failed as a whole (the label says why).
    finished = Signal(object)
    #: The report's title and what a status line says while stopping.
    title = ""
    stopping_text = "Stopping after the current file…"

    def __init__(self, window: MainWindow, stop_text: str) -> None:
        super().__init__(window)
        self._window = window
        #: The message listing the last run's failures, while it is open.
        self.report: QMessageBox | None = None
        self.worker: GeneratorWorker | None = None
        self._failure: str | None = None
        self._last_status = 0.0
        self.progress = QProgressBar(textVisible=True)
        self.progress.setMaximumWidth(220)
        self.stop_button = QPushButton(stop_text)
        self.stop_button.clicked.connect(self.cancel)
        for w in (self.progress, self.stop_button):
            window.statusBar().addPermanentWidget(w)
            w.hide()

    # -- what the subclass says

    def progress_text(self, p: Progress) -> str:
        raise NotImplementedError

    def failed_text(self, e: BaseException) -> str:
        raise NotImplementedError

    def summary(self, result: Any) -> str:
        raise NotImplementedError

    def failures_text(self, n: int) -> str:
        raise NotImplementedError

    # -- the run

    @property
    def running(self) -> bool:
        return self.worker is not None

    def launch(self, run: Callable[[CancelToken], Generator[Progress, None, Any]], starting: str) -> None:
        """Starts ``run(cancel)`` (a generator of progress events that returns the result) on the review pool,
        the one for long jobs that write nothing into the library: the previews on the io pool and the library's
        writes on the db pool are not held up."""
        outcome: list[Any] = []

        def job(cancel: CancelToken):
            outcome.append((yield from run(cancel)))

        w = GeneratorWorker(job)
        w.signals.progressed.connect(self._progressed)
        w.signals.failed.connect(self._failed)
        w.signals.finished.connect(lambda: self._finished(outcome[0] if outcome else None))
        self.worker, self._failure = w, None
        self._window.status_label.setText(starting)
        self.progress.setRange(0, 0)
        for b in (self.progress, self.stop_button):
            b.show()
        pools = self._window.pools
        pools.start(pools.review, w)

    def cancel(self) -> None:
        """Stops the job after the current file (what it did stays)."""
        if self.worker is not None:
            self.worker.cancel()
            self._window.status_label.setText(self.stopping_text)

    def _progressed(self, p: Progress) -> None:
        now = time.monotonic()
        if p.phase == Phase.DONE or (now - self._last_status < 0.1 and p.done != p.total):
            return  # at most 10 repaints a second
        self._last_status = now
        self.progress.setRange(0, max(1, p.total))
        self.progress.setValue(p.done)
        self.progress.setFormat(f"{p.done}/{p.total}")
        if self.worker is not None and not self.worker.cancel_token.cancelled:
            self._window.status_label.setText(self.progress_text(p))

    def _failed(self, e: BaseException) -> None:
        self._failure = self.failed_text(e)  # logged by the worker

    def _finished(self, result: Any) -> None:
        self.worker = None
        for b in (self.progress, self.stop_button):
            b.hide()
        self._window.status_label.setText(self._failure or self.summary(result))
        if result is not None and result.failed:
            self._report(result.failed)
        self.finished.emit(result)

    def _report(self, failed: list[tuple[str, str]]) -> None:
        """The failed files and why, in a message that does not block the window."""
        lines = [f"{path}: {error}" for path, error in failed[:FAILURES_LISTED]]
        if len(failed) > FAILURES_LISTED:
            lines.append(f"… and {len(failed) - FAILURES_LISTED} more")
        box = QMessageBox(QMessageBox.Icon.Warning, self.title, self.failures_text(len(failed)),
                          QMessageBox.StandardButton.Ok, self._window)
        box.setInformativeText(failed[0][1] if len(failed) == 1 else "The details list each with its reason.")
        box.setDetailedText("\n".join(lines))
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.destroyed.connect(lambda *_a, b=box: self._report_closed(b))
        self.report = box
        box.open()

    def _report_closed(self, box: QMessageBox) -> None:
        if self.report is box:
            self.report = None
