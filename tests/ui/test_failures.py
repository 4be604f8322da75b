# SPDX-License-Identifier: MIT
"""Errors are never lost: failed workers log their traceback at ERROR, a real failure during indexing is shown (only
"database is locked" defers the live clustering), and an unhandled exception names the log file in a dialog."""

from __future__ import annotations

import logging
import sqlite3
import sys
import threading

import pytest
from sqlalchemy.exc import OperationalError
from ui_fakes import SlowEngine
from ui_fakes import make_album

from organizer.db.engine import is_database_locked
from organizer.ui import clustering as clustering_mod
from organizer.ui import crash
from organizer.ui.workers import FunctionWorker
from organizer.ui.workers import GeneratorWorker
from organizer.ui.workers import Pools


def _locked() -> OperationalError:
    return OperationalError("UPDATE face SET person_id=?", {}, sqlite3.OperationalError("database is locked"))


def test_failed_workers_log_the_traceback_at_error(qtbot, caplog):
    def boom():
        raise RuntimeError("the disk caught fire")

    def job(_cancel):
        yield 1
        raise KeyError("no such face")

    pools = Pools(io_threads=1)
    failed = []
    for w in (FunctionWorker(boom), GeneratorWorker(job)):
        w.signals.failed.connect(failed.append)
        with qtbot.waitSignal(w.signals.finished, timeout=5000):
            pools.start(pools.io, w)
    assert [type(e) for e in failed] == [RuntimeError, KeyError]
    errors = [r for r in caplog.records if r.name == "organizer.ui.workers" and r.levelno == logging.ERROR]
    assert len(errors) == 2 and all(r.exc_info and r.exc_info[1] is e for r, e in zip(errors, failed, strict=True))
    assert "the disk caught fire" in caplog.text and "Traceback" in caplog.text


def test_only_database_is_locked_counts_as_locked():
    assert is_database_locked(_locked())
    assert not is_database_locked(OperationalError("SELECT 1", {}, sqlite3.OperationalError("disk I/O error")))
    assert not is_database_locked(RuntimeError("database is locked"))


@pytest.fixture
def fast_live_clustering(monkeypatch):
    monkeypatch.setattr(clustering_mod, "LIVE_CLUSTER_MS", 50)


def _index_with_broken_clustering(make_window, qtbot, tmp_path, error: Exception):
    calls = []

    def broken(params, cancel=None, incremental=False):
        calls.append(incremental)
        raise error
        yield  # a generator, as the service's is: it fails on the db pool

    w = make_window(lambda: SlowEngine(0.02))
    w.ctx.clustering.recluster = broken
    w.index_paths([str(make_album(tmp_path / "album", 200))])
    return w, calls


def test_a_real_failure_while_indexing_is_shown_not_deferred(make_window, qtbot, tmp_path, caplog,
                                                             fast_live_clustering):
    w, calls = _index_with_broken_clustering(make_window, qtbot, tmp_path, ValueError("mean embedding mismatch"))
    qtbot.waitUntil(lambda: w.statusBar().currentMessage() == "Clustering failed: mean embedding mismatch",
                    timeout=10_000)
    assert w.indexing and calls and all(calls)  # live (incremental) runs
    assert any(r.levelno == logging.ERROR and r.exc_info for r in caplog.records)
    assert "Live clustering deferred" not in caplog.text
    w.indexer.cancel()


def test_database_is_locked_while_indexing_defers_the_live_clustering(make_window, qtbot, tmp_path, caplog,
                                                                      fast_live_clustering):
    caplog.set_level(logging.INFO, logger="organizer.ui")
    w, calls = _index_with_broken_clustering(make_window, qtbot, tmp_path, _locked())
    qtbot.waitUntil(lambda: len(calls) >= 2, timeout=10_000)  # tried again at a later tick
    assert w.indexing and not w.statusBar().currentMessage() and "Clustering failed" not in w.status_label.text()
    assert "Live clustering deferred" in caplog.text
    assert not any(r.levelno >= logging.ERROR for r in caplog.records)
    w.indexer.cancel()


class _Boxes:
    def __init__(self) -> None:
        self.shown: list[str] = []

    def critical(self, parent, title, text):
        self.shown.append(text)


def test_unhandled_exceptions_are_logged_and_shown_with_the_log_path(qtbot, tmp_path, caplog, monkeypatch):
    boxes = _Boxes()
    monkeypatch.setattr(crash, "QMessageBox", boxes)
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)  # restored after the test
    monkeypatch.setattr(threading, "excepthook", threading.excepthook)
    log_file = tmp_path / "log" / "organizer.log"
    reporter = crash.install(log_file)
    assert sys.excepthook == reporter.excepthook and threading.excepthook == reporter.thread_excepthook

    try:
        raise RuntimeError("a bug on the GUI thread")
    except RuntimeError:
        sys.excepthook(*sys.exc_info())
    qtbot.waitUntil(lambda: len(boxes.shown) == 1, timeout=3000)  # on the GUI thread, from the event loop
    assert "went wrong" in boxes.shown[0] and "a bug on the GUI thread" in boxes.shown[0]
    assert str(log_file) in boxes.shown[0]

    def worker():
        raise LookupError("a bug in a thread")

    t = threading.Thread(target=worker, name="helper")
    t.start()
    t.join()
    qtbot.waitUntil(lambda: len(boxes.shown) == 2, timeout=3000)
    assert "a bug in a thread" in boxes.shown[1] and str(log_file) in boxes.shown[1]
    critical = [r for r in caplog.records if r.levelno == logging.CRITICAL]
    assert len(critical) == 2 and all(r.exc_info for r in critical)
