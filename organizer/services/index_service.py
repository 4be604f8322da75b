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
and person assignments. Only new and changed files are analyzed.

Threads (2 cores): decoding overlaps with inference.

* a decode pool (``decode_workers`` threads, default 1) reads each file once into memory,
  fingerprints it, reads its EXIF date, checks the header (decompression bombs are refused before
  any pixel buffer) and decodes it at reduced size (JPEG DCT scaling). OpenCV and Pillow release
  the GIL while decoding, so this runs beside inference;
* the generator's own thread runs the face analyzer (ONNX Runtime with its own intra-op threads)
  in file order, a bounded number of files behind the decoders (bounded memory);
* exactly one writer thread owns the only write Session: SQLite has one writer, and one thread
  that commits in batches (every ``commit_every`` files or ``commit_interval_s``) avoids
  "database is locked" and makes a commit cost ~1 ms per file. Each file's media row, tracks and
  faces go in the same transaction, so a kill at any moment leaves either all of a file or none;
  the path is UNIQUE, so a rerun cannot duplicate it, and it simply re-analyzes what was not committed.

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
from collections.abc import Generator
from collections.abc import Iterable
from collections.abc import Iterator
from collections.abc import Sequence
from concurrent.futures import Future
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from dataclasses import field
from datetime import datetime

import numpy as np
from sqlalchemy.orm import Session
from sqlalchemy.orm import sessionmaker

from organizer.core.errors import MediaError
from organizer.core.progress import CancelToken
from organizer.core.progress import Progress
from organizer.core.vocabulary import KnownMedia
from organizer.core.vocabulary import Phase
from organizer.core.vocabulary import is_under
from organizer.db import repo
from organizer.db.engine import write_sessions
from organizer.db.models import LibraryFolder
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
from organizer.scan.planner import Plan
from organizer.scan.planner import plan
from organizer.services.index_records import Analysis
from organizer.services.index_records import FaceRecord
from organizer.services.index_records import MediaRecord
from organizer.services.index_records import thumbnail
from organizer.services.index_records import write_media
from organizer.services.index_workers import DbWriter
from organizer.services.index_workers import VideoReader
from organizer.services.region_import import PersonNames
from organizer.services.region_import import PhotoRegions
from organizer.services.region_import import read_photo_regions
from organizer.services.region_import import with_regions
from organizer.services.tracks import TRACK_THRESHOLD
from organizer.services.tracks import group_clip
from organizer.vision.engine import FaceEngine

log = logging.getLogger(__name__)


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
    #: The analysis the library should hold (:func:`organizer.vision.engine.analysis_id`): files analyzed
    #: otherwise (another model or calibration) are analyzed again. None: files are re-analyzed only when
    #: their content changes.
    analysis_id: str | None = None


@dataclass(slots=True)
class IndexSummary:
    roots: list[str] = field(default_factory=list)
    found: int = 0
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    moved: int = 0
    missing: int = 0
    analyzed: int = 0
    photos: int = 0
    videos: int = 0
    faces: int = 0
    #: ``(path, message)`` of files that could not be read (this run).
    errors: list[tuple[str, str]] = field(default_factory=list)
    #: Unchanged files analyzed again because the analysis changed (another model or calibration).
    reanalyzed: int = 0
    #: ``(path, message)`` of files indexed with a problem (their face regions: organizer.services.region_import).
    warnings: list[tuple[str, str]] = field(default_factory=list)
    cancelled: bool = False
    seconds: float = 0.0
    scan_seconds: float = 0.0


@dataclass(slots=True)
class _Prepared:
    """A file read and decoded by the decode pool, ready for inference."""

    record: MediaRecord
    #: Photos: one image; videos: ``(time, image)`` per sampled frame.
    images: list[tuple[float | None, DecodedImage]] = field(default_factory=list)
    #: The face regions other tools wrote (None: not read, see organizer.services.region_import).
    regions: PhotoRegions | None = None


def _video_header(w: int, h: int) -> ImageHeader:
    return ImageHeader(format="VIDEO", stored_width=w, stored_height=h, orientation=1)



class IndexService:
    """Scans library folders and stores media, dates and faces (see the module docstring)."""

    def __init__(self, sessions: sessionmaker[Session], engine: Callable[[], FaceEngine],
                 settings: IndexSettings | None = None) -> None:
        """
        Args:
            sessions: a ``sessionmaker`` of the library.
            engine: creates the face analyzer; called only when something needs analysis, so an unchanged
                library re-indexes without loading the models.
        """
        self._sessions = sessions
        self._make_engine = engine
        self.settings = settings or IndexSettings()

    # -- the job ------------------------------------------------------------------------------------------

    def run(self, roots: Iterable[str | os.PathLike[str]],
            cancel: CancelToken | None = None) -> Generator[Progress, None, IndexSummary]:
        """Index ``roots``: yields progress, returns the :class:`IndexSummary` (``summary = yield from run(...)``
        or :func:`organizer.core.progress.drive`)."""
        cancel = cancel or CancelToken()
        t0 = time.monotonic()
        roots = list(dict.fromkeys(walker.normalise_root(r) for r in roots))
        summary = IndexSummary(roots=roots)

        with write_sessions(self._sessions).begin() as s:
            folder_ids = repo.add_folders(s, roots)
            known = repo.known_media(s)
            stale = repo.stale_analysis(s, self.settings.analysis_id) if self.settings.analysis_id else set()

        found = []
        walk_errors: list[tuple[str, str]] = []
        for f in walker.walk(roots, walk_errors):
            found.append(f)
            if len(found) % 1000 == 0:
                yield Progress(Phase.SCAN, len(found), 0, f.path)
                if cancel.cancelled:
                    break
        summary.found = len(found)
        summary.errors.extend(walk_errors)
        p = plan(found, known, roots)
        if stale:
            # analyzed by another model or calibration: analyzed again, like a changed file
            by_path = {f.path: f for f in found}
            p.changed += [(by_path[k.path], k) for k in p.unchanged if k.id in stale]
            p.unchanged = [k for k in p.unchanged if k.id not in stale]
            summary.reanalyzed = sum(k.id in stale for _f, k in p.changed)
        summary.unchanged, summary.changed, summary.missing = len(p.unchanged), len(p.changed), len(p.missing)

        writer = DbWriter(write_sessions(self._sessions), self.settings.commit_every, self.settings.commit_interval_s)
        writer.start()
        try:
            if not cancel.cancelled:
                self._apply_moves_and_missing(p, known, folder_ids, writer, summary)
                summary.new = len(p.new)
                # regions are read for new and changed files, not for those analyzed again for the analysis' sake
                to_do = [(f, folder_ids.get(self._root_of(f.path, roots)), True) for f in p.new]
                to_do += [(f, folder_ids.get(self._root_of(f.path, roots)), k.id not in stale) for f, k in p.changed]
                summary.scan_seconds = time.monotonic() - t0
                yield Progress(Phase.ANALYZE, 0, len(to_do))
                yield from self._analyze(to_do, writer, cancel, summary)
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
        yield Progress(Phase.DONE, summary.analyzed, summary.analyzed, None, summary.faces, len(summary.errors))
        return summary

    @staticmethod
    def _root_of(path: str, roots: Sequence[str]) -> str:
        return next((r for r in roots if is_under(path, r)), roots[0])

    def _apply_moves_and_missing(self, p: Plan, known: dict[str, KnownMedia], folder_ids: dict[str, int],
                                 writer: DbWriter, summary: IndexSummary) -> None:
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
            fid = folder_ids.get(self._root_of(f.path, summary.roots))
            writer.submit(lambda s, i=match.id, f=f, fid=fid: repo.move(s, i, f.path, f.mtime_ns, fid))
        p.new = still_new
        summary.moved = len(moved_ids)
        missing_ids = [k.id for k in p.missing if k.id not in moved_ids]
        summary.missing = len(missing_ids)
        if missing_ids:
            writer.submit(lambda s: repo.mark_missing(s, missing_ids))
        for _f, k in p.returned:
            writer.submit(lambda s, i=k.id: repo.restore(s, i))

    def _analyze(self, to_do: list[tuple[walker.FoundFile, int | None, bool]], writer: DbWriter, cancel: CancelToken,
                 summary: IndexSummary) -> Iterator[Progress]:
        if not to_do:
            return
        engine = self._make_engine()
        analysis = Analysis(engine.embedding_model, engine.analysis_id, engine.second_model)
        if self.settings.analysis_id is not None and analysis.analysis_id != self.settings.analysis_id:
            log.warning("The face engine's analysis %s is not the one planned for (%s)", analysis.analysis_id,
                        self.settings.analysis_id)
        videos = VideoReader(self.settings.isolate_videos, self.settings.video_timeout_s)
        pool = ThreadPoolExecutor(max_workers=max(1, self.settings.decode_workers), thread_name_prefix="decode")
        pending: list[Future[_Prepared]] = []
        names = PersonNames()
        it = iter(to_do)
        try:
            def refill() -> None:
                while len(pending) < self.settings.prefetch + self.settings.decode_workers and not cancel.cancelled:
                    nxt = next(it, None)
                    if nxt is None:
                        return
                    pending.append(pool.submit(self._prepare, nxt[0], nxt[1], engine.crop_side, videos, nxt[2]))

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
                        rec.fail(str(e), e.detail)
                    except Exception as e:  # a model failure on one odd image must not stop the scan
                        log.exception("Analysis failed for %s", rec.path)
                        rec.fail("Organizer could not analyze this photo", f"{type(e).__name__}: {e}")
                if rec.error:
                    summary.errors.append((rec.path, rec.error))
                op = write_media(rec, analysis)
                if prepared.regions is not None and rec.error is None:
                    op = with_regions(op, prepared.regions, rec, prepared.images[0][1], engine,
                                      self.settings.thumb_side, analysis, names)
                    for w in prepared.regions.warnings:
                        log.warning("%s: %s", rec.path, w)
                        summary.warnings.append((rec.path, w))
                writer.submit(op)
                done += 1
                summary.analyzed = done
                summary.faces += len(rec.faces)
                if rec.kind == "video":
                    summary.videos += 1
                else:
                    summary.photos += 1
                yield Progress(Phase.ANALYZE, done, len(to_do), rec.path, summary.faces, len(summary.errors))
        finally:
            for f in pending:
                f.cancel()
            pool.shutdown(wait=True, cancel_futures=True)
            videos.close()

    def _prepare(self, f: walker.FoundFile, folder_id: int | None, crop_side: int, videos: VideoReader,
                 regions: bool = False) -> _Prepared:
        """Decode-pool work: read, fingerprint, date and decode one file, and read its face regions if
        ``regions``. Never raises."""
        rec = MediaRecord(path=f.path, folder_id=folder_id, kind=f.kind, size=f.size, mtime_ns=f.mtime_ns)
        out = _Prepared(rec)
        try:
            if f.kind == "photo":
                data = read_bytes(f.path)
                rec.size = len(data)
                rec.fingerprint = fingerprint_bytes(data)
                rec.taken = dates.exif_taken_at(data) or dates.xmp_taken_at(data)
                header = probe(data)
                rec.width, rec.height, rec.orientation = header.width, header.height, header.orientation
                out.images.append((None, decode(data, min_side=crop_side, header=header)))
                if regions:
                    out.regions = read_photo_regions(f.path, data, out.images[0][1])
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
            rec.fail(str(e), e.detail)
        except MemoryError:
            rec.fail("Not enough memory to open this file")
        except Exception as e:  # any decoder surprise ends as this file's error, never the scan's
            log.exception("Unexpected error reading %s", f.path)
            rec.fail("The file cannot be read", f"{type(e).__name__}: {e}")
        if rec.error:
            log.info("Cannot index %s: %s%s", f.path, rec.error, f" ({rec.error_detail})" if rec.error_detail else "")
        if rec.taken is None:
            rec.taken = dates.fallback_taken_at(f.path, f.mtime_ns)
        return out

    def _infer(self, prepared: _Prepared, engine: FaceEngine) -> None:
        rec = prepared.record
        side = self.settings.thumb_side
        for t, image in prepared.images:
            for face in engine.analyze_image(image):
                rec.faces.append(FaceRecord(face, t, thumbnail(image, face, side)))
        if rec.kind == "video" and rec.faces:
            emb = np.stack([np.asarray(fr.face.attributes.embedding, np.float32) for fr in rec.faces])
            tracks = group_clip([fr.frame_s or 0.0 for fr in rec.faces], emb, self.settings.track_threshold)
            for ti, tr in enumerate(tracks):
                for i in tr.members:
                    rec.faces[i].track = ti
                rec.tracks.append((tr.embedding, tr.members))


def library_indexer(sessions: sessionmaker[Session], frames: FramePolicy,
                    engine: Callable[[], FaceEngine] | None = None) -> IndexService:
    """The indexer the app and the CLI use: the real engine (loaded on first need), the library's video
    sampling, and every file analyzed by another model or calibration analyzed again."""
    from organizer.vision import engine as vision_engine

    return IndexService(sessions, engine or vision_engine.load_engine,
                        IndexSettings(frames=frames, analysis_id=vision_engine.current_analysis_id()))
