# SPDX-License-Identifier: MIT
"""Two identity networks as one embedding (organizer.cluster.fusion)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from organizer.cluster import ClusterParams
from organizer.cluster.distance import stored_mean_embedding
from organizer.cluster.fusion import fuse_identity
from organizer.cluster.fusion import fused_dim
from organizer.cluster.fusion import identity_space
from organizer.cluster.fusion import second_weights
from organizer.cluster.fusion import stored_mean_second
from organizer.cluster.fusion import stored_projection


def _unit(rng, n, d):
    x = rng.normal(size=(n, d)).astype(np.float32)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def _centred(x, mu):
    y = x - mu
    return y / np.linalg.norm(y, axis=1, keepdims=True)


def test_inner_product_is_the_weighted_sum_of_both_cosines():
    rng = np.random.default_rng(0)
    f, d = _unit(rng, 6, 1024), _unit(rng, 6, 128)
    mf, md = 0.1 * _unit(rng, 1, 1024)[0], 0.1 * _unit(rng, 1, 128)[0]
    w = 0.7
    x = fuse_identity(3.0 * f, 2.0 * d, mf, md, np.full(6, w))  # scale of the raw parts does not matter
    assert x.shape == (6, 1152)
    np.testing.assert_allclose(np.linalg.norm(x, axis=1), 1.0, atol=1e-5)
    fc, dc = _centred(f, mf), _centred(d, md)
    expected = (1 - w) * fc @ fc.T + w * dc @ dc.T
    np.testing.assert_allclose(x @ x.T, expected, atol=1e-5)


def test_a_face_without_second_part_is_judged_on_faceres_alone_and_scaled_down():
    rng = np.random.default_rng(1)
    f, d = _unit(rng, 2, 1024), _unit(rng, 2, 128)
    d[1] = 0.0  # no second embedding for the second face
    mf, md = np.zeros(1024, np.float32), np.zeros(128, np.float32)
    x = fuse_identity(f, d, mf, md, second_weights([True, False], [30.0, 30.0], 0.6, 13.0))
    assert np.isfinite(x).all()
    np.testing.assert_allclose(x[1, 1024:], 0.0)
    np.testing.assert_allclose(x[0] @ x[1], np.sqrt(0.4) * (f[0] @ f[1]), atol=1e-5)


def test_children_and_faces_without_second_get_no_second_weight():
    w = second_weights([True, True, False, True], [5.0, 40.0, 40.0, np.nan], 0.6, 13.0)
    np.testing.assert_array_equal(w, [0.0, 0.6, 0.0, 0.6])


def test_parts_must_agree_on_the_number_of_faces():
    with pytest.raises(ValueError, match="disagree"):
        fuse_identity(np.ones((3, 4)), np.ones((2, 4)), np.zeros(4), np.zeros(4), np.zeros(3))


def test_the_stored_second_mean_is_a_512_d_mean_of_unit_vectors():
    mu = stored_mean_second()
    assert mu.shape == (512,) and np.isfinite(mu).all()
    assert 0.05 < float(np.linalg.norm(mu)) < 1.0


def test_the_stored_projection_holds_orthonormal_axes_for_both_parts():
    f, d = stored_projection()
    assert f.shape == (256, 1024) and d.shape == (256, 512)
    for axes in (f, d):
        np.testing.assert_allclose(axes @ axes.T, np.eye(axes.shape[0]), atol=1e-4)


def test_identity_space_projects_each_centred_part_on_its_axes():
    rng = np.random.default_rng(2)
    n = 5
    f, d = _unit(rng, n, 1024), _unit(rng, n, 512)
    ages = np.full(n, 30.0)
    params = ClusterParams(second_weight=0.8)
    x, out = identity_space(f, d, np.ones(n, bool), ages, params)
    assert x.shape == (n, fused_dim(1024, 512, params)) == (n, 512)
    assert not out.centre
    af, ad = stored_projection()
    pf = _centred(_centred(f, stored_mean_embedding()) @ af.T, 0.0)
    pd = _centred(_centred(d, stored_mean_second()) @ ad.T, 0.0)
    np.testing.assert_allclose(x @ x.T, 0.2 * pf @ pf.T + 0.8 * pd @ pd.T, atol=1e-5)
    whole, _ = identity_space(f, d, np.ones(n, bool), ages, dataclasses.replace(params, fusion_dims=0))
    assert whole.shape == (n, 1536) == (n, fused_dim(1024, 512, dataclasses.replace(params, fusion_dims=0)))

