# SPDX-License-Identifier: MIT
"""Quality of organizer.cluster on a labelled face tree (one folder per identity, e.g. ../shared/data/faces).

Needs the embedding cache of bench/cluster_embed.py (one or more .npz, concatenated). Per identity image the
largest / most central face is used; faces of ``_unlabelled`` and ``_groups`` are added as distractors (they
are clustered too but not scored). Identities with a single image stay in the score as singleton classes.
No photo times are known, so birth year = 2025 - predicted age and the day-span rule is off.

    .venv/bin/python bench/cluster_quality.py /work/shared/data/faces --cache /tmp/org_emb_id0.npz \
        /tmp/org_emb_id1.npz --sweep 0.7:1.3:0.05

Prints BCubed precision / recall / F, ARI, AMI (scikit-learn if installed), K/C (clusters per class) and the
per-person gender accuracy of eq. 2 for identities with >= 3 faces.
"""

from __future__ import annotations

import argparse
import collections
import csv
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repository root: devtools

import numpy as np

from devtools.metrics import bcubed
from devtools.metrics import clusters_per_class
from organizer.cluster import ClusterInput
from organizer.cluster import ClusterParams
from organizer.cluster import cluster_faces
from organizer.cluster import fuse_gender
from organizer.cluster.distance import l2_normalise


def load_cache(paths: list[Path]) -> dict[str, np.ndarray]:
    parts = [dict(np.load(p)) for p in paths]
    return {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}


def pick_faces(z: dict[str, np.ndarray]) -> np.ndarray:
    """Row indices: per identity image its largest / most central face; every face of distractor images."""
    best: dict[str, tuple[float, int]] = {}
    rows = []
    for r, path in enumerate(z["path"].tolist()):
        if path.startswith("_"):
            rows.append(r)
            continue
        x, y, w, h = z["box"][r]
        iw, ih = z["size"][r]
        off = np.hypot(x + w / 2 - iw / 2, y + h / 2 - ih / 2) / (0.5 * np.hypot(iw, ih))
        score = w * h * (1.0 - 0.5 * off)
        if path not in best or score > best[path][0]:
            best[path] = (score, r)
    rows += [r for _, r in best.values()]
    return np.array(sorted(rows))


def embeddings(z: dict[str, np.ndarray], rows: np.ndarray, flip: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    f = z["feat"][rows]
    pm, age = z["p_male"][rows], z["age"][rows]
    if flip:
        f = f + z["feat_flip"][rows]
        pm = (pm + z["p_male_flip"][rows]) / 2
        age = (age + z["age_flip"][rows]) / 2
    return l2_normalise(f), pm.astype(np.float64), age.astype(np.float64)


def rerank_cluster(x: np.ndarray, ages: np.ndarray, groups: np.ndarray, params: ClusterParams, k: int,
                   lam: float) -> np.ndarray:
    """Experiment: eq. 1 blended with a shared-nearest-neighbour (Jaccard) distance, then the exact linkage."""
    from organizer.cluster.distance import current_ages
    from organizer.cluster.distance import pairwise_distances
    from organizer.cluster.distance import prepare_embeddings
    from organizer.cluster.linkage import dense_average_linkage

    xp = prepare_embeddings(x, params.centre, params.centre_vector)
    d = pairwise_distances(xp, current_ages(2025 - ages, 2025), params.age_weight)
    nn = np.argsort(d, axis=1)[:, :k]
    a = np.zeros(d.shape, dtype=np.float32)
    np.put_along_axis(a, nn, 1.0, axis=1)
    inter = a @ a.T
    jac = 1.0 - inter / (2 * k - inter)
    d = (1 - lam) * d + lam * 2.0 * jac
    same = groups[:, None] == groups[None, :]
    d[same] = np.inf
    np.fill_diagonal(d, np.inf)
    root = dense_average_linkage(d, np.ones(len(x)), params.threshold)
    _, lab = np.unique(root, return_inverse=True)
    sizes = np.bincount(lab)
    return np.where(sizes[lab] >= params.min_faces, lab, -1)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("root", type=Path)
    ap.add_argument("--cache", type=Path, nargs="+", required=True)
    ap.add_argument("--threshold", type=float, default=None)
    ap.add_argument("--sweep", default="", help="lo:hi:step thresholds")
    ap.add_argument("--w", type=float, default=None, help="age weight (default ClusterParams)")
    ap.add_argument("--no-centre", action="store_true")
    ap.add_argument("--flip", action="store_true", help="flip-averaged embeddings")
    ap.add_argument("--no-distractors", action="store_true")
    ap.add_argument("--approx", action="store_true", help="force the approximate method")
    ap.add_argument("--min-faces", type=int, default=None)
    ap.add_argument("--neighbours", type=int, default=None, help="neighbour augmentation k (0 = off)")
    ap.add_argument("--power", type=float, default=None, help="neighbour augmentation power")
    ap.add_argument("--no-photo-groups", action="store_true",
                    help="ablation: no same-photo constraint (faces of one photo may join one person)")
    ap.add_argument("--rerank", default="", help="k,lambda: shared-neighbour re-ranking experiment")
    args = ap.parse_args(argv)

    with open(args.root / "manifest.csv", newline="", encoding="utf-8") as f:
        manifest = {r["path"]: r for r in csv.DictReader(f)}
    z = load_cache(args.cache)
    rows = pick_faces(z)
    paths = z["path"][rows]
    is_id = np.array([not p.startswith("_") for p in paths])
    if args.no_distractors:
        rows, paths, is_id = rows[is_id], paths[is_id], is_id[is_id]
    ident = np.array([p.split("/")[0] if not p.startswith("_") else f"_d{i}" for i, p in enumerate(paths)])
    x, pm, age = embeddings(z, rows, args.flip)
    _, groups = np.unique(paths, return_inverse=True)
    if args.no_photo_groups:
        groups = np.arange(len(paths))
    base = ClusterParams()
    w = base.age_weight if args.w is None else args.w
    counts = collections.Counter(ident[is_id].tolist())
    print(f"faces {len(rows)} (identity images {int(is_id.sum())}, distractor faces {int((~is_id).sum())}), "
          f"identities {len(counts)}, with >=2 images {sum(c >= 2 for c in counts.values())}")
    if args.sweep:
        lo, hi, step = (float(v) for v in args.sweep.split(":"))
        thresholds = list(np.arange(lo, hi + 1e-9, step))
    else:
        thresholds = [base.threshold if args.threshold is None else args.threshold]
    try:
        from sklearn.metrics import adjusted_mutual_info_score
        from sklearn.metrics import adjusted_rand_score
    except ImportError:  # optional, bench only
        adjusted_rand_score = adjusted_mutual_info_score = None
    truth = ident[is_id]
    for t in thresholds:
        params = ClusterParams(threshold=float(t), age_weight=w, centre=not args.no_centre, current_year=2025,
                               min_faces=base.min_faces if args.min_faces is None else args.min_faces,
                               min_span_days=0.0, exact_max=0 if args.approx else base.exact_max,
                               neighbours=base.neighbours if args.neighbours is None else args.neighbours,
                               neighbour_power=base.neighbour_power if args.power is None else args.power)
        t0 = time.perf_counter()
        if args.rerank:
            k, lam = args.rerank.split(",")
            labels = rerank_cluster(x, age, groups, params, int(k), float(lam))
        else:
            res = cluster_faces(ClusterInput(x, birth_years=2025 - age, photo_groups=groups, p_male=pm), params)
            labels = res.labels
        dt = time.perf_counter() - t0
        pred = labels[is_id]
        p, r, fscore = bcubed(truth, pred)
        line = f"t={t:.3f} w={w} centre={not args.no_centre} flip={args.flip} k={params.neighbours}: " \
               f"BCubed P={p:.4f} R={r:.4f} F={fscore:.4f} K/C={clusters_per_class(truth, pred):.3f}"
        if adjusted_rand_score is not None:
            from devtools.metrics import singletons_for_unsorted

            ps = singletons_for_unsorted(pred)
            line += f" ARI={adjusted_rand_score(truth, ps):.4f} AMI={adjusted_mutual_info_score(truth, ps):.4f}"
        absorbed = int(((labels >= 0) & ~is_id).sum())
        print(line + f" distractors_in_persons={absorbed} ({dt:.2f}s)", flush=True)

    # per-person gender (eq. 2) over each identity's faces, against the manifest's majority label
    agree, total, wrong = 0, 0, []
    for name, c in sorted(counts.items()):
        if c < 3:
            continue
        sel = ident == name
        labs = [manifest.get(p, {}).get("gender", "") for p in paths[sel]]
        labs = [g for g in labs if g in ("M", "F")]
        if not labs:
            continue
        want = collections.Counter(labs).most_common(1)[0][0] == "M"
        g = fuse_gender(pm[sel])
        total += 1
        if g.is_male == want:
            agree += 1
        else:
            wrong.append(f"{name} (label {'M' if want else 'F'}, p_male {g.p_male:.3f}, n {c})")
    if total:
        print(f"per-person gender (eq. 2, identities with >=3 faces): {agree}/{total} = {agree / total:.4f}")
        for line in wrong:
            print("  disagrees:", line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
