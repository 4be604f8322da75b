# SPDX-License-Identifier: MIT
"""Persons as the app and the CLI read them: per-person gender (eq. 2), birth year, faces and photos.

A birth date the user entered (``Person.birth_date``) replaces the estimate: the birth year is its year (a range of
that one year) and the ages at the photos are exact, from the date to each photo's shooting date.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm import sessionmaker

from organizer.cluster import age_at
from organizer.cluster import face_birth_year
from organizer.cluster.attributes import fuse_gender_groups
from organizer.cluster.birth_year import fit_birth_year
from organizer.cluster.birth_year import fit_birth_years
from organizer.db import repo
from organizer.db.models import DecisionKind
from organizer.db.models import Face
from organizer.db.models import Media
from organizer.db.models import MediaStatus
from organizer.db.models import Person
from organizer.db.models import UserDecision
from organizer.media import dates
from organizer.services.cluster_items import timestamp


@dataclass(frozen=True, slots=True)
class FaceRef:
    """One face as the UI and the JSON export see it."""

    id: int
    media_id: int
    path: str
    frame_s: float | None
    box: tuple[float, float, float, float]
    taken: dt.datetime | None
    age: float
    p_male: float
    person_id: int | None
    #: The person's age at this photo (years, fractional), exact from the birth date the user entered, else from
    #: the person's fused birth year (None when unknown, or when the photo's date does not say when it was taken).
    age_at_photo: float | None = None
    #: Where ``taken`` came from (:class:`~organizer.db.models.DateSource` value), None when undated.
    date_source: str | None = None

    @property
    def dated(self) -> bool:
        """True when ``taken`` says when the photo was taken (not only when the file was copied)."""
        return self.taken is not None and self.date_source in dates.TRUSTED_SOURCES


@dataclass(frozen=True, slots=True)
class PersonSummary:
    id: int
    name: str | None
    hidden: bool
    gender: str | None
    p_male: float | None
    birth_year: int | None
    birth_year_range: tuple[int, int] | None
    n_faces: int
    n_photos: int
    cover_face_id: int | None
    #: The exact birth date the user entered (None when not known); ``birth_year`` is then its year.
    birth_date: dt.date | None = None


class PersonQueries:
    """Read-only: persons and their faces; one instance per library, safe on any thread."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    def list_persons(self, include_hidden: bool = True) -> list[PersonSummary]:
        """Every person with at least one face, with fused gender (eq. 2) and birth year, most photos first.

        Vectorised over all faces (``bench/people_grid.py`` times it on 5 000 persons and 100 000 faces).
        """
        with self._sessions() as s:
            faces, media_rows = repo.person_face_table(s, dates.TRUSTED_SOURCES)
            persons, auto_cover, born = {}, {}, {}
            for p in s.execute(select(Person.id, Person.name, Person.hidden, Person.cover_face_id, Person.birth_date)):
                persons[p.id] = (p.name, p.hidden)
                if p.birth_date is not None:
                    born[p.id] = p.birth_date
                if p.cover_face_id is not None:
                    auto_cover[int(p.cover_face_id)] = p.id
            # faces chosen as a person's picture, with the order of the choices (the latest wins)
            chosen = dict(s.execute(select(UserDecision.face_id, UserDecision.id)
                                    .where(UserDecision.kind == DecisionKind.COVER)).all())
        if not len(faces):
            return []
        # None became NaN; ids are exact in float64 far beyond any library's size
        pos = np.searchsorted(media_rows[:, 0], faces[:, 2])
        faces = faces[media_rows[pos, 1] == 1.0]  # faces of readable, present media only
        if not len(faces):
            return []
        pid, face_ids, media = (faces[:, k].astype(np.int64) for k in (0, 1, 2))
        p_male, age, area = faces[:, 3], faces[:, 4], np.nan_to_num(faces[:, 5])
        jd = media_rows[np.searchsorted(media_rows[:, 0], faces[:, 2]), 2]
        # photo year (fractional) minus the face's age; NaN for photos without a date saying when they were taken
        birth = 1970.0 + (jd - 2440587.5) / 365.2425 - age
        starts = np.flatnonzero(np.r_[True, pid[1:] != pid[:-1]])
        group = np.cumsum(np.r_[False, pid[1:] != pid[:-1]])  # rows are ordered by person
        genders = fuse_gender_groups(p_male, group, len(starts))
        # the robust fit (organizer.cluster.birth_year), each face's size as sqrt(score * w * h)
        births = fit_birth_years(birth, age, group, len(starts), np.sqrt(faces[:, 5])).estimates()
        n_faces = np.bincount(group)
        first_of_photo = np.r_[True, (group[1:] != group[:-1]) | (media[1:] != media[:-1])]
        n_photos = np.bincount(group[first_of_photo], minlength=len(starts))
        # the clustering's choice is the cover (organizer.cluster.cover: the best-looking typical face) while that
        # face is still the person's; else (a person edited since) the largest, most confident face
        best = np.lexsort((-area, group))[starts]
        if auto_cover:
            for row in np.flatnonzero(np.isin(face_ids, np.fromiter(auto_cover, np.int64))).tolist():
                if auto_cover[int(face_ids[row])] == int(pid[row]):
                    best[int(group[row])] = row
        if chosen:  # ... unless the user chose one of its faces
            latest: dict[int, int] = {}
            for row in np.flatnonzero(np.isin(face_ids, np.fromiter(chosen, np.int64))).tolist():
                k = int(group[row])
                if k not in latest or chosen[int(face_ids[row])] > chosen[int(face_ids[latest[k]])]:
                    latest[k] = row
            for k, row in latest.items():
                best[k] = row
        out = []
        this_year = dt.date.today().year  # nobody is born in the future, whatever the ages say
        for k, a in enumerate(starts.tolist()):
            p = int(pid[a])
            name, hidden = persons.get(p, (None, None))
            if hidden is None or (hidden and not include_hidden):
                continue
            gender, by, date = genders[k], births[k], born.get(p)
            if date is not None:  # the user's exact date wins over the estimate
                year: int | None = date.year
                year_range: tuple[int, int] | None = (date.year, date.year)
            elif by.year is not None:
                year = min(round(by.year), this_year)
                year_range = (min(int(np.floor(by.low)), this_year), min(int(np.ceil(by.high)), this_year))
            else:
                year = year_range = None
            out.append(PersonSummary(
                id=p, name=name, hidden=bool(hidden),
                gender=None if gender.is_male is None else ("male" if gender.is_male else "female"),
                p_male=None if gender.is_male is None else gender.p_male,
                birth_year=year, birth_year_range=year_range,
                n_faces=int(n_faces[k]), n_photos=int(n_photos[k]), cover_face_id=int(face_ids[best[k]]),
                birth_date=date,
            ))
        out.sort(key=lambda x: (-x.n_photos, x.id))
        return out

    def person_faces(self, person_id: int) -> list[FaceRef]:
        """The person's faces ordered by photo date, each with the person's age at that photo."""
        with self._sessions() as s:
            faces = _face_refs(s, Face.person_id == person_id)
            date = s.scalar(select(Person.birth_date).where(Person.id == person_id))
            size = {i: v for i, v in s.execute(select(Face.id, Face.score * Face.w * Face.h)
                                                .where(Face.person_id == person_id))}
        if date is not None:
            return [_with_exact_age(f, date) for f in faces]
        # the people grid's fit over the same faces, so the page's ages and the grid's birth year agree
        sides = np.sqrt([np.nan if size.get(f.id) is None else size[f.id] for f in faces])
        birth = fit_birth_year([face_birth_year(f.age, timestamp(f.taken)) if f.dated else np.nan for f in faces],
                               [f.age for f in faces], sides).estimate().year
        return [_with_age(f, birth) for f in faces]

    def unassigned_faces(self) -> list[FaceRef]:
        """Faces in no person (unsorted), excluding removed non-faces."""
        with self._sessions() as s:
            return _face_refs(s, repo.unsorted_faces())


def _face_refs(s: Session, where) -> list[FaceRef]:
    rows = s.execute(
        select(Face.id, Face.media_id, Media.path, Face.frame_s, Face.x, Face.y, Face.w, Face.h, Media.taken_at,
               Media.date_source, Face.age, Face.p_male, Face.person_id)
        .join(Media, Media.id == Face.media_id)
        .where(where, Media.status == MediaStatus.OK)
        .order_by(Media.taken_at.is_(None), Media.taken_at, Face.media_id, Face.frame_s, Face.id)
    ).all()
    return [FaceRef(id=r.id, media_id=r.media_id, path=r.path, frame_s=r.frame_s, box=(r.x, r.y, r.w, r.h),
                    taken=r.taken_at, age=float(r.age or 0.0), p_male=float(r.p_male or 0.5), person_id=r.person_id,
                    date_source=None if r.date_source is None else str(r.date_source))
            for r in rows]


def _with_age(f: FaceRef, birth: float | None) -> FaceRef:
    a = age_at(birth, timestamp(f.taken)) if f.dated else None
    return FaceRef(**{**{k: getattr(f, k) for k in FaceRef.__slots__}, "age_at_photo": a})



def _with_exact_age(f: FaceRef, born: dt.date) -> FaceRef:
    a = exact_age(born, f.taken.date()) if f.dated and f.taken is not None else None
    return FaceRef(**{**{k: getattr(f, k) for k in FaceRef.__slots__}, "age_at_photo": a})


def _birthday(born: dt.date, year: int) -> dt.date:
    """The birthday in ``year`` (29 February falls on 1 March in other years)."""
    try:
        return born.replace(year=year)
    except ValueError:
        return dt.date(year, 3, 1)


def exact_age(born: dt.date, on: dt.date) -> float:
    """The age (years) on ``on`` of someone born on ``born``: the completed years (so ``int()`` of it is the age
    as people say it) plus the part of the current year of life gone by; 0 before the birth."""
    if on <= born:
        return 0.0
    years = on.year - born.year - (1 if on < _birthday(born, on.year) else 0)
    last, following = _birthday(born, born.year + years), _birthday(born, born.year + years + 1)
    return years + (on - last).days / (following - last).days
