# SPDX-License-Identifier: MIT
"""What indexing stores for one file: the records the analysis hands to the writer, and the write itself.

Re-analyzing a file (its content changed, or the analysis did: another model or calibration, see
:mod:`organizer.vision.engine`) keeps what the user decided about its faces: a new face that lies where an old
one was (same frame, boxes overlapping by IoU >= 0.5) updates that face row in place, so its person, its
confirmation and the decisions about it stay; an old face the new analysis does not find is dropped, unless
the user decided something about it (it stays, with its old analysis). A face the user drew (a ``drawn``
decision) is never matched: it stays as drawn, beside any face the new analysis finds over it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import field
from datetime import datetime

import cv2
import numpy as np
from sqlalchemy import delete
from sqlalchemy import select
from sqlalchemy.orm import Session

from organizer.core.types import Face
from organizer.db import repo
from organizer.db.models import DateSource
from organizer.db.models import DecidedBy
from organizer.db.models import DecisionKind
from organizer.db.models import Face as FaceRow
from organizer.db.models import FaceEmbedding
from organizer.db.models import Media
from organizer.db.models import MediaKind
from organizer.db.models import MediaStatus
from organizer.db.models import UserDecision
from organizer.db.models import VideoTrack
from organizer.media import dates
from organizer.media.decode import DecodedImage
from organizer.vision.expression import label_of

#: A new face continues an old face row of the same file and frame when their boxes overlap at least this much.
SAME_FACE_IOU = 0.5

# Records handed from the analysis thread to the writer: plain data, no ORM objects across threads.

@dataclass(slots=True)
class FaceRecord:
    face: Face
    frame_s: float | None
    thumbnail: bytes | None
    track: int | None = None


@dataclass(slots=True)
class MediaRecord:
    path: str
    folder_id: int | None
    kind: str
    size: int
    mtime_ns: int
    fingerprint: str | None = None
    width: int | None = None
    height: int | None = None
    orientation: int | None = None
    duration_s: float | None = None
    taken: dates.TakenAt | None = None
    #: Why the file could not be indexed, in plain words, and the technical cause (for the log and a tooltip).
    error: str | None = None
    error_detail: str | None = None
    faces: list[FaceRecord] = field(default_factory=list)
    #: Per track: (L2-normalised mean embedding, member indices into ``faces``).
    tracks: list[tuple[np.ndarray, tuple[int, ...]]] = field(default_factory=list)

    def fail(self, error: str, detail: str | None = None) -> None:
        """The file cannot be indexed: it keeps no faces of this run."""
        self.error, self.error_detail, self.faces, self.tracks = error, detail, [], []



@dataclass(frozen=True, slots=True)
class Analysis:
    """The identifiers stored with what an engine produced (see :mod:`organizer.vision.engine`)."""

    embedding_model: str
    analysis_id: str
    #: The second identity network's space (None: the engine has none, no ``face_embedding`` rows are written).
    second_model: str | None = None


def thumbnail(image: DecodedImage, face: Face, side: int) -> bytes | None:
    """A small square JPEG around the face, cut from the decoded pixels."""
    s = image.scale
    b = face.detection.box
    cx, cy = (b.x + b.w / 2) * s, (b.y + b.h / 2) * s
    half = max(b.w, b.h) * s * 0.65
    ph, pw = image.pixels.shape[:2]
    x1, y1 = max(0, int(cx - half)), max(0, int(cy - half))
    x2, y2 = min(pw, int(cx + half)), min(ph, int(cy + half))
    if x2 - x1 < 2 or y2 - y1 < 2:
        return None
    crop = cv2.resize(image.pixels[y1:y2, x1:x2], (side, side), interpolation=cv2.INTER_AREA)
    ok, buf = cv2.imencode(".jpg", cv2.cvtColor(crop, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, 85])
    return buf.tobytes() if ok else None



def iou(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> float:
    """Intersection over union of two ``(x, y, w, h)`` boxes."""
    ix = max(0.0, min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = a[2] * a[3] + b[2] * b[3] - inter
    return inter / union if union > 0 else 0.0


def _same_frame(a: float | None, b: float | None) -> bool:
    return (a is None and b is None) or (a is not None and b is not None and abs(a - b) < 1e-3)


def match_faces(old: list[tuple[float | None, tuple[float, float, float, float]]],
                new: list[tuple[float | None, tuple[float, float, float, float]]]) -> dict[int, int]:
    """``{new index: old index}``: each new face to the old face of its frame it overlaps most (IoU >= 0.5),
    greedily by overlap, each old face used at most once."""
    pairs = sorted(((iou(nb, ob), n, o) for n, (nf, nb) in enumerate(new) for o, (of, ob) in enumerate(old)
                    if _same_frame(nf, of)), reverse=True)
    out: dict[int, int] = {}
    used: set[int] = set()
    for v, n, o in pairs:
        if v < SAME_FACE_IOU:
            break
        if n not in out and o not in used:
            out[n] = o
            used.add(o)
    return out


def write_media(rec: MediaRecord, analysis: Analysis) -> Callable[[Session], None]:
    """The writer operation for one analyzed (or unreadable) file: media row, tracks, faces in one go."""

    def op(s: Session) -> None:
        m = repo.media_by_path(s, rec.path)
        if m is None:
            m = Media(path=rec.path)
            s.add(m)
        m.folder_id = rec.folder_id
        m.kind = MediaKind(rec.kind)
        m.size, m.mtime_ns, m.fingerprint = rec.size, rec.mtime_ns, rec.fingerprint
        m.width, m.height, m.orientation, m.duration_s = rec.width, rec.height, rec.orientation, rec.duration_s
        if rec.taken is not None:
            m.taken_at, m.taken_at_offset_min = rec.taken.local, rec.taken.offset_min
            m.date_source = DateSource(rec.taken.source)
        else:
            m.taken_at = m.taken_at_offset_min = m.date_source = None
        m.status = MediaStatus.ERROR if rec.error else MediaStatus.OK
        m.error, m.error_detail = rec.error, rec.error_detail
        m.analysis_id = None if rec.error else analysis.analysis_id
        m.indexed_at = datetime.now()
        s.flush()
        old_tracks = list(s.scalars(select(VideoTrack.id).where(VideoTrack.media_id == m.id)))
        track_rows = []
        for emb, members in rec.tracks:
            times = [rec.faces[i].frame_s or 0.0 for i in members]
            t = VideoTrack(media_id=m.id, embedding=emb.astype("<f4").tobytes(),
                           embedding_model=analysis.embedding_model, embedding_dim=int(emb.shape[0]),
                           n_faces=len(members), first_s=min(times), last_s=max(times))
            s.add(t)
            track_rows.append(t)
        if track_rows:
            s.flush()
        old = list(s.scalars(select(FaceRow).where(FaceRow.media_id == m.id).order_by(FaceRow.id)))
        if rec.error:
            # An unreadable file keeps nothing of an earlier analysis but the faces the user decided about.
            rec_faces: list[FaceRecord] = []
        else:
            rec_faces = rec.faces
        # A face the user drew stays as drawn: no detected face takes its row (both are kept if they overlap).
        drawn = set(s.scalars(select(UserDecision.face_id).where(
            UserDecision.kind == DecisionKind.DRAWN, UserDecision.face_id.in_([f.id for f in old]))))
        old = [f for f in old if f.id not in drawn]
        matched = match_faces([(f.frame_s, (f.x, f.y, f.w, f.h)) for f in old],
                              [(fr.frame_s, _box(fr.face)) for fr in rec_faces])
        rows = []
        for k, fr in enumerate(rec_faces):
            row = old[matched[k]] if k in matched else FaceRow(media_id=m.id)
            _fill_face(row, fr, track_rows[fr.track].id if fr.track is not None else None, analysis)
            if k not in matched:
                s.add(row)
            rows.append(row)
        _write_second_embeddings(s, rows, rec_faces, analysis)
        kept = {old[o].id for o in matched.values()}
        decided = set(s.scalars(select(UserDecision.face_id).where(UserDecision.face_id.in_([f.id for f in old]))))
        drop = [f.id for f in old if f.id not in kept and f.id not in decided and f.assigned_by != DecidedBy.USER]
        if drop:
            s.execute(delete(FaceRow).where(FaceRow.id.in_(drop)))
        if old_tracks:
            s.flush()
            s.execute(delete(VideoTrack).where(VideoTrack.id.in_(old_tracks)))

    return op


def add_face(s: Session, media_id: int, fr: FaceRecord, analysis: Analysis) -> FaceRow:
    """A new face row of a media file (and its second network's embedding), as indexing writes one."""
    row = FaceRow(media_id=media_id)
    _fill_face(row, fr, None, analysis)
    s.add(row)
    _write_second_embeddings(s, [row], [fr], analysis)
    return row


def _box(face: Face) -> tuple[float, float, float, float]:
    b = face.detection.box
    return (b.x, b.y, b.w, b.h)


def _write_second_embeddings(s: Session, rows: list[FaceRow], faces: list[FaceRecord], analysis: Analysis) -> None:
    """The second network's embeddings of the faces just written, replacing whatever an earlier analysis left
    (of any network: an analysis that finds no usable chip for a face leaves it none)."""
    if not rows:
        return
    s.flush()  # the new faces' ids
    ids = [r.id for r in rows]
    s.execute(delete(FaceEmbedding).where(FaceEmbedding.face_id.in_(ids)))
    if analysis.second_model is None:
        return
    for row, fr in zip(rows, faces, strict=True):
        e = fr.face.attributes.second_embedding
        if e is not None:
            s.add(FaceEmbedding(face_id=row.id, model=analysis.second_model, dim=int(e.shape[0]),
                                vector=np.asarray(e, dtype="<f4").tobytes()))


def _fill_face(row: FaceRow, fr: FaceRecord, track_id: int | None, analysis: Analysis) -> None:
    d, a = fr.face.detection, fr.face.attributes
    row.frame_s, row.track_id = fr.frame_s, track_id
    row.x, row.y, row.w, row.h = d.box.x, d.box.y, d.box.w, d.box.h
    row.landmarks = [[float(x), float(y)] for x, y in d.landmarks]
    row.score = float(d.score)
    row.embedding = np.asarray(a.embedding, dtype="<f4").tobytes()
    row.embedding_model, row.embedding_dim = analysis.embedding_model, int(a.embedding.shape[0])
    row.p_male, row.age = float(a.p_male), float(a.age)
    row.age_probs = np.asarray(a.age_probs, dtype="<f2").tobytes()
    row.thumbnail = fr.thumbnail
    row.sharpness, row.frontal = a.sharpness, a.frontal
    e = a.expression
    row.expression = None if e is None else label_of(e)
    row.expression_p = None if e is None else np.asarray(e, dtype="<f4").tobytes()
