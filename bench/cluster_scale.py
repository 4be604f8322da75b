# SPDX-License-Identifier: MIT
"""Scale benchmark of organizer.cluster: approximate vs exact average linkage, and cost on many faces.

Synthetic embeddings around random identity centres (organizer.cluster.synthetic; same/different-person mean
cosine 0.64 / 0.37 like real faces), a long-tailed number of faces per person, and birth years per person.

    .venv/bin/python bench/cluster_scale.py --agree 20000          # approx vs exact (scipy) agreement
    .venv/bin/python bench/cluster_scale.py --large 100000         # time + peak memory of the approximate method

Each part runs in its own subprocess so that its peak memory (ru_maxrss) is its own.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time

import numpy as np

THRESHOLD_DEFAULT = None  # use ClusterParams().threshold


def make_data(n: int, seed: int, subspace: int | None):
    from organizer.cluster.synthetic import make_synthetic

    rng = np.random.default_rng(seed)
    counts = []
    while sum(counts) < n:
        counts.append(int(np.clip(round(rng.lognormal(1.3, 1.1)), 1, 400)))
    counts[-1] -= sum(counts) - n
    counts = [c for c in counts if c > 0]
    x, y = make_synthetic(len(counts), np.array(counts), seed=seed, spread=0.3, subspace=subspace)
    person_year = rng.uniform(1940, 2020, len(counts))
    by = person_year[y] + rng.normal(0, 5, y.size)
    return x, y, by


def part(kind: str, n: int, seed: int, threshold: float | None, subspace: int | None) -> dict:
    from scipy.cluster.hierarchy import fcluster
    from scipy.cluster.hierarchy import linkage

    from organizer.cluster import ClusterInput
    from organizer.cluster import ClusterParams
    from organizer.cluster import bcubed
    from organizer.cluster import cluster_faces
    from organizer.cluster.distance import age_table
    from organizer.cluster.distance import current_ages
    from organizer.cluster.distance import prepare_embeddings

    x, y, by = make_data(n, seed, subspace)
    base = ClusterParams()
    t = base.threshold if threshold is None else threshold
    p = ClusterParams(threshold=t, centre=False, min_faces=1, min_span_days=0.0, current_year=2025)
    inp = ClusterInput(x, birth_years=by)
    out: dict = {"part": kind, "n": n, "threshold": t, "identities": int(y.max() + 1)}
    t0 = time.perf_counter()
    approx = cluster_faces(inp, ClusterParams(**{**_fields(p), "exact_max": 0}))
    out["approx_s"] = round(time.perf_counter() - t0, 2)
    out["approx_vs_truth_bcubed"] = [round(v, 4) for v in bcubed(y, approx.labels)]
    if kind == "agree":
        t0 = time.perf_counter()
        xp = prepare_embeddings(x, False)
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


def _fields(p) -> dict:
    return {f: getattr(p, f) for f in p.__dataclass_fields__}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--agree", type=int, default=0, help="n for approx vs exact agreement")
    ap.add_argument("--large", type=int, default=0, help="n for the approximate cost run")
    ap.add_argument("--threshold", type=float, default=None)
    ap.add_argument("--subspace", type=int, default=96)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--part", choices=["agree", "large"], help=argparse.SUPPRESS)
    ap.add_argument("--n", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.part:
        print(json.dumps(part(args.part, args.n, args.seed, args.threshold, args.subspace)))
        return 0
    for kind, n in (("agree", args.agree), ("large", args.large)):
        if not n:
            continue
        cmd = [sys.executable, __file__, "--part", kind, "--n", str(n), "--seed", str(args.seed),
               "--subspace", str(args.subspace)]
        if args.threshold is not None:
            cmd += ["--threshold", str(args.threshold)]
        r = subprocess.run(cmd, capture_output=True, text=True, check=False)
        print(r.stdout.strip() or r.stderr[-3000:])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
