# SPDX-License-Identifier: MIT
"""Schema version 6: each face's expression, added to a version 5 library without touching its faces."""

from __future__ import annotations

import numpy as np
from sqlalchemy import inspect
from sqlalchemy import select
from sqlalchemy import text
from sqlalchemy.orm import sessionmaker

from organizer.core.types import Box
from organizer.core.types import Detection
from organizer.core.types import Face
from organizer.core.types import FaceAttributes
from organizer.db import migrations
from organizer.db.engine import create_sqlite_engine
from organizer.db.migrations import v006_face_expression
from organizer.db.models import Face as FaceRow
from organizer.services.index_records import Analysis
from organizer.services.index_records import FaceRecord
from organizer.services.index_records import add_face


def test_version_6_keeps_the_faces_of_a_version_5_library_and_adds_the_expression(tmp_path):
    engine = create_sqlite_engine(tmp_path / "lib.sqlite")
    assert migrations.upgrade(engine, migrations.MIGRATIONS[:5]) == 5
    with engine.begin() as c:  # rows as version 5 stores them (plain SQL: today's model has columns 5 lacks)
        c.execute(text("INSERT INTO media (id, path, size, mtime_ns, kind, status, indexed_at, analysis_id) "
                       "VALUES (1, CAST('/p/a.jpg' AS BLOB), 10, 1, 'photo', 'ok', CURRENT_TIMESTAMP, 'a:old')"))
        c.execute(text("INSERT INTO person (id, name, hidden, created_at) VALUES (1, 'Ann', 0, CURRENT_TIMESTAMP)"))
        c.execute(text("INSERT INTO face (id, media_id, x, y, w, h, score, embedding, embedding_model, embedding_dim,"
                       " person_id, assigned_by, sharpness, frontal) "
                       "VALUES (7, 1, 1, 2, 3, 4, 0.9, zeroblob(16), 't', 4, 1, 'user', 250.0, 0.8)"))
    assert "expression" not in {c["name"] for c in inspect(engine).get_columns("face")}

    assert migrations.upgrade(engine) == migrations.LATEST >= v006_face_expression.VERSION == 6
    assert {"expression", "expression_p"} <= {c["name"] for c in inspect(engine).get_columns("face")}
    with engine.connect() as c:
        row = c.execute(text("SELECT id, person_id, assigned_by, sharpness, expression, expression_p FROM face")).one()
        assert tuple(row) == (7, 1, "user", 250.0, None, None)  # the face kept, its expression not known yet
        # the file is not due for re-analysis: the migration leaves the analysis id alone
        assert c.execute(text("SELECT analysis_id FROM media")).scalar() == "a:old"
        assert c.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"

    # a face indexed now stores its label and the seven probabilities
    probs = np.array([0.05, 0.8, 0.05, 0.03, 0.03, 0.02, 0.02], np.float32)
    attrs = FaceAttributes(embedding=np.ones(4, np.float32) / 2, p_male=0.3, age=30.0,
                           age_probs=np.full(100, 0.01, np.float32), expression=probs)
    face = Face(detection=Detection(box=Box(10, 10, 50, 60), score=0.99, landmarks=()), attributes=attrs)
    sessions = sessionmaker(engine)
    with sessions.begin() as s:
        add_face(s, 1, FaceRecord(face, None, None), Analysis("t", "a:new"))
    with sessions() as s:
        new = s.scalars(select(FaceRow).where(FaceRow.id != 7)).one()
        assert new.expression == "happy"
        np.testing.assert_array_equal(np.frombuffer(new.expression_p, "<f4"), probs)
        old = s.get(FaceRow, 7)
        assert old is not None and old.expression is None and old.expression_p is None
    engine.dispose()
