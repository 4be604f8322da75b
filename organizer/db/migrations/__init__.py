# SPDX-License-Identifier: MIT
"""A small versioned migration runner keyed on SQLite's ``PRAGMA user_version``.

Each migration is a module ``vNNN_name.py`` with ``VERSION`` and ``upgrade(conn)``. A database at
version *n* gets every migration above *n*, in order, each in its own transaction together with the
version bump, so a crash mid-upgrade leaves the previous version intact (SQLite DDL is transactional).
Chosen over alembic: one SQLite file, no autogenerate needed, no extra dependency or ini file to ship
in the frozen app, and the version lives inside the file itself.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Connection
from sqlalchemy import Engine
from sqlalchemy import text

from organizer.core.errors import LibraryTooNewError
from organizer.db.migrations import v001_initial
from organizer.db.migrations import v002_person_summary_index
from organizer.db.migrations import v003_library_settings
from organizer.db.migrations import v004_error_detail
from organizer.db.migrations import v005_face_embedding
from organizer.db.migrations import v006_face_expression

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    name: str
    upgrade: Callable[[Connection], None]


MIGRATIONS: tuple[Migration, ...] = (
    Migration(v001_initial.VERSION, "initial", v001_initial.upgrade),
    Migration(v002_person_summary_index.VERSION, "person summary index", v002_person_summary_index.upgrade),
    Migration(v003_library_settings.VERSION, "library settings", v003_library_settings.upgrade),
    Migration(v004_error_detail.VERSION, "error detail", v004_error_detail.upgrade),
    Migration(v005_face_embedding.VERSION, "face embeddings of further networks", v005_face_embedding.upgrade),
    Migration(v006_face_expression.VERSION, "face expression", v006_face_expression.upgrade),
)

#: The schema version this code writes.
LATEST = MIGRATIONS[-1].version


class SchemaTooNewError(LibraryTooNewError):
    """The library was written by a newer Organizer (its schema version is above :data:`LATEST`)."""

    def __init__(self, version: int, latest: int) -> None:
        super().__init__(f"made by a newer version of Organizer (schema {version}, this one reads up to {latest})")
        self.version, self.latest = version, latest


def current_version(conn: Connection) -> int:
    return int(conn.exec_driver_sql("PRAGMA user_version").scalar_one())


def upgrade(engine: Engine, migrations: Sequence[Migration] = MIGRATIONS) -> int:
    """Bring the database to the newest version in ``migrations``; returns the version reached."""
    latest = migrations[-1].version
    with engine.connect() as conn:
        version = current_version(conn)
    if version > latest:
        raise SchemaTooNewError(version, latest)
    for m in migrations:
        if m.version <= version:
            continue
        log.info("Upgrading library schema to version %d (%s)", m.version, m.name)
        with engine.begin() as conn:
            # pysqlite starts transactions lazily; make DDL and the version bump one explicit transaction.
            m.upgrade(conn)
            conn.execute(text(f"PRAGMA user_version = {int(m.version)}"))
        version = m.version
    return version
