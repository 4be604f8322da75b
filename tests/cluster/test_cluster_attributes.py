# SPDX-License-Identifier: MIT
"""Per-person gender (eq. 2), birth-year fusion and ages at photo times."""

from __future__ import annotations

import datetime
import math

import numpy as np
import pytest

from devtools.metrics import bcubed
from devtools.metrics import clusters_per_class
from organizer.cluster import age_at
from organizer.cluster import face_birth_year
from organizer.cluster import fuse_birth_year
from organizer.cluster import fuse_gender


def test_product_rule_is_not_majority_vote():
    # two weakly male faces, one confidently female face: eq. 2 says female
    g = fuse_gender([0.6, 0.6, 0.01])
    assert g.is_male is False
    lm = 2 * math.log(0.6) + math.log(0.01)
    lf = 2 * math.log(0.4) + math.log(0.99)
    assert g.p_male == pytest.approx(1 / (1 + math.exp(-(lm - lf))))
    assert g.confidence == pytest.approx(max(g.p_male, 1 - g.p_male))
    assert fuse_gender([0.9, 0.9, 0.2]).is_male is True
    assert fuse_gender([0.9, float("nan")]).n_faces == 1
    none = fuse_gender([])
    assert none.is_male is None and none.p_male == 0.5


def test_birth_year_median_robust_with_range():
    est = fuse_birth_year([1980, 1981, 1979, 1980, 2015])  # one face predicted far too young
    assert est.year == 1980
    assert est.low < 1980 < est.high
    many = fuse_birth_year(np.full(50, 1980.0) + np.random.default_rng(0).normal(0, 4, 50))
    few = fuse_birth_year([1978.0, 1983.0])
    assert (many.high - many.low) < (few.high - few.low)
    assert abs(many.year - 1980) < 2.5
    assert fuse_birth_year([np.nan]).year is None


def test_ages_at_photo_times():
    t = datetime.datetime(2020, 7, 2, tzinfo=datetime.UTC).timestamp()
    assert face_birth_year(30.0, t) == pytest.approx(1990.5, abs=0.01)
    assert age_at(1990.5, t) == pytest.approx(30.0, abs=0.01)
    assert age_at(None, t) is None and face_birth_year(30.0, None) is None


def test_bcubed_and_clusters_per_class():
    truth = [0, 0, 0, 1, 1]
    assert bcubed(truth, [5, 5, 5, 7, 7]) == (1.0, 1.0, 1.0)
    p, r, _ = bcubed(truth, [-1, -1, -1, -1, -1])  # all unsorted = singletons
    assert p == 1.0 and r == pytest.approx((3 * (1 / 3) + 2 * (1 / 2)) / 5)
    p, r, _ = bcubed(truth, [0, 0, 0, 0, 0])
    assert r == 1.0 and p == pytest.approx((3 * 3 / 5 + 2 * 2 / 5) / 5)
    assert clusters_per_class(truth, [0, 0, 1, 2, 2]) == 1.5
