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
