# SPDX-License-Identifier: MIT
"""Checks every identity network on aligned chips must pass (tests/vision/test_arcface.py, test_dlib_resnet.py)."""

from __future__ import annotations

import numpy as np
import pytest


def check_embeddings(network, chips: np.ndarray, dim: int) -> None:
    """Unit float32 embeddings of ``dim``, the same on a second run and one chip at a time; an empty batch gives
    none; chips of the wrong size are refused."""
    a = network.embed_chips(chips)
    assert a.shape == (len(chips), dim) and a.dtype == np.float32
    assert np.allclose(np.linalg.norm(a, axis=1), 1.0, atol=1e-5)
    assert np.array_equal(a, network.embed_chips(chips))
    one = np.concatenate([network.embed_chips(chips[i:i + 1]) for i in range(len(chips))])
    assert np.allclose(a, one, atol=1e-5)
    assert network.embed_chips(chips[:0]).shape == (0, dim)
    with pytest.raises(ValueError):
        network.raw(chips[:, :100])
