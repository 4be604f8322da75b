# SPDX-License-Identifier: MIT
"""k-nearest neighbours by inner product: exact (blocked matrix products) or an inverted file (IVF).

The IVF partitions the database by spherical k-means into cells of about ``cell_size`` vectors; each query
is compared with the vectors of its ``probe`` nearest cells only.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import NDArray
from scipy import sparse

from organizer.cluster.distance import l2_normalise

#: Up to this many query x database products the search is exact.
EXACT_PRODUCTS = 40_000_000


def _topk(sims: NDArray[np.float32], k: int) -> tuple[NDArray[np.int64], NDArray[np.float32]]:
    """Column indices and values of the ``k`` largest entries per row, unsorted; -1 padded if fewer columns."""
    nq, nc = sims.shape
    if nc <= k:
        idx = np.broadcast_to(np.arange(nc, dtype=np.int64), (nq, nc))
        pad = k - nc
        return (np.pad(idx, ((0, 0), (0, pad)), constant_values=-1),
                np.pad(sims, ((0, 0), (0, pad)), constant_values=-np.inf))
    idx = np.argpartition(-sims, k - 1, axis=1)[:, :k]
    return idx.astype(np.int64), np.take_along_axis(sims, idx, axis=1)


def _exact(q: NDArray[np.float32], db: NDArray[np.float32], k: int,
           exclude_self: bool) -> tuple[NDArray[np.int64], NDArray[np.float32]]:
    nq = q.shape[0]
    out_i = np.empty((nq, k), dtype=np.int64)
    out_s = np.empty((nq, k), dtype=np.float32)
    step = max(1, EXACT_PRODUCTS // max(1, db.shape[0]) // 8)
    for lo in range(0, nq, step):
        sims = q[lo:lo + step] @ db.T
        if exclude_self:
            r = np.arange(sims.shape[0])
            c = lo + r
            ok = c < db.shape[0]
            sims[r[ok], c[ok]] = -np.inf
        i, s = _topk(sims, k)
        out_i[lo:lo + step], out_s[lo:lo + step] = i, s
    out_i[~np.isfinite(out_s)] = -1
    return out_i, out_s


def spherical_kmeans(x: NDArray[np.float32], n_cells: int, iters: int = 5, sample: int = 16_384,
                     seed: int = 0) -> NDArray[np.float32]:
    """Unit centroids ``[n_cells, d]`` of unit vectors ``x`` (trained on a random sample)."""
    rng = np.random.default_rng(seed)
    if x.shape[0] > sample:
        x = x[rng.choice(x.shape[0], sample, replace=False)]
    cent = x[rng.choice(x.shape[0], n_cells, replace=False)].copy()
    for _ in range(iters):
        assign = np.argmax(x @ cent.T, axis=1)
        counts = np.bincount(assign, minlength=n_cells)
        onehot = sparse.csr_matrix((np.ones(assign.size, np.float32), (assign, np.arange(assign.size))),
                                   shape=(n_cells, assign.size))
        sums = np.asarray(onehot @ x, dtype=np.float32)
        empty = counts == 0
        if empty.any():
            sums[empty] = x[rng.choice(x.shape[0], int(empty.sum()), replace=False)]
        cent = l2_normalise(sums)
    return cent


def knn_inner_product(q: NDArray[np.float32], db: NDArray[np.float32], k: int, probe: int = 6,
                      cell_size: int = 256, seed: int = 0,
                      exclude_self: bool = False) -> tuple[NDArray[np.int64], NDArray[np.float32]]:
    """Per query the indices (``-1`` padded) and inner products of its ``k`` most similar database vectors.

    ``exclude_self`` (when ``q`` and ``db`` are the same rows) leaves out each row's own index.
    """
    q = np.ascontiguousarray(q, dtype=np.float32)
    db = np.ascontiguousarray(db, dtype=np.float32)
    nq, ndb = q.shape[0], db.shape[0]
    k = max(1, min(k, ndb))
    if nq * ndb <= EXACT_PRODUCTS or ndb <= 4 * cell_size:
        return _exact(q, db, k, exclude_self)
    n_cells = max(2, round(ndb / cell_size))
    probe = max(1, min(probe, n_cells))
    cent = spherical_kmeans(l2_normalise(db), n_cells, seed=seed)
    db_cell = np.empty(ndb, dtype=np.int64)
    q_cells = np.empty((nq, probe), dtype=np.int64)
    step = 16384
    for lo in range(0, ndb, step):
        db_cell[lo:lo + step] = np.argmax(db[lo:lo + step] @ cent.T, axis=1)
    for lo in range(0, nq, step):
        s = q[lo:lo + step] @ cent.T
        q_cells[lo:lo + step] = np.argpartition(-s, probe - 1, axis=1)[:, :probe]
    db_order = np.argsort(db_cell, kind="stable")
    db_bounds = np.searchsorted(db_cell[db_order], np.arange(n_cells + 1))
    flat_cell = q_cells.reshape(-1)
    flat_q = np.repeat(np.arange(nq, dtype=np.int64), probe)
    q_order = np.argsort(flat_cell, kind="stable")
    q_bounds = np.searchsorted(flat_cell[q_order], np.arange(n_cells + 1))
    best_i = np.full((nq, k), -1, dtype=np.int64)
    best_s = np.full((nq, k), -np.inf, dtype=np.float32)
    for c in range(n_cells):
        members = db_order[db_bounds[c]:db_bounds[c + 1]]
        queries = flat_q[q_order[q_bounds[c]:q_bounds[c + 1]]]
        if members.size == 0 or queries.size == 0:
            continue
        sims = q[queries] @ db[members].T
        if exclude_self:
            sims[queries[:, None] == members[None, :]] = -np.inf
        li, ls = _topk(sims, k)
        gi = np.where(li >= 0, members[np.maximum(li, 0)], -1)
        ci = np.concatenate([best_i[queries], gi], axis=1)
        cs = np.concatenate([best_s[queries], ls], axis=1)
        ti, ts = _topk(cs, k)
        best_i[queries] = np.take_along_axis(ci, ti, axis=1)
        best_s[queries] = ts
    best_i[~np.isfinite(best_s)] = -1
    return best_i, best_s


def ivf_cells(x: NDArray[np.float32], probe: int, cell_size: int = 256,
              seed: int = 0) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Inverted file of ``x``: per row its cell (nearest k-means centroid) and its ``probe`` nearest cells."""
    n = x.shape[0]
    n_cells = max(1, round(n / cell_size))
    probe = max(1, min(probe, n_cells))
    if n_cells == 1:
        return np.zeros(n, dtype=np.int64), np.zeros((n, 1), dtype=np.int64)
    cent = spherical_kmeans(l2_normalise(x), n_cells, seed=seed)
    home = np.empty(n, dtype=np.int64)
    cells = np.empty((n, probe), dtype=np.int64)
    step = 16384
    for lo in range(0, n, step):
        s = x[lo:lo + step] @ cent.T
        home[lo:lo + step] = np.argmax(s, axis=1)
        cells[lo:lo + step] = np.argpartition(-s, probe - 1, axis=1)[:, :probe] if probe < n_cells \
            else np.broadcast_to(np.arange(n_cells), s.shape)
    # a row's own cell is always searched (k-means centroids need not rank it first for the raw vector)
    missing = ~(cells == home[:, None]).any(axis=1)
    cells[missing, -1] = home[missing]
    return home, cells


def pairs_within(x: NDArray[np.float32], min_sim: float, probe: int = 16, cell_size: int = 256, seed: int = 0,
                 keep: Callable[[NDArray[np.int64], NDArray[np.int64], NDArray[np.float32]], NDArray[np.bool_]]
                 | None = None) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.float32]]:
    """All pairs ``i < j`` of rows of ``x`` with inner product ``>= min_sim`` (range search, a self-join).

    Exact (blocked products) for small inputs; above that an inverted file finds a pair when either row lies in
    one of the other's ``probe`` nearest cells. ``keep(i, j, sim)`` optionally filters pairs block by block, so
    that only the pairs kept are ever held; it must not depend on the order of ``i`` and ``j``. Returns
    ``(i, j, sim)``, each pair once, in no particular order.
    """
    x = np.ascontiguousarray(x, dtype=np.float32)
    n = x.shape[0]
    out_i: list[NDArray[np.int64]] = []
    out_j: list[NDArray[np.int64]] = []
    out_s: list[NDArray[np.float32]] = []

    def emit(i: NDArray[np.int64], j: NDArray[np.int64], s: NDArray[np.float32]) -> None:
        if keep is not None and i.size:
            ok = keep(i, j, s)
            i, j, s = i[ok], j[ok], s[ok]
        out_i.append(i)
        out_j.append(j)
        out_s.append(s)

    if n * n <= EXACT_PRODUCTS or n <= 4 * cell_size:
        step = max(1, EXACT_PRODUCTS // max(1, n) // 8)
        for lo in range(0, n, step):
            sims = x[lo:lo + step] @ x[lo:].T  # the upper triangle only: columns from lo on
            r, c = np.nonzero(sims >= min_sim)
            i, j = r + lo, c + lo
            ok = i < j
            emit(i[ok], j[ok], sims[r[ok], c[ok]])
    else:
        home, cells = ivf_cells(x, probe, cell_size, seed)
        n_cells = int(home.max()) + 1
        probe = cells.shape[1]
        order = np.argsort(home, kind="stable")
        bounds = np.searchsorted(home[order], np.arange(n_cells + 1))
        flat_cell = cells.reshape(-1)
        q_order = np.argsort(flat_cell, kind="stable")
        q_bounds = np.searchsorted(flat_cell[q_order], np.arange(n_cells + 1))
        flat_q = q_order // probe  # queries probing each cell, ascending row order within a cell
        for cell in range(n_cells):
            members = order[bounds[cell]:bounds[cell + 1]]
            queries = flat_q[q_bounds[cell]:q_bounds[cell + 1]]
            if members.size == 0 or queries.size == 0:
                continue
            sims = x[queries] @ x[members].T
            r, k = np.nonzero(sims >= min_sim)
            i, j = queries[r], members[k]
            s = sims[r, k]
            ok = i != j
            if keep is not None:  # filter first (keep is symmetric): the check below gathers probe cells per pair
                ok[ok] = keep(i[ok], j[ok], s[ok])
            i, j, s = i[ok], j[ok], s[ok]
            # a pair is found from i (j's cell is among i's) and maybe from j too: keep it once
            ok = (i < j) | ~(cells[j] == home[i][:, None]).any(axis=1)
            i, j, s = i[ok], j[ok], s[ok]
            out_i.append(np.minimum(i, j))
            out_j.append(np.maximum(i, j))
            out_s.append(s)
    if not out_i:
        return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.float32)
    return np.concatenate(out_i), np.concatenate(out_j), np.concatenate(out_s)
