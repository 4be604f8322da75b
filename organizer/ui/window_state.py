# SPDX-License-Identifier: MIT
"""What the desktop remembers of the main window (QSettings): geometry, docks, splitter and view options.

Only this: the clustering and video settings belong to the library (see :class:`~organizer.ui.context.AppContext`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from organizer.ui.main_window import MainWindow


def restore(w: MainWindow) -> None:
    s = w.settings
    geo = s.value("window/geometry")
    if geo is not None:
        w.restoreGeometry(geo)
    else:
        w.resize(1280, 820)
    state = s.value("window/state")
    if state is not None:
        w.restoreState(state)
    split = s.value("window/splitter")
    if split is not None:
        w.splitter.restoreState(split)
    else:
        # Two columns of persons beside the photos on a first start (the rest goes to the photos).
        view = w.people_panel.view
        grid = view.gridSize().width() + 2 * view.spacing()
        w.splitter.setSizes([2 * grid + 40, max(400, w.width() - 2 * grid - 300)])
    w.people_panel.hidden_check.setChecked(s.value("people/show_hidden", False, type=bool))
    w.people_panel.sort_combo.setCurrentIndex(int(s.value("people/sort", 0)))
    slider = w.people_panel.size_slider
    slider.setValue(int(s.value("people/face_size", slider.value())))


def save(w: MainWindow) -> None:
    s = w.settings
    s.setValue("window/geometry", w.saveGeometry())
    s.setValue("window/state", w.saveState())
    s.setValue("window/splitter", w.splitter.saveState())
    s.setValue("people/show_hidden", w.people_panel.hidden_check.isChecked())
    s.setValue("people/sort", w.people_panel.sort_combo.currentIndex())
    s.setValue("people/face_size", w.people_panel.size_slider.value())
    s.sync()
