# SPDX-License-Identifier: MIT
"""The library database: pragmas, migrations, path storage, status."""

from __future__ import annotations

import json
import os

import pytest
from sqlalchemy import inspect
from sqlalchemy import select
from sqlalchemy import text

from organizer.db import migrations
from organizer.db import repo
from organizer.db.base import Base
from organizer.db.engine import create_sqlite_engine
from organizer.db.engine import open_library
from organizer.db.migrations import Migration
from organizer.db.migrations import SchemaTooNewError
from organizer.db.models import Face
from organizer.db.models import Media
from organizer.db.models import MediaKind
from organizer.db.models import MediaStatus
from organizer.db.models import Person


def test_pragmas_wal_and_foreign_keys(tmp_path):
    engine, _ = open_library(tmp_path / "lib.sqlite")
    with engine.connect() as c:
        assert c.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert c.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert c.exec_driver_sql("PRAGMA user_version").scalar() == migrations.LATEST


def test_migrated_schema_matches_models(tmp_path):
    engine, _ = open_library(tmp_path / "lib.sqlite")
    insp = inspect(engine)
    assert set(insp.get_table_names()) == set(Base.metadata.tables)
    for name, table in Base.metadata.tables.items():
        assert {c["name"] for c in insp.get_columns(name)} == {c.name for c in table.columns}, name
        assert {i["name"] for i in insp.get_indexes(name)} == {i.name for i in table.indexes}, name


def _add_photo(s, path: str, **kw) -> Media:
    m = Media(path=path, size=kw.get("size", 10), mtime_ns=1, kind=MediaKind.PHOTO,
              status=kw.get("status", MediaStatus.OK), error=kw.get("error"))
    s.add(m)
    s.flush()
    return m


def _add_face(s, media: Media) -> Face:
    f = Face(media_id=media.id, x=1, y=2, w=3, h=4, score=0.9, embedding=b"\0" * 16, embedding_model="t",
             embedding_dim=4)
    s.add(f)
    s.flush()
    return f


def test_upgrade_from_version_1_keeps_data(tmp_path):
    db = tmp_path / "lib.sqlite"
    engine = create_sqlite_engine(db)
    assert migrations.upgrade(engine, migrations.MIGRATIONS[:1]) == 1

    # Rows as version 1 stores them (plain SQL: today's models have columns version 1 lacks).
    with engine.begin() as c:
        c.execute(text("INSERT INTO media (id, path, size, mtime_ns, kind, status, indexed_at) "
                       "VALUES (1, CAST('/p/a.jpg' AS BLOB), 10, 1, 'photo', 'ok', CURRENT_TIMESTAMP)"))
        c.execute(text("INSERT INTO person (id, name, hidden, created_at) VALUES (1, 'Ann', 0, CURRENT_TIMESTAMP)"))
        c.execute(text("INSERT INTO face (id, media_id, x, y, w, h, score, embedding, embedding_model, embedding_dim,"
                       " person_id, assigned_by) VALUES (1, 1, 1, 2, 3, 4, 0.9, zeroblob(16), 't', 4, 1, 'user')"))
        c.execute(text("INSERT INTO user_decision (kind, person_id, value, created_at) "
                       "VALUES ('renamed', 1, 'Ann', CURRENT_TIMESTAMP)"))

    def v2(conn):
        conn.execute(text("ALTER TABLE person ADD COLUMN birth_year INTEGER"))
        conn.execute(text("UPDATE person SET birth_year = 1980"))

    # Every real migration after version 1, then a test-only one that adds a column.
    test_version = migrations.LATEST + 1
    assert migrations.upgrade(engine, (*migrations.MIGRATIONS, Migration(test_version, "birth year", v2))) \
        == test_version
    with engine.connect() as c:
        assert c.exec_driver_sql("PRAGMA user_version").scalar() == test_version
        assert "ix_face_person_summary" in {i["name"] for i in inspect(engine).get_indexes("face")}
        assert c.execute(text("SELECT name, birth_year FROM person")).one() == ("Ann", 1980)
        assert c.execute(text("SELECT assigned_by FROM face")).scalar() == "user"
        assert c.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
    # Opening with code that only knows version 1 is refused, not silently downgraded.
    with pytest.raises(SchemaTooNewError):
        migrations.upgrade(engine)


@pytest.mark.parametrize(("stored", "want"), [(None, None), ("0.8", 0.485), ("0.72", 0.436), ('"high"', "high")])
def test_version_5_carries_a_saved_threshold_into_the_fused_space(tmp_path, stored, want):
    engine = create_sqlite_engine(tmp_path / "lib.sqlite")
    assert migrations.upgrade(engine, migrations.MIGRATIONS[:4]) == 4
    with engine.begin() as c:
        c.execute(text("INSERT INTO library_setting (\"key\", value) VALUES ('min_faces', '3')"))
        if stored is not None:
            c.execute(text("INSERT INTO library_setting (\"key\", value) VALUES ('threshold', :v)"), {"v": stored})
    assert migrations.upgrade(engine) == migrations.LATEST
    with engine.connect() as c:
        got = {k: json.loads(v) for k, v in c.execute(text('SELECT "key", value FROM library_setting'))}
    assert got.get("threshold") == want and got["min_faces"] == 3  # "high" is no number: left to the reader
    assert "face_embedding" in inspect(engine).get_table_names()


def test_failed_migration_rolls_back(tmp_path):
    engine = create_sqlite_engine(tmp_path / "lib.sqlite")
    migrations.upgrade(engine)

    def bad(conn):
        conn.execute(text("ALTER TABLE person ADD COLUMN x INTEGER"))
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        migrations.upgrade(engine, (*migrations.MIGRATIONS, Migration(migrations.LATEST + 1, "bad", bad)))
    insp = inspect(engine)
    assert "x" not in {c["name"] for c in insp.get_columns("person")}
    with engine.connect() as c:
        assert c.exec_driver_sql("PRAGMA user_version").scalar() == migrations.LATEST


def test_non_utf8_paths_round_trip(tmp_path):
    _, sessions = open_library(tmp_path / "lib.sqlite")
    name = os.fsdecode(b"/photos/caf\xe9/\xff\xfe.jpg")
    with sessions.begin() as s:
        _add_photo(s, name)
    with sessions() as s:
        got = s.scalar(select(Media.path))
        assert os.fsencode(got) == b"/photos/caf\xe9/\xff\xfe.jpg"
        assert repo.media_by_path(s, name) is not None


def test_cascade_and_status(tmp_path):
    _, sessions = open_library(tmp_path / "lib.sqlite")
    with sessions.begin() as s:
        ok = _add_photo(s, "/p/a.jpg")
        _add_face(s, ok)
        _add_face(s, ok)
        gone = _add_photo(s, "/p/gone.jpg", status=MediaStatus.MISSING)
        _add_face(s, gone)
        _add_photo(s, "/p/bad.jpg", status=MediaStatus.ERROR, error="truncated JPEG")
        s.add(Person(name="x"))
    with sessions() as s:
        st = repo.status(s)
    assert st["media"] == {"photo": 2, "video": 0}
    assert st["faces"] == 2
    assert st["persons"] == 1
    assert st["errors"] == [{"path": "/p/bad.jpg", "error": "truncated JPEG"}]
    with sessions.begin() as s:
        s.delete(s.scalar(select(Media).where(Media.path == "/p/a.jpg")))
    with sessions() as s:
        assert s.scalar(select(Face.id).join(Media).where(Media.path == "/p/a.jpg")) is None


def test_add_folders_parent_and_duplicate(tmp_path):
    _, sessions = open_library(tmp_path / "lib.sqlite")
    with sessions.begin() as s:
        a = repo.add_folders(s, ["/p/x/a"])
        again = repo.add_folders(s, ["/p/x/a", "/p/x/a/sub"])
        assert again == {"/p/x/a": a["/p/x/a"], "/p/x/a/sub": a["/p/x/a"]}
        parent = repo.add_folders(s, ["/p/x"])
        assert repo.folder_paths(s) == ["/p/x"]
        assert parent["/p/x"] != a["/p/x/a"]


def test_known_media_statuses_are_the_shared_enum(tmp_path):
    _, sessions = open_library(tmp_path / "lib.sqlite")
    with sessions.begin() as s:
        _add_photo(s, "/p/a.jpg")
        _add_photo(s, "/p/gone.jpg", status=MediaStatus.MISSING)
    with sessions() as s:
        known = repo.known_media(s)
    assert {p: k.status for p, k in known.items()} == {"/p/a.jpg": "ok", "/p/gone.jpg": "missing"}
    assert all(type(k.status) is MediaStatus for k in known.values())
