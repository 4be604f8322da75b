# SPDX-License-Identifier: MIT
"""Longest GUI event-loop stall while the main window indexes N photos (target: none over 100 ms).

A 5 ms QTimer on the GUI thread records the gap between its ticks; any gap is time the event loop could not run.
Default: N synthetic JPEGs and a fast fake face engine (one face each), so the GUI handles the full progress, live
clustering and refresh traffic of N files quickly. ``--real DIR`` indexes the photos of DIR with the real models.

    QT_QPA_PLATFORM=offscreen .venv/bin/python bench/gui_stall.py [-n 1000] [--real DIR]
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("-n", type=int, default=1000)
    ap.add_argument("--real", metavar="DIR")
    args = ap.parse_args()
    from PySide6.QtCore import QElapsedTimer
    from PySide6.QtCore import QSettings
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from organizer.db.engine import open_library
    from organizer.services.index_service import IndexService
    from organizer.services.index_service import IndexSettings
    from organizer.services.settings_service import LibrarySettings
    from organizer.services.settings_service import SettingsService
    from organizer.ui.context import AppContext
    from organizer.ui.main_window import MainWindow

    tmp = Path(tempfile.mkdtemp())
    if args.real:
        from organizer.vision.analyzer import FaceAnalyzer
        from organizer.vision.engine import AnalyzerEngine

        engine = AnalyzerEngine(FaceAnalyzer())
        album = Path(args.real)
    else:
        sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "services"))
        from index_fakes import FakeEngine

        engine = FakeEngine()
        album = tmp / "album"
        album.mkdir()
        rng = np.random.default_rng(0)
        for i in range(args.n):
            img = rng.integers(0, 255, (48, 64, 3), dtype=np.uint8)
            cv2.imwrite(str(album / f"{i:05d}.jpg"), img)
    app = QApplication([])
    _engine, sessions = open_library(tmp / "lib.sqlite")
    SettingsService(sessions).save(LibrarySettings(min_span_days=0))

    def make_indexer(frames):
        return IndexService(sessions, lambda: engine, IndexSettings(frames=frames, isolate_videos=False))

    ctx = AppContext.for_library(sessions, make_indexer, QSettings(str(tmp / "s.ini"), QSettings.Format.IniFormat))
    if not args.real:
        # The fake engine's embeddings cannot be centred with the stored 1024-dim mean (centring is not a setting).
        clustering = ctx.clustering
        recluster = clustering.recluster
        clustering.recluster = lambda params, cancel=None, incremental=False: recluster(
            dataclasses.replace(params, centre=False), cancel, incremental)
    w = MainWindow(ctx)
    w.show()
    from organizer.app import settle_gc

    settle_gc()  # as the app does at start-up
    gaps: list[float] = []
    clock = QElapsedTimer()
    clock.start()
    last = [clock.nsecsElapsed()]

    def tick() -> None:
        now = clock.nsecsElapsed()
        gaps.append((now - last[0]) / 1e6)
        last[0] = now

    timer = QTimer(interval=5)
    timer.timeout.connect(tick)
    done = []
    w.indexing_finished.connect(lambda: done.append(time.monotonic()))
    t0 = time.monotonic()
    timer.start()
    w.index_paths([str(album)])
    while not done:
        app.processEvents()
        time.sleep(0.001)
    timer.stop()
    w.pools.wait()
    g = np.array(gaps[1:]) if len(gaps) > 1 else np.zeros(1)
    print(f"indexed {args.n if not args.real else album} in {done[0] - t0:.1f} s; timer ticks {len(g)}; "
          f"GUI gap max {g.max():.1f} ms, p99 {np.percentile(g, 99):.1f} ms, >100 ms: {(g > 100).sum()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
