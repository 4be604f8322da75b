# SPDX-License-Identifier: MIT
"""The keyboard on a real X11 display (run by test_real_display.py in a child pytest on Xvfb, platform xcb).

Keys go through Qt's real shortcut map with X11's key bindings: QTest's key clicks to the focused widget of the
active window, and, with xdotool, key events that come from the X server itself.
"""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QAbstractItemView
from PySide6.QtWidgets import QApplication
from PySide6.QtWidgets import QLineEdit
from test_keys_and_drops import test_no_key_is_bound_twice_where_it_acts  # noqa: F401 (run again with X11's keys)

from organizer.db.models import Person

pytestmark = pytest.mark.skipif(os.environ.get("QT_QPA_PLATFORM") != "xcb",
                                reason="run on Xvfb by tests/ui/xvfb/test_real_display.py")


def _show(qtbot, w):
    w.show()
    qtbot.waitExposed(w)
    w.raise_()
    w.activateWindow()
    qtbot.waitUntil(w.isActiveWindow, timeout=5000)


def _ready(qtbot, w, n):
    qtbot.waitUntil(lambda: not w.snapshots.running and len(w.person_model.persons()) == n, timeout=5000)


def _name(library, pid):
    with library() as s:
        return s.get(Person, pid).name


def _press(key, modifiers=Qt.KeyboardModifier.NoModifier):
    """A key press as the platform delivers it: to the focused widget, through the shortcut map first."""
    QTest.keyClick(QApplication.focusWidget(), key, modifiers)


def test_the_platform_is_x11_and_redo_is_ctrl_shift_z(qapp):
    assert qapp.platformName() == "xcb"
    assert "Ctrl+Shift+Z" in [k.toString() for k in QKeySequence.keyBindings(QKeySequence.StandardKey.Redo)]


def test_f2_return_undo_and_redo_keys(make_window, qtbot, library, seed):
    a, _b = sorted(seed(library, 2, faces_per_person=2))
    w = make_window()
    _show(qtbot, w)
    _ready(qtbot, w, 2)
    w.people_panel.select_person(a)
    view = w.people_panel.view
    view.setFocus()
    qtbot.waitUntil(view.hasFocus, timeout=3000)
    _press(Qt.Key.Key_F2)
    assert view.state() == QAbstractItemView.State.EditingState
    assert isinstance(QApplication.focusWidget(), QLineEdit)
    QTest.keyClicks(QApplication.focusWidget(), "Grandma")
    _press(Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: _name(library, a) == "Grandma", timeout=3000)
    assert w.browser.viewer is None  # Return saved the name and opened nothing
    qtbot.waitUntil(lambda: view.state() != QAbstractItemView.State.EditingState, timeout=3000)

    _press(Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert _name(library, a) is None and w.status_label.text() == "Undid: Rename to “Grandma”"
    _press(Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert _name(library, a) == "Grandma" and w.status_label.text() == "Redid: Rename to “Grandma”"


def test_double_click_renames_and_keys_act_where_the_focus_is(make_window, qtbot, library, seed):
    faces = seed(library, 2, faces_per_person=2)
    a, _b = sorted(faces)
    w = make_window()
    _show(qtbot, w)
    _ready(qtbot, w, 2)
    view = w.people_panel.view
    rect = view.visualRect(w.people_panel.proxy.mapFromSource(w.person_model.index(w.person_model.row_of(a), 0)))
    QTest.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    QTest.mouseDClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert view.state() == QAbstractItemView.State.EditingState
    QTest.keyClicks(QApplication.focusWidget(), "Uncle Bob")
    _press(Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: _name(library, a) == "Uncle Bob", timeout=3000)

    # Delete in the people grid removes nothing; on a photo it is "Not a Face".
    qtbot.waitUntil(lambda: w.photo_model.rowCount() == 2, timeout=5000)
    view.setFocus()
    qtbot.waitUntil(view.hasFocus, timeout=3000)
    _press(Qt.Key.Key_Delete)
    assert not w.edits.undo_stack.canRedo() and w.edits.undo_stack.count() == 1
    w.page.view.setFocus()
    qtbot.waitUntil(w.page.view.hasFocus, timeout=3000)
    w.page.view.setCurrentIndex(w.photo_model.index(0, 0))
    _press(Qt.Key.Key_Delete)
    assert w.edits.undo_stack.count() == 2 and w.status_label.text().startswith("Removed 1 non-face")
    # Return on a photo opens it.
    qtbot.waitUntil(lambda: w.photo_model.rowCount() == 1, timeout=5000)
    w.page.view.setCurrentIndex(w.photo_model.index(0, 0))
    _press(Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: w.browser.viewer is not None and w.browser.viewer.isVisible(), timeout=3000)
    w.browser.viewer.close()


@pytest.mark.skipif(shutil.which("xdotool") is None,
                    reason="xdotool is not installed (Debian: apt-get install xdotool)")
def test_keys_from_the_x_server_rename_undo_and_redo(make_window, qtbot, library, seed):
    a, _b = sorted(seed(library, 2, faces_per_person=2))
    w = make_window()
    _show(qtbot, w)
    _ready(qtbot, w, 2)
    w.people_panel.select_person(a)
    view = w.people_panel.view
    view.setFocus()
    qtbot.waitUntil(view.hasFocus, timeout=3000)

    def xdotool(*args):
        subprocess.run(["xdotool", *args], check=True, timeout=30, env=dict(os.environ))

    xdotool("key", "--delay", "40", "F2")
    qtbot.waitUntil(lambda: view.state() == QAbstractItemView.State.EditingState, timeout=3000)
    xdotool("type", "--delay", "20", "Grandma")
    qtbot.waitUntil(lambda: getattr(QApplication.focusWidget(), "text", lambda: "")() == "Grandma", timeout=3000)
    xdotool("key", "Return")
    qtbot.waitUntil(lambda: _name(library, a) == "Grandma", timeout=3000)
    qtbot.waitUntil(lambda: view.state() != QAbstractItemView.State.EditingState, timeout=3000)
    xdotool("key", "ctrl+z")
    qtbot.waitUntil(lambda: _name(library, a) is None, timeout=3000)
    xdotool("key", "ctrl+shift+z")
    qtbot.waitUntil(lambda: _name(library, a) == "Grandma", timeout=3000)
    assert w.status_label.text() == "Redid: Rename to “Grandma”"


def test_review_keys_find_and_undo_from_the_x_server(make_window, qtbot, library, monkeypatch):
    """Y, N and S on the Review page, Ctrl+Z, and Ctrl+F opening Find Photos with the focus in its name field, all
    as key events from the X server: a clash with another shortcut or a focus that lands elsewhere fails here."""
    import dataclasses

    from sqlalchemy import select
    from test_review import SYNTHETIC_CUT
    from test_review import build_review_library

    from organizer.db.models import DecisionKind
    from organizer.db.models import Face
    from organizer.db.models import UserDecision
    from organizer.services.settings_service import LibrarySettings

    before = LibrarySettings.cluster_params  # the synthetic faces are 16-D: the window clusters them uncentred,
    monkeypatch.setattr(LibrarySettings, "cluster_params",  # at the cut their geometry is laid out for
                        lambda self, base=None: dataclasses.replace(before(self, base), centre=False,
                                                                    threshold=SYNTHETIC_CUT))
    ids = build_review_library(library)
    w = make_window()
    w.resize(1200, 760)
    _show(qtbot, w)
    qtbot.waitUntil(lambda: not w.snapshots.running and not w.review.running and w.review.report is not None,
                    timeout=10_000)
    w.review.show()
    page = w.review.page
    qtbot.waitUntil(lambda: page.questions.hasFocus(), timeout=3000)

    def xdotool(*args):
        subprocess.run(["xdotool", *args], check=True, timeout=30, env=dict(os.environ))

    def person_of(face_id):
        with library() as s:
            return s.scalar(select(Face.person_id).where(Face.id == face_id))

    first = page.queue.suggestion
    face = first.face_ids[0]
    xdotool("key", "y")
    qtbot.waitUntil(lambda: person_of(face) == first.person_id, timeout=3000)
    qtbot.waitUntil(lambda: page.queue.suggestion != first, timeout=3000)
    xdotool("key", "ctrl+z")
    qtbot.waitUntil(lambda: person_of(face) is None, timeout=3000)
    qtbot.waitUntil(lambda: not w.review.running, timeout=10_000)

    page.questions.setFocus()
    qtbot.waitUntil(lambda: page.questions.hasFocus(), timeout=3000)
    skipped = page.queue.suggestion
    xdotool("key", "s")
    qtbot.waitUntil(lambda: page.queue.suggestion != skipped, timeout=3000)
    asked = page.queue.suggestion
    xdotool("key", "n")

    def rejected() -> bool:
        with library() as s:
            return s.scalar(select(UserDecision.id).where(UserDecision.kind == DecisionKind.CANNOT_LINK,
                                                          UserDecision.face_id == asked.face_ids[0],
                                                          UserDecision.person_id == asked.person_id)) is not None

    qtbot.waitUntil(rejected, timeout=3000)
    assert ids["unsorted"]

    xdotool("key", "ctrl+f")
    qtbot.waitUntil(lambda: w.find_photos.dialog is not None and w.find_photos.dialog.isVisible(), timeout=3000)
    dialog = w.find_photos.dialog
    qtbot.waitUntil(lambda: dialog.person_edit.hasFocus(), timeout=3000)
    xdotool("key", "Escape")
    qtbot.waitUntil(lambda: w.find_photos.dialog is None or not dialog.isVisible(), timeout=3000)


@pytest.mark.skipif(shutil.which("xdotool") is None,
                    reason="xdotool is not installed (Debian: apt-get install xdotool)")
def test_timeline_keys_from_the_x_server(make_window, qtbot, library, tmp_path, build):
    """Alt+L opens the Timeline tab, Home/Down move its current preview across a month's header, Return opens it in
    the viewer, Right goes to the next file and Escape closes it: key events from the X server."""
    from pathlib import Path

    import shiboken6
    from test_timeline import _library

    _library(library, tmp_path, build)
    w = make_window()
    w.resize(1200, 760)
    _show(qtbot, w)
    qtbot.waitUntil(lambda: w.person_model.rowCount() > 0, timeout=5000)

    def xdotool(*args):
        subprocess.run(["xdotool", *args], check=True, timeout=30, env=dict(os.environ))

    xdotool("key", "alt+l")  # the tab's mnemonic, "Time&line"
    qtbot.waitUntil(lambda: w.tabs.currentWidget() is w.timeline.page and w.timeline.model.rowCount() > 0,
                    timeout=5000)
    view = w.timeline.page.view
    view.setFocus()
    qtbot.waitUntil(view.hasFocus, timeout=3000)
    items = w.timeline.model.items()

    def current() -> str | None:
        return None if view.current_item is None else Path(items[view.current_item].path).name

    xdotool("key", "Home")
    qtbot.waitUntil(lambda: current() == "b.jpg", timeout=3000)
    xdotool("key", "Down")
    qtbot.waitUntil(lambda: current() == "c.jpg", timeout=3000)
    xdotool("key", "Return")
    qtbot.waitUntil(lambda: w.timeline.viewer is not None and w.timeline.viewer.isVisible(), timeout=3000)
    viewer = w.timeline.viewer
    assert viewer.path == str(tmp_path / "c.jpg")
    qtbot.waitUntil(viewer.isActiveWindow, timeout=3000)
    xdotool("key", "Right")
    qtbot.waitUntil(lambda: viewer.path == str(tmp_path / "a.jpg"), timeout=3000)
    xdotool("key", "Escape")
    qtbot.waitUntil(lambda: not shiboken6.isValid(viewer) or not viewer.isVisible(), timeout=3000)  # deleted on close


@pytest.mark.skipif(shutil.which("xdotool") is None,
                    reason="xdotool is not installed (Debian: apt-get install xdotool)")
def test_check_mode_keys_from_the_x_server(make_window, qtbot, library, tmp_path, monkeypatch):
    """Ctrl+K puts the person's doubtful face first, K keeps it (no longer flagged), Ctrl+Z flags it again: key
    events from the X server, with the focus on the person page."""
    import dataclasses

    from test_check_mode import _checked
    from test_check_mode import _order
    from test_check_mode import _photos
    from test_review import SYNTHETIC_CUT
    from test_review import build_review_library

    from organizer.services.settings_service import LibrarySettings

    before = LibrarySettings.cluster_params  # the synthetic faces are 16-D: the window clusters them uncentred,
    monkeypatch.setattr(LibrarySettings, "cluster_params",  # at the cut their geometry is laid out for
                        lambda self, base=None: dataclasses.replace(before(self, base), centre=False,
                                                                    threshold=SYNTHETIC_CUT))
    ids = build_review_library(library, odd_face=True)
    odd, anna = ids["odd"], ids["A"]
    _photos(library, tmp_path, odd)
    w = make_window()
    w.resize(1100, 700)
    _show(qtbot, w)
    qtbot.waitUntil(lambda: not w.snapshots.running and w.person_model.row_of(anna) >= 0, timeout=10_000)
    check = w.person_check
    w.open_person(anna)
    qtbot.waitUntil(lambda: check.count == 1 and len(_order(w)) == 6, timeout=10_000)
    w.page.view.setFocus()
    qtbot.waitUntil(lambda: w.page.view.hasFocus(), timeout=3000)

    def xdotool(*args):
        subprocess.run(["xdotool", *args], check=True, timeout=30, env=dict(os.environ))

    xdotool("key", "ctrl+k")
    qtbot.waitUntil(lambda: check.checking and _order(w)[0] == odd, timeout=10_000)
    qtbot.waitUntil(lambda: w.page.selected_face_ids() == [odd] and w.page.view.hasFocus(), timeout=3000)
    xdotool("key", "k")
    qtbot.waitUntil(lambda: _checked(library) == [odd] and check.count == 0, timeout=10_000)
    xdotool("key", "ctrl+z")
    qtbot.waitUntil(lambda: _checked(library) == [] and check.count == 1, timeout=10_000)
