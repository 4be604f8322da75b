# SPDX-License-Identifier: MIT
"""The only QRunnable code: adapts Qt-free callables and Progress generators to Qt signals.

A QRunnable is not a QObject, so each worker carries a :class:`WorkerSignals` QObject created on the GUI
thread; signals emitted from the pool thread reach GUI-thread slots as queued calls. Workers never touch
widgets or open dialogs: results and errors go back as signals and the GUI decides what to show.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from collections.abc import Iterator
from typing import Any

from PySide6.QtCore import QObject
from PySide6.QtCore import QRunnable
from PySide6.QtCore import QThreadPool
from PySide6.QtCore import Signal

from organizer.core.progress import CancelToken
from organizer.db.engine import is_database_locked

log = logging.getLogger(__name__)


def _log_failure(what: str, e: BaseException) -> None:
    if is_database_locked(e):
        log.warning("%s: %s (nothing written)", what, e)
    else:
        log.error("%s: %s", what, e, exc_info=e)


class WorkerSignals(QObject):
    #: One item yielded by a generator worker (a Progress event).
    progressed = Signal(object)
    #: The return value of a function worker (None for generators).
    succeeded = Signal(object)
    #: The exception raised by the work.
    failed = Signal(object)
    #: Always last, after succeeded or failed (also when cancelled).
    finished = Signal()


class FunctionWorker(QRunnable):
    """Runs ``fn()`` on a pool thread and delivers its result or its exception."""

    def __init__(self, fn: Callable[[], Any]) -> None:
        super().__init__()
        self.setAutoDelete(False)  # Python owns the object; Pools keeps it alive until finished
        self._fn = fn
        self.signals = WorkerSignals()

    def run(self) -> None:
        try:
            result = self._fn()
        except Exception as e:
            _log_failure("Background task failed", e)
            self.signals.failed.emit(e)
        else:
            self.signals.succeeded.emit(result)
        finally:
            self.signals.finished.emit()


class GeneratorWorker(QRunnable):
    """Drives a Qt-free generator (``make(cancel)`` -> Iterator[Progress]) and re-emits what it yields.

    Pause and cancel act between two items: the generator is simply not resumed while paused, and it checks the
    :class:`CancelToken` itself (so a cancelled indexing run still commits what it finished).
    """

    def __init__(self, make: Callable[[CancelToken], Iterator[Any]]) -> None:
        super().__init__()
        self.setAutoDelete(False)
        self._make = make
        self.cancel_token = CancelToken()
        self._running = threading.Event()
        self._running.set()
        #: How many times (every 0.1 s) the job has found itself held by a pause, between two items.
        self.holds = 0
        self.signals = WorkerSignals()

    @property
    def paused(self) -> bool:
        return not self._running.is_set()

    def pause(self) -> None:
        self._running.clear()

    def resume(self) -> None:
        self._running.set()

    def cancel(self) -> None:
        self.cancel_token.cancel()
        self._running.set()

    def run(self) -> None:
        try:
            gen = self._make(self.cancel_token)
            for item in gen:
                self.signals.progressed.emit(item)
                while not self._running.wait(0.1):
                    self.holds += 1
                    if self.cancel_token.cancelled:
                        break
        except Exception as e:
            _log_failure("Background job failed", e)
            self.signals.failed.emit(e)
        else:
            self.signals.succeeded.emit(None)
        finally:
            self.signals.finished.emit()


class Pools:
    """Thread pools by latency class (STYLE.md 2.3); workers are kept referenced until they finish.

    * ``io``: thumbnails and photo previews (decoding JPEGs, short DB reads): about the number of cores,
      since these are short and many, and the user is waiting for them on screen;
    * ``index``: exactly one long indexing run at a time (the service runs its own decode pool, ONNX threads
      and single DB writer inside it);
    * ``db``: exactly one thread for clustering and other long writes, so they never race each other for
      SQLite's single write lock;
    * ``review``: one thread for long read-only computations (the review report: seconds on a large library),
      so that they hold up neither the thumbnails on the io pool nor the writes on the db pool.
    """

    def __init__(self, io_threads: int | None = None) -> None:
        self.io = QThreadPool()
        self.io.setMaxThreadCount(io_threads or max(2, QThreadPool.globalInstance().maxThreadCount()))
        self.index = QThreadPool()
        self.index.setMaxThreadCount(1)
        self.db = QThreadPool()
        self.db.setMaxThreadCount(1)
        self.review = QThreadPool()
        self.review.setMaxThreadCount(1)
        self._alive: set[QRunnable] = set()

    def start(self, pool: QThreadPool, worker: FunctionWorker | GeneratorWorker) -> None:
        self._alive.add(worker)
        worker.signals.finished.connect(lambda w=worker: self._alive.discard(w))
        pool.start(worker)

    def run(self, pool: QThreadPool, fn: Callable[[], Any], on_result: Callable[[Any], None] | None = None,
            on_error: Callable[[BaseException], None] | None = None) -> FunctionWorker:
        """Starts ``fn`` on ``pool``; ``on_result``/``on_error`` are called on the GUI thread."""
        w = FunctionWorker(fn)
        if on_result is not None:
            w.signals.succeeded.connect(on_result)
        if on_error is not None:
            w.signals.failed.connect(on_error)
        self.start(pool, w)
        return w

    def cancel(self) -> None:
        """Cancels every running generator job (indexing, clustering); each stops at its next check."""
        for w in list(self._alive):
            if isinstance(w, GeneratorWorker):
                w.cancel()

    def wait(self, ms: int = 30_000) -> bool:
        """Cancels generator jobs and waits up to ``ms`` for every pool; True when all of them are done."""
        self.cancel()
        deadline = time.monotonic() + ms / 1000
        done = True
        for p in (self.index, self.db, self.review, self.io):
            done = p.waitForDone(max(0, int((deadline - time.monotonic()) * 1000))) and done
        return done
