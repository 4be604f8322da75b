# SPDX-License-Identifier: MIT
"""organizer.cluster on synthetic embeddings whose right answer is known (pure numpy, fast)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.cluster.hierarchy import fcluster
from scipy.cluster.hierarchy import linkage
from scipy.spatial.distance import squareform

from devtools.metrics import bcubed
from devtools.synthetic import make_synthetic
from organizer.cluster import UNSORTED
from organizer.cluster import ClusterInput
from organizer.cluster import ClusterParams
from organizer.cluster import PersonProfile
from organizer.cluster import assign_to_persons
from organizer.cluster import cluster_faces
from organizer.cluster.distance import age_table
from organizer.cluster.distance import pairwise_distances
from organizer.cluster.linkage import dense_average_linkage

# No centring, no age term, no rules unless a test asks: the synthetic data has no common mean to remove.
PLAIN = ClusterParams(threshold=0.9, centre=False, neighbours=0, age_weight=0.0, min_faces=1, min_span_days=0.0)
DAY = 86400.0


def params(**kw) -> ClusterParams:
    base = {f: getattr(PLAIN, f) for f in PLAIN.__dataclass_fields__}
    base.update(kw)
    return ClusterParams(**base)


@pytest.fixture(scope="module")
def synth():
    counts = np.random.default_rng(3).integers(2, 10, 40)
    return make_synthetic(40, counts, seed=3)


def test_dense_linkage_equals_scipy_average_cut():
    x, _ = make_synthetic(60, np.random.default_rng(0).integers(1, 8, 60), seed=0, spread=0.3)
    d = pairwise_distances(x, np.zeros(len(x), dtype=np.int64), 0.0)
    z = linkage(squareform(d, checks=False), method="average")
    for t in (0.6, 0.75, 0.85, 0.95, 1.1):
        ref = fcluster(z, t, criterion="distance")
        mine = d.copy()
        np.fill_diagonal(mine, np.inf)
        got = dense_average_linkage(mine, np.ones(len(x)), t)
        assert bcubed(ref, got)[2] == pytest.approx(1.0), t
        assert len(np.unique(ref)) == len(np.unique(got))


def test_recovers_synthetic_identities(synth):
    x, y = synth
    r = cluster_faces(ClusterInput(x), PLAIN)
    assert r.method == "exact"
    p, rc, f = bcubed(y, r.labels)
    assert f >= 0.95, (p, rc, f)
    assert len(r.clusters) == pytest.approx(40, abs=4)
    # a far too low threshold splits everything
    r0 = cluster_faces(ClusterInput(x), params(threshold=0.2))
    assert (r0.labels == UNSORTED).all() or len(r0.clusters) > 100


def test_faces_of_one_photo_never_one_person():
    x, _ = make_synthetic(1, 6, seed=1)
    groups = np.arange(6)
    assert len(set(cluster_faces(ClusterInput(x, photo_groups=groups), PLAIN).labels.tolist())) == 1
    groups[1] = groups[0]  # faces 0 and 1 in one photo (e.g. a mirror)
    labels = cluster_faces(ClusterInput(x, photo_groups=groups), PLAIN).labels
    assert labels[0] != labels[1]


def test_min_faces_rule(synth):
    x, _y = make_synthetic(3, np.array([1, 2, 5]), seed=2)
    r = cluster_faces(ClusterInput(x), params(min_faces=2))
    assert r.labels[0] == UNSORTED
    assert len(set(r.labels[1:3].tolist())) == 1 and r.labels[1] != UNSORTED
    r3 = cluster_faces(ClusterInput(x), params(min_faces=3))
    assert (r3.labels[:3] == UNSORTED).all()
    assert (r3.labels[3:] != UNSORTED).all()
    assert len(r3.clusters) == 1 and r3.clusters[0].size == 5


def test_day_span_rule():
    x, _ = make_synthetic(2, 4, seed=4)
    t0 = 1.6e9
    times = np.array([t0, t0 + 3600, t0 + 7200, t0 + 100,  # person 0: one afternoon
                      t0, t0 + 2 * DAY, t0 + 30 * DAY, t0 + 400 * DAY])  # person 1: over a year
    r = cluster_faces(ClusterInput(x, timestamps=times), params(min_span_days=1.0))
    assert (r.labels[:4] == UNSORTED).all()
    assert (r.labels[4:] != UNSORTED).all()
    assert r.clusters[0].first_time == t0 and r.clusters[0].last_time == t0 + 400 * DAY
    off = cluster_faces(ClusterInput(x, timestamps=times), params(min_span_days=0.0))
    assert (off.labels != UNSORTED).all()
    unknown = cluster_faces(ClusterInput(x, timestamps=[None] * 8), params(min_span_days=1.0))
    assert (unknown.labels != UNSORTED).all()
    # a user-confirmed person is kept even if all its photos are of one day
    tied = cluster_faces(ClusterInput(x, timestamps=times, must_link=[[0, 1]]), params(min_span_days=1.0))
    assert (tied.labels[:4] != UNSORTED).all()


def test_must_link_and_cannot_link(synth):
    x, y = synth
    a = int(np.flatnonzero(y == 0)[0])
    b = int(np.flatnonzero(y == 1)[0])
    base = cluster_faces(ClusterInput(x), PLAIN).labels
    assert base[a] != base[b]
    ml = cluster_faces(ClusterInput(x, must_link=[[a, b]]), PLAIN).labels
    assert ml[a] == ml[b] != UNSORTED
    c, d = (int(i) for i in np.flatnonzero(y == 2)[:2])
    assert base[c] == base[d]
    cl = cluster_faces(ClusterInput(x, cannot_link=[(c, d)]), PLAIN).labels
    assert cl[c] != cl[d] or cl[c] == UNSORTED


def test_excluded_items_are_unsorted_and_ignored(synth):
    x, y = synth
    ex = np.flatnonzero(y == 5)
    r = cluster_faces(ClusterInput(x, excluded=ex), PLAIN)
    assert (r.labels[ex] == UNSORTED).all()
    assert not any(np.isin(ex, c.members).any() for c in r.clusters)
    keep = np.setdiff1d(np.arange(len(y)), ex)
    assert bcubed(y[keep], r.labels[keep])[2] >= 0.95


def test_fixed_persons_stay_apart_and_keep_their_id():
    x, _ = make_synthetic(1, 6, seed=5)
    fixed = [7, 7, 9, None, None, None]
    r = cluster_faces(ClusterInput(x, fixed_person=fixed), PLAIN)
    assert r.labels[0] == r.labels[1] != r.labels[2]
    ids = {c.person_id for c in r.clusters}
    assert {7, 9} <= ids


def test_age_term_separates_identical_faces_of_different_ages():
    x, _ = make_synthetic(1, 8, seed=6)
    by = np.array([2010] * 4 + [1950] * 4, dtype=float)  # a child and a grandparent with the same face vectors
    same = cluster_faces(ClusterInput(x, birth_years=by), params(age_weight=0.0, current_year=2025))
    assert len(same.clusters) == 1
    split = cluster_faces(ClusterInput(x, birth_years=by), params(age_weight=0.1, current_year=2025))
    assert len(split.clusters) == 2
    # eq. 1 age term
    assert age_table(0.1)[15, 75] == pytest.approx(0.1 * 60**2 / 90)
    assert age_table(0.1)[0, 40] == 0.0


def test_cluster_stats_gender_and_birth_year():
    x, _ = make_synthetic(2, 5, seed=7)
    p = np.array([0.9, 0.8, 0.95, 0.4, 0.99, 0.1, 0.2, 0.05, 0.3, 0.6])
    by = np.array([1980, 1982, 1979, 1981, 2000, 1990, 1991, 1989, 1990, 1990], dtype=float)
    r = cluster_faces(ClusterInput(x, p_male=p, birth_years=by), PLAIN)
    assert len(r.clusters) == 2
    first = r.clusters[int(r.labels[0])]
    second = r.clusters[int(r.labels[5])]
    assert first.gender.is_male and not second.gender.is_male
    assert first.birth_year.year == 1981 and first.birth_year.low < 1981 < first.birth_year.high
    assert second.birth_year.year == 1990
    assert np.linalg.norm(first.centroid) == pytest.approx(1.0, abs=1e-5)


def test_approximate_agrees_with_exact():
    counts = np.random.default_rng(8).integers(1, 12, 500)
    x, y = make_synthetic(500, counts, seed=8, spread=0.3)
    by = 1990 + np.random.default_rng(9).normal(0, 3, len(y)) + (y % 40)
    inp = ClusterInput(x, birth_years=by)
    exact = cluster_faces(inp, params(age_weight=0.1, current_year=2025, exact_max=5000))
    approx = cluster_faces(inp, params(age_weight=0.1, current_year=2025, exact_max=100))
    assert exact.method == "exact" and approx.method == "approximate"
    assert bcubed(exact.labels, approx.labels)[2] >= 0.98
    assert bcubed(y, approx.labels)[2] >= 0.9


def test_assign_new_faces_to_existing_persons():
    x, y = make_synthetic(6, 10, seed=10)
    old = np.concatenate([np.flatnonzero(y == i)[:7] for i in range(5)])  # person 5 is not known yet
    new = np.setdiff1d(np.arange(len(y)), old)
    persons = [PersonProfile.from_members(100 + i, x[old[y[old] == i]], params=PLAIN,
                                          photo_groups=[f"p{k}" for k in old[y[old] == i]]) for i in range(5)]
    got = assign_to_persons(ClusterInput(x[new], photo_groups=[f"p{k}" for k in new]), persons, PLAIN)
    want = np.where(y[new] < 5, 100 + y[new], UNSORTED)
    assert (got == want).all(), (got, want)
    # a new face from a photo that already gave the person a face cannot join that person
    blocked = assign_to_persons(ClusterInput(x[new[:1]], photo_groups=[f"p{old[0]}"]), persons, PLAIN)
    assert blocked[0] != 100 + y[new[0]] or y[new[0]] != y[old[0]]
