# SPDX-License-Identifier: MIT
"""Make organizer/cluster/mean_embedding.npy: the fixed mean embedding subtracted before clustering (centring).

The mean of L2-normalised embeddings (no flip, as the analyzer computes by default) of faces that are NOT the
evaluation identities: by default every face in the caches whose path starts with one of ``--folders``
(UTKFace crops, unlabelled portraits, group photos of the developer set).

    .venv/bin/python bench/cluster_embed.py /work/shared/data/faces /tmp/org_emb_utk.npz --extra _age_gender
    .venv/bin/python bench/cluster_make_mean.py --cache /tmp/org_emb_utk.npz /tmp/org_emb_id0.npz \
        /tmp/org_emb_id1.npz
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from organizer.cluster.distance import MEAN_EMBEDDING_FILE
from organizer.cluster.distance import l2_normalise


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cache", type=Path, nargs="+", required=True)
    ap.add_argument("--folders", default="_age_gender,_unlabelled,_groups")
    ap.add_argument("--out", type=Path, default=MEAN_EMBEDDING_FILE)
    args = ap.parse_args(argv)
    prefixes = tuple(f.rstrip("/") + "/" for f in args.folders.split(",") if f)
    feats = []
    for c in args.cache:
        z = np.load(c)
        sel = np.array([p.startswith(prefixes) for p in z["path"].tolist()], dtype=bool)
        feats.append(z["feat"][sel])
    x = l2_normalise(np.concatenate(feats))
    mean = x.mean(axis=0).astype(np.float32)
    np.save(args.out, mean)
    print(f"mean of {len(x)} faces from {args.folders}: norm {np.linalg.norm(mean):.4f} -> {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
