# SPDX-License-Identifier: MIT
"""The neighbour augmentation's k-NN graph (:mod:`organizer.cluster.augment`), kept so that new faces update it.

:meth:`NeighbourGraph.build` finds each item's ``k`` most similar items that are not of its own photo group:
exactly on small sets, with an inverted file (spherical k-means cells, :mod:`organizer.cluster.knn`) on large
ones, keeping the cells. :meth:`NeighbourGraph.update` takes the items of the next run, most of them the same:

* a new item is searched in the cells it probes, like any item of a full build;
* an old item gains a new one as neighbour only if the new item lies in a cell the old one probes and is more
  similar than its ``k``-th neighbour: what a full search with the same cells would find;
* an old item that lost a neighbour (gone, or changed) is searched again.

So 1 000 new faces in a library of 100 000 cost a few million inner products instead of the full search's
hundreds of millions. The cells are those of the last full build; :meth:`update` builds afresh when the set has
grown or changed too much for them (:data:`REBUILD_SHARE`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy import sparse

from organizer.cluster.distance import l2_normalise
from organizer.cluster.knn import EXACT_PRODUCTS
from organizer.cluster.knn import spherical_kmeans

#: Vectors per inverted-file cell, and cells probed per item (neighbours need not be exact here).
CELL_SIZE = 256
PROBE = 4
#: :meth:`NeighbourGraph.update` builds afresh when more than this share of the items is new, changed or gone.
REBUILD_SHARE = 0.3
_STEP = 16384


@dataclass
class NeighbourGraph:
    """Per item (rows of the embeddings it was built on) its neighbours ``nn`` (-1: none) and their inner
    products ``sim`` (-inf: none), most similar first; ``cent``/``cell``/``probes``: the inverted file (None when
    the search was exact)."""

    k: int
    nn: NDArray[np.int64]
    sim: NDArray[np.float32]
    cent: NDArray[np.float32] | None = None
    cell: NDArray[np.int64] | None = None
    probes: NDArray[np.int64] | None = None
    seed: int = 0

    @property
    def n(self) -> int:
        return int(self.nn.shape[0])

    @classmethod
    def build(cls, x: NDArray[np.float32], groups: NDArray[np.int64], k: int, seed: int = 0) -> NeighbourGraph:
        """The graph of unit vectors ``x``; ``groups``: per row its photo group (never each other's neighbours)."""
        x = np.ascontiguousarray(x, dtype=np.float32)
        g = np.asarray(groups, dtype=np.int64).reshape(-1)
        n = x.shape[0]
        k = max(0, min(k, n - 1))
        graph = cls(k, np.full((n, k), -1, np.int64), np.full((n, k), -np.inf, np.float32), seed=seed)
        if k == 0:
            return graph
        if n * n <= EXACT_PRODUCTS or n <= 4 * CELL_SIZE:
            graph._search_exact(x, g, np.arange(n))
            return graph
        graph.cent = spherical_kmeans(x, max(2, round(n / CELL_SIZE)), seed=seed)
        graph.cell, graph.probes = graph._cells(x)
        graph._search_ivf(x, g, np.arange(n))
        return graph

    def blend(self, x: NDArray[np.float32], power: float, rows: NDArray[np.int64] | None = None
              ) -> NDArray[np.float32]:
        """``normalise(x_i + sum_j max(0, x_i . x_j)^power x_j)`` over each row's neighbours (``rows``: only
        those rows, in that order)."""
        idx = np.arange(self.n) if rows is None else np.asarray(rows, np.int64)
        nn, s = self.nn[idx], self.sim[idx]
        w = np.where(np.isfinite(s), np.maximum(s, 0.0), 0.0) ** float(power)
        w[nn < 0] = 0.0
        # x + W x with W sparse (k weights per row): one pass over x instead of k gathers of [n, d]
        r = np.repeat(np.arange(idx.size, dtype=np.int64), w.shape[1])
        blend = sparse.csr_matrix((w.reshape(-1).astype(np.float32), (r, np.maximum(nn, 0).reshape(-1))),
                                  shape=(idx.size, self.n))
        return l2_normalise(x[idx] + np.asarray(blend @ x, dtype=np.float32))

    def update(self, x: NDArray[np.float32], groups: NDArray[np.int64], old_row: NDArray[np.int64]
               ) -> tuple[NeighbourGraph, NDArray[np.bool_]]:
        """The graph of the next run's unit vectors ``x`` (``groups`` as for :meth:`build`); ``old_row``: per
        row its row in this graph when it is the same item with the same vector, else -1 (new or changed).

        Returns the new graph and per row whether its neighbours differ from its old row's (its blended embedding
        must be made again); new rows always do.
        """
        x = np.ascontiguousarray(x, dtype=np.float32)
        g = np.asarray(groups, dtype=np.int64).reshape(-1)
        old_row = np.asarray(old_row, dtype=np.int64).reshape(-1)
        n = x.shape[0]
        kept = old_row >= 0
        gone = self.n - int(kept.sum())
        small = n * n <= EXACT_PRODUCTS or n <= 4 * CELL_SIZE
        big_change = (int((~kept).sum()) + gone) > REBUILD_SHARE * max(1, n)
        k = max(0, min(self.k, n - 1))
        if small or big_change or self.cent is None or k != self.k or n > 2 * self.cent.shape[0] * CELL_SIZE:
            return NeighbourGraph.build(x, g, self.k, self.seed), np.ones(n, dtype=bool)
        inv = np.full(self.n, -1, np.int64)
        inv[old_row[kept]] = np.flatnonzero(kept)
        old = old_row[kept]
        prev = self.nn[old]
        moved = np.where(prev >= 0, inv[np.maximum(prev, 0)], -1)
        lost = ((prev >= 0) & (moved < 0)).any(axis=1)
        graph = NeighbourGraph(k, np.full((n, k), -1, np.int64), np.full((n, k), -np.inf, np.float32),
                               self.cent, np.empty(n, np.int64), np.empty((n, PROBE), np.int64), self.seed)
        graph.nn[kept], graph.sim[kept] = moved, np.where(moved >= 0, self.sim[old], -np.inf)
        assert self.cell is not None and self.probes is not None and graph.cell is not None \
            and graph.probes is not None
        graph.cell[kept], graph.probes[kept] = self.cell[old], self.probes[old]
        fresh = np.flatnonzero(~kept)
        if fresh.size:
            graph.cell[fresh], graph.probes[fresh] = graph._cells(x[fresh])
        again = np.concatenate([fresh, np.flatnonzero(kept)[lost]])
        changed = np.zeros(n, dtype=bool)
        changed[again] = True
        if again.size:
            graph._search_ivf(x, g, again)
        # old rows that may gain a new neighbour: those probing a new row's cell
        steady = kept.copy()
        steady[again] = False
        if fresh.size:
            changed |= graph._offer(x, g, fresh, np.flatnonzero(steady))
        return graph, changed

    # -- search

    def _cells(self, x: NDArray[np.float32]) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
        assert self.cent is not None
        p = min(PROBE, self.cent.shape[0])
        cell = np.empty(x.shape[0], np.int64)
        probes = np.empty((x.shape[0], PROBE), np.int64)
        for lo in range(0, x.shape[0], _STEP):
            s = x[lo:lo + _STEP] @ self.cent.T
            top = np.argpartition(-s, p - 1, axis=1)[:, :p]
            cell[lo:lo + _STEP] = np.argmax(s, axis=1)
            probes[lo:lo + _STEP] = np.pad(top, ((0, 0), (0, PROBE - p)), mode="edge")
        return cell, probes

    def _keep_best(self, rows: NDArray[np.int64], cand: NDArray[np.int64], sims: NDArray[np.float32]) -> None:
        """Rows' neighbours := the ``k`` best of their current ones and the candidates, most similar first."""
        ci = np.concatenate([self.nn[rows], cand], axis=1)
        cs = np.concatenate([self.sim[rows], sims], axis=1)
        if cs.shape[1] > self.k:  # the k best first (linear), then only those sorted
            part = np.argpartition(-cs, self.k - 1, axis=1)[:, :self.k]
            ci, cs = np.take_along_axis(ci, part, axis=1), np.take_along_axis(cs, part, axis=1)
        top = np.argsort(-cs, axis=1, kind="stable")
        s = np.take_along_axis(cs, top, axis=1)
        self.sim[rows] = s
        self.nn[rows] = np.where(np.isfinite(s), np.take_along_axis(ci, top, axis=1), -1)

    def _search_exact(self, x: NDArray[np.float32], g: NDArray[np.int64], rows: NDArray[np.int64]) -> None:
        step = max(1, EXACT_PRODUCTS // max(1, x.shape[0]) // 8)
        cols = np.arange(x.shape[0])
        for lo in range(0, rows.size, step):
            r = rows[lo:lo + step]
            s = x[r] @ x.T
            s[g[r][:, None] == g[None, :]] = -np.inf  # its own photo group, itself included
            self.nn[r], self.sim[r] = -1, -np.inf
            self._keep_best(r, np.broadcast_to(cols, s.shape), s)

    def _search_ivf(self, x: NDArray[np.float32], g: NDArray[np.int64], rows: NDArray[np.int64]) -> None:
        """Rows' neighbours searched afresh among the members of the cells each probes."""
        assert self.cell is not None and self.probes is not None
        self.nn[rows], self.sim[rows] = -1, -np.inf
        order = np.argsort(self.cell, kind="stable")
        bounds = np.searchsorted(self.cell[order], np.arange(self.cent.shape[0] + 1))  # type: ignore[union-attr]
        flat_cell = self.probes[rows].reshape(-1)
        flat_row = np.repeat(rows, PROBE)
        q_order = np.argsort(flat_cell, kind="stable")
        q_bounds = np.searchsorted(flat_cell[q_order], np.arange(len(bounds)))
        for c in range(len(bounds) - 1):
            members = order[bounds[c]:bounds[c + 1]]
            queries = np.unique(flat_row[q_order[q_bounds[c]:q_bounds[c + 1]]])
            if members.size == 0 or queries.size == 0:
                continue
            s = x[queries] @ x[members].T
            s[g[queries][:, None] == g[members][None, :]] = -np.inf
            self._keep_best(queries, np.broadcast_to(members, s.shape), s)

    def _offer(self, x: NDArray[np.float32], g: NDArray[np.int64], fresh: NDArray[np.int64],
               steady: NDArray[np.int64]) -> NDArray[np.bool_]:
        """New rows offered as neighbours to the steady rows that probe their cells; which rows took one."""
        assert self.cell is not None and self.probes is not None
        took = np.zeros(self.n, dtype=bool)
        flat_cell = self.probes[steady].reshape(-1)
        flat_row = np.repeat(steady, PROBE)
        order = np.argsort(flat_cell, kind="stable")
        n_cells = self.cent.shape[0]  # type: ignore[union-attr]
        bounds = np.searchsorted(flat_cell[order], np.arange(n_cells + 1))
        for c in np.unique(self.cell[fresh]).tolist():
            rows = np.unique(flat_row[order[bounds[c]:bounds[c + 1]]])
            new = fresh[self.cell[fresh] == c]
            if rows.size == 0:
                continue
            s = x[rows] @ x[new].T
            s[g[rows][:, None] == g[new][None, :]] = -np.inf
            better = (s > self.sim[rows, -1:]).any(axis=1)
            if better.any():
                r = rows[better]
                self._keep_best(r, np.broadcast_to(new, (r.size, new.size)), s[better])
                took[r] = True
        return took
