# SPDX-License-Identifier: MIT
"""A birth date entered by hand: it replaces the estimated birth year, gives exact ages, survives re-clustering,
undoes exactly, and is in ``organizer people --json``."""

from __future__ import annotations

import datetime as dt

import pytest
from people_services import People as PeopleService
from sqlalchemy import select
from test_people import Album

from organizer.cli.people import export
from organizer.db.models import DateSource
from organizer.db.models import DecidedBy
from organizer.db.models import Face
from organizer.db.models import Media
from organizer.services.person_queries import exact_age

BORN = dt.date(1981, 5, 17)


@pytest.fixture
def people(library) -> PeopleService:
    a = Album(library)
    for year in (2015, 2017, 2019):
        for month in (3, 8):
            a.photo([0], dt.datetime(year, month, 1, 12))
            a.photo([1], dt.datetime(year, month, 2, 12))
    p = PeopleService(library)
    list(p.recluster())
    return p


def _adult(people: PeopleService):
    """The person of identity 0 (born about 1980 by the faces' ages)."""
    return min(people.list_persons(), key=lambda p: p.birth_year or 9999)


def _summary(people: PeopleService, pid: int):
    return next(p for p in people.list_persons() if p.id == pid)


def test_exact_age() -> None:
    assert exact_age(BORN, dt.date(2001, 5, 17)) == 20.0
    assert 19.99 < exact_age(BORN, dt.date(2001, 5, 16)) < 20.0
    assert exact_age(BORN, dt.date(1980, 1, 1)) == 0.0
    leap = dt.date(2000, 2, 29)
    assert exact_age(leap, dt.date(2001, 3, 1)) == 1.0 and int(exact_age(leap, dt.date(2001, 2, 28))) == 0


def test_birth_date_replaces_the_estimate(people: PeopleService, library) -> None:
    adult = _adult(people)
    assert adult.birth_date is None and adult.birth_year_range[0] < adult.birth_year_range[1]
    people.set_birth_date(adult.id, BORN)
    s = _summary(people, adult.id)
    assert s.birth_date == BORN and s.birth_year == 1981 and s.birth_year_range == (1981, 1981)
    faces = people.person_faces(adult.id)
    assert faces and all(f.dated for f in faces)
    for f in faces:
        assert f.age_at_photo == pytest.approx(exact_age(BORN, f.taken.date()))
    # e.g. 1 March 2015: 33, not yet 34 (the birthday is in May)
    first = faces[0]
    assert first.taken.date() == dt.date(2015, 3, 1) and int(first.age_at_photo) == 33
    # a photo whose date is only the file's copy time says nothing about the age
    with library.begin() as ses:
        fid = ses.scalar(select(Face.id).where(Face.person_id == adult.id))
        ses.execute(Media.__table__.update().where(Media.id == select(Face.media_id).where(Face.id == fid)
                                                   .scalar_subquery()).values(date_source=DateSource.FILE))
    by_id = {f.id: f for f in people.person_faces(adult.id)}
    assert not by_id[fid].dated and by_id[fid].age_at_photo is None
    # confirmed like a rename, so re-clustering continues this person
    with library() as ses:
        assert set(ses.scalars(select(Face.assigned_by).where(Face.person_id == adult.id))) == {DecidedBy.USER}


def test_survives_a_full_recluster(people: PeopleService) -> None:
    adult = _adult(people)
    faces = {f.id for f in people.person_faces(adult.id)}
    people.set_birth_date(adult.id, BORN)
    list(people.recluster())
    list(people.recluster(incremental=True))
    s = _summary(people, adult.id)
    assert s.birth_date == BORN and s.birth_year == 1981
    assert {f.id for f in people.person_faces(adult.id)} == faces


def test_undo_restores_exactly_and_none_clears(people: PeopleService, library) -> None:
    adult = _adult(people)
    estimate = (adult.birth_year, adult.birth_year_range)
    with library() as s:
        before = dict(s.execute(select(Face.id, Face.assigned_by).where(Face.person_id == adult.id)).all())
    first = people.set_birth_date(adult.id, BORN)
    second = people.set_birth_date(adult.id, dt.date(1979, 12, 31))
    assert _summary(people, adult.id).birth_year == 1979
    people.undo(second)
    assert _summary(people, adult.id).birth_date == BORN
    people.undo(first)
    s = _summary(people, adult.id)
    assert s.birth_date is None and (s.birth_year, s.birth_year_range) == estimate
    with library() as ses:
        assert dict(ses.execute(select(Face.id, Face.assigned_by).where(Face.person_id == adult.id)).all()) == before

    people.set_birth_date(adult.id, BORN)
    cleared = people.set_birth_date(adult.id, None)
    s = _summary(people, adult.id)
    assert s.birth_date is None and (s.birth_year, s.birth_year_range) == estimate
    ages = [f.age_at_photo for f in people.person_faces(adult.id)]
    assert all(a is not None for a in ages) and ages != [exact_age(BORN, f.taken.date())
                                                          for f in people.person_faces(adult.id)]
    people.undo(cleared)
    assert _summary(people, adult.id).birth_date == BORN


def test_future_date_refused(people: PeopleService) -> None:
    with pytest.raises(ValueError):
        people.set_birth_date(_adult(people).id, dt.date.today() + dt.timedelta(days=1))


def test_merge_keeps_the_date_and_undo_gives_it_back(people: PeopleService) -> None:
    adult = _adult(people)
    child = next(p for p in people.list_persons() if p.id != adult.id)
    people.rename(adult.id, "Ann")
    people.set_birth_date(child.id, dt.date(2010, 1, 2))
    res = people.merge([adult.id, child.id])
    assert res.person_id == adult.id and _summary(people, adult.id).birth_date == dt.date(2010, 1, 2)
    people.undo(res)
    assert _summary(people, adult.id).birth_date is None
    assert _summary(people, child.id).birth_date == dt.date(2010, 1, 2)


def test_json_has_the_birth_date(people: PeopleService) -> None:
    adult = _adult(people)
    people.set_birth_date(adult.id, BORN)
    doc = export(people.queries)
    by_id = {p["id"]: p for p in doc["persons"]}
    assert by_id[adult.id]["birth_date"] == "1981-05-17"
    assert by_id[adult.id]["birth_year"] == 1981 and by_id[adult.id]["birth_year_range"] == [1981, 1981]
    assert all(p["birth_date"] is None for pid, p in by_id.items() if pid != adult.id)
