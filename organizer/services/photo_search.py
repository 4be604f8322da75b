# SPDX-License-Identifier: MIT
"""Photos found by the people in them: "all photos of Grandma with the kids", "Anna at age 3 to 5".

A hit is a photo, or one sampled frame of a video, that shows every one of the persons asked for, optionally
no other named person ("only these"), within a date range, with the first person's age at the photo in a range
(from the person's estimated birth year and the photo's shooting date), and with a number of faces in a range.
One read of the assigned faces of the persons asked for and of the faces of the photos they share; no
embeddings are read.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm import sessionmaker

from organizer.cluster import age_at
from organizer.db.models import Face
from organizer.db.models import Media
from organizer.db.models import MediaStatus
from organizer.db.models import Person
from organizer.media import dates
from organizer.services.cluster_items import timestamp
from organizer.services.person_queries import PersonQueries
from organizer.services.person_queries import exact_age


@dataclass(frozen=True, slots=True)
class PhotoHit:
    """One photo (``frame_s`` None) or video frame showing all the persons asked for."""

    media_id: int
    path: str
    frame_s: float | None
    taken: dt.datetime | None
    #: Whether ``taken`` says when the photo was shot (not only when the file was copied).
    dated: bool
    #: Every person on it (ids), the ones asked for first.
    person_ids: tuple[int, ...]
    n_faces: int
    #: The first person's age at the photo, None when the birth year or the shooting date is unknown.
    age: float | None


class PhotoSearch:
    """Finds photos by the persons on them; one instance per library."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    def find(self, person_ids: Sequence[int], only_these: bool = False, taken_from: dt.date | None = None,
             taken_to: dt.date | None = None, age_range: tuple[float, float] | None = None,
             faces_range: tuple[int, int] | None = None) -> list[PhotoHit]:
        """Photos and video frames with all of ``person_ids`` on them, by shooting date (the undated last).

        ``only_these``: no other *named* person on it (unnamed persons and unsorted faces may be there).
        ``taken_from``/``taken_to`` (inclusive) and ``age_range`` need a shooting date: undated photos are left
        out when any of them is given.
        """
        wanted = list(dict.fromkeys(int(p) for p in person_ids))
        if not wanted:
            return []
        with self._sessions() as s:
            # (media, frame) of every face of the wanted persons; a frame is one place in a video
            rows = s.execute(select(Face.media_id, Face.frame_s, Face.person_id)
                             .join(Media, Media.id == Face.media_id)
                             .where(Face.person_id.in_(wanted), Media.status == MediaStatus.OK)).all()
            seen: dict[tuple[int, float | None], set[int]] = defaultdict(set)
            for m, f, p in rows:
                seen[(m, f)].add(int(p))
            places = [k for k, ps in seen.items() if len(ps) == len(wanted)]
            if not places:
                return []
            media_ids = sorted({m for m, _f in places})
            everyone: dict[tuple[int, float | None], list[int | None]] = defaultdict(list)
            for chunk in _chunks(media_ids):
                for m, f, p in s.execute(select(Face.media_id, Face.frame_s, Face.person_id)
                                         .where(Face.media_id.in_(chunk))):
                    everyone[(m, f)].append(p)
            info = {r.id: r for chunk in _chunks(media_ids) for r in s.execute(
                select(Media.id, Media.path, Media.taken_at, Media.date_source).where(Media.id.in_(chunk)))}
            named = set(s.scalars(select(Person.id).where(Person.name.is_not(None), func.length(Person.name) > 0)))
        birth, born = None, None
        if age_range is not None:
            first = next((p for p in PersonQueries(self._sessions).list_persons() if p.id == wanted[0]), None)
            birth = None if first is None else first.birth_year
            born = None if first is None else first.birth_date  # the user's exact date, when given
        needs_date = taken_from is not None or taken_to is not None or age_range is not None
        hits = []
        for m, f in places:
            r = info[m]
            faces = everyone[(m, f)]
            on = {int(p) for p in faces if p is not None}
            if only_these and (on - set(wanted)) & named:
                continue
            if faces_range is not None and not faces_range[0] <= len(faces) <= faces_range[1]:
                continue
            source = None if r.date_source is None else str(r.date_source)
            dated = r.taken_at is not None and source in dates.TRUSTED_SOURCES
            if needs_date and not dated:
                continue
            day = r.taken_at.date() if r.taken_at is not None else None
            if taken_from is not None and day is not None and day < taken_from:
                continue
            if taken_to is not None and day is not None and day > taken_to:
                continue
            if born is not None and dated:
                age: float | None = exact_age(born, r.taken_at.date())
            else:
                age = age_at(float(birth), timestamp(r.taken_at)) if birth is not None and dated else None
            if age_range is not None and (age is None or not age_range[0] <= age <= age_range[1]):
                continue
            others = sorted(on - set(wanted))
            hits.append(PhotoHit(media_id=m, path=r.path, frame_s=f, taken=r.taken_at, dated=dated,
                                 person_ids=tuple(wanted + others), n_faces=len(faces), age=age))
        hits.sort(key=lambda h: (not h.dated, h.taken or dt.datetime.min, h.path, h.frame_s or 0.0))
        return hits


def _chunks(ids: list[int], n: int = 900) -> list[list[int]]:
    return [ids[k:k + n] for k in range(0, len(ids), n)]
