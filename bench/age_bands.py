# SPDX-License-Identifier: MIT
"""Age error by age band, and what each calibration step gains, cross-validated on the developer UTKFace faces.

    python bench/vision_quality.py --deep      # first: the cache of raw network outputs (/tmp/organizer-vq.npz)
    python bench/age_bands.py [--cache /tmp/organizer-vq.npz]

The app's input: faceres and faceres-deep on the crop with a 10 % margin (no mirror image), their age
posteriors averaged. Variants, each calibrated by a monotone map fitted on 4/5 of the faces and applied to
the other 1/5 (5 folds, the same folds for every variant):

* ``top3``: eq. 3 of the paper with L = 3 (the app today);
* ``mean``: the whole posterior's expected age;
* ``top3 by gender``: one calibration for faces the networks call male, one for female (Aminian & Noubir);
* ``blend``: a least-squares blend of eq. 3, the expected age and the posterior's median (fitted on the
  training folds), then calibrated.

Prints per band (0-2, 3-9, 10-17, 18-30, 31-50, 51-70, 71+) the MAE and the mean error (negative: too
young), the overall MAE and the MAE with every band weighted equally (as on a set spread evenly over ages).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from organizer.vision.age_calibration import MALE_THRESHOLD
from organizer.vision.age_calibration import AgeCalibration
from organizer.vision.faceres import AGE_CLASSES
from organizer.vision.faceres import expected_age

BANDS = ((0, 2), (3, 9), (10, 17), (18, 30), (31, 50), (51, 70), (71, 200))


def posterior_median(p: np.ndarray) -> np.ndarray:
    c = np.cumsum(p / p.sum(axis=1, keepdims=True), axis=1)
    return AGE_CLASSES[np.argmax(c >= 0.5, axis=1)].astype(np.float64)


def folds(n: int, k: int = 5) -> list[np.ndarray]:
    idx = np.random.default_rng(0).permutation(n)
    return [idx[j::k] for j in range(k)]


def cv_predict(raw: np.ndarray, true: np.ndarray, groups: np.ndarray | None = None, knots: int = 12) -> np.ndarray:
    """Out-of-fold calibrated ages; ``groups``: a separate calibration per group value."""
    out = np.zeros(len(true))
    for test in folds(len(true)):
        train = np.setdiff1d(np.arange(len(true)), test)
        if groups is None:
            out[test] = AgeCalibration.fit(raw[train], true[train], knots)(raw[test])
            continue
        for g in np.unique(groups):
            tr, te = train[groups[train] == g], test[groups[test] == g]
            if len(te):
                out[te] = AgeCalibration.fit(raw[tr], true[tr], knots)(raw[te])
    return out


def cv_blend(features: np.ndarray, true: np.ndarray) -> np.ndarray:
    out = np.zeros(len(true))
    x = np.c_[features, np.ones(len(true))]
    for test in folds(len(true)):
        train = np.setdiff1d(np.arange(len(true)), test)
        w, *_ = np.linalg.lstsq(x[train], true[train], rcond=None)
        raw_train, raw_test = x[train] @ w, x[test] @ w
        out[test] = AgeCalibration.fit(raw_train, true[train])(raw_test)
    return out


def table(name: str, pred: np.ndarray, true: np.ndarray) -> None:
    cells, band_mae = [], []
    for lo, hi in BANDS:
        m = (true >= lo) & (true <= hi)
        if not m.any():
            cells.append(f"{'-':>15}")
            continue
        e = pred[m] - true[m]
        band_mae.append(np.abs(e).mean())
        cells.append(f"{np.abs(e).mean():5.1f} {e.mean():+5.1f} {m.sum():3d}".rjust(15))
    print(f"{name:<16} {np.abs(pred - true).mean():5.2f} {np.mean(band_mae):6.2f} |" + " ".join(cells))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--cache", type=Path, default=Path("/tmp/organizer-vq.npz"))
    ap.add_argument("--print-knots", action="store_true",
                    help="fit the by-gender calibration of the whole posterior's mean on all faces and print it "
                         "(organizer/vision/age_calibration.py DEFAULT_BY_GENDER)")
    args = ap.parse_args()
    d = np.load(args.cache, allow_pickle=True)
    utk = ~np.isnan(d["age"]) & d["found"]
    true = d["age"][utk].astype(np.float64)
    p = (d["rel0.1_a"][utk] + d["rel0.1_deep_a"][utk]).astype(np.float64) / 2
    p_male = (d["rel0.1_m"][utk] + d["rel0.1_deep_m"][utk]) / 2
    top3 = expected_age(p.astype(np.float32), 3).astype(np.float64)
    mean = (p / p.sum(axis=1, keepdims=True)) @ AGE_CLASSES.astype(np.float64)
    med = posterior_median(p)
    male = (p_male >= MALE_THRESHOLD).astype(int)
    print(f"{utk.sum()} UTKFace faces; per band: MAE, mean error (negative: too young), faces")
    print(f"{'variant':<16} {'MAE':>5} {'bands':>6} |" + " ".join(f"{f'{lo}-{hi}' if hi < 200 else f'{lo}+':>15}"
                                                          for lo, hi in BANDS))
    table("raw top3", top3, true)
    table("top3", cv_predict(top3, true), true)
    table("mean", cv_predict(mean, true), true)
    table("top3 by gender", cv_predict(top3, true, male), true)
    table("mean by gender", cv_predict(mean, true, male), true)
    for k in (8, 20, 30):
        table(f"mean/gender k{k}", cv_predict(mean, true, male, knots=k), true)
    table("blend", cv_blend(np.c_[top3, mean, med], true), true)
    table("blend by gender", cv_blend(np.c_[top3, mean, med, male * top3, male * mean, male], true), true)
    if args.print_knots:
        for g, name in ((1, "male"), (0, "female")):
            cal = AgeCalibration.fit(mean[male == g], true[male == g])
            print(f"{name}=AgeCalibration(\n    xs={cal.xs},\n    ys={cal.ys},\n),")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
