# SPDX-License-Identifier: MIT
"""A full index run writes nothing outside the library: no telemetry file of ONNX Runtime, no cache."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path


def test_index_run_writes_nothing_outside_the_library(tmp_path: Path, faces_dir: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    album = tmp_path / "album"
    album.mkdir()
    for src in ("_groups/faceapi_bbt1.jpg", "_unlabelled/immich_portrait.jpg"):
        shutil.copy(faces_dir / src, album)
    db = tmp_path / "lib" / "library.sqlite"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("XDG_", "ORT_"))}
    env["HOME"] = str(home)
    proc = subprocess.run([sys.executable, "-m", "organizer", "index", "--db", str(db), "--no-progress", str(album)],
                          env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "2 analyzed" in proc.stderr
    written = sorted(str(p.relative_to(home)) for p in home.rglob("*"))
    assert written == [], f"files written under HOME: {written}"
    library_files = {"library.sqlite", "library.sqlite-shm", "library.sqlite-wal", "library.sqlite.lock"}
    assert {p.name for p in db.parent.iterdir()} <= library_files
