# SPDX-License-Identifier: MIT
"""``organizer export-photos``: the JSON contract, persons by name or id, modes, a second run, exit codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np

from organizer.db.models import DecidedBy
from organizer.db.models import Face
from organizer.db.models import Media
from organizer.db.models import MediaKind
from organizer.db.models import MediaStatus
from organizer.db.models import Person


def _library(sessions, root: Path) -> dict[str, Path]:
    """Anna (id 1) on a.jpg and a video, Bob (id 2, no name) on a.jpg and b.jpg; b.jpg has a sidecar."""
    files = {"a": root / "2019" / "a.jpg", "b": root / "2020" / "b.jpg", "clip": root / "2020" / "clip.mp4"}
    with sessions.begin() as s:
        s.add_all([Person(id=1, name="Anna"), Person(id=2)])
        for k, (key, persons, frames) in enumerate((("a", (1, 2), (None,)), ("b", (2,), (None,)),
                                                    ("clip", (1,), (0.5, 1.5))), start=1):
            path = files[key]
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(key.encode() * 1000)
            s.add(Media(id=k, path=str(path), size=path.stat().st_size, mtime_ns=1, width=64, height=48,
                        kind=MediaKind.VIDEO if key == "clip" else MediaKind.PHOTO, status=MediaStatus.OK))
            for frame in frames:
                for j, pid in enumerate(persons):
                    s.add(Face(media_id=k, frame_s=frame, x=5.0 + 20 * j, y=5.0, w=15.0, h=15.0, score=0.99,
                               embedding=np.zeros(8, np.float32).tobytes(), embedding_model="test",
                               embedding_dim=8, person_id=pid, assigned_by=DecidedBy.USER))
    Path(f"{files['b']}.xmp").write_text("<x:xmpmeta/>")
    return files


def _organizer(db: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "organizer", "export-photos", "--db", str(db), *args],
                          capture_output=True, text=True, timeout=120)


def test_json_contract_persons_by_name_and_id_and_a_second_run(library, tmp_path):
    db = Path(library.kw["bind"].url.database)
    files = _library(library, tmp_path / "photos")
    out = tmp_path / "out"

    proc = _organizer(db, "--to", str(out), "--person", "anna", "--person", "2", "--per-person-folders",
                      "--with-sidecars", "--json")
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert set(doc) == {"folder", "mode", "exported", "skipped", "sidecars", "failed", "stopped"}
    assert doc["folder"] == str(out) and doc["mode"] == "copy" and doc["stopped"] is None
    assert all(set(e) == {"source", "target", "how"} and e["how"] == "copy" for e in doc["exported"])
    assert sorted(os.path.relpath(e["target"], out) for e in doc["exported"]) == [
        "Anna/a.jpg", "Anna/clip.mp4", "Person 2/a.jpg", "Person 2/b.jpg"]  # the video once, not per frame
    assert doc["sidecars"] == [{"source": f"{files['b']}.xmp", "target": str(out / "Person 2" / "b.jpg.xmp")}]
    assert (out / "Anna" / "a.jpg").read_bytes() == files["a"].read_bytes()

    again = json.loads(_organizer(db, "--to", str(out), "--person", "Anna", "--person", "2",
                                  "--per-person-folders", "--json").stdout)
    assert again["exported"] == [] and len(again["skipped"]) == 4

    text = _organizer(db, "--to", str(tmp_path / "links"), "--person", "Anna", "--person", "2", "--together",
                      "--mode", "symlink")
    assert text.returncode == 0, text.stderr
    assert text.stdout.splitlines() == [f"Exported 1 file to {tmp_path / 'links'}"]
    assert os.readlink(tmp_path / "links" / "a.jpg") == str(files["a"])


def test_unknown_person_and_unwritable_folder_exit_2(library, tmp_path):
    db = Path(library.kw["bind"].url.database)
    _library(library, tmp_path / "photos")
    bad = _organizer(db, "--to", str(tmp_path / "out"), "--person", "Ann")
    assert bad.returncode == 2 and "no person called 'Ann'; did you mean 'Anna'?" in bad.stderr
    assert not (tmp_path / "out").exists()
    blocker = tmp_path / "a file"
    blocker.write_text("not a folder")
    proc = _organizer(db, "--to", str(blocker / "sub"), "--person", "Anna", "--json")
    assert proc.returncode == 2
    assert json.loads(proc.stdout)["stopped"] == f"the folder {blocker / 'sub'} cannot be made (not a directory)"
