# SPDX-License-Identifier: MIT
"""Drawing a missed face on the viewer: the drag draws a rectangle, the real networks describe it, the picker
asks whose it is, and the face is added (undoable); Delete on a selected box marks it "not a face"."""

from __future__ import annotations

import os

import pytest
from PySide6.QtCore import QPoint
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from sqlalchemy import select

from organizer.core.progress import drive
from organizer.db.models import DecisionKind
from organizer.db.models import Face
from organizer.db.models import UserDecision
from organizer.services.browse_service import BrowseService
from organizer.services.index_service import IndexService
from organizer.services.index_service import IndexSettings
from organizer.ui.dialogs.person_picker import NEW_PERSON
from organizer.vision.engine import AnalyzerEngine

SHOTS = "/tmp/shots8"


def _action(v, text):
    return next(a for a in v.actions() if a.text() == text)


def test_drag_draws_a_face_and_adds_it(make_window, qtbot, library, faces_dir, analyzer, tmp_path, without_xmp):
    src = faces_dir / "_unlabelled/immich_portrait.jpg"
    if not src.exists():
        pytest.skip("immich_portrait.jpg is not in the developer face set")
    (tmp_path / "album").mkdir()
    without_xmp(src, tmp_path / "album" / "p.jpg")  # untagged: its own face regions would be read at indexing
    engine = AnalyzerEngine(analyzer)
    drive(IndexService(library, lambda: engine, IndexSettings(analysis_id=engine.analysis_id,
                                                              isolate_videos=False)).run([str(tmp_path / "album")]))
    w = make_window(lambda: engine)
    w.show()
    photo = BrowseService(library).photos_of_person(None)[0]
    v = w.browser.open_photo(photo)
    qtbot.waitUntil(lambda: not v.loading, timeout=10_000)
    vp = v.view.viewport()
    # drag over the detected face's box (as the user would draw it), in view coordinates
    pm = v.view.item.pixmap()
    f = pm.width() / photo.width
    x, y, bw, bh = (c * f for c in photo.box)
    a = v.view.mapFromScene(x, y)
    b = v.view.mapFromScene(x + bw, y + bh)
    QTest.mousePress(vp, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.ShiftModifier, a)
    QTest.mouseMove(vp, (a + b) / 2)
    QTest.mouseMove(vp, b)
    assert v.drawer.rect_item is not None and v.drawer.rect_item.rect().width() > 10
    QTest.mouseRelease(vp, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.ShiftModifier, b)
    qtbot.waitUntil(lambda: w.draw_faces.picker is not None, timeout=20_000)
    os.makedirs(SHOTS, exist_ok=True)
    v.grab().save(f"{SHOTS}/draw.png")
    picker = w.draw_faces.picker
    assert picker.chosen() == NEW_PERSON  # no person yet: the picker offers a new one
    picker.accept()
    res = w.draw_faces.last_result
    assert res is not None and len(res.faces_created) == 1
    fid = res.faces_created[0]
    with library() as s:
        assert s.get(Face, fid) is not None
        assert s.scalars(select(UserDecision.kind).where(UserDecision.face_id == fid)).all() == [DecisionKind.DRAWN]
    qtbot.waitUntil(lambda: not v.loading and fid in {b.face_id for b in v.faces}, timeout=10_000)
    v.grab().save(f"{SHOTS}/drawn.png")
    w.edits.undo_stack.undo()
    with library() as s:
        assert s.get(Face, fid) is None

    # a click on the detected box selects it; Delete says it is not a face
    c = v.view.mapFromScene(x + bw / 2, y + bh / 2)
    QTest.mouseClick(vp, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, QPoint(c))
    assert v.selected_face == photo.face_id
    _action(v, "Remove Face (Not a Face)").trigger()
    with library() as s:
        assert s.scalars(select(UserDecision.kind).where(UserDecision.face_id == photo.face_id)).all() == [
            DecisionKind.REMOVED]
    # D then Esc: draw mode on, and off again without closing the viewer
    _action(v, "Draw Face").trigger()
    assert v.drawer.active and "D" in [s.toString() for s in _action(v, "Draw Face").shortcuts()]
    QTest.keyClick(v, Qt.Key.Key_Escape)
    assert not v.drawer.active and v.isVisible()
