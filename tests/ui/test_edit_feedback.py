# SPDX-License-Identifier: MIT
"""What the window says and shows after each edit, undo and redo, and at the end of indexing; the person picker
of "Move Faces to Person…"; the errors panel that closes itself when empty."""

from __future__ import annotations

import re

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from sqlalchemy import select
from ui_fakes import SlowEngine
from ui_fakes import make_album

from organizer.db.models import Face
from organizer.ui.dialogs.person_picker import NEW_PERSON
from organizer.ui.models.person_model import Role


def _ready(qtbot, w, cond):
    qtbot.waitUntil(lambda: not w.snapshots.running and cond(), timeout=5000)


def _person_of(library, face_id):
    with library() as s:
        return s.scalar(select(Face.person_id).where(Face.id == face_id))


def _select(w, *person_ids):
    sel = w.people_panel.view.selectionModel()
    w.people_panel.select_person(person_ids[0])
    for pid in person_ids[1:]:
        idx = w.people_panel.proxy.mapFromSource(w.person_model.index(w.person_model.row_of(pid), 0))
        sel.select(idx, sel.SelectionFlag.Select)


def test_a_merge_shows_the_merged_person_and_every_step_is_said(make_window, qtbot, library, seed):
    faces = seed(library, 3, faces_per_person=2)
    a, b, c = sorted(faces)
    w = make_window()
    w.show()
    _ready(qtbot, w, lambda: len(w.person_model.persons()) == 3)
    w.edits.rename(b, "Grandma")
    _ready(qtbot, w, lambda: w.person_model.name_of(b) == "Grandma")
    w.tabs.setCurrentWidget(w.chart)
    _select(w, c, a, b)  # the current person is c; b, the named one, survives
    w.edits.merge_action.trigger()
    assert w.status_label.text() == "Merged 3 persons into “Grandma” — Ctrl+Z to undo"
    _ready(qtbot, w, lambda: len(w.person_model.persons()) == 1 and w.people_panel.current_person_id() == b)
    assert w.tabs.currentWidget() is w.page and w.browser.current == b
    qtbot.waitUntil(lambda: w.page.title.text() == "Grandma" and w.photo_model.rowCount() == 6, timeout=5000)

    w.edits.undo_action.trigger()
    assert w.status_label.text() == "Undid: Merge 3 persons"
    _ready(qtbot, w, lambda: len(w.person_model.persons()) == 3)
    w.edits.redo_action.trigger()
    assert w.status_label.text() == "Redid: Merge 3 persons"
    _ready(qtbot, w, lambda: len(w.person_model.persons()) == 1)
    w.edits.undo_stack.undo()  # from anywhere (a test, the Edit menu, a key): the same words
    assert w.status_label.text() == "Undid: Merge 3 persons"
    _ready(qtbot, w, lambda: len(w.person_model.persons()) == 3)

    w.people_panel.select_person(c)
    w.edits.hide_action.trigger()
    assert w.status_label.text().startswith("Hid “Person ")
    w.edits.undo_stack.undo()
    assert w.status_label.text() == "Undid: Hide person"
    w.edits.remove_faces([faces[a][0]])
    assert w.status_label.text() == "Removed 1 non-face — Ctrl+Z to undo"


def _open_picker(qtbot, w, person_id, face_ids):
    """Shows the person, selects the photo of its face ``face_ids[0]`` and opens the picker."""
    w.people_panel.select_person(person_id)
    # The photos arrive from the io pool: until then the page still shows the previous person's.
    qtbot.waitUntil(lambda: sorted(r.photo.face_id for r in w.photo_model.rows()) == sorted(face_ids), timeout=5000)
    row = next(i for i, r in enumerate(w.photo_model.rows()) if r.photo.face_id == face_ids[0])
    sel = w.page.view.selectionModel()
    sel.select(w.photo_model.index(row, 0), sel.SelectionFlag.Select)
    w.edits.move_action.trigger()
    picker = w.edits.picker
    assert picker is not None and picker.isVisible()
    return picker


def _titles(picker):
    return [picker.model.index(r, 0).data().split("\n")[0] for r in range(picker.model.rowCount())]


def test_move_faces_picker_finds_a_person_by_typing(make_window, qtbot, library, seed):
    faces = seed(library, 5, faces_per_person=2, with_thumbs=True)
    ids = sorted(faces)
    w = make_window()
    w.show()
    _ready(qtbot, w, lambda: len(w.person_model.persons()) == 5)
    w.edits.rename(ids[3], "Grandpa Joe")
    w.edits.rename(ids[4], "Aunt Grace")
    _ready(qtbot, w, lambda: w.person_model.name_of(ids[4]) == "Aunt Grace")

    picker = _open_picker(qtbot, w, ids[0], faces[ids[0]])
    titles = _titles(picker)
    assert titles[0] == "New person" and len(titles) == 5  # every person but the one shown
    assert w.person_model.name_of(ids[0]) not in titles
    assert picker.list.currentIndex().row() == 1
    # Faces: the thumbnails arrive from the cache.
    face = picker.model.person(1).cover_face_id
    qtbot.waitUntil(lambda: w.thumbs.cached(face), timeout=5000)
    icon = picker.model.index(1, 0).data(Qt.ItemDataRole.DecorationRole)
    assert icon.pixmap(48).toImage().pixelColor(24, 24).alpha() == 255  # the face, not the translucent placeholder

    # Type-ahead: a word's start first ("gra" → Grace, Grandpa), then the arrow keys and Return.
    QTest.keyClicks(picker.filter_edit, "gra")
    assert _titles(picker) == ["New person", "Grandpa Joe", "Aunt Grace"]
    assert picker.chosen() == ids[3]
    QTest.keyClick(picker.filter_edit, Qt.Key.Key_Down)
    assert picker.chosen() == ids[4]
    QTest.keyClick(picker.filter_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: _person_of(library, faces[ids[0]][0]) == ids[4], timeout=3000)
    assert w.status_label.text() == "Moved 1 face to “Aunt Grace” — Ctrl+Z to undo"

    # The last target comes first next time, already chosen.
    _ready(qtbot, w, lambda: w.person_model.summary(ids[4]).n_faces == 3)
    picker = _open_picker(qtbot, w, ids[1], faces[ids[1]])
    assert _titles(picker)[1] == "Aunt Grace" and picker.chosen() == ids[4]
    assert "recent" in picker.model.index(1, 0).data()
    # "New person" splits the faces off into a person of their own.
    picker.list.setCurrentIndex(picker.model.index(0, 0))
    assert picker.chosen() == NEW_PERSON
    picker.accept()
    new = _person_of(library, faces[ids[1]][0])
    assert new not in ids
    assert w.status_label.text() == "Split 1 face into a new person — Ctrl+Z to undo"
    # Nothing that matches: only "New person" is left.
    picker = _open_picker(qtbot, w, ids[2], faces[ids[2]])
    QTest.keyClicks(picker.filter_edit, "zzz")
    assert _titles(picker) == ["New person"] and picker.chosen() == NEW_PERSON
    picker.reject()
    assert _person_of(library, faces[ids[2]][0]) == ids[2]


def test_the_end_of_indexing_says_what_it_did(make_window, qtbot, tmp_path):
    w = make_window(lambda: SlowEngine(0.0))
    album = make_album(tmp_path / "album", 4)
    (album / "corrupt.jpg").write_bytes(b"not a JPEG" * 20)
    with qtbot.waitSignal(w.indexing_finished, timeout=30_000):
        w.index_paths([str(album)])
    assert re.fullmatch(r"Indexing finished: 5 photos and videos, 4 faces, 1 file could not be read \(.*\)",
                        w.status_label.text()), w.status_label.text()
    # Once the faces are grouped, the persons are counted too (the people grid's, after its last refresh).
    qtbot.waitUntil(lambda: "person" in w.status_label.text(), timeout=10_000)
    n = len([p for p in w.person_model.persons() if not p.hidden])
    assert re.fullmatch(rf"Indexing finished: 5 photos and videos, 4 faces, {n} persons?, 1 file could not be read "
                        r"\(see View → Errors\)", w.status_label.text()), w.status_label.text()


def test_an_empty_errors_panel_closes_itself(make_window, qtbot):
    from types import SimpleNamespace

    w = make_window()
    w.show()
    dock = w.errors_dock
    assert not dock.isVisible() and not dock.toggleViewAction().isEnabled()
    dock.run_started()
    dock.set_errors([SimpleNamespace(path="/a/b.jpg", message="The file is damaged or incomplete")])
    assert dock.isVisible() and dock.toggleViewAction().isEnabled()
    dock.set_errors([])  # the files were fixed or their folder removed
    assert not dock.isVisible() and not dock.toggleViewAction().isEnabled()
    assert dock.windowTitle() == "Errors (0)"


def test_the_grid_numbers_show_in_the_viewer_and_the_chart(make_window, qtbot, library, seed):
    faces = seed(library, 3, faces_per_person=2)
    w = make_window()
    _ready(qtbot, w, lambda: len(w.person_model.persons()) == 3)
    w.tabs.setCurrentWidget(w.chart)
    qtbot.waitUntil(lambda: bool(w.chart.segments()), timeout=3000)
    titles = {w.person_model.index(r, 0).data(Role.PersonId): w.person_model.index(r, 0).data(Role.Title)
              for r in range(w.person_model.rowCount())}
    assert sorted(titles.values()) == ["Person 1", "Person 2", "Person 3"]
    assert w.chart._names == titles
    assert set(faces) == set(titles)
