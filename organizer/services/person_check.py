# SPDX-License-Identifier: MIT
"""One person's faces by how doubtful they are, each with its reasons in words: the person page's "Check" view.

The same judgement as the review's "faces that may not belong" (:func:`organizer.services.review.person_doubts`):
far from the person's centre in the fused identity space, a photo dated before the person's birth year, a predicted
age that contradicts it (:mod:`organizer.services.birth_flags`). It reads the person's faces only, so that a person
of thousands of faces is checked in a fraction of a second on any library; the neighbour augmentation therefore
blends each face with its nearest faces *of the person* (the review's, computed over the whole library in seconds,
may pick other persons' faces as well), which keeps the distances close to the review's but not always equal.

A face the user confirmed in this person (a ``CHECKED`` decision, "Keep", or a ``MUST_LINK`` one, a name that
another tool gave it) is never doubtful. Unlike the review, a face that is only *assigned* by hand (naming a person
confirms all its faces) is still checked: the page is where the user looks at a named person's faces again.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm import sessionmaker

from organizer.cluster import ClusterParams
from organizer.cluster import prepare_items
from organizer.cluster.blas import one_blas_thread
from organizer.core.progress import CancelToken
from organizer.db.models import DecisionKind
from organizer.db.models import Face
from organizer.db.models import Person
from organizer.db.models import UserDecision
from organizer.services import birth_flags
from organizer.services.cluster_items import ClusterItems
from organizer.services.cluster_items import load_items
from organizer.services.review import person_doubts


@dataclass(frozen=True, slots=True)
class FaceCheck:
    """One face of the person, as the check judges it."""

    face_id: int
    #: Past the review's cut: far from the person's centre, or contradicting its birth year (and not confirmed).
    doubtful: bool
    #: The user confirmed it in this person ("Keep", or a name another tool gave it).
    confirmed: bool
    #: Its distance from the person's centre, and how unusual that is for the person (0 = typical; NaN: too few
    #: faces to tell).
    distance: float
    score: float
    #: Why it may not belong, in words (empty unless doubtful).
    reasons: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class PersonCheckReport:
    person_id: int
    #: Every face of the person's readable photos, the most doubtful first.
    faces: tuple[FaceCheck, ...]

    @property
    def doubtful(self) -> int:
        """How many faces are doubtful (the "Check (3)" the page says)."""
        return sum(f.doubtful for f in self.faces)


class PersonCheck:
    """Checks one person's faces (read only; "Keep" is :meth:`PersonEdits.keep_faces`)."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    def check(self, person_id: int, params: ClusterParams, name: str | None = None,
              cancel: CancelToken | None = None) -> PersonCheckReport:
        """The person's faces, doubtful first; ``name``: how the reasons call the person (default: its name, else
        "Person <id>", as the review says)."""
        cancel = cancel or CancelToken()
        with self._sessions() as s:
            items = load_items(s, person_id=person_id)
            sides = _sides(s, person_id, items)
            name = name or s.scalar(select(Person.name).where(Person.id == person_id)) or f"Person {person_id}"
            confirmed = set(s.scalars(select(UserDecision.face_id).where(
                UserDecision.person_id == person_id,
                UserDecision.kind.in_([DecisionKind.CHECKED, DecisionKind.MUST_LINK]))))
        cancel.check()
        n = items.n
        why: list[list[str]] = [[] for _ in range(n)]
        d, score = np.full(n, np.nan), np.full(n, np.nan)
        if n >= 3:  # as the review: fewer faces have no centre to be far from
            with one_blas_thread():
                space = items.to_identity_space(params)
                x = prepare_items(items.emb, [str(g) for g in items.groups], space)
                cancel.check()
                members = np.arange(n)
                births = birth_flags.fit_persons(items, {person_id: members}, sides)
                d, score, why = person_doubts(items, x, members, person_id, name, births)
        out = []
        for i in range(n):
            sure = any(f in confirmed for f in items.face_ids[i])
            doubtful = bool(why[i]) and not sure
            out += [FaceCheck(face_id=int(f), doubtful=doubtful, confirmed=sure, distance=round(float(d[i]), 4),
                              score=round(float(score[i]), 2), reasons=tuple(why[i]) if doubtful else ())
                    for f in items.face_ids[i]]
        # doubtful first, the faces with more reasons before, then by how far from the centre
        out.sort(key=lambda c: (not c.doubtful, -len(c.reasons), -c.score if c.score == c.score else math.inf,
                                c.face_id))  # NaN scores (too few faces) last
        return PersonCheckReport(person_id, tuple(out))


def _sides(s: Session, person_id: int, items: ClusterItems) -> np.ndarray:
    """Each item's face size in pixels, as :func:`~organizer.services.birth_flags.face_sides` measures it (``sqrt(
    score * w * h)`` of its first face), read for the person's faces only."""
    size = dict(s.execute(select(Face.id, Face.score * Face.w * Face.h).where(Face.person_id == person_id)).all())
    return np.sqrt(np.array([float(size[ids[0]]) for ids in items.face_ids], np.float64))
