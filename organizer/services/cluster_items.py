# SPDX-License-Identifier: MIT
"""The library's faces as clustering items: photo faces, and one item per video track (its mean embedding).

Read in one short transaction by :class:`organizer.services.clustering.ClusteringService`; holds, per item,
its faces, both identity networks' embeddings, predicted age, birth year, shooting time, P(male), photo group,
current person and the user's decisions about it, and writes the clustering's assignment back without touching
faces the user decided. :meth:`ClusterItems.to_identity_space` fuses the two networks' embeddings into the one
the clustering compares (:func:`organizer.cluster.identity_space`); a face without the second network's
embedding (a library not yet re-analyzed, a face that could not be aligned) is judged on faceres alone.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import defaultdict

import numpy as np
from sqlalchemy import select
from sqlalchemy import update
from sqlalchemy.orm import Session

from organizer.cluster import ClusterInput
from organizer.cluster import ClusterParams
from organizer.cluster import face_birth_year
from organizer.cluster import face_quality
from organizer.cluster import identity_space
from organizer.db.models import DecidedBy
from organizer.db.models import DecisionKind
from organizer.db.models import Face
from organizer.db.models import FaceEmbedding
from organizer.db.models import Media
from organizer.db.models import MediaStatus
from organizer.db.models import UserDecision
from organizer.media import dates
from organizer.vision import engine as vision_engine
from organizer.vision.expression import happiness

#: Dimension of dlib's ResNet embedding (used for a library that has none yet).
DLIB_DIM = 128


def timestamp(t: dt.datetime | None) -> float | None:
    """A stored time as Unix seconds.

    Stored times are naive local wall-clock times (the offset is often unknown): read here as if they were UTC,
    which is off by the photo's UTC offset, a few hours, nothing to a birth year or a day span.
    """
    return None if t is None else t.replace(tzinfo=dt.UTC).timestamp()


class ClusterItems:
    """The library's clustering items: photo faces, and one item per video track (its mean embedding)."""

    def __init__(self) -> None:
        self.face_ids: list[list[int]] = []
        self.emb_rows: list[np.ndarray] = []
        self.dlib_rows: list[np.ndarray | None] = []
        self.age_l: list[float] = []
        self.cover_face_l: list[int] = []  # per item its best-looking face (a track has several)
        self.quality_l: list[float] = []  # and that face's quality (organizer.cluster.face_quality)
        self.birth_l: list[float] = []
        self.time_l: list[float] = []
        self.pm_l: list[float] = []
        self.groups: list[object] = []
        self.person_l: list[int] = []
        self.user_l: list[bool] = []
        self.removed_l: list[bool] = []
        self.cannot: list[tuple[int, int]] = []  # (item, person id)

    def finish(self) -> None:
        self.n = len(self.face_ids)
        #: faceres' embeddings as stored; :meth:`to_identity_space` replaces them by the fused ones.
        self.emb = np.stack(self.emb_rows).astype(np.float32) if self.n else np.zeros((0, 1024), np.float32)
        self.has_dlib = np.array([d is not None for d in self.dlib_rows], dtype=bool)
        dims = {d.shape[0] for d in self.dlib_rows if d is not None}
        dim = dims.pop() if len(dims) == 1 else DLIB_DIM
        self.dlib = np.zeros((self.n, dim), np.float32)
        for i, d in enumerate(self.dlib_rows):
            if d is not None and d.shape[0] == dim:
                self.dlib[i] = d
            elif d is not None:  # another dimension than the rest: not comparable, judged on faceres alone
                self.has_dlib[i] = False
        self.age = np.array(self.age_l, dtype=np.float64)
        self.cover_face = np.array(self.cover_face_l, dtype=np.int64)
        self.quality = np.array(self.quality_l, dtype=np.float64)
        self.birth = np.array(self.birth_l, dtype=np.float64)
        self.time = np.array(self.time_l, dtype=np.float64)
        self.p_male = np.array(self.pm_l, dtype=np.float64)
        self.person = np.array(self.person_l, dtype=np.int64)
        self.user = np.array(self.user_l, dtype=bool)
        self.removed = np.array(self.removed_l, dtype=bool)

    def to_identity_space(self, params: ClusterParams) -> ClusterParams:
        """Replace the stored embeddings by the fused identity embeddings; returns the parameters to cluster
        them with (see :func:`organizer.cluster.identity_space`)."""
        if not self.n:
            self.faceres = self.emb
            self.emb = np.zeros((0, self.emb.shape[1] + self.dlib.shape[1]), np.float32)
            return dataclasses.replace(params, centre=False, centre_vector=None)
        #: faceres' embeddings as stored (the review compares each network's opinion).
        self.faceres = self.emb
        self.emb, out = identity_space(self.emb, self.dlib, self.has_dlib, self.age, params)
        return out

    def all_indices(self) -> np.ndarray:
        return np.arange(self.n)

    def cluster_input(self, idx: np.ndarray, prepared: np.ndarray | None = None) -> ClusterInput:
        """The items ``idx`` as clustering input; ``prepared``: embeddings of all items already in clustering
        space (rows by item index), else the stored ones."""
        pos = {int(i): k for k, i in enumerate(idx)}
        fixed = np.where(self.user[idx] & (self.person[idx] >= 0), self.person[idx], -1)
        # "This face is not person P": P is whoever is in P now (its confirmed faces and the algorithm's).
        members = self.person[idx]
        cannot = []
        for item, pid in self.cannot:
            if item in pos:
                cannot += [(pos[item], k) for k in np.flatnonzero(members == pid).tolist() if k != pos[item]]
        excluded = np.flatnonzero(self.removed[idx])
        emb = self.emb[idx] if prepared is None else prepared[idx]
        return ClusterInput(embeddings=emb, prepared=prepared is not None, birth_years=self.birth[idx],
                            photo_groups=[str(self.groups[i]) for i in idx], timestamps=self.time[idx],
                            p_male=self.p_male[idx], cannot_link=cannot, excluded=excluded, fixed_person=fixed)

    def write_algorithm(self, s: Session, new_person: np.ndarray) -> None:
        """Store the clustering's assignment for every face the user did not decide."""
        now = dt.datetime.now()
        by_person: dict[int, list[int]] = defaultdict(list)
        for i in range(self.n):
            if self.user[i] or self.removed[i]:
                continue
            if int(new_person[i]) != int(self.person[i]):
                by_person[int(new_person[i])].extend(self.face_ids[i])
        for pid, fids in by_person.items():
            for k in range(0, len(fids), 500):
                chunk = fids[k:k + 500]
                # A face the user decided after the faces were read keeps the user's decision.
                where = Face.id.in_(chunk) & (Face.assigned_by.is_(None) | (Face.assigned_by == DecidedBy.ALGORITHM))
                if pid < 0:
                    s.execute(update(Face).where(where).values(person_id=None, assigned_by=None, assigned_at=None))
                else:
                    s.execute(update(Face).where(where).values(person_id=pid, assigned_by=DecidedBy.ALGORITHM,
                                                               assigned_at=now))


def load_items(s: Session, dlib_model: str | None = None) -> ClusterItems:
    """Every face of the library's readable files as items; ``dlib_model``: the second identity network's
    space to read (default: the one today's engine writes), faces without it have none."""
    dlib_model = dlib_model or vision_engine.current_dlib_model()
    removed = set(s.scalars(select(UserDecision.face_id).where(UserDecision.kind == DecisionKind.REMOVED)))
    cannot_rows = s.execute(select(UserDecision.face_id, UserDecision.person_id)
                            .where(UserDecision.kind == DecisionKind.CANNOT_LINK)).all()
    rows = s.execute(
        select(Face.id, Face.media_id, Face.frame_s, Face.track_id, Face.embedding, Face.age, Face.p_male,
               Face.person_id, Face.assigned_by, Media.taken_at, Media.date_source, FaceEmbedding.vector.label("dlib"),
               Face.w, Face.h, Face.score, Face.sharpness, Face.frontal, Face.expression_p)
        .join(Media, Media.id == Face.media_id)
        .outerjoin(FaceEmbedding, (FaceEmbedding.face_id == Face.id) & (FaceEmbedding.model == dlib_model))
        .where(Media.status == MediaStatus.OK)
        .order_by(Face.id)
    ).all()
    items = ClusterItems()
    item_of_face: dict[int, int] = {}
    tracks: dict[int, list] = defaultdict(list)
    nan = np.nan
    # every face's picture quality at once (per face in the loop below it cost seconds at 100 000 faces)
    quality = face_quality([min(r.w, r.h) for r in rows], [r.score for r in rows],
                           [nan if r.sharpness is None else r.sharpness for r in rows],
                           [nan if r.frontal is None else r.frontal for r in rows],
                           [happiness(r.expression_p) for r in rows]).tolist()
    for r, q in zip(rows, quality, strict=True):
        if r.track_id is not None:
            tracks[r.track_id].append((r, q))
            continue
        _add_item(items, [r], [q], group=(r.media_id, r.frame_s), removed=r.id in removed)
        item_of_face[r.id] = len(items.face_ids) - 1
    for pairs in tracks.values():
        # A track is one person seen in one clip: one item with the normalised mean embedding; tracks of the
        # same clip are different persons (the clip's faces were clustered within the clip at indexing).
        members = [r for r, _q in pairs]
        _add_item(items, members, [q for _r, q in pairs], group=(members[0].media_id, "clip"),
                  removed=all(m.id in removed for m in members))
        for m in members:
            item_of_face[m.id] = len(items.face_ids) - 1
    for fid, pid in cannot_rows:
        if fid in item_of_face and pid is not None:
            items.cannot.append((item_of_face[fid], pid))
    # "Different people": every item of one person is not the other person, both ways
    different = s.execute(select(UserDecision.person_id, UserDecision.other_person_id)
                          .where(UserDecision.kind == DecisionKind.DIFFERENT)).all()
    if different:
        of_person: dict[int, list[int]] = defaultdict(list)
        for i, pid in enumerate(items.person_l):
            if pid >= 0:
                of_person[pid].append(i)
        for a, b in different:
            if a is None or b is None:
                continue
            items.cannot += [(i, int(b)) for i in of_person.get(int(a), [])]
            items.cannot += [(i, int(a)) for i in of_person.get(int(b), [])]
    items.finish()
    return items


def _unit(v: np.ndarray) -> np.ndarray:
    return v / max(float(np.sqrt(v @ v)), 1e-12)


def _add_item(items: ClusterItems, rows: list, quality: list[float], group: object, removed: bool) -> None:
    one = len(rows) == 1  # the common case, kept free of numpy reductions over tiny lists
    if one:
        emb = _unit(np.frombuffer(rows[0].embedding, dtype="<f4"))
        dlib = None if rows[0].dlib is None else _unit(np.frombuffer(rows[0].dlib, dtype="<f4"))
    else:
        emb = _unit(np.mean([np.frombuffer(r.embedding, dtype="<f4") for r in rows], axis=0))
        seconds = [np.frombuffer(r.dlib, dtype="<f4") for r in rows if r.dlib is not None]
        dlib = None
        if seconds and len({v.shape[0] for v in seconds}) == 1:
            dlib = _unit(np.mean(seconds, axis=0))
    ts = timestamp(rows[0].taken_at)
    # A file's modification time says when it was copied, not when it was shot: it gives no birth year (an album
    # copied today would make everyone born "today minus their age"), and only dates exact to the day count for
    # the day-span rule (a whole album copied at once spans 0 days; a folder year is not a day).
    source = None if rows[0].date_source is None else str(rows[0].date_source)
    trusted = ts is not None and source in dates.TRUSTED_SOURCES
    dated = ts is not None and source in dates.DAY_SOURCES
    ages = [r.age for r in rows if r.age is not None]
    pms = [r.p_male for r in rows if r.p_male is not None]
    age = (ages[0] if one else float(np.median(ages))) if ages else np.nan
    best = max(range(len(rows)), key=quality.__getitem__)
    items.cover_face_l.append(int(rows[best].id))
    items.quality_l.append(float(quality[best]))
    items.face_ids.append([r.id for r in rows])
    items.emb_rows.append(emb)
    items.dlib_rows.append(dlib)
    items.age_l.append(float(age))
    items.birth_l.append(face_birth_year(float(age), ts) if trusted and ages and ts is not None else np.nan)
    items.time_l.append(ts if dated and ts is not None else np.nan)
    items.pm_l.append(np.nan if not pms else (float(pms[0]) if one else float(np.mean(pms))))
    items.groups.append(group)
    user = [r for r in rows if r.assigned_by == DecidedBy.USER and r.person_id is not None]
    items.person_l.append(int(user[0].person_id) if user else (int(rows[0].person_id) if rows[0].person_id else -1))
    items.user_l.append(bool(user))
    items.removed_l.append(removed)
