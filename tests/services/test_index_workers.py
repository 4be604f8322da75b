# SPDX-License-Identifier: MIT
"""The indexer's helpers that own a resource: the video worker process and the single database writer."""

from __future__ import annotations

import time

import pytest
from index_fakes import misbehaving_video_reader
from sqlalchemy import select
from test_index import make_video

from organizer.core.errors import MediaError
from organizer.db.engine import write_sessions
from organizer.db.models import LibraryFolder
from organizer.media.video import FramePolicy
from organizer.services.index_workers import DbWriter
from organizer.services.index_workers import VideoReader


@pytest.mark.slow
def test_video_worker_crash_and_hang_are_one_file_errors(tmp_path):
    good = tmp_path / "good.mov"
    make_video(good)
    for name in ("crash.mov", "hang.mov"):
        (tmp_path / name).write_bytes(good.read_bytes())
    reader = VideoReader(isolate=True, timeout_s=3.0, read=misbehaving_video_reader)
    try:
        assert reader.read(str(good), FramePolicy()).frames  # a worker that works
        with pytest.raises(MediaError, match="crashed"):
            reader.read(str(tmp_path / "crash.mov"), FramePolicy())
        assert reader.read(str(good), FramePolicy()).frames  # a new worker took its place
        t0 = time.monotonic()
        with pytest.raises(MediaError, match="longer than 3 s"):
            reader.read(str(tmp_path / "hang.mov"), FramePolicy())
        assert time.monotonic() - t0 < 20
        assert reader.read(str(good), FramePolicy()).frames  # the hung worker was killed and replaced
    finally:
        reader.close()


def test_writer_failure_keeps_committed_work_and_is_raised(library):
    writer = DbWriter(write_sessions(library), every=1, interval_s=0.05)
    writer.start()
    writer.submit(lambda s: s.add(LibraryFolder(path="/photos/a")))

    def broken(s):
        s.add(LibraryFolder(path="/photos/b"))
        s.flush()
        raise ValueError("disk on fire")

    deadline = time.monotonic() + 10
    while writer.committed < 1 and time.monotonic() < deadline:
        time.sleep(0.01)
    writer.submit(broken)
    writer.join(10)
    assert not writer.is_alive() and isinstance(writer.error, ValueError)
    with pytest.raises(RuntimeError, match="database writer failed"):
        writer.submit(lambda s: None)
    with pytest.raises(RuntimeError, match="disk on fire"):
        writer.close()
    with library() as s:
        # the first batch was committed; the one that failed was rolled back as a whole
        assert list(s.scalars(select(LibraryFolder.path))) == ["/photos/a"]
