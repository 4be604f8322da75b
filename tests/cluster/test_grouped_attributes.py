# SPDX-License-Identifier: MIT
"""The grouped (vectorised) fusions give exactly what the per-person functions give."""

from __future__ import annotations

import numpy as np
import pytest

from organizer.cluster.attributes import fuse_birth_year
from organizer.cluster.attributes import fuse_birth_year_groups
from organizer.cluster.attributes import fuse_gender
from organizer.cluster.attributes import fuse_gender_groups
from organizer.cluster.attributes import grouped_median


def test_grouped_fusions_match_per_person_fusions() -> None:
    rng = np.random.default_rng(3)
    groups = rng.integers(0, 40, 500)
    groups[groups == 7] = 8  # an empty group
    years = rng.normal(1980, 8, 500)
    years[rng.random(500) < 0.1] = np.nan
    p = rng.random(500)
    p[rng.random(500) < 0.1] = np.nan
    by = fuse_birth_year_groups(years, groups, 40)
    gd = fuse_gender_groups(p, groups, 40)
    for k in range(40):
        ref_y, ref_g = fuse_birth_year(years[groups == k]), fuse_gender(p[groups == k])
        assert by[k].n_faces == ref_y.n_faces and gd[k].n_faces == ref_g.n_faces
        if ref_y.year is None:
            assert by[k].year is None
        else:
            assert by[k].year == pytest.approx(ref_y.year) and by[k].low == pytest.approx(ref_y.low)
        assert gd[k].is_male == ref_g.is_male and gd[k].p_male == pytest.approx(ref_g.p_male)


def test_grouped_median_even_odd_and_empty() -> None:
    med = grouped_median([1, 3, 2, 10, 20, np.nan], [0, 0, 0, 1, 1, 1], 3)
    assert med[0] == 2 and med[1] == 15 and np.isnan(med[2])
