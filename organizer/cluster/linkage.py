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
* :func:`sparse_average_linkage` merges in the same global order along the pairs within the threshold found by
  an inverted-file range search, in memory linear in those pairs.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from organizer.cluster.distance import age_table
from organizer.cluster.knn import pairs_within


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
    """Mutable state of the approximate method.

    A *fresh* node (never merged) finds its candidates in the static CSR rows of the range search; a merged
    cluster keeps a dict ``{other cluster: distance}`` of every alive cluster within the threshold. The cluster
    absorbing another keeps the index of the one with more members; ``root`` maps every node to its cluster.
    """

    def __init__(self, nodes: Nodes, w: float, threshold: float) -> None:
        m = nodes.m
        self.nodes = nodes
        self.t = float(threshold)
        self.t_age = age_table(float(w)) if w else None
        self.size = nodes.sizes.astype(np.float64).copy()
        #: whole-year age of single-item nodes (histogram bin), -1 for larger nodes
        self.single_age = np.where(nodes.sizes == 1, np.argmax(nodes.age_hist, axis=1), -1)
        self.groups = [set(g) for g in nodes.groups]
        self.fixed = nodes.fixed.copy()
        self.cannot = [set(c) for c in nodes.cannot]
        self.constrained = np.array([bool(g) or bool(c) for g, c in zip(self.groups, self.cannot, strict=True)],
                                    dtype=bool)
        self.ver = [0] * m  # bumped whenever a node's cluster changes (or it is absorbed)
        self.merged = np.zeros(m, dtype=bool)  # numpy twin of ver != 0
        self.root = np.arange(m, dtype=np.int64)
        self.members: dict[int, list[int]] = {}
        self.msum: dict[int, NDArray[np.float32]] = {}
        self.mhist: dict[int, NDArray[np.float64]] = {}
        self.nb: dict[int, dict[int, float]] = {}
        self.heap: list[tuple[float, int, int, int, int]] = []
        self.indptr = np.zeros(m + 1, dtype=np.int64)
        self.indices = np.zeros(0, dtype=np.int64)
        self.data = np.zeros(0, dtype=np.float64)

    # -- summaries ---------------------------------------------------------------------------------------
    def sum_of(self, i: int) -> NDArray[np.float32]:
        s = self.msum.get(i)
        return self.nodes.sums[i] if s is None else s

    def hist_of(self, i: int) -> NDArray[np.float64]:
        h = self.mhist.get(i)
        return self.nodes.age_hist[i].astype(np.float64) if h is None else h

    def pair_distances(self, i: NDArray[np.int64], j: NDArray[np.int64], mean_dot: NDArray[np.floating],
                       chunk: int = 65536) -> NDArray[np.float64]:
        """Eq. 1 averaged over member pairs of fresh nodes ``i``, ``j`` given their mean embeddings' products."""
        d = 2.0 - 2.0 * mean_dot.astype(np.float64)
        if self.t_age is not None:
            sa, sb = self.single_age[i], self.single_age[j]
            single = (sa >= 0) & (sb >= 0)
            d[single] += self.t_age[sa[single], sb[single]]
            rest = np.flatnonzero(~single)
            h = self.nodes.age_hist
            for lo in range(0, rest.size, chunk):
                r = rest[lo:lo + chunk]
                a, b = i[r], j[r]
                d[r] += np.einsum("ij,ij->i", h[a] @ self.t_age, h[b]) / (self.size[a] * self.size[b])
        return np.maximum(d, 0.0)

    def blocked_pairs(self, i: NDArray[np.int64], j: NDArray[np.int64]) -> NDArray[np.bool_]:
        fi, fj = self.fixed[i], self.fixed[j]
        out: NDArray[np.bool_] = (fi >= 0) & (fj >= 0) & (fi != fj)
        for k in np.flatnonzero(self.constrained[i] | self.constrained[j]).tolist():
            out[k] = out[k] or self.blocked(int(i[k]), int(j[k]))
        return out

    def blocked(self, i: int, j: int) -> bool:
        fi, fj = self.fixed[i], self.fixed[j]
        if fi >= 0 and fj >= 0 and fi != fj:
            return True
        if j in self.cannot[i]:
            return True
        gi, gj = self.groups[i], self.groups[j]
        return bool(gi and gj and not gi.isdisjoint(gj))

    def distances_to(self, k: int, others: list[int]) -> NDArray[np.float64]:
        """Exact average-linkage distances from cluster ``k`` to alive clusters ``others`` (+inf if blocked)."""
        o = np.asarray(others, dtype=np.int64)
        if o.size == 0:
            return np.zeros(0)
        sk = self.sum_of(k)
        fresh = ~self.merged[o]
        dots = np.empty(o.size, dtype=np.float64)
        if fresh.any():
            dots[fresh] = self.nodes.sums[o[fresh]] @ sk
        mo = np.flatnonzero(~fresh)
        if mo.size:
            dots[mo] = np.stack([self.msum[c] for c in o[mo].tolist()]) @ sk
        nn = self.size[o] * self.size[k]
        d: NDArray[np.float64] = 2.0 - 2.0 * dots / nn
        if self.t_age is not None:
            v = self.t_age @ self.hist_of(k)
            sa = self.single_age[o]
            single = fresh & (sa >= 0)
            age = np.empty(o.size, dtype=np.float64)
            age[single] = v[sa[single]]
            for r in np.flatnonzero(~single).tolist():
                age[r] = self.hist_of(int(o[r])) @ v
            d += age / nn
        d = np.maximum(d, 0.0)
        d[self.blocked_pairs(np.full(o.size, k, dtype=np.int64), o)] = np.inf
        return d

    # -- neighbour lists ----------------------------------------------------------------------------------
    def set_edges(self, i: NDArray[np.int64], j: NDArray[np.int64], d: NDArray[np.float64]) -> None:
        """The fresh nodes' candidate lists (pairs ``i < j`` within the threshold, not blocked), as CSR rows."""
        m = self.nodes.m
        src = np.concatenate([i, j])
        dst = np.concatenate([j, i])
        dd = np.concatenate([d, d])
        order = np.argsort(src, kind="stable")
        self.indices = dst[order]
        self.data = dd[order]
        self.indptr = np.concatenate([[0], np.cumsum(np.bincount(src, minlength=m))]).astype(np.int64)

    def neighbours(self, x: int) -> dict[int, float]:
        """``{cluster: distance}`` of every alive cluster within the threshold of alive cluster ``x``."""
        if self.ver[x]:
            return dict(self.nb[x])
        lo, hi = self.indptr[x], self.indptr[x + 1]
        row, dist = self.indices[lo:hi], self.data[lo:hi]
        fresh = ~self.merged[row]
        out = dict(zip(row[fresh].tolist(), dist[fresh].tolist(), strict=True))
        for c in set(self.root[row[~fresh]].tolist()):
            d = self.nb[c].get(x)
            if d is not None:
                out[c] = d
        return out

    # -- merging ------------------------------------------------------------------------------------------
    def merge(self, a: int, b: int) -> None:
        na_, nb_ = self.neighbours(a), self.neighbours(b)
        na_.pop(b, None)
        nb_.pop(a, None)
        sa, sb = self.size[a], self.size[b]
        n = sa + sb
        mem_a = self.members.pop(a, None) or [a]
        mem_b = self.members.pop(b, None) or [b]
        k, lost = (a, b) if len(mem_a) >= len(mem_b) else (b, a)
        self.msum[k] = self.sum_of(a) + self.sum_of(b)
        self.mhist[k] = self.hist_of(a) + self.hist_of(b)
        self.msum.pop(lost, None)
        self.mhist.pop(lost, None)
        self.size[k] = n
        self.groups[k] = self.groups[a] | self.groups[b]
        self.groups[lost] = set()
        if self.fixed[k] < 0:
            self.fixed[k] = self.fixed[lost]
        for c in self.cannot[lost]:
            self.cannot[c].discard(lost)
            if c != k:
                self.cannot[c].add(k)
        self.cannot[k] = (self.cannot[a] | self.cannot[b]) - {a, b}
        self.cannot[lost] = set()
        self.constrained[k] = bool(self.groups[k]) or bool(self.cannot[k])
        mem_k = mem_a + mem_b if k == a else mem_b + mem_a
        self.root[mem_b if k == a else mem_a] = k
        self.members[k] = mem_k
        self.ver[a] += 1
        self.ver[b] += 1
        self.merged[a] = self.merged[b] = True
        self.nb.pop(lost, None)
        t = self.t
        new: dict[int, float] = {}
        one: list[int] = []
        for c, d in na_.items():
            e = nb_.get(c)
            if e is None:
                one.append(c)
            else:
                v = (sa * d + sb * e) / n
                if v <= t:
                    new[c] = v
        one.extend(c for c in nb_ if c not in na_)
        if one:
            for c, v in zip(one, self.distances_to(k, one).tolist(), strict=True):
                if v <= t:
                    new[c] = v
        nb = self.nb
        for c in na_.keys() | nb_.keys():
            dc = nb.get(c)
            if dc is not None:
                dc.pop(a, None)
                dc.pop(b, None)
                v = new.get(c)
                if v is not None:
                    dc[k] = v
        nb[k] = new
        self.push_best(k)

    def push_best(self, k: int) -> None:
        """Queue merged cluster ``k``'s closest neighbour.

        One entry per merged cluster suffices: the globally closest pair involving a merged cluster is that
        cluster's closest neighbour. A pair ``(x, k)`` keeps its distance until ``x`` or ``k`` merges, and the
        entry of the later-created of the two has a value <= it; an entry whose partner merged since is
        recomputed when it reaches the top (:meth:`run`), so the top is never above the true minimum.
        """
        nbk = self.nb.get(k)
        if nbk:
            c = min(nbk, key=nbk.__getitem__)
            heapq.heappush(self.heap, (nbk[c], k, c, self.ver[k], self.ver[c]))

    def run(self, ed: list[float], ei: list[int], ej: list[int]) -> int:
        """Merge in increasing distance along the static edges (sorted) and the queued ones; returns merges."""
        ver, heap, pop = self.ver, self.heap, heapq.heappop
        p, e_n, merges = 0, len(ed), 0
        while True:
            while p < e_n and (ver[ei[p]] or ver[ej[p]]):
                p += 1
            while heap and (ver[heap[0][1]] != heap[0][3] or ver[heap[0][2]] != heap[0][4]):
                _, x, _, vx, _ = pop(heap)
                if ver[x] == vx and x in self.nb:  # x unchanged, its closest partner merged: look again
                    self.push_best(x)
            if p < e_n and (not heap or ed[p] <= heap[0][0]):
                a, b = ei[p], ej[p]
                p += 1
            elif heap:
                _, a, b, _, _ = pop(heap)
            else:
                return merges
            self.merge(a, b)
            merges += 1

    def labels(self) -> NDArray[np.int64]:
        return self.root.copy()


def sparse_average_linkage(nodes: Nodes, w: float, threshold: float, probe: int = 32,
                           seed: int = 0) -> NDArray[np.int64]:
    """Approximate :func:`dense_average_linkage` for many nodes, in memory linear in the candidate pairs.

    1. Candidate pairs: every pair of nodes within ``threshold`` (eq. 1 with the age term), found by a range
       search on the mean embeddings (inverted file, ``probe`` cells per node; the age term only prunes).
    2. Merge the globally closest pair, as the exact method does. A merged cluster's candidates are the union
       of its parts' (Lance-Williams update where both parts know a cluster, exact from the summaries where
       one does); pairs over the threshold are dropped. Since an average over member pairs is within the
       threshold only if one of them is, this union holds *every* cluster within the threshold, so the merges
       are those of exact average linkage up to the pairs the search missed.
    """
    st = _SparseState(nodes, w, threshold)
    m = nodes.m
    if m < 2:
        return st.labels()
    t = float(threshold)
    single = bool(np.all(nodes.sizes == 1))
    # np.divide: numpy's stubs type float32 / float32 arrays as complex128
    means: NDArray[np.float32] = nodes.sums if single else \
        np.divide(nodes.sums, nodes.sizes[:, None].astype(np.float32))

    def keep(i: NDArray[np.int64], j: NDArray[np.int64], s: NDArray[np.float32]) -> NDArray[np.bool_]:
        d = st.pair_distances(i, j, s)
        ok = d <= t
        ok[ok] = ~st.blocked_pairs(i[ok], j[ok])
        return ok

    i, j, s = pairs_within(means, 1.0 - t / 2.0, probe=probe, seed=seed, keep=keep)
    del means
    d = st.pair_distances(i, j, s)
    order = np.argsort(d, kind="stable")
    i, j, d = i[order], j[order], d[order]
    st.set_edges(i, j, d)
    st.run(d.tolist(), i.tolist(), j.tolist())
    return st.labels()
