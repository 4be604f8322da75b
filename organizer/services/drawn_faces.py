# SPDX-License-Identifier: MIT
"""A face the detector missed, drawn by the user on a photo: described by the real networks and stored as a face.

:meth:`DrawnFaces.analyze` decodes the photo as indexing does and runs both networks on the drawn box (no
detection, no landmarks: each network cuts its crop from the box); it writes nothing, so it can run on a pool
thread while the user picks the face's person. :meth:`DrawnFaces.add` then stores it as a new face row of the
photo (thumbnail and second embedding as indexing writes them) with a ``drawn`` decision, assigned to the person
the user picked (or a new one, or none), and returns an :class:`~organizer.services.person_edits.EditResult` that
:meth:`PersonEdits.undo <organizer.services.person_edits.PersonEdits.undo>` turns back (the row is deleted).

Re-indexing keeps a drawn face: an unchanged file is not touched, and a re-analysis neither drops it (the user
decided about it) nor lets a detected face take its row (see :mod:`organizer.services.index_records`); it keeps
the analysis it was drawn with.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.orm import Session
from sqlalchemy.orm import sessionmaker

from organizer.core.types import Box
from organizer.core.types import Face
from organizer.db.engine import write_sessions
from organizer.db.models import DecidedBy
from organizer.db.models import DecisionKind
from organizer.db.models import Media
from organizer.db.models import MediaKind
from organizer.db.models import Person
from organizer.db.models import UserDecision
from organizer.media.decode import decode
from organizer.media.decode import probe
from organizer.media.decode import read_bytes
from organizer.services.index_records import Analysis
from organizer.services.index_records import FaceRecord
from organizer.services.index_records import add_face
from organizer.services.index_records import thumbnail
from organizer.services.person_edits import EditResult
from organizer.vision.engine import FaceEngine

#: The side of a drawn face's thumbnail (as indexing's ``IndexSettings.thumb_side``).
THUMB_SIDE = 96
#: A drawn box smaller than this (full-resolution pixels) is refused: no network can read it.
MIN_SIDE = 12
#: ``add(..., person_id=NEW_PERSON)`` puts the drawn face into a new person of its own.
NEW_PERSON = -1


@dataclass(frozen=True, slots=True)
class DrawnFace:
    """What the networks said about a drawn box; :meth:`DrawnFaces.add` stores it."""

    media_id: int
    face: Face
    thumbnail: bytes | None
    analysis: Analysis


class DrawnFaces:
    """Adds faces the user drew; ``engine_factory`` gives the face engine (loaded on first use)."""

    def __init__(self, sessions: sessionmaker[Session], engine_factory: Callable[[], FaceEngine]) -> None:
        self._sessions = sessions
        self._writes = write_sessions(sessions)
        self._engine_factory = engine_factory

    def analyze(self, media_id: int, box: tuple[float, float, float, float]) -> DrawnFace:
        """Runs the networks on ``box`` (x, y, w, h in full-resolution upright pixels) of a photo. Slow (the
        photo is decoded, the models may load): call it off the GUI thread. Raises ValueError when it cannot."""
        with self._sessions() as s:
            m = s.get(Media, media_id)
            if m is None:
                raise ValueError(f"no media {media_id}")
            if m.kind != MediaKind.PHOTO:
                raise ValueError("faces can be drawn on photos only")
            path = m.path
        x, y, w, h = box
        if w < MIN_SIDE or h < MIN_SIDE:
            raise ValueError("the box is too small for a face")
        engine = self._engine_factory()
        analyze_boxes = getattr(engine, "analyze_boxes", None)
        if analyze_boxes is None:
            raise ValueError("this face engine cannot describe a drawn face")
        data = read_bytes(path)
        image = decode(data, min_side=engine.crop_side, header=probe(data))
        x1, y1 = max(0.0, x), max(0.0, y)
        x2, y2 = min(float(image.width), x + w), min(float(image.height), y + h)
        if x2 - x1 < MIN_SIDE or y2 - y1 < MIN_SIDE:
            raise ValueError("the box is outside the photo")
        face = analyze_boxes(image, [Box(x1, y1, x2 - x1, y2 - y1)])[0]
        return DrawnFace(media_id, face, thumbnail(image, face, THUMB_SIDE),
                         Analysis(engine.embedding_model, engine.analysis_id, engine.second_model))

    def add(self, drawn: DrawnFace, person_id: int | None = None) -> EditResult:
        """Stores a drawn face, in ``person_id`` (confirmed), in a new person (:data:`NEW_PERSON`) or in none.

        Undoable like the hand edits (``PersonEdits.undo``); adding again after an undo adds a new row."""
        with self._writes.begin() as s:
            if s.get(Media, drawn.media_id) is None:
                raise ValueError(f"no media {drawn.media_id}")
            res = EditResult("draw")
            if person_id == NEW_PERSON:
                person = Person()
                s.add(person)
                s.flush()
                person_id = person.id
                res.persons_created.append(person.id)
            elif person_id is not None and s.get(Person, person_id) is None:
                raise ValueError(f"no person {person_id}")
            row = add_face(s, drawn.media_id, FaceRecord(drawn.face, None, drawn.thumbnail), drawn.analysis)
            if person_id is not None:
                row.person_id, row.assigned_by, row.assigned_at = person_id, DecidedBy.USER, dt.datetime.now()
            s.flush()
            decision = UserDecision(kind=DecisionKind.DRAWN, face_id=row.id)
            s.add(decision)
            s.flush()
            res.person_id = person_id
            res.faces_created.append(row.id)
            res.decisions_added.append(decision.id)
            return res
