# SPDX-License-Identifier: MIT
"""The indexer's two helpers that own a resource: the video reader (a worker process that is replaced when
FFmpeg crashes or hangs) and the single database writer thread (commits in batches).

See :mod:`organizer.services.index_service` for why each exists.
"""

from __future__ import annotations

import contextlib
import logging
import queue
import threading
import time
from collections.abc import Callable
from concurrent.futures.process import BrokenProcessPool
from concurrent.futures.process import ProcessPoolExecutor
from multiprocessing import get_context

from organizer.core.errors import MediaError
from organizer.media.video import FramePolicy
from organizer.media.video import VideoFrames
from organizer.media.video import read_video

log = logging.getLogger(__name__)


def read_video_frames_in_worker(path: str, policy: FramePolicy) -> VideoFrames:
    """Runs in the worker process."""
    return read_video(path, policy)


class VideoReader:
    """Reads videos in a worker process that is replaced when it crashes or hangs.

    ``read`` is what the worker runs (a module-level function, so the spawned process can import it).
    """

    def __init__(self, isolate: bool, timeout_s: float,
                 read: Callable[[str, FramePolicy], VideoFrames] = read_video_frames_in_worker) -> None:
        self._isolate = isolate
        self._timeout = timeout_s
        self._read = read
        self._pool: ProcessPoolExecutor | None = None
        self._lock = threading.Lock()

    def read(self, path: str, policy: FramePolicy) -> VideoFrames:
        if not self._isolate:
            return self._read(path, policy)
        with self._lock:  # one video at a time: FFmpeg already uses both cores when decoding
            if self._pool is None:
                self._pool = ProcessPoolExecutor(max_workers=1, mp_context=get_context("spawn"))
            fut = self._pool.submit(self._read, path, policy)
            try:
                return fut.result(timeout=self._timeout)
            except BrokenProcessPool as e:
                self._restart()
                raise MediaError("The video decoder crashed on this file (it is probably damaged)", str(e)) from e
            except TimeoutError as e:
                self._restart(kill=True)
                raise MediaError(f"Reading this video took longer than {self._timeout:.0f} s; it was skipped") from e

    def _restart(self, kill: bool = False) -> None:
        pool, self._pool = self._pool, None
        if pool is None:
            return
        if kill:
            for p in list(getattr(pool, "_processes", {}).values()):
                with contextlib.suppress(Exception):
                    p.kill()
        pool.shutdown(wait=False, cancel_futures=True)

    def close(self) -> None:
        with self._lock:
            if self._pool is not None:
                self._pool.shutdown(wait=True, cancel_futures=True)
                self._pool = None


class DbWriter(threading.Thread):
    """The single database writer: applies operations from a queue, committing in batches."""

    _STOP = object()

    def __init__(self, sessions, every: int, interval_s: float) -> None:
        super().__init__(name="organizer-db-writer", daemon=True)
        self._sessions = sessions
        self._every = every
        self._interval = interval_s
        self._q: queue.Queue = queue.Queue(maxsize=256)
        self.error: BaseException | None = None
        self.committed = 0

    def submit(self, op: Callable) -> None:
        if self.error is not None:
            raise RuntimeError("the database writer failed") from self.error
        self._q.put(op)

    def close(self) -> None:
        self._q.put(self._STOP)
        self.join()
        if self.error is not None:
            raise RuntimeError(f"the database writer failed: {self.error}") from self.error

    def run(self) -> None:
        session = self._sessions()
        pending, last = 0, time.monotonic()
        try:
            while True:
                try:
                    op = self._q.get(timeout=self._interval)
                except queue.Empty:
                    op = None
                if op is self._STOP:
                    break
                if op is not None:
                    op(session)
                    pending += 1
                if pending and (pending >= self._every or time.monotonic() - last >= self._interval):
                    session.commit()
                    self.committed += pending
                    pending, last = 0, time.monotonic()
            session.commit()
            self.committed += pending
        except BaseException as e:
            log.exception("Database writer failed")
            self.error = e
            session.rollback()
            # Drain so that producers blocked on a full queue wake up.
            while True:
                try:
                    if self._q.get_nowait() is self._STOP:
                        break
                except queue.Empty:
                    break
        finally:
            session.close()
