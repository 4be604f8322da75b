# SPDX-License-Identifier: MIT
"""``organizer export-xmp`` and its service on a real SQLite library: which photos get sidecars, what they hold,
merging, per-file failures (a bad sidecar, an unwritable folder), and photos that are never modified."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from organizer.core.progress import CancelToken
from organizer.core.progress import drive
from organizer.core.vocabulary import Phase
from organizer.db.models import DecidedBy
from organizer.db.models import Face
from organizer.db.models import Media
from organizer.db.models import MediaKind
from organizer.db.models import MediaStatus
from organizer.db.models import Person
from organizer.media import xmp
from organizer.services.person_edits import PersonEdits
from organizer.services.xmp_export import XmpExport

DIM = 8


class Library:
    """Photos on disk and their rows, built directly (no models): each face in a person of its own or a given one."""

    def __init__(self, sessions, root: Path) -> None:
        self.sessions, self.root = sessions, root
        self.edits = PersonEdits(sessions)

    def person(self, name: str | None = None) -> int:
        with self.sessions.begin() as s:
            p = Person()
            s.add(p)
            s.flush()
            pid = p.id
        if name is not None:
            self.edits.rename(pid, name)
        return pid

    def photo(self, rel: str, faces: list[tuple[int | None, tuple[float, float, float, float]]], *,
              size: tuple[int, int] = (400, 300), orientation: int = 1, kind: MediaKind = MediaKind.PHOTO,
              status: MediaStatus = MediaStatus.OK, write: bool = True) -> Path:
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if write:
            w, h = size if orientation < 5 else size[::-1]  # stored pixels
            Image.fromarray(np.full((h, w, 3), 128, np.uint8)).save(path, format="JPEG")
        with self.sessions.begin() as s:
            m = Media(path=str(path), size=1, mtime_ns=0, kind=kind, width=size[0], height=size[1],
                      orientation=orientation, status=status)
            s.add(m)
            s.flush()
            for pid, (x, y, w, h) in faces:
                s.add(Face(media_id=m.id, frame_s=1.0 if kind == MediaKind.VIDEO else None, x=x, y=y, w=w, h=h,
                           score=0.99, embedding=np.zeros(DIM, np.float32).tobytes(), embedding_model="test",
                           embedding_dim=DIM, person_id=pid,
                           assigned_by=None if pid is None else DecidedBy.ALGORITHM))
        return path


def _digest(paths) -> dict[str, str]:
    return {str(p): hashlib.sha256(Path(p).read_bytes()).hexdigest() for p in paths}


@contextlib.contextmanager
def unwritable(*paths: Path):
    """Folders nobody may create files in, files nobody may write: read-only permissions, or for root (who
    ignores them) the immutable attribute."""
    if os.geteuid() != 0:
        modes = [p.stat().st_mode for p in paths]
        for p in paths:
            p.chmod(0o555 if p.is_dir() else 0o444)
        try:
            yield
        finally:
            for p, mode in zip(paths, modes, strict=True):
                p.chmod(mode)
        return
    chattr = shutil.which("chattr")
    done: list[Path] = []
    try:
        for p in paths:
            if chattr is None or subprocess.run([chattr, "+i", str(p)], capture_output=True).returncode != 0:
                pytest.skip("running as root, and a file cannot be made immutable here (chattr +i): nothing is "
                            "unwritable to root")
            done.append(p)
        yield
    finally:
        for p in done:
            subprocess.run([chattr, "-i", str(p)], check=True)


@pytest.fixture
def lib(library, tmp_path: Path) -> Library:
    return Library(library, tmp_path / "photos")


def _regions(sidecar: Path) -> list[tuple[str, float, float, float, float]]:
    return xmp.read_regions(sidecar)


def test_export_writes_sidecars_for_named_faces_only(lib: Library, library) -> None:
    anna, zoe, nobody = lib.person("Anna"), lib.person('Zoë 王 "<&>'), lib.person()
    hidden = lib.person("Grandpa")
    lib.edits.set_hidden(hidden, True)
    both = lib.photo("2019/IMG_0001.JPG", [(anna, (40, 30, 80, 60)), (zoe, (200, 150, 100, 100)),
                                           (nobody, (300, 20, 50, 50)), (None, (10, 200, 30, 30))])
    portrait = lib.photo("2019/IMG_0002.JPG", [(anna, (30, 40, 60, 100))], size=(300, 400), orientation=6)
    grandpa = lib.photo("old/scan.png", [(hidden, (0, 0, 100, 100))])
    unnamed = lib.photo("2019/IMG_0003.JPG", [(nobody, (10, 10, 50, 50))])
    video = lib.photo("2019/clip.mp4", [(anna, (10, 10, 50, 50))], kind=MediaKind.VIDEO)
    missing = lib.photo("gone/IMG_0004.JPG", [(anna, (10, 10, 50, 50))], status=MediaStatus.MISSING, write=False)
    before = _digest([both, portrait, grandpa, unnamed, video])

    events = []
    res = drive(XmpExport(library).run(), events.append)
    assert sorted(res.written) == sorted(str(p) + ".xmp" for p in (both, portrait, grandpa))
    assert res.unchanged == [] and res.failed == []
    assert not Path(str(unnamed) + ".xmp").exists() and not Path(str(video) + ".xmp").exists()
    assert not missing.parent.exists() or not Path(str(missing) + ".xmp").exists()
    assert _digest([both, portrait, grandpa, unnamed, video]) == before  # the photos are never modified

    got = _regions(Path(str(both) + ".xmp"))
    assert [g[0] for g in got] == ["Anna", 'Zoë 王 "<&>']  # left to right; unnamed and unsorted faces left out
    assert got[0][1:] == pytest.approx((80 / 400, 60 / 300, 80 / 400, 60 / 300))
    assert got[1][1:] == pytest.approx((250 / 400, 200 / 300, 100 / 400, 100 / 300))
    doc = ET.parse(str(both) + ".xmp").getroot()
    rdf = "{http://www.w3.org/1999/02/22-rdf-syntax-ns#}"
    subjects = [li.text for li in doc.iter(f"{rdf}li") if li.text and li.text.strip()]
    assert subjects.count("People|Anna") == 1 and 'People|Zoë 王 "<&>' in subjects
    # the portrait: stored 400 x 300 and turned 90° clockwise; the region is in the stored pixels (MWG)
    (name, x, y, w, h), = _regions(Path(str(portrait) + ".xmp"))
    assert name == "Anna" and (x, y, w, h) == pytest.approx((90 / 400, 1 - 60 / 300, 100 / 400, 60 / 300))
    assert b'stDim:w="400" stDim:h="300"' in Path(str(portrait) + ".xmp").read_bytes()
    assert _regions(Path(str(grandpa) + ".xmp"))[0][0] == "Grandpa"  # hidden persons are still that person

    assert [e.phase for e in events[:-1]] == ["export"] * 3 and events[-1].phase == Phase.DONE
    assert [e.done for e in events[:-1]] == [1, 2, 3] and events[0].total == 3

    # again: nothing to write
    res = drive(XmpExport(library).run())
    assert sorted(res.unchanged) == sorted(str(p) + ".xmp" for p in (both, portrait, grandpa)) and not res.written


def test_merge_rename_and_removal(lib: Library, library) -> None:
    anna = lib.person("Anna")
    photo = lib.photo("IMG_0001.JPG", [(anna, (40, 30, 80, 60))])
    sidecar = Path(str(photo) + ".xmp")
    sidecar.write_bytes(
        b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        b'<rdf:Description rdf:about="" xmlns:xmp="http://ns.adobe.com/xap/1.0/" xmlns:dc="http://purl.org/dc/'
        b'elements/1.1/" xmp:Rating="5"><dc:subject><rdf:Bag><rdf:li>Beach</rdf:li></rdf:Bag></dc:subject>'
        b"</rdf:Description></rdf:RDF></x:xmpmeta>")
    res = drive(XmpExport(library).run())
    assert res.written == [str(sidecar)]
    data = sidecar.read_bytes()
    assert b'xmp:Rating="5"' in data and b"<rdf:li>Beach</rdf:li>" in data and b"<rdf:li>Anna</rdf:li>" in data

    lib.edits.rename(anna, "Anna Karenina")
    drive(XmpExport(library).run())
    data = sidecar.read_bytes()
    assert [r[0] for r in _regions(sidecar)] == ["Anna Karenina"]
    assert b"<rdf:li>Anna</rdf:li>" not in data and b"<rdf:li>Beach</rdf:li>" in data

    # the name taken away: the photo has no named face any more, and Organizer's content leaves its sidecar
    lib.edits.rename(anna, None)
    res = drive(XmpExport(library).run())
    assert res.written == [str(sidecar)]
    data = sidecar.read_bytes()
    assert _regions(sidecar) == [] and b"Anna" not in data and b'xmp:Rating="5"' in data and b"Beach" in data
    assert drive(XmpExport(library).run()).written == []


def test_failures_are_per_file(lib: Library, library) -> None:
    anna = lib.person("Anna")
    good = lib.photo("a/IMG_0001.JPG", [(anna, (40, 30, 80, 60))])
    bad_xml = lib.photo("a/IMG_0002.JPG", [(anna, (40, 30, 80, 60))])
    Path(str(bad_xml) + ".xmp").write_bytes(b"<x:xmpmeta><rdf:RDF>not closed")
    taken = lib.photo("a/IMG_0003.JPG", [(anna, (40, 30, 80, 60))])
    Path(str(taken) + ".xmp").mkdir()  # a folder where the sidecar would go
    gone = lib.photo("a/IMG_0005.JPG", [(anna, (40, 30, 80, 60))])
    gone.unlink()  # deleted since the last index
    after = lib.photo("z/IMG_0006.JPG", [(anna, (40, 30, 80, 60))])
    photos = [good, bad_xml, taken, after]
    before = _digest(photos)
    bad_before = Path(str(bad_xml) + ".xmp").read_bytes()
    res = drive(XmpExport(library).run())
    assert sorted(res.written) == sorted(str(p) + ".xmp" for p in (good, after))
    failed = dict(res.failed)
    assert set(failed) == {str(p) + ".xmp" for p in (bad_xml, taken, gone)}
    assert failed[str(bad_xml) + ".xmp"].startswith("left as it is: the sidecar already there is not well-formed XML")
    assert "folder" in failed[str(taken) + ".xmp"]
    assert "not there any more" in failed[str(gone) + ".xmp"]
    assert Path(str(bad_xml) + ".xmp").read_bytes() == bad_before
    assert _digest(photos) == before


def test_an_unwritable_folder_or_sidecar_fails_alone(lib: Library, library) -> None:
    anna = lib.person("Anna")
    good = lib.photo("a/IMG_0001.JPG", [(anna, (40, 30, 80, 60))])
    locked = lib.photo("locked/IMG_0004.JPG", [(anna, (40, 30, 80, 60))])
    read_only = lib.photo("a/IMG_0007.JPG", [(anna, (40, 30, 80, 60))])
    after = lib.photo("z/IMG_0006.JPG", [(anna, (40, 30, 80, 60))])
    Path(str(read_only) + ".xmp").write_bytes(xmp.merge(None, None))
    photos = [good, locked, read_only, after]
    before = _digest(photos)
    read_only_before = Path(str(read_only) + ".xmp").read_bytes()
    with unwritable(locked.parent, Path(str(read_only) + ".xmp")):
        res = drive(XmpExport(library).run())
        assert not Path(str(locked) + ".xmp").exists()
    assert sorted(res.written) == sorted(str(p) + ".xmp" for p in (good, after))
    failed = dict(res.failed)
    assert set(failed) == {str(p) + ".xmp" for p in (locked, read_only)}
    assert failed[str(locked) + ".xmp"].startswith(f"not written: cannot write in {locked.parent} (")
    assert failed[str(read_only) + ".xmp"] == "not written: the sidecar is read-only"
    assert Path(str(read_only) + ".xmp").read_bytes() == read_only_before
    assert _digest(photos) == before
    assert not list(lib.root.rglob(".*.tmp"))  # no temporary file left behind


def test_lightroom_style(lib: Library, library) -> None:
    anna = lib.person("Anna")
    one = lib.photo("IMG_0001.JPG", [(anna, (40, 30, 80, 60))])
    twin_jpg = lib.photo("IMG_0002.jpg", [(anna, (40, 30, 80, 60))])
    lib.photo("IMG_0002.heic", [], write=True)
    res = drive(XmpExport(library).run("lightroom"))
    assert res.written == [str(one.with_suffix(".xmp"))]
    assert [r[0] for r in _regions(one.with_suffix(".xmp"))] == ["Anna"]
    (path, error), = res.failed
    assert path == str(twin_jpg.with_suffix(".xmp")) and "IMG_0002.heic" in error and "share" in error
    assert not Path(str(one) + ".xmp").exists()


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "organizer", "export-xmp", *args], capture_output=True, text=True,
                          timeout=120)


def test_cli(lib: Library, library, tmp_path: Path) -> None:
    anna = lib.person("Anna")
    photo = lib.photo("IMG_0001.JPG", [(anna, (40, 30, 80, 60))])
    bad = lib.photo("IMG_0002.JPG", [(anna, (40, 30, 80, 60))])
    Path(str(bad) + ".xmp").write_text("<oops>")
    db = str(tmp_path / "lib.sqlite")
    before = _digest([photo, bad])

    proc = _cli("--db", db, "--json")
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["written"] == [str(photo) + ".xmp"] and doc["unchanged"] == []
    assert [f["path"] for f in doc["failed"]] == [str(bad) + ".xmp"]
    assert "not well-formed XML" in doc["failed"][0]["error"]
    assert _regions(Path(str(photo) + ".xmp"))[0][0] == "Anna"

    proc = _cli("--db", db)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0] == "0 sidecars written, 1 unchanged, 1 failed"
    assert lines[1].startswith(f"  failed: {bad}.xmp: left as it is:")

    proc = _cli("--db", db, "--sidecar-style", "lightroom", "--json")
    assert proc.returncode == 0 and json.loads(proc.stdout)["written"] == [str(photo.with_suffix(".xmp")),
                                                                            str(bad.with_suffix(".xmp"))]
    assert _digest([photo, bad]) == before

    proc = _cli("--db", str(tmp_path / "none.sqlite"))
    assert proc.returncode == 2 and "no library" in proc.stderr


def test_cancel_stops_between_photos(lib: Library, library) -> None:
    anna = lib.person("Anna")
    photos = [lib.photo(f"IMG_{k}.JPG", [(anna, (40, 30, 80, 60))]) for k in range(3)]
    cancel = CancelToken()
    job = XmpExport(library).run(cancel=cancel)
    assert next(job).done == 1
    cancel.cancel()
    res = drive(job)
    assert res.cancelled and res.written == [str(photos[0]) + ".xmp"]
    assert not Path(str(photos[1]) + ".xmp").exists()
