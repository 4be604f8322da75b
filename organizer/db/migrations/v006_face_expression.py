# SPDX-License-Identifier: MIT
"""Schema version 6: each face's expression (``face.expression``, ``face.expression_p``).

``face.expression`` is the most probable of the expression network's seven classes ("happy"), and
``face.expression_p`` all seven probabilities as little-endian float32 bytes, in the order of
``organizer.vision.expression.LABELS``. Both are NULL for faces analyzed before this version: the expression
network is not part of the analysis id (``organizer/vision/models.py``), so upgrading does not re-analyze the
library; such a face shows no expression until its file is analyzed again.
"""

from __future__ import annotations

from sqlalchemy import Connection
from sqlalchemy import text

VERSION = 6


def upgrade(conn: Connection) -> None:
    conn.execute(text("ALTER TABLE face ADD COLUMN expression VARCHAR(16)"))
    conn.execute(text("ALTER TABLE face ADD COLUMN expression_p BLOB"))
