# SPDX-License-Identifier: MIT
"""Photos → Find Photos… (Ctrl+F): type persons, see the photos that show them together, open one in the viewer."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import cv2
import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

SHOTS = Path("/tmp/shots9")


def _family(make_window, qtbot, library, tmp_path, build):
    """Anna and Bob together on two photos (Carl, named, on the second), Anna and Bob alone on one each."""
    anna, bob, carl = (build.person(library, n) for n in ("Anna", "Bob", "Carl"))
    colours = [(40, 120, 200), (60, 160, 60), (160, 60, 60), (120, 120, 120)]
    faces = [[anna, bob], [anna, bob, carl], [anna], [bob]]
    for i, (colour, on) in enumerate(zip(colours, faces, strict=True)):
        path = tmp_path / f"p{i}.jpg"
        size = (640, 480) if i != 1 else (360, 480)
        cv2.imwrite(str(path), np.full((size[1], size[0], 3), colour, np.uint8))
        build.media(library, path, size, [(p, None, (20.0 + 110 * j, 60.0, 90.0, 90.0)) for j, p in enumerate(on)],
                    taken=dt.datetime(2010 + i, 5, 1))
    w = make_window()
    w.show()
    qtbot.waitUntil(lambda: w.person_model.row_of(bob) >= 0, timeout=5000)
    return w, anna, bob, carl


def test_find_by_people_only_these_and_open(make_window, qtbot, library, tmp_path, build):
    w, anna, bob, _carl = _family(make_window, qtbot, library, tmp_path, build)
    w.people_panel.select_person(anna)  # the grid's selection is there when the dialog opens
    QTest.keyClick(w, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: w.find_photos.dialog is not None and w.find_photos.dialog.isVisible(), timeout=3000)
    d = w.find_photos.dialog
    assert d.person_ids == [anna]
    qtbot.waitUntil(lambda: d.count_label.text() == "3 photos", timeout=5000)
    qtbot.waitUntil(lambda: d.person_edit.hasFocus(), timeout=3000)

    QTest.keyClicks(d.person_edit, "bo")
    QTest.keyClick(d.person_edit, Qt.Key.Key_Return)
    assert d.person_ids == [anna, bob]
    assert d.person_edit.text() == ""
    qtbot.waitUntil(lambda: d.count_label.text() == "2 photos", timeout=5000)
    assert [h.path for h in d.hits] == [str(tmp_path / "p0.jpg"), str(tmp_path / "p1.jpg")]
    assert d.model.data(d.model.index(1, 0)).splitlines() == ["2011-05-01", "Anna, Bob, Carl"]

    d.only_these.setChecked(True)
    qtbot.waitUntil(lambda: d.count_label.text() == "1 photo", timeout=5000)
    d.only_these.setChecked(False)
    d.faces_check.setChecked(True)
    d.faces_to.setValue(3)
    d.faces_from.setValue(3)
    qtbot.waitUntil(lambda: d.count_label.text() == "1 photo" and d.hits[0].n_faces == 3, timeout=5000)
    d.faces_check.setChecked(False)
    qtbot.waitUntil(lambda: d.count_label.text() == "2 photos", timeout=5000)
    d.date_check.setChecked(True)  # starts at the results' first and last day
    assert (d.date_from.date().year(), d.date_to.date().year()) == (2010, 2011)
    d.date_to.setDate(d.date_to.date().addYears(-1))
    qtbot.waitUntil(lambda: d.count_label.text() == "1 photo", timeout=5000)
    d.date_check.setChecked(False)
    qtbot.waitUntil(lambda: d.count_label.text() == "2 photos", timeout=5000)

    QTest.keyClicks(d.person_edit, "nobody")
    QTest.keyClick(d.person_edit, Qt.Key.Key_Return)
    assert d.person_ids == [anna, bob] and "nobody" in d.hint.text()
    QTest.keyClick(d.person_edit, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    QTest.keyClick(d.person_edit, Qt.Key.Key_Delete)
    assert d.hint.text() == ""

    qtbot.wait(300)  # the previews
    SHOTS.mkdir(parents=True, exist_ok=True)
    d.grab().save(str(SHOTS / "find.png"))

    rect = d.view.visualRect(d.model.index(1, 0))
    QTest.mouseClick(d.view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    QTest.mouseDClick(d.view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.waitUntil(lambda: d.viewer is not None and d.viewer.isVisible(), timeout=3000)
    v = d.viewer
    assert v.photo.path == str(tmp_path / "p1.jpg") and len(v.photos) == 2
    qtbot.waitUntil(lambda: not v.loading, timeout=10_000)
    v.close()

    # Backspace in the empty field takes the last person out; the chips remove theirs on a click
    d.person_edit.setFocus()
    QTest.keyClick(d.person_edit, Qt.Key.Key_Backspace)
    assert d.person_ids == [anna]
    qtbot.waitUntil(lambda: d.count_label.text() == "3 photos", timeout=5000)
    d.chips.itemAt(0).widget().click()
    assert d.person_ids == []
    qtbot.waitUntil(lambda: d.model.rowCount() == 0, timeout=5000)

    QTest.keyClick(d, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: w.find_photos.dialog is None, timeout=3000)
