# SPDX-License-Identifier: MIT
"""Compute and cache face embeddings of a labelled face tree for the clustering benchmarks.

For every image: the analyzer's detections, then the network on the crop and on its mirror image, keeping
the raw (un-normalised) features of both; P(male) and age as the app reports them (faceres + faceres-deep,
calibrated), and the mirror image's raw P(male) and age. Written to an .npz (outside the repo) that
bench/cluster_quality.py and bench/cluster_make_mean.py read.

    .venv/bin/python bench/cluster_embed.py /work/shared/data/faces /tmp/organizer_faces_emb.npz
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

IMAGE_EXT = {".jpg", ".jpeg", ".png", ".bmp", ".webp"}


def list_images(root: Path, extra: tuple[str, ...], only_extra: bool = False) -> list[Path]:
    out = []
    for d in sorted(root.iterdir()):
        if not d.is_dir():
            continue
        if d.name.startswith("_") and d.name not in extra:
            continue
        if only_extra and not d.name.startswith("_"):
            continue
        out += sorted(p for p in d.rglob("*") if p.suffix.lower() in IMAGE_EXT)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("root", type=Path)
    ap.add_argument("out", type=Path)
    ap.add_argument("--extra", default="_unlabelled,_groups,_age_gender",
                    help="'_' folders to include too (distractors / centring data)")
    ap.add_argument("--limit", type=int, default=0)
    ap.add_argument("--shard", default="0/1", help="i/k: only every k-th image starting at i (parallel runs)")
    ap.add_argument("--only-extra", action="store_true", help="only the '_' folders named in --extra")
    ap.add_argument("--threads", type=int, default=1, help="ONNX Runtime threads per operator")
    args = ap.parse_args(argv)

    from organizer.vision.analyzer import FaceAnalyzer
    from organizer.vision.faceres import crop_face
    from organizer.vision.faceres import expected_age
    from organizer.vision.models import ModelStore
    from organizer.vision.session import RuntimeOptions

    an = FaceAnalyzer(ModelStore(options=RuntimeOptions(intra_op_threads=args.threads)))
    images = list_images(args.root, tuple(x for x in args.extra.split(",") if x), args.only_extra)
    i0, k = (int(v) for v in args.shard.split("/"))
    images = images[i0::k]
    if args.limit:
        images = images[: args.limit]
    rows: dict[str, list] = {k: [] for k in ("path", "face", "box", "size", "feat", "feat_flip", "p_male",
                                             "p_male_flip", "age", "age_flip")}
    t0 = time.time()
    for n, path in enumerate(images):
        try:
            img = an.load(path)
        except Exception as e:
            print(f"skip {path}: {e}", file=sys.stderr)
            continue
        dets = an.detect(img)
        if not dets:
            continue
        crops = np.stack([crop_face(img.pixels, d.box, an.network.settings.margin) for d in dets])
        f, _, _ = an.network.raw(crops)
        f2, m2, a2 = an.network.raw(np.ascontiguousarray(crops[:, :, ::-1]))
        # P(male) and age as the app computes them (faceres-deep average, calibrations)
        attrs = an.network.analyze_crops(crops)
        top_l = an.network.settings.top_l
        rel = str(path.relative_to(args.root))
        s = 1.0 / img.scale
        for i, d in enumerate(dets):
            rows["path"].append(rel)
            rows["face"].append(i)
            rows["box"].append([d.box.x * s, d.box.y * s, d.box.w * s, d.box.h * s])
            rows["size"].append([img.width, img.height])
            rows["feat"].append(f[i])
            rows["feat_flip"].append(f2[i])
            rows["p_male"].append(attrs[i].p_male)
            rows["p_male_flip"].append(m2[i])
            rows["age"].append(attrs[i].age)
            rows["age_flip"].append(float(expected_age(a2[i:i + 1], top_l)[0]))
        if n % 200 == 0:
            print(f"{n}/{len(images)} {time.time() - t0:.0f}s", flush=True)
    np.savez_compressed(
        args.out, path=np.array(rows["path"]), face=np.array(rows["face"]), box=np.array(rows["box"], np.float32),
        size=np.array(rows["size"], np.int32), feat=np.array(rows["feat"], np.float32),
        feat_flip=np.array(rows["feat_flip"], np.float32), p_male=np.array(rows["p_male"], np.float32),
        p_male_flip=np.array(rows["p_male_flip"], np.float32), age=np.array(rows["age"], np.float32),
        age_flip=np.array(rows["age_flip"], np.float32))
    print(f"{len(rows['path'])} faces from {len(images)} images in {time.time() - t0:.0f}s -> {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
