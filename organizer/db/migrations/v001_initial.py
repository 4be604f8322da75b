# SPDX-License-Identifier: MIT
# ruff: noqa: E501  (frozen generated DDL)
"""Schema version 1: the first library schema, frozen as SQL.

Never edit this file once released: a change to the tables is a new migration. The DDL was
generated once from ``organizer.db.models``; ``tests/db/test_migrations.py`` checks that the
migrated schema still matches the models.
"""

from __future__ import annotations

from sqlalchemy import Connection
from sqlalchemy import text

VERSION = 1

STATEMENTS = (
    """
CREATE TABLE library_folder (
    id INTEGER NOT NULL,
    path BLOB NOT NULL,
    added_at DATETIME DEFAULT CURRENT_TIMESTAMP NOT NULL,
    last_scan_at DATETIME,
    CONSTRAINT pk_library_folder PRIMARY KEY (id),
    CONSTRAINT uq_library_folder_path UNIQUE (path)
)
    """,
    """
CREATE TABLE person (
    id INTEGER NOT NULL,
    name TEXT,
    hidden BOOLEAN NOT NULL,
    created_at DATETIME DEFAULT CURRENT_TIMESTAMP NOT NULL,
    CONSTRAINT pk_person PRIMARY KEY (id)
)
    """,
    """
CREATE TABLE media (
    id INTEGER NOT NULL,
    folder_id INTEGER,
    path BLOB NOT NULL,
    size INTEGER NOT NULL,
    mtime_ns INTEGER NOT NULL,
    fingerprint VARCHAR(64),
    kind VARCHAR(16) NOT NULL,
    width INTEGER,
    height INTEGER,
    orientation INTEGER,
    duration_s FLOAT,
    taken_at DATETIME,
    taken_at_offset_min INTEGER,
    date_source VARCHAR(16),
    status VARCHAR(16) NOT NULL,
    error TEXT,
    analysis_id VARCHAR(64),
    indexed_at DATETIME DEFAULT CURRENT_TIMESTAMP NOT NULL,
    CONSTRAINT pk_media PRIMARY KEY (id),
    CONSTRAINT fk_media_folder_id_library_folder FOREIGN KEY(folder_id) REFERENCES library_folder (id) ON DELETE SET NULL,
    CONSTRAINT uq_media_path UNIQUE (path)
)
    """,
    "CREATE INDEX ix_media_fingerprint ON media (size, fingerprint)",
    "CREATE INDEX ix_media_status ON media (status)",
    "CREATE INDEX ix_media_taken_at ON media (taken_at)",
    """
CREATE TABLE video_track (
    id INTEGER NOT NULL,
    media_id INTEGER NOT NULL,
    embedding BLOB NOT NULL,
    embedding_model VARCHAR(64) NOT NULL,
    embedding_dim INTEGER NOT NULL,
    n_faces INTEGER NOT NULL,
    first_s FLOAT NOT NULL,
    last_s FLOAT NOT NULL,
    CONSTRAINT pk_video_track PRIMARY KEY (id),
    CONSTRAINT fk_video_track_media_id_media FOREIGN KEY(media_id) REFERENCES media (id) ON DELETE CASCADE
)
    """,
    "CREATE INDEX ix_video_track_media_id ON video_track (media_id)",
    """
CREATE TABLE face (
    id INTEGER NOT NULL,
    media_id INTEGER NOT NULL,
    frame_s FLOAT,
    track_id INTEGER,
    x FLOAT NOT NULL,
    y FLOAT NOT NULL,
    w FLOAT NOT NULL,
    h FLOAT NOT NULL,
    landmarks JSON,
    score FLOAT NOT NULL,
    embedding BLOB NOT NULL,
    embedding_model VARCHAR(64) NOT NULL,
    embedding_dim INTEGER NOT NULL,
    p_male FLOAT,
    age FLOAT,
    age_probs BLOB,
    thumbnail BLOB,
    person_id INTEGER,
    assigned_by VARCHAR(16),
    assigned_at DATETIME,
    CONSTRAINT pk_face PRIMARY KEY (id),
    CONSTRAINT ck_face_assignment_has_author CHECK (person_id IS NULL OR assigned_by IS NOT NULL),
    CONSTRAINT fk_face_media_id_media FOREIGN KEY(media_id) REFERENCES media (id) ON DELETE CASCADE,
    CONSTRAINT fk_face_track_id_video_track FOREIGN KEY(track_id) REFERENCES video_track (id) ON DELETE SET NULL,
    CONSTRAINT fk_face_person_id_person FOREIGN KEY(person_id) REFERENCES person (id) ON DELETE SET NULL
)
    """,
    "CREATE INDEX ix_face_media_id ON face (media_id)",
    "CREATE INDEX ix_face_person_id ON face (person_id)",
    "CREATE INDEX ix_face_track_id ON face (track_id)",
    """
CREATE TABLE user_decision (
    id INTEGER NOT NULL,
    kind VARCHAR(16) NOT NULL,
    face_id INTEGER,
    other_face_id INTEGER,
    person_id INTEGER,
    other_person_id INTEGER,
    value TEXT,
    created_at DATETIME DEFAULT CURRENT_TIMESTAMP NOT NULL,
    CONSTRAINT pk_user_decision PRIMARY KEY (id),
    CONSTRAINT fk_user_decision_face_id_face FOREIGN KEY(face_id) REFERENCES face (id) ON DELETE CASCADE,
    CONSTRAINT fk_user_decision_other_face_id_face FOREIGN KEY(other_face_id) REFERENCES face (id) ON DELETE CASCADE,
    CONSTRAINT fk_user_decision_person_id_person FOREIGN KEY(person_id) REFERENCES person (id) ON DELETE CASCADE,
    CONSTRAINT fk_user_decision_other_person_id_person FOREIGN KEY(other_person_id) REFERENCES person (id) ON DELETE CASCADE
)
    """,
    "CREATE INDEX ix_user_decision_face_id ON user_decision (face_id)",
    "CREATE INDEX ix_user_decision_person_id ON user_decision (person_id)",
)


def upgrade(conn: Connection) -> None:
    for stmt in STATEMENTS:
        conn.execute(text(stmt))
