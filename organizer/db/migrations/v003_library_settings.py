# SPDX-License-Identifier: MIT
"""Schema version 3: the library's own settings (clustering and video sampling).

One row per setting, its value as JSON text. The settings belong to the library, not to the machine or the
program that opens it: the desktop app and every CLI command read the same values, so ``organizer cluster``
re-clusters with what the app's settings dialog chose.
"""

from __future__ import annotations

from sqlalchemy import Connection
from sqlalchemy import text

VERSION = 3


def upgrade(conn: Connection) -> None:
    conn.execute(text(
        'CREATE TABLE library_setting ("key" VARCHAR(64) NOT NULL, value TEXT NOT NULL, '
        'CONSTRAINT pk_library_setting PRIMARY KEY ("key"))'
    ))
