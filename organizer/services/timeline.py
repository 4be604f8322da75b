# SPDX-License-Identifier: MIT
"""Every photo and video of the library by date, for the window's Timeline (no Qt).

:meth:`Timeline.items` reads the whole library in two plain queries (the files, then who is on them) and returns
small frozen rows, oldest first and undated last; 100 000 files take well under a second
(``bench/timeline.py``). :func:`month_groups` cuts them into the year → month groups the view shows headers for.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple

from sqlalchemy.orm import Session
from sqlalchemy.orm import sessionmaker

from organizer.db.models import DecisionKind
from organizer.db.models import Face
from organizer.db.models import Media
from organizer.db.models import MediaKind
from organizer.db.models import MediaStatus
from organizer.db.models import Person
from organizer.db.models import UserDecision


class TimelineItem(NamedTuple):
    """One photo or video of the timeline (a named tuple: 100 000 of them are made in ~30 ms, frozen data classes
    take five times longer).

    Attributes:
        person_ids: the persons on it (shown ones only: a hidden person is left out), each once.
        n_faces: its faces, less those the user removed as not a face.
        frame_s: for a video, the first frame with a face (its preview), else None.
    """

    media_id: int
    path: str
    kind: str
    taken: dt.datetime | None
    width: int | None
    height: int | None
    date_source: str | None
    n_faces: int
    person_ids: tuple[int, ...]
    frame_s: float | None = None


@dataclass(frozen=True, slots=True)
class MonthGroup:
    """The items ``start`` .. ``stop - 1`` of a timeline, all of one month (``year``/``month`` None: undated)."""

    year: int | None
    month: int | None
    start: int
    stop: int

    def __len__(self) -> int:
        return self.stop - self.start


class Timeline:
    """The library's files by date."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    def items(self) -> list[TimelineItem]:
        """Every indexed file (not the missing nor the unreadable ones), oldest first, undated ones last.

        Plain SQL on the driver's connection: SQLAlchemy's per-row result processing (the path's bytes, the date's
        text, the enums) costs more than the queries themselves at 100 000 rows. SQLite sorts (ISO date text sorts
        as the dates do) and groups the faces per file; Python decodes the path and the date.
        """
        with self._sessions() as s:
            # The driver's own connection: SQLAlchemy's result rows cost more than the queries at this size.
            raw = s.connection().connection.driver_connection
            assert raw is not None
            files = raw.execute(_FILES, (MediaStatus.OK.value,)).fetchall()
            on = {m: (n, persons) for m, n, persons in raw.execute(_FACES, (DecisionKind.REMOVED.value,))}
            frames = dict(raw.execute(_FRAMES, (MediaKind.VIDEO.value,)).fetchall())
            hidden = {r[0] for r in raw.execute(_HIDDEN)}
        parse, none = dt.datetime.fromisoformat, (0, None)
        out = []
        for m, path, kind, taken, w, h, src in files:
            n, persons = on.get(m, none)
            ids = tuple(map(int, persons.split(","))) if persons else ()
            if hidden and ids:
                ids = tuple(p for p in ids if p not in hidden)
            out.append(TimelineItem(m, path.decode("utf-8", "surrogateescape"), kind, parse(taken) if taken else None,
                                    w, h, src, n, ids, frames.get(m)))
        return out


# The whole table is read: a scan beats the status index (nearly every row is wanted). ISO date text sorts as the
# dates do.
_FILES = (f"SELECT id, path, kind, taken_at, width, height, date_source FROM {Media.__tablename__} "
          "WHERE +status = ? ORDER BY taken_at IS NULL, taken_at, path")
# Per file, its faces less the removed ones and its persons, from the covering index: a face row itself is read
# only past its 4 KB embedding, where its person id lies.
_FACES = (f"SELECT media_id, count(*), group_concat(DISTINCT person_id) FROM {Face.__tablename__} "
          "INDEXED BY ix_face_person_summary WHERE id NOT IN "
          f"(SELECT face_id FROM {UserDecision.__tablename__} WHERE kind = ? AND face_id IS NOT NULL) "
          "GROUP BY media_id")
# A video's preview is its first frame with a face.
_FRAMES = (f"SELECT media_id, min(frame_s) FROM {Face.__tablename__} "
           f"WHERE media_id IN (SELECT id FROM {Media.__tablename__} WHERE kind = ?) GROUP BY media_id")
_HIDDEN = f"SELECT id FROM {Person.__tablename__} WHERE hidden"


def month_groups(items: Sequence[TimelineItem]) -> list[MonthGroup]:
    """The runs of ``items`` (in :meth:`Timeline.items` order) that share a month; the undated ones are the last."""
    groups: list[MonthGroup] = []
    start = 0
    key: tuple[int, int] | None = None
    for i, it in enumerate(items):
        k = (it.taken.year, it.taken.month) if it.taken is not None else None
        if i == 0:
            key = k
            continue
        if k != key:
            groups.append(MonthGroup(key[0] if key else None, key[1] if key else None, start, i))
            start, key = i, k
    if items:
        groups.append(MonthGroup(key[0] if key else None, key[1] if key else None, start, len(items)))
    return groups
