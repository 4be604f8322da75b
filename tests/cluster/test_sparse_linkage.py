# SPDX-License-Identifier: MIT
"""The approximate (range-search) average linkage against the exact one, and the range search itself."""

from __future__ import annotations

import numpy as np
import pytest

from devtools.metrics import bcubed
from devtools.synthetic import make_synthetic
from organizer.cluster import ClusterInput
from organizer.cluster import ClusterParams
from organizer.cluster import cluster_faces
from organizer.cluster.knn import pairs_within

BASE = ClusterParams(threshold=0.9, centre=False, neighbours=0, age_weight=0.1, current_year=2025, min_faces=1,
                     min_span_days=0.0)


def params(**kw) -> ClusterParams:
    base = {f: getattr(BASE, f) for f in BASE.__dataclass_fields__}
    base.update(kw)
    return ClusterParams(**base)


def _data(n_ids: int, seed: int):
    rng = np.random.default_rng(seed)
    counts = rng.integers(1, 12, n_ids)
    x, y = make_synthetic(n_ids, counts, seed=seed, spread=0.3)
    by = rng.uniform(1940, 2020, n_ids)[y] + rng.normal(0, 5, y.size)
    return x, y, by, rng


def test_sparse_equals_exact_with_constraints():
    """Below the range search's exact size every pair within the threshold is a candidate, so the merges are
    exactly those of the dense method, constraints included."""
    x, y, by, rng = _data(260, 5)
    n = len(y)
    groups = np.arange(n)
    pairs = rng.choice(n, (80, 2), replace=False)
    groups[pairs[:, 1]] = groups[pairs[:, 0]]  # 80 two-face photos
    same = [np.flatnonzero(y == k) for k in range(40) if (y == k).sum() >= 2]
    must = [g[:2].tolist() for g in same[:10]]
    cannot = [(int(g[0]), int(g[-1])) for g in same[10:20]]
    fixed = np.full(n, -1)
    fixed[same[20][0]], fixed[same[21][0]] = 1, 2
    inp = ClusterInput(x, birth_years=by, photo_groups=groups, must_link=must, cannot_link=cannot,
                       fixed_person=fixed)
    exact = cluster_faces(inp, params(exact_max=10_000))
    approx = cluster_faces(inp, params(exact_max=0))
    assert exact.method == "exact" and approx.method == "approximate"
    assert bcubed(exact.labels, approx.labels)[2] == pytest.approx(1.0)
    for a, b in cannot:
        assert approx.labels[a] != approx.labels[b]
    for g in must:
        assert approx.labels[g[0]] == approx.labels[g[1]]
    for gid in np.unique(groups):
        lab = approx.labels[groups == gid]
        assert np.unique(lab).size == lab.size


def test_sparse_inverted_file_close_to_exact_and_deterministic(monkeypatch):
    import organizer.cluster.knn as knn

    x, _, by, _ = _data(700, 6)
    inp = ClusterInput(x, birth_years=by)
    exact = cluster_faces(inp, params(exact_max=10_000))
    monkeypatch.setattr(knn, "EXACT_PRODUCTS", 1000)  # force the inverted file (~16 cells)
    a = cluster_faces(inp, params(exact_max=0, knn_probe=8))
    b = cluster_faces(inp, params(exact_max=0, knn_probe=8))
    assert np.array_equal(a.labels, b.labels)
    assert bcubed(exact.labels, a.labels)[2] >= 0.97


def test_pairs_within_exact_and_inverted_file(monkeypatch):
    import organizer.cluster.knn as knn

    x, _ = make_synthetic(300, 6, seed=2)
    g = x @ x.T
    iu = np.triu_indices(len(x), 1)
    ok = g[iu] >= 0.6
    truth = set(zip(iu[0][ok].tolist(), iu[1][ok].tolist(), strict=True))
    i, j, s = pairs_within(x, 0.6)
    assert set(zip(i.tolist(), j.tolist(), strict=True)) == truth and len(truth) == i.size
    np.testing.assert_allclose(s, g[i, j], atol=1e-5)
    monkeypatch.setattr(knn, "EXACT_PRODUCTS", 1000)
    i, j, s = pairs_within(x, 0.6, probe=3, cell_size=64)
    found = set(zip(i.tolist(), j.tolist(), strict=True))
    assert len(found) == i.size and (i < j).all()  # each pair once
    assert found <= truth and len(found) >= 0.7 * len(truth)
    np.testing.assert_allclose(s, g[i, j], atol=1e-5)
    i2, _, _ = pairs_within(x, 0.6, probe=1000, cell_size=64)  # every cell probed: all pairs
    assert i2.size == len(truth)
