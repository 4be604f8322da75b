# SPDX-License-Identifier: MIT
"""The window follows the palette (the system's light or dark scheme): painted persons and the chart."""

from __future__ import annotations

from PySide6.QtGui import QColor
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QStyle
from PySide6.QtWidgets import QStyleOptionViewItem

from organizer.ui.models.person_model import Role

DARK_BASE, DARK_TEXT, DARK_DISABLED = QColor(30, 30, 34), QColor(235, 235, 235), QColor(120, 120, 120)

def _option(view) -> QStyleOptionViewItem:
    opt = QStyleOptionViewItem()
    opt.palette = view.palette()
    opt.state = QStyle.StateFlag.State_Enabled | QStyle.StateFlag.State_Active
    return opt


def _near(c: QColor, ref: QColor, tol: int = 30) -> bool:
    return abs(c.red() - ref.red()) <= tol and abs(c.green() - ref.green()) <= tol and abs(c.blue() - ref.blue()) <= tol


def test_people_grid_and_chart_follow_a_dark_palette(make_window, qtbot, library, seed, app_palette, dark_palette):
    seed(library, 3, faces_per_person=2, hidden=(2,))
    w = make_window()
    w.people_panel.hidden_check.setChecked(True)
    w.resize(1000, 700)
    w.show()
    qtbot.waitUntil(lambda: not w.snapshots.running and w.person_model.rowCount() == 3, timeout=5000)
    view, delegate = w.people_panel.view, w.people_panel.view.delegate
    shown = w.people_panel.proxy.index(0, 0)
    hidden = next(w.people_panel.proxy.index(r, 0) for r in range(3)
                  if w.people_panel.proxy.index(r, 0).data(Role.Hidden))
    light_text = delegate.text_colours(_option(view), shown)[0]

    app_palette(dark_palette)
    qtbot.waitUntil(lambda: view.palette().color(QPalette.ColorRole.Text) == DARK_TEXT, timeout=2000)
    main, detail = delegate.text_colours(_option(view), shown)
    assert main == DARK_TEXT and main != light_text
    assert detail.rgb() == DARK_TEXT.rgb() and detail.alpha() < 255  # a softer shade of the same text colour
    assert delegate.text_colours(_option(view), hidden)[0] == DARK_DISABLED
    sel = _option(view)
    sel.state |= QStyle.StateFlag.State_Selected
    assert delegate.text_colours(sel, shown)[0] == view.palette().color(QPalette.ColorRole.HighlightedText)

    # What is painted: the name line of an unselected cell is light text on the dark base.
    view.clearSelection()
    view.setCurrentIndex(w.people_panel.proxy.index(-1, -1))
    img = view.viewport().grab().toImage()
    rect = view.visualRect(shown)
    name_y = rect.top() + 4 + 96 + 4 + view.fontMetrics().height() // 2
    row = [QColor(img.pixel(x, name_y)) for x in range(rect.left() + 4, rect.right() - 4)]
    assert _near(QColor(img.pixel(rect.left() + 2, rect.top() + 2)), DARK_BASE)
    assert max(c.lightness() for c in row) > 180, "the name is drawn in the palette's (light) text colour"

    # The demography chart repaints its background and axis text from the new palette too.
    assert _near(w.chart.plot.backgroundBrush().color(), DARK_BASE, 2)
    assert _near(w.chart.plot.getAxis("left").textPen().color(), DARK_TEXT, 2)
