# SPDX-License-Identifier: MIT
"""Dropping a real album onto the window indexes it (real ONNX models) and persons appear; a screenshot."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QMimeData
from PySide6.QtCore import QPoint
from PySide6.QtCore import QPointF
from PySide6.QtCore import Qt
from PySide6.QtCore import QUrl
from PySide6.QtGui import QDragEnterEvent
from PySide6.QtGui import QDropEvent

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def _drop(widget, paths) -> None:
    md = QMimeData()
    md.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    # QApplication.notify drops synthetic drag events that no real drag started, so the handlers are called as the
    # drag manager would: enter (must be accepted), then drop.
    enter = QDragEnterEvent(QPoint(50, 50), Qt.DropAction.CopyAction, md, Qt.MouseButton.LeftButton,
                            Qt.KeyboardModifier.NoModifier)
    enter.ignore()
    widget.dragEnterEvent(enter)
    assert enter.isAccepted()
    ev = QDropEvent(QPointF(50, 50), Qt.DropAction.CopyAction, md, Qt.MouseButton.LeftButton,
                    Qt.KeyboardModifier.NoModifier)
    widget.dropEvent(ev)
    assert ev.isAccepted()


def test_drop_folder_indexes_and_persons_appear(make_window, qtbot, album, analyzer_engine, app_palette, dark_palette):
    w = make_window(lambda: analyzer_engine)
    w.resize(1280, 820)
    w.show()
    qtbot.waitUntil(lambda: not w.snapshots.running, timeout=5000)
    assert w.stack.currentWidget() is w.empty  # empty state: "Drop folders with photos and videos here"
    with qtbot.waitSignal(w.indexing_finished, timeout=120_000):
        _drop(w, [album])
        assert w.indexing
    # Persons appear after the incremental clustering that follows indexing.
    qtbot.waitUntil(lambda: len(w.person_model.persons()) >= 3, timeout=30_000)
    assert w.folder_list.count() == 1
    persons = w.person_model.persons()
    assert sum(p.n_photos for p in persons) >= 6  # 10 photos; clustering quality is tested in tests/cluster
    # Open the person with the most photos; the couple photo shows every face.
    w.people_panel.select_person(persons[0].id)
    qtbot.waitUntil(lambda: w.photo_model.rowCount() >= 3, timeout=10_000)
    placeholder = w.photo_model._placeholder.cacheKey()
    qtbot.waitUntil(lambda: all(w.photo_model.index(r, 0).data(Qt.ItemDataRole.DecorationRole).cacheKey() != placeholder
                                for r in range(w.photo_model.rowCount())), timeout=10_000)
    qtbot.waitUntil(lambda: all(w.thumbs.cached(p.cover_face_id) for p in persons), timeout=10_000)
    qtbot.wait(100)
    ARTIFACTS.mkdir(exist_ok=True)
    assert w.grab().save(str(ARTIFACTS / "main_window.png"))
    w.tabs.setCurrentWidget(w.chart)
    qtbot.wait(100)
    assert w.grab().save(str(ARTIFACTS / "main_window_demography.png"))
    app_palette(dark_palette)  # the system switching to its dark scheme
    w.tabs.setCurrentWidget(w.page)
    qtbot.wait(100)
    assert w.grab().save(str(ARTIFACTS / "main_window_dark.png"))
