# SPDX-License-Identifier: MIT
"""Birth-date sanity flags on a real SQLite library: a face dated before the person's birth year is among the
review's outliers with its reason in words, and the person's birth year is fitted without it."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from people_services import People as PeopleService
from sqlalchemy import update
from test_people import Album

from organizer.cluster import ClusterParams
from organizer.cluster import face_birth_year
from organizer.cluster.birth_year import fit_birth_year
from organizer.db.models import Face
from organizer.services.cluster_items import timestamp
from organizer.services.review import ReviewService


def test_a_face_dated_before_the_birth_year_is_flagged_and_left_out(library) -> None:
    a = Album(library)
    for year in (2013, 2015, 2017, 2019):
        for month in (3, 8):
            a.photo([1], dt.datetime(year, month, 2, 12))  # identity 1: a girl born 2010
    early = a.photo([1], dt.datetime(2006, 6, 1, 12))[0]  # her face on a photo dated 2006 ...
    with library.begin() as s:
        s.execute(update(Face).where(Face.id == early).values(age=0.5))  # ... as a baby: "born 2005.5"
    people = PeopleService(library)
    list(people.recluster())
    girl = next(p for p in people.list_persons() if early in {f.id for f in people.person_faces(p.id)})
    faces = people.person_faces(girl.id)
    assert len(faces) == 9 and girl.birth_year == 2010

    outlier = next(o for o in ReviewService(library).report(ClusterParams()).outliers if o.face_id == early)
    assert outlier.person_id == girl.id
    assert any(r.startswith(f"photo dated 2006, before Person {girl.id}'s birth year 2010 ± ") for r in
               outlier.reasons), outlier.reasons

    # the person's birth year is the fit of the other eight faces: the page's ages say so
    others = [f for f in faces if f.id != early]
    alone = fit_birth_year([face_birth_year(f.age, timestamp(f.taken)) for f in others], [f.age for f in others],
                           np.full(len(others), np.sqrt(0.99 * 200 * 250))).year[0]
    with_it = np.median([face_birth_year(f.age, timestamp(f.taken)) for f in faces])
    f = others[0]
    born = face_birth_year(f.age_at_photo, timestamp(f.taken))
    assert born == pytest.approx(alone, abs=1e-6) and abs(with_it - alone) > 1e-3
    assert girl.birth_year_range is not None and girl.birth_year_range[0] > 2006
