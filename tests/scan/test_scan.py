# SPDX-License-Identifier: MIT
"""Walking folders, fingerprints and the incremental plan."""

from __future__ import annotations

import os

from organizer.core.vocabulary import MediaKind
from organizer.core.vocabulary import MediaStatus
from organizer.scan import walker
from organizer.scan.fingerprint import fingerprint_bytes
from organizer.scan.fingerprint import fingerprint_path
from organizer.scan.planner import KnownMedia
from organizer.scan.planner import plan


def _touch(path, data=b"x"):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)


def test_walk_extensions_hidden_system_and_links(tmp_path):
    root = tmp_path / "album"
    for rel in ("a.JPG", "b.jpeg", "c.HEIC", "d.Mov", "e.mp4", "f.3gp", "sub/g.png", "sub/deep/h.webp",
                "notes.txt", ".hidden/i.jpg", "@eaDir/j.jpg", "$RECYCLE.BIN/k.jpg", "sub/._l.jpg"):
        _touch(str(root / rel))
    os.symlink(root, root / "sub" / "loop")          # a loop back to the root
    os.symlink(root / "sub", root / "sub_again")     # the same folder twice
    os.symlink(root / "nowhere", root / "dangling.jpg")
    files = list(walker.walk([root, root / "sub"]))
    names = sorted(os.path.relpath(f.path, root) for f in files)
    assert names == ["a.JPG", "b.jpeg", "c.HEIC", "d.Mov", "e.mp4", "f.3gp", "sub/deep/h.webp", "sub/g.png"]
    kinds = {os.path.basename(f.path): f.kind for f in files}
    assert kinds["d.Mov"] == "video" and kinds["c.HEIC"] == "photo"


def test_walk_non_utf8_name(tmp_path):
    d = os.fsencode(tmp_path)
    with open(os.path.join(d, b"caf\xe9.jpg"), "wb") as f:
        f.write(b"x")
    (found,) = list(walker.walk([tmp_path]))
    assert os.fsencode(found.path) == os.path.join(d, b"caf\xe9.jpg")


def test_walk_reports_unlistable_root(tmp_path):
    errors = []
    assert list(walker.walk([tmp_path / "missing"], errors)) == []
    assert errors and errors[0][0].endswith("missing")


def test_fingerprint_samples(tmp_path):
    small = b"abc" * 10
    big = os.urandom(1_000_000)
    p = tmp_path / "big.bin"
    p.write_bytes(big)
    assert fingerprint_path(p) == fingerprint_bytes(big)
    assert fingerprint_bytes(small) != fingerprint_bytes(small + b"d")
    changed = bytearray(big)
    changed[-1] ^= 1
    assert fingerprint_bytes(bytes(changed)) != fingerprint_bytes(big)


def test_plan():
    F = walker.FoundFile
    photo = MediaKind.PHOTO
    found = [F("/r/same.jpg", 10, 1, photo), F("/r/changed.jpg", 11, 1, photo), F("/r/new.jpg", 5, 1, photo),
             F("/r/back.jpg", 7, 1, photo)]
    known = {
        "/r/same.jpg": KnownMedia(1, "/r/same.jpg", 10, 1, MediaStatus.OK),
        "/r/changed.jpg": KnownMedia(2, "/r/changed.jpg", 10, 1, MediaStatus.OK),
        "/r/gone.jpg": KnownMedia(3, "/r/gone.jpg", 10, 1, MediaStatus.OK),
        "/r/back.jpg": KnownMedia(4, "/r/back.jpg", 7, 1, MediaStatus.MISSING),
        "/other/x.jpg": KnownMedia(5, "/other/x.jpg", 1, 1, MediaStatus.OK),
        "/r2/y.jpg": KnownMedia(6, "/r2/y.jpg", 1, 1, MediaStatus.OK),
    }
    p = plan(found, known, ["/r"])
    assert [k.id for k in p.unchanged] == [1]
    assert [k.id for _, k in p.changed] == [2]
    assert [f.path for f in p.new] == ["/r/new.jpg"]
    assert [k.id for k in p.missing] == [3]       # /r2 is not under /r
    assert [k.id for _, k in p.returned] == [4]
