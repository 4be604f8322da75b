# SPDX-License-Identifier: MIT
"""Indexing: folders of photos and videos into the library, incrementally.

Design
======
``IndexService.run(roots, cancel)`` is a generator: it yields :class:`Progress` events and checks the
:class:`CancelToken` between files, so the CLI prints a progress bar and the GUI adapts it to signals.

Phases: register the folders, walk them (:mod:`organizer.scan.walker`), compare with the library
(:mod:`organizer.scan.planner`): unchanged files (same size and mtime) cost one dictionary look-up;
files gone from a scanned folder are marked ``missing`` (kept, with their faces); a new path whose
content fingerprint and size equal a missing file's is a move, and the row follows it with its faces
and person assignments. Only new and changed files are analysed.

Threads (2 cores): decoding overlaps with inference.

* a decode pool (``decode_workers`` threads, default 1) reads each file once into memory,
  fingerprints it, reads its EXIF date, checks the header (decompression bombs are refused before
  any pixel buffer) and decodes it at reduced size (JPEG DCT scaling). OpenCV and Pillow release
  the GIL while decoding, so this runs beside inference;
* the generator's own thread runs the face analyser (ONNX Runtime with its own intra-op threads)
  in file order, a bounded number of files behind the decoders (bounded memory);
* exactly one writer thread owns the only write Session: SQLite has one writer, and one thread
  that commits in batches (every ``commit_every`` files or ``commit_interval_s``) avoids
  "database is locked" and makes a commit cost ~1 ms per file. Each file's media row, tracks and
  faces go in the same transaction, so a kill at any moment leaves either all of a file or none;
  the path is UNIQUE, so a rerun cannot duplicate it, and it simply re-analyses what was not committed.

Crash isolation: videos are demuxed and decoded by FFmpeg (through PyAV) in a separate worker
process (``ProcessPoolExecutor``, spawn): FFmpeg parses many container and codec formats in C and is
the decoder most likely to crash or hang on a hostile file. If the worker dies the file gets an error
status, a new worker is started and the scan goes on; a hung worker is killed after
``video_timeout_s``. Photos are decoded in-process: their header is validated first (size limits,
truncation), Pillow/OpenCV decoders are far smaller attack surfaces, and shipping decoded frames back
through a pipe for every photo would cost time and memory on 2 cores.
"""

from __future__ import annotations

import contextlib
import logging
import os
import time
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Iterator
from collections.abc import Sequence
from concurrent.futures import Future
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from dataclasses import field
from datetime import datetime
from typing import Protocol

import cv2
import numpy as np

from organizer.core.errors import MediaError
from organizer.core.progress import CancelToken
from organizer.core.progress import Progress
from organizer.core.types import Face
from organizer.db import repo
from organizer.db.engine import write_sessions
from organizer.db.models import DateSource
from organizer.db.models import Face as FaceRow
from organizer.db.models import LibraryFolder
from organizer.db.models import Media
from organizer.db.models import MediaKind
from organizer.db.models import MediaStatus
from organizer.db.models import VideoTrack
from organizer.media import dates
from organizer.media.decode import DecodedImage
from organizer.media.decode import ImageHeader
from organizer.media.decode import decode
from organizer.media.decode import probe
from organizer.media.decode import read_bytes
from organizer.media.video import FramePolicy
from organizer.scan import walker
from organizer.scan.fingerprint import fingerprint_bytes
from organizer.scan.fingerprint import fingerprint_path
from organizer.scan.planner import KnownMedia
from organizer.scan.planner import Plan
from organizer.scan.planner import plan
from organizer.services.index_workers import DbWriter
from organizer.services.index_workers import VideoReader
from organizer.services.tracks import TRACK_THRESHOLD
from organizer.services.tracks import group_clip

log = logging.getLogger(__name__)


class FaceEngine(Protocol):
    """What indexing needs from the face analyser (``organizer.vision``), so tests can fake it."""

    #: Identifies the models (stored with every embedding).
    model_id: str
    #: JPEGs are decoded at reduced size as long as the longer side stays at least this long.
    crop_side: int

    def analyze_image(self, image: DecodedImage) -> list[Face]: ...


class AnalyzerEngine:
    """Adapts :class:`organizer.vision.analyzer.FaceAnalyzer` to :class:`FaceEngine`."""

    def __init__(self, analyzer) -> None:
        from organizer.vision import models

        self._analyzer = analyzer
        self.crop_side = analyzer.settings.crop_side
        self.model_id = f"faceres:{models.FACERES.sha256[:12]}"

    def analyze_image(self, image: DecodedImage) -> list[Face]:
        return self._analyzer.analyze_image(image)


@dataclass(frozen=True, slots=True)
class IndexSettings:
    decode_workers: int = 1
    #: Files decoded ahead of inference (bounds memory).
    prefetch: int = 3
    commit_every: int = 50
    commit_interval_s: float = 2.0
    frames: FramePolicy = field(default_factory=FramePolicy)
    #: Decode videos in a worker process (see the module docstring).
    isolate_videos: bool = True
    video_timeout_s: float = 300.0
    thumb_side: int = 96
    track_threshold: float = TRACK_THRESHOLD


@dataclass(slots=True)
class IndexSummary:
    roots: list[str] = field(default_factory=list)
    found: int = 0
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    moved: int = 0
    missing: int = 0
    analysed: int = 0
    photos: int = 0
    videos: int = 0
    faces: int = 0
    #: ``(path, message)`` of files that could not be read (this run).
    errors: list[tuple[str, str]] = field(default_factory=list)
    cancelled: bool = False
    seconds: float = 0.0
    scan_seconds: float = 0.0


# ---------------------------------------------------------------------------------------------------------
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
    error: str | None = None
    faces: list[FaceRecord] = field(default_factory=list)
    #: Per track: (L2-normalised mean embedding, member indices into ``faces``).
    tracks: list[tuple[np.ndarray, tuple[int, ...]]] = field(default_factory=list)


@dataclass(slots=True)
class _Prepared:
    """A file read and decoded by the decode pool, ready for inference."""

    record: MediaRecord
    #: Photos: one image; videos: ``(time, image)`` per sampled frame.
    images: list[tuple[float | None, DecodedImage]] = field(default_factory=list)


def _video_header(w: int, h: int) -> ImageHeader:
    return ImageHeader(format="VIDEO", stored_width=w, stored_height=h, orientation=1)


def _thumbnail(image: DecodedImage, face: Face, side: int) -> bytes | None:
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


def _write_media(rec: MediaRecord, model_id: str) -> Callable:
    """The writer operation for one analysed (or unreadable) file: media row, tracks, faces in one go."""

    def op(s) -> None:
        m = repo.media_by_path(s, rec.path)
        if m is None:
            m = Media(path=rec.path)
            s.add(m)
        else:
            repo.clear_analysis(s, m.id)
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
        m.error = rec.error
        m.analysis_id = None if rec.error else model_id
        m.indexed_at = datetime.now()
        s.flush()
        track_rows = []
        for emb, members in rec.tracks:
            times = [rec.faces[i].frame_s or 0.0 for i in members]
            t = VideoTrack(media_id=m.id, embedding=emb.astype("<f4").tobytes(), embedding_model=model_id,
                           embedding_dim=int(emb.shape[0]), n_faces=len(members), first_s=min(times),
                           last_s=max(times))
            s.add(t)
            track_rows.append(t)
        if track_rows:
            s.flush()
        for fr in rec.faces:
            d, a = fr.face.detection, fr.face.attributes
            s.add(FaceRow(
                media_id=m.id, frame_s=fr.frame_s,
                track_id=track_rows[fr.track].id if fr.track is not None else None,
                x=d.box.x, y=d.box.y, w=d.box.w, h=d.box.h,
                landmarks=[[float(x), float(y)] for x, y in d.landmarks], score=float(d.score),
                embedding=np.asarray(a.embedding, dtype="<f4").tobytes(), embedding_model=model_id,
                embedding_dim=int(a.embedding.shape[0]), p_male=float(a.p_male), age=float(a.age),
                age_probs=np.asarray(a.age_probs, dtype="<f2").tobytes(), thumbnail=fr.thumbnail,
            ))

    return op


class IndexService:
    """Scans library folders and stores media, dates and faces (see the module docstring)."""

    def __init__(self, sessions, engine: FaceEngine | Callable[[], FaceEngine],
                 settings: IndexSettings | None = None) -> None:
        """
        Args:
            sessions: a ``sessionmaker`` of the library.
            engine: the face analyser, or a function creating it (called only when something needs analysis,
                so an unchanged library re-indexes without loading the models).
        """
        self._sessions = sessions
        self._engine_or_factory = engine
        self._engine: FaceEngine | None = None
        self.settings = settings or IndexSettings()
        self.summary = IndexSummary()

    @property
    def engine(self) -> FaceEngine:
        if self._engine is None:
            e = self._engine_or_factory
            self._engine = e() if callable(e) and not hasattr(e, "analyze_image") else e  # type: ignore[assignment]
        return self._engine  # type: ignore[return-value]

    # -- the job ------------------------------------------------------------------------------------------

    def run(self, roots: Iterable[str | os.PathLike[str]], cancel: CancelToken | None = None) -> Iterator[Progress]:
        cancel = cancel or CancelToken()
        t0 = time.monotonic()
        roots = list(dict.fromkeys(walker.normalise_root(r) for r in roots))
        summary = self.summary = IndexSummary(roots=roots)

        with write_sessions(self._sessions).begin() as s:
            folder_ids = repo.add_folders(s, roots)
            known = repo.known_media(s)

        found = []
        walk_errors: list[tuple[str, str]] = []
        for f in walker.walk(roots, walk_errors):
            found.append(f)
            if len(found) % 1000 == 0:
                yield Progress("scan", len(found), 0, f.path)
                if cancel.cancelled:
                    break
        summary.found = len(found)
        summary.errors.extend(walk_errors)
        p = plan(found, known, roots)
        summary.unchanged, summary.changed, summary.missing = len(p.unchanged), len(p.changed), len(p.missing)

        writer = DbWriter(write_sessions(self._sessions), self.settings.commit_every, self.settings.commit_interval_s)
        writer.start()
        try:
            if not cancel.cancelled:
                self._apply_moves_and_missing(p, known, folder_ids, writer)
                summary.new = len(p.new)
                to_do = [(f, folder_ids.get(self._root_of(f.path, roots))) for f in p.new]
                to_do += [(f, folder_ids.get(self._root_of(f.path, roots))) for f, _k in p.changed]
                summary.scan_seconds = time.monotonic() - t0
                yield Progress("analyse", 0, len(to_do))
                yield from self._analyse(to_do, writer, cancel)
            if not cancel.cancelled:
                def finish(s) -> None:
                    for fid in set(folder_ids.values()):
                        folder = s.get(LibraryFolder, fid)
                        if folder is not None:
                            folder.last_scan_at = datetime.now()

                writer.submit(finish)
        finally:
            writer.close()
        summary.cancelled = cancel.cancelled
        summary.seconds = time.monotonic() - t0
        yield Progress("done", summary.analysed, summary.analysed, None, summary.faces, len(summary.errors))

    @staticmethod
    def _root_of(path: str, roots: Sequence[str]) -> str:
        from organizer.scan.planner import is_under

        return next((r for r in roots if is_under(path, r)), roots[0])

    def _apply_moves_and_missing(self, p: Plan, known: dict[str, KnownMedia], folder_ids: dict[str, int],
                                 writer: DbWriter) -> None:
        # Candidates for a move: files missing now or before. Only new files of the same size are fingerprinted.
        gone = {k.id: k for k in p.missing}
        gone.update({k.id: k for k in known.values() if k.status == "missing"})
        for _f, k in p.returned:
            gone.pop(k.id, None)
        by_size: dict[int, list[KnownMedia]] = {}
        for k in gone.values():
            if k.fingerprint:
                by_size.setdefault(k.size, []).append(k)
        moved_ids: set[int] = set()
        still_new = []
        for f in p.new:
            cands = [k for k in by_size.get(f.size, ()) if k.id not in moved_ids]
            match = None
            if cands:
                try:
                    fp = fingerprint_path(f.path)
                except OSError:
                    fp = None
                match = next((k for k in cands if k.fingerprint == fp), None)
            if match is None:
                still_new.append(f)
                continue
            moved_ids.add(match.id)
            fid = folder_ids.get(self._root_of(f.path, self.summary.roots))
            writer.submit(lambda s, i=match.id, f=f, fid=fid: repo.move(s, i, f.path, f.mtime_ns, fid))
        p.new = still_new
        self.summary.moved = len(moved_ids)
        missing_ids = [k.id for k in p.missing if k.id not in moved_ids]
        self.summary.missing = len(missing_ids)
        if missing_ids:
            writer.submit(lambda s: repo.mark_missing(s, missing_ids))
        for _f, k in p.returned:
            writer.submit(lambda s, i=k.id: repo.restore(s, i))

    def _analyse(self, to_do, writer: DbWriter, cancel: CancelToken) -> Iterator[Progress]:
        summary = self.summary
        if not to_do:
            return
        engine = self.engine
        videos = VideoReader(self.settings.isolate_videos, self.settings.video_timeout_s)
        pool = ThreadPoolExecutor(max_workers=max(1, self.settings.decode_workers), thread_name_prefix="decode")
        pending: list[Future[_Prepared]] = []
        it = iter(to_do)
        try:
            def refill() -> None:
                while len(pending) < self.settings.prefetch + self.settings.decode_workers and not cancel.cancelled:
                    nxt = next(it, None)
                    if nxt is None:
                        return
                    pending.append(pool.submit(self._prepare, nxt[0], nxt[1], engine.crop_side, videos))

            refill()
            done = 0
            while pending and not cancel.cancelled:
                prepared = pending.pop(0).result()
                refill()
                rec = prepared.record
                if rec.error is None:
                    try:
                        self._infer(prepared, engine)
                    except MediaError as e:
                        rec.error, rec.faces, rec.tracks = str(e), [], []
                    except Exception as e:  # a model failure on one odd image must not stop the scan
                        log.exception("Analysis failed for %s", rec.path)
                        rec.error, rec.faces, rec.tracks = f"analysis failed: {e}", [], []
                if rec.error:
                    summary.errors.append((rec.path, rec.error))
                writer.submit(_write_media(rec, engine.model_id))
                done += 1
                summary.analysed = done
                summary.faces += len(rec.faces)
                if rec.kind == "video":
                    summary.videos += 1
                else:
                    summary.photos += 1
                yield Progress("analyse", done, len(to_do), rec.path, summary.faces, len(summary.errors))
        finally:
            for f in pending:
                f.cancel()
            pool.shutdown(wait=True, cancel_futures=True)
            videos.close()

    def _prepare(self, f: walker.FoundFile, folder_id: int | None, crop_side: int, videos: VideoReader) -> _Prepared:
        """Decode-pool work: read, fingerprint, date and decode one file. Never raises."""
        rec = MediaRecord(path=f.path, folder_id=folder_id, kind=f.kind, size=f.size, mtime_ns=f.mtime_ns)
        out = _Prepared(rec)
        try:
            if f.kind == "photo":
                data = read_bytes(f.path)
                rec.size = len(data)
                rec.fingerprint = fingerprint_bytes(data)
                rec.taken = dates.exif_taken_at(data)
                header = probe(data)
                rec.width, rec.height, rec.orientation = header.width, header.height, header.orientation
                out.images.append((None, decode(data, min_side=crop_side, header=header)))
            else:
                with contextlib.suppress(OSError):
                    rec.fingerprint = fingerprint_path(f.path)
                v = videos.read(f.path, self.settings.frames)
                rec.width, rec.height, rec.orientation = v.info.width, v.info.height, v.info.rotation
                rec.duration_s, rec.taken = v.info.duration_s, v.info.taken_at
                hdr = _video_header(v.info.width, v.info.height)
                for t, px in v.frames:
                    out.images.append((t, DecodedImage(pixels=px, width=v.info.width, height=v.info.height,
                                                       header=hdr)))
        except MediaError as e:
            rec.error = str(e)
        except MemoryError:
            rec.error = "not enough memory to decode this file"
        except Exception as e:  # any decoder surprise ends as this file's error, never the scan's
            log.exception("Unexpected error reading %s", f.path)
            rec.error = f"cannot read: {e}"
        if rec.taken is None:
            rec.taken = dates.file_taken_at(f.mtime_ns)
        return out

    def _infer(self, prepared: _Prepared, engine: FaceEngine) -> None:
        rec = prepared.record
        side = self.settings.thumb_side
        for t, image in prepared.images:
            for face in engine.analyze_image(image):
                rec.faces.append(FaceRecord(face, t, _thumbnail(image, face, side)))
        if rec.kind == "video" and rec.faces:
            emb = np.stack([np.asarray(fr.face.attributes.embedding, np.float32) for fr in rec.faces])
            tracks = group_clip([fr.frame_s or 0.0 for fr in rec.faces], emb, self.settings.track_threshold)
            for ti, tr in enumerate(tracks):
                for i in tr.members:
                    rec.faces[i].track = ti
                rec.tracks.append((tr.embedding, tr.members))
