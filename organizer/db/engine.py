# SPDX-License-Identifier: MIT
"""The SQLite engine: pragmas on every connection, migrations on open."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from sqlalchemy import Engine
from sqlalchemy import create_engine
from sqlalchemy import event
from sqlalchemy.orm import Session
from sqlalchemy.orm import sessionmaker

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


def create_sqlite_engine(path: str | Path) -> Engine:
    """An engine on one SQLite file, with WAL and foreign keys on every connection."""
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


def open_library(path: str | Path) -> tuple[Engine, sessionmaker[Session]]:
    """Open (creating if needed) a library file and bring its schema up to date."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    engine = create_sqlite_engine(path)
    migrations.upgrade(engine)
    return engine, sessionmaker(engine, expire_on_commit=False)
