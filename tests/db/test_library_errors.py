# SPDX-License-Identifier: MIT
"""Library problems in plain words from the CLI, each with its exit code, and the file left untouched."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from organizer.cli.main import main as cli_main
from organizer.core.errors import LibraryFullError
from organizer.db import engine as db_engine
from organizer.db.engine import library_problem
from organizer.db.engine import open_library


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "organizer", *args], capture_output=True, text=True, timeout=120)


def test_random_bytes_are_not_a_library(tmp_path: Path) -> None:
    db = tmp_path / "photos.sqlite"
    junk = os.urandom(8192)
    db.write_bytes(junk)
    proc = _cli("status", "--db", str(db))
    assert proc.returncode == 4
    assert proc.stderr.strip() == f"organizer: {db} is not an Organizer library (not a database at all); " \
                                  "it was left untouched"
    assert db.read_bytes() == junk


def test_another_programs_database_is_not_written_into(tmp_path: Path) -> None:
    db = tmp_path / "other.sqlite"
    with sqlite3.connect(db) as c:
        c.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT)")
    before = db.read_bytes()
    proc = _cli("people", "--db", str(db))
    assert proc.returncode == 4 and "not an Organizer library" in proc.stderr and "Traceback" not in proc.stderr
    assert db.read_bytes() == before


def test_newer_library(tmp_path: Path) -> None:
    db = tmp_path / "lib.sqlite"
    engine, _ = open_library(db)
    engine.dispose()
    with sqlite3.connect(db) as c:
        c.execute("PRAGMA user_version = 999")
    proc = _cli("status", "--db", str(db))
    assert proc.returncode == 5 and "Traceback" not in proc.stderr
    assert "made by a newer version of Organizer (schema 999, this one reads up to" in proc.stderr


def test_disk_full_while_indexing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    """SQLITE_FULL, as a full disk gives it (here: a page limit on the connection), in plain words."""
    sys.path.insert(0, str(Path(__file__).parents[1] / "services"))
    from index_fakes import write_jpeg

    album = tmp_path / "album"
    album.mkdir()
    for i in range(400):
        write_jpeg(album / f"p{i:03}.jpg", i)
    db = tmp_path / "lib.sqlite"
    engine, _ = open_library(db)
    engine.dispose()
    pages = sqlite3.connect(db).execute("PRAGMA page_count").fetchone()[0]
    real = db_engine._on_connect

    def small_disk(conn, record) -> None:
        real(conn, record)
        conn.execute(f"PRAGMA max_page_count = {pages + 2}")

    monkeypatch.setattr(db_engine, "_on_connect", small_disk)
    rc = cli_main(["index", "--db", str(db), "--no-progress", "--min-days", "0", str(album)])
    err = capsys.readouterr().err
    assert rc == LibraryFullError.exit_code, err
    assert "The disk holding the library is full. Nothing indexed so far is lost; free space and run again." in err
    assert "Traceback" not in err


def test_unknown_failures_are_not_explained_away() -> None:
    assert library_problem(ValueError("database or disk is full")) is None  # not from the database
