# SPDX-License-Identifier: MIT
"""The second identity network's embeddings: stored per face and network, replaced on re-analysis, read for
clustering only in the space asked for, and fused with faceres' (a face without one is judged on faceres)."""

from __future__ import annotations

import dataclasses

import numpy as np
from index_fakes import FakeEngine
from index_fakes import write_jpeg
from sqlalchemy import delete
from sqlalchemy import select

from organizer.cluster import ClusterParams
from organizer.core.progress import drive
from organizer.db.models import Face
from organizer.db.models import FaceEmbedding
from organizer.db.models import Media
from organizer.services.cluster_items import current_clustering_space
from organizer.services.cluster_items import load_items
from organizer.services.index_service import IndexService
from organizer.services.index_service import IndexSettings


class TwoNetworks(FakeEngine):
    """FakeEngine's faces with a 128-D second embedding (none for images whose first pixel is dark)."""

    second_model = "fake-dlib:1"
    analysis_id = "fake-analysis:dlib"

    def __init__(self, skip_dark: bool = False) -> None:
        super().__init__()
        self.skip_dark = skip_dark
        self.embedded = 0

    def analyze_image(self, image):
        faces = super().analyze_image(image)
        v = image.pixels.reshape(-1)[:128].astype(np.float32) + 1.0
        emb = (v / np.linalg.norm(v)).astype(np.float32)
        none = self.skip_dark and int(image.pixels.reshape(-1)[0]) < 128
        self.embedded += 0 if none else len(faces)
        return [dataclasses.replace(f, attributes=dataclasses.replace(f.attributes, second_embedding=None if none
                                                                      else emb)) for f in faces]


def _index(library, root, engine):
    svc = IndexService(library, lambda: engine, IndexSettings(analysis_id=engine.analysis_id, isolate_videos=False))
    return drive(svc.run([str(root)]))


def _rows(library):
    with library() as s:
        return {(r.face_id, r.model): np.frombuffer(r.vector, "<f4") for r in s.scalars(select(FaceEmbedding))}


def test_second_embeddings_are_stored_replaced_and_deleted_with_their_face(tmp_path, library):
    a = tmp_path / "album"
    a.mkdir()
    for i in range(6):
        write_jpeg(a / f"p{i}.jpg", i)
    assert _index(library, a, TwoNetworks()).analyzed == 6
    rows = _rows(library)
    with library() as s:
        face_ids = set(s.scalars(select(Face.id)))
    assert {f for f, _m in rows} == face_ids and {m for _f, m in rows} == {"fake-dlib:1"}
    assert all(v.shape == (128,) and abs(np.linalg.norm(v) - 1) < 1e-5 for v in rows.values())

    # a new analysis that cannot embed some faces leaves them none (no stale vector of the old analysis)
    class Partial(TwoNetworks):
        analysis_id = "fake-analysis:dlib2"

    partial = Partial(skip_dark=True)
    again = _index(library, a, partial)
    assert again.reanalyzed == 6
    kept = _rows(library)
    assert len(kept) == partial.embedded and 0 < len(kept) < 6
    assert {m for _f, m in kept} == {"fake-dlib:1"}

    # deleting a face (here: its file's row) deletes its embeddings
    with library.begin() as s:
        s.execute(delete(Media))
    assert _rows(library) == {}


def test_clustering_reads_only_the_asked_space_and_fuses(tmp_path, library):
    a = tmp_path / "album"
    a.mkdir()
    for i in range(4):
        write_jpeg(a / f"p{i}.jpg", i)
    _index(library, a, TwoNetworks())
    with library() as s:
        mine = load_items(s, "fake-dlib:1")
        other = load_items(s, "dlib:another-space")
    assert mine.has_second.all() and not other.has_second.any()
    params = ClusterParams(centre=False, second_weight=0.3)
    out = mine.to_identity_space(params)
    assert not out.centre and mine.emb.shape == (4, 24 + 128)
    assert np.allclose(np.linalg.norm(mine.emb, axis=1), 1.0, atol=1e-5)
    # the fused inner product is the weighted mean of both networks' cosines
    f = other.emb / np.linalg.norm(other.emb, axis=1, keepdims=True)
    d = mine.second
    want = 0.7 * (f @ f.T) + 0.3 * (d @ d.T)
    assert np.allclose(mine.emb @ mine.emb.T, want, atol=1e-5)
    # without the second network's embedding, faceres alone (its part padded with zeros)
    other.to_identity_space(params)
    assert np.allclose(other.emb[:, :24], f, atol=1e-5) and not other.emb[:, 24:].any()
    # young children are judged on faceres alone
    with library.begin() as s:
        s.execute(Face.__table__.update().values(age=4.0))
    with library() as s:
        kids = load_items(s, "fake-dlib:1")
    kids.to_identity_space(dataclasses.replace(params, second_child_age=8.0))
    assert kids.has_second.all() and not kids.emb[:, 24:].any()


def test_persons_of_an_older_identity_space_are_clustered_again_once_every_file_is_reanalyzed(tmp_path, library):
    from organizer.db import repo
    from organizer.db.models import LibrarySetting
    from organizer.services.clustering import IDENTITY_SPACE_KEY
    from organizer.services.clustering import ClusteringService
    from organizer.vision import engine as vision_engine

    a = tmp_path / "album"
    a.mkdir()
    for i in range(4):
        write_jpeg(a / f"p{i}.jpg", i)
        write_jpeg(a / f"q{i}.jpg", i)  # the same pixels: the same fake person twice
    _index(library, a, TwoNetworks())
    svc = ClusteringService(library)
    params = ClusterParams(centre=False, min_span_days=0, threshold=0.3)

    def run(incremental=True):
        drive(svc.recluster(params, incremental=incremental))
        with library() as s:
            return svc.last_run_was_full, repo.read_settings(s).get(IDENTITY_SPACE_KEY)

    # a new library: its first persons are formed in today's space
    assert run() == (False, current_clustering_space())
    with library() as s:
        assert s.query(Face.id).filter(Face.person_id.is_not(None)).count() == 8

    # a library whose persons came from an older network: incremental runs while files still await re-analysis
    with library.begin() as s:
        s.execute(delete(LibrarySetting).where(LibrarySetting.key == IDENTITY_SPACE_KEY))
        s.execute(Media.__table__.update().values(analysis_id=vision_engine.current_analysis_id()))
        s.execute(Media.__table__.update().where(Media.id == 1).values(analysis_id="a:older"))
    assert run() == (False, None)
    # ... and once every file is analyzed by today's networks, one full run, then incremental again
    with library.begin() as s:
        s.execute(Media.__table__.update().values(analysis_id=vision_engine.current_analysis_id()))
    assert run() == (True, current_clustering_space())
    assert run() == (False, current_clustering_space())


def test_the_cover_is_the_clusterings_best_looking_face_until_the_user_chooses(tmp_path, library):
    from organizer.db.models import Person
    from organizer.services.clustering import ClusteringService
    from organizer.services.person_edits import PersonEdits
    from organizer.services.person_queries import PersonQueries

    a = tmp_path / "album"
    a.mkdir()
    for i in range(3):
        for j in range(3):
            write_jpeg(a / f"p{i}_{j}.jpg", i)  # three photos of each of three fake persons
    _index(library, a, TwoNetworks())
    with library.begin() as s:
        faces = list(s.scalars(select(Face).order_by(Face.id)))
        for f in faces:
            f.sharpness, f.frontal = 30.0, 0.4
        sharp = faces[-1]
        sharp.sharpness, sharp.frontal = 900.0, 1.0
        sharp_id = sharp.id
    drive(ClusteringService(library).recluster(ClusterParams(centre=False, min_span_days=0, threshold=0.01,
                                                             neighbours=0)))
    persons = PersonQueries(library).list_persons()
    assert len(persons) == 3
    with library() as s:
        mine = s.get(Face, sharp_id).person_id
        assert s.get(Person, mine).cover_face_id == sharp_id
    assert next(p for p in persons if p.id == mine).cover_face_id == sharp_id
    # the user's choice wins
    other = next(f.id for f in PersonQueries(library).person_faces(mine) if f.id != sharp_id)
    PersonEdits(library).set_cover(mine, other)
    assert next(p for p in PersonQueries(library).list_persons() if p.id == mine).cover_face_id == other
