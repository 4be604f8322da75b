# SPDX-License-Identifier: MIT
"""The clustering space kept between runs: the next run makes again only what changed, and gives what a cold
run gives."""

from __future__ import annotations

import datetime as dt

import numpy as np
from sqlalchemy import insert
from sqlalchemy import update

from devtools.synthetic import make_synthetic
from organizer.cluster import ClusterParams
from organizer.db.models import DateSource
from organizer.db.models import DecisionKind
from organizer.db.models import Face
from organizer.db.models import FaceEmbedding
from organizer.db.models import Media
from organizer.db.models import MediaKind
from organizer.db.models import MediaStatus
from organizer.db.models import UserDecision
from organizer.services.cluster_items import load_items
from organizer.services.prepared_space import PreparedSpace

DLIB = "test-dlib:1"
PARAMS = ClusterParams(centre=False, neighbours=10)


def _add(sessions, x, d, first: int) -> None:
    ids = range(first, first + len(x))
    with sessions.begin() as s:
        s.execute(insert(Media), [
            {"id": i, "path": f"/album/img_{i:06d}.jpg", "size": 1, "mtime_ns": i, "kind": MediaKind.PHOTO,
             "width": 400, "height": 300, "status": MediaStatus.OK, "taken_at": dt.datetime(2010, 1, 1),
             "date_source": DateSource.EXIF} for i in ids])
        s.execute(insert(Face), [
            {"id": i, "media_id": i, "x": 1.0, "y": 1.0, "w": 90.0, "h": 90.0, "score": 0.99,
             "embedding": x[k].astype("<f4").tobytes(), "embedding_model": "test", "embedding_dim": x.shape[1],
             "age": 30.0, "p_male": 0.5} for k, i in enumerate(ids)])
        s.execute(insert(FaceEmbedding), [{"face_id": i, "model": DLIB, "dim": d.shape[1],
                                           "vector": d[k].astype("<f4").tobytes()} for k, i in enumerate(ids)])


def _prepare(space, library):
    with library() as s:
        items = load_items(s, DLIB)
    x, _params = space.prepare(items, PARAMS)
    return items, x


def test_the_next_run_prepares_only_new_and_changed_faces_and_agrees_with_a_cold_run(library):
    x, _ = make_synthetic(700, 11, dim=48, spread=0.3, subspace=24, seed=1)
    d, _ = make_synthetic(700, 11, dim=16, spread=0.3, subspace=8, seed=2)
    order = np.random.default_rng(0).permutation(len(x))
    x, d = x[order], d[order]
    n_old = 7400  # past the exact search's size: the inverted file and its update
    _add(library, x[:n_old], d[:n_old], 1)
    space = PreparedSpace()
    _items, first = _prepare(space, library)
    assert space.last_fused == n_old
    _add(library, x[n_old:], d[n_old:], n_old + 1)
    items, warm = _prepare(space, library)
    assert space.last_fused == len(x) - n_old
    assert space.last_blended < items.n
    warm_graph = space._state.graph
    cold_space = PreparedSpace()
    _prepare(cold_space, library)
    # as good as a cold run: the neighbours the inverted file finds (cells of other data, so not the same ones)
    # recall the exact neighbours as well
    s = items.emb @ items.emb.T
    s[np.arange(len(s)), np.arange(len(s))] = -np.inf
    exact = np.argsort(-s, axis=1)[:, :PARAMS.neighbours]

    def recall(graph) -> float:
        return float(np.mean([len(set(a) & set(b)) for a, b in zip(graph.nn.tolist(), exact.tolist(),
                                                                     strict=True)]) / PARAMS.neighbours)

    assert recall(warm_graph) > recall(cold_space._state.graph) - 0.02
    # the rows not blended again are the first run's
    same = np.einsum("ij,ij->i", warm[:n_old], first) > 0.999999
    assert same.sum() >= n_old - space.last_blended

    # a face removed leaves the graph (its row is zeros); a file analyzed again is fused again
    with library.begin() as s:
        s.add(UserDecision(kind=DecisionKind.REMOVED, face_id=5))
        s.execute(update(Media).where(Media.id.in_([7, 8])).values(indexed_at=dt.datetime(2030, 1, 1)))
        s.execute(update(Face).where(Face.id == 7).values(embedding=x[100].astype("<f4").tobytes()))
    before = items.emb[items.face_ids.index([7])].copy()
    items, again = _prepare(space, library)
    assert space.last_fused == 2
    assert not again[items.face_ids.index([5])].any()
    row7 = items.face_ids.index([7])
    cold_items, _cold = _prepare(PreparedSpace(), library)
    assert float(items.emb[row7] @ cold_items.emb[row7]) > 0.99999  # face 7's new embedding
    assert float(items.emb[row7] @ before) < 0.99
