# SPDX-License-Identifier: MIT
"""The SQLite engine: pragmas on every connection, migrations on open."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from sqlalchemy import Engine
from sqlalchemy import create_engine
from sqlalchemy import event
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session
from sqlalchemy.orm import sessionmaker

from organizer.core.errors import LibraryError
from organizer.core.errors import LibraryFullError
from organizer.core.errors import NotALibraryError
from organizer.db import migrations

#: How long a connection waits for another writer before "database is locked" (ms).
BUSY_TIMEOUT_MS = 30_000


def _on_connect(dbapi_conn: sqlite3.Connection, _record: Any) -> None:
    # pysqlite opens its own implicit transactions, which break PRAGMA foreign_keys and DDL transactions.
    # Turn that off here and let SQLAlchemy's begin() emit BEGIN (see the SQLAlchemy pysqlite docs).
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    # WAL: readers (the GUI) never block the single writer (the indexer) and a crash never corrupts.
    cur.execute("PRAGMA journal_mode=WAL")
    # NORMAL is durable across application crashes in WAL mode; only a power cut may lose the last commits.
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cur.close()


def _on_begin(conn: Any) -> None:
    # Write transactions that read first ask for the write lock up front (engine.execution_options(
    # sqlite_immediate=True)); plain BEGIN lets readers run beside the writer.
    immediate = conn.get_execution_options().get("sqlite_immediate", False)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def _on_connect_readonly(dbapi_conn: sqlite3.Connection, _record: Any) -> None:
    dbapi_conn.isolation_level = None
    dbapi_conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")


def create_sqlite_engine(path: str | Path, readonly: bool = False) -> Engine:
    """An engine on one SQLite file, with WAL and foreign keys on every connection.

    ``readonly``: every connection is opened read-only (``mode=ro``): it reads what the writer committed and,
    unlike a read-write connection, never checkpoints or deletes the WAL when it closes (see
    :mod:`organizer.db.lock`).
    """
    if readonly:
        engine = create_engine("sqlite://", creator=lambda: sqlite3.connect(
            f"{Path(path).resolve().as_uri()}?mode=ro", uri=True, check_same_thread=False))
        event.listen(engine, "connect", _on_connect_readonly)
    else:
        engine = create_engine(f"sqlite:///{Path(path)}", connect_args={"check_same_thread": False})
        event.listen(engine, "connect", _on_connect)
    event.listen(engine, "begin", _on_begin)
    return engine


def write_sessions(sessions: sessionmaker[Session]) -> sessionmaker[Session]:
    """A sessionmaker like ``sessions`` whose transactions start with BEGIN IMMEDIATE.

    In WAL mode a transaction that read first and then writes fails at once with "database is locked"
    (no busy wait) when another connection committed in between. Writers that read before they write
    (the indexer's writer, re-clustering, hand edits) take the write lock up front instead and wait
    their turn (``busy_timeout``); readers keep plain BEGIN and never block anyone.
    """
    bind = sessions.kw.get("bind")
    if bind is None:
        return sessions
    return sessionmaker(bind.execution_options(sqlite_immediate=True), expire_on_commit=False)


def open_library_readonly(path: str | Path) -> tuple[Engine, sessionmaker[Session]]:
    """Open an existing library to read it while another process writes it (never changes the file).

    Raises:
        LibraryError: when it is not a library, or its schema is not the one this Organizer reads and writes
            (the writer brings it up to date when it opens it).
    """
    path = Path(path)
    _check_is_library(path)
    engine = create_sqlite_engine(path, readonly=True)
    try:
        with engine.connect() as conn:
            version = migrations.current_version(conn)
    except Exception as e:
        engine.dispose()
        problem = library_problem(e)
        if problem is None:
            raise
        raise type(problem)(f"{path} {problem}") from e
    if version != migrations.LATEST:
        engine.dispose()
        if version > migrations.LATEST:
            raise migrations.SchemaTooNewError(version, migrations.LATEST)
        raise LibraryError(f"{path} is being upgraded by the Organizer that has it open; try again in a moment")
    return engine, sessionmaker(engine, expire_on_commit=False)


def open_library(path: str | Path) -> tuple[Engine, sessionmaker[Session]]:
    """Open (creating if needed) a library file and bring its schema up to date.

    Raises:
        LibraryError: in plain words, naming the file, when it is not an Organizer library, was made by a
            newer Organizer, or the disk is full; the file is left as it was.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    _check_is_library(path)
    engine = create_sqlite_engine(path)
    try:
        migrations.upgrade(engine)
    except Exception as e:
        engine.dispose()
        problem = library_problem(e)
        if problem is None:
            raise
        if isinstance(problem, LibraryFullError):
            raise problem from e
        raise type(problem)(f"{path} {problem}") from e
    return engine, sessionmaker(engine, expire_on_commit=False)


def _check_is_library(path: Path) -> None:
    """Refuse, before anything is written (WAL mode changes the file's header), a file that is not a library."""
    if not path.exists() or path.stat().st_size == 0:
        return
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            tables = conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
        finally:
            conn.close()
    except sqlite3.DatabaseError as e:
        problem = library_problem(e)
        if problem is None:
            raise
        raise type(problem)(f"{path} {problem}") from e
    if version == 0 and tables:
        raise NotALibraryError(f"{path} is an SQLite database of another program, not an Organizer library; "
                               "it was left untouched")


def is_database_locked(e: BaseException) -> bool:
    """SQLite's "database is locked": another connection held the write lock past the busy timeout.

    Nothing was written, so the work can simply be tried again later; every other failure is a real error.
    """
    return isinstance(e, OperationalError | sqlite3.OperationalError) and "database is locked" in str(e)


def library_problem(e: BaseException) -> LibraryError | None:
    """What a database failure means for the user, found anywhere in the exception's chain (None: unknown).

    "file is not a database" -> not a library; SQLITE_FULL ("database or disk is full") -> disk full.
    """
    seen: set[int] = set()
    cur: BaseException | None = e
    while cur is not None and id(cur) not in seen:
        seen.add(id(cur))
        if isinstance(cur, LibraryError):
            return cur
        text = str(cur)
        if isinstance(cur, sqlite3.DatabaseError | DBAPIError):
            if "file is not a database" in text:
                return NotALibraryError("is not an Organizer library (not a database at all); it was left untouched")
            if "database or disk is full" in text:
                return LibraryFullError("The disk holding the library is full. Nothing indexed so far is lost; "
                                        "free space and run again.")
        cur = cur.__cause__ or cur.__context__
    return None
