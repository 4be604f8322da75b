# SPDX-License-Identifier: MIT
"""A face drawn by the user: described by the real networks, stored with its second embedding and thumbnail,
assigned or kept by a decision, undoable, and kept by a rescan and by a re-analysis."""

from __future__ import annotations

import numpy as np
import pytest
from sqlalchemy import select

from organizer.core.progress import drive
from organizer.db.models import DecidedBy
from organizer.db.models import DecisionKind
from organizer.db.models import Face
from organizer.db.models import FaceEmbedding
from organizer.db.models import Person
from organizer.db.models import UserDecision
from organizer.services.drawn_faces import NEW_PERSON
from organizer.services.drawn_faces import DrawnFaces
from organizer.services.index_service import IndexService
from organizer.services.index_service import IndexSettings
from organizer.services.person_edits import PersonEdits
from organizer.vision.engine import AnalyzerEngine

PHOTO = "_unlabelled/immich_portrait.jpg"


class OtherAnalysis(AnalyzerEngine):
    """The same networks under another analysis id: indexing analyzes every file again."""

    analysis_id = "a:other"

    def __init__(self, analyzer) -> None:
        super().__init__(analyzer)
        self.analysis_id = OtherAnalysis.analysis_id


def _index(library, root, engine):
    svc = IndexService(library, lambda: engine, IndexSettings(analysis_id=engine.analysis_id, isolate_videos=False))
    return drive(svc.run([str(root)]))


def _cos(a: bytes, b: bytes) -> float:
    u, v = np.frombuffer(a, "<f4"), np.frombuffer(b, "<f4")
    return float(u @ v / (np.linalg.norm(u) * np.linalg.norm(v)))


@pytest.fixture
def album(faces_dir, tmp_path, without_xmp):
    src = faces_dir / PHOTO
    if not src.exists():
        pytest.skip(f"{PHOTO} is not in the developer face set")
    root = tmp_path / "album"
    root.mkdir()
    # The photo carries immich's own face regions (Marie and Pierre Curie), which indexing would read: these tests
    # are about a face the user draws on an untagged photo.
    without_xmp(src, root / "portrait.jpg")
    return root


def test_drawn_face_is_described_stored_and_survives_reindexing(library, album, analyzer):
    engine = AnalyzerEngine(analyzer)
    assert _index(library, album, engine).analyzed == 1
    with library() as s:
        detected = s.scalars(select(Face)).one()
        media_id, box = detected.media_id, (detected.x, detected.y, detected.w, detected.h)
        det_emb = detected.embedding
        det_dlib = s.scalars(select(FaceEmbedding.vector).where(FaceEmbedding.face_id == detected.id)).one()

    service = DrawnFaces(library, lambda: engine)
    drawn = service.analyze(media_id, box)
    res = service.add(drawn)
    assert len(res.faces_created) == 1
    fid = res.faces_created[0]
    with library() as s:
        f = s.get(Face, fid)
        assert (f.x, f.y, f.w, f.h) == pytest.approx(box)
        assert f.person_id is None and f.thumbnail and f.score == 1.0 and f.landmarks == []
        assert f.embedding_model == engine.embedding_model
        assert _cos(f.embedding, det_emb) > 0.9  # faceres reads the box: the same face, the same identity
        assert 0 < f.age < 100 and 0 <= f.p_male <= 1 and f.sharpness is not None
        dlib = s.scalars(select(FaceEmbedding).where(FaceEmbedding.face_id == fid)).one()
        assert dlib.model == engine.second_model
        assert _cos(dlib.vector, det_dlib) > 0.6  # cut from the box, not aligned on landmarks: close, not equal
        assert s.scalars(select(UserDecision.kind).where(UserDecision.face_id == fid)).all() == [DecisionKind.DRAWN]

    same = _index(library, album, engine)
    assert same.analyzed == 0 and same.reanalyzed == 0
    again = _index(library, album, OtherAnalysis(analyzer))
    assert again.reanalyzed == 1
    with library() as s:
        rows = {r.id: r for r in s.scalars(select(Face))}
        assert set(rows) == {detected.id, fid}  # the detected face updated in place, the drawn one kept beside it
        assert (rows[fid].x, rows[fid].y, rows[fid].w, rows[fid].h) == pytest.approx(box)
        assert rows[fid].embedding == drawn.face.attributes.embedding.astype("<f4").tobytes()

    PersonEdits(library).undo(res)
    with library() as s:
        assert s.get(Face, fid) is None
        assert s.scalars(select(FaceEmbedding).where(FaceEmbedding.face_id == fid)).all() == []


def test_drawn_face_into_a_new_person_and_undo(library, album, analyzer):
    engine = AnalyzerEngine(analyzer)
    _index(library, album, engine)
    with library() as s:
        media_id = s.scalars(select(Face.media_id)).first()
    service = DrawnFaces(library, lambda: engine)
    drawn = service.analyze(media_id, (10.0, 10.0, 200.0, 200.0))
    res = service.add(drawn, NEW_PERSON)
    with library() as s:
        f = s.get(Face, res.faces_created[0])
        assert f.person_id == res.person_id and f.assigned_by == DecidedBy.USER
    PersonEdits(library).undo(res)
    with library() as s:
        assert s.get(Face, res.faces_created[0]) is None and s.get(Person, res.person_id) is None
    with pytest.raises(ValueError, match="too small"):
        service.analyze(media_id, (0.0, 0.0, 5.0, 5.0))
