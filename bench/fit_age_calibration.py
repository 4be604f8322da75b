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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cache", type=Path, default=Path("/tmp/organizer-vq.npz"))
    parser.add_argument("--variant", default="rel0.1")
    parser.add_argument("--top-l", type=int, default=2)
    parser.add_argument("--flip", action="store_true")
    parser.add_argument("--knots", type=int, default=12)
    args = parser.parse_args()
    d = dict(np.load(args.cache, allow_pickle=False))
    utk = ~np.isnan(d["age"]) & d["found"]
    a = d[f"{args.variant}_a"] + (d[f"{args.variant}_flip_a"] if args.flip else 0)
    a = a / a.sum(axis=1, keepdims=True)
    raw = expected_age(a[utk], args.top_l)
    true = d["age"][utk]
    cal = AgeCalibration.fit(raw, true, knots=args.knots)
    print(f"{utk.sum()} faces; raw MAE {np.abs(raw - true).mean():.2f} (bias {(raw - true).mean():+.2f}); "
          f"calibrated, 5-fold cross-validated MAE {cv_calibrated_mae(raw, true):.2f}; "
          f"fitted on all (in-sample) {np.abs(cal(raw) - true).mean():.2f}")
    print(f"DEFAULT = AgeCalibration(\n    xs={cal.xs},\n    ys={cal.ys},\n)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
