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
from collections import namedtuple

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from organizer.cluster import ClusterInput
from organizer.cluster import ClusterParams
from organizer.cluster import face_birth_year
from organizer.cluster import face_quality
from organizer.cluster import identity_space
from organizer.cluster.fusion import projection_id
from organizer.db.models import DecidedBy
from organizer.db.models import DecisionKind
from organizer.db.models import Face
from organizer.db.models import FaceEmbedding
from organizer.db.models import Media
from organizer.db.models import MediaStatus
from organizer.db.models import UserDecision
from organizer.media import dates
from organizer.vision import engine as vision_engine
from organizer.vision.arcface import EMBEDDING_DIM as SECOND_DIM  # for a library that has no second embedding yet
from organizer.vision.expression import happiness


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
        self.second_rows: list[np.ndarray | None] = []
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
        self.stamp_l: list[object] = []
        self.cannot: list[tuple[int, int]] = []  # (item, person id)

    def finish(self, block: _Block | None = None) -> None:
        """Lists -> arrays; ``block``: single-face items read at once (:func:`load_items`), put before the listed
        ones (the video tracks)."""
        b = block or _Block.empty(self.emb_rows[0].shape[0] if self.emb_rows else 1024,
                                  next((d.shape[0] for d in self.second_rows if d is not None), SECOND_DIM))
        self.n = b.n + len(self.face_ids)
        self.face_ids = [[int(f)] for f in b.face_id.tolist()] + self.face_ids
        #: Per item when its file was last analyzed: its embeddings are the same while this is.
        self.stamp = b.stamp + self.stamp_l
        self.groups = list(zip(b.media_id.tolist(), b.frame_s_obj, strict=True)) + self.groups
        listed = np.stack(self.emb_rows).astype(np.float32) if self.emb_rows else np.zeros((0, b.emb.shape[1]),
                                                                                           np.float32)
        #: faceres' embeddings as stored; :meth:`to_identity_space` replaces them by the fused ones.
        self.emb = np.concatenate([b.emb, listed]) if len(listed) else b.emb
        dim = b.second.shape[1]
        second = np.zeros((len(self.second_rows), dim), np.float32)
        has = np.zeros(len(self.second_rows), dtype=bool)
        for i, d in enumerate(self.second_rows):
            if d is not None and d.shape[0] == dim:  # another dimension than the rest: not comparable,
                second[i], has[i] = d, True          # judged on faceres alone
        self.second = np.concatenate([b.second, second]) if len(second) else b.second
        self.has_second = np.concatenate([b.has_second, has])

        def arr(head: np.ndarray, tail: list, dtype) -> np.ndarray:
            return np.concatenate([head.astype(dtype, copy=False), np.array(tail, dtype=dtype)])

        self.age = arr(b.age, self.age_l, np.float64)
        self.cover_face = arr(b.face_id, self.cover_face_l, np.int64)
        self.quality = arr(b.quality, self.quality_l, np.float64)
        self.birth = arr(b.birth, self.birth_l, np.float64)
        self.time = arr(b.time, self.time_l, np.float64)
        self.p_male = arr(b.p_male, self.pm_l, np.float64)
        self.person = arr(b.person, self.person_l, np.int64)
        self.user = arr(b.user, self.user_l, bool)
        self.removed = arr(b.removed, self.removed_l, bool)

    def to_identity_space(self, params: ClusterParams) -> ClusterParams:
        """Replace the stored embeddings by the fused identity embeddings; returns the parameters to cluster
        them with (see :func:`organizer.cluster.identity_space`)."""
        if not self.n:
            self.faceres = self.emb
            self.emb = np.zeros((0, self.emb.shape[1] + self.second.shape[1]), np.float32)
            return dataclasses.replace(params, centre=False, centre_vector=None)
        #: faceres' embeddings as stored (the review compares each network's opinion).
        self.faceres = self.emb
        self.emb, out = identity_space(self.emb, self.second, self.has_second, self.age, params)
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
        """Store the clustering's assignment for every face the user did not decide.

        One prepared UPDATE run for every changed face (``executemany``): one statement per person cost 2.5 s when
        an incremental run touched 2 700 persons."""
        now = dt.datetime.now().strftime("%Y-%m-%d %H:%M:%S.%f")  # as SQLAlchemy stores a DateTime
        changed = np.flatnonzero(~self.user & ~self.removed & (np.asarray(new_person) != self.person))
        rows = []
        for i in changed.tolist():
            pid = int(new_person[i])
            rows += [(None, None, None, f) if pid < 0 else (pid, DecidedBy.ALGORITHM.value, now, f)
                     for f in self.face_ids[i]]
        if rows:
            # A face the user decided after the faces were read keeps the user's decision.
            s.connection().exec_driver_sql(_ASSIGN, rows)


_ASSIGN = (f"UPDATE {Face.__tablename__} SET person_id = ?, assigned_by = ?, assigned_at = ? "
           f"WHERE id = ? AND (assigned_by IS NULL OR assigned_by = '{DecidedBy.ALGORITHM.value}')")


_Row = namedtuple("_Row", "id media_id frame_s track_id embedding age p_male person_id assigned_by taken_at "
                          "date_source second w h score sharpness frontal expression_p stamp")


def _items_sql(person: bool) -> str:
    return ("SELECT f.id, f.media_id, f.frame_s, f.track_id, f.embedding, f.age, f.p_male, f.person_id, f.assigned_by, "
            "m.taken_at, m.date_source, e.vector, f.w, f.h, f.score, f.sharpness, f.frontal, f.expression_p, "
            "m.indexed_at "
            # CROSS JOIN: faces first, in id order, so no sort of 100 000 rows with their blobs (0.5 s) is needed
            f"FROM {Face.__tablename__} f CROSS JOIN {Media.__tablename__} m ON m.id = f.media_id "
            f"LEFT JOIN {FaceEmbedding.__tablename__} e ON e.face_id = f.id AND e.model = ? "
            "WHERE m.status = ?" + (" AND f.person_id = ?" if person else "") + " ORDER BY f.id")


def current_clustering_space() -> str:
    """The space today's engine clusters in: both identity networks' spaces and the fused space's projection
    (a threshold or persons made in another are not those of this one)."""
    return f"{vision_engine.current_identity_space()}+projection:{projection_id()}"


def load_items(s: Session, second_model: str | None = None, person_id: int | None = None) -> ClusterItems:
    """Every face of the library's readable files as items (``person_id``: only that person's); ``second_model``:
    the second identity network's space to read (default: the one today's engine writes), faces without it have
    none.

    The rows come from the driver's own cursor and the single-face items are built as whole arrays: SQLAlchemy's
    result rows and one Python call per face cost 8 s at 100 000 faces, the query itself 0.4 s.
    """
    second_model = second_model or vision_engine.current_second_model()
    removed = set(s.scalars(select(UserDecision.face_id).where(UserDecision.kind == DecisionKind.REMOVED)))
    cannot_rows = s.execute(select(UserDecision.face_id, UserDecision.person_id)
                            .where(UserDecision.kind == DecisionKind.CANNOT_LINK)).all()
    raw = s.connection().connection.driver_connection
    assert raw is not None
    args: tuple = (second_model, MediaStatus.OK.value) + ((person_id,) if person_id is not None else ())
    rows = raw.execute(_items_sql(person_id is not None), args).fetchall()
    single = [r for r in rows if r[3] is None]
    in_tracks = [_Row(*r)._replace(taken_at=r[9] and dt.datetime.fromisoformat(r[9])) for r in rows if r[3] is not None]
    items = ClusterItems()
    block = _Block.of(single, removed)
    tracks: dict[int, list] = defaultdict(list)
    for r in in_tracks:
        tracks[r.track_id].append(r)
    nan = np.nan
    item_of_face = {int(f): k for k, f in enumerate(block.face_id.tolist())}
    for members in tracks.values():
        # A track is one person seen in one clip: one item with the normalised mean embedding; tracks of the
        # same clip are different persons (the clip's faces were clustered within the clip at indexing).
        quality = face_quality([min(r.w, r.h) for r in members], [r.score for r in members],
                               [nan if r.sharpness is None else r.sharpness for r in members],
                               [nan if r.frontal is None else r.frontal for r in members],
                               [happiness(r.expression_p) for r in members]).tolist()
        _add_item(items, members, quality, group=(members[0].media_id, "clip"),
                  removed=all(m.id in removed for m in members))
        for m in members:
            item_of_face[m.id] = block.n + len(items.face_ids) - 1
    for fid, pid in cannot_rows:
        if fid in item_of_face and pid is not None:
            items.cannot.append((item_of_face[fid], pid))
    items.finish(block)
    # "Different people": every item of one person is not the other person, both ways
    different = s.execute(select(UserDecision.person_id, UserDecision.other_person_id)
                          .where(UserDecision.kind == DecisionKind.DIFFERENT)).all()
    if different:
        of_person: dict[int, list[int]] = defaultdict(list)
        for i, pid in enumerate(items.person.tolist()):
            if pid >= 0:
                of_person[pid].append(i)
        for a, b in different:
            if a is None or b is None:
                continue
            items.cannot += [(i, int(b)) for i in of_person.get(int(a), [])]
            items.cannot += [(i, int(a)) for i in of_person.get(int(b), [])]
    return items


@dataclasses.dataclass
class _Block:
    """Single-face items (photo faces, not video tracks) as arrays, in the order of their rows."""

    face_id: np.ndarray
    media_id: np.ndarray
    frame_s_obj: list  # the photo group's second part, as stored (None for photos)
    emb: np.ndarray
    second: np.ndarray
    has_second: np.ndarray
    age: np.ndarray
    quality: np.ndarray
    birth: np.ndarray
    time: np.ndarray
    p_male: np.ndarray
    person: np.ndarray
    user: np.ndarray
    removed: np.ndarray
    stamp: list  # when its file was last analyzed (media.indexed_at, as stored)

    @property
    def n(self) -> int:
        return int(self.face_id.size)

    @classmethod
    def empty(cls, dim: int, second_dim: int) -> _Block:
        z = np.zeros(0)
        return cls(np.zeros(0, np.int64), np.zeros(0, np.int64), [], np.zeros((0, dim), np.float32),
                   np.zeros((0, second_dim), np.float32), np.zeros(0, bool), z, z, z, z, z, np.zeros(0, np.int64),
                   np.zeros(0, bool), np.zeros(0, bool), [])

    @classmethod
    def of(cls, rows: list[tuple], removed: set[int]) -> _Block:
        n = len(rows)
        if not n:
            return cls.empty(1024, SECOND_DIM)
        (fid, media, frame, _track, emb, age, pm, person, by, taken, source, second, w, h, score, sharp, front,
         expr, stamp) = (list(c) for c in zip(*rows, strict=True))
        f = _stack_blobs(emb)  # stored L2-normalised: read as they are, without a copy
        d_dims = {len(v) for v in second if v is not None}
        d_dim = d_dims.pop() // 4 if len(d_dims) == 1 else SECOND_DIM
        has = np.array([v is not None and len(v) == 4 * d_dim for v in second], dtype=bool)
        d = np.zeros((n, d_dim), np.float32)
        if has.any():
            d[has] = _stack_blobs([v for v, ok in zip(second, has, strict=True) if ok])  # stored L2-normalised
        ages = _floats(age)
        ts = _timestamps(taken)
        src = np.array([str(v) if v is not None else "" for v in source])
        trusted = np.isin(src, list(dates.TRUSTED_SOURCES)) & np.isfinite(ts)
        dated = np.isin(src, list(dates.DAY_SOURCES)) & np.isfinite(ts)
        birth = np.where(trusted & np.isfinite(ages), fractional_years(ts) - ages, np.nan)
        user = np.array([b == DecidedBy.USER.value for b in by], dtype=bool) & np.array([p is not None for p in person])
        return cls(
            face_id=np.array(fid, np.int64), media_id=np.array(media, np.int64), frame_s_obj=frame, emb=f, second=d,
            has_second=has, age=ages,
            quality=face_quality(np.minimum(_floats(w), _floats(h)), _floats(score), _floats(sharp), _floats(front),
                                 [happiness(v) for v in expr]),
            birth=birth, time=np.where(dated, ts, np.nan), p_male=_floats(pm),
            person=np.array([-1 if p is None else p for p in person], np.int64), user=user,
            removed=np.array([i in removed for i in fid], dtype=bool), stamp=stamp)


def _floats(values: list) -> np.ndarray:
    return np.array([np.nan if v is None else v for v in values], dtype=np.float64)


def _stack_blobs(blobs: list[bytes]) -> np.ndarray:
    """Little-endian float32 blobs of one length as the rows of a read-only matrix (no per-row arrays)."""
    return np.frombuffer(b"".join(blobs), dtype="<f4").reshape(len(blobs), -1)


def _timestamps(taken: list) -> np.ndarray:
    """Stored times (SQLite's text) as Unix seconds, read as UTC as :func:`timestamp` does; NaN where none."""
    t = np.array([v if v else "NaT" for v in taken], dtype="datetime64[us]")
    return np.where(np.isnat(t), np.nan, t.astype("datetime64[us]").astype(np.int64) / 1e6)


def fractional_years(ts: np.ndarray) -> np.ndarray:
    """Unix times (seconds, UTC; NaN allowed) as fractional years, as :func:`organizer.cluster.attributes.
    fractional_year` computes one."""
    ok = np.isfinite(ts)
    t = np.where(ok, ts, 0).astype("int64").astype("datetime64[s]")
    year = t.astype("datetime64[Y]")
    start = year.astype("datetime64[s]").astype(np.int64)
    end = (year + 1).astype("datetime64[s]").astype(np.int64)
    frac = 1970 + year.astype(np.int64) + (np.where(ok, ts, 0) - start) / (end - start)
    return np.where(ok, frac, np.nan)


def _unit(v: np.ndarray) -> np.ndarray:
    return v / max(float(np.sqrt(v @ v)), 1e-12)


def _add_item(items: ClusterItems, rows: list, quality: list[float], group: object, removed: bool) -> None:
    one = len(rows) == 1  # the common case, kept free of numpy reductions over tiny lists
    if one:
        emb = _unit(np.frombuffer(rows[0].embedding, dtype="<f4"))
        second = None if rows[0].second is None else _unit(np.frombuffer(rows[0].second, dtype="<f4"))
    else:
        emb = _unit(np.mean([np.frombuffer(r.embedding, dtype="<f4") for r in rows], axis=0))
        seconds = [np.frombuffer(r.second, dtype="<f4") for r in rows if r.second is not None]
        second = None
        if seconds and len({v.shape[0] for v in seconds}) == 1:
            second = _unit(np.mean(seconds, axis=0))
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
    items.second_rows.append(second)
    items.age_l.append(float(age))
    items.birth_l.append(face_birth_year(float(age), ts) if trusted and ages and ts is not None else np.nan)
    items.time_l.append(ts if dated and ts is not None else np.nan)
    items.pm_l.append(np.nan if not pms else (float(pms[0]) if one else float(np.mean(pms))))
    items.groups.append(group)
    user = [r for r in rows if r.assigned_by == DecidedBy.USER and r.person_id is not None]
    items.person_l.append(int(user[0].person_id) if user else (int(rows[0].person_id) if rows[0].person_id else -1))
    items.user_l.append(bool(user))
    items.removed_l.append(removed)
    items.stamp_l.append(getattr(rows[0], "stamp", None))
