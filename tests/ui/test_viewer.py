# SPDX-License-Identifier: MIT
"""The photo viewer: fits the window and the screen, zooms, pans, goes through the person's photos, and says when
the desktop has no program to open a photo or its folder with."""

from __future__ import annotations

import cv2
import numpy as np
from PySide6.QtCore import QPoint
from PySide6.QtCore import QPointF
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtGui import QGuiApplication
from PySide6.QtGui import QWheelEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from organizer.ui.dialogs import viewer as viewer_mod


def _album(make_window, qtbot, library, tmp_path, build):
    """Alice on a big photo (3000 x 2000, green) and a small one (320 x 240, red), oldest first."""
    import datetime as dt

    big, small = tmp_path / "big.jpg", tmp_path / "small.jpg"
    cv2.imwrite(str(big), np.full((2000, 3000, 3), (0, 160, 0), np.uint8))
    cv2.imwrite(str(small), np.full((240, 320, 3), (0, 0, 200), np.uint8))
    alice, bob = build.person(library, "Alice"), build.person(library)
    build.media(library, big, (3000, 2000), [(alice, None, (1000.0, 800.0, 300.0, 300.0))],
                taken=dt.datetime(2001, 1, 1))
    build.media(library, small, (320, 240), [(alice, None, (40.0, 40.0, 60.0, 60.0)),
                                            (bob, None, (200.0, 40.0, 60.0, 60.0))], taken=dt.datetime(2002, 1, 1))
    build.media(library, tmp_path / "bob.jpg", (320, 240), [(bob, None, (1.0, 1.0, 5.0, 5.0))])
    w = make_window()
    w.show()
    qtbot.waitUntil(lambda: w.person_model.row_of(alice) >= 0, timeout=5000)
    w.people_panel.select_person(alice)
    qtbot.waitUntil(lambda: w.photo_model.rowCount() == 2, timeout=5000)
    return w


def _visible_rect(v):
    return v.view.mapFromScene(v.view.sceneRect()).boundingRect()


def test_fit_zoom_pan_and_next_previous(make_window, qtbot, library, tmp_path, build):
    w = _album(make_window, qtbot, library, tmp_path, build)
    v = w.browser.open_photo(w.photo_model.row(0).photo)
    qtbot.waitUntil(lambda: not v.loading, timeout=10_000)
    qtbot.wait(50)
    avail = (v.screen() or QGuiApplication.primaryScreen()).availableGeometry()
    assert avail.contains(v.frameGeometry()), (v.frameGeometry(), avail)
    assert v.image().width() == 3000
    # Fitted: the whole picture is in the view, scaled down.
    view = v.view
    assert view.fitting and view.scale_factor() < 0.5
    assert view.viewport().rect().adjusted(-1, -1, 1, 1).contains(_visible_rect(v))
    v.grab().save("/tmp/shots5/viewer_fit.png")
    # 1: pixel for pixel; then the picture is larger than the view and dragging pans it.
    QTest.keyClick(view, Qt.Key.Key_1)
    assert view.scale_factor() == 1.0 and not view.fitting
    h0, v0 = view.horizontalScrollBar().value(), view.verticalScrollBar().value()
    centre = view.viewport().rect().center()
    QTest.mousePress(view.viewport(), Qt.MouseButton.LeftButton, pos=centre)
    QTest.mouseMove(view.viewport(), centre + QPoint(-120, -80))
    QTest.mouseRelease(view.viewport(), Qt.MouseButton.LeftButton, pos=centre + QPoint(-120, -80))
    assert view.horizontalScrollBar().value() > h0 and view.verticalScrollBar().value() > v0
    v.grab().save("/tmp/shots5/viewer_1to1.png")
    # + and − zoom, Ctrl+0 fits again, the wheel zooms too.
    QTest.keyClick(view, Qt.Key.Key_Minus)
    assert abs(view.scale_factor() - 0.8) < 1e-6
    QTest.keyClick(view, Qt.Key.Key_Plus)
    assert abs(view.scale_factor() - 1.0) < 1e-6
    QTest.keyClick(view, Qt.Key.Key_0, Qt.KeyboardModifier.ControlModifier)
    assert view.fitting and view.scale_factor() < 0.5
    fitted = view.scale_factor()
    pos = QPointF(view.viewport().rect().center())
    ev = QWheelEvent(pos, QPointF(view.viewport().mapToGlobal(pos.toPoint())), QPoint(0, 0), QPoint(0, 120),
                     Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(view.viewport(), ev)
    assert abs(view.scale_factor() - fitted * 1.25) < 1e-6
    # Right: the person's next photo, with its own faces (the other person named as the grid numbers it).
    QTest.keyClick(view, Qt.Key.Key_Right)
    assert v.index == 1 and v.path.endswith("small.jpg")
    qtbot.waitUntil(lambda: not v.loading, timeout=5000)
    assert v.image().width() == 320 and sorted(f.name for f in v.faces) == ["Alice", "Person 2"]
    c = QColor(v.image().pixel(300, 200))
    assert c.red() > 150 and c.green() < 60, "the small photo is shown"
    assert view.fitting and view.scale_factor() == 1.0  # a small photo is not enlarged
    v.grab().save("/tmp/shots5/viewer_next.png")
    QTest.keyClick(view, Qt.Key.Key_Right)  # the last one: stays
    assert v.index == 1
    QTest.keyClick(view, Qt.Key.Key_Left)
    qtbot.waitUntil(lambda: not v.loading, timeout=10_000)
    assert v.index == 0 and v.image().width() == 3000
    v.close()


def test_no_launcher_is_said_in_a_message(make_window, qtbot, library, tmp_path, build, monkeypatch):
    w = _album(make_window, qtbot, library, tmp_path, build)
    v = w.browser.open_photo(w.photo_model.row(1).photo)
    asked = []
    monkeypatch.setattr(viewer_mod, "open_url", lambda url: (asked.append(url.toString()), False)[1])
    assert not v.open_in_system_viewer()
    qtbot.waitUntil(lambda: v.message is not None and v.message.isVisible(), timeout=3000)
    assert "Could not open" in v.message.text() and "small.jpg" in v.message.informativeText()
    v.message.grab().save("/tmp/shots5/viewer_no_launcher.png")
    v.message.accept()
    assert not v.show_in_folder()
    assert "folder" in v.message.text()
    assert asked[0].endswith("/small.jpg") and asked[1] == asked[0].rsplit("/", 1)[0]
    v.message.accept()
    # With a launcher, no message.
    monkeypatch.setattr(viewer_mod, "open_url", lambda url: True)
    v.message = None
    assert v.show_in_folder() and v.message is None
    v.close()
