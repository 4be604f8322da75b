# SPDX-License-Identifier: MIT
"""Guided corrections on a real SQLite library: suggestions with reasons, and answers that stay answered
through re-clustering and new photos."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import subprocess
import sys

import numpy as np
import pytest
from people_services import People
from sqlalchemy import delete

from organizer.cluster import ClusterParams
from organizer.core.progress import drive
from organizer.db.models import DateSource
from organizer.db.models import DecisionKind
from organizer.db.models import Face
from organizer.db.models import Media
from organizer.db.models import MediaKind
from organizer.db.models import MediaStatus
from organizer.db.models import UserDecision
from organizer.services.review import ReviewService

DIM = 1024


class Photos:
    """Media and face rows of three identities (1024-D embeddings around fixed centres)."""

    def __init__(self, sessions) -> None:
        self.sessions = sessions
        rng = np.random.default_rng(0)
        c = rng.standard_normal((3, DIM)).astype(np.float32)
        self.centres = c / np.linalg.norm(c, axis=1, keepdims=True)
        self.rng = np.random.default_rng(1)
        self.n = 0

    def photo(self, ident: int, noise: float = 0.02, year: int = 2019) -> int:
        v = self.centres[ident] + self.rng.standard_normal(DIM).astype(np.float32) * noise
        with self.sessions.begin() as s:
            self.n += 1
            m = Media(path=f"/album/p{self.n:04d}.jpg", size=1, mtime_ns=0, kind=MediaKind.PHOTO, width=4000,
                      height=3000, taken_at=dt.datetime(year, 1 + self.n % 12, 1), date_source=DateSource.EXIF,
                      status=MediaStatus.OK)
            s.add(m)
            s.flush()
            f = Face(media_id=m.id, x=100.0, y=100.0, w=200.0, h=250.0, score=0.99, p_male=0.9 if ident else 0.1,
                     embedding=(v / np.linalg.norm(v)).astype("<f4").tobytes(), embedding_model="test",
                     embedding_dim=DIM, age=30.0)
            s.add(f)
            s.flush()
            return f.id


@pytest.fixture
def library_with_persons(library):
    photos = Photos(library)
    for ident in (0, 1):
        for year in range(2010, 2016):
            photos.photo(ident, year=year)
    people = People(library, ClusterParams())
    drive(people.recluster())
    assert len(people.list_persons()) == 2
    return photos, people


def _person_of(people, face_id):
    return next((p.id for p in people.list_persons() for f in people.person_faces(p.id) if f.id == face_id), None)


LOOSE = dataclasses.replace(ClusterParams(), threshold=0.6)  # a review band wide enough for the noisy faces


def test_an_unsorted_face_is_suggested_with_reasons_and_a_no_is_kept(library_with_persons, library):
    photos, people = library_with_persons
    anna = _person_of(people, 1)
    odd = photos.photo(0, noise=0.045)  # a new photo of identity 0, not yet clustered
    report = ReviewService(library).report(LOOSE, margin=3.0)
    s = next(s for s in report.suggestions if odd in s.face_ids)
    assert s.person_id == anna and s.from_person is None and s.face_id == odd
    assert s.evidence[0].startswith("close to ") and s.evidence[0].endswith(f"of Person {anna}'s 6 faces")
    assert any("fits" in e and "birth year" in e for e in s.evidence)  # dated photos: the age is checked
    assert f"never in the same photo as Person {anna}" in s.evidence and 0 <= s.confidence <= 1

    people.edits.reject([odd], anna)
    again = ReviewService(library).report(LOOSE, margin=3.0)
    assert not any(odd in s.face_ids and s.person_id == anna for s in again.suggestions)
    # the "no" holds through a full re-cluster that would otherwise put the face into Anna
    drive(people.clustering.recluster(LOOSE))
    assert _person_of(people, odd) != anna
    # ... and through new photos and an incremental run
    photos.photo(0)
    drive(people.clustering.recluster(LOOSE, incremental=True))
    assert _person_of(people, odd) != anna


def test_a_yes_places_and_confirms_the_face_and_survives_reclustering(library_with_persons, library):
    photos, people = library_with_persons
    anna = _person_of(people, 1)
    new = photos.photo(0, noise=0.045)
    s = next(s for s in ReviewService(library).report(LOOSE, margin=3.0).suggestions if new in s.face_ids)
    res = people.edits.accept(list(s.face_ids), s.person_id, s.from_person)
    assert _person_of(people, new) == anna
    drive(people.clustering.recluster(ClusterParams(threshold=0.05)))  # a cut that alone would leave it out
    assert _person_of(people, new) == anna
    people.edits.undo(res)  # the answer is undoable: the face is the user's no more
    with library() as s:
        assert s.get(Face, new).assigned_by != "user"


def test_different_people_are_never_suggested_again_nor_merged(library_with_persons, library):
    _photos, people = library_with_persons
    anna = _person_of(people, 1)
    faces = [f.id for f in people.person_faces(anna)]
    half, rest = faces[:3], faces[3:]
    other = people.edits.split(half).person_id
    tiny = dataclasses.replace(ClusterParams(), threshold=1e-4)
    dup = ReviewService(library).report(tiny, margin=1e5).duplicates
    pair = next(d for d in dup if set(d.person_ids) == {anna, other})
    assert any("never in the same photo" in e for e in pair.evidence)
    assert not any(anna in d.person_ids and d.person_ids != pair.person_ids and 2 in d.person_ids for d in dup)
    with library.begin() as s:  # as if the clustering had split them: no face-level "not this person" left
        s.execute(delete(UserDecision).where(UserDecision.kind == DecisionKind.CANNOT_LINK))
    res = people.edits.mark_different(anna, other)
    assert not any(set(d.person_ids) == {anna, other} for d in ReviewService(library).report(tiny, margin=1e5)
                   .duplicates)
    # merging them is then no re-cluster's idea either, however loose its cut
    loose = dataclasses.replace(ClusterParams(), threshold=1.5)
    drive(people.clustering.recluster(loose))
    assert _person_of(people, half[0]) != _person_of(people, rest[0])
    assert _person_of(people, half[0]) == _person_of(people, half[1])
    people.edits.undo(res)  # without the answer, the same cut makes them one
    drive(people.clustering.recluster(loose))
    assert _person_of(people, half[0]) == _person_of(people, rest[0])


def test_suggest_json_contract(library_with_persons, library, tmp_path):
    photos, _people = library_with_persons
    photos.photo(0, noise=0.045)
    db = library.kw["bind"].url.database
    out = subprocess.run([sys.executable, "-m", "organizer", "suggest", "--db", db, "--json"], capture_output=True,
                         text=True, check=True).stdout
    doc = json.loads(out)
    assert set(doc) == {"suggestions", "duplicates", "outliers"}
    for s in doc["suggestions"]:
        assert set(s) == {"face_ids", "from_person", "person_id", "person_name", "distance", "threshold",
                          "confidence", "evidence", "face_id"}
        assert all(isinstance(e, str) for e in s["evidence"])
    text = subprocess.run([sys.executable, "-m", "organizer", "suggest", "--db", db], capture_output=True,
                          text=True, check=True).stdout
    assert "suggestions" in text and "possible duplicates" in text and "faces that may not belong" in text
