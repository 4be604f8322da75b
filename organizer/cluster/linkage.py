# SPDX-License-Identifier: MIT
"""Constrained average-linkage (UPGMA) clustering cut at a distance threshold: exact and approximate.

Both methods work on *nodes*: an item, or a group of items the user tied together (must-link). A node keeps
the sum of its members' unit embeddings, its size and a histogram of its members' whole-year ages. The
average over all member pairs of eq. 1 between two nodes is then exact from these summaries::

    mean ||x_r - x_j||^2 = 2 - 2 (S_A . S_B) / (n_A n_B)
    mean age term        = H_A^T T H_B / (n_A n_B)

so merging two nodes is adding their summaries. Pairs that must stay apart (faces of one photo, user
cannot-links, two different user-confirmed persons) get an infinite distance, which average linkage
propagates: clusters containing such a pair are never merged.

* :func:`dense_average_linkage` is the nearest-neighbour-chain algorithm on a dense matrix (O(n^2) memory),
  the same dendrogram as ``scipy.cluster.hierarchy.linkage(method="average")`` cut with ``fcluster``.
* :func:`sparse_average_linkage` merges in the same global order but only along candidate edges found by an
  approximate k-nearest-neighbour search, refreshed at the cluster level, in O(n k) memory.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from organizer.cluster.distance import age_table
from organizer.cluster.knn import knn_inner_product


@dataclass(slots=True)
class Nodes:
    """Summaries of ``m`` nodes (see the module docstring)."""

    sums: NDArray[np.float32]  # [m, d]
    sizes: NDArray[np.float64]  # [m]
    age_hist: NDArray[np.float32]  # [m, AGE_BINS]
    #: per node the photo groups (only those holding 2+ items) of its members
    groups: list[set[int]]
    #: user-confirmed person id per node, -1 if none
    fixed: NDArray[np.int64]
    #: per node the nodes it must never be merged with
    cannot: list[set[int]]

    @property
    def m(self) -> int:
        return int(self.sizes.size)


def node_distance_matrix(nodes: Nodes, w: float) -> NDArray[np.float64]:
    """Dense ``[m, m]`` average of eq. 1 over member pairs, +inf for blocked pairs and on the diagonal."""
    s = nodes.sums.astype(np.float64)
    nn = np.outer(nodes.sizes, nodes.sizes)
    d = 2.0 - 2.0 * (s @ s.T) / nn
    if w:
        h = nodes.age_hist.astype(np.float64)
        d += (h @ age_table(float(w)) @ h.T) / nn
    np.maximum(d, 0.0, out=d)
    d[blocked_matrix(nodes)] = np.inf
    np.fill_diagonal(d, np.inf)
    return d


def blocked_matrix(nodes: Nodes) -> NDArray[np.bool_]:
    """``[m, m]`` True where two nodes must not be merged."""
    m = nodes.m
    blocked = np.zeros((m, m), dtype=bool)
    gids = sorted({g for gs in nodes.groups for g in gs})
    if gids:
        col = {g: k for k, g in enumerate(gids)}
        ind = np.zeros((m, len(gids)), dtype=np.float32)
        for i, gs in enumerate(nodes.groups):
            for g in gs:
                ind[i, col[g]] = 1.0
        blocked |= (ind @ ind.T) > 0
    f = nodes.fixed
    blocked |= (f[:, None] >= 0) & (f[None, :] >= 0) & (f[:, None] != f[None, :])
    for i, cs in enumerate(nodes.cannot):
        for j in cs:
            blocked[i, j] = blocked[j, i] = True
    np.fill_diagonal(blocked, False)
    return blocked


def _roots(parent: NDArray[np.int64]) -> NDArray[np.int64]:
    root = parent.copy()
    while True:
        nxt = root[root]
        if np.array_equal(nxt, root):
            return root
        root = nxt


def dense_average_linkage(d: NDArray[np.float64], sizes: NDArray[np.float64], threshold: float) -> NDArray[np.int64]:
    """Average linkage on a dense distance matrix, stopped at ``threshold`` (merges at distance <= threshold).

    ``d`` is overwritten (pass a copy to keep it); its diagonal and blocked pairs must be +inf. ``sizes``
    are the nodes' weights (numbers of items). Returns per node the index of its cluster's representative.
    Nearest-neighbour chain: any reciprocal nearest neighbours may be merged in any order for a reducible
    linkage, and a node whose nearest neighbour is farther than the threshold can never merge again.
    """
    m = d.shape[0]
    size = np.asarray(sizes, dtype=np.float64).copy()
    parent = np.arange(m, dtype=np.int64)
    active = np.ones(m, dtype=bool)
    n_active = m
    chain: list[int] = []
    start = 0
    while n_active > 1:
        if not chain:
            while not active[start]:
                start += 1
            chain.append(start)
        a = chain[-1]
        row = d[a]
        b = int(np.argmin(row))
        dist = row[b]
        if len(chain) > 1 and row[chain[-2]] <= dist:
            b = chain[-2]
            dist = row[b]
        if not dist <= threshold:  # also catches inf / nan: a is final
            d[a, :] = np.inf
            d[:, a] = np.inf
            active[a] = False
            n_active -= 1
            chain.pop()
            continue
        if len(chain) > 1 and b == chain[-2]:
            chain.pop()
            chain.pop()
            na, nb = size[a], size[b]
            new = (na * d[a] + nb * d[b]) / (na + nb)
            d[a, :] = new
            d[:, a] = new
            d[b, :] = np.inf
            d[:, b] = np.inf
            d[a, a] = np.inf
            size[a] = na + nb
            active[b] = False
            n_active -= 1
            parent[b] = a
        else:
            chain.append(b)
    return _roots(parent)


class _SparseState:
    """Mutable state of the approximate method; node ``i`` keeps its index when it absorbs another."""

    def __init__(self, nodes: Nodes, w: float, threshold: float, cap: int, slack: float) -> None:
        self.s = nodes.sums.astype(np.float32).copy()
        self.n = nodes.sizes.astype(np.float64).copy()
        self.h = nodes.age_hist.astype(np.float32).copy()
        self.groups = [set(g) for g in nodes.groups]
        self.fixed = nodes.fixed.copy()
        self.cannot = [set(c) for c in nodes.cannot]
        self.w = float(w)
        self.t_age = age_table(self.w).astype(np.float32) if w else None
        self.threshold = threshold
        self.cap = cap
        self.slack = slack
        #: whole-year age of single-item nodes (histogram bin), -1 for larger nodes
        self.single_age = np.where(self.n == 1, np.argmax(self.h, axis=1), -1)
        m = nodes.m
        self.alive = np.ones(m, dtype=bool)
        self.version = np.zeros(m, dtype=np.int64)
        self.parent = np.arange(m, dtype=np.int64)
        self.nbrs: list[set[int]] = [set() for _ in range(m)]
        self.heap: list[tuple[float, int, int, int, int]] = []
        self.merges = 0

    def distances(self, i: int, others: NDArray[np.int64]) -> NDArray[np.float64]:
        """Exact average-linkage distances from node ``i`` to ``others`` (+inf where blocked)."""
        if others.size == 0:
            return np.zeros(0)
        nn = self.n[others] * self.n[i]
        d = 2.0 - 2.0 * (self.s[others] @ self.s[i]).astype(np.float64) / nn
        if self.t_age is not None:
            d += (self.h[others] @ (self.t_age @ self.h[i])).astype(np.float64) / nn
        d = np.maximum(d, 0.0)
        d[self.blocked_many(i, others)] = np.inf
        return d

    def blocked_many(self, i: int, others: NDArray[np.int64]) -> NDArray[np.bool_]:
        fo = self.fixed[others]
        out = (fo >= 0) & (self.fixed[i] >= 0) & (fo != self.fixed[i])
        ci, gi = self.cannot[i], self.groups[i]
        if ci or gi:
            for k, j in enumerate(others.tolist()):
                if j in ci or (gi and self.groups[j] and not gi.isdisjoint(self.groups[j])):
                    out[k] = True
        return out

    def blocked(self, i: int, j: int) -> bool:
        fi, fj = self.fixed[i], self.fixed[j]
        if fi >= 0 and fj >= 0 and fi != fj:
            return True
        if j in self.cannot[i]:
            return True
        gi, gj = self.groups[i], self.groups[j]
        return bool(gi and gj and not gi.isdisjoint(gj))

    def push(self, i: int, others: NDArray[np.int64], d: NDArray[np.float64]) -> None:
        for j, dist in zip(others.tolist(), d.tolist(), strict=True):
            if dist <= self.threshold:
                a, b = (i, j) if i < j else (j, i)
                heapq.heappush(self.heap, (dist, a, b, int(self.version[a]), int(self.version[b])))

    def add_edges(self, src: NDArray[np.int64], dst: NDArray[np.int64], dist: NDArray[np.float64]) -> None:
        """Record candidate edges (both directions) within ``threshold + slack`` and queue those within the
        threshold. Farther pairs are dropped: an average over member pairs that far apart rarely falls back."""
        ok = (dist <= self.threshold + self.slack) & (src != dst)
        src, dst, dist = src[ok], dst[ok], dist[ok]
        nbrs = self.nbrs
        for i, j in zip(src.tolist(), dst.tolist(), strict=True):
            nbrs[i].add(j)
            nbrs[j].add(i)
        q = dist <= self.threshold
        for i, j, dd in zip(src[q].tolist(), dst[q].tolist(), dist[q].tolist(), strict=True):
            if self.blocked(i, j):
                continue
            a, b = (i, j) if i < j else (j, i)
            self.heap.append((dd, a, b, int(self.version[a]), int(self.version[b])))
        heapq.heapify(self.heap)

    def run(self) -> int:
        """Merge along queued edges in increasing distance until none is within the threshold."""
        merged = 0
        heap = self.heap
        while heap:
            dist, a, b, va, vb = heapq.heappop(heap)
            if dist > self.threshold:
                heap.clear()
                break
            if not (self.alive[a] and self.alive[b]) or self.version[a] != va or self.version[b] != vb:
                continue
            self._merge(a, b)
            merged += 1
        self.merges += merged
        return merged

    def _merge(self, a: int, b: int) -> None:
        self.s[a] += self.s[b]
        self.n[a] += self.n[b]
        self.h[a] += self.h[b]
        self.groups[a] |= self.groups[b]
        if self.fixed[a] < 0:
            self.fixed[a] = self.fixed[b]
        for c in self.cannot[b]:
            self.cannot[c].discard(b)
            self.cannot[c].add(a)
        self.cannot[a] |= self.cannot[b]
        self.cannot[b] = set()
        self.groups[b] = set()
        self.alive[b] = False
        self.parent[b] = a
        self.version[a] += 1
        self.version[b] += 1
        nb = self.nbrs[a] | self.nbrs[b]
        nb.discard(a)
        nb.discard(b)
        for c in self.nbrs[b]:
            if c != a:
                self.nbrs[c].discard(b)
                self.nbrs[c].add(a)
        self.nbrs[b] = set()
        others = np.fromiter(nb, dtype=np.int64, count=len(nb))
        d = self.distances(a, others)
        if others.size > self.cap:
            keep = np.argpartition(d, self.cap - 1)[: self.cap]
            others, d = others[keep], d[keep]
            nb = set(others.tolist())
        self.nbrs[a] = nb
        self.push(a, others, d)

    def labels(self) -> NDArray[np.int64]:
        return _roots(self.parent)


def sparse_average_linkage(nodes: Nodes, w: float, threshold: float, k: int = 16, probe: int = 6,
                           rounds: int = 3, seed: int = 0, cap: int = 96, slack: float = 0.25) -> NDArray[np.int64]:
    """Approximate :func:`dense_average_linkage` for many nodes, in O(m k) memory.

    1. Candidate edges: each node's ``k`` nearest nodes by embedding inner product (inverted-file search).
    2. Merge the globally closest candidate pair (exact average-linkage distance from the summaries),
       inherit the candidates of both, recompute, repeat while within the threshold.
    3. Refresh: search neighbours again for the clusters formed (their mean embeddings against all alive
       nodes), queue new pairs, continue; up to ``rounds`` times or until nothing merges.
    ``cap`` bounds the candidate list a growing cluster keeps (its nearest ones); candidate pairs farther than
    ``threshold + slack`` are not kept.
    """
    st = _SparseState(nodes, w, threshold, cap, slack)
    m = nodes.m
    if m < 2:
        return st.labels()
    means = nodes.sums / nodes.sizes[:, None].astype(np.float32)
    idx, sims = knn_inner_product(means, means, k=min(k, m - 1), probe=probe, seed=seed, exclude_self=True)
    src = np.repeat(np.arange(m, dtype=np.int64), idx.shape[1])
    dst = idx.reshape(-1).astype(np.int64)
    ok = dst >= 0
    src, dst = src[ok], dst[ok]
    st.add_edges(src, dst, _edge_distances(st, src, dst, sims.reshape(-1)[ok]))
    st.run()
    for r in range(max(0, rounds)):
        alive = np.flatnonzero(st.alive)
        multi = alive[st.n[alive] > 1]
        if multi.size == 0 or alive.size < 2:
            break
        means = st.s[alive] / st.n[alive, None].astype(np.float32)
        qmeans = st.s[multi] / st.n[multi, None].astype(np.float32)
        kk = min(k, alive.size - 1)
        idx, sims = knn_inner_product(qmeans, means, k=kk + 1, probe=probe, seed=seed + 1 + r)
        src = np.repeat(multi, idx.shape[1])
        dst = np.where(idx >= 0, alive[np.maximum(idx, 0)], -1).reshape(-1)
        sims = sims.reshape(-1)
        ok = (dst >= 0) & (dst != src)
        src, dst, sims = src[ok], dst[ok], sims[ok]
        new = np.array([j not in st.nbrs[i] for i, j in zip(src.tolist(), dst.tolist(), strict=True)], dtype=bool)
        if not new.any():
            break
        src, dst = src[new], dst[new]
        st.add_edges(src, dst, _edge_distances(st, src, dst, sims[new]))
        if st.run() == 0:
            break
    return st.labels()


def _edge_distances(st: _SparseState, src: NDArray[np.int64], dst: NDArray[np.int64],
                    mean_dot: NDArray[np.float32], chunk: int = 65536) -> NDArray[np.float64]:
    """Exact average-linkage distances of many (src, dst) node pairs, given the inner products of their mean
    embeddings (which is the embedding part exactly). Blocking is checked when pairs are queued."""
    d = 2.0 - 2.0 * mean_dot.astype(np.float64)
    if st.t_age is not None:
        sa, da = st.single_age[src], st.single_age[dst]
        single = (sa >= 0) & (da >= 0)
        d[single] += st.t_age[sa[single], da[single]]
        rest = np.flatnonzero(~single)
        for lo in range(0, rest.size, chunk):
            r = rest[lo:lo + chunk]
            s, t = src[r], dst[r]
            d[r] += np.einsum("ij,ij->i", st.h[s] @ st.t_age, st.h[t]).astype(np.float64) / (st.n[s] * st.n[t])
    return np.maximum(d, 0.0)
