# SPDX-License-Identifier: MIT
"""The robust per-person birth-year fit: weights by the age model's error, outliers flagged and left out, the
"before birth" flag, and the grouped computation equal to the per-person one."""

from __future__ import annotations

import time

import numpy as np
import pytest

from organizer.cluster.birth_year import FLAG_MIN_FACES
from organizer.cluster.birth_year import face_sigma
from organizer.cluster.birth_year import fit_birth_year
from organizer.cluster.birth_year import fit_birth_years


def _faces(born: float, ages: np.ndarray, rng: np.random.Generator, noise: float = 1.0
           ) -> tuple[np.ndarray, np.ndarray]:
    """Birth years and predicted ages of faces at the given true ages, the prediction off by the age model's
    typical error (times ``noise``)."""
    pred = np.maximum(0.0, ages + rng.normal(0.0, 1.0, ages.size) * face_sigma(ages) * noise)
    return born + ages - pred, pred


def test_sigma_grows_with_age_and_with_small_faces() -> None:
    s = face_sigma([1.0, 5.0, 12.0, 30.0, 50.0])
    assert np.all(np.diff(s) > 0) and s[0] <= 1.5 and s[-1] >= 8
    assert face_sigma([30.0], [24.0])[0] > face_sigma([30.0], [200.0])[0] == face_sigma([30.0])[0]


def test_a_childs_faces_pin_the_year_tighter_than_an_adults() -> None:
    rng = np.random.default_rng(0)
    child = fit_birth_year(*_faces(2012.0, rng.uniform(1, 6, 12), rng))
    adult = fit_birth_year(*_faces(1970.0, rng.uniform(35, 45, 12), rng))
    assert child.half[0] < adult.half[0] / 2
    assert abs(child.year[0] - 2012.0) < 1.5 and abs(adult.year[0] - 1970.0) < 8
    # one person seen as a child and as an adult: the childhood faces decide, 10 adult faces a year off or not
    b = np.r_[np.full(5, 2000.0), np.full(10, 2004.0)]
    ages = np.r_[np.full(5, 3.0), np.full(10, 35.0)]
    assert abs(fit_birth_year(b, ages).year[0] - 2000.0) < 1.0
    assert abs(float(np.median(b)) - 2000.0) == 4.0  # the median goes with the many adult faces


def test_an_outlier_does_not_move_the_year_and_is_flagged() -> None:
    rng = np.random.default_rng(1)
    b, a = _faces(1980.0, rng.uniform(30, 40, 15), rng, noise=0.5)
    clean = fit_birth_year(b, a)
    # a child's face filed under this adult (photo of 2015: looks 6, so "born 2009")
    fit = fit_birth_year(np.r_[b, 2009.0], np.r_[a, 6.0])
    assert fit.mismatch.tolist() == [False] * 15 + [True] and not fit.before_birth.any()
    assert fit.year[0] == pytest.approx(clean.year[0], abs=1e-6) and fit.n_used[0] == 15
    assert fit.flagged.sum() == 1


def test_a_photo_before_the_birth_year_is_flagged() -> None:
    rng = np.random.default_rng(2)
    b, a = _faces(2012.0, rng.uniform(1, 8, 10), rng)
    # a baby face on a photo dated 2008: "born 2007.5", not far off by its own error, but before 2012 +- 1
    fit = fit_birth_year(np.r_[b, 2007.5], np.r_[a, 0.5])
    assert fit.before_birth[-1] and not fit.before_birth[:-1].any()
    assert fit.n_used[0] == 10 and abs(fit.year[0] - 2012.0) < 1.0
    est = fit.estimate()
    assert est.low is not None and est.high is not None and est.low < 2012.0 < est.high and est.low > 2008.0


def test_few_faces_get_no_flags_and_undated_faces_are_ignored() -> None:
    few = fit_birth_year([1980.0, 2010.0][:FLAG_MIN_FACES - 1], [40.0, 10.0][:FLAG_MIN_FACES - 1])
    assert not few.flagged.any() and 1980.0 < few.year[0] < 2010.0
    undated = fit_birth_year([np.nan, 1990.0, 1991.0, 1989.0], [30.0, 30.0, 30.0, 30.0])
    assert undated.n_used[0] == 3 and not undated.flagged[0] and undated.year[0] == pytest.approx(1990.0, abs=0.1)
    none = fit_birth_year([np.nan, np.nan], [30.0, 30.0])
    assert none.estimate().year is None and none.estimate().n_faces == 0


def test_ranges_narrow_with_more_faces_and_cover_the_true_year() -> None:
    rng = np.random.default_rng(3)
    halves, inside = [], 0
    for n in (5, 20, 80):
        for _ in range(50):
            fit = fit_birth_year(*_faces(1990.0, rng.uniform(20, 40, n), rng))
            e = fit.estimate()
            assert e.low is not None and e.high is not None and e.high - e.low >= 2.0  # at least +- 1
            halves.append(fit.half[0])
            inside += e.low <= 1990.0 <= e.high
    h = np.array(halves).reshape(3, 50).mean(axis=1)
    assert h[0] > h[1] > h[2]
    assert inside >= 0.85 * 150


def test_grouped_equals_per_person_and_is_fast() -> None:
    rng = np.random.default_rng(4)
    n_groups = 40
    groups = rng.integers(0, n_groups, 1500)
    born = rng.uniform(1940, 2020, n_groups)
    true_age = rng.uniform(0, 70, groups.size)
    b, a = _faces(0.0, true_age, rng)
    b = b + born[groups]
    b[rng.random(b.size) < 0.1] = np.nan
    wrong = rng.random(b.size) < 0.05
    b[wrong] += rng.choice([-30.0, 25.0], wrong.sum())
    sides = rng.uniform(20, 300, b.size)
    fit = fit_birth_years(b, a, groups, n_groups + 1, sides)  # the last group has no faces
    assert fit.estimate(n_groups).year is None
    for k in range(n_groups):
        m = groups == k
        one = fit_birth_year(b[m], a[m], sides[m])
        assert fit.year[k] == pytest.approx(one.year[0], abs=1e-9)
        assert fit.half[k] == pytest.approx(one.half[0], abs=1e-9) and fit.n_used[k] == one.n_used[0]
        assert np.array_equal(fit.flagged[m], one.flagged) and np.array_equal(fit.before_birth[m], one.before_birth)
    assert fit.flagged[wrong & np.isfinite(b)].mean() > 0.5 > fit.flagged[~wrong].mean() * 10
    # 5 000 persons, 100 000 faces
    g = np.sort(rng.integers(0, 5000, 100_000))
    ages = rng.uniform(0, 80, g.size)
    t0 = time.perf_counter()
    fit_birth_years(1980.0 + rng.normal(0, 5, g.size), ages, g, 5000, rng.uniform(20, 300, g.size))
    assert time.perf_counter() - t0 < 2.0  # about 0.15 s on the 2-core development machine
