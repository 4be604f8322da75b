# SPDX-License-Identifier: MIT
"""Persons: clustering the library's faces, per-person gender and birth year, and hand corrections.

User decisions are stored, not only their results, so that a re-cluster keeps every one of them:

* a face the user placed (merge, move, split, or a person the user named) is *confirmed*:
  ``Face.assigned_by == USER``; the clustering treats confirmed faces of one person as a must-link and
  confirmed faces of different persons as never one person;
* a face moved or split out of a person gets a ``cannot_link`` decision with its old person;
* a removed non-face gets a ``removed`` decision and never comes back;
* hidden and renamed persons keep their flag and name (the person row survives re-clustering because
  its confirmed faces continue it).

Every edit returns an :class:`EditResult` that :meth:`PeopleService.undo` turns back exactly.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from dataclasses import field

import numpy as np
from sqlalchemy import delete
from sqlalchemy import select
from sqlalchemy import update
from sqlalchemy.orm import Session
from sqlalchemy.orm import sessionmaker

from organizer.cluster import ClusterParams
from organizer.cluster import PersonProfile
from organizer.cluster import age_at
from organizer.cluster import assign_to_persons
from organizer.cluster import cluster_faces
from organizer.cluster import face_birth_year
from organizer.cluster import fuse_birth_year
from organizer.cluster import prepare_items
from organizer.cluster.attributes import fuse_birth_year_groups
from organizer.cluster.attributes import fuse_gender_groups
from organizer.core.progress import CancelToken
from organizer.core.progress import Progress
from organizer.db import repo
from organizer.db.engine import write_sessions
from organizer.db.models import DecidedBy
from organizer.db.models import DecisionKind
from organizer.db.models import Face
from organizer.db.models import Media
from organizer.db.models import MediaStatus
from organizer.db.models import Person
from organizer.db.models import UserDecision
from organizer.services.cluster_items import ClusterItems
from organizer.services.cluster_items import load_items
from organizer.services.cluster_items import timestamp

log = logging.getLogger(__name__)


# ----------------------------------------------------------------------------------------------- DTOs


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
    #: The person's age at this photo, from the person's fused birth year (None when unknown).
    age_at_photo: float | None = None


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




# ----------------------------------------------------------------------------------------------- service


class PeopleService:
    """Clusters faces into persons and applies the user's corrections; one instance per library."""

    def __init__(self, sessions: sessionmaker[Session], params: ClusterParams | None = None) -> None:
        self._sessions = sessions
        self._writes = write_sessions(sessions)
        self.params = params or ClusterParams()

    # ---- clustering

    def recluster(self, params: ClusterParams | None = None, cancel: CancelToken | None = None,
                  incremental: bool = False) -> Iterator[Progress]:
        """Cluster the library's faces into persons, keeping every user decision.

        The faces are read in one short read transaction, clustered outside any transaction (the indexer
        keeps writing meanwhile), and the result is written in one short write transaction that never
        touches a face the user decided in the meantime.

        Args:
            params: clustering settings (default: the service's).
            cancel: checked before the result is written; a cancelled run changes nothing.
            incremental: keep the existing persons; unassigned faces join the nearest person when close
                enough, the rest are clustered among themselves (the normal case after indexing new photos).
        """
        params = params or self.params
        yield Progress("cluster", 0, 1)
        with self._sessions() as s:
            items = load_items(s)
        plan = self._plan_incremental(items, params) if incremental else self._plan_full(items, params)
        if cancel is not None and cancel.cancelled:
            return
        with self._writes.begin() as s:
            if plan is not None:
                self._apply(s, items, *plan)
            _drop_empty_persons(s)
        yield Progress("cluster", 1, 1)

    def _plan_full(self, items: ClusterItems, params: ClusterParams) -> tuple[np.ndarray, list[np.ndarray], list[int]]:
        """Labels for every item: person ids where known (>= 0), -1 unsorted, and new clusters to create."""
        new_person = np.full(items.n, -1, dtype=np.int64)
        if not items.n:
            return new_person, [], []
        result = cluster_faces(items.cluster_input(items.all_indices()), params)
        # Keep person ids stable: a new cluster continues the person most of its members had before.
        taken = {c.person_id for c in result.clusters if c.person_id >= 0}
        new_clusters, reuse = [], []
        for c in sorted(result.clusters, key=lambda c: -c.size):
            if c.person_id >= 0:
                new_person[c.members] = c.person_id
                continue
            prev = [p for p in items.person[c.members] if p >= 0 and p not in taken]
            if prev:
                pid = int(np.bincount(prev).argmax())
                taken.add(pid)
                new_person[c.members] = pid
                reuse.append(pid)
            else:
                new_clusters.append(c.members)
        return new_person, new_clusters, reuse

    def _plan_incremental(self, items: ClusterItems,
                          params: ClusterParams) -> tuple[np.ndarray, list[np.ndarray], list[int]]:
        new_person = items.person.copy()
        open_idx = np.flatnonzero((items.person < 0) & ~items.removed)
        if not open_idx.size:
            return new_person, [], []
        # New faces and existing persons compared in one space: every face's embedding prepared (centred,
        # blended with its nearest faces) over the whole library, as a full re-cluster would.
        live = np.flatnonzero(~items.removed)
        x = np.zeros((items.n, items.emb.shape[1]), dtype=np.float32)
        x[live] = prepare_items(items.emb[live], [str(items.groups[i]) for i in live], params)
        by_person: dict[int, list[int]] = defaultdict(list)
        for i in np.flatnonzero(items.person >= 0):
            by_person[int(items.person[i])].append(int(i))
        # photo-group ids as strings, exactly as cluster_input() passes them for the new items
        profiles = [PersonProfile.from_members(pid, x[m], items.birth[m], [str(items.groups[j]) for j in m],
                                               params, prepared=True)
                    for pid, m in ((pid, np.array(m)) for pid, m in by_person.items())]
        joined = assign_to_persons(items.cluster_input(open_idx, x), profiles, params)
        new_person[open_idx] = joined
        rest = open_idx[joined < 0]
        new_clusters = []
        if rest.size:
            result = cluster_faces(items.cluster_input(rest, x), params)
            new_clusters = [rest[c.members] for c in result.clusters]
        return new_person, new_clusters, []

    def _apply(self, s: Session, items: ClusterItems, new_person: np.ndarray, new_clusters: list[np.ndarray],
               reuse: list[int]) -> None:
        new_person = new_person.copy()
        for pid in reuse:
            if s.get(Person, pid) is None:  # deleted meanwhile: its faces become a new person
                new_clusters.append(np.flatnonzero(new_person == pid))
                new_person[new_person == pid] = -1
        for members in new_clusters:
            person = Person()
            s.add(person)
            s.flush()
            new_person[members] = person.id
        items.write_algorithm(s, new_person)

    # ---- reading

    def list_persons(self, include_hidden: bool = True) -> list[PersonSummary]:
        """Every person with at least one face, with fused gender (eq. 2) and birth year, most photos first.

        Vectorised over all faces (``bench/people_grid.py`` times it on 5 000 persons and 100 000 faces).
        """
        with self._sessions() as s:
            # Plain SQL for the one query that reads every assigned face: SQLAlchemy cannot emit SQLite's
            # INDEXED BY, which keeps it on the covering index (schema version 2) instead of the face rows with
            # their embeddings, and plain tuples skip the ORM's per-row work. Photo dates and status come from
            # a second, smaller query and are joined in numpy.
            cur = s.connection().connection.cursor()  # the DBAPI cursor: plain tuples, straight into numpy
            try:
                faces = np.array(cur.execute(
                    "SELECT person_id, id, media_id, p_male, age, score * w * h FROM face "
                    "INDEXED BY ix_face_person_summary WHERE person_id IS NOT NULL ORDER BY person_id, media_id"
                ).fetchall(), dtype=np.float64).reshape(-1, 6)
                media_rows = np.array(cur.execute(
                    "SELECT id, status = ?, julianday(taken_at) FROM media ORDER BY id", (MediaStatus.OK.value,)
                ).fetchall(), dtype=np.float64).reshape(-1, 3)
            finally:
                cur.close()
            persons = {p.id: (p.name, p.hidden) for p in s.execute(select(Person.id, Person.name, Person.hidden))}
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
        birth = 1970.0 + (jd - 2440587.5) / 365.2425 - age  # photo year (fractional) minus the face's age
        starts = np.flatnonzero(np.r_[True, pid[1:] != pid[:-1]])
        group = np.cumsum(np.r_[False, pid[1:] != pid[:-1]])  # rows are ordered by person
        genders = fuse_gender_groups(p_male, group, len(starts))
        births = fuse_birth_year_groups(birth, group, len(starts))
        n_faces = np.bincount(group)
        first_of_photo = np.r_[True, (group[1:] != group[:-1]) | (media[1:] != media[:-1])]
        n_photos = np.bincount(group[first_of_photo], minlength=len(starts))
        # the largest, most confident face of each person is its cover
        best = np.lexsort((-area, group))[starts]
        out = []
        for k, a in enumerate(starts.tolist()):
            p = int(pid[a])
            name, hidden = persons.get(p, (None, None))
            if hidden is None or (hidden and not include_hidden):
                continue
            gender, by = genders[k], births[k]
            out.append(PersonSummary(
                id=p, name=name, hidden=bool(hidden),
                gender=None if gender.is_male is None else ("male" if gender.is_male else "female"),
                p_male=None if gender.is_male is None else gender.p_male,
                birth_year=None if by.year is None else round(by.year),
                birth_year_range=None if by.year is None else (int(np.floor(by.low)), int(np.ceil(by.high))),
                n_faces=int(n_faces[k]), n_photos=int(n_photos[k]), cover_face_id=int(face_ids[best[k]]),
            ))
        out.sort(key=lambda x: (-x.n_photos, x.id))
        return out

    def person_faces(self, person_id: int) -> list[FaceRef]:
        """The person's faces ordered by photo date, each with the person's age at that photo."""
        with self._sessions() as s:
            faces = _face_refs(s, Face.person_id == person_id)
        birth = fuse_birth_year([face_birth_year(f.age, timestamp(f.taken)) if f.taken else np.nan for f in faces]).year
        return [_with_age(f, birth) for f in faces]

    def unassigned_faces(self) -> list[FaceRef]:
        """Faces in no person (unsorted), excluding removed non-faces."""
        with self._sessions() as s:
            return _face_refs(s, repo.unsorted_faces())

    def export(self) -> dict:
        """The ``organizer people --json`` document (a contract: see README)."""
        persons = []
        for p in self.list_persons(include_hidden=True):
            persons.append({
                "id": p.id, "name": p.name, "hidden": p.hidden, "gender": p.gender,
                "p_male": None if p.p_male is None else round(p.p_male, 4),
                "birth_year": p.birth_year,
                "birth_year_range": None if p.birth_year_range is None else list(p.birth_year_range),
                "faces": [_face_json(f) for f in self.person_faces(p.id)],
            })
        return {"persons": persons, "unassigned": [_face_json(f) for f in self.unassigned_faces()]}

    # ---- edits

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
                d = UserDecision(kind=DecisionKind.REMOVED, face_id=f.id)
                s.add(d)
                s.flush()
                res.decisions_added.append(d.id)
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
                d = UserDecision(kind=DecisionKind.RENAMED, person_id=person_id, value=name)
                s.add(d)
                s.flush()
                res.decisions_added.append(d.id)
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
                d = UserDecision(kind=DecisionKind.HIDDEN, person_id=person_id)
                s.add(d)
                s.flush()
                res.decisions_added.append(d.id)
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
            s.flush()
            for pid in res.persons_created:
                s.execute(update(Face).where(Face.person_id == pid).values(person_id=None, assigned_by=None))
                s.execute(delete(Person).where(Person.id == pid))


# ----------------------------------------------------------------------------------------------- helpers


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


def _cannot_link(s: Session, res: EditResult, faces: list[Face], except_person: int) -> None:
    for f in faces:
        if f.person_id is not None and f.person_id != except_person:
            d = UserDecision(kind=DecisionKind.CANNOT_LINK, face_id=f.id, person_id=f.person_id)
            s.add(d)
            s.flush()
            res.decisions_added.append(d.id)


def _drop_empty_persons(s: Session) -> None:
    """Delete algorithm persons left without faces (named or hidden persons are the user's: kept)."""
    has_faces = select(Face.person_id).where(Face.person_id.is_not(None))
    s.execute(delete(Person).where(Person.id.not_in(has_faces), Person.name.is_(None), Person.hidden.is_(False)))


def _face_refs(s: Session, where) -> list[FaceRef]:
    rows = s.execute(
        select(Face.id, Face.media_id, Media.path, Face.frame_s, Face.x, Face.y, Face.w, Face.h, Media.taken_at,
               Face.age, Face.p_male, Face.person_id)
        .join(Media, Media.id == Face.media_id)
        .where(where, Media.status == MediaStatus.OK)
        .order_by(Media.taken_at.is_(None), Media.taken_at, Face.media_id, Face.frame_s, Face.id)
    ).all()
    return [FaceRef(id=r.id, media_id=r.media_id, path=r.path, frame_s=r.frame_s, box=(r.x, r.y, r.w, r.h),
                    taken=r.taken_at, age=float(r.age or 0.0), p_male=float(r.p_male or 0.5), person_id=r.person_id)
            for r in rows]


def _with_age(f: FaceRef, birth: float | None) -> FaceRef:
    a = age_at(birth, timestamp(f.taken))
    return FaceRef(**{**{k: getattr(f, k) for k in FaceRef.__slots__}, "age_at_photo": a})


def _face_json(f: FaceRef) -> dict:
    return {"id": f.id, "media": f.path, "frame_ms": None if f.frame_s is None else round(f.frame_s * 1000),
            "box": [round(v) for v in f.box], "taken": None if f.taken is None else f.taken.isoformat(),
            "age": round(f.age, 2), "p_male": round(f.p_male, 4)}
