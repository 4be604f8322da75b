# SPDX-License-Identifier: MIT
"""Indexing: bad files, incremental re-scans, moves, crash safety, the CLI contract."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import struct
import subprocess
import sys
import time
import zlib
from pathlib import Path

import av
import numpy as np
import pytest
from index_fakes import FakeEngine
from index_fakes import write_jpeg
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy import text

from organizer.cli.main import main as cli_main
from organizer.core.progress import CancelToken
from organizer.core.progress import drive
from organizer.db.models import Face
from organizer.db.models import Media
from organizer.db.models import MediaStatus
from organizer.db.models import VideoTrack
from organizer.scan import walker
from organizer.services import index_service
from organizer.services.index_service import IndexService
from organizer.services.index_service import IndexSettings

HERE = Path(__file__).parent


def index(sessions, roots, engine=None, cancel=None, **settings):
    engine = engine or FakeEngine()
    svc = IndexService(sessions, lambda: engine, IndexSettings(**settings))
    events = []
    summary = drive(svc.run([str(r) for r in roots], cancel), events.append)
    assert events[-1].phase == "done"
    return summary


def rows(sessions):
    with sessions() as s:
        return {m.path: m for m in s.scalars(select(Media))}


def png_header_bomb(w=30000, h=30000) -> bytes:
    ihdr = struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)
    chunk = b"IHDR" + ihdr
    data = b"\x89PNG\r\n\x1a\n" + struct.pack(">I", 13) + chunk + struct.pack(">I", zlib.crc32(chunk))
    idat = b"IDAT" + zlib.compress(b"\0" * 100)
    data += struct.pack(">I", len(idat) - 4) + idat + struct.pack(">I", zlib.crc32(idat))
    return data + struct.pack(">I", 0) + b"IEND" + struct.pack(">I", zlib.crc32(b"IEND"))


def make_video(path, seconds=1.0, fps=10, apple_date="2019-05-04T13:45:10+0200"):
    out = av.open(str(path), "w", format="mov", options={"movflags": "use_metadata_tags"})
    if apple_date:
        out.metadata["com.apple.quicktime.creationdate"] = apple_date
    s = out.add_stream("mpeg4", rate=fps)
    s.width, s.height, s.pix_fmt = 64, 48, "yuv420p"
    for _ in range(int(seconds * fps)):
        frame = av.VideoFrame.from_ndarray(np.full((48, 64, 3), 100, np.uint8), format="rgb24")
        for p in s.encode(frame):
            out.mux(p)
    for p in s.encode():
        out.mux(p)
    out.close()


def album_hash(root) -> dict[bytes, str]:
    out = {}
    for dirpath, _dirs, files in os.walk(os.fsencode(root)):
        for f in files:
            p = os.path.join(dirpath, f)
            if os.access(p, os.R_OK):
                with open(p, "rb") as fh:
                    out[p] = hashlib.sha256(fh.read()).hexdigest() + str(os.stat(p).st_mtime_ns)
    return out


def test_bad_files_become_error_rows(tmp_path, library, monkeypatch):
    a = tmp_path / "album"
    a.mkdir()
    write_jpeg(a / "good.jpg", 1)
    (a / "zero.jpg").write_bytes(b"")
    good = (a / "good.jpg").read_bytes()
    (a / "truncated.jpg").write_bytes(good[: len(good) // 2])
    (a / "text.jpg").write_text("hello, I am not a photo\n")
    (a / "bomb.png").write_bytes(png_header_bomb())
    (a / "broken.mp4").write_bytes(b"\x00\x00\x00\x18ftypmp42" + os.urandom(2000))
    shutil.copy(a / "good.jpg", a / "wrong_ext.png")  # a JPEG named .png is still a photo we can read
    bad_exif = bytearray(good)
    bad_exif[2:2] = b"\xff\xe1\x00\x20Exif\x00\x00MM\x00\x2a\x00\x00\x00\x08\xff\xff" + b"\xee" * 14
    (a / "bad_exif.jpg").write_bytes(bytes(bad_exif))
    with open(os.path.join(os.fsencode(a), b"caf\xe9 \xff.jpg"), "wb") as f:
        f.write(good)
    write_jpeg(a / "deleted.jpg", 2)
    unreadable = a / "noperm.jpg"
    write_jpeg(unreadable, 3)
    unreadable.chmod(0)

    real_walk = walker.walk

    def walk_then_delete(roots, errors=None):
        yield from real_walk(roots, errors)
        os.remove(a / "deleted.jpg")  # gone between the walk and its analysis

    monkeypatch.setattr(index_service.walker, "walk", walk_then_delete)
    before = album_hash(a)
    summary = index(library, [a])
    unreadable.chmod(0o644)
    r = rows(library)
    assert len(r) == 11 and summary.analyzed == 11
    for name in ("good.jpg", "wrong_ext.png", "bad_exif.jpg"):
        assert r[str(a / name)].status == MediaStatus.OK, r[str(a / name)].error
    expect_error = {"zero.jpg": "The file is empty", "truncated.jpg": "damaged or incomplete",
                    "text.jpg": "Not a photo Organizer can read", "bomb.png": "too large to open safely",
                    "broken.mp4": "Not a video Organizer can read", "deleted.jpg": "moved or deleted"}
    if os.geteuid() != 0:  # root reads anything
        expect_error["noperm.jpg"] = "permission"
    for name, words in expect_error.items():
        m = r[str(a / name)]
        assert m.status == MediaStatus.ERROR and words in m.error, (name, m.error)
    # plain words for the user, the decoder's own words kept for the log and the tooltip
    assert r[str(a / "bomb.png")].error == "The image is too large to open safely (30 000 × 30 000 pixels)"
    assert r[str(a / "truncated.jpg")].error_detail == "truncated JPEG"
    assert "Invalid data" in r[str(a / "broken.mp4")].error_detail  # FFmpeg's, back from the worker process
    odd = os.fsdecode(os.path.join(os.fsencode(a), b"caf\xe9 \xff.jpg"))
    assert r[odd].status == MediaStatus.OK
    with library() as s:
        assert s.scalar(select(func.count()).select_from(Face).join(Media).where(Media.path == odd)) == 1
    assert album_hash(a) == {k: v for k, v in before.items() if not k.endswith(b"deleted.jpg")}


def test_incremental_move_and_missing(tmp_path, library):
    a = tmp_path / "album"
    (a / "sub").mkdir(parents=True)
    for i in range(4):
        write_jpeg(a / f"p{i}.jpg", i)
    write_jpeg(a / "sub" / "s.jpg", 10)
    first = index(library, [a])
    assert first.analyzed == 5 and first.faces == 5
    with library.begin() as s:
        face = s.scalar(select(Face).join(Media).where(Media.path == str(a / "p0.jpg")))
        from organizer.db.models import DecidedBy
        from organizer.db.models import Person

        person = Person(name="Ann")
        s.add(person)
        s.flush()
        face.person_id, face.assigned_by = person.id, DecidedBy.USER

    engine = FakeEngine()
    again = index(library, [a, a, a / "sub"], engine=engine)  # same folder twice, and a subfolder
    assert (again.analyzed, again.unchanged, engine.calls) == (0, 5, 0)

    os.rename(a / "p0.jpg", a / "sub" / "renamed.jpg")     # moved: keeps faces and person
    write_jpeg(a / "p1.jpg", 99)                            # changed content
    os.utime(a / "p1.jpg", ns=(1, 1))
    os.remove(a / "p2.jpg")                                 # removed
    third = index(library, [tmp_path])                      # the parent folder
    assert (third.moved, third.changed, third.missing, third.analyzed) == (1, 1, 1, 1)
    r = rows(library)
    assert str(a / "p0.jpg") not in r
    moved = r[str(a / "sub" / "renamed.jpg")]
    with library() as s:
        f = s.scalar(select(Face).where(Face.media_id == moved.id))
        assert f.person.name == "Ann" and f.assigned_by == "user"
        assert s.scalar(select(func.count()).select_from(Face)) == 5
    assert r[str(a / "p2.jpg")].status == MediaStatus.MISSING
    write_jpeg(a / "p2.jpg", 2)  # back again
    fourth = index(library, [a])
    assert rows(library)[str(a / "p2.jpg")].status == MediaStatus.OK
    assert fourth.analyzed == 1  # new mtime: analyzed again


def test_video_dates_and_tracks(tmp_path, library):
    a = tmp_path / "album"
    a.mkdir()
    make_video(a / "clip.MOV")
    summary = index(library, [a])
    assert summary.videos == 1 and not summary.errors, summary.errors
    with library() as s:
        m = s.scalar(select(Media))
        assert m.kind == "video" and m.date_source == "video" and m.taken_at.year == 2019
        assert m.taken_at_offset_min == 120
        assert s.scalar(select(func.count()).select_from(VideoTrack)) == 1  # identical frames: one person
        n = s.scalar(select(func.count()).select_from(Face).where(Face.track_id.is_not(None)))
        assert n == s.scalar(select(func.count()).select_from(Face)) >= 2


def test_cancel_commits_finished_work_and_resumes(tmp_path, library):
    a = tmp_path / "album"
    a.mkdir()
    for i in range(12):
        write_jpeg(a / f"p{i:02}.jpg", i)
    cancel = CancelToken()
    svc = IndexService(library, FakeEngine, IndexSettings())

    def on_progress(p):
        if p.phase == "analyze" and p.done == 5:
            cancel.cancel()

    assert drive(svc.run([str(a)], cancel), on_progress).cancelled
    assert len(rows(library)) == 5
    rest = index(library, [a])
    assert rest.analyzed == 7 and len(rows(library)) == 12


@pytest.mark.slow
def test_sigkill_mid_run_then_rerun(tmp_path):
    a = tmp_path / "album"
    a.mkdir()
    for i in range(80):
        write_jpeg(a / f"p{i:03}.jpg", i)
    db = tmp_path / "lib.sqlite"
    env = dict(os.environ, PYTHONPATH=str(HERE) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    proc = subprocess.Popen([sys.executable, str(HERE / "run_killable.py"), str(db), str(a)], env=env)
    import sqlite3

    deadline = time.monotonic() + 60
    n = 0
    while time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.1)
        try:
            with sqlite3.connect(db) as c:
                n = c.execute("SELECT count(*) FROM media").fetchone()[0]
        except sqlite3.Error:
            continue
        if n >= 10:
            break
    assert proc.poll() is None, "the indexer finished before it could be killed"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert 10 <= n < 80
    from organizer.db.engine import open_library

    engine, sessions = open_library(db)
    index(sessions, [a])
    with engine.connect() as c:
        assert c.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
        assert c.execute(text("SELECT count(*), count(DISTINCT path) FROM media")).one() == (80, 80)
        assert c.execute(text("SELECT count(*), count(DISTINCT media_id) FROM face")).one() == (80, 80)
        assert c.execute(text("SELECT count(*) FROM media WHERE status != 'ok'")).scalar() == 0
    engine.dispose()


def test_status_json_contract(tmp_path, library, capsys, monkeypatch):
    a = tmp_path / "album"
    a.mkdir()
    write_jpeg(a / "ok.jpg", 1)
    (a / "bad.jpg").write_bytes(b"nope")
    index(library, [a])
    monkeypatch.setenv("ORGANIZER_DB", str(tmp_path / "lib.sqlite"))
    assert cli_main(["status", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["media"] == {"photo": 2, "video": 0}
    assert doc["faces"] == 1 and doc["persons"] == 0
    assert doc["errors"] == [{"path": str(a / "bad.jpg"),
                              "error": "Not a photo Organizer can read"}]
    assert os.path.isabs(doc["errors"][0]["path"])


def test_cli_index_real_models(tmp_path, faces_dir, capsys):
    """End to end with the real ONNX models on a few real photos (and one video)."""
    a = tmp_path / "album"
    a.mkdir()
    for src in ("_groups/faceapi_bbt1.jpg", "_exif_no_face/immich_date-priority-test.jpg", "_videos/faceapi_video.mp4"):
        shutil.copy(faces_dir / src, a / os.path.basename(src))
    (a / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe0garbage")
    db = tmp_path / "lib.sqlite"
    assert cli_main(["index", "--db", str(db), "--no-progress", str(a)]) == 0
    assert cli_main(["status", "--db", str(db), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert doc["media"] == {"photo": 3, "video": 1}
    assert doc["faces"] >= 3
    assert [e["path"] for e in doc["errors"]] == [str(a / "broken.jpg")]
    from organizer.db.engine import open_library

    engine, sessions = open_library(db)
    with sessions() as s:
        f = s.scalar(select(Face).join(Media).where(Media.path == str(a / "faceapi_bbt1.jpg")))
        assert f.embedding_dim == 1024 and len(f.embedding) == 4096 and 0 <= f.p_male <= 1 and f.thumbnail
        assert np.isclose(np.linalg.norm(np.frombuffer(f.embedding, "<f4")), 1.0, atol=1e-3)
        m = s.scalar(select(Media).where(Media.path == str(a / "immich_date-priority-test.jpg")))
        assert (m.date_source, m.taken_at.year) == ("exif", 2023)
    engine.dispose()
    # Nothing changed: the re-run loads no model and analyzes nothing.
    assert cli_main(["index", "--db", str(db), "--no-progress", str(a)]) == 0
    assert "0 analyzed" in capsys.readouterr().err
