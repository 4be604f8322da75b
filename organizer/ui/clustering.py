# SPDX-License-Identifier: MIT
"""Clustering from the window: Re-cluster on demand, and live clustering while indexing, on the db pool.

One run at a time: a run asked for while one is going is started after it (a full Re-cluster wins over an
incremental one). While indexing, new faces join persons every few seconds (:data:`LIVE_CLUSTER_MS`), resting
between runs so that clustering never takes more than about a third of the machine. The parameters are read from
the library's settings at the start of every run, on the db pool.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from PySide6.QtCore import QObject
from PySide6.QtCore import QTimer
from PySide6.QtCore import Signal
from PySide6.QtWidgets import QLabel
from PySide6.QtWidgets import QStatusBar

from organizer.cluster import ClusterParams
from organizer.db.engine import is_database_locked
from organizer.services.clustering import ClusteringService
from organizer.ui.indexing import IndexingController
from organizer.ui.workers import GeneratorWorker
from organizer.ui.workers import Pools

log = logging.getLogger(__name__)

#: While indexing, new faces join persons at most this often (an incremental clustering on the db pool).
LIVE_CLUSTER_MS = 3000
#: ... and after one, waits this many times as long as it took before the next.
LIVE_CLUSTER_REST = 2.0
#: How long a failure is shown while indexing (its progress owns the status label meanwhile).
FAILURE_MESSAGE_MS = 15_000


class ClusteringController(QObject):
    """Runs :meth:`ClusteringService.recluster` on the db pool and reports in the status bar."""

    #: A run wrote its result: True for a full Re-cluster, False for an incremental one.
    clustered = Signal(bool)

    def __init__(self, pools: Pools, service: ClusteringService, load_params: Callable[[], ClusterParams],
                 indexer: IndexingController, status_bar: QStatusBar, status_label: QLabel,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._pools = pools
        self._service = service
        self._load_params = load_params
        self._indexer = indexer
        self._status_bar = status_bar
        self.status_label = status_label
        self._worker: GeneratorWorker | None = None
        self._failed_run = False
        self._pending: bool | None = None  # None: nothing asked for meanwhile; else whether incremental
        self._started = self._done = self._took = 0.0
        self._faces_clustered = 0
        self._shut_down = False
        self._live_timer = QTimer(self, interval=LIVE_CLUSTER_MS)
        self._live_timer.timeout.connect(self._live_tick)

    @property
    def running(self) -> bool:
        return self._worker is not None

    def recluster(self, incremental: bool = False) -> None:
        """Clusters every face again (hand edits are kept by the service), or only the new ones."""
        if self._shut_down:
            return
        if self._worker is not None:
            self._pending = incremental if self._pending is None else (self._pending and incremental)
            return
        service, load = self._service, self._load_params
        w = GeneratorWorker(lambda cancel: service.recluster(load(), cancel, incremental=incremental))
        w.signals.failed.connect(lambda e: self._failed(e, incremental))
        w.signals.finished.connect(lambda: self._finished(w, incremental))
        self._worker = w
        self._failed_run = False
        self._started = time.monotonic()
        if not incremental:
            self.status_label.setText("Grouping faces into persons…")
        self._pools.start(self._pools.db, w)

    def start_live(self) -> None:
        """Indexing started: cluster its new faces now and then."""
        self._faces_clustered = 0
        if not self._shut_down:
            self._live_timer.start()

    def stop_live(self) -> None:
        self._live_timer.stop()

    def shutdown(self) -> None:
        """On quit: no more runs, and the running one is cancelled (the service then writes nothing)."""
        self._shut_down = True
        self._pending = None
        self._live_timer.stop()
        if self._worker is not None:
            self._worker.cancel()

    def _finished(self, w: GeneratorWorker, incremental: bool) -> None:
        self._worker = None
        self._done = time.monotonic()
        self._took = self._done - self._started
        if not self._failed_run and not w.cancel_token.cancelled:
            full = not incremental or self._service.last_run_was_full  # the service upgrades to full once
            if full:
                self.status_label.setText("Persons updated")
            self.clustered.emit(full)
        pending, self._pending = self._pending, None
        if pending is not None:
            self.recluster(incremental=pending)

    def _failed(self, e: BaseException, incremental: bool) -> None:
        self._failed_run = True
        if incremental and self._indexer.running and is_database_locked(e):
            # The indexer's writer held SQLite's write lock past the busy timeout: nothing was changed, so simply
            # try again at the next tick.
            log.info("Live clustering deferred: %s", e)
            self._faces_clustered = 0
            return
        text = f"Clustering failed: {e}"
        if self._indexer.running:
            self._status_bar.showMessage(text, FAILURE_MESSAGE_MS)
        else:
            self.status_label.setText(text)

    def _live_tick(self) -> None:
        # On a large library one incremental clustering takes seconds (all faces are read and prepared): rest at
        # least twice as long as the last one took, so that it never takes more than a third of the machine.
        if time.monotonic() - self._done < LIVE_CLUSTER_REST * self._took:
            return
        if self._indexer.faces_seen > self._faces_clustered and self._worker is None:
            self._faces_clustered = self._indexer.faces_seen
            self.recluster(incremental=True)
