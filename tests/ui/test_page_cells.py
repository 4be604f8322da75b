# SPDX-License-Identifier: MIT
"""Person page cells: sized to their photos, the caption under the picture, the face's region on a large photo."""

from __future__ import annotations

import datetime as dt

import cv2
import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor

from organizer.services.browse_service import BrowseService
from organizer.ui.models.photo_model import HIGHLIGHT
from organizer.ui.models.photo_model import PREVIEW_SIDE
from organizer.ui.models.photo_model import preview_region
from organizer.ui.models.photo_model import render_preview


def _is_highlight(c: QColor) -> bool:
    return abs(c.red() - HIGHLIGHT.red()) < 50 and abs(c.green() - HIGHLIGHT.green()) < 50 and c.blue() < 90


def test_small_face_on_a_large_photo_shows_its_region(library, tmp_path, build):
    big = tmp_path / "big.jpg"
    img = np.full((3000, 4000, 3), 60, np.uint8)
    img[1500:1580, 2000:2080] = (255, 255, 255)  # the face: 80 px on a 4000 px photo
    cv2.imwrite(str(big), img)
    me = build.person(library, "Me")
    build.media(library, big, (4000, 3000), [(me, None, (2000.0, 1500.0, 80.0, 80.0))])
    (photo,) = BrowseService(library).photos_of_person(me)
    rx, ry, rw, rh = preview_region(photo)
    assert rw == 400 and rh == 300 and rx < 2000 < 2080 < rx + rw
    pre = render_preview(BrowseService(library), photo)
    assert (pre.width(), pre.height()) == (PREVIEW_SIDE, 150)
    # The face fills a fifth of the preview (40 px), its box highlighted; in the whole photo it would be 4 px.
    s = PREVIEW_SIDE / rw
    fx, fy = round((2000 - rx) * s), round((1500 - ry) * s)
    centre = QColor(pre.pixel(fx + 20, fy + 20))
    assert centre.red() > 200 and centre.blue() > 200, "the face itself, large"
    assert _is_highlight(QColor(pre.pixel(fx, fy + 20))), "its box"
    assert QColor(pre.pixel(5, 5)).red() < 100, "context around it"
    # A face that is large enough keeps the whole photo.
    build.media(library, tmp_path / "whole.jpg", (400, 300), [(me, None, (100.0, 100.0, 80.0, 80.0))])
    whole = next(p for p in BrowseService(library).photos_of_person(me) if p.path.endswith("whole.jpg"))
    assert preview_region(whole) is None


def test_cells_follow_their_photos_with_the_caption_under(make_window, qtbot, library, tmp_path, build):
    land, port, big = tmp_path / "land.jpg", tmp_path / "port.jpg", tmp_path / "big.jpg"
    cv2.imwrite(str(land), np.full((300, 400, 3), (0, 140, 0), np.uint8))
    cv2.imwrite(str(port), np.full((400, 300, 3), (140, 0, 0), np.uint8))
    pic = np.full((3000, 4000, 3), (40, 40, 40), np.uint8)
    pic[1500:1580, 2000:2080] = (230, 230, 230)
    cv2.imwrite(str(big), pic)
    me = build.person(library, "Me")
    build.media(library, land, (400, 300), [(me, None, (100.0, 80.0, 120.0, 120.0))], taken=dt.datetime(2001, 1, 1))
    build.media(library, port, (300, 400), [(me, None, (80.0, 100.0, 120.0, 120.0))], taken=dt.datetime(2002, 1, 1))
    build.media(library, big, (4000, 3000), [(me, None, (2000.0, 1500.0, 80.0, 80.0))], taken=dt.datetime(2003, 1, 1))
    w = make_window()
    w.resize(1280, 800)
    w.show()
    qtbot.waitUntil(lambda: w.person_model.row_of(me) >= 0, timeout=5000)
    w.people_panel.select_person(me)
    qtbot.waitUntil(lambda: w.photo_model.rowCount() == 3, timeout=5000)
    view, m = w.page.view, w.photo_model
    key = m._placeholder.cacheKey()
    qtbot.waitUntil(lambda: all(m.index(r, 0).data(Qt.ItemDataRole.DecorationRole).cacheKey() != key
                                for r in range(3)), timeout=10_000)
    qtbot.wait(50)
    rects = [view.visualRect(m.index(r, 0)) for r in range(3)]
    assert rects[0].width() > rects[1].width() + 40, "a landscape cell is wider than a portrait one"
    assert rects[0].height() == rects[1].height()
    shot = view.viewport().grab().toImage()
    delegate = view.itemDelegate()
    for r in range(3):
        pic_rect = delegate.picture_rect(rects[r], m.index(r, 0))
        # The caption starts right under the picture (no gap of a fixed-size cell), inside the cell.
        assert 0 <= rects[r].bottom() - pic_rect.bottom() <= 2 * view.fontMetrics().height() + 12
        c = QColor(shot.pixel(pic_rect.center().x(), pic_rect.bottom() - 3))
        assert c != QColor(shot.pixel(pic_rect.center().x(), rects[r].top() + 1)) or r == 1
    w.grab().save("/tmp/shots5/page_cells.png")
