# SPDX-License-Identifier: MIT
"""Other ways to cut the fused identity vectors into persons, measured by bench/identity_fusion.py's honest protocol.

Same cache, halves, fused vectors (variant 9: faceres + dlib(flip), each part centred on its own fixed mean,
faceres alone under 13) and scoring functions as bench/identity_fusion.py (imported, not copied). Every method
is scored over a coarse grid of its parameters on both halves once; each direction then takes the parameters
best on one half (objective as there: ``all`` = BCubed F with every distractor face scored, ``id`` = over
identity faces; by default both are reported from the same grid) and reports the other half, untouched by
that choice.

* ``linkage``: today's constrained average linkage (``organizer.cluster.cluster_faces``); tuned: the faceres
  weight w (dlib 1 - w), the neighbour count k of the augmentation, the cut t.
* ``... joint``: per method the one parameter set best on the mean of both halves (so the product's defaults
  are not one half's); its per-half figures are in-sample (each half helped choose), so they are an upper
  bound, not a held-out figure.
* ``small rule``: linkage at t without the min-faces rule, then every singleton or pair joins its
  nearest cluster of 3+ faces when their average eq. 1 distance is within a second cut t2 (never across a
  same-photo pair); what stays alone is unsorted (min-faces 2) as before.
* ``infomap``: Infomap (map equation, two-level, undirected) on a graph of each face's kn nearest faces (never
  one of its own photo) with similarity above a floor, weighted by the similarity.
* ``hdbscan``: HDBSCAN (the ``hdbscan`` package) on 1 - similarity (same-photo pairs at the maximum 2),
  min_cluster_size 2; ``hdbscan + prune`` then unsorts each face whose average eq. 1 distance to the rest of
  its cluster exceeds a cut (tuned).

For the graph methods the same-photo constraint is enforced afterwards: a cluster holding two faces of one
photo is split by the constrained linkage run within it to the end (only blocked merges left). Clusters of one
face are unsorted (min-faces 2), as the product's rule. Needs ``pip install infomap hdbscan`` (bench only).

    .venv/bin/python bench/identity_graph.py /work/shared/data/faces --cache /tmp/identity_fusion.npz
    .venv/bin/python bench/identity_graph.py /work/shared/data/faces --methods linkage,infomap

About 6 min on 2 cores with all methods (coarse grids; the cache must exist or is built first, ~2 min).
"""

from __future__ import annotations

import argparse
import csv
import itertools
import sys
import time
from collections.abc import Callable
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import numpy as np  # noqa: E402
from identity_fusion import VARIANTS  # noqa: E402
from identity_fusion import Half  # noqa: E402
from identity_fusion import all_scored  # noqa: E402
from identity_fusion import load_or_embed  # noqa: E402
from identity_fusion import make_halves  # noqa: E402
from identity_fusion import scores  # noqa: E402
from identity_fusion import variant_x  # noqa: E402

from organizer.cluster import ClusterInput  # noqa: E402
from organizer.cluster import ClusterParams  # noqa: E402
from organizer.cluster import cluster_faces  # noqa: E402
from organizer.cluster import prepare_items  # noqa: E402
from organizer.cluster.distance import AGE_BINS  # noqa: E402
from organizer.cluster.linkage import Nodes  # noqa: E402
from organizer.cluster.linkage import dense_average_linkage  # noqa: E402
from organizer.cluster.linkage import node_distance_matrix  # noqa: E402

#: the app's fusion: faceres + dlib(flip) per part, faceres alone under 13
APP = VARIANTS[9]
#: faceres weight (the app's second_weight 0.3 is w = 0.7 here)
WEIGHTS = (0.5, 0.6, 0.7, 0.8)
NEIGHBOURS = (10, 20, 30)
CUTS = tuple(float(t) for t in np.round(np.arange(0.35, 0.6501, 0.025), 3))
#: the small-cluster rule's second cut, as a margin above t
SMALL_MARGINS = (0.025, 0.05, 0.1, 0.15, 0.2, 0.3)
GRAPH_WEIGHTS = (0.6, 0.7, 0.8)
GRAPH_AUG = (0, 10, 20, 30)
GRAPH_K = (5, 10, 20)
FLOORS = (0.4, 0.5, 0.6, 0.7, 0.75, 0.775, 0.8, 0.825, 0.85, 0.9)
HDB_MIN_SAMPLES = (1, 2, 3)
HDB_EPS = (0.0, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3)
HDB_SELECT = ("eom", "leaf")
#: HDBSCAN + prune: a member farther than this (average eq. 1 distance to the rest of its cluster) is unsorted
PRUNE_CUTS = (0.5, 0.6, 0.7, 0.8)

#: per half: (P, R, F, K/C) over identity faces, then (P, F) with every distractor scored, then seconds
Score = tuple[float, float, float, float, float, float, float]


# ---------------------------------------------------------------------------------------------------- helpers


class Space:
    """The fused, centred, neighbour-augmented unit vectors of one half, cached per (w, k)."""

    def __init__(self, z: dict[str, np.ndarray], half: Half) -> None:
        self.z, self.half = z, half
        self._x: dict[tuple[float, int], np.ndarray] = {}

    def x(self, w: float, k: int) -> np.ndarray:
        if (w, k) not in self._x:
            raw = variant_x(self.z, self.half.rows, APP, w)  # per part: already centred and unit
            params = ClusterParams(neighbours=k, centre=False)
            self._x[(w, k)] = prepare_items(raw, self.half.groups, params)
        return self._x[(w, k)]


def linkage(x: np.ndarray, half: Half, t: float, min_faces: int = 2) -> np.ndarray:
    params = ClusterParams(threshold=float(t), current_year=2025, min_span_days=0.0, min_faces=min_faces,
                           centre=False)
    return cluster_faces(ClusterInput(x, photo_groups=half.groups, prepared=True), params).labels


def unsort_singletons(labels: np.ndarray) -> np.ndarray:
    """Relabel 0..m-1, clusters of one face -> -1 (the product's min-faces 2)."""
    out = np.full(labels.size, -1, dtype=np.int64)
    ok = labels >= 0
    _, inv, cnt = np.unique(labels[ok], return_inverse=True, return_counts=True)
    big = cnt[inv] >= 2
    idx = np.flatnonzero(ok)[big]
    _, out[idx] = np.unique(inv[big], return_inverse=True)
    return out


def split_same_photo(labels: np.ndarray, x: np.ndarray, groups: np.ndarray) -> np.ndarray:
    """Split every cluster holding two faces of one photo by the constrained average linkage within it,
    run until only blocked merges are left (labels >= 0 are clusters, -1 stays unsorted)."""
    out = labels.copy()
    nxt = int(labels.max()) + 1 if labels.size else 0
    for c in np.unique(labels[labels >= 0]).tolist():
        mem = np.flatnonzero(labels == c)
        g = groups[mem]
        _, inv, cnt = np.unique(g, return_inverse=True, return_counts=True)
        if cnt.max() < 2:
            continue
        multi = cnt[inv] > 1
        nodes = Nodes(sums=x[mem].astype(np.float32), sizes=np.ones(mem.size), age_hist=np.zeros((mem.size, AGE_BINS),
                      np.float32), groups=[{int(inv[i])} if multi[i] else set() for i in range(mem.size)],
                      fixed=np.full(mem.size, -1, np.int64), cannot=[set() for _ in range(mem.size)])
        sub = dense_average_linkage(node_distance_matrix(nodes, 0.0), nodes.sizes, 4.0)
        _, sub = np.unique(sub, return_inverse=True)
        out[mem] = np.where(sub == 0, c, nxt + sub - 1)
        nxt += int(sub.max())
    return out


def similarities(x: np.ndarray, groups: np.ndarray) -> np.ndarray:
    """Cosine similarities, -inf on the diagonal and between faces of one photo."""
    s = (x @ x.T).astype(np.float64)
    s[groups[:, None] == groups[None, :]] = -np.inf
    return s


def knn_edges(s: np.ndarray, k: int, floor: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each face's k most similar faces above ``floor`` (the union, each pair once)."""
    k = min(k, s.shape[0] - 1)
    nn = np.argpartition(-s, k - 1, axis=1)[:, :k]
    i = np.repeat(np.arange(s.shape[0]), k)
    j = nn.reshape(-1)
    v = s[i, j]
    ok = v > floor
    a, b = np.minimum(i[ok], j[ok]), np.maximum(i[ok], j[ok])
    key = np.unique(a * s.shape[0] + b)
    a, b = key // s.shape[0], key % s.shape[0]
    return a, b, s[a, b]


def infomap_labels(s: np.ndarray, k: int, floor: float) -> np.ndarray:
    from infomap import Infomap

    a, b, v = knn_edges(s, k, floor)
    im = Infomap(two_level=True, silent=True, num_trials=5, seed=1)
    for i, j, w in zip(a.tolist(), b.tolist(), v.tolist(), strict=True):
        im.add_link(i, j, w)
    labels = np.full(s.shape[0], -1, dtype=np.int64)
    if a.size:
        for node, module in im.run().modules().items():
            labels[node] = module
    return labels


def hdbscan_labels(s: np.ndarray, min_samples: int, eps: float, select: str) -> np.ndarray:
    """The ``hdbscan`` package (scikit-learn-contrib): scikit-learn 1.9's HDBSCAN fails with NumPy 2 whenever
    ``cluster_selection_epsilon`` > 0 (scikit-learn issue #33219)."""
    from hdbscan import HDBSCAN

    d = np.where(np.isfinite(s), 1.0 - s, 2.0)
    np.fill_diagonal(d, 0.0)
    d = np.clip(d, 0.0, 2.0)
    return HDBSCAN(min_cluster_size=2, min_samples=min_samples, cluster_selection_epsilon=float(eps),
                   metric="precomputed", cluster_selection_method=select).fit_predict(d).astype(np.int64)


def prune_members(labels: np.ndarray, x: np.ndarray, cut: float) -> np.ndarray:
    """Unsort every face whose average eq. 1 distance to the rest of its cluster exceeds ``cut`` (strangers that
    a density method hangs on a person)."""
    out = labels.copy()
    ok = labels >= 0
    if not np.isfinite(cut) or not ok.any():
        return out
    _, inv, cnt = np.unique(labels[ok], return_inverse=True, return_counts=True)
    xs = x[ok].astype(np.float64)
    sums = np.zeros((cnt.size, x.shape[1]))
    np.add.at(sums, inv, xs)
    n = cnt[inv]
    d = 2.0 - 2.0 * (np.einsum("ij,ij->i", xs, sums[inv]) - 1.0) / np.maximum(n - 1, 1)
    out[np.flatnonzero(ok)[(n > 1) & (d > cut)]] = -1
    return out


def small_rule(labels: np.ndarray, x: np.ndarray, groups: np.ndarray, t2: float) -> np.ndarray:
    """Singletons and pairs join the nearest cluster of 3+ faces within average eq. 1 distance ``t2``."""
    out = labels.copy()
    ids, inv, cnt = np.unique(labels, return_inverse=True, return_counts=True)
    big = np.flatnonzero(cnt >= 3)
    small = np.flatnonzero(cnt <= 2)
    if not big.size or not small.size:
        return out
    sums = np.zeros((ids.size, x.shape[1]))
    np.add.at(sums, inv, x)
    d = 2.0 - 2.0 * (sums[small] @ sums[big].T) / np.outer(cnt[small], cnt[big])
    gsets = [set() for _ in range(ids.size)]
    for i, c in enumerate(inv.tolist()):
        gsets[c].add(groups[i])
    for r, c in enumerate(small.tolist()):
        for q in np.argsort(d[r]).tolist():
            if d[r, q] > t2:
                break
            if gsets[c].isdisjoint(gsets[big[q]]):
                out[inv == c] = ids[big[q]]
                break
    return out


def score(labels: np.ndarray, half: Half, seconds: float) -> Score:
    p, r, f, kc = scores(labels, half)
    p_all, _, f_all = all_scored(labels, half)
    return p, r, f, kc, p_all, f_all, seconds


# ---------------------------------------------------------------------------------------------------- methods

Method = Callable[[Space], Iterator[tuple[str, tuple, np.ndarray, float]]]


def m_linkage(sp: Space) -> Iterator[tuple[str, tuple, np.ndarray, float]]:
    """Today's linkage and, from the same run without min-faces, the small-cluster rule."""
    for w, k in itertools.product(WEIGHTS, NEIGHBOURS):
        x = sp.x(w, k)
        for t in CUTS:
            t0 = time.perf_counter()
            base = linkage(x, sp.half, t, min_faces=1)
            dt = time.perf_counter() - t0
            yield "linkage", (w, k, t), unsort_singletons(base), dt  # = min-faces 2
            for dm in SMALL_MARGINS:
                t1 = time.perf_counter()
                lab = unsort_singletons(small_rule(base, x, sp.half.groups, t + dm))
                yield "small rule", (w, k, t, round(t + dm, 3)), lab, dt + time.perf_counter() - t1


def m_infomap(sp: Space) -> Iterator[tuple[str, tuple, np.ndarray, float]]:
    for w, aug in itertools.product(GRAPH_WEIGHTS, GRAPH_AUG):
        x = sp.x(w, aug)
        s = similarities(x, sp.half.groups)
        for kn, floor in itertools.product(GRAPH_K, FLOORS):
            t0 = time.perf_counter()
            lab = unsort_singletons(split_same_photo(infomap_labels(s, kn, floor), x, sp.half.groups))
            yield "infomap", (w, aug, kn, floor), lab, time.perf_counter() - t0


def m_hdbscan(sp: Space) -> Iterator[tuple[str, tuple, np.ndarray, float]]:
    for w, aug in itertools.product(GRAPH_WEIGHTS, GRAPH_AUG):
        x = sp.x(w, aug)
        s = similarities(x, sp.half.groups)
        for ms, eps, sel in itertools.product(HDB_MIN_SAMPLES, HDB_EPS, HDB_SELECT):
            t0 = time.perf_counter()
            base = split_same_photo(hdbscan_labels(s, ms, eps, sel), x, sp.half.groups)
            dt = time.perf_counter() - t0
            yield "hdbscan", (w, aug, ms, eps, sel), unsort_singletons(base), dt
            for cut in PRUNE_CUTS:
                t1 = time.perf_counter()
                lab = unsort_singletons(prune_members(base, x, cut))
                yield "hdbscan + prune", (w, aug, ms, eps, sel, cut), lab, dt + time.perf_counter() - t1


METHODS: dict[str, Method] = {"linkage": m_linkage, "infomap": m_infomap, "hdbscan": m_hdbscan}
NAMES = {"linkage": "w,k,t", "small rule": "w,k,t,t2", "infomap": "w,aug,kn,floor",
         "hdbscan": "w,aug,min_samples,eps,select", "hdbscan + prune": "w,aug,min_samples,eps,select,cut"}


# ---------------------------------------------------------------------------------------------------- main


def fmt(s: Score) -> str:
    return f"P={s[0]:.4f} R={s[1]:.4f} F={s[2]:.4f} K/C={s[3]:.3f} allF={s[5]:.4f} {1000 * s[6]:5.0f}ms"


def report(tables: dict[str, dict[tuple, list[Score]]], objective: str) -> None:
    """Per method the parameters best on each half for ``objective`` and their figures on the other half."""
    obj = 2 if objective == "id" else 5
    rows: list[tuple[str, str, list[Score]]] = []
    for name, table in tables.items():
        per_dir, chosen = [], []
        for tune_h, test_h in ((0, 1), (1, 0)):
            best = max(table, key=lambda p, h=tune_h: table[p][h][obj])
            per_dir.append(table[best][test_h])
            chosen.append(f"{tuple(float(v) if isinstance(v, np.floating) else v for v in best)}")
        rows.append((name, f"{NAMES[name]}: {' | '.join(chosen)}", per_dir))
        best = max(table, key=lambda p: table[p][0][obj] + table[p][1][obj])
        rows.append((f"{name} joint (in-sample)", f"{NAMES[name]}: {best}", [table[best][1], table[best][0]]))
        if name == "linkage":
            app = (0.7, 20, 0.475)  # the grid point nearest the app's defaults (threshold 0.485)
            if app in table:
                rows.append(("linkage, app defaults", f"{NAMES[name]}: {app}", [table[app][1], table[app][0]]))
    print(f"\n== untouched halves (objective {objective}): tuned on 0 -> half 1 | tuned on 1 -> half 0 | mean ==")
    for name, chosen, per_dir in rows:
        m = np.mean(np.array(per_dir), axis=0)
        print(f"{name:26s} {chosen}\n    ->1 {fmt(per_dir[0])} | ->0 {fmt(per_dir[1])} | mean P={m[0]:.4f} "
              f"R={m[1]:.4f} F={m[2]:.4f} K/C={m[3]:.3f} allF={m[5]:.4f}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("root", type=Path)
    ap.add_argument("--cache", type=Path, default=Path("/tmp/identity_fusion.npz"))
    ap.add_argument("--methods", default="linkage,infomap,hdbscan", help="comma-separated: " + ",".join(METHODS))
    ap.add_argument("--objective", choices=("id", "all", "both"), default="both",
                    help="tune for BCubed F over identity faces (id), with every distractor scored (all), or report "
                         "both from the same grid")
    args = ap.parse_args(argv)
    with open(args.root / "manifest.csv", newline="", encoding="utf-8") as f:
        manifest = {r["path"]: r for r in csv.DictReader(f)}
    z = load_or_embed(args.root, args.cache, 2, 0)
    halves = make_halves(z, manifest)
    spaces = [Space(z, h) for h in halves]
    objectives = ("all", "id") if args.objective == "both" else (args.objective,)
    tables: dict[str, dict[tuple, list[Score]]] = {}
    grid_s: dict[str, float] = {}
    for m in args.methods.split(","):
        t0 = time.perf_counter()
        for h, sp in enumerate(spaces):
            for name, params, lab, dt in METHODS[m](sp):
                tables.setdefault(name, {}).setdefault(params, [])
                tables[name][params].append(score(lab, halves[h], dt))
        grid_s[m] = time.perf_counter() - t0
        print(f"{m}: grid on both halves {grid_s[m]:.0f}s", flush=True)
    for objective in objectives:
        report(tables, objective)
    print("grid seconds: " + ", ".join(f"{k} {v:.0f}" for k, v in grid_s.items()) + "; ms = one run on the test half")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
