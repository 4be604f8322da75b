# SPDX-License-Identifier: MIT
"""The demography pane: a shared segment's combo box shows the persons' faces; hovering a bar says its count."""

from __future__ import annotations

from PySide6.QtCore import QPoint
from PySide6.QtGui import QColor
from PySide6.QtTest import QTest

from organizer.ui.views.demography import segment_text


def _ready(qtbot, w, cond):
    qtbot.waitUntil(lambda: not w.snapshots.running and cond(), timeout=5000)


def _chart(make_window, qtbot, library, seed):
    seed(library, 20, faces_per_person=2, with_thumbs=True)  # persons i and i + 18 share age range and gender
    w = make_window()
    w.resize(1000, 700)
    w.show()
    w.tabs.setCurrentWidget(w.chart)
    _ready(qtbot, w, lambda: len(w.chart.segments()) > 0)
    qtbot.wait(50)
    return w


def test_shared_segment_combo_shows_the_faces(make_window, qtbot, library, seed):
    w = _chart(make_window, qtbot, library, seed)
    seg = next(s for s, _lo, _hi in w.chart.segments() if len(s.person_ids) > 1)
    w.chart.open_segment(seg)
    assert w.chart.combo.isVisible() and w.chart.combo.count() == len(seg.person_ids) + 1

    def faces_shown() -> bool:  # the seeded faces are opaque grey; the placeholder is translucent
        for i in range(1, w.chart.combo.count()):
            img = w.chart.combo_face(i).toImage()
            if img.isNull() or QColor(img.pixel(img.width() // 2, img.height() // 2)).alpha() != 255:
                return False
        return True

    qtbot.waitUntil(faces_shown, timeout=5000)
    w.chart.combo.showPopup()
    qtbot.wait(100)
    w.grab().save("/tmp/shots5/demography_combo.png")
    w.window().grab().save("/tmp/shots5/demography_combo.png")
    w.chart.combo.view().window().grab().save("/tmp/shots5/demography_popup.png")
    w.chart.combo.hidePopup()


def test_hovering_a_bar_says_its_count(make_window, qtbot, library, seed):
    w = _chart(make_window, qtbot, library, seed)
    seg, lo, hi = max(w.chart.segments(), key=lambda t: len(t[0].person_ids))
    n = len(seg.person_ids)
    want = segment_text(seg)
    assert want.endswith(f": {n} persons") and (seg.gender or "unknown") in want
    pt = w.chart.plot.mapFromScene(w.chart.scene_pos((lo + hi) / 2, seg.range_index))
    moves = iter(range(1000))

    def moved_to(x: int, y: int, text: str) -> bool:  # a synthetic move can be lost on a loaded machine: move again,
        QTest.mouseMove(w.chart.plot.viewport(), QPoint(x - next(moves) % 2, y))  # 1 px apart, until it is seen
        return w.chart.hover_text == text

    qtbot.waitUntil(lambda: moved_to(pt.x(), pt.y(), want), timeout=5000)
    assert w.chart.plot.toolTip() == want
    w.grab().save("/tmp/shots5/demography_hover.png")
    # Off the bars, nothing is said.
    empty = w.chart.plot.mapFromScene(w.chart.scene_pos(w.chart.plot.viewRange()[0][1] * 0.98, -0.5))
    assert w.chart.segment_at(w.chart.plot.viewRange()[0][1] * 0.98, -0.5) is None
    assert w.chart.plot.viewport().rect().contains(empty)
    qtbot.waitUntil(lambda: moved_to(empty.x(), empty.y(), "") and w.chart.plot.toolTip() == "", timeout=5000)
