# SPDX-License-Identifier: MIT
"""Read-only views of the library for the desktop app, plus removing a library folder (no Qt).

Every method opens its own short Session and returns frozen data classes, never ORM objects, so callers on
any thread (the GUI thread, or a worker of the UI's pools) can use the results freely.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import delete
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm import sessionmaker

from organizer.db import repo
from organizer.db.models import Face
from organizer.db.models import LibraryFolder
from organizer.db.models import Media
from organizer.db.models import MediaStatus
from organizer.db.models import Person

#: Current-age ranges of the demography chart (the paper's Fig. 3): (label, lowest age, highest age).
AGE_RANGES: tuple[tuple[str, int, int], ...] = (
    ("0-2", 0, 2), ("3-7", 3, 7), ("8-14", 8, 14), ("15-24", 15, 24), ("25-37", 25, 37),
    ("38-47", 38, 47), ("48-59", 48, 59), ("60+", 60, 10_000),
)
GENDERS: tuple[str | None, ...] = ("male", "female", None)


@dataclass(frozen=True, slots=True)
class FolderInfo:
    id: int
    path: str
    last_scan_at: dt.datetime | None
    n_media: int


@dataclass(frozen=True, slots=True)
class MediaError:
    media_id: int
    path: str
    #: Why, in plain words.
    message: str
    #: The technical cause (the decoder's words), when known: for a tooltip.
    detail: str | None = None


@dataclass(frozen=True, slots=True)
class FaceBox:
    """One face on a photo, in full-resolution upright pixels."""

    face_id: int
    person_id: int | None
    name: str | None
    box: tuple[float, float, float, float]
    frame_s: float | None
    #: The most probable expression ("happy"; organizer.vision.expression), None where not measured.
    expression: str | None = None


@dataclass(frozen=True, slots=True)
class PhotoOfPerson:
    """A whole photo (or a video frame) in which a person appears, with every face on it.

    Attributes:
        face_id: the person's face on it (the one to highlight).
        faces: all faces of the same photo (for videos: of the same frame).
    """

    media_id: int
    path: str
    kind: str
    taken: dt.datetime | None
    width: int | None
    height: int | None
    face_id: int
    box: tuple[float, float, float, float]
    frame_s: float | None
    faces: tuple[FaceBox, ...]
    #: Where ``taken`` came from (a :class:`~organizer.db.models.DateSource` value), None when undated.
    date_source: str | None = None


@dataclass(frozen=True, slots=True)
class AgeSegment:
    """The persons of one age range and gender (one segment of a stacked bar)."""

    range_index: int
    gender: str | None
    person_ids: tuple[int, ...]


class BrowseService:
    """Queries the UI needs beyond :class:`organizer.services.person_queries.PersonQueries`."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    def folders(self) -> list[FolderInfo]:
        """The library folders, with how many present files each holds."""
        with self._sessions() as s:
            counts = dict(s.execute(select(Media.folder_id, func.count()).where(Media.status != MediaStatus.MISSING)
                                    .group_by(Media.folder_id)).all())
            return [FolderInfo(f.id, f.path, f.last_scan_at, int(counts.get(f.id, 0)))
                    for f in s.scalars(select(LibraryFolder).order_by(LibraryFolder.path))]

    def errors(self) -> list[MediaError]:
        """Files that could not be read or analyzed, with their messages."""
        with self._sessions() as s:
            rows = s.execute(select(Media.id, Media.path, Media.error, Media.error_detail)
                             .where(Media.status == MediaStatus.ERROR).order_by(Media.path))
            return [MediaError(r.id, r.path, r.error or "The file could not be indexed", r.error_detail)
                    for r in rows]

    def face_thumbnails(self, face_ids: Iterable[int]) -> dict[int, bytes]:
        """The small JPEG of each face that has one."""
        ids = list(face_ids)
        out: dict[int, bytes] = {}
        with self._sessions() as s:
            for i in range(0, len(ids), 500):
                rows = s.execute(select(Face.id, Face.thumbnail).where(Face.id.in_(ids[i:i + 500])))
                out.update({r.id: r.thumbnail for r in rows if r.thumbnail})
        return out

    def photos_of_person(self, person_id: int | None) -> list[PhotoOfPerson]:
        """Every photo and video frame showing the person (``None``: the unsorted faces), oldest first."""
        with self._sessions() as s:
            own = select(Face.id, Face.media_id, Face.frame_s, Face.x, Face.y, Face.w, Face.h).where(
                Face.person_id == person_id if person_id is not None else repo.unsorted_faces())
            own_rows = s.execute(own).all()
            media_ids = sorted({r.media_id for r in own_rows})
            media: dict[int, Media] = {}
            others: dict[int, list] = defaultdict(list)
            for i in range(0, len(media_ids), 500):
                chunk = media_ids[i:i + 500]
                media.update({m.id: m for m in s.scalars(
                    select(Media).where(Media.id.in_(chunk), Media.status == MediaStatus.OK))})
                for r in s.execute(select(Face.id, Face.media_id, Face.person_id, Face.frame_s, Face.x, Face.y,
                                          Face.w, Face.h, Person.name, Face.expression)
                                   .outerjoin(Person, Person.id == Face.person_id)
                                   .where(Face.media_id.in_(chunk))):
                    others[r.media_id].append(r)
            out = []
            for r in own_rows:
                m = media.get(r.media_id)
                if m is None:
                    continue
                faces = tuple(FaceBox(o.id, o.person_id, o.name, (o.x, o.y, o.w, o.h), o.frame_s, o.expression)
                              for o in others[r.media_id] if o.frame_s == r.frame_s)
                out.append(PhotoOfPerson(m.id, m.path, str(m.kind), m.taken_at, m.width, m.height, r.id,
                                         (r.x, r.y, r.w, r.h), r.frame_s, faces,
                                         None if m.date_source is None else str(m.date_source)))
        out.sort(key=lambda p: (p.taken is None, p.taken or dt.datetime.min, p.path, p.frame_s or 0.0))
        return out

    def unsorted_count(self) -> int:
        """How many faces are in no person, not counting those the user removed as not a face."""
        with self._sessions() as s:
            return int(s.scalar(select(func.count()).select_from(Face).where(repo.unsorted_faces())) or 0)

    def media_faces(self, media_id: int) -> list[FaceBox]:
        """All faces of one file (every frame of a video)."""
        with self._sessions() as s:
            rows = s.execute(select(Face.id, Face.person_id, Face.frame_s, Face.x, Face.y, Face.w, Face.h, Person.name,
                                    Face.expression)
                             .outerjoin(Person, Person.id == Face.person_id).where(Face.media_id == media_id))
            return [FaceBox(r.id, r.person_id, r.name, (r.x, r.y, r.w, r.h), r.frame_s, r.expression) for r in rows]

    def remove_folder(self, folder_id: int) -> None:
        """Forget a library folder and everything indexed under it (the files themselves are not touched)."""
        with self._sessions.begin() as s:
            s.execute(delete(Media).where(Media.folder_id == folder_id))
            s.execute(delete(LibraryFolder).where(LibraryFolder.id == folder_id))
            # Persons left without faces are not listed (PersonQueries.list_persons) and are dropped at the
            # next clustering; their user decisions stay until then.

    def status(self) -> dict:
        """The ``organizer status --json`` document (media by kind, faces, persons, errors, folders...)."""
        with self._sessions() as s:
            return repo.status(s)


def age_range_index(age: float) -> int:
    """The index in :data:`AGE_RANGES` of a current age in years."""
    for i, (_label, lo, hi) in enumerate(AGE_RANGES):
        if lo <= age <= hi or (i + 1 < len(AGE_RANGES) and age < AGE_RANGES[i + 1][1]):
            return i
    return len(AGE_RANGES) - 1


def demography(persons: Sequence, year: int | None = None) -> list[AgeSegment]:
    """Persons (anything with ``id``, ``gender`` and ``birth_year``) by current age range and gender.

    Persons without a birth year are left out. Returns one segment per (range, gender) with at least one person,
    ranges in :data:`AGE_RANGES` order and genders in :data:`GENDERS` order.
    """
    year = year or dt.date.today().year
    cells: dict[tuple[int, str | None], list[int]] = defaultdict(list)
    for p in persons:
        if p.birth_year is None:
            continue
        gender = p.gender if p.gender in ("male", "female") else None
        cells[(age_range_index(max(0, year - p.birth_year)), gender)].append(p.id)
    return [AgeSegment(r, g, tuple(cells[(r, g)])) for r in range(len(AGE_RANGES)) for g in GENDERS
            if cells.get((r, g))]


__all__ = ["AGE_RANGES", "GENDERS", "AgeSegment", "BrowseService", "FaceBox", "FolderInfo", "MediaError",
           "PhotoOfPerson", "age_range_index", "demography"]
