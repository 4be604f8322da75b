# SPDX-License-Identifier: MIT
"""The person page's Check mode: the toggle (Ctrl+K) with the count of doubtful faces, the doubtful face first with
its reason and mark, Keep (K) that clears the flag, Ctrl+Z that brings it back, the existing Split on the selection,
and the date order again when the mode is left."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from sqlalchemy import select
from test_review import COLOURS
from test_review import build_review_library
from test_review import uncentred  # noqa: F401 (the autouse fixture: 16-D faces, no centring)

from organizer.db.models import DecisionKind
from organizer.db.models import Face
from organizer.db.models import Media
from organizer.db.models import UserDecision
from organizer.ui.models.photo_model import PhotoRole

SHOTS = Path("/tmp/shots")


def _photos(library, root: Path, odd: int) -> None:
    """Real JPEG files for the library's photos: each face a coloured face-like shape where its box is (the odd
    face in red), so that the page shows pictures, not placeholders."""
    with library.begin() as s:
        for m in s.scalars(select(Media)):
            img = np.full((480, 600, 3), 200, np.uint8)  # 5:4, so a preview is not the size of the 4:3 placeholder
            cv2.rectangle(img, (0, 330), (600, 480), (120, 150, 110), -1)
            for f in s.scalars(select(Face).where(Face.media_id == m.id)):
                colour = (60, 60, 200) if f.id == odd else COLOURS["A"]
                cx, cy = int(f.x + f.w / 2), int(f.y + f.h / 2)
                cv2.ellipse(img, (cx, cy), (int(f.w / 2.6), int(f.h / 2.1)), 0, 0, 360, colour, -1)
                for dx in (-12, 12):
                    cv2.circle(img, (cx + dx, cy - 8), 4, (30, 30, 30), -1)
            path = root / f"{m.id}.jpg"
            cv2.imwrite(str(path), img)
            m.path, m.width, m.height = str(path), 600, 480


def _rows(w):
    return w.photo_model.rows()


def _order(w):
    return [r.photo.face_id for r in _rows(w)]


def _checked(library):
    with library() as s:
        return s.scalars(select(UserDecision.face_id).where(UserDecision.kind == DecisionKind.CHECKED)).all()


def test_check_mode_puts_the_odd_face_first_and_keep_and_undo_change_its_flag(make_window, qtbot, library, tmp_path):
    ids = build_review_library(library, odd_face=True)
    odd, anna = ids["odd"], ids["A"]
    _photos(library, tmp_path, odd)
    w = make_window()
    w.resize(1100, 700)
    w.show()
    qtbot.waitExposed(w)
    qtbot.waitUntil(lambda: not w.snapshots.running and w.person_model.row_of(anna) >= 0, timeout=10_000)
    check = w.person_check
    w.open_person(anna)
    qtbot.waitUntil(lambda: len(_rows(w)) == 6 and check.count == 1, timeout=10_000)
    dates = _order(w)
    assert dates[0] != odd and not any(r.doubts for r in _rows(w))  # date order, no marks
    assert check.check_button.text() == "Check (1)" and check.check_button.isEnabled()
    assert check.keep_button.isHidden()

    w.page.view.setFocus()
    qtbot.waitUntil(lambda: w.page.view.hasFocus(), timeout=3000)
    QTest.keyClick(w.page.view, Qt.Key.Key_K, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: _order(w)[0] == odd, timeout=10_000)
    assert check.checking and check.check_button.isChecked() and check.keep_button.isVisible()
    first = w.photo_model.index(0, 0)
    assert first.data().splitlines()[1] == "\u26a0 far from Anna's other faces"
    assert "far from Anna's other faces (" in first.data(Qt.ItemDataRole.ToolTipRole)
    assert first.data(PhotoRole.Doubts) and not any(r.doubts for r in _rows(w)[1:])
    assert w.page.selected_face_ids() == [odd] and check.count == 1
    qtbot.waitUntil(lambda: all(w.photo_model.index(i, 0).data(Qt.ItemDataRole.DecorationRole).height() == 160
                                for i in range(6)), timeout=5000)
    qtbot.wait(50)
    SHOTS.mkdir(parents=True, exist_ok=True)
    w.grab().save(str(SHOTS / "check.png"))

    QTest.keyClick(w.page.view, Qt.Key.Key_K)  # Keep: it belongs here
    assert _checked(library) == [odd]
    assert w.status_label.text() == "Kept 1 face in “Anna” (no longer flagged) — Ctrl+Z to undo"
    qtbot.waitUntil(lambda: check.count == 0 and not any(r.doubts for r in _rows(w)), timeout=10_000)
    assert check.check_button.text() == "Check" and check.checking and len(_rows(w)) == 6

    w.edits.undo_action.trigger()  # Ctrl+Z: flagged again
    qtbot.waitUntil(lambda: check.count == 1 and _order(w)[0] == odd and bool(_rows(w)[0].doubts), timeout=10_000)
    assert _checked(library) == []

    w.edits.split_action.trigger()  # the existing edits work on the selection (the doubtful face, selected)
    qtbot.waitUntil(lambda: check.count == 0 and odd not in _order(w) and len(_rows(w)) == 5, timeout=10_000)
    w.edits.undo_action.trigger()
    qtbot.waitUntil(lambda: check.count == 1 and _order(w)[0] == odd, timeout=10_000)

    check.check_button.click()  # leaving Check mode: the date order again, no marks
    qtbot.waitUntil(lambda: _order(w) == dates and not any(r.doubts for r in _rows(w)), timeout=10_000)
    assert not check.checking and check.keep_button.isHidden() and not check.keep_action.isEnabled()
    assert check.check_button.text() == "Check (1)"


def test_check_is_off_for_the_unsorted_faces(make_window, qtbot, library):
    from organizer.ui.models.person_model import UNSORTED_ID

    ids = build_review_library(library)
    w = make_window()
    qtbot.waitUntil(lambda: not w.snapshots.running and w.person_model.row_of(ids["A"]) >= 0, timeout=10_000)
    w.open_person(ids["A"])
    qtbot.waitUntil(lambda: w.person_check.count == 0 and w.person_check.check_action.isEnabled(), timeout=10_000)
    w.open_person(UNSORTED_ID)
    qtbot.waitUntil(lambda: w.person_check.count is None, timeout=10_000)
    assert not w.person_check.check_action.isEnabled() and w.person_check.check_button.text() == "Check"
