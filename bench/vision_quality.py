# SPDX-License-Identifier: MIT
"""Quality of the face engine on the developer set: detection rate, identity ROC-AUC, age MAE, gender accuracy.

    python bench/vision_quality.py [--faces ../shared/data/faces] [--cache /tmp/organizer-vq.npz]

Step 1 (slow, cached): every single-person image is decoded and detected once; for the largest face the
network's raw outputs are computed for several crop margins, plain and mirrored. Step 2 (fast): the
figures for each variant: margin, top-L of eq. 3, flip averaging, the age calibration (5-fold cross-validated
on UTKFace so the figure is not measured on the data it was fitted to) and, with ``--deep``, averaging
age/gender with faceres-deep.
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from organizer.vision.age_calibration import AgeCalibration
from organizer.vision.analyzer import FaceAnalyzer
from organizer.vision.faceres import crop_face
from organizer.vision.faceres import expected_age
from organizer.vision.faceres import l2_normalise

MARGINS = {"px10": None, "rel0.1": 0.1, "rel0.2": 0.2}
SINGLE_KINDS = {"face_crop_250", "aligned_crop_112", "face_crop_150", "face_crop_200", "photo"}


def collect(faces: Path, deep: bool) -> dict[str, np.ndarray]:
    with open(faces / "manifest.csv", encoding="utf-8") as f:
        rows = [r for r in csv.DictReader(f) if r["kind"] in SINGLE_KINDS and (r["identity"] or r["age"])]
    an = FaceAnalyzer()
    deep_sess = None
    if deep:
        import onnxruntime as ort

        deep_sess = ort.InferenceSession(str(Path(__file__).resolve().parents[1] / "models" / "faceres-deep.onnx"))
    out: dict[str, list] = {"path": [], "identity": [], "age": [], "gender": [], "kind": [], "found": []}
    raw: dict[str, list] = {}
    t0 = time.time()
    for i, r in enumerate(rows):
        img = an.load(faces / r["path"])
        dets = an.detect(img)
        out["path"].append(r["path"])
        out["identity"].append(r["identity"])
        out["age"].append(float(r["age"]) if r["age"] else np.nan)
        out["gender"].append(r["gender"])
        out["kind"].append(r["kind"])
        out["found"].append(bool(dets))
        if dets:
            box = max(dets, key=lambda d: d.box.w * d.box.h).box
        else:  # not found: the whole image, so every row has outputs (excluded from the detection figure only)
            from organizer.core.types import Box

            box = Box(0, 0, img.pixels.shape[1], img.pixels.shape[0])
        for name, m in MARGINS.items():
            margin = m if m is not None else 10.0 * img.scale / max(box.w, 1)
            crop = crop_face(img.pixels, box, margin)[None]
            for flip in (False, True):
                c = np.ascontiguousarray(crop[:, :, ::-1]) if flip else crop
                f, p, a = an.network.raw(c)
                key = f"{name}{'_flip' if flip else ''}"
                raw.setdefault(key + "_f", []).append(f[0])
                raw.setdefault(key + "_m", []).append(p[0])
                raw.setdefault(key + "_a", []).append(a[0])
                if deep_sess is not None and name == "rel0.1":
                    from organizer.vision.faceres import to_input

                    _, pm, pa = deep_sess.run(None, {"input": to_input(c)})
                    raw.setdefault(key + "_deep_m", []).append(pm[0, 0])
                    raw.setdefault(key + "_deep_a", []).append(pa[0])
        if (i + 1) % 200 == 0:
            print(f"  {i + 1}/{len(rows)} images, {(time.time() - t0) / (i + 1) * 1000:.0f} ms/image", file=sys.stderr)
    data = {k: np.asarray(v) for k, v in out.items()}
    data.update({k: np.asarray(v, dtype=np.float32) for k, v in raw.items()})
    return data


def roc_auc(pos: np.ndarray, neg: np.ndarray) -> float:
    scores = np.concatenate([pos, neg])
    ranks = scores.argsort(kind="stable").argsort() + 1.0
    return float((ranks[: len(pos)].sum() - len(pos) * (len(pos) + 1) / 2) / (len(pos) * len(neg)))


def identity_auc(d: dict[str, np.ndarray], key: str) -> float:
    ids = d["identity"]
    sel = np.array([bool(i) for i in ids]) & d["found"]
    counts = {i: c for i, c in zip(*np.unique(ids[sel], return_counts=True), strict=True)}
    sel &= np.array([counts.get(i, 0) >= 2 for i in ids])
    emb = d[key][sel]
    emb = l2_normalise(emb)
    lab = ids[sel]
    sim = emb @ emb.T
    iu = np.triu_indices(len(lab), 1)
    same = lab[iu[0]] == lab[iu[1]]
    return roc_auc(sim[iu][same], sim[iu][~same])


def cv_calibrated_mae(raw_age: np.ndarray, true_age: np.ndarray, folds: int = 5) -> float:
    """MAE of the age calibration when each fold is predicted by a calibration fitted on the other folds."""
    idx = np.arange(len(raw_age))
    rng = np.random.default_rng(0)
    rng.shuffle(idx)
    err = np.zeros(len(raw_age))
    for k in range(folds):
        test = idx[k::folds]
        train = np.setdiff1d(idx, test)
        cal = AgeCalibration.fit(raw_age[train], true_age[train])
        err[test] = np.abs(cal(raw_age[test]) - true_age[test])
    return float(err.mean())


def report(d: dict[str, np.ndarray]) -> None:
    single = np.array([bool(i) for i in d["identity"]]) | ~np.isnan(d["age"])
    print(f"detection: face found in {d['found'][single].mean() * 100:.2f}% of {single.sum()} single-person images")
    missed = d["path"][single & ~d["found"]]
    if len(missed):
        print("  missed:", ", ".join(missed[:20]), "..." if len(missed) > 20 else "")
    utk = ~np.isnan(d["age"]) & d["found"]
    ages, male = d["age"][utk], d["gender"][utk] == "M"
    print(f"\nUTKFace: {utk.sum()} faces with age/gender labels")
    print(f"{'variant':<22} {'id AUC':>7} {'MAE':>6} {'bias':>6} {'MAE cal(cv)':>11} {'gender':>7}")
    for name in MARGINS:
        for flip in (False, True):
            key = f"{name}{'_flip' if flip else ''}"
            f = d[f"{name}_f"] + (d[f"{name}_flip_f"] if flip else 0)
            d["_tmp"] = f
            auc = identity_auc(d, "_tmp")
            a = d[f"{name}_a"] + (d[f"{name}_flip_a"] if flip else 0)
            a = a / a.sum(axis=1, keepdims=True)
            m = (d[f"{name}_m"] + (d[f"{name}_flip_m"] if flip else 0)) / (2 if flip else 1)
            for top_l in (2, 3):
                est = expected_age(a[utk], top_l)
                mae, bias = np.abs(est - ages).mean(), (est - ages).mean()
                cal = cv_calibrated_mae(est, ages)
                acc = ((m[utk] >= 0.5) == male).mean()
                print(f"{key + f' L={top_l}':<22} {auc:7.4f} {mae:6.2f} {bias:+6.2f} {cal:11.2f} {acc * 100:6.1f}%")
            if f"{key}_deep_a" in d:
                ad = (a + d[f"{key}_deep_a"] / (2 if flip else 1))
                ad = ad / ad.sum(axis=1, keepdims=True)
                md = (m + d[f"{key}_deep_m"] / (2 if flip else 1)) / 2
                est = expected_age(ad[utk], 3)
                print(f"{key + ' +deep L=3':<22} {'':7} {np.abs(est - ages).mean():6.2f} {(est - ages).mean():+6.2f} "
                      f"{cv_calibrated_mae(est, ages):11.2f} {((md[utk] >= 0.5) == male).mean() * 100:6.1f}%")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--faces", type=Path, default=Path(__file__).resolve().parents[2] / "shared/data/faces")
    parser.add_argument("--cache", type=Path, default=Path("/tmp/organizer-vq.npz"))
    parser.add_argument("--deep", action="store_true", help="also run faceres-deep (models/faceres-deep.onnx)")
    parser.add_argument("--refresh", action="store_true", help="recompute the cache")
    args = parser.parse_args()
    if args.refresh or not args.cache.exists():
        data = collect(args.faces, args.deep)
        np.savez(args.cache, **data)
    d = dict(np.load(args.cache, allow_pickle=False))
    report(d)
    return 0


if __name__ == "__main__":
    sys.exit(main())
