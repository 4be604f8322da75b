# SPDX-License-Identifier: MIT
"""UI fixtures: a real SQLite library per test, real services, a window, and a small album read in place."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import insert
from sqlalchemy import select

from organizer.cluster import ClusterParams
from organizer.db.models import DecidedBy
from organizer.db.models import Face
from organizer.db.models import LibraryFolder
from organizer.db.models import Media
from organizer.db.models import MediaKind
from organizer.db.models import MediaStatus
from organizer.db.models import Person
from organizer.services.browse_service import BrowseService
from organizer.services.index_service import AnalyzerEngine
from organizer.services.index_service import IndexService
from organizer.services.index_service import IndexSettings
from organizer.services.people_service import PeopleService

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
#: A small album: three persons with three LFW photos each, and one photo of a couple.
ALBUM = {
    "keanu_reeves": 3,
    "venus_williams": 3,
    "kevin_costner": 3,
}
GROUP = "_groups/deepface_couple.jpg"


@pytest.fixture
def qsettings(tmp_path):
    from PySide6.QtCore import QSettings

    return QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)


def make_ctx(library, qsettings, engine_factory=None):
    from organizer.ui.main_window import AppContext

    # The album's files share one day, so the day-span rule would leave everyone unsorted.
    people = PeopleService(library, ClusterParams(min_span_days=0.0, min_faces=2))

    def make_indexer(frames):
        return IndexService(library, engine_factory, IndexSettings(frames=frames, isolate_videos=False))

    return AppContext(people=people, browse=BrowseService(library), make_indexer=make_indexer, settings=qsettings)


@pytest.fixture
def make_window(qtbot, library, qsettings):
    from organizer.ui.main_window import MainWindow

    windows = []

    def make(engine_factory=None):
        w = MainWindow(make_ctx(library, qsettings, engine_factory))
        qtbot.addWidget(w)
        windows.append(w)
        return w

    yield make
    for w in windows:
        w.pools.wait()


@pytest.fixture
def album(faces_dir, tmp_path) -> Path:
    """Symlinks to a few files of the developer set (read in place, nothing copied)."""
    root = tmp_path / "album"
    root.mkdir()
    for ident, n in ALBUM.items():
        files = sorted(p for p in (faces_dir / ident).iterdir() if p.name.startswith("lfw_"))[:n]
        for f in files:
            (root / f"{ident}_{f.name}").symlink_to(f)
    (root / "couple.jpg").symlink_to(faces_dir / GROUP)
    return root


@pytest.fixture(scope="session")
def analyzer_engine(analyzer):
    return AnalyzerEngine(analyzer)


def seed_persons(sessions, n_persons: int, faces_per_person: int = 2, hidden: tuple[int, ...] = (),
                 with_thumbs: bool = False) -> dict[int, list[int]]:
    """Synthetic library rows: persons with faces on separate photos; returns {person id: [face ids]}."""
    import cv2

    thumb = None
    if with_thumbs:
        _ok, buf = cv2.imencode(".jpg", np.full((96, 96, 3), 128, np.uint8))
        thumb = buf.tobytes()
    rng = np.random.default_rng(0)
    out: dict[int, list[int]] = {}
    with sessions.begin() as s:
        folder = LibraryFolder(path="/synthetic")
        s.add(folder)
        s.flush()
        persons = [Person(hidden=i in hidden) for i in range(n_persons)]
        s.add_all(persons)
        s.flush()
        media_rows = [dict(id=k + 1, folder_id=folder.id, path=f"/synthetic/p{i}_{j}.jpg", size=1, mtime_ns=1,
                           kind=MediaKind.PHOTO, status=MediaStatus.OK, width=640, height=480,
                           taken_at=dt.datetime(2000 + j, 1 + i % 12, 1))
                      for k, (i, j) in enumerate((i, j) for i in range(n_persons) for j in range(faces_per_person))]
        s.execute(insert(Media), media_rows)
        rows = []
        k = 0
        for p in persons:
            for _j in range(faces_per_person):
                i = p.id
                rows.append(dict(media_id=media_rows[k]["id"], x=100.0, y=100.0, w=80.0, h=80.0, score=0.99,
                                 embedding=rng.standard_normal(16).astype("<f4").tobytes(), embedding_model="fake",
                                 embedding_dim=16, p_male=0.9 if i % 2 == 0 else 0.1, age=10.0 + 7 * (i % 9),
                                 thumbnail=thumb, person_id=p.id, assigned_by=DecidedBy.ALGORITHM))
                k += 1
        s.execute(insert(Face), rows)
        for fid, pid in s.execute(select(Face.id, Face.person_id)):
            out.setdefault(pid, []).append(fid)
    return out


@pytest.fixture
def seed():
    """``seed(sessions, n_persons, ...)``: see :func:`seed_persons`."""
    return seed_persons
