# SPDX-License-Identifier: MIT
"""Queries and writes of the index, as functions taking a Session (the service owns the transaction)."""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from datetime import datetime
from typing import Any

import numpy as np
from sqlalchemy import ColumnElement
from sqlalchemy import delete
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy import update
from sqlalchemy.orm import Session

from organizer.core.vocabulary import KnownMedia
from organizer.core.vocabulary import is_under
from organizer.db.models import DecisionKind
from organizer.db.models import Face
from organizer.db.models import LibraryFolder
from organizer.db.models import LibrarySetting
from organizer.db.models import Media
from organizer.db.models import MediaKind
from organizer.db.models import MediaStatus
from organizer.db.models import Person
from organizer.db.models import UserDecision


def unsorted_faces() -> ColumnElement[bool]:
    """WHERE clause of the unsorted faces: in no person, less those the user removed as not a face (they are
    no one's, and not unsorted either)."""
    removed = select(UserDecision.face_id).where(UserDecision.kind == DecisionKind.REMOVED)
    return Face.person_id.is_(None) & Face.id.not_in(removed)


def add_folders(s: Session, roots: Iterable[str]) -> dict[str, int]:
    """Register library folders; returns ``{root: folder id}``.

    A folder inside one already in the library maps to that folder (nothing new is stored); a parent of
    library folders replaces them, and their media move under it.
    """
    folders = {f.path: f for f in s.scalars(select(LibraryFolder))}
    out: dict[str, int] = {}
    for root in roots:
        parent = next((f for p, f in folders.items() if is_under(root, p)), None)
        if parent is not None:
            out[root] = parent.id
            continue
        new = LibraryFolder(path=root)
        s.add(new)
        s.flush()
        for p, child in list(folders.items()):
            if is_under(p, root):
                s.execute(update(Media).where(Media.folder_id == child.id).values(folder_id=new.id))
                s.delete(child)
                del folders[p]
        folders[root] = new
        out[root] = new.id
    return out


def folder_paths(s: Session) -> list[str]:
    return list(s.scalars(select(LibraryFolder.path).order_by(LibraryFolder.id)))


def known_media(s: Session) -> dict[str, KnownMedia]:
    """Every media row as the planner needs it, keyed by path."""
    rows = s.execute(select(Media.id, Media.path, Media.size, Media.mtime_ns, Media.status, Media.fingerprint))
    return {r.path: KnownMedia(r.id, r.path, r.size, r.mtime_ns, r.status, r.fingerprint) for r in rows}


def mark_missing(s: Session, ids: Iterable[int]) -> None:
    ids = list(ids)
    for i in range(0, len(ids), 500):
        s.execute(update(Media).where(Media.id.in_(ids[i:i + 500])).values(status=MediaStatus.MISSING))


def restore(s: Session, media_id: int) -> None:
    """A missing file came back unchanged: ok again (or its old error)."""
    m = s.get(Media, media_id)
    if m is not None:
        m.status = MediaStatus.ERROR if m.error else MediaStatus.OK


def move(s: Session, media_id: int, new_path: str, mtime_ns: int, folder_id: int | None) -> None:
    """A file moved or renamed: the row (and so its faces and persons) follows it."""
    m = s.get(Media, media_id)
    if m is None:
        return
    m.path, m.mtime_ns, m.folder_id = new_path, mtime_ns, folder_id
    m.status = MediaStatus.ERROR if m.error else MediaStatus.OK


def media_by_path(s: Session, path: str) -> Media | None:
    return s.scalar(select(Media).where(Media.path == path))


def status(s: Session) -> dict[str, Any]:
    """The library summary that ``organizer status --json`` prints (a contract: keys are only added)."""
    present = Media.status != MediaStatus.MISSING
    kinds = dict(s.execute(select(Media.kind, func.count()).where(present).group_by(Media.kind)).all())
    by_status = {str(k): n for k, n in s.execute(select(Media.status, func.count()).group_by(Media.status)).all()}
    faces = s.scalar(select(func.count()).select_from(Face).join(Media).where(present)) or 0
    persons = s.scalar(select(func.count()).select_from(Person)) or 0
    errors = [
        {"path": os.path.abspath(p), "error": e or "unknown error"}
        for p, e in s.execute(select(Media.path, Media.error).where(Media.status == MediaStatus.ERROR)
                              .order_by(Media.path))
    ]
    last = s.scalar(select(func.max(LibraryFolder.last_scan_at)))
    return {
        "media": {"photo": int(kinds.get(MediaKind.PHOTO, 0)), "video": int(kinds.get(MediaKind.VIDEO, 0))},
        "faces": int(faces),
        "persons": int(persons),
        "errors": errors,
        "status": {k: by_status.get(k, 0) for k in ("ok", "error", "missing")},
        "folders": folder_paths(s),
        "last_scan": last.isoformat(sep=" ") if isinstance(last, datetime) else None,
    }


def read_settings(s: Session) -> dict[str, object]:
    """The library's stored settings, ``{key: value}`` (values as they were saved: numbers, strings...)."""
    return {k: json.loads(v) for k, v in s.execute(select(LibrarySetting.key, LibrarySetting.value))}


def write_settings(s: Session, values: dict[str, object]) -> None:
    """Store settings (insert or replace each key; keys not given are left as they are)."""
    for k, v in values.items():
        s.merge(LibrarySetting(key=k, value=json.dumps(v)))


def drop_empty_persons(s: Session) -> None:
    """Delete algorithm persons left without faces (named, hidden or dated persons are the user's: kept)."""
    has_faces = select(Face.person_id).where(Face.person_id.is_not(None))
    s.execute(delete(Person).where(Person.id.not_in(has_faces), Person.name.is_(None), Person.hidden.is_(False),
                                   Person.birth_date.is_(None)))


def person_face_table(s: Session, dated_sources: Iterable[str]) -> tuple[np.ndarray, np.ndarray]:
    """Every assigned face and every media row as float64 arrays, for the people grid.

    Returns ``(faces, media)``: faces ordered by person and photo, columns ``person_id, id, media_id, p_male,
    age, score * w * h``; media ordered by id, columns ``id, status == ok, julianday(taken_at)`` (None as NaN, and
    NaN too where the date's source is not one of ``dated_sources``; ids are exact in float64 far beyond any
    library's size).

    Plain SQL for the one query that reads every assigned face: SQLAlchemy cannot emit SQLite's INDEXED BY,
    which keeps it on the covering index of schema version 2 (``ix_face_person_summary``) instead of the face
    rows with their embeddings, and plain tuples straight from the DBAPI cursor skip the ORM's per-row work.
    """
    cur = s.connection().connection.cursor()
    try:
        faces = np.array(cur.execute(
            "SELECT person_id, id, media_id, p_male, age, score * w * h FROM face "
            "INDEXED BY ix_face_person_summary WHERE person_id IS NOT NULL ORDER BY person_id, media_id"
        ).fetchall(), dtype=np.float64).reshape(-1, 6)
        sources = sorted(set(dated_sources))
        media = np.array(cur.execute(
            "SELECT id, status = ?, CASE WHEN date_source IN (" + ", ".join("?" * len(sources)) + ") "
            "THEN julianday(taken_at) END FROM media ORDER BY id", (MediaStatus.OK.value, *sources)
        ).fetchall(), dtype=np.float64).reshape(-1, 3)
    finally:
        cur.close()
    return faces, media


def has_stale_analysis(s: Session, analysis_id: str) -> bool:
    """Whether any readable media was analyzed otherwise than by ``analysis_id`` (one row looked at, at most)."""
    return s.scalar(select(Media.id).where(Media.status == MediaStatus.OK,
                                           Media.analysis_id.is_distinct_from(analysis_id)).limit(1)) is not None


def stale_analysis(s: Session, analysis_id: str) -> set[int]:
    """Ids of the readable media analyzed otherwise than by ``analysis_id`` (another model or calibration)."""
    return set(s.scalars(select(Media.id).where(Media.status == MediaStatus.OK,
                                                 Media.analysis_id.is_distinct_from(analysis_id))))
