# SPDX-License-Identifier: MIT
"""Exporting a person's photos (or a search's results) into a folder, on a real SQLite library and real files:
copies keep bytes and times, name clashes get suffixes, a second run skips, links, per-file failures, cancel."""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import numpy as np
import pytest

from organizer.core.progress import CancelToken
from organizer.core.progress import drive
from organizer.core.vocabulary import Phase
from organizer.db.models import DecidedBy
from organizer.db.models import Face
from organizer.db.models import Media
from organizer.db.models import MediaKind
from organizer.db.models import MediaStatus
from organizer.db.models import Person
from organizer.services import photo_export
from organizer.services.photo_export import ExportMode
from organizer.services.photo_export import ExportOptions
from organizer.services.photo_export import PhotoExport
from organizer.services.photo_search import PhotoSearch

#: A fixed modification time (2019-05-12 14:03:05.123456789 UTC), to see it kept to the nanosecond.
MTIME_NS = 1_557_669_785_123_456_789


class Album:
    """Files on disk and their library rows: each photo with faces of the given persons (frames for a video)."""

    def __init__(self, sessions, root: Path) -> None:
        self.sessions, self.root = sessions, root

    def person(self, name: str | None) -> int:
        with self.sessions.begin() as s:
            p = Person(name=name)
            s.add(p)
            s.flush()
            return p.id

    def photo(self, rel: str, persons: list[int], *, frames: tuple[float | None, ...] = (None,),
              status: MediaStatus = MediaStatus.OK, data: bytes | None = None) -> Path:
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data if data is not None else hashlib.sha256(rel.encode()).digest() * 64)
        os.utime(path, ns=(MTIME_NS, MTIME_NS))
        video = frames != (None,)
        with self.sessions.begin() as s:
            m = Media(path=str(path), size=path.stat().st_size, mtime_ns=MTIME_NS, width=64, height=48,
                      kind=MediaKind.VIDEO if video else MediaKind.PHOTO, status=status)
            s.add(m)
            s.flush()
            for frame in frames:
                for j, pid in enumerate(persons):
                    s.add(Face(media_id=m.id, frame_s=frame, x=5.0 + 20 * j, y=5.0, w=15.0, h=15.0, score=0.99,
                               embedding=np.zeros(8, np.float32).tobytes(), embedding_model="test",
                               embedding_dim=8, person_id=pid, assigned_by=DecidedBy.USER))
        return path


@pytest.fixture
def album(library, tmp_path: Path) -> Album:
    return Album(library, tmp_path / "photos")


def _export(library, persons, to: Path, **options):
    groups = PhotoExport(library).person_groups(persons)
    events: list = []
    res = drive(photo_export.run(groups, ExportOptions(str(to), **options)), events.append)
    return res, events


def _tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@contextlib.contextmanager
def read_only(folder: Path):
    """A folder nobody may create files in: read-only permissions, or for root (who ignores them) immutable."""
    if os.geteuid() != 0:
        mode = folder.stat().st_mode
        folder.chmod(0o555)
        try:
            yield
        finally:
            folder.chmod(mode)
        return
    chattr = shutil.which("chattr")
    if chattr is None or subprocess.run([chattr, "+i", str(folder)], capture_output=True).returncode != 0:
        pytest.skip("running as root, and a folder cannot be made immutable here (chattr +i)")
    try:
        yield
    finally:
        subprocess.run([chattr, "-i", str(folder)], check=True)


def test_copy_keeps_bytes_and_time_clashes_get_a_suffix_and_a_second_run_skips(album, library, tmp_path):
    anna = album.person("Anna")
    a = album.photo("2019/IMG_0001.JPG", [anna])
    b = album.photo("2020/IMG_0001.JPG", [anna])  # another file of the same name
    c = album.photo("2020/IMG_0002.JPG", [anna])
    album.photo("2020/gone.jpg", [anna], status=MediaStatus.MISSING)  # the library knows it is gone
    out = tmp_path / "export"
    before = {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in (a, b, c)}

    res, events = _export(library, [(anna, "Anna")], out)
    assert res.failed == [] and res.problem is None and not res.cancelled
    assert sorted(os.listdir(out)) == ["IMG_0001 (2).JPG", "IMG_0001.JPG", "IMG_0002.JPG"]
    by_source = {s: Path(t) for s, t, how in res.exported}
    assert {how for _s, _t, how in res.exported} == {"copy"}
    for src in (a, b, c):
        target = by_source[str(src)]
        assert target.read_bytes() == src.read_bytes()
        assert target.stat().st_mtime_ns == MTIME_NS
        assert target.stat().st_ino != src.stat().st_ino  # a real copy
    assert by_source[str(a)].name == "IMG_0001.JPG" and by_source[str(b)].name == "IMG_0001 (2).JPG"
    assert [e.done for e in events if e.phase == photo_export.EXPORT_PHASE] == [1, 2, 3]
    assert events[-1].phase == Phase.DONE and events[-1].total == 3
    assert res.summary() == f"Exported 3 files to {out}"
    assert {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in (a, b, c)} == before  # originals untouched

    # a different file already there keeps its name and content; the rest is there already
    (out / "IMG_0002.JPG").unlink()
    (out / "IMG_0002.JPG").write_bytes(b"the user's own file")
    again, _ = _export(library, [(anna, "Anna")], out)
    assert sorted(t for _s, t in again.skipped) == [str(out / "IMG_0001 (2).JPG"), str(out / "IMG_0001.JPG")]
    assert [(s, Path(t).name) for s, t, _h in again.exported] == [(str(c), "IMG_0002 (2).JPG")]
    assert (out / "IMG_0002.JPG").read_bytes() == b"the user's own file"
    assert "2 already there" in again.summary()
    third, _ = _export(library, [(anna, "Anna")], out)
    assert third.exported == [] and len(third.skipped) == 3


def test_hard_links_and_symbolic_links(album, library, tmp_path):
    ben = album.person("Ben")
    a = album.photo("a/IMG_1.JPG", [ben])
    b = album.photo("b/IMG_1.JPG", [ben])

    res, _ = _export(library, [(ben, "Ben")], tmp_path / "links", mode=ExportMode.HARDLINK)
    assert [how for _s, _t, how in res.exported] == ["hardlink", "hardlink"]
    for s, t, _h in res.exported:
        assert os.path.samefile(s, t) and not os.path.islink(t)
    again, _ = _export(library, [(ben, "Ben")], tmp_path / "links", mode=ExportMode.HARDLINK)
    assert again.exported == [] and len(again.skipped) == 2

    res, _ = _export(library, [(ben, "Ben")], tmp_path / "symlinks", mode=ExportMode.SYMLINK)
    targets = {s: Path(t) for s, t, _h in res.exported}
    assert sorted(p.name for p in targets.values()) == ["IMG_1 (2).JPG", "IMG_1.JPG"]
    for src in (a, b):
        assert targets[str(src)].is_symlink() and os.readlink(targets[str(src)]) == str(src)
    assert _export(library, [(ben, "Ben")], tmp_path / "symlinks", mode=ExportMode.SYMLINK)[0].exported == []
    # a symbolic link is not a copy: exporting copies into that folder leaves the links and adds copies
    copies, _ = _export(library, [(ben, "Ben")], tmp_path / "symlinks")
    assert len(copies.exported) == 2 and all(not Path(t).is_symlink() for _s, t, _h in copies.exported)
    assert all(p.is_symlink() for p in targets.values())


def test_a_hard_link_to_another_drive_is_a_copy_and_says_so(album, library):
    ben = album.person("Ben")
    src = album.photo("a/IMG_1.JPG", [ben])
    shm = Path("/dev/shm")
    if not shm.is_dir() or shm.stat().st_dev == src.stat().st_dev:
        pytest.skip("no second file system (/dev/shm) to export to")
    with tempfile.TemporaryDirectory(dir=shm) as other:
        res, _ = _export(library, [(ben, "Ben")], Path(other), mode=ExportMode.HARDLINK)
        (_s, target, how), = res.exported
        assert how == "copy" and res.copied_instead == 1
        assert Path(target).read_bytes() == src.read_bytes() and Path(target).stat().st_mtime_ns == MTIME_NS
        assert "1 copied instead of linked (another drive)" in res.summary()


def test_a_missing_original_fails_alone_and_a_video_is_one_file(album, library, tmp_path):
    anna, ben = album.person("Anna"), album.person("Ben")
    gone = album.photo("p/gone.jpg", [anna, ben])
    gone.unlink()  # deleted since the last scan
    kept = album.photo("p/kept.jpg", [anna, ben])
    clip = album.photo("v/clip.mp4", [anna, ben], frames=(1.0, 2.0, 3.5))
    hits = PhotoSearch(library).find([anna, ben])
    assert len(hits) == 5  # three frames of the video, two photos
    group = photo_export.search_group("Anna, Ben", hits)
    assert sorted(group.paths) == sorted([str(gone), str(kept), str(clip)]) and group.videos == {str(clip)}

    res = drive(photo_export.run([group], ExportOptions(str(tmp_path / "out"))))
    assert res.failed == [(str(gone), "not exported: the original is not there any more (index its folder again)")]
    assert sorted(os.listdir(tmp_path / "out")) == ["clip.mp4", "kept.jpg"]
    assert "1 failed" in res.summary()


def test_per_person_folders_and_sidecars(album, library, tmp_path):
    anna, ben, twin = album.person("Anna"), album.person("Ben: 2/3"), album.person("anna")
    both = album.photo("x/IMG_5.JPG", [anna, ben])
    Path(f"{both}.xmp").write_bytes(b"<x:xmpmeta digikam/>")
    (both.parent / "IMG_5.xmp").write_bytes(b"<x:xmpmeta lightroom/>")
    album.photo("y/IMG_6.JPG", [twin])
    out = tmp_path / "out"
    groups = PhotoExport(library).person_groups([(anna, "Anna"), (ben, "Ben: 2/3"), (twin, "anna")])

    res = drive(photo_export.run(groups, ExportOptions(str(out), per_group_folders=True, sidecars=True)))
    assert res.failed == []
    assert sorted(_tree(out)) == ["Anna/IMG_5.JPG", "Anna/IMG_5.JPG.xmp", "Anna/IMG_5.xmp", "Ben_ 2_3/IMG_5.JPG",
                                  "Ben_ 2_3/IMG_5.JPG.xmp", "Ben_ 2_3/IMG_5.xmp", "anna (2)/IMG_6.JPG"]
    assert _tree(out)["Anna/IMG_5.xmp"] == b"<x:xmpmeta lightroom/>" and len(res.sidecars) == 4
    # one folder: the photo of both once
    flat = drive(photo_export.run(groups, ExportOptions(str(tmp_path / "flat"), sidecars=True)))
    assert sorted(_tree(tmp_path / "flat")) == ["IMG_5.JPG", "IMG_5.JPG.xmp", "IMG_5.xmp", "IMG_6.JPG"]
    assert len(flat.exported) == 2
    # an edited sidecar beside the original: the export keeps its own and says so
    Path(f"{both}.xmp").write_bytes(b"<x:xmpmeta digikam edited/>")
    again = drive(photo_export.run(groups, ExportOptions(str(tmp_path / "flat"), sidecars=True)))
    assert again.exported == [] and len(again.skipped) == 2
    assert again.failed == [(f"{both}.xmp", "sidecar not copied: a different IMG_5.JPG.xmp is already in "
                                            f"{tmp_path / 'flat'}")]


def test_a_read_only_target_is_said_in_plain_words(album, library, tmp_path):
    anna, ben = album.person("Anna"), album.person("Ben")
    album.photo("p/a.jpg", [anna])
    album.photo("p/b.jpg", [ben])
    locked = tmp_path / "locked"
    locked.mkdir()
    with read_only(locked):
        res, events = _export(library, [(anna, "Anna")], locked)
        assert res.problem == f"the folder {locked} cannot be written (permission denied)"
        assert res.exported == [] and events[-1].phase == Phase.DONE
        assert res.summary() == f"Nothing exported; stopped: the folder {locked} cannot be written (permission denied)"
    # one person's folder read-only: that person's files fail, the other's are exported
    out = tmp_path / "out"
    (out / "Anna").mkdir(parents=True)
    with read_only(out / "Anna"):
        res, _ = _export(library, [(anna, "Anna"), (ben, "Ben")], out, per_group_folders=True)
    assert [Path(t).relative_to(out).as_posix() for _s, t, _h in res.exported] == ["Ben/b.jpg"]
    (source, error), = res.failed
    assert source.endswith("a.jpg") and error.startswith(f"not exported: cannot write in {out / 'Anna'} (")


def test_cancel_stops_between_files(album, library, tmp_path):
    anna = album.person("Anna")
    for k in range(5):
        album.photo(f"p/{k}.jpg", [anna])
    cancel = CancelToken()
    groups = PhotoExport(library).person_groups([(anna, "Anna")])
    job = photo_export.run(groups, ExportOptions(str(tmp_path / "out")), cancel)
    first = next(job)
    assert first.done == 1
    cancel.cancel()
    res = drive(job)
    assert res.cancelled and len(res.exported) == 1 and len(os.listdir(tmp_path / "out")) == 1
    assert res.summary().endswith("stopped before the end")
