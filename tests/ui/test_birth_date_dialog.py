# SPDX-License-Identifier: MIT
"""People → Set Birth Date…: the dialog, the grid's birth year, and undo with Ctrl+Z."""

from __future__ import annotations

import datetime as dt
import os

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication
from PySide6.QtWidgets import QDialogButtonBox
from sqlalchemy import select

from organizer.db.models import Person
from organizer.ui.dialogs.birth_date import BirthDateDialog

SHOTS = "/tmp/shots10"


def _grid_text(w, pid) -> str:
    return w.person_model.index(w.person_model.row_of(pid), 0).data()


def _stored(library, pid):
    with library() as s:
        return s.scalar(select(Person.birth_date).where(Person.id == pid))


def test_set_birth_date_from_the_people_menu(make_window, qtbot, library, seed):
    faces = seed(library, 2, faces_per_person=2)
    a = sorted(faces)[0]
    w = make_window()
    w.show()
    qtbot.waitExposed(w)
    qtbot.waitUntil(lambda: not w.snapshots.running and w.person_model.row_of(a) >= 0, timeout=5000)
    before = _grid_text(w, a)
    assert w.edits.birth_date_action in w.edits.people_menu.actions()
    assert w.edits.birth_date_action.text() == "Set &Birth Date…"

    w.people_panel.select_person(a)
    w.edits.birth_date_action.trigger()
    dlg = w.edits.birth_dialog
    assert isinstance(dlg, BirthDateDialog) and dlg.isVisible()
    assert dlg.date_edit.calendarPopup() and not dlg.not_known.isChecked()
    dlg.set_birth_date(dt.date(1975, 4, 3))
    assert dlg.birth_date() == dt.date(1975, 4, 3)
    os.makedirs(SHOTS, exist_ok=True)
    dlg.grab().save(f"{SHOTS}/birth_date.png")
    dlg.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
    assert _stored(library, a) == dt.date(1975, 4, 3)
    qtbot.waitUntil(lambda: "b. 1975" in _grid_text(w, a), timeout=5000)
    assert w.status_label.text().startswith("“") and "born 1975-04-03" in w.status_label.text()
    assert w.edits.birth_dialog is None
    w.people_panel.view.grab().save(f"{SHOTS}/birth_date_grid.png")

    # a window manager gives the window back its activation when its modal dialog closes; offscreen, ask for it
    w.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is w, timeout=2000)
    QTest.keyClick(w, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert _stored(library, a) is None
    qtbot.waitUntil(lambda: _grid_text(w, a) == before, timeout=5000)
    assert w.status_label.text() == "Undid: Set birth date 1975-04-03"


def test_not_known_clears_and_cancel_changes_nothing(make_window, qtbot, library, seed):
    faces = seed(library, 1, faces_per_person=2)
    (a,) = faces
    w = make_window()
    qtbot.waitUntil(lambda: not w.snapshots.running and w.person_model.row_of(a) >= 0, timeout=5000)
    w.edits.set_birth_date(a, dt.date(1990, 1, 1))
    qtbot.waitUntil(lambda: "b. 1990" in _grid_text(w, a), timeout=5000)
    w.people_panel.select_person(a)

    dlg = w.edits.set_birth_date_current()
    assert dlg is not None and dlg.birth_date() == dt.date(1990, 1, 1)
    dlg.not_known.setChecked(True)
    assert not dlg.date_edit.isEnabled()
    dlg.buttons.button(QDialogButtonBox.StandardButton.Cancel).click()
    assert _stored(library, a) == dt.date(1990, 1, 1)

    dlg = w.edits.set_birth_date_current()
    dlg.not_known.setChecked(True)
    dlg.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
    assert _stored(library, a) is None
    qtbot.waitUntil(lambda: "b. 1990" not in _grid_text(w, a), timeout=5000)
    w.edits.undo_stack.undo()
    assert _stored(library, a) == dt.date(1990, 1, 1)
