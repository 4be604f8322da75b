# SPDX-License-Identifier: MIT
"""Corrections of the network's outputs fitted on developer data: a monotone map for ages, a gender threshold.

The network's ages run low (about -3.5 years on average on an age-balanced set, more for the old and
less for children). A monotone piecewise-linear map from the eq. 3 estimate to the calibrated age keeps
the order of faces and fixes the bias. Its knots are fitted by isotonic regression on the developer
UTKFace faces (``bench/fit_age_calibration.py`` prints them; ``bench/vision_quality.py`` reports the
cross-validated error, so the figure is not measured on the data the map was fitted to).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike
from numpy.typing import NDArray


def isotonic(y: NDArray[np.float64], w: NDArray[np.float64] | None = None) -> NDArray[np.float64]:
    """Pool-adjacent-violators: the non-decreasing sequence closest to ``y`` in weighted least squares."""
    w = np.ones_like(y) if w is None else w
    vals, wts, sizes = [], [], []
    for yi, wi in zip(y, w, strict=True):
        vals.append(yi)
        wts.append(wi)
        sizes.append(1)
        while len(vals) > 1 and vals[-2] > vals[-1]:
            v2, w2, s2 = vals.pop(), wts.pop(), sizes.pop()
            v1, w1, s1 = vals.pop(), wts.pop(), sizes.pop()
            vals.append((v1 * w1 + v2 * w2) / (w1 + w2))
            wts.append(w1 + w2)
            sizes.append(s1 + s2)
    return np.repeat(vals, sizes)


@dataclass(frozen=True, slots=True)
class AgeCalibration:
    """Piecewise-linear, non-decreasing map from raw to calibrated age; slope 1 beyond the end knots."""

    xs: tuple[float, ...]
    ys: tuple[float, ...]

    def __call__(self, raw: ArrayLike, p_male: ArrayLike | None = None) -> NDArray[np.float64]:
        """Calibrated ages (``p_male`` is not used: one map for everyone)."""
        r = np.asarray(raw, dtype=np.float64)
        xs, ys = np.asarray(self.xs), np.asarray(self.ys)
        out = np.interp(r, xs, ys)
        out = np.where(r < xs[0], ys[0] + (r - xs[0]), out)
        out = np.where(r > xs[-1], ys[-1] + (r - xs[-1]), out)
        return np.clip(out, 0.0, 100.0)

    @classmethod
    def fit(cls, raw: ArrayLike, true: ArrayLike, knots: int = 12) -> AgeCalibration:
        """Fit knots at quantiles of the raw estimates through the isotonic regression of true on raw age."""
        raw = np.asarray(raw, dtype=np.float64)
        true = np.asarray(true, dtype=np.float64)
        order = np.argsort(raw, kind="stable")
        r, fitted = raw[order], isotonic(true[order])
        edges = np.quantile(r, np.linspace(0, 1, knots + 1))
        xs, ys = [], []
        for lo, hi in itertools.pairwise(edges):
            sel = (r >= lo) & (r <= hi)
            if sel.any():
                xs.append(float(np.mean(r[sel])))
                ys.append(float(np.mean(fitted[sel])))
        # Strictly increasing knots keep the map invertible and np.interp well defined.
        kx, ky = [xs[0]], [ys[0]]
        for x, y in zip(xs[1:], ys[1:], strict=True):
            if x > kx[-1] + 1e-6:
                kx.append(x)
                ky.append(max(y, ky[-1]))
        return cls(tuple(round(v, 3) for v in kx), tuple(round(v, 3) for v in ky))


#: No correction (the identity map).
IDENTITY = AgeCalibration((0.0, 100.0), (0.0, 100.0))

#: Fitted by ``bench/fit_age_calibration.py`` on the 697 developer UTKFace faces (faceres + faceres-deep
#: average, eq. 3 with L = 3, 10 % margin): MAE 7.60 -> 6.55 (5-fold cross-validated).
DEFAULT = AgeCalibration(
    xs=(1.304, 4.177, 11.523, 21.625, 29.052, 32.633, 37.479, 42.359, 53.49, 59.852, 65.525, 69.267),
    ys=(1.695, 4.507, 11.844, 22.98, 30.601, 34.419, 45.623, 51.473, 57.993, 67.737, 75.199, 79.766),
)

#: P(male) that is an even chance on the developer UTKFace faces (faceres + faceres-deep average),
#: fitted by ``bench/fit_age_calibration.py``; the networks say "male" a little too readily.
#: UTKFace gender accuracy 89.0 % -> 89.8 % (5-fold cross-validated); LFW identity faces 96.6 % -> 96.9 %.
MALE_THRESHOLD = 0.595


@dataclass(frozen=True, slots=True)
class GenderedAgeCalibration:
    """One age map for faces the networks call male and one for female (Aminian & Noubir's gender-specific
    age models, as a calibration): the networks err differently on men's and women's ages."""

    male: AgeCalibration
    female: AgeCalibration
    #: Raw P(male) (the networks' average, before the threshold shift) from which a face counts as male.
    threshold: float

    def __call__(self, raw: ArrayLike, p_male: ArrayLike | None = None) -> NDArray[np.float64]:
        r = np.asarray(raw, dtype=np.float64)
        if p_male is None:
            return (self.male(r) + self.female(r)) / 2
        is_male = np.asarray(p_male, dtype=np.float64) >= self.threshold
        return np.where(is_male, self.male(r), self.female(r))


#: Fitted by ``bench/age_bands.py --print-knots`` on the 697 developer UTKFace faces: the whole posterior's
#: expected age (faceres + faceres-deep average), one map per gender (P(male) >= MALE_THRESHOLD). 5-fold
#: cross-validated MAE 6.55 (DEFAULT, eq. 3 with L = 3) -> 6.26; with the age bands weighted equally 5.71 -> 5.47.
DEFAULT_BY_GENDER = GenderedAgeCalibration(
    male=AgeCalibration(
        xs=(2.404, 17.171, 28.631, 33.204, 36.571, 40.873, 44.71, 50.609, 57.227, 62.383, 66.413, 69.73),
        ys=(2.5, 15.478, 26.372, 33.274, 38.242, 46.09, 53.296, 58.217, 63.377, 69.372, 73.51, 78.723),
    ),
    female=AgeCalibration(
        xs=(1.21, 2.689, 5.426, 11.078, 19.394, 25.67, 30.704, 36.556, 44.285, 52.89, 59.963, 68.344),
        ys=(1.842, 2.413, 5.491, 10.33, 17.601, 24.423, 31.58, 39.789, 54.454, 62.044, 72.112, 84.586),
    ),
    threshold=MALE_THRESHOLD,
)
