# SPDX-License-Identifier: MIT
"""Photos found by the people in them, in a real SQLite library (rows written directly, no models)."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys

import pytest

from organizer.db.models import DateSource
from organizer.db.models import DecidedBy
from organizer.db.models import Face
from organizer.db.models import Media
from organizer.db.models import MediaKind
from organizer.db.models import MediaStatus
from organizer.db.models import Person
from organizer.services.photo_search import PhotoSearch


@pytest.fixture
def family(library):
    """Grandma (born 1950), Anna (2015), Ben (2012, unnamed) and Carl (named) on photos and one video."""
    with library.begin() as s:
        s.add_all([Person(id=1, name="Grandma"), Person(id=2, name="Anna"), Person(id=3), Person(id=4, name="Carl")])
        s.flush()
        photos = [  # (persons, year, dated)
            ((1, 2), 2017, True), ((1, 2, 3), 2019, True), ((1, 2, 4), 2020, True), ((1,), 2018, True),
            ((2,), 2021, True), ((1, 2), 2022, False), ((1, 2, None), 2023, True),
        ]
        for k, (persons, year, dated) in enumerate(photos, start=1):
            s.add(Media(id=k, path=f"/fam/p{k}.jpg", size=1, mtime_ns=k, kind=MediaKind.PHOTO, width=100,
                        height=100, status=MediaStatus.OK, taken_at=dt.datetime(year, 6, 1),
                        date_source=DateSource.EXIF if dated else DateSource.FILE))
            for j, p in enumerate(persons):
                s.add(_face(k, None, j, p))
        s.add(Media(id=99, path="/fam/clip.mp4", size=1, mtime_ns=99, kind=MediaKind.VIDEO, width=100, height=100,
                    status=MediaStatus.OK, taken_at=dt.datetime(2019, 7, 1), date_source=DateSource.VIDEO))
        for frame, persons in ((1.0, (1, 2)), (2.0, (1,))):
            for j, p in enumerate(persons):
                s.add(_face(99, frame, j, p))
    return library


def _face(media: int, frame: float | None, j: int, person: int | None) -> Face:
    return Face(media_id=media, frame_s=frame, x=10.0 + 30 * j, y=10.0, w=20.0, h=20.0, score=0.99,
                embedding=b"\0" * 16, embedding_model="t", embedding_dim=4, p_male=0.5, age=30.0,
                person_id=person, assigned_by=DecidedBy.USER if person else None)


def test_all_of_them_only_these_dates_and_frames(family):
    search = PhotoSearch(family)
    together = search.find([1, 2])
    assert [(h.path, h.frame_s) for h in together] == [
        ("/fam/p1.jpg", None), ("/fam/p2.jpg", None), ("/fam/clip.mp4", 1.0), ("/fam/p3.jpg", None),
        ("/fam/p7.jpg", None), ("/fam/p6.jpg", None)]  # by shooting date, the undated last
    assert together[1].person_ids == (1, 2, 3) and together[-1].dated is False
    # only these: no other *named* person (Ben has no name, the unsorted face is nobody)
    only = {h.path for h in search.find([1, 2], only_these=True)}
    assert "/fam/p3.jpg" not in only and {"/fam/p2.jpg", "/fam/p7.jpg"} <= only
    # a date range needs a shooting date
    within = search.find([1, 2], taken_from=dt.date(2019, 1, 1), taken_to=dt.date(2020, 12, 31))
    assert [h.path for h in within] == ["/fam/p2.jpg", "/fam/clip.mp4", "/fam/p3.jpg"]
    assert [h.path for h in search.find([1, 2], faces_range=(3, 3))] == ["/fam/p2.jpg", "/fam/p3.jpg",
                                                                       "/fam/p7.jpg"]
    assert search.find([2, 4, 1])[0].person_ids[:3] == (2, 4, 1)
    assert search.find([]) == [] and search.find([1, 99]) == []


def test_the_first_persons_age_at_the_photo(family, monkeypatch):
    from organizer.services import photo_search

    class Summary:
        def __init__(self, pid, by):
            self.id, self.birth_year, self.birth_date = pid, by, None

    monkeypatch.setattr(photo_search.PersonQueries, "list_persons", lambda self: [Summary(2, 2015)])
    hits = PhotoSearch(family).find([2, 1], age_range=(3, 5.5))  # Anna 4.4 and 4.5 in 2019, 5.4 in 2020
    assert [h.path for h in hits] == ["/fam/p2.jpg", "/fam/clip.mp4", "/fam/p3.jpg"]
    assert all(3 <= h.age <= 5.5 for h in hits)
    assert [h.path for h in PhotoSearch(family).find([2, 1], age_range=(3, 5))] == ["/fam/p2.jpg", "/fam/clip.mp4"]


def test_find_cli(family):
    db = family.kw["bind"].url.database
    run = [sys.executable, "-m", "organizer", "find", "--db", db]
    doc = json.loads(subprocess.run([*run, "grandma", "Anna", "--only", "--json"], capture_output=True, text=True,
                                    check=True).stdout)
    assert {p["media"] for p in doc["photos"]} >= {"/fam/p1.jpg", "/fam/p2.jpg"}
    first = doc["photos"][0]
    assert set(first) == {"media", "frame_ms", "taken", "dated", "persons", "faces", "age"}
    clip = next(p for p in doc["photos"] if p["media"] == "/fam/clip.mp4")
    assert clip["frame_ms"] == 1000 and clip["persons"] == [1, 2]
    bad = subprocess.run([*run, "Grand"], capture_output=True, text=True)
    assert bad.returncode == 2 and "no person called 'Grand'" in bad.stderr and "'Grandma'" in bad.stderr
