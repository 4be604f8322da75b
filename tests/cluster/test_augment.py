# SPDX-License-Identifier: MIT
"""Neighbour-augmented embeddings (organizer.cluster.augment): what they pull together and what they must not."""

from __future__ import annotations

import numpy as np

from organizer.cluster import ClusterInput
from organizer.cluster import ClusterParams
from organizer.cluster import cluster_faces
from organizer.cluster import neighbour_augment
from organizer.cluster import prepare_items
from organizer.cluster.distance import l2_normalise


def _persons(n_persons: int, per: int, spread: float, seed: int, d: int = 64) -> tuple[np.ndarray, np.ndarray]:
    """Unit vectors around orthogonal-ish centres (centred data: different persons have cosine ~0)."""
    rng = np.random.default_rng(seed)
    centres = l2_normalise(rng.normal(size=(n_persons, d)))
    y = np.repeat(np.arange(n_persons), per)
    x = l2_normalise(centres[y] + spread * rng.normal(size=(y.size, d)) / np.sqrt(d))
    return x, y


def test_k0_is_identity_and_output_is_unit():
    x, _ = _persons(5, 4, 0.8, seed=1)
    groups = np.arange(len(x))
    assert np.array_equal(neighbour_augment(x, groups, 0, 3.0), x)
    out = neighbour_augment(x, groups, 5, 3.0)
    assert out.shape == x.shape and out.dtype == np.float32
    assert np.allclose(np.linalg.norm(out, axis=1), 1.0, atol=1e-5)


def test_faces_of_a_person_move_closer_and_persons_stay_apart():
    x, y = _persons(6, 6, 1.2, seed=2)
    out = neighbour_augment(x, np.arange(len(x)), 5, 3.0)
    same = y[:, None] == y[None, :]
    off = ~np.eye(len(x), dtype=bool)
    cos_in, cos_out = x @ x.T, out @ out.T
    assert cos_out[same & off].mean() > cos_in[same & off].mean() + 0.05
    assert abs(cos_out[~same].mean()) < 0.1


def test_faces_of_one_photo_are_never_each_others_neighbours():
    # two near-identical faces on one photo (a reflection, a poster): they must not pull each other
    rng = np.random.default_rng(3)
    a = l2_normalise(rng.normal(size=(1, 32)))
    others = l2_normalise(rng.normal(size=(10, 32)))
    x = np.concatenate([a, l2_normalise(a + 0.01 * rng.normal(size=(1, 32))), others]).astype(np.float32)
    together = neighbour_augment(x, np.array([0, 0, *range(1, 11)]), 3, 1.0)
    # on one photo the twin is ignored: the first face is blended exactly as if the twin were not there
    without_twin = neighbour_augment(np.delete(x, 1, axis=0), np.arange(11), 3, 1.0)
    assert np.allclose(together[0], without_twin[0], atol=1e-6)
    # on separate photos the twin is the strongest neighbour and changes the result
    apart = neighbour_augment(x, np.arange(len(x)), 3, 1.0)
    assert not np.allclose(apart[0], without_twin[0], atol=1e-3)


def test_augmentation_helps_clustering_of_a_noisy_person_set():
    x, y = _persons(30, 5, 1.6, seed=4)
    base = ClusterParams(centre=False, age_weight=0.0, min_faces=1, min_span_days=0.0, threshold=0.9)
    plain = cluster_faces(ClusterInput(x), ClusterParams(**{**_fields(base), "neighbours": 0}))
    aug = cluster_faces(ClusterInput(x), base)
    from devtools.metrics import bcubed

    assert bcubed(y, aug.labels)[2] > bcubed(y, plain.labels)[2]


def test_prepared_input_is_used_as_given():
    x, _ = _persons(4, 3, 0.5, seed=5)
    params = ClusterParams(centre=False, age_weight=0.0, min_faces=1, min_span_days=0.0)
    prepared = prepare_items(x, np.arange(len(x)), params)
    a = cluster_faces(ClusterInput(x), params)
    b = cluster_faces(ClusterInput(prepared, prepared=True), params)
    assert np.array_equal(a.labels, b.labels)
    # a second preparation would blend again and change the embeddings
    assert not np.allclose(prepare_items(prepared, np.arange(len(x)), params), prepared)


def _fields(p: ClusterParams) -> dict:
    return {f: getattr(p, f) for f in p.__dataclass_fields__}
