# SPDX-License-Identifier: MIT
"""Keys, mouse and drops of the window: each key bound once where it acts, rename by double-click and Return,
dropped folders taken as a copy (never a move), and the Help menu's lists.

The platform's own key bindings (X11's) are pressed for real in ``tests/ui/xvfb/``.
"""

from __future__ import annotations

from collections import defaultdict

from PySide6.QtCore import QMimeData
from PySide6.QtCore import QPoint
from PySide6.QtCore import QPointF
from PySide6.QtCore import Qt
from PySide6.QtCore import QUrl
from PySide6.QtGui import QAction
from PySide6.QtGui import QDragEnterEvent
from PySide6.QtGui import QDropEvent
from PySide6.QtGui import QKeySequence
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QAbstractItemView
from PySide6.QtWidgets import QApplication
from PySide6.QtWidgets import QLineEdit
from PySide6.QtWidgets import QMenu
from PySide6.QtWidgets import QWidget
from sqlalchemy import select

from organizer import __version__
from organizer.db.models import Person


def _ready(qtbot, w, n):
    qtbot.waitUntil(lambda: not w.snapshots.running and len(w.person_model.persons()) == n, timeout=5000)


def _scopes(a: QAction) -> list[QWidget | None]:
    """The widgets a shortcut of ``a`` works in (None: the whole window)."""
    if a.shortcutContext() in (Qt.ShortcutContext.WindowShortcut, Qt.ShortcutContext.ApplicationShortcut):
        return [None]
    return [w for w in a.associatedObjects() if isinstance(w, QWidget) and not isinstance(w, QMenu)]


def _overlap(a: QWidget | None, b: QWidget | None) -> bool:
    return a is None or b is None or a is b or a.isAncestorOf(b) or b.isAncestorOf(a)


def test_no_key_is_bound_twice_where_it_acts(make_window):
    w = make_window()
    bound: dict[str, list[tuple[QAction, QWidget | None]]] = defaultdict(list)
    for a in w.findChildren(QAction):
        for key in a.shortcuts():
            for scope in _scopes(a):
                bound[key.toString()].append((a, scope))
    clashes = [(key, a.text(), b.text()) for key, uses in bound.items() for i, (a, sa) in enumerate(uses)
               for b, sb in uses[i + 1:] if a is not b and _overlap(sa, sb)]
    assert not clashes, clashes
    # Alt+letter of the menus and the tabs: each letter once.
    letters = [QKeySequence.mnemonic(a.text()).toString() for a in w.menuBar().actions()]
    letters += [QKeySequence.mnemonic(w.tabs.tabText(i)).toString() for i in range(w.tabs.count())]
    assert len(letters) == len(set(letters)), letters

    # Redo: the platform's bindings and Ctrl+Shift+Z, each once.
    redo = [k.toString() for k in w.edits.redo_action.shortcuts()]
    assert redo.count("Ctrl+Shift+Z") == 1 and len(redo) == len(set(redo))
    assert all(k in w.edits.redo_action.shortcuts() for k in QKeySequence.keyBindings(QKeySequence.StandardKey.Redo))

    # Return and Delete act on the photos only; the people keys only in the people panel.
    assert _scopes(w.open_action) == [w.page] and w.open_action.shortcut().toString() == "Return"
    for a in (w.edits.move_action, w.edits.split_action, w.edits.remove_action):
        assert w.page in _scopes(a) and None not in _scopes(a)
    for a in (w.edits.rename_action, w.edits.merge_action, w.edits.hide_action):
        assert w.people_panel in _scopes(a) and None not in _scopes(a)
        assert a in w.people_panel.view.actions()  # its context menu


def test_double_click_renames_and_return_saves_the_name(make_window, qtbot, library, seed):
    faces = seed(library, 2, faces_per_person=2)
    a, _b = sorted(faces)
    w = make_window()
    w.show()
    qtbot.waitExposed(w)
    _ready(qtbot, w, 2)
    view = w.people_panel.view
    rect = view.visualRect(w.people_panel.proxy.mapFromSource(w.person_model.index(w.person_model.row_of(a), 0)))
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())  # a real one presses first
    qtbot.mouseDClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert view.state() == QAbstractItemView.State.EditingState
    editor = QApplication.focusWidget()
    assert isinstance(editor, QLineEdit) and view.isAncestorOf(editor)
    QTest.keyClicks(editor, "Gran")
    # The person's face arrives from the thumbnail cache while the user types: the typed name stays.
    idx = w.person_model.index(w.person_model.row_of(a), 0)
    w.person_model.dataChanged.emit(idx, idx, [Qt.ItemDataRole.DecorationRole])
    QTest.keyClicks(editor, "dma")
    assert editor.text() == "Grandma"
    QTest.keyClick(editor, Qt.Key.Key_Return)

    def named():
        with library() as s:
            return s.get(Person, a).name == "Grandma"

    qtbot.waitUntil(named, timeout=3000)  # the delegate commits on the next turn of the event loop
    assert w.status_label.text() == "Renamed to “Grandma” — Ctrl+Z to undo"
    assert w.browser.viewer is None  # Return saved the name; it did not open a photo

    # Return on a photo opens it.
    qtbot.waitUntil(lambda: w.photo_model.rowCount() == 2, timeout=5000)
    w.page.view.setFocus()
    w.page.view.setCurrentIndex(w.photo_model.index(0, 0))
    QTest.keyClick(w.page.view, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: w.browser.viewer is not None and w.browser.viewer.isVisible(), timeout=3000)
    w.browser.viewer.close()


_KEEP: list[QMimeData] = []  # an event does not own its mime data: kept alive until the test ends


def _drag_and_drop(target, path, possible, proposed=Qt.DropAction.MoveAction):
    """A drag of ``path`` entering ``target``, then (if it was accepted) dropped there, as Qt delivers them."""
    md = QMimeData()
    md.setUrls([QUrl.fromLocalFile(path)])
    _KEEP.append(md)
    enter = QDragEnterEvent(QPoint(10, 10), possible, md, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    enter.setDropAction(proposed)
    QApplication.sendEvent(target, enter)
    if not enter.isAccepted():
        return enter, None
    drop = QDropEvent(QPointF(10, 10), possible, md, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    drop.setDropAction(proposed)
    QApplication.sendEvent(target, drop)
    return enter, drop


def test_dropped_folders_are_taken_as_a_copy_never_a_move(make_window, qtbot, tmp_path):
    w = make_window()
    indexed = []
    w.index_paths = indexed.append
    every = Qt.DropAction.CopyAction | Qt.DropAction.MoveAction | Qt.DropAction.LinkAction
    # A file manager proposes a move (Shift held, or its default between folders of one disk): taken as a copy.
    enter, drop = _drag_and_drop(w, str(tmp_path), every)
    assert enter.isAccepted() and enter.dropAction() == Qt.DropAction.CopyAction
    assert drop.isAccepted() and drop.dropAction() == Qt.DropAction.CopyAction
    assert indexed == [[str(tmp_path)]]
    # A link when a copy is not offered; refused when only a move is.
    enter, drop = _drag_and_drop(w, str(tmp_path), Qt.DropAction.MoveAction | Qt.DropAction.LinkAction)
    assert drop.isAccepted() and drop.dropAction() == Qt.DropAction.LinkAction
    enter, drop = _drag_and_drop(w, str(tmp_path), Qt.DropAction.MoveAction)
    assert not enter.isAccepted() and drop is None
    assert len(indexed) == 2
    # The filter box does not take dropped folders as text (as a move): they go on to the window.
    assert not w.people_panel.filter_edit.acceptDrops()
    _KEEP.clear()


def test_help_lists_every_shortcut_and_says_where_things_are(make_window, qtbot, library, tmp_path, monkeypatch):
    from organizer.ui.dialogs import help as help_dialogs

    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    w = make_window()
    table = w.show_shortcuts()
    rows = {action: (keys, where) for action, keys, where in table.rows()}
    assert rows["Edit → Redo"][0].count("Ctrl+Shift+Z") == 1
    assert rows["Edit → Undo"][0].startswith("Ctrl+Z") and rows["Edit → Undo"][1] == "anywhere"
    assert rows["People → Rename"] == ("F2", "people grid")
    assert rows["Photos → Open"] == ("Return", "photos")
    assert rows["Photos → Not a Face"][1] == "photos"
    assert rows["File → Settings"][0] == "Ctrl+," and rows["File → Quit"][0] == "Ctrl+Q"
    listed = {k for keys, _where in rows.values() for k in keys.split(", ")}
    for a in w.findChildren(QAction):  # every action of the menus with a key is there, with its keys
        if a.shortcuts() and any(isinstance(o, QMenu) for o in a.associatedObjects()):
            assert a.shortcuts()[0].toString(QKeySequence.SequenceFormat.NativeText) in listed, a.text()
    table.close()

    about = w.show_about()
    text = about.text.text()
    assert __version__ in text
    assert str(w.ctx.library_path) in text and w.ctx.library_path.name == "lib.sqlite"
    assert str(tmp_path / "state") in text and "organizer.log" in text
    licences = help_dialogs.model_licences(help_dialogs._models_md())
    assert licences != help_dialogs.MODELS_FALLBACK and all("MIT" in lic for _what, lic in licences)
    assert "faceres.onnx" in text and "MIT" in text
    about.close()
    # Without MODELS.md, a short text says the same.
    assert help_dialogs.model_licences(tmp_path / "none.md") == help_dialogs.MODELS_FALLBACK


def test_add_folder_starts_in_the_pictures_folder(make_window, monkeypatch, tmp_path):
    from organizer.ui import folder_input

    asked = []
    monkeypatch.setattr(folder_input, "choose_folder", lambda parent, start: asked.append(start) or None)
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.chdir(tmp_path)  # the program's folder: never where the dialog starts
    w = make_window()
    w.add_folder_action.trigger()
    assert asked == [str(home)]  # no Pictures folder: the home folder
    (home / "Pictures").mkdir()
    w.add_folder_dialog()
    assert asked[-1] == str(home / "Pictures")


def test_unnamed_persons_are_numbered_in_grid_order(make_window, qtbot, library, build, tmp_path):
    from organizer.ui.models.person_model import Role
    from organizer.ui.models.person_model import SortKey

    few, many, named = build.person(library), build.person(library), build.person(library, "Alice")
    for i in range(3):
        build.media(library, tmp_path / f"m{i}.jpg", (100, 100), [(many, None, (1.0, 1.0, 9.0, 9.0))])
    build.media(library, tmp_path / "f.jpg", (100, 100), [(few, None, (1.0, 1.0, 9.0, 9.0))])
    for i in range(2):
        build.media(library, tmp_path / f"a{i}.jpg", (100, 100), [(named, None, (1.0, 1.0, 9.0, 9.0))])
    w = make_window()
    _ready(qtbot, w, 3)
    m = w.person_model
    titles = [m.index(r, 0).data(Role.Title) for r in range(m.rowCount())]
    assert titles == ["Person 1", "Alice", "Person 3"]  # the grid's order, most photos first; not the ids (1, 2)
    assert m.name_of(many) == "Person 1" and m.name_of(few) == "Person 3"
    assert m.index(0, 0).data().startswith("Person 1\n")
    m.sort_by(SortKey.NAME)  # another order: the numbers stay
    assert [m.index(r, 0).data(Role.Title) for r in range(m.rowCount())] == ["Alice", "Person 1", "Person 3"]
    w.people_panel.filter_edit.setText("person 3")
    assert w.people_panel.proxy.rowCount() == 1
    assert w.people_panel.proxy.index(0, 0).data(Role.PersonId) == few
    w.people_panel.filter_edit.clear()
    # Naming one person leaves the others' numbers alone.
    w.edits.rename(many, "Bob")
    _ready(qtbot, w, 3)
    qtbot.waitUntil(lambda: m.name_of(many) == "Bob", timeout=5000)
    assert m.name_of(few) == "Person 3"
    with library() as s:
        assert s.scalar(select(Person.name).where(Person.id == few)) is None
