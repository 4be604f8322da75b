# SPDX-License-Identifier: MIT
"""The indexing run of the main window: one run at a time, paths queued behind it, and its status bar controls.

The status bar shows the progress (files done / total), the file being analyzed, faces and errors found so far
and an ETA, with Pause/Resume and Cancel buttons; at the end it says what the run did (:meth:`summary`). The
window decides what happens around a run (live clustering, the errors panel, the next queued paths) through the
``started`` and ``finished`` signals.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from collections.abc import Iterator

from PySide6.QtCore import QObject
from PySide6.QtCore import Signal
from PySide6.QtWidgets import QLabel
from PySide6.QtWidgets import QProgressBar
from PySide6.QtWidgets import QPushButton
from PySide6.QtWidgets import QStatusBar

from organizer.core.progress import CancelToken
from organizer.core.progress import Progress
from organizer.core.vocabulary import Phase
from organizer.ui.workers import GeneratorWorker
from organizer.ui.workers import Pools


def count(n: int, one: str, many: str | None = None) -> str:
    """``n`` and the word for it, thousands apart by a narrow space ("2 347 photos")."""
    return f"{n:,}".replace(",", "\u202f") + " " + (one if n == 1 else many or one + "s")


#: Makes the job of one run over ``paths``: ``job(cancel)`` yields Progress events.
MakeRun = Callable[[list[str]], Callable[[CancelToken], Iterator[Progress]]]


class IndexingController(QObject):
    """Runs indexing jobs on the index pool and drives the status bar's progress bar, Pause and Cancel."""

    #: A run was started (also for queued paths).
    started = Signal()
    #: A run ended (finished, cancelled or failed); the controls are hidden and the label says how it ended.
    finished = Signal()

    def __init__(self, pools: Pools, make_run: MakeRun, status_bar: QStatusBar, status_label: QLabel,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._pools = pools
        self._make_run = make_run
        self.status_label = status_label
        self._worker: GeneratorWorker | None = None
        self._failure: str | None = None
        #: The last run's closing event (Phase.DONE: files analyzed, faces, unreadable files), if it got there.
        self.outcome: Progress | None = None
        self._cancelled = False
        self._queue: list[str] = []
        self._t0 = 0.0
        self._last_status = 0.0
        #: Faces found by the current run so far.
        self.faces_seen = 0
        self.progress = QProgressBar(maximumWidth=220, textVisible=True)
        self.pause_button = QPushButton("Pause", checkable=True)
        self.pause_button.toggled.connect(self.set_paused)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.clicked.connect(self.cancel)
        for w in (self.progress, self.pause_button, self.cancel_button):
            status_bar.addPermanentWidget(w)
            w.hide()

    @property
    def running(self) -> bool:
        return self._worker is not None

    @property
    def worker(self) -> GeneratorWorker | None:
        """The running job's worker (its pause and cancel state), or None."""
        return self._worker

    def start(self, paths: list[str]) -> None:
        """Starts a run over ``paths`` (existing, absolute), or queues them behind the running one."""
        if self._worker is not None:
            self._queue.extend(paths)
            return
        w = GeneratorWorker(self._make_run(paths))
        w.signals.progressed.connect(self._progressed)
        w.signals.failed.connect(self._failed)
        w.signals.finished.connect(self._finished)
        self._worker = w
        self._failure = None
        self.outcome = None
        self._t0 = time.monotonic()
        self.faces_seen = 0
        self.started.emit()
        self.status_label.setText(f"Scanning {', '.join(paths)}…")
        self.progress.setRange(0, 0)
        for b in (self.progress, self.pause_button, self.cancel_button):
            b.show()
        self._pools.start(self._pools.index, w)

    def take_queue(self) -> list[str]:
        """The paths queued while a run was going, removed from the queue."""
        queued, self._queue = self._queue, []
        return queued

    def _progressed(self, p: Progress) -> None:
        self.faces_seen = p.faces
        if p.phase == Phase.DONE:
            self.outcome = p
        now = time.monotonic()
        # Progress can arrive hundreds of times a second; repaint the status at most 10 times a second.
        if now - self._last_status < 0.1 and p.done != p.total and p.phase != Phase.DONE:
            return
        self._last_status = now
        if p.phase == Phase.SCAN:
            self.status_label.setText(f"Scanning: {p.done} files found")
        elif p.phase == Phase.ANALYZE:
            if p.done == 0:
                self._t0 = now
            self.progress.setRange(0, max(1, p.total))
            self.progress.setValue(p.done)
            self.progress.setFormat(f"{p.done}/{p.total}")
            rate = p.done / max(now - self._t0, 1e-6)
            eta = (p.total - p.done) / rate if rate > 0 else 0
            name = os.path.basename(p.path) if p.path else ""
            if self._worker is not None and self._worker.paused:
                return  # the file that was being analyzed when Pause was pressed: keep saying "Paused"
            self.status_label.setText(f"Indexing {name}   {p.faces} faces, {p.errors} errors   "
                                      f"ETA {int(eta // 60)}:{int(eta % 60):02d}")

    def set_paused(self, paused: bool) -> None:
        # The label follows the button even with no run (it is unchecked when a run ends, paused or not).
        self.pause_button.setText("Resume" if paused else "Pause")
        if self._worker is None:
            return
        if paused:
            self._worker.pause()
            self.status_label.setText("Paused")
        else:
            self._worker.resume()
            self.status_label.setText("Resuming…")

    def cancel(self) -> None:
        """Stops the run after the current file (what it finished is kept) and drops the queued paths."""
        self._queue.clear()
        if self._worker is not None:
            self._worker.cancel()
            self.status_label.setText("Stopping after the current file…")

    def _failed(self, e: BaseException) -> None:
        self._failure = f"Indexing failed: {e}"  # kept in the label when the run ends (logged by the worker)
        self.status_label.setText(self._failure)

    def _finished(self) -> None:
        w, self._worker = self._worker, None
        self.pause_button.setChecked(False)
        for b in (self.progress, self.pause_button, self.cancel_button):
            b.hide()
        self._cancelled = w is not None and w.cancel_token.cancelled
        if self._failure is not None:
            self.outcome = None
        self.status_label.setText(self._failure or self.summary(None))
        self.finished.emit()

    def summary(self, persons: int | None) -> str:
        """What the last run did: "Indexing finished: 2 347 photos and videos, 2 298 faces, 373 persons, 5 files could
        not be read"; ``persons`` (None: not known yet) is the number of persons after the run's clustering."""
        head = "Indexing stopped" if self._cancelled else "Indexing finished"
        p = self.outcome
        if p is None:
            return head
        parts = [count(p.done, "photo or video", "photos and videos") if p.done else "nothing new to analyze"]
        if p.done:
            parts.append(count(p.faces, "face"))
        if persons is not None:
            parts.append(count(persons, "person"))
        if p.errors:
            parts.append(count(p.errors, "file") + " could not be read (see View → Errors)")
        return f"{head}: {', '.join(parts)}"
