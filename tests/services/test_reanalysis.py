# SPDX-License-Identifier: MIT
"""A new model or calibration: every file analyzed otherwise is analyzed again, and the user's decisions stay."""

from __future__ import annotations

import dataclasses

import numpy as np
from index_fakes import FakeEngine
from index_fakes import write_jpeg
from sqlalchemy import select

from organizer.core.progress import drive
from organizer.db.models import DecidedBy
from organizer.db.models import Face
from organizer.db.models import Media
from organizer.services.index_service import IndexService
from organizer.services.index_service import IndexSettings
from organizer.services.person_edits import PersonEdits
from organizer.vision import engine as vision_engine
from organizer.vision.analyzer import AnalyzerSettings


class NewModel(FakeEngine):
    """The same faces, another analysis: other genders (a recalibrated network, say)."""

    analysis_id = "fake-analysis:2"

    def analyze_image(self, image):
        faces = super().analyze_image(image)
        return [type(f)(f.detection, type(f.attributes)(embedding=f.attributes.embedding, p_male=0.8, age=41.0,
                                                        age_probs=f.attributes.age_probs)) for f in faces]


def _index(library, root, engine, planned):
    svc = IndexService(library, lambda: engine, IndexSettings(analysis_id=planned, isolate_videos=False))
    return drive(svc.run([str(root)]))


def test_changed_analysis_reanalyzes_and_keeps_decisions(tmp_path, library):
    a = tmp_path / "album"
    a.mkdir()
    for i in range(4):
        write_jpeg(a / f"p{i}.jpg", i)
    first = _index(library, a, FakeEngine(), FakeEngine.analysis_id)
    assert first.analyzed == 4
    with library() as s:
        faces = {f.id: f.media_id for f in s.scalars(select(Face))}
    kept, removed = sorted(faces)[:2], sorted(faces)[2]
    edits = PersonEdits(library)
    person = edits.split(kept).person_id
    edits.remove_faces([removed])

    same = _index(library, a, FakeEngine(), FakeEngine.analysis_id)
    assert same.analyzed == 0 and same.reanalyzed == 0  # nothing changed: nothing analyzed, no model loaded

    new = NewModel()
    again = _index(library, a, new, NewModel.analysis_id)
    assert again.analyzed == 4 and again.reanalyzed == 4 and new.calls == 4
    with library() as s:
        rows = {f.id: f for f in s.scalars(select(Face))}
        assert set(rows) == set(faces)  # the same face rows, updated in place
        assert all(np.isclose(f.p_male, 0.8) and np.isclose(f.age, 41.0) for f in rows.values())
        assert all(rows[i].person_id == person and rows[i].assigned_by == DecidedBy.USER for i in kept)
        assert {m.analysis_id for m in s.scalars(select(Media))} == {NewModel.analysis_id}
    from organizer.services.person_queries import PersonQueries

    assert removed not in {f.id for f in PersonQueries(library).unassigned_faces()}  # still not a face


def test_analysis_id_covers_every_model_and_calibration():
    base = AnalyzerSettings()
    ids = {vision_engine.analysis_id(base)}
    recal = AnalyzerSettings(embedder=dataclasses.replace(base.embedder, male_threshold=0.5))
    ids.add(vision_engine.analysis_id(recal))
    other_models = tuple(s if s.key != "mtcnn_onet" else type(s)(s.key, s.filename, "0" * 64)
                         for s in vision_engine.models.ALL_MODELS)
    ids.add(vision_engine.analysis_id(base, other_models))
    assert len(ids) == 3
    # how fast is not what: the batch size changes nothing stored
    fast = AnalyzerSettings(embedder=dataclasses.replace(base.embedder, batch_size=32),
                            identity=dataclasses.replace(base.identity, batch_size=32))
    assert vision_engine.analysis_id(fast) == vision_engine.analysis_id(base)
    # the second identity network is part of the analysis, and of its own space
    flip = AnalyzerSettings(identity=dataclasses.replace(base.identity, flip=True))
    assert vision_engine.analysis_id(flip) != vision_engine.analysis_id(base)
    assert vision_engine.second_model_id(flip) != vision_engine.second_model_id(base)
    current = vision_engine.current_second_model()
    assert vision_engine.second_model_id(recal) == vision_engine.second_model_id(base) == current
    keys = {s.key for s in vision_engine.models.ALL_MODELS}
    assert "faceplugin_recognition" in keys and "faceapi_recognition" not in keys  # dlib's ResNet no longer runs
    assert vision_engine.current_second_model().startswith("arcface:")
    # the identity space changes only with the identity network or its crop
    assert vision_engine.embedding_model_id(recal) == vision_engine.embedding_model_id(base)
    wider = AnalyzerSettings(embedder=dataclasses.replace(base.embedder, margin=0.2))
    assert vision_engine.embedding_model_id(wider) != vision_engine.embedding_model_id(base)
