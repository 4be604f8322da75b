# SPDX-License-Identifier: MIT
"""The person page: video clips show the frame where the person appears; a double-click opens the viewer."""

from __future__ import annotations

import threading
import time

import cv2
import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor

from organizer.services.browse_service import BrowseService
from organizer.ui.models import photo_model
from organizer.ui.models.photo_model import HIGHLIGHT
from organizer.ui.models.photo_model import render_preview


def _rgb(img, x, y) -> tuple[int, int, int]:
    c = QColor(img.pixel(x, y))
    return c.red(), c.green(), c.blue()


def _near(a, b, tol=40) -> bool:
    return all(abs(int(p) - int(q)) <= tol for p, q in zip(a, b, strict=True))


def _previews_ready(w) -> bool:
    m = w.photo_model
    key = m._placeholder.cacheKey()
    return m.rowCount() > 0 and all(m.index(r, 0).data(Qt.ItemDataRole.DecorationRole).cacheKey() != key
                                    for r in range(m.rowCount()))


def test_video_shows_the_frame_of_the_face_with_its_box(make_window, qtbot, library, tmp_path, monkeypatch, build):
    clip = tmp_path / "clip.mp4"
    build.video(clip)  # red for the first second, blue after
    me, other = build.person(library, "Me"), build.person(library, "Other")
    mine_box = (60.0, 40.0, 40.0, 40.0)
    build.media(library, clip, (160, 120), [(me, 0.5, mine_box), (me, 1.5, mine_box), (me, 1.8, mine_box),
                                          (other, 1.5, (10.0, 10.0, 30.0, 30.0))], kind="video")
    calls = []
    real = photo_model.read_video_frame

    def spy(path, t, side):
        calls.append((t, threading.current_thread() is threading.main_thread()))
        return real(path, t, side)

    monkeypatch.setattr(photo_model, "read_video_frame", spy)
    w = make_window()
    qtbot.waitUntil(lambda: w.person_model.row_of(me) >= 0, timeout=5000)
    w.people_panel.select_person(me)
    qtbot.waitUntil(lambda: w.photo_model.rowCount() == 3, timeout=5000)
    m = w.photo_model
    qtbot.waitUntil(lambda: _previews_ready(w), timeout=10_000)

    by_time = {m.row(r).photo.frame_s: m.index(r, 0).data(Qt.ItemDataRole.DecorationRole).toImage()
               for r in range(m.rowCount())}
    for t, img in by_time.items():
        assert (img.width(), img.height()) == (160, 120), "the whole frame, not the square face crop"
        background = (255, 0, 0) if t < 1.0 else (0, 0, 255)
        assert _near(_rgb(img, 140, 100), background), f"frame at {t} s"
        left_edge = _rgb(img, 60, 60)
        assert _near(left_edge, (HIGHLIGHT.red(), HIGHLIGHT.green(), HIGHLIGHT.blue())), f"box at {t} s"
    # The other person's face in the same frame is outlined too (thin light box), not in the frame at 0.5 s.
    assert not _near(_rgb(by_time[1.5], 10, 25), (0, 0, 255))
    assert _near(_rgb(by_time[0.5], 10, 25), (255, 0, 0))

    # Decoded once per face, off the GUI thread, then served from the cache.
    assert sorted(t for t, _ in calls) == [0.5, 1.5, 1.8]
    assert not any(on_gui for _, on_gui in calls)
    key = m.index(0, 0).data(Qt.ItemDataRole.DecorationRole).cacheKey()
    qtbot.wait(50)
    assert m.index(0, 0).data(Qt.ItemDataRole.DecorationRole).cacheKey() == key
    assert len(calls) == 3


def test_real_clip_preview_is_the_frame(faces_dir, library, build):
    clip = faces_dir / "_videos" / "faceapi_video.mp4"
    if not clip.is_file():
        pytest.skip(f"{clip} not found")
    me = build.person(library, "Me")
    build.media(library, clip, (820, 460), [(me, 0.1, (300.0, 100.0, 120.0, 150.0))], kind="video")
    (photo,) = BrowseService(library).photos_of_person(me)
    img = render_preview(BrowseService(library), photo)
    assert (img.width(), img.height()) == (200, 112)  # the 820x460 frame, scaled; a face crop would be square
    assert _near(_rgb(img, round(300 * 200 / 820), 40), (HIGHLIGHT.red(), HIGHLIGHT.green(), HIGHLIGHT.blue()), 60)


def test_video_preview_falls_back_to_the_face_crop(library, tmp_path, build):
    """A clip that cannot be decoded any more still shows the face crop stored at indexing."""
    me = build.person(library, "Me")
    gone = tmp_path / "gone.mp4"
    (fid,) = build.media(library, gone, (160, 120), [(me, 0.5, (1.0, 1.0, 10.0, 10.0))], kind="video")
    from sqlalchemy import update

    from organizer.db.models import Face

    _ok, buf = cv2.imencode(".jpg", np.full((96, 96, 3), 200, np.uint8))
    with library.begin() as s:
        s.execute(update(Face).where(Face.id == fid).values(thumbnail=buf.tobytes()))
    (photo,) = BrowseService(library).photos_of_person(me)
    img = render_preview(BrowseService(library), photo)
    assert img.width() == img.height() == photo_model.PREVIEW_SIDE
    assert _near(_rgb(img, 100, 100), (200, 200, 200))


def test_double_click_opens_viewer_with_every_face_and_name(make_window, qtbot, library, tmp_path, build):
    path = tmp_path / "two.jpg"
    cv2.imwrite(str(path), np.full((240, 320, 3), 90, np.uint8))
    alice, someone = build.person(library, "Alice"), build.person(library)
    build.media(library, path, (320, 240), [(alice, None, (40.0, 40.0, 60.0, 60.0)),
                                          (someone, None, (200.0, 40.0, 60.0, 60.0))])
    build.media(library, tmp_path / "other.jpg", (320, 240), [(someone, None, (1.0, 1.0, 5.0, 5.0))])
    w = make_window()
    w.show()
    qtbot.waitUntil(lambda: w.person_model.row_of(alice) >= 0, timeout=5000)
    w.people_panel.select_person(alice)
    qtbot.waitUntil(lambda: w.photo_model.rowCount() == 1, timeout=5000)
    view = w.page.view
    rect = view.visualRect(w.photo_model.index(0, 0))
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.mouseDClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.waitUntil(lambda: w.browser.viewer is not None and w.browser.viewer.isVisible(), timeout=3000)
    v = w.browser.viewer
    qtbot.waitUntil(lambda: not v.loading, timeout=5000)  # decoded on the io pool
    # The unnamed person is labelled as the grid numbers it (its only unnamed person), not by its database id.
    assert someone != 1 and sorted(f.name for f in v.faces) == ["Alice", "Person 1"]
    img = v.image()
    assert (img.width(), img.height()) == (320, 240)
    assert _near(_rgb(img, 40, 70), (HIGHLIGHT.red(), HIGHLIGHT.green(), HIGHLIGHT.blue()))  # Alice: highlighted
    assert not _near(_rgb(img, 200, 70), (90, 90, 90))  # the other face has its box too
    assert not _near(_rgb(img, 200, 70), (HIGHLIGHT.red(), HIGHLIGHT.green(), HIGHLIGHT.blue()))
    v.close()


def test_removed_non_faces_are_not_listed_as_unsorted(make_window, qtbot, library, seed):
    from sqlalchemy import update

    from organizer.db.models import Face
    from organizer.ui.models.person_model import UNSORTED_ID

    faces = seed(library, 2, faces_per_person=2)
    a, b = sorted(faces)
    with library.begin() as s:  # one face the clustering left in no person
        s.execute(update(Face).where(Face.id == faces[b][0]).values(person_id=None))
    w = make_window()
    qtbot.waitUntil(lambda: not w.snapshots.running and w.person_model.row_of(UNSORTED_ID) == 0, timeout=5000)
    w.edits.remove_faces([faces[a][1]])  # "not a face": in no person, but not unsorted either
    qtbot.waitUntil(lambda: not w.snapshots.running, timeout=5000)
    assert w.person_model.index(0, 0).data(Qt.ItemDataRole.DisplayRole) == "Unsorted faces\n1 face"
    w.people_panel.select_person(UNSORTED_ID)
    qtbot.waitUntil(lambda: w.photo_model.rowCount() > 0, timeout=5000)
    qtbot.wait(50)
    assert [r.photo.face_id for r in w.photo_model.rows()] == [faces[b][0]]


def _one_photo(make_window, qtbot, library, tmp_path, build):
    path = tmp_path / "one.jpg"
    cv2.imwrite(str(path), np.full((240, 320, 3), 90, np.uint8))
    alice = build.person(library, "Alice")
    build.media(library, path, (320, 240), [(alice, None, (40.0, 40.0, 60.0, 60.0))])
    w = make_window()
    w.show()
    qtbot.waitUntil(lambda: w.person_model.row_of(alice) >= 0, timeout=5000)
    w.people_panel.select_person(alice)
    qtbot.waitUntil(lambda: w.photo_model.rowCount() == 1, timeout=5000)
    return w, w.photo_model.row(0).photo


def test_viewer_opens_at_once_and_decodes_off_the_gui_thread(make_window, qtbot, library, tmp_path, build,
                                                             monkeypatch):
    from organizer.ui.dialogs import viewer as viewer_mod
    from organizer.ui.dialogs.viewer import LOADING_TEXT

    w, photo = _one_photo(make_window, qtbot, library, tmp_path, build)
    threads = []
    real = viewer_mod.load_image

    def slow(path, side):
        threads.append(threading.get_ident())
        time.sleep(0.5)  # a slow decode, like a 1080p video frame
        return real(path, side)

    monkeypatch.setattr(viewer_mod, "load_image", slow)
    t0 = time.perf_counter()
    v = w.browser.open_photo(photo)
    assert time.perf_counter() - t0 < 0.3, "the window does not wait for the decode"
    assert v.isVisible() and v.loading and v.label.text() == LOADING_TEXT
    with qtbot.waitSignal(v.loaded, timeout=5000):
        pass
    assert threads and threads[0] != threading.get_ident()
    img = v.image()
    assert (img.width(), img.height()) == (320, 240)
    assert _near(_rgb(img, 40, 70), (HIGHLIGHT.red(), HIGHLIGHT.green(), HIGHLIGHT.blue()))
    v.close()


def test_viewer_shows_why_a_file_cannot_be_shown(make_window, qtbot, library, tmp_path, build):
    w, photo = _one_photo(make_window, qtbot, library, tmp_path, build)
    (tmp_path / "one.jpg").unlink()
    v = w.browser.open_photo(photo)
    qtbot.waitUntil(lambda: not v.loading, timeout=5000)
    assert "cannot be shown" in v.label.text() and "moved or deleted" in v.label.text()
    v.close()


def test_viewer_closed_before_its_picture_arrives(make_window, qtbot, library, tmp_path, build, monkeypatch):
    """A result for a viewer closed (and deleted) meanwhile is dropped, not delivered to a deleted object."""
    import shiboken6

    from organizer.ui.dialogs import viewer as viewer_mod

    w, photo = _one_photo(make_window, qtbot, library, tmp_path, build)
    gate = threading.Event()
    real = viewer_mod.load_image
    delivered = []
    monkeypatch.setattr(viewer_mod, "load_image", lambda path, side: (gate.wait(5), real(path, side))[1])
    real_show = viewer_mod.PhotoViewer.show_result
    monkeypatch.setattr(viewer_mod.PhotoViewer, "show_result",
                        lambda self, r: (delivered.append(r), real_show(self, r)))
    v = w.browser.open_photo(photo)
    v.close()  # WA_DeleteOnClose: deleted on the next event loop pass
    qtbot.waitUntil(lambda: not shiboken6.isValid(v), timeout=3000)
    gate.set()
    w.pools.io.waitForDone(5000)
    qtbot.wait(50)  # the queued result is handled here
    assert delivered == []
    # A viewer closed but not deleted drops it too.
    gate.clear()
    v2 = w.browser.open_photo(photo)
    v2.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, False)
    v2.close()
    gate.set()
    w.pools.io.waitForDone(5000)
    qtbot.wait(50)
    assert delivered == [] and v2.loading
