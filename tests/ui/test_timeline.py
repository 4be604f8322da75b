# SPDX-License-Identifier: MIT
"""The Timeline tab: every file by date under year and month headers, names on hover, keys, the date bar."""

from __future__ import annotations

import datetime as dt
import itertools
from pathlib import Path

import cv2
import numpy as np
from PySide6.QtCore import QPoint
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from sqlalchemy import update

from organizer.db.models import DecisionKind
from organizer.db.models import Media
from organizer.db.models import MediaStatus
from organizer.db.models import Person
from organizer.db.models import UserDecision
from organizer.services.timeline import Timeline
from organizer.services.timeline import month_groups
from organizer.ui.models.timeline_model import RowKind
from organizer.ui.models.timeline_model import item_text
from organizer.ui.views.timeline import CELL

SHOTS = Path("/tmp/shots")


def _photo(tmp_path, name: str, colour) -> Path:
    path = tmp_path / name
    cv2.imwrite(str(path), np.full((300, 400, 3), colour, np.uint8))
    return path


def _library(library, tmp_path, build):
    """Anna (named), a hidden stranger and an unnamed person over photos of 2009, 2010 and 2011; one undated photo,
    one missing file, one removed face; returns the persons and the media's face ids by file name."""
    anna, stranger, other = build.person(library, "Anna"), build.person(library, "Stranger"), build.person(library)
    with library.begin() as s:
        s.execute(update(Person).where(Person.id == stranger).values(hidden=True))
    box = (20.0, 20.0, 80.0, 80.0)
    plan = [("a.jpg", dt.datetime(2010, 3, 5), [anna, stranger]), ("b.jpg", dt.datetime(2009, 12, 31), [other]),
            ("c.jpg", dt.datetime(2010, 3, 1), []), ("d.jpg", dt.datetime(2011, 7, 9), [anna, None, other]),
            ("e.jpg", None, [anna]), ("gone.jpg", dt.datetime(2010, 3, 2), [anna])]
    faces = {}
    for k, (name, taken, on) in enumerate(plan):
        path = _photo(tmp_path, name, (40 * k, 100, 200 - 20 * k))
        faces[name] = build.media(library, path, (400, 300), [(p, None, box) for p in on], taken=taken)
    with library.begin() as s:
        s.execute(update(Media).where(Media.path == str(tmp_path / "gone.jpg")).values(status=MediaStatus.MISSING))
        s.add(UserDecision(kind=DecisionKind.REMOVED, face_id=faces["d.jpg"][1]))
    return anna, stranger, other, faces


def test_the_service_orders_by_date_and_says_who_is_on_each_file(library, tmp_path, build):
    anna, _stranger, other, _faces = _library(library, tmp_path, build)
    items = Timeline(library).items()
    assert [Path(i.path).name for i in items] == ["b.jpg", "c.jpg", "a.jpg", "d.jpg", "e.jpg"]
    by_name = {Path(i.path).name: i for i in items}
    assert by_name["a.jpg"].person_ids == (anna,)  # the hidden stranger is not named
    assert by_name["a.jpg"].n_faces == 2
    assert by_name["d.jpg"].person_ids == (anna, other) and by_name["d.jpg"].n_faces == 2  # one face removed
    assert by_name["c.jpg"].n_faces == 0 and by_name["e.jpg"].taken is None
    groups = month_groups(items)
    assert [(g.year, g.month, len(g)) for g in groups] == [(2009, 12, 1), (2010, 3, 2), (2011, 7, 1),
                                                           (None, None, 1)]
    text = item_text(by_name["a.jpg"], ["Anna"])
    assert text.splitlines()[0] == "Anna (+1 face of no person)" and text.splitlines()[1] == "2010-03-05"


def _open(make_window, qtbot):
    w = make_window()
    w.resize(1200, 800)
    w.show()
    qtbot.waitUntil(lambda: w.person_model.rowCount() > 0, timeout=5000)
    with qtbot.waitSignal(w.timeline.loaded, timeout=5000):
        w.tabs.setCurrentWidget(w.timeline.page)
    return w


def test_the_tab_shows_headers_previews_names_and_opens_the_viewer(make_window, qtbot, library, tmp_path, build):
    _anna, _stranger, other, _faces = _library(library, tmp_path, build)
    w = _open(make_window, qtbot)
    page, model, view = w.timeline.page, w.timeline.model, w.timeline.page.view
    assert page.summary.text() == "5 photos \u00b7 2009\u20132011 \u00b7 1 without a date"
    headers = [(RowKind(model.row(r).kind), model.data(model.index(r, 0))) for r in range(model.rowCount())
               if model.row(r).kind != RowKind.STRIP]
    assert headers == [(RowKind.YEAR, "2009"), (RowKind.MONTH, "December 2009"), (RowKind.YEAR, "2010"),
                       (RowKind.MONTH, "March 2010"), (RowKind.YEAR, "2011"), (RowKind.MONTH, "July 2011"),
                       (RowKind.YEAR, "No date")]
    assert page.date_bar.years() == ["2009", "2010", "2011", "no date"]

    # The previews are decoded from the files themselves (a plain colour each here), not left as placeholders.
    qtbot.waitUntil(lambda: not page.view.viewport().grab().isNull() and _preview_loaded(model, 2), timeout=5000)
    # Hovering a preview names who is on it, as the people grid names them (the unnamed one as "Person N").
    items = model.items()
    d = next(i for i, it in enumerate(items) if it.path.endswith("d.jpg"))
    lines = model.tooltip(d).splitlines()
    assert lines[0] == f"Anna, {w.person_model.name_of(other)}" and lines[1] == "2011-07-09"

    view.setFocus()
    QTest.keyClick(view, Qt.Key.Key_Home)
    assert view.current_item == 0
    QTest.keyClick(view, Qt.Key.Key_Down)  # the next strip: March 2010 (across its headers)
    assert Path(items[view.current_item].path).name == "c.jpg"
    QTest.keyClick(view, Qt.Key.Key_Right)
    assert Path(items[view.current_item].path).name == "a.jpg"
    QTest.keyClick(view, Qt.Key.Key_End)
    assert Path(items[view.current_item].path).name == "e.jpg"
    QTest.keyClick(view, Qt.Key.Key_Up)
    assert Path(items[view.current_item].path).name == "d.jpg"

    QTest.keyClick(view, Qt.Key.Key_Return)
    viewer = w.timeline.viewer
    assert viewer is not None and viewer.path == str(tmp_path / "d.jpg")
    qtbot.waitUntil(lambda: not viewer.loading, timeout=5000)
    assert {f.name for f in viewer.faces if f.name} == {"Anna", w.person_model.name_of(other)}
    QTest.keyClick(viewer, Qt.Key.Key_Left)  # Left/Right step through the timeline's files
    assert viewer.path == str(tmp_path / "a.jpg")
    SHOTS.mkdir(exist_ok=True)
    w.grab().save(str(SHOTS / "timeline.png"))
    viewer.close()


def _preview_loaded(model, i: int) -> bool:
    pm = model.preview(i)
    return pm.width() == 150 and not model.is_unreadable(pm)


def test_a_double_click_opens_and_the_date_bar_jumps_to_a_year(make_window, qtbot, library, tmp_path, build):
    _library(library, tmp_path, build)
    w = _open(make_window, qtbot)
    view, bar, model = w.timeline.page.view, w.timeline.page.date_bar, w.timeline.model
    w.resize(700, 330)  # short, so that there is something to scroll
    qtbot.waitUntil(lambda: view.verticalScrollBar().maximum() > 0, timeout=3000)
    # A click on the bar's "2011" puts 2011's header at the top of the view.
    y2011 = bar._bar_y(next(y for y, label, _n in bar._years if label == "2011"))
    QTest.mouseClick(bar, Qt.MouseButton.LeftButton, pos=QPoint(20, y2011))

    def at_2011() -> bool:  # the list lays its rows out later (delayed layout): wait for it, not for a fixed time
        sb = view.verticalScrollBar()
        return model.data(view.indexAt(QPoint(5, 2))) == "2011" or sb.value() == sb.maximum()

    qtbot.waitUntil(at_2011, timeout=3000)

    strip = next(r for r in range(model.rowCount()) if model.row(r).kind == RowKind.STRIP)
    view.scrollTo(model.index(strip, 0))
    rect = view.visualRect(model.index(strip, 0))
    QTest.mouseDClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.topLeft() + QPoint(CELL // 2, CELL // 2))
    assert w.timeline.viewer is not None and w.timeline.viewer.path == model.items()[0].path
    w.timeline.viewer.close()


def test_resizing_rebuilds_the_strips_and_an_edit_reloads_the_names(make_window, qtbot, library, tmp_path, build):
    anna, *_rest = _library(library, tmp_path, build)
    w = _open(make_window, qtbot)
    model, view = w.timeline.model, w.timeline.page.view
    assert model.columns == view.fitting_columns() > 1
    march = next(r for r in range(model.rowCount()) if model.data(model.index(r, 0)) == "March 2010")
    assert model.row(march + 1).stop - model.row(march + 1).value == 2  # c.jpg and a.jpg side by side
    before = model.columns
    w.splitter.setSizes([w.splitter.width() - 2 * CELL, 2 * CELL])  # room for fewer previews
    qtbot.waitUntil(lambda: model.columns == view.fitting_columns() < before, timeout=3000)
    strips = [model.row(r) for r in range(model.rowCount()) if model.row(r).kind == RowKind.STRIP]
    assert len(strips) == sum(-(-len(g) // model.columns) for g in model.groups())
    assert all(0 < r.stop - r.value <= model.columns for r in strips)

    with qtbot.waitSignal(w.timeline.loaded, timeout=5000):
        w.ctx.edits.rename(anna, "Anna Karenina")
        w._edited()
    a = next(i for i, it in enumerate(model.items()) if it.path.endswith("a.jpg"))
    qtbot.waitUntil(lambda: model.tooltip(a).startswith("Anna Karenina"), timeout=5000)


def test_the_date_bar_labels_the_years_most_photos_are_of_when_labels_crowd(qtbot):
    """Nine years of one photo each, then a year of 600 (the phone's): on a short bar the single years' labels
    would cover each other; the big year, and the first and last, keep theirs."""
    from organizer.services.timeline import TimelineItem
    from organizer.ui.models.timeline_model import TimelineModel
    from organizer.ui.views.timeline import TimelinePage
    from organizer.ui.workers import Pools

    items = [TimelineItem(i, f"/p/{i}.jpg", "photo", dt.datetime(2010 + i, 1, 1), 4, 3, "exif", 0, ())
             for i in range(9)]
    items += [TimelineItem(100 + i, f"/p/b{i}.jpg", "photo", dt.datetime(2019, 1 + i % 12, 1), 4, 3, "exif", 0, ())
              for i in range(600)]
    items.append(TimelineItem(999, "/p/last.jpg", "photo", dt.datetime(2020, 5, 1), 4, 3, "exif", 0, ()))
    pools = Pools()
    model = TimelineModel(pools, lambda p: f"Person {p}")
    page = TimelinePage(model)
    qtbot.addWidget(page, before_close_func=lambda _w: pools.wait())
    page.resize(900, 400)
    page.show()
    model.set_columns(page.view.fitting_columns())
    model.set_items(sorted(items, key=lambda it: it.taken))
    bar = page.date_bar
    assert bar.years() == [str(y) for y in range(2010, 2021)]
    shown = bar.labelled()
    assert {"2010", "2019", "2020"} <= set(shown) and len(shown) < len(bar.years())
    ys = sorted(bar._bar_y(y) for y, label, _n in bar._years if label in shown)
    assert all(b - a >= bar.fontMetrics().height() for a, b in itertools.pairwise(ys))
    # the big year's months mark the way through it, between the year labels, never over one
    months = bar.month_labels()
    assert len(months) >= 3 and {label for _y, label in months} <= {"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul",
                                                                   "Aug", "Sep", "Oct", "Nov", "Dec"}
    every = sorted(ys + [y for y, _l in months])
    assert all(b - a >= bar.fontMetrics().height() for a, b in itertools.pairwise(every))
