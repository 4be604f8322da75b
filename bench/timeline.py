# SPDX-License-Identifier: MIT
"""The Timeline over a large library: time to open it, and the longest frame while scrolling through it.

    QT_QPA_PLATFORM=offscreen python bench/timeline.py [--media 100000] [--photos DIR] [--db PATH]

Builds bench/people_grid.py's library (5 000 persons, 100 000 faces on 50 000 photos) plus photos without faces
up to ``--media`` files, dated over 20 years, 2 % undated (unless ``--db`` exists). With ``--photos``, the files'
paths point at the JPEGs of that folder in turn, so the previews are real decodes (else the paths do not exist and
each preview is the "unreadable" tile: the scrolling then measures the view alone).

Prints: ``Timeline.items()`` (the queries), the window from switching to the Timeline tab to the first painted
strips, and while a timer scrolls the view as a user would (a wheel step every 16 ms, and a page at a time), the
gaps between the timer's ticks: a gap is a frame the user waits for, previews arriving from the io pool included.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from sqlalchemy import func
from sqlalchemy import insert
from sqlalchemy import select
from sqlalchemy import update

from organizer.db.engine import open_library
from organizer.db.models import DateSource
from organizer.db.models import Media
from organizer.db.models import MediaKind
from organizer.db.models import MediaStatus
from organizer.services.timeline import Timeline


def build(path: Path, n_media: int, photos: list[str]) -> None:
    from people_grid import build as build_people

    build_people(path, 5000, 100_000)
    engine, sessions = open_library(path)
    rng = np.random.default_rng(1)
    with sessions.begin() as s:
        have = int(s.scalar(select(func.count()).select_from(Media)) or 0)
        base = dt.datetime(2005, 1, 1)
        s.execute(insert(Media), [
            {"path": f"/album/extra/img_{m:06d}.jpg", "size": 3_000_000, "mtime_ns": m, "kind": MediaKind.PHOTO,
             "width": 4000, "height": 3000, "status": MediaStatus.OK,
             "taken_at": base + dt.timedelta(minutes=int(rng.integers(0, 20 * 365 * 24 * 60))),
             "date_source": DateSource.EXIF} for m in range(max(0, n_media - have))])
        ids = list(s.scalars(select(Media.id)))
        undated = rng.choice(ids, size=len(ids) // 50, replace=False)
        s.execute(update(Media).where(Media.id.in_([int(i) for i in undated])).values(taken_at=None, date_source=None))
        if photos:  # one symbolic link per file (paths are unique), to the real JPEGs in turn
            links = path.parent / "links"
            links.mkdir(exist_ok=True)
            rows = []
            for k, i in enumerate(ids):
                link = links / f"{i:06d}.jpg"
                if not link.exists():
                    link.symlink_to(photos[k % len(photos)])
                rows.append({"id": i, "path": str(link)})
            s.execute(update(Media), rows)
    engine.dispose()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--media", type=int, default=100_000)
    ap.add_argument("--photos", type=Path, default=None, help="a folder of JPEGs the files' paths point at")
    ap.add_argument("--db", type=Path, default=None)
    ap.add_argument("--seconds", type=float, default=6.0, help="how long each scrolling run lasts")
    args = ap.parse_args()
    photos = sorted(str(p) for p in args.photos.rglob("*.jpg")) if args.photos else []
    db = args.db or Path(tempfile.mkdtemp()) / "library.sqlite"
    if not db.exists():
        t = time.perf_counter()
        build(db, args.media, photos)
        print(f"built {db} ({db.stat().st_size / 2**20:.0f} MiB) in {time.perf_counter() - t:.1f} s")
    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    engine, sessions = open_library(db)
    timeline = Timeline(sessions)
    timeline.items()  # warm the OS cache, as a second start would have it
    t = time.perf_counter()
    items = timeline.items()
    print(f"Timeline.items: {len(items):,} files in {time.perf_counter() - t:.3f} s")
    window(sessions, db.parent, args.seconds)
    engine.dispose()
    return 0


def window(sessions, tmp: Path, seconds: float) -> None:
    from PySide6.QtCore import QEventLoop
    from PySide6.QtCore import QSettings
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from organizer.ui.context import AppContext
    from organizer.ui.main_window import MainWindow

    app = QApplication.instance() or QApplication([])
    settings = QSettings(str(tmp / "bench_settings.ini"), QSettings.Format.IniFormat)
    w = MainWindow(AppContext.for_library(sessions, lambda frames: None, settings))
    w.resize(1280, 820)
    w.show()
    loop = QEventLoop()
    w.refreshed.connect(loop.quit)
    loop.exec()
    assert w.timeline is not None
    view = w.timeline.page.view
    w.timeline.loaded.connect(loop.quit)
    for when in ("at once, while the window's review questions compute", "once they are computed"):
        if w.review.running and when.startswith("once"):
            w.review.updated.connect(loop.quit)
            while w.review.running:
                loop.exec()
        w.tabs.setCurrentWidget(w.page)
        w.timeline.invalidate()  # load again when next shown
        t = time.perf_counter()
        w.tabs.setCurrentWidget(w.timeline.page)
        loop.exec()  # an event loop, not a processEvents() spin that would hold the GIL against the pools
        view.viewport().repaint()
        print(f"Timeline tab, {when}: switch to painted strips {time.perf_counter() - t:.3f} s "
              f"({w.timeline.model.rowCount():,} rows of {w.timeline.model.columns} columns)")

    bar = view.verticalScrollBar()
    for label, step in (("wheel steps of 120 px", 120), ("a page at a time", bar.pageStep())):
        bar.setValue(0)
        gaps: list[float] = []
        last = [time.perf_counter()]
        end = time.perf_counter() + seconds
        timer = QTimer(interval=16)

        def tick(step=step, gaps=gaps, last=last, end=end, timer=timer) -> None:
            now = time.perf_counter()
            gaps.append(now - last[0])
            last[0] = now
            if now >= end or bar.value() >= bar.maximum():
                timer.stop()
                loop.quit()
                return
            bar.setValue(bar.value() + step)
            view.viewport().repaint()  # paint now: the frame's cost lands in this tick's gap

        timer.timeout.connect(tick)
        timer.start()
        loop.exec()
        g = np.array(gaps[1:]) * 1000
        print(f"scrolling, {label}: {len(g)} frames, {bar.value() / max(1, bar.maximum()):.0%} of the timeline; "
              f"frame gap median {np.median(g):.1f} ms, 99th {np.percentile(g, 99):.1f} ms, max {g.max():.1f} ms, "
              f"over 50 ms: {(g > 50).sum()}")
    w.pools.wait()
    w.close()
    app.processEvents()


if __name__ == "__main__":
    sys.exit(main())
