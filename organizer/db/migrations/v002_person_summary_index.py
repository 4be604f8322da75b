# SPDX-License-Identifier: MIT
"""Schema version 2: a covering index for the people grid.

Listing persons reads person, photo, gender and age of every assigned face. Face rows carry a 4 KB
embedding and a thumbnail, so a table scan reads the whole library file; this index holds just the
listed columns (and the row id) and makes the query read a few MB instead.
"""

from __future__ import annotations

from sqlalchemy import Connection
from sqlalchemy import text

VERSION = 2


def upgrade(conn: Connection) -> None:
    conn.execute(text(
        "CREATE INDEX ix_face_person_summary ON face (person_id, media_id, p_male, age, score, w, h)"
    ))
