# SPDX-License-Identifier: MIT
"""Closing the window cancels the running work, says "Finishing…", and closes within 5 s with every pool idle."""

from __future__ import annotations

import time

from ui_fakes import SlowEngine
from ui_fakes import make_album
from ui_fakes import n_media

from organizer.core.progress import Progress


def test_close_during_indexing_cancels_it_and_closes_in_time(make_window, qtbot, library, tmp_path):
    engine = SlowEngine(0.05)
    w = make_window(lambda: engine)
    w.show()
    album = make_album(tmp_path / "album", 300)  # about 15 s of work
    w.index_paths([str(album)])
    qtbot.waitUntil(lambda: engine.calls >= 3, timeout=10_000)
    job = w.indexer.worker

    t0 = time.monotonic()
    assert not w.close()  # not yet: the run is stopping
    assert w.isVisible() and w.status_label.text() == "Finishing…"
    assert job.cancel_token.cancelled
    qtbot.waitUntil(lambda: not w.isVisible(), timeout=5000)
    assert time.monotonic() - t0 < 5.0
    assert w.pools.wait(0), "every pool is idle once the window is closed"
    assert 0 < n_media(library) < 300  # what the run finished is kept


def test_close_during_clustering_cancels_it(make_window, qtbot, seed, library):
    seed(library, 2)
    w = make_window()
    w.show()
    seen = {}

    def slow_recluster(params, cancel=None, incremental=False):
        # Like the service: checks the token between its phases, and a cancelled run writes nothing.
        seen["token"] = cancel
        yield Progress("cluster", 0, 3)
        deadline = time.monotonic() + 20
        while not cancel.cancelled and time.monotonic() < deadline:
            time.sleep(0.01)
        seen["cancelled"] = cancel.cancelled

    w.ctx.clustering.recluster = slow_recluster
    w.recluster_action.trigger()
    qtbot.waitUntil(lambda: "token" in seen, timeout=5000)
    t0 = time.monotonic()
    w.close()
    qtbot.waitUntil(lambda: not w.isVisible(), timeout=5000)
    assert time.monotonic() - t0 < 5.0 and seen["cancelled"]
    assert w.pools.wait(0)
    w.recluster_action.trigger()  # nothing starts after the window closed
    assert not w.clustering.running
