# SPDX-License-Identifier: MIT
"""UI fixtures: a real SQLite library per test, real services, a window, and a small album read in place."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import insert
from sqlalchemy import select

from organizer.db.models import DateSource
from organizer.db.models import DecidedBy
from organizer.db.models import Face
from organizer.db.models import LibraryFolder
from organizer.db.models import Media
from organizer.db.models import MediaKind
from organizer.db.models import MediaStatus
from organizer.db.models import Person
from organizer.services.index_service import IndexService
from organizer.services.index_service import IndexSettings
from organizer.services.settings_service import LibrarySettings
from organizer.services.settings_service import SettingsService
from organizer.vision.engine import AnalyzerEngine

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


#: The album's files share one day, so the day-span rule would leave everyone unsorted.
TEST_SETTINGS = LibrarySettings(min_span_days=0.0, min_faces=2)


def make_ctx(library, qsettings, engine_factory=None):
    from organizer.ui.context import AppContext

    def make_indexer(frames):
        return IndexService(library, engine_factory, IndexSettings(frames=frames, isolate_videos=False))

    return AppContext.for_library(library, make_indexer, qsettings, engine_factory)


@pytest.fixture
def make_window(qtbot, library, qsettings):
    """``make_window(engine_factory=None)``: a main window over the test's library (settings: TEST_SETTINGS)."""
    from organizer.ui.main_window import MainWindow

    SettingsService(library).save(TEST_SETTINGS)
    pools = []

    def make(engine_factory=None):
        w = MainWindow(make_ctx(library, qsettings, engine_factory))
        # Work still running is stopped and waited for before the window closes (and the library is closed).
        qtbot.addWidget(w, before_close_func=lambda w: w.pools.wait())
        pools.append(w.pools)
        return w

    yield make
    for p in pools:
        p.wait()


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
                           taken_at=dt.datetime(2000 + j, 1 + i % 12, 1), date_source=DateSource.EXIF)
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


def add_media(sessions, path, size: tuple[int, int], faces, kind: str = "photo",
              taken: dt.datetime = dt.datetime(2010, 6, 1)) -> list[int]:
    """One real file in the library with faces ``[(person id or None, frame_s, (x, y, w, h)), ...]``.

    Returns the face ids in the given order. Persons named in ``faces`` must exist (see :func:`add_person`).
    """
    with sessions.begin() as s:
        m = Media(path=str(path), size=1, mtime_ns=1, kind=MediaKind.VIDEO if kind == "video" else MediaKind.PHOTO,
                  status=MediaStatus.OK, width=size[0], height=size[1], taken_at=taken,
                  date_source=DateSource.EXIF)
        s.add(m)
        s.flush()
        rows = [Face(media_id=m.id, frame_s=t, x=b[0], y=b[1], w=b[2], h=b[3], score=0.99,
                     embedding=np.zeros(16, "<f4").tobytes(), embedding_model="fake", embedding_dim=16, p_male=0.5,
                     age=30.0, person_id=pid, assigned_by=DecidedBy.ALGORITHM if pid else None)
                for pid, t, b in faces]
        s.add_all(rows)
        s.flush()
        return [f.id for f in rows]


def add_person(sessions, name: str | None = None) -> int:
    with sessions.begin() as s:
        p = Person(name=name)
        s.add(p)
        s.flush()
        return p.id


def make_video(path, seconds: float = 2.0, fps: int = 10, size: tuple[int, int] = (160, 120)) -> None:
    """A tiny real H.264/MPEG-4 clip: plain red frames in the first second, plain blue ones after."""
    import av

    with av.open(str(path), mode="w") as out:
        stream = out.add_stream("mpeg4", rate=fps)
        stream.width, stream.height = size
        stream.pix_fmt = "yuv420p"
        for i in range(int(seconds * fps)):
            rgb = np.zeros((size[1], size[0], 3), np.uint8)
            rgb[..., 0 if i < fps else 2] = 255
            for packet in stream.encode(av.VideoFrame.from_ndarray(rgb, format="rgb24")):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)


@pytest.fixture
def build():
    """``build.person(sessions, name)``, ``build.media(sessions, path, size, faces, ...)``, ``build.video(path)``."""
    from types import SimpleNamespace

    return SimpleNamespace(person=add_person, media=add_media, video=make_video)


@pytest.fixture
def dark_palette():
    """A dark QPalette like a system dark scheme's: dark base, light text, grey disabled text."""
    from PySide6.QtGui import QColor
    from PySide6.QtGui import QPalette

    pal = QPalette(QColor(53, 53, 58), QColor(45, 45, 50))  # window, button: Qt derives the rest, then overrides
    for group in (QPalette.ColorGroup.Active, QPalette.ColorGroup.Inactive):
        pal.setColor(group, QPalette.ColorRole.Base, QColor(30, 30, 34))
        pal.setColor(group, QPalette.ColorRole.Text, QColor(235, 235, 235))
        pal.setColor(group, QPalette.ColorRole.WindowText, QColor(235, 235, 235))
    pal.setColor(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text, QColor(120, 120, 120))
    return pal


@pytest.fixture
def app_palette(qapp):
    """``app_palette(pal)`` sets the application palette as the system does when it switches scheme; restored after."""
    from PySide6.QtGui import QPalette
    from PySide6.QtWidgets import QApplication

    before = QPalette(qapp.palette())
    yield QApplication.setPalette
    QApplication.setPalette(before)
