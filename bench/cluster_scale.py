# SPDX-License-Identifier: MIT
"""Scale benchmark of organizer.cluster: approximate vs exact average linkage, and cost on many faces.

Synthetic embeddings around random identity centres (devtools.synthetic; same/different-person mean
cosine 0.64 / 0.37 like real faces), a long-tailed number of faces per person, and birth years per person.

    .venv/bin/python bench/cluster_scale.py --agree 20000          # approx vs exact (scipy) agreement
    .venv/bin/python bench/cluster_scale.py --large 100000         # time + peak memory of the approximate method

Each part runs in its own subprocess so that its peak memory (ru_maxrss) is its own. ``approx_cpu_s`` is the
part's user + system CPU time over the approximate run (compare with ``approx_s`` when other jobs load the box).

Real-like tail: with ``--subspace 64`` (the default) the synthetic different-person distances (raw, eq. 1
without age) have quantiles 1e-4 / 1e-3 / 1e-2 of 0.68 / 0.76 / 0.88 against 0.65 / 0.75 / 0.87 on the developer
faces, mean cosines 0.64 / 0.37 against 0.66 / 0.38 (96 dimensions gave 0.76 / 0.84 / 0.93: too easy).

Without ``--centre`` the data are not centred and, unless ``--neighbours`` says otherwise, not neighbour-augmented,
so the linkage itself is compared; with ``--centre --neighbours 10`` and no ``--threshold`` the run uses the
app's settings. The exact reference is computed on the very embeddings the approximate run clusters
(``prepare_items`` with the same parameters).

    .venv/bin/python bench/cluster_scale.py --centre --neighbours 10 --agree 20000 --large 100000
    .venv/bin/python bench/cluster_scale.py --centre --neighbours 20 --dim 1536 --threshold 1.3 --large 100000

The app's space (fused, projected on 256 + 256 principal axes: organizer.cluster.fusion) at its own cut:

    .venv/bin/python bench/cluster_scale.py --centre --neighbours 20 --dim 512 --same-cos 0.71 --large 100000

With ``--same-cos 0.71`` at 512 dimensions the centred synthetic faces have mean same/different-person cosines
0.540 / 0.00 and different-person distance quantiles 1e-4 / 1e-3 / 1e-2 of 1.11 / 1.25 / 1.43, against 0.541 /
0.04 and 1.14 / 1.28 / 1.46 for the developer faces in the app's space (a slightly harder tail).
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repository root: devtools

import numpy as np

THRESHOLD_DEFAULT = None  # use ClusterParams().threshold


def make_data(n: int, seed: int, subspace: int | None, dim: int = 1024, same_cos: float = 0.64):
    from devtools.synthetic import make_synthetic

    rng = np.random.default_rng(seed)
    counts = []
    while sum(counts) < n:
        counts.append(int(np.clip(round(rng.lognormal(1.3, 1.1)), 1, 400)))
    counts[-1] -= sum(counts) - n
    counts = [c for c in counts if c > 0]
    x, y = make_synthetic(len(counts), np.array(counts), dim=dim, seed=seed, spread=0.3, subspace=subspace,
                          same_cos=same_cos)
    person_year = rng.uniform(1940, 2020, len(counts))
    by = person_year[y] + rng.normal(0, 5, y.size)
    return x, y, by


def part(kind: str, n: int, seed: int, threshold: float | None, subspace: int | None, neighbours: int,
         centre: bool, dim: int = 1024, same_cos: float = 0.64) -> dict:
    from scipy.cluster.hierarchy import fcluster
    from scipy.cluster.hierarchy import linkage

    from devtools.metrics import bcubed
    from organizer.cluster import ClusterInput
    from organizer.cluster import ClusterParams
    from organizer.cluster import cluster_faces
    from organizer.cluster.augment import prepare_items
    from organizer.cluster.blas import one_blas_thread
    from organizer.cluster.distance import age_table
    from organizer.cluster.distance import current_ages

    x, y, by = make_data(n, seed, subspace, dim, same_cos)
    base = ClusterParams()
    t = base.threshold if threshold is None else threshold
    # --centre: the app's space. The stored mean embedding is real faces' mean; synthetic faces share their own
    # direction, so they are centred on their own mean (as the stored mean does for real faces).
    p = ClusterParams(threshold=t, centre=centre, centre_vector=x.mean(axis=0) if centre else None,
                      neighbours=neighbours, min_faces=1, min_span_days=0.0, current_year=2025)
    inp = ClusterInput(x, birth_years=by)
    out: dict = {"part": kind, "n": n, "dim": dim, "same_cos": same_cos, "threshold": t, "centre": centre,
                 "neighbours": neighbours,
                 "subspace": subspace, "identities": int(y.max() + 1)}
    t0, c0 = time.perf_counter(), _cpu()
    with one_blas_thread():  # as organizer.services.clustering runs it
        approx = cluster_faces(inp, ClusterParams(**{**_fields(p), "exact_max": 0}))
    out["approx_s"] = round(time.perf_counter() - t0, 2)
    out["approx_cpu_s"] = round(_cpu() - c0, 2)
    out["approx_vs_truth_bcubed"] = [round(v, 4) for v in bcubed(y, approx.labels)]
    if kind == "agree":
        t0 = time.perf_counter()
        xp = prepare_items(x, np.arange(n), p)
        ages = current_ages(by, 2025)
        tab = age_table(p.age_weight)
        cond = np.empty(n * (n - 1) // 2, dtype=np.float64)
        pos = 0
        for i in range(n - 1):  # row by row into the condensed upper triangle
            d = 2.0 - 2.0 * (xp[i + 1:] @ xp[i]).astype(np.float64) + tab[ages[i], ages[i + 1:]]
            cond[pos:pos + d.size] = np.maximum(d, 0.0)
            pos += d.size
        z = linkage(cond, method="average")
        del cond
        exact = fcluster(z, t, criterion="distance")
        out["exact_s"] = round(time.perf_counter() - t0, 2)
        out["exact_vs_truth_bcubed"] = [round(v, 4) for v in bcubed(y, exact)]
        out["approx_vs_exact_bcubed"] = [round(v, 4) for v in bcubed(exact, approx.labels)]
    out["peak_rss_gb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2, 2)
    return out


def _cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def _fields(p) -> dict:
    return {f: getattr(p, f) for f in p.__dataclass_fields__}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--agree", type=int, default=0, help="n for approx vs exact agreement")
    ap.add_argument("--large", type=int, default=0, help="n for the approximate cost run")
    ap.add_argument("--threshold", type=float, default=None)
    ap.add_argument("--subspace", type=int, default=64,
                    help="dimension of the identity/noise subspaces; 64 matches real faces' tail of close "
                         "different-person pairs (see the module docstring)")
    ap.add_argument("--centre", action="store_true", help="centre (on the data's own mean) as the app does")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--neighbours", type=int, default=0, help="neighbour augmentation (ClusterParams.neighbours)")
    ap.add_argument("--dim", type=int, default=1024,
                    help="embedding dimension (1536: the app's fused faceres + ArcFace-type embedding)")
    ap.add_argument("--same-cos", type=float, default=0.64,
                    help="mean same-person cosine before centring (0.71: the app's projected 512-D space, see above)")
    ap.add_argument("--part", choices=["agree", "large"], help=argparse.SUPPRESS)
    ap.add_argument("--n", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.part:
        print(json.dumps(part(args.part, args.n, args.seed, args.threshold, args.subspace, args.neighbours,
                              args.centre, args.dim, args.same_cos)))
        return 0
    for kind, n in (("agree", args.agree), ("large", args.large)):
        if not n:
            continue
        cmd = [sys.executable, __file__, "--part", kind, "--n", str(n), "--seed", str(args.seed),
               "--subspace", str(args.subspace), "--neighbours", str(args.neighbours), "--dim", str(args.dim),
               "--same-cos", str(args.same_cos)]
        if args.centre:
            cmd.append("--centre")
        if args.threshold is not None:
            cmd += ["--threshold", str(args.threshold)]
        r = subprocess.run(cmd, capture_output=True, text=True, check=False)
        print(r.stdout.strip() or r.stderr[-3000:])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
