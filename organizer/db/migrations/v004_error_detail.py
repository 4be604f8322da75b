# SPDX-License-Identifier: MIT
"""Schema version 4: the technical cause of a file's error, beside the plain-words message.

``media.error`` says in plain words why a file could not be indexed ("The file is damaged or incomplete");
``media.error_detail`` keeps the decoder's own words for the log and the errors panel's tooltip.
"""

from __future__ import annotations

from sqlalchemy import Connection
from sqlalchemy import text

VERSION = 4


def upgrade(conn: Connection) -> None:
    conn.execute(text("ALTER TABLE media ADD COLUMN error_detail TEXT"))
