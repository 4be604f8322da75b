# SPDX-License-Identifier: MIT
"""From faces to persons: constrained average-linkage clustering, rules, and per-person attributes."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from organizer.cluster.attributes import fuse_birth_year
from organizer.cluster.attributes import fuse_gender
from organizer.cluster.augment import prepare_items
from organizer.cluster.distance import AGE_BINS
from organizer.cluster.distance import current_ages
from organizer.cluster.distance import l2_normalise
from organizer.cluster.linkage import Nodes
from organizer.cluster.linkage import dense_average_linkage
from organizer.cluster.linkage import node_distance_matrix
from organizer.cluster.linkage import sparse_average_linkage
from organizer.cluster.model import UNSORTED
from organizer.cluster.model import ClusterInput
from organizer.cluster.model import ClusterParams
from organizer.cluster.model import ClusterResult
from organizer.cluster.model import ClusterStats
from organizer.core.progress import CancelToken

DAY_SECONDS = 86400.0


class _UnionFind:
    def __init__(self, n: int) -> None:
        self.p = np.arange(n, dtype=np.int64)

    def find(self, i: int) -> int:
        p = self.p
        root = i
        while p[root] != root:
            root = int(p[root])
        while p[i] != root:
            p[i], i = root, int(p[i])
        return root

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.p[max(ra, rb)] = min(ra, rb)

    def labels(self) -> NDArray[np.int64]:
        return np.array([self.find(i) for i in range(self.p.size)], dtype=np.int64)


def build_nodes(inp: ClusterInput, keep: NDArray[np.int64], x: NDArray[np.float32],
                ages: NDArray[np.int64]) -> tuple[Nodes, NDArray[np.int64], NDArray[np.bool_]]:
    """Group the kept items into nodes (must-link groups and user-confirmed persons).

    Returns the nodes, per kept item its node index, and per node whether the user tied it (exempt from rules).
    """
    n_keep = keep.size
    pos = np.full(inp.n, -1, dtype=np.int64)
    pos[keep] = np.arange(n_keep)
    uf = _UnionFind(n_keep)
    for group in inp.must_link:
        members = [int(pos[int(i)]) for i in group if pos[int(i)] >= 0]
        for a in members[1:]:
            uf.union(members[0], a)
    fixed_items = np.asarray(inp.fixed_person)[keep]
    first_of: dict[int, int] = {}
    for k, f in enumerate(fixed_items.tolist()):
        if f >= 0:
            if f in first_of:
                uf.union(first_of[f], k)
            else:
                first_of[f] = k
    roots = uf.labels()
    _, node_of = np.unique(roots, return_inverse=True)
    node_of = node_of.astype(np.int64).reshape(-1)
    m = int(node_of.max()) + 1 if n_keep else 0
    order = np.argsort(node_of, kind="stable")
    bounds = np.searchsorted(node_of[order], np.arange(m))
    if m == n_keep:  # no ties: one node per item, in item order
        sums = x
    else:
        sums = np.add.reduceat(x[order], bounds, axis=0) if m else np.zeros((0, x.shape[1]), np.float32)
    sizes = np.bincount(node_of, minlength=m).astype(np.float64)
    hist = np.zeros((m, AGE_BINS), dtype=np.float32)
    np.add.at(hist, (node_of, ages), 1.0)
    fixed = np.full(m, -1, dtype=np.int64)
    has_fixed = fixed_items >= 0
    fixed[node_of[has_fixed]] = fixed_items[has_fixed]
    groups_items = np.asarray(inp.photo_groups)[keep]
    _, ginv, gcount = np.unique(groups_items, return_inverse=True, return_counts=True)
    ginv = ginv.reshape(-1)
    multi = gcount[ginv] > 1
    groups: list[set[int]] = [set() for _ in range(m)]
    for k in np.flatnonzero(multi).tolist():
        groups[node_of[k]].add(int(ginv[k]))
    cannot: list[set[int]] = [set() for _ in range(m)]
    for a, b in inp.cannot_link:
        pa, pb = pos[int(a)], pos[int(b)]
        if pa < 0 or pb < 0:
            continue
        na, nb = int(node_of[pa]), int(node_of[pb])
        if na != nb:  # a must-link the user made later than a cannot-link wins
            cannot[na].add(nb)
            cannot[nb].add(na)
    user_tied = (sizes > 1) | (fixed >= 0)
    return Nodes(sums=sums.astype(np.float32), sizes=sizes, age_hist=hist, groups=groups, fixed=fixed,
                 cannot=cannot), node_of, user_tied


def cluster_faces(inp: ClusterInput, params: ClusterParams | None = None,
                  cancel: CancelToken | None = None) -> ClusterResult:
    """Group the items into persons.

    Items of one photo group never share a person; must-link groups stay together; cannot-link pairs and
    different user-confirmed persons stay apart; excluded items are unsorted. Clusters smaller than
    ``min_faces`` or spanning fewer than ``min_span_days`` become unsorted unless the user tied any of their
    items (must-link or confirmed person).

    ``cancel`` is checked between the phases (items prepared, linkage, rules): a cancelled run raises
    :class:`~organizer.core.progress.Cancelled`.
    """
    params = params or ClusterParams()
    cancel = cancel or CancelToken()
    n = inp.n
    labels = np.full(n, UNSORTED, dtype=np.int64)
    keep_mask = np.ones(n, dtype=bool)
    keep_mask[np.asarray(inp.excluded, dtype=np.int64)] = False
    keep = np.flatnonzero(keep_mask)
    if keep.size == 0:
        return ClusterResult(labels=labels, clusters=())
    x = inp.embeddings[keep] if inp.prepared else \
        prepare_items(inp.embeddings[keep], np.asarray(inp.photo_groups)[keep], params)
    ages = current_ages(np.asarray(inp.birth_years)[keep], params.current_year) if params.age_weight else \
        np.zeros(keep.size, dtype=np.int64)
    nodes, node_of, user_tied = build_nodes(inp, keep, x, ages)
    cancel.check()
    if nodes.m <= params.exact_max:
        method = "exact"
        d = node_distance_matrix(nodes, params.age_weight)
        node_label = dense_average_linkage(d, nodes.sizes, params.threshold)
        del d
    else:
        method = "approximate"
        node_label = sparse_average_linkage(nodes, params.age_weight, params.threshold, probe=params.knn_probe,
                                            seed=params.seed)
    cancel.check()
    item_cluster = node_label[node_of]  # representative node per kept item
    tied_cluster = np.zeros(nodes.m, dtype=bool)
    np.logical_or.at(tied_cluster, node_label, user_tied)

    times = np.asarray(inp.timestamps)[keep]
    p_male = np.asarray(inp.p_male)[keep]
    birth = np.asarray(inp.birth_years)[keep]
    fixed_items = np.asarray(inp.fixed_person)[keep]
    order = np.argsort(item_cluster, kind="stable")
    cuts = np.flatnonzero(np.diff(item_cluster[order])) + 1
    kept_clusters: list[NDArray[np.int64]] = []
    n_rule = 0
    for members in np.split(order, cuts):
        rep = int(item_cluster[members[0]])
        if not tied_cluster[rep]:
            if members.size < max(1, params.min_faces):
                if members.size > 1:
                    n_rule += int(members.size)
                continue
            t = times[members]
            t = t[np.isfinite(t)]
            if params.min_span_days > 0 and t.size >= 2 and (t.max() - t.min()) < params.min_span_days * DAY_SECONDS:
                n_rule += int(members.size)
                continue
        kept_clusters.append(members)
    kept_clusters.sort(key=lambda mem: (-mem.size, int(keep[mem].min())))
    # all centroids at once: one pass over x (a per-cluster sum and norm cost seconds at 100k faces)
    if kept_clusters:
        flat = np.concatenate(kept_clusters)
        starts = np.cumsum([0] + [mem.size for mem in kept_clusters[:-1]])
        centroids = l2_normalise(np.add.reduceat(x[flat], starts, axis=0))
    stats: list[ClusterStats] = []
    for lab, members in enumerate(kept_clusters):
        items = keep[members]
        labels[items] = lab
        t = times[members]
        t = t[np.isfinite(t)]
        f = fixed_items[members]
        f = f[f >= 0]
        stats.append(ClusterStats(
            label=lab,
            person_id=int(f[0]) if f.size else -1,
            members=np.sort(items),
            centroid=centroids[lab],
            gender=fuse_gender(p_male[members]),
            birth_year=fuse_birth_year(birth[members]),
            first_time=float(t.min()) if t.size else None,
            last_time=float(t.max()) if t.size else None,
        ))
    return ClusterResult(labels=labels, clusters=tuple(stats), method=method, n_rule_unsorted=n_rule)
