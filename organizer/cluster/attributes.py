# SPDX-License-Identifier: MIT
"""Per-person attributes fused from the person's faces: gender (eq. 2) and year of birth."""

from __future__ import annotations

import datetime
import math

import numpy as np
from numpy.typing import ArrayLike

from organizer.cluster.model import BirthYearEstimate
from organizer.cluster.model import GenderEstimate

#: Probabilities are clipped to [EPS, 1 - EPS] so that one overconfident face cannot veto all others.
P_EPS = 1e-3
#: Spread (years) assumed for one face's birth-year estimate when the faces themselves cannot tell.
FACE_YEAR_SD = 6.0
#: The reported birth-year range is at least this many years either side.
MIN_HALF_RANGE = 1.0
SECONDS_PER_YEAR = 365.2425 * 86400.0


def fuse_gender(p_male: ArrayLike) -> GenderEstimate:
    """Eq. 2 of Savchenko (2019): male iff ``sum log p >= sum log (1 - p)`` over the person's faces.

    ``p_male`` holds P(male) per face (NaN = unknown, ignored). The returned ``p_male`` is the posterior of the
    product rule with equal priors, ``sigmoid(sum log p - sum log(1-p))``.
    """
    p = np.asarray(p_male, dtype=np.float64).reshape(-1)
    p = p[np.isfinite(p)]
    if p.size == 0:
        return GenderEstimate(is_male=None, p_male=0.5, confidence=0.5, n_faces=0)
    p = np.clip(p, P_EPS, 1.0 - P_EPS)
    log_m = float(np.log(p).sum())
    log_f = float(np.log1p(-p).sum())
    z = log_m - log_f
    post = 1.0 / (1.0 + math.exp(-z)) if z > -700 else 0.0
    return GenderEstimate(is_male=log_m >= log_f, p_male=post, confidence=max(post, 1.0 - post), n_faces=int(p.size))


def fuse_birth_year(birth_years: ArrayLike) -> BirthYearEstimate:
    """Median of the faces' birth-year estimates with a ~95 % range for it.

    The spread is the larger of the faces' robust standard deviation (1.4826 MAD) and a prior
    ``FACE_YEAR_SD``; the range is ``median +- 1.96 * 1.2533 * sd / sqrt(n)`` (standard error of a median),
    at least ``MIN_HALF_RANGE`` wide either side. Face-level errors of one person are correlated (a person may
    look older than they are), so the range is of the estimate, not a guarantee about the true year.
    """
    y = np.asarray(birth_years, dtype=np.float64).reshape(-1)
    y = y[np.isfinite(y)]
    if y.size == 0:
        return BirthYearEstimate(year=None, low=None, high=None, n_faces=0)
    med = float(np.median(y))
    mad_sd = 1.4826 * float(np.median(np.abs(y - med))) if y.size >= 3 else 0.0
    sd = max(mad_sd, FACE_YEAR_SD)
    half = max(MIN_HALF_RANGE, 1.96 * 1.2533 * sd / math.sqrt(y.size))
    return BirthYearEstimate(year=med, low=med - half, high=med + half, n_faces=int(y.size))


def fractional_year(timestamp: float) -> float:
    """A Unix time (seconds, UTC) as a fractional year, e.g. 2020-07-02 -> about 2020.5."""
    dt = datetime.datetime.fromtimestamp(timestamp, tz=datetime.UTC)
    start = datetime.datetime(dt.year, 1, 1, tzinfo=datetime.UTC)
    end = datetime.datetime(dt.year + 1, 1, 1, tzinfo=datetime.UTC)
    return dt.year + (dt - start).total_seconds() / (end - start).total_seconds()


def face_birth_year(predicted_age: float, timestamp: float | None) -> float | None:
    """Birth-year estimate of one face: photo year minus the predicted age (None without a photo time)."""
    if timestamp is None or not math.isfinite(timestamp):
        return None
    return fractional_year(timestamp) - float(predicted_age)


def age_at(birth_year: float | None, timestamp: float | None) -> float | None:
    """The age (years, fractional) of a person born in ``birth_year`` on a photo taken at ``timestamp``."""
    if birth_year is None or timestamp is None or not (math.isfinite(birth_year) and math.isfinite(timestamp)):
        return None
    return max(0.0, fractional_year(timestamp) - float(birth_year))


def grouped_median(values: ArrayLike, groups: ArrayLike, n_groups: int) -> np.ndarray:
    """Median of the finite ``values`` of each group ``0..n_groups-1`` (NaN for a group without any)."""
    v = np.asarray(values, dtype=np.float64).reshape(-1)
    g = np.asarray(groups, dtype=np.int64).reshape(-1)
    ok = np.isfinite(v)
    v, g = v[ok], g[ok]
    order = np.lexsort((v, g))
    v, g = v[order], g[order]
    counts = np.bincount(g, minlength=n_groups)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    out = np.full(n_groups, np.nan)
    has = counts > 0
    lo = starts[has] + (counts[has] - 1) // 2
    hi = starts[has] + counts[has] // 2
    out[has] = (v[lo] + v[hi]) / 2.0
    return out


def fuse_gender_groups(p_male: ArrayLike, groups: ArrayLike, n_groups: int) -> list[GenderEstimate]:
    """:func:`fuse_gender` for many persons at once (``groups`` gives each face's person index)."""
    p = np.asarray(p_male, dtype=np.float64).reshape(-1)
    g = np.asarray(groups, dtype=np.int64).reshape(-1)
    ok = np.isfinite(p)
    pc = np.clip(p[ok], P_EPS, 1.0 - P_EPS)
    log_m = np.bincount(g[ok], weights=np.log(pc), minlength=n_groups)
    log_f = np.bincount(g[ok], weights=np.log1p(-pc), minlength=n_groups)
    n = np.bincount(g[ok], minlength=n_groups)
    z = np.clip(log_m - log_f, -700, 700)
    post = 1.0 / (1.0 + np.exp(-z))
    return [GenderEstimate(is_male=None, p_male=0.5, confidence=0.5, n_faces=0) if n[k] == 0 else
            GenderEstimate(is_male=bool(log_m[k] >= log_f[k]), p_male=float(post[k]),
                           confidence=float(max(post[k], 1.0 - post[k])), n_faces=int(n[k]))
            for k in range(n_groups)]


def fuse_birth_year_groups(birth_years: ArrayLike, groups: ArrayLike, n_groups: int) -> list[BirthYearEstimate]:
    """:func:`fuse_birth_year` for many persons at once (``groups`` gives each face's person index)."""
    y = np.asarray(birth_years, dtype=np.float64).reshape(-1)
    g = np.asarray(groups, dtype=np.int64).reshape(-1)
    med = grouped_median(y, g, n_groups)
    n = np.bincount(g[np.isfinite(y)], minlength=n_groups)
    mad = grouped_median(np.abs(y - med[g]), g, n_groups)
    sd = np.maximum(np.where(n >= 3, 1.4826 * np.nan_to_num(mad), 0.0), FACE_YEAR_SD)
    half = np.maximum(MIN_HALF_RANGE, 1.96 * 1.2533 * sd / np.sqrt(np.maximum(n, 1)))
    return [BirthYearEstimate(year=None, low=None, high=None, n_faces=0) if n[k] == 0 else
            BirthYearEstimate(year=float(med[k]), low=float(med[k] - half[k]), high=float(med[k] + half[k]),
                              n_faces=int(n[k]))
            for k in range(n_groups)]
