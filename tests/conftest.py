# SPDX-License-Identifier: MIT
"""Shared fixtures: the developer face data (read in place, never copied) and one analyzer per session."""

from __future__ import annotations

import csv
import logging
import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def _restore_log_handlers():
    """A test that sets up Organizer's logging (the app's start) leaves handlers on the root logger that write to
    that test's captured stderr; a later log line would then hit a closed stream. Each test gets the handlers
    and level it started with back."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    for h in list(root.handlers):
        if h not in handlers:
            root.removeHandler(h)
            h.close()
    root.setLevel(level)
FACES_DIR = Path(os.environ.get("ORGANIZER_TEST_FACES", REPO.parent / "shared" / "data" / "faces"))


def _require_faces() -> Path:
    if not (FACES_DIR / "manifest.csv").is_file():
        pytest.skip(f"developer face data not found at {FACES_DIR} (../shared/data/faces beside the repository)")
    return FACES_DIR


@pytest.fixture(scope="session")
def faces_dir() -> Path:
    """The developer face data set (skips the test when it is absent)."""
    return _require_faces()


@pytest.fixture(scope="session")
def manifest(faces_dir: Path) -> list[dict[str, str]]:
    with open(faces_dir / "manifest.csv", newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


@pytest.fixture
def library(tmp_path):
    """A real library file (SQLite, migrated) in the test's temp dir; yields its sessionmaker."""
    from organizer.db.engine import open_library

    engine, sessions = open_library(tmp_path / "lib.sqlite")
    yield sessions
    engine.dispose()


@pytest.fixture(scope="session")
def analyzer():
    """One FaceAnalyzer (real ONNX models) for the whole run: loading them once saves seconds per test."""
    from organizer.vision.analyzer import FaceAnalyzer

    return FaceAnalyzer()


def _jpeg_without_xmp(src: Path, dst: Path) -> Path:
    """A copy of the JPEG ``src`` with its XMP segments left out (the pixels and EXIF stay byte for byte)."""
    data = src.read_bytes()
    assert data[:2] == b"\xff\xd8", f"{src} is not a JPEG"
    out, i = [data[:2]], 2
    while i + 4 <= len(data) and data[i] == 0xFF and data[i + 1] not in (0xDA, 0xD9):
        n = int.from_bytes(data[i + 2:i + 4], "big")
        segment = data[i:i + 2 + n]
        if not (data[i + 1] == 0xE1 and segment[4:].startswith((b"http://ns.adobe.com/xap/1.0/\x00",
                                                               b"http://ns.adobe.com/xmp/extension/\x00"))):
            out.append(segment)
        i += 2 + n
    out.append(data[i:])
    dst.write_bytes(b"".join(out))
    return dst


@pytest.fixture
def without_xmp():
    """``without_xmp(src, dst)``: a copy of a JPEG without the face regions another tool wrote into it."""
    return _jpeg_without_xmp
