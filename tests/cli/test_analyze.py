# SPDX-License-Identifier: MIT
"""``organizer analyze``: the JSON contract and exit codes, through the installed command."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest


def _organizer(*args: str) -> subprocess.CompletedProcess[str]:
    exe = shutil.which("organizer", path=str(Path(sys.executable).parent))
    cmd = [exe] if exe else [sys.executable, "-m", "organizer"]
    return subprocess.run([*cmd, *args], capture_output=True, text=True, timeout=300)


def test_json_contract_with_a_bad_file_among_good_ones(faces_dir: Path, tmp_path: Path) -> None:
    bad = tmp_path / "notes.jpg"
    bad.write_text("not a photo")
    good = faces_dir / "_groups" / "deepface_couple.jpg"
    proc = _organizer("analyze", "--json", "--embeddings", str(good), str(bad))
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert set(doc) == {"images"}
    first, second = doc["images"]
    assert set(first) == {"path", "width", "height", "error", "faces"}
    assert first["path"] == str(good) and first["error"] is None
    assert (first["width"], first["height"]) == (2280, 1588)
    assert len(first["faces"]) == 2
    for face in first["faces"]:
        assert set(face) == {"box", "score", "landmarks", "age", "p_male", "embedding", "arcface_embedding",
                             "dlib_embedding"}
        x, y, w, h = face["box"]
        assert x >= 0 and y >= 0 and x + w <= first["width"] + 1 and y + h <= first["height"] + 1
        assert len(face["landmarks"]) == 5 and all(len(p) == 2 for p in face["landmarks"])
        assert 0 <= face["p_male"] <= 1 and 1 <= face["age"] <= 100
        assert len(face["embedding"]) == 1024 and len(face["arcface_embedding"]) == 512
        assert abs(sum(v * v for v in face["arcface_embedding"]) - 1.0) < 1e-4
        assert face["dlib_embedding"] is None  # the key stays for its readers; dlib's ResNet no longer runs
    genders = sorted(f["p_male"] >= 0.5 for f in first["faces"])
    assert genders == [False, True]  # the couple: one woman, one man
    assert second["error"] and second["faces"] == [] and second["path"] == str(bad)


def test_without_embeddings_and_exit_code_when_nothing_is_readable(tmp_path: Path) -> None:
    empty = tmp_path / "empty.jpg"
    empty.write_bytes(b"")
    proc = _organizer("analyze", "--json", str(empty), str(tmp_path / "missing.png"))
    assert proc.returncode != 0
    doc = json.loads(proc.stdout)
    assert [bool(i["error"]) for i in doc["images"]] == [True, True]
    assert "empty" in doc["images"][0]["error"]


def test_text_output(faces_dir: Path) -> None:
    proc = _organizer("analyze", str(faces_dir / "_unlabelled" / "immich_portrait.jpg"))
    assert proc.returncode == 0, proc.stderr
    assert "1 face(s)" in proc.stdout and "age=" in proc.stdout


@pytest.mark.parametrize("args", [["--help"], ["analyze", "--help"], ["--version"]])
def test_help(args: list[str]) -> None:
    assert _organizer(*args).returncode == 0
