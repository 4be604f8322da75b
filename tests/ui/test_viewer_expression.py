# SPDX-License-Identifier: MIT
"""The viewer writes each face's expression beside its name, where the face has one."""

from __future__ import annotations

import numpy as np
from sqlalchemy import update

from organizer.db.models import Face
from organizer.services.browse_service import BrowseService
from organizer.ui.dialogs.viewer import face_label


def test_face_labels_name_the_expression_where_it_is_known(library, build, tmp_path):
    ann = build.person(library, "Anna")
    smiling, unknown, unsorted = build.media(library, tmp_path / "a.jpg", (640, 480),
                                             [(ann, None, (10.0, 10.0, 80.0, 80.0)),
                                              (ann, None, (200.0, 10.0, 80.0, 80.0)),
                                              (None, None, (400.0, 10.0, 80.0, 80.0))])
    probs = np.array([0.1, 0.8, 0.02, 0.02, 0.02, 0.02, 0.02], "<f4").tobytes()
    with library.begin() as s:
        s.execute(update(Face).where(Face.id == smiling).values(expression="happy", expression_p=probs))
        s.execute(update(Face).where(Face.id == unsorted).values(expression="surprised", expression_p=probs))
    browse = BrowseService(library)
    (photo, _) = browse.photos_of_person(ann)
    assert {f.face_id: f.expression for f in photo.faces} == {smiling: "happy", unknown: None, unsorted: "surprised"}
    labels = {f.face_id: face_label(f) for f in browse.media_faces(photo.media_id)}
    # a face analyzed before expressions were measured shows its name alone
    assert labels == {smiling: "Anna · happy", unknown: "Anna", unsorted: "unsorted · surprised"}
