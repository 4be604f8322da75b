# SPDX-License-Identifier: MIT
"""The stored expression reaches the cover choice: of two faces alike in all else, the smiling one is the better
picture; a face stored before expressions were measured counts as half-smiling."""

from __future__ import annotations

import numpy as np

from organizer.db.models import DecidedBy
from organizer.db.models import Face
from organizer.db.models import Media
from organizer.db.models import MediaKind
from organizer.db.models import MediaStatus
from organizer.db.models import Person
from organizer.services.cluster_items import load_items
from organizer.vision.expression import LABELS


def _probs(label: str) -> bytes:
    p = np.full(len(LABELS), 0.01, np.float32)
    p[LABELS.index(label)] = 1 - 0.01 * (len(LABELS) - 1)
    return p.astype("<f4").tobytes()


def test_stored_expressions_make_a_smiling_face_the_better_picture(library):
    with library.begin() as s:
        person = Person(name="Anna")
        media = Media(path="/p/a.jpg", size=1, mtime_ns=1, kind=MediaKind.PHOTO, status=MediaStatus.OK)
        s.add_all([person, media])
        s.flush()
        # three faces alike in all else: neutral, smiling, and one stored before expressions were measured
        faces = [Face(media_id=media.id, x=10.0 + 250 * i, y=10.0, w=200.0, h=200.0, score=0.99,
                      embedding=np.ones(16, "<f4").tobytes(), embedding_model="fake", embedding_dim=16, p_male=0.5,
                      age=30.0, sharpness=300.0, frontal=1.0, person_id=person.id, assigned_by=DecidedBy.ALGORITHM,
                      expression=label, expression_p=None if label is None else _probs(label))
                 for i, label in enumerate(("neutral", "happy", None))]
        s.add_all(faces)
        s.flush()
        neutral, smiling, unknown = (f.id for f in faces)
    with library() as s:
        items = load_items(s)
    quality = dict(zip(items.cover_face.tolist(), items.quality.tolist(), strict=True))
    assert quality[smiling] > quality[unknown] > quality[neutral]
