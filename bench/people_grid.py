# SPDX-License-Identifier: MIT
"""Time to open the people grid from a populated library: 5 000 persons, 100 000 faces.

    QT_QPA_PLATFORM=offscreen python bench/people_grid.py [--persons 5000] [--faces 100000] [--db PATH]

Builds a library file (real schema, 4 KB embeddings like real faces) unless ``--db`` exists, then prints the
time of ``PersonQueries.list_persons`` (the query and the per-person gender/birth-year fusion) and of filling
and painting the Qt grid with the result; then what the user waits for: the main window from its constructor to
the people grid painted with persons (the library load on the io pool, the model, the first paint), best of
``--repeat``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import insert

from organizer.db.engine import open_library
from organizer.db.models import DateSource
from organizer.db.models import DecidedBy
from organizer.db.models import Face
from organizer.db.models import Media
from organizer.db.models import MediaKind
from organizer.db.models import MediaStatus
from organizer.db.models import Person
from organizer.services.person_queries import PersonQueries


def build(path: Path, n_persons: int, n_faces: int) -> None:
    engine, sessions = open_library(path)
    rng = np.random.default_rng(0)
    emb = rng.random(1024, dtype=np.float32).tobytes()
    with sessions.begin() as s:
        s.execute(insert(Person), [{"id": i + 1} for i in range(n_persons)])
        n_media = n_faces // 2
        base = dt.datetime(2005, 1, 1)
        s.execute(insert(Media), [
            {"id": m + 1, "path": f"/album/{m // 1000:03d}/img_{m:06d}.jpg", "size": 3_000_000, "mtime_ns": m,
             "kind": MediaKind.PHOTO, "width": 4000, "height": 3000, "status": MediaStatus.OK,
             "taken_at": base + dt.timedelta(hours=int(m)), "date_source": DateSource.EXIF}
            for m in range(n_media)])
        person = rng.integers(1, n_persons + 1, n_faces)
        s.execute(insert(Face), [
            {"media_id": int(f // 2) + 1, "x": 10.0, "y": 10.0, "w": 100.0, "h": 120.0, "score": 0.99,
             "embedding": emb, "embedding_model": "bench", "embedding_dim": 1024, "p_male": float(rng.random()),
             "age": float(rng.integers(1, 80)), "person_id": int(person[f]), "assigned_by": DecidedBy.ALGORITHM}
            for f in range(n_faces)])
    engine.dispose()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--persons", type=int, default=5000)
    ap.add_argument("--faces", type=int, default=100_000)
    ap.add_argument("--db", type=Path, default=None)
    ap.add_argument("--repeat", type=int, default=3, help="window opens to time (the best is reported)")
    args = ap.parse_args()
    db = args.db or Path(tempfile.mkdtemp()) / "library.sqlite"
    if not db.exists():
        t = time.perf_counter()
        build(db, args.persons, args.faces)
        print(f"built {db} ({db.stat().st_size / 2**20:.0f} MiB) in {time.perf_counter() - t:.1f} s")
    engine, sessions = open_library(db)
    people = PersonQueries(sessions)
    people.list_persons()  # warm the OS cache, as a second start of the app would have it
    t = time.perf_counter()
    persons = people.list_persons()
    t_list = time.perf_counter() - t
    print(f"list_persons: {len(persons)} persons in {t_list:.3f} s")

    from PySide6.QtWidgets import QApplication

    from organizer.services.browse_service import BrowseService
    from organizer.ui.models.person_model import PersonGridModel
    from organizer.ui.models.thumbnails import ThumbnailCache
    from organizer.ui.views.person_grid import PeoplePanel
    from organizer.ui.workers import Pools

    app = QApplication.instance() or QApplication([])
    pools = Pools()
    model = PersonGridModel(ThumbnailCache(BrowseService(sessions), pools))
    panel = PeoplePanel(model)
    panel.resize(1200, 800)
    panel.show()
    t = time.perf_counter()
    model.set_persons(persons, unsorted_faces=0)
    panel.view.viewport().repaint()
    app.processEvents()
    t_ui = time.perf_counter() - t
    print(f"grid filled and painted in {t_ui:.3f} s; total from the database {t_list + t_ui:.3f} s")
    pools.wait()
    panel.close()
    times = [open_window(sessions, db.parent) for _ in range(args.repeat)]
    print(f"main window open to the painted people grid: best {min(times):.3f} s, "
          f"all {' '.join(f'{t:.3f}' for t in times)}")
    engine.dispose()
    return 0


def open_window(sessions, tmp: Path) -> float:
    from PySide6.QtCore import QEventLoop
    from PySide6.QtCore import QSettings

    from organizer.ui.context import AppContext
    from organizer.ui.main_window import MainWindow

    settings = QSettings(str(tmp / "bench_settings.ini"), QSettings.Format.IniFormat)
    ctx = AppContext.for_library(sessions, lambda frames: None, settings)
    t = time.perf_counter()
    w = MainWindow(ctx)
    w.resize(1280, 820)
    w.show()
    loop = QEventLoop()
    w.refreshed.connect(loop.quit)
    loop.exec()  # an event loop, not a processEvents() spin that would hold the GIL against the io pool
    w.people_panel.view.viewport().repaint()
    elapsed = time.perf_counter() - t
    w.pools.wait()
    w.close()
    w.deleteLater()
    return elapsed


if __name__ == "__main__":
    sys.exit(main())
