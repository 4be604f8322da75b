# SPDX-License-Identifier: MIT
"""Hand corrections of persons: merge, move, split, remove a non-face, rename, hide, birth date, and their exact undo.

Each edit is stored as the user's decision, not only as its result, so that re-clustering keeps it (see
:mod:`organizer.services.clustering`). Every edit returns an :class:`EditResult` that :meth:`PersonEdits.undo`
turns back exactly.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from dataclasses import field

from sqlalchemy import delete
from sqlalchemy import select
from sqlalchemy import update
from sqlalchemy.orm import Session
from sqlalchemy.orm import sessionmaker

from organizer.db.engine import write_sessions
from organizer.db.models import DecidedBy
from organizer.db.models import DecisionKind
from organizer.db.models import Face
from organizer.db.models import Person
from organizer.db.models import UserDecision


@dataclass(slots=True)
class EditResult:
    """What an edit changed, enough to undo it exactly."""

    kind: str
    #: The person the edit produced or kept (merge target, split's new person, renamed person...).
    person_id: int | None = None
    faces_before: dict[int, tuple[int | None, str | None]] = field(default_factory=dict)
    persons_before: dict[int, tuple[str | None, bool]] = field(default_factory=dict)
    persons_created: list[int] = field(default_factory=list)
    persons_deleted: dict[int, tuple[str | None, bool]] = field(default_factory=dict)
    decisions_added: list[int] = field(default_factory=list)
    #: Face rows the edit added (a face the user drew): undo deletes them.
    faces_created: list[int] = field(default_factory=list)
    #: Persons' birth dates before the edit (set, cleared, or carried by a merge; a merged-away person's own):
    #: undo puts them back.
    birth_dates_before: dict[int, dt.date | None] = field(default_factory=dict)


class PersonEdits:
    """Applies the user's corrections; one instance per library."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._writes = write_sessions(sessions)

    def merge(self, person_ids: list[int]) -> EditResult:
        """Make several persons one; the first (or the named one) survives and all faces are confirmed."""
        ids = list(dict.fromkeys(person_ids))
        with self._writes.begin() as s:
            persons = [s.get(Person, i) for i in ids]
            if len(ids) < 2 or any(p is None for p in persons):
                raise ValueError(f"merge needs at least two existing persons, got {person_ids}")
            target = next((p for p in persons if p.name), persons[0])
            res = EditResult("merge", person_id=target.id)
            faces = s.scalars(select(Face).where(Face.person_id.in_(ids))).all()
            _assign(s, res, faces, target.id)
            for p in persons:
                if p.id != target.id:
                    res.persons_deleted[p.id] = (p.name, p.hidden)
                    if p.birth_date is not None:
                        res.birth_dates_before[p.id] = p.birth_date
            if target.birth_date is None:  # the merged person keeps a birth date the user entered for one of them
                known = next((p.birth_date for p in persons if p.birth_date is not None), None)
                if known is not None:
                    res.birth_dates_before[target.id] = None
                    target.birth_date = known
            if not target.name:
                other = next((p.name for p in persons if p.name), None)
                if other:
                    res.persons_before[target.id] = (target.name, target.hidden)
                    target.name = other
            s.flush()
            for pid in res.persons_deleted:
                s.execute(delete(UserDecision).where(UserDecision.person_id == pid, UserDecision.kind.in_(
                    [DecisionKind.HIDDEN, DecisionKind.RENAMED])))
                s.delete(s.get(Person, pid))
            return res

    def move_faces(self, face_ids: list[int], person_id: int) -> EditResult:
        """Put faces into another person (confirmed), remembering they are not their old person."""
        with self._writes.begin() as s:
            if s.get(Person, person_id) is None:
                raise ValueError(f"no person {person_id}")
            res = EditResult("move", person_id=person_id)
            faces = s.scalars(select(Face).where(Face.id.in_(face_ids))).all()
            _cannot_link(s, res, faces, except_person=person_id)
            _assign(s, res, faces, person_id)
            return res

    def split(self, face_ids: list[int]) -> EditResult:
        """Take faces out of their person into a new person of their own."""
        with self._writes.begin() as s:
            person = Person()
            s.add(person)
            s.flush()
            res = EditResult("split", person_id=person.id, persons_created=[person.id])
            faces = s.scalars(select(Face).where(Face.id.in_(face_ids))).all()
            _cannot_link(s, res, faces, except_person=person.id)
            _assign(s, res, faces, person.id)
            return res

    def remove_faces(self, face_ids: list[int]) -> EditResult:
        """Mark detections as not faces: they leave their person and never return."""
        with self._writes.begin() as s:
            res = EditResult("remove")
            for f in s.scalars(select(Face).where(Face.id.in_(face_ids))):
                res.faces_before[f.id] = (f.person_id, f.assigned_by)
                f.person_id, f.assigned_by, f.assigned_at = None, DecidedBy.USER, dt.datetime.now()
                _decide(s, res, DecisionKind.REMOVED, face_id=f.id)
            return res

    def rename(self, person_id: int, name: str | None) -> EditResult:
        """Name a person; naming confirms the person's current faces."""
        name = (name or "").strip() or None
        with self._writes.begin() as s:
            p = _person(s, person_id)
            res = EditResult("rename", person_id=person_id, persons_before={p.id: (p.name, p.hidden)})
            p.name = name
            if name:
                faces = s.scalars(select(Face).where(Face.person_id == person_id)).all()
                _assign(s, res, faces, person_id)
                _decide(s, res, DecisionKind.RENAMED, person_id=person_id, value=name)
            return res

    def set_hidden(self, person_id: int, hidden: bool) -> EditResult:
        """Hide a person from the grid (or show it again); hiding confirms the person's faces."""
        with self._writes.begin() as s:
            p = _person(s, person_id)
            res = EditResult("hide" if hidden else "unhide", person_id=person_id,
                             persons_before={p.id: (p.name, p.hidden)})
            p.hidden = hidden
            if hidden:
                faces = s.scalars(select(Face).where(Face.person_id == person_id)).all()
                _assign(s, res, faces, person_id)
                _decide(s, res, DecisionKind.HIDDEN, person_id=person_id)
            return res

    def set_birth_date(self, person_id: int, birth_date: dt.date | None) -> EditResult:
        """Enter the person's exact birth date (None: not known), which replaces the birth year estimated from the
        faces' ages. Setting one confirms the person's current faces, as naming does, so that re-clustering
        continues this person (and its date) with them; the date is the person row's own, no decision is stored.
        """
        if isinstance(birth_date, dt.datetime):
            birth_date = birth_date.date()
        if birth_date is not None and birth_date > dt.date.today():
            raise ValueError(f"a birth date in the future: {birth_date.isoformat()}")
        with self._writes.begin() as s:
            p = _person(s, person_id)
            res = EditResult("birth_date", person_id=person_id, birth_dates_before={p.id: p.birth_date})
            p.birth_date = birth_date
            if birth_date is not None:
                faces = s.scalars(select(Face).where(Face.person_id == person_id)).all()
                _assign(s, res, faces, person_id)
            return res

    def set_cover(self, person_id: int, face_id: int) -> EditResult:
        """Make one of the person's faces its picture (in the people grid and everywhere a person has a face).

        Stored as a decision on the face, so it follows the face through merges and re-clustering; undo removes it
        and the previous choice (or the automatic one) comes back.
        """
        with self._writes.begin() as s:
            _person(s, person_id)
            f = s.get(Face, face_id)
            if f is None or f.person_id != person_id:
                raise ValueError(f"face {face_id} is not a face of person {person_id}")
            res = EditResult("cover", person_id=person_id)
            _decide(s, res, DecisionKind.COVER, face_id=face_id)
            return res

    def accept(self, face_ids: list[int], person_id: int, from_person: int | None = None) -> EditResult:
        """A review answer "yes": the faces join ``person_id``, confirmed. A whole small person (``from_person``,
        all of its faces suggested) is merged into it; single faces are moved."""
        if from_person is not None and from_person != person_id:
            res = self.merge([person_id, from_person])
            res.kind = "accept"
            return res
        res = self.move_faces(face_ids, person_id)
        res.kind = "accept"
        return res

    def reject(self, face_ids: list[int], person_id: int) -> EditResult:
        """A review answer "no": these faces are not ``person_id``; they stay where they are, and are never
        suggested for, nor clustered into, that person again."""
        with self._writes.begin() as s:
            _person(s, person_id)
            res = EditResult("reject", person_id=person_id)
            for fid in dict.fromkeys(face_ids):
                if s.get(Face, fid) is None:
                    raise ValueError(f"no face {fid}")
                _decide(s, res, DecisionKind.CANNOT_LINK, face_id=fid, person_id=person_id)
            return res

    def mark_different(self, person_id: int, other_person_id: int) -> EditResult:
        """Two persons are different people: never suggested as one again, never clustered into one."""
        with self._writes.begin() as s:
            _person(s, person_id)
            _person(s, other_person_id)
            res = EditResult("different", person_id=person_id)
            _decide(s, res, DecisionKind.DIFFERENT, person_id=person_id, other_person_id=other_person_id)
            return res

    def keep_faces(self, face_ids: list[int]) -> EditResult:
        """Faces checked and kept in their person: confirmed there, and no longer flagged as outliers."""
        with self._writes.begin() as s:
            res = EditResult("keep")
            faces = s.scalars(select(Face).where(Face.id.in_(face_ids), Face.person_id.is_not(None))).all()
            for f in faces:
                _decide(s, res, DecisionKind.CHECKED, face_id=f.id, person_id=f.person_id)
                res.person_id = f.person_id
            for f in faces:
                _assign(s, res, [f], int(f.person_id))
            return res

    def undo(self, res: EditResult) -> None:
        """Restore the state before an edit exactly (persons, assignments, decisions)."""
        with self._writes.begin() as s:
            for pid, (name, hidden) in res.persons_deleted.items():
                s.add(Person(id=pid, name=name, hidden=hidden))
            s.flush()
            if res.decisions_added:
                s.execute(delete(UserDecision).where(UserDecision.id.in_(res.decisions_added)))
            for fid, (pid, by) in res.faces_before.items():
                s.execute(update(Face).where(Face.id == fid).values(person_id=pid, assigned_by=by))
            for pid, (name, hidden) in res.persons_before.items():
                p = s.get(Person, pid)
                if p is not None:
                    p.name, p.hidden = name, hidden
            for pid, born in res.birth_dates_before.items():
                p = s.get(Person, pid)
                if p is not None:
                    p.birth_date = born
            s.flush()
            if res.faces_created:
                s.execute(delete(Face).where(Face.id.in_(res.faces_created)))
            for pid in res.persons_created:
                s.execute(update(Face).where(Face.person_id == pid).values(person_id=None, assigned_by=None))
                s.execute(delete(Person).where(Person.id == pid))


def _person(s: Session, person_id: int) -> Person:
    p = s.get(Person, person_id)
    if p is None:
        raise ValueError(f"no person {person_id}")
    return p


def _assign(s: Session, res: EditResult, faces: list[Face], person_id: int) -> None:
    now = dt.datetime.now()
    for f in faces:
        res.faces_before.setdefault(f.id, (f.person_id, f.assigned_by))
        f.person_id, f.assigned_by, f.assigned_at = person_id, DecidedBy.USER, now


def _decide(s: Session, res: EditResult, kind: DecisionKind, **about: object) -> None:
    """Store one decision of the user, remembered in ``res`` so that undo removes it."""
    d = UserDecision(kind=kind, **about)
    s.add(d)
    s.flush()
    res.decisions_added.append(d.id)


def _cannot_link(s: Session, res: EditResult, faces: list[Face], except_person: int) -> None:
    for f in faces:
        if f.person_id is not None and f.person_id != except_person:
            _decide(s, res, DecisionKind.CANNOT_LINK, face_id=f.id, person_id=f.person_id)

