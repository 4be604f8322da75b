# SPDX-License-Identifier: MIT
"""The people grid's columns fill its width and follow the window; the face size slider is remembered."""

from __future__ import annotations


def _ready(qtbot, w, cond):
    qtbot.waitUntil(lambda: not w.snapshots.running and cond(), timeout=5000)


def _gap_right(view) -> int:
    """Pixels between the last column's right edge and the viewport's."""
    m = view.model()
    right = max(view.visualRect(m.index(r, 0)).right() for r in range(min(m.rowCount(), 12)))
    return view.viewport().width() - 1 - right


def test_columns_fill_the_width_and_follow_the_window(make_window, qtbot, library, seed, qsettings):
    seed(library, 30, faces_per_person=2, with_thumbs=True)
    w = make_window()
    w.resize(1200, 800)
    w.show()
    _ready(qtbot, w, lambda: len(w.person_model.persons()) == 30)
    view = w.people_panel.view
    for width in (360, 520, 700):
        w.splitter.setSizes([width, 1200 - width])
        qtbot.waitUntil(lambda: view.gridSize().width() * view.columns() >= view.viewport().width() - view.columns(),
                        timeout=2000)
        qtbot.wait(20)
        assert view.columns() >= 2
        assert _gap_right(view) < view.columns() + 3, f"at {width} px the grid leaves a gap"
    w.grab().save("/tmp/shots5/grid_fills_width.png")
    cols = view.columns()
    # Larger faces: fewer, larger columns, still filling the width.
    w.people_panel.size_slider.setValue(160)
    assert view.delegate.side == 160 and view.iconSize().width() == 160
    assert view.columns() < cols and _gap_right(view) < view.columns() + 3
    rect = view.visualRect(w.people_panel.proxy.index(1, 0))
    assert rect.height() > 160
    qtbot.wait(50)
    w.grab().save("/tmp/shots5/grid_large_faces.png")
    w.close()
    assert int(qsettings.value("people/face_size")) == 160
    w2 = make_window()
    assert w2.people_panel.size_slider.value() == 160 and w2.people_panel.view.delegate.side == 160


def test_use_as_persons_picture_sets_the_cover_and_undoes(make_window, qtbot, library, seed):
    from PySide6.QtCore import Qt

    from organizer.services.person_queries import PersonQueries
    from organizer.ui.models.person_model import Role

    faces = seed(library, 2, faces_per_person=3, with_thumbs=True)
    a = sorted(faces)[0]
    w = make_window()
    w.show()
    _ready(qtbot, w, lambda: len(w.person_model.persons()) == 2)
    auto = w.person_model.summary(a).cover_face_id
    w.people_panel.select_person(a)
    qtbot.waitUntil(lambda: w.photo_model.rowCount() == 3, timeout=5000)
    row = next(r for r in range(3) if w.photo_model.row(r).photo.face_id != auto)
    chosen = w.photo_model.row(row).photo.face_id
    w.page.view.setCurrentIndex(w.photo_model.index(row, 0))
    assert w.edits.cover_action in w.page.view.actions()  # in the page's context menu
    w.edits.cover_action.trigger()
    assert w.status_label.text().startswith("New picture for “Person ")
    _ready(qtbot, w, lambda: w.person_model.summary(a).cover_face_id == chosen)
    idx = w.person_model.index(w.person_model.row_of(a), 0)
    assert idx.data(Role.CoverFaceId) == chosen
    assert next(p for p in PersonQueries(library).list_persons() if p.id == a).cover_face_id == chosen
    w.edits.undo_stack.undo()
    _ready(qtbot, w, lambda: w.person_model.summary(a).cover_face_id == auto)
    w.edits.undo_stack.redo()
    _ready(qtbot, w, lambda: w.person_model.summary(a).cover_face_id == chosen)
    assert w.person_model.index(w.person_model.row_of(a), 0).data(Qt.ItemDataRole.DecorationRole) is not None
