# SPDX-License-Identifier: MIT
"""The neighbour graph kept between runs: an update finds what a full search with the same cells finds."""

from __future__ import annotations

import numpy as np

from devtools.synthetic import make_synthetic
from organizer.cluster import neighbour_augment
from organizer.cluster.neighbour_graph import NeighbourGraph


def _faces(n_ids: int, per_id: int, dim: int = 64, seed: int = 1):
    x, _y = make_synthetic(n_ids, per_id, dim=dim, spread=0.3, subspace=32, seed=seed)
    order = np.random.default_rng(seed).permutation(len(x))
    x = x[order]
    groups = np.arange(len(x)) // 2  # two faces per photo: never each other's neighbours
    return x, groups


def _full_search_with(cells_of: NeighbourGraph, x, groups) -> NeighbourGraph:
    """A full search of every row with ``cells_of``'s inverted file (what an update must reproduce)."""
    g = NeighbourGraph(cells_of.k, np.full((len(x), cells_of.k), -1), np.full((len(x), cells_of.k), -np.inf,
                                                                              np.float32), cells_of.cent)
    g.cell, g.probes = g._cells(x)
    g._search_ivf(x, groups, np.arange(len(x)))
    return g


def _same_sets(a: NeighbourGraph, b: NeighbourGraph) -> np.ndarray:
    return (np.sort(a.nn, axis=1) == np.sort(b.nn, axis=1)).all(axis=1)


def test_an_update_with_new_gone_and_changed_items_equals_a_full_search():
    x, groups = _faces(800, 10)  # 8 000 faces: the inverted file, not the exact search
    n_old = 7000
    old = NeighbourGraph.build(x[:n_old], groups[:n_old], k=10)
    assert old.cent is not None, "large enough for the inverted file"
    # next run: rows 0..6999 minus 200 gone, 100 of them changed (moved a little), then 1 000 new rows
    rng = np.random.default_rng(2)
    gone = rng.choice(n_old, 200, replace=False)
    keep = np.setdiff1d(np.arange(n_old), gone)
    changed = rng.choice(keep, 100, replace=False)
    rows = np.r_[keep, np.arange(n_old, len(x))]
    x2 = x[rows].copy()
    pos_changed = np.searchsorted(rows, changed)
    x2[pos_changed] += 0.05 * rng.standard_normal((changed.size, x.shape[1])).astype(np.float32)
    x2 /= np.linalg.norm(x2, axis=1, keepdims=True)
    old_row = np.where(rows < n_old, rows, -1)
    old_row[pos_changed] = -1
    g2 = groups[rows]
    new, flagged = old.update(x2, g2, old_row)
    full = _full_search_with(old, x2, g2)
    assert _same_sets(new, full).all()
    np.testing.assert_allclose(np.sort(new.sim, axis=1), np.sort(full.sim, axis=1), rtol=1e-5, atol=1e-6)
    # every row whose neighbours differ from its old row's is flagged, and new rows always are
    before = np.full((len(rows), old.k), -2)
    inv = np.full(n_old, -1)
    inv[old_row[old_row >= 0]] = np.flatnonzero(old_row >= 0)
    before[old_row >= 0] = np.where(old.nn[old_row[old_row >= 0]] >= 0,
                                    inv[np.maximum(old.nn[old_row[old_row >= 0]], 0)], -1)
    differs = ~(np.sort(before, axis=1) == np.sort(new.nn, axis=1)).all(axis=1)
    assert not (differs & ~flagged).any()
    assert flagged[old_row < 0].all()
    assert not flagged.all(), "an update blends again only what changed"
    # photo groups are respected: no row has a neighbour of its own photo
    ok = new.nn >= 0
    assert not (g2[np.where(ok, new.nn, 0)] == g2[:, None])[ok].any()


def test_the_graph_blends_as_the_augmentation_did_and_small_sets_are_searched_exactly():
    x, groups = _faces(60, 10)
    g = NeighbourGraph.build(x, groups, k=8)
    assert g.cent is None
    full = g.blend(x, 3.0)
    np.testing.assert_allclose(full, neighbour_augment(x, groups, 8, 3.0), atol=1e-6)
    np.testing.assert_allclose(g.blend(x, 3.0, rows=np.array([5, 1])), full[[5, 1]], atol=1e-6)
    # exact: each row's neighbours are its 8 most similar rows of other photos
    s = x @ x.T
    s[groups[:, None] == groups[None, :]] = -np.inf
    want = np.sort(np.argsort(-s, axis=1)[:, :8], axis=1)
    assert (np.sort(g.nn, axis=1) == want).mean() > 0.99  # ties aside
    # a small set is simply searched again on update
    new, flagged = g.update(x[:500], groups[:500], np.arange(500))
    assert flagged.all() and new.n == 500
