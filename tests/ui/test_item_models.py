# SPDX-License-Identifier: MIT
"""Item models: pytest-qt's model tester, lazy thumbnails, and a people grid of 5 000 persons."""

from __future__ import annotations

from PySide6.QtCore import Qt

from organizer.services.browse_service import BrowseService
from organizer.services.person_queries import PersonQueries
from organizer.ui.models.person_model import PersonFilterProxy
from organizer.ui.models.person_model import PersonGridModel
from organizer.ui.models.person_model import Role
from organizer.ui.models.person_model import SortKey
from organizer.ui.models.photo_model import PhotoGridModel
from organizer.ui.models.photo_model import PhotoRow
from organizer.ui.models.thumbnails import ThumbnailCache
from organizer.ui.workers import Pools


def test_person_model_passes_modeltester(qtmodeltester, qtbot, library, seed):
    seed(library, 12, with_thumbs=True)
    pools = Pools()
    thumbs = ThumbnailCache(BrowseService(library), pools)
    model = PersonGridModel(thumbs)
    persons = PersonQueries(library).list_persons()
    model.set_persons(persons, unsorted_faces=3)
    qtmodeltester.check(model)
    assert model.rowCount() == 13
    assert model.index(0, 0).data(Role.PersonId) == -1
    # Thumbnails load lazily: asking paints a placeholder and schedules one batched query.
    first = model.index(1, 0)
    face = first.data(Role.CoverFaceId)
    model.data(first, Qt.ItemDataRole.DecorationRole)
    qtbot.waitUntil(lambda: thumbs.cached(face), timeout=5000)
    assert not model.data(first, Qt.ItemDataRole.DecorationRole).isNull()
    model.sort_by(SortKey.BIRTH_YEAR)
    years = [model.index(r, 0).data(Role.BirthYear) for r in range(1, model.rowCount())]
    assert years == sorted(years)
    proxy = PersonFilterProxy()
    proxy.setSourceModel(model)
    qtmodeltester.check(proxy)
    proxy.set_text(persons[0].name or f"Person {persons[0].id}")
    assert proxy.rowCount() >= 1
    pools.wait()


def test_photo_model_passes_modeltester(qtmodeltester, library, seed):
    faces = seed(library, 2, faces_per_person=3)
    browse = BrowseService(library)
    model = PhotoGridModel(browse, Pools())
    pid = next(iter(faces))
    rows = [PhotoRow(p, 30.0) for p in browse.photos_of_person(pid)]
    model.set_rows(rows)
    qtmodeltester.check(model)
    assert model.rowCount() == 3
    taken = [model.index(r, 0).data(Qt.ItemDataRole.UserRole + 4) for r in range(3)]
    assert taken == sorted(taken)
    assert "age 30" in model.index(0, 0).data()
    md = model.mimeData([model.index(0, 0), model.index(2, 0)])
    assert md.hasFormat("application/x-organizer-face-ids")


def test_people_grid_with_5000_persons(qtbot, library):
    """5 000 persons into the model, painted, sorted and filtered (bench/people_grid.py times it).

    Loading the summaries runs on the io pool (``PersonQueries.list_persons``); bench/people_grid.py measures
    the whole path from a populated database.
    """
    from organizer.services.person_queries import PersonSummary
    from organizer.ui.views.person_grid import PeoplePanel

    persons = [PersonSummary(i, f"Name {i}" if i % 3 else None, False, "male" if i % 2 else "female", 0.5,
                             1950 + i % 70, (1948 + i % 70, 1952 + i % 70), 20, 20 - i % 7, i * 20)
               for i in range(1, 5001)]
    pools = Pools()
    model = PersonGridModel(ThumbnailCache(BrowseService(library), pools))
    panel = PeoplePanel(model)
    qtbot.addWidget(panel)
    panel.resize(900, 700)
    panel.show()
    model.set_persons(persons, unsorted_faces=10)
    panel.view.viewport().repaint()
    qtbot.wait(1)
    model.sort_by(SortKey.NAME)
    panel.proxy.set_text("name 4")
    panel.view.viewport().repaint()
    assert panel.proxy.rowCount() == len([p for p in persons if p.name and "name 4" in p.name.lower()])
    pools.wait()
