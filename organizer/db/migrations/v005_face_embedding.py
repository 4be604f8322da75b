# SPDX-License-Identifier: MIT
"""Schema version 5: embeddings of further identity networks (table ``face_embedding``), and cover faces.

Faces get their picture quality (``face.sharpness``, ``face.frontal``, measured at indexing) and persons the
clustering's choice of their picture (``person.cover_face_id``); persons also get the exact birth date the user
may enter (``person.birth_date``, NULL when not known), which overrides the birth year estimated from the faces.

The persons are now clustered on two identity networks fused (faceres and dlib's ResNet:
:mod:`organizer.cluster.fusion`), whose distances are on another scale than faceres' alone. A clustering
threshold the user saved for the old space is carried over in proportion to the default (a threshold 10 %
stricter than the old default stays 10 % stricter than the new one), so "stricter" or "looser" survives the
upgrade; the files are re-analyzed at the next indexing (their analysis id changed), keeping every correction.
"""

from __future__ import annotations

import json
import logging

from sqlalchemy import Connection
from sqlalchemy import text

log = logging.getLogger(__name__)

VERSION = 5

#: The default threshold of the faceres-only space (schema 4) and of the fused space (schema 5).
OLD_DEFAULT_THRESHOLD = 0.8
NEW_DEFAULT_THRESHOLD = 0.485


def carried_threshold(old: float) -> float:
    """A threshold of the faceres-only space, as the same strictness in the fused space."""
    return round(float(old) * NEW_DEFAULT_THRESHOLD / OLD_DEFAULT_THRESHOLD, 3)


def upgrade(conn: Connection) -> None:
    conn.execute(text(
        "CREATE TABLE face_embedding (face_id INTEGER NOT NULL, model VARCHAR(64) NOT NULL, dim INTEGER NOT NULL, "
        "vector BLOB NOT NULL, CONSTRAINT pk_face_embedding PRIMARY KEY (face_id, model), "
        "CONSTRAINT fk_face_embedding_face_id_face FOREIGN KEY(face_id) REFERENCES face (id) ON DELETE CASCADE)"
    ))
    conn.execute(text("ALTER TABLE face ADD COLUMN sharpness FLOAT"))
    conn.execute(text("ALTER TABLE face ADD COLUMN frontal FLOAT"))
    conn.execute(text("ALTER TABLE person ADD COLUMN cover_face_id INTEGER"))
    conn.execute(text("ALTER TABLE person ADD COLUMN birth_date DATE"))
    row = conn.execute(text("SELECT value FROM library_setting WHERE \"key\" = 'threshold'")).first()
    if row is None:
        return
    try:
        old = float(json.loads(row[0]))
    except (TypeError, ValueError):
        return  # not a number: the settings reader ignores it (and says so)
    new = carried_threshold(old)
    conn.execute(text("UPDATE library_setting SET value = :v WHERE \"key\" = 'threshold'"), {"v": json.dumps(new)})
    log.info("Clustering threshold %.3g carried over to the fused identity space as %.3g", old, new)
