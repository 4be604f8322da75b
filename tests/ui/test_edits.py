# SPDX-License-Identifier: MIT
"""Hand edits through the window: each changes the view and the database, and undoes and redoes."""

from __future__ import annotations

import json

from PySide6.QtCore import QMimeData
from PySide6.QtCore import Qt
from sqlalchemy import select

from organizer.db.models import Face
from organizer.db.models import Person
from organizer.ui.models.person_model import FACES_MIME
from organizer.ui.models.person_model import Role


def _db_person_of(library, face_id):
    with library() as s:
        return s.scalar(select(Face.person_id).where(Face.id == face_id))


def _grid_ids(w):
    return [w.person_model.index(r, 0).data(Role.PersonId) for r in range(w.person_model.rowCount())]


def _ready(qtbot, w, cond):
    qtbot.waitUntil(lambda: not w.snapshots.running and cond(), timeout=5000)


def test_merge_move_split_remove_with_undo_redo(make_window, qtbot, library, seed):
    faces = seed(library, 3, faces_per_person=2)
    a, b, c = sorted(faces)
    w = make_window()
    _ready(qtbot, w, lambda: len(_grid_ids(w)) == 3)

    # Merge: multi-select in the grid, then the Merge action.
    w.people_panel.select_person(a)
    sel = w.people_panel.view.selectionModel()
    sel.select(w.people_panel.proxy.mapFromSource(w.person_model.index(w.person_model.row_of(b), 0)),
               sel.SelectionFlag.Select)
    w.edits.merge_action.trigger()
    _ready(qtbot, w, lambda: len(_grid_ids(w)) == 2)
    assert _db_person_of(library, faces[b][0]) == _db_person_of(library, faces[a][0])
    w.edits.undo_stack.undo()
    _ready(qtbot, w, lambda: len(_grid_ids(w)) == 3)
    assert _db_person_of(library, faces[b][0]) == b
    w.edits.undo_stack.redo()
    _ready(qtbot, w, lambda: len(_grid_ids(w)) == 2)
    w.edits.undo_stack.undo()
    _ready(qtbot, w, lambda: len(_grid_ids(w)) == 3)

    # Move by drag & drop of faces onto a person.
    md = QMimeData()
    md.setData(FACES_MIME, json.dumps([faces[a][0]]).encode())
    target = w.person_model.index(w.person_model.row_of(c), 0)
    assert w.person_model.canDropMimeData(md, Qt.DropAction.MoveAction, -1, -1, target)
    w.person_model.dropMimeData(md, Qt.DropAction.MoveAction, -1, -1, target)
    assert _db_person_of(library, faces[a][0]) == c
    _ready(qtbot, w, lambda: w.person_model.person(w.person_model.row_of(c)).n_faces == 3)
    w.edits.undo_stack.undo()
    assert _db_person_of(library, faces[a][0]) == a

    # Split the selected photos of a person into a new person.
    w.people_panel.select_person(b)
    qtbot.waitUntil(lambda: sorted(r.photo.face_id for r in w.photo_model.rows()) == faces[b], timeout=5000)
    w.page.view.selectionModel().select(w.photo_model.index(0, 0), sel.SelectionFlag.Select)
    face = w.page.selected_face_ids()[0]
    w.edits.split_action.trigger()
    _ready(qtbot, w, lambda: len(_grid_ids(w)) == 4)
    new = _db_person_of(library, face)
    assert new not in (a, b, c)
    w.edits.undo_stack.undo()
    _ready(qtbot, w, lambda: len(_grid_ids(w)) == 3)
    assert _db_person_of(library, face) == b

    # Remove a face that is not a face: it goes to no person; undo puts it back.
    w.edits.remove_faces([faces[c][1]])
    assert _db_person_of(library, faces[c][1]) is None
    _ready(qtbot, w, lambda: w.person_model.person(w.person_model.row_of(c)).n_faces == 1)
    w.edits.undo_stack.undo()
    assert _db_person_of(library, faces[c][1]) == c
    assert w.edits.undo_stack.canRedo()


def test_rename_inline_and_hide(make_window, qtbot, library, seed):
    faces = seed(library, 2, faces_per_person=2)
    a, b = sorted(faces)
    w = make_window()
    _ready(qtbot, w, lambda: len(_grid_ids(w)) == 2)
    idx = w.people_panel.proxy.mapFromSource(w.person_model.index(w.person_model.row_of(a), 0))
    w.people_panel.proxy.setData(idx, "Grandma", Qt.ItemDataRole.EditRole)  # what the inline editor does
    with library() as s:
        assert s.get(Person, a).name == "Grandma"
    _ready(qtbot, w, lambda: "Grandma" in w.person_model.index(w.person_model.row_of(a), 0).data())
    w.people_panel.filter_edit.setText("grand")
    assert w.people_panel.proxy.rowCount() == 1
    w.people_panel.filter_edit.clear()
    w.edits.undo_stack.undo()
    with library() as s:
        assert s.get(Person, a).name is None
    w.edits.undo_stack.redo()
    with library() as s:
        assert s.get(Person, a).name == "Grandma"

    # Hide: gone from the grid unless "Show hidden"; undo shows it again.
    w.people_panel.select_person(b)
    w.edits.hide_action.trigger()
    _ready(qtbot, w, lambda: b not in _grid_ids(w))
    with library() as s:
        assert s.get(Person, b).hidden
    w.people_panel.hidden_check.setChecked(True)
    _ready(qtbot, w, lambda: b in _grid_ids(w))
    w.people_panel.hidden_check.setChecked(False)
    w.edits.undo_stack.undo()
    _ready(qtbot, w, lambda: b in _grid_ids(w))
    with library() as s:
        assert not s.get(Person, b).hidden


def test_chart_click_opens_the_right_person(make_window, qtbot, library, seed):
    from PySide6.QtCore import QPoint
    from PySide6.QtTest import QTest

    seed(library, 4, faces_per_person=2)
    w = make_window()
    w.show()
    w.tabs.setCurrentWidget(w.chart)
    _ready(qtbot, w, lambda: len(w.chart.segments()) > 0)
    qtbot.wait(50)
    single = next(s for s, _lo, _hi in w.chart.segments() if len(s.person_ids) == 1)
    _seg, lo, hi = next(t for t in w.chart.segments() if t[0] is single)
    scene = w.chart.scene_pos((lo + hi) / 2, single.range_index)
    view_pt = w.chart.plot.mapFromScene(scene)
    with qtbot.waitSignal(w.chart.person_chosen, timeout=3000) as blocker:
        QTest.mouseClick(w.chart.plot.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(view_pt.x(), view_pt.y()))
    assert blocker.args == [single.person_ids[0]]
    _ready(qtbot, w, lambda: w.people_panel.current_person_id() == single.person_ids[0])
    assert w.tabs.currentWidget() is w.page
    qtbot.waitUntil(lambda: w.photo_model.rowCount() == 2, timeout=5000)

    # A segment shared by several persons offers a combo box to pick one.
    shared = [s for s, _lo, _hi in w.chart.segments() if len(s.person_ids) > 1]
    if shared:
        w.chart.open_segment(shared[0])
        assert w.chart.combo.count() == len(shared[0].person_ids) + 1


def test_a_full_recluster_keeps_the_edits_and_says_they_can_no_longer_be_undone(make_window, qtbot, library, seed):
    from organizer.ui.edit_actions import HISTORY_CLEARED

    faces = seed(library, 2, faces_per_person=2)
    a, _b = sorted(faces)
    w = make_window()
    _ready(qtbot, w, lambda: len(_grid_ids(w)) == 2)
    assert "can no longer be undone" in w.recluster_action.statusTip()
    w.edits.rename(a, "Grandma")
    assert w.edits.undo_stack.canUndo()
    w.ctx.clustering.recluster = lambda params, cancel=None, incremental=False: iter(())  # writes nothing
    with qtbot.waitSignal(w.clustering.clustered, timeout=5000):
        w.recluster_action.trigger()
    assert not w.edits.undo_stack.canUndo()
    assert w.status_label.text() == HISTORY_CLEARED
    with library() as s:
        assert s.get(Person, a).name == "Grandma"  # the edit itself is kept
    # With nothing to undo, a Re-cluster simply says that persons were updated.
    with qtbot.waitSignal(w.clustering.clustered, timeout=5000):
        w.recluster_action.trigger()
    assert w.status_label.text() == "Persons updated"
