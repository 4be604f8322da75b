# SPDX-License-Identifier: MIT
"""Fit the age calibration (``organizer/vision/age_calibration.py``) on the developer UTKFace faces.

    python bench/vision_quality.py            # first: builds the cache of raw network outputs
    python bench/fit_age_calibration.py [--cache /tmp/organizer-vq.npz] [--variant rel0.1] [--top-l 2]

Prints the knots as a Python literal for ``DEFAULT`` and the cross-validated MAE before/after. The variant
and top-L must be the ones the app uses (``EmbedderSettings``).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from vision_quality import cv_calibrated_mae

from organizer.vision.age_calibration import AgeCalibration
from organizer.vision.faceres import expected_age


def _best_threshold(p: np.ndarray, male: np.ndarray) -> float:
    grid = np.linspace(0.3, 0.7, 81)
    acc = [((p >= t) == male).mean() for t in grid]
    best = np.flatnonzero(np.isclose(acc, max(acc)))
    return float(grid[best].mean())  # the middle of the best plateau


def fit_threshold(p: np.ndarray, male: np.ndarray, folds: int = 5) -> tuple[float, float]:
    """Threshold fitted on all faces, and the accuracy of fitting it on 4/5 and testing on the rest."""
    idx = np.random.default_rng(0).permutation(len(p))
    correct = 0
    for k in range(folds):
        test = idx[k::folds]
        train = np.setdiff1d(idx, test)
        t = _best_threshold(p[train], male[train])
        correct += int(((p[test] >= t) == male[test]).sum())
    return _best_threshold(p, male), correct / len(p)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cache", type=Path, default=Path("/tmp/organizer-vq.npz"))
    parser.add_argument("--variant", default="rel0.1")
    parser.add_argument("--top-l", type=int, default=3)
    parser.add_argument("--no-deep", action="store_true", help="faceres alone (default: averaged with faceres-deep)")
    parser.add_argument("--flip", action="store_true")
    parser.add_argument("--knots", type=int, default=12)
    args = parser.parse_args()
    d = dict(np.load(args.cache, allow_pickle=False))
    utk = ~np.isnan(d["age"]) & d["found"]
    a = d[f"{args.variant}_a"] + (d[f"{args.variant}_flip_a"] if args.flip else 0)
    m = d[f"{args.variant}_m"]
    if not args.no_deep:
        a = a / a.sum(axis=1, keepdims=True) + d[f"{args.variant}_deep_a"]
        m = (m + d[f"{args.variant}_deep_m"]) / 2
    a = a / a.sum(axis=1, keepdims=True)
    raw = expected_age(a[utk], args.top_l)
    male = d["gender"][utk] == "M"
    thr, cv_acc = fit_threshold(m[utk], male)
    print(f"gender: accuracy at 0.5 {((m[utk] >= 0.5) == male).mean() * 100:.1f}%; threshold fitted on all "
          f"{thr:.3f}; 5-fold cross-validated accuracy with a fitted threshold {cv_acc * 100:.1f}%")
    print(f"MALE_THRESHOLD = {thr:.3f}")
    true = d["age"][utk]
    cal = AgeCalibration.fit(raw, true, knots=args.knots)
    print(f"{utk.sum()} faces; raw MAE {np.abs(raw - true).mean():.2f} (bias {(raw - true).mean():+.2f}); "
          f"calibrated, 5-fold cross-validated MAE {cv_calibrated_mae(raw, true):.2f}; "
          f"fitted on all (in-sample) {np.abs(cal(raw) - true).mean():.2f}")
    print(f"DEFAULT = AgeCalibration(\n    xs={cal.xs},\n    ys={cal.ys},\n)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
