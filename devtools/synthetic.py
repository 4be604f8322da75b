# SPDX-License-Identifier: MIT
"""Synthetic face embeddings with known identities, for tests and benchmarks (not shipped).

Each face is ``normalise(g * u + a * c_id + b * noise)``: a direction ``u`` common to all faces, an identity
centre ``c_id`` and per-face noise, all random unit vectors in ``dim`` dimensions (nearly orthogonal). The
default weights give mean cosine ~0.64 within and ~0.37 between identities, as measured on real faces.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray


def make_synthetic(n_ids: int, faces_per_id: int | NDArray[np.int64], dim: int = 1024, same_cos: float = 0.64,
                   diff_cos: float = 0.37, spread: float = 0.0, subspace: int | None = 96, seed: int = 0,
                   ) -> tuple[NDArray[np.float32], NDArray[np.int64]]:
    """Embeddings ``[n, dim]`` (float32, unit) and identity labels ``[n]``.

    ``spread`` > 0 varies the identity weight per identity (some persons are harder), as a fraction.
    ``subspace``: identity centres and noise live in random subspaces of this dimension, so that similarities
    scatter as much as real ones (None = the full space, where random vectors are all nearly orthogonal).
    """
    rng = np.random.default_rng(seed)
    counts = np.full(n_ids, faces_per_id, dtype=np.int64) if np.isscalar(faces_per_id) \
        else np.asarray(faces_per_id, dtype=np.int64)
    labels = np.repeat(np.arange(n_ids, dtype=np.int64), counts)
    n = labels.size
    g2, a2 = diff_cos, same_cos - diff_cos
    b2 = 1.0 - same_cos
    u = rng.standard_normal(dim).astype(np.float32)
    u /= np.linalg.norm(u)
    def rand(k: int) -> NDArray[np.float32]:
        if subspace is None or subspace >= dim:
            v = rng.standard_normal((k, dim)).astype(np.float32)
        else:
            v = rng.standard_normal((k, subspace)).astype(np.float32) @ basis
        return v / np.linalg.norm(v, axis=1, keepdims=True)

    basis = None
    if subspace is not None and subspace < dim:
        basis = np.linalg.qr(rng.standard_normal((dim, subspace)))[0].T.astype(np.float32)
    centres = rand(n_ids)
    a = np.sqrt(a2) * (1.0 + spread * rng.uniform(-1, 1, n_ids)).astype(np.float32)
    x = np.empty((n, dim), dtype=np.float32)
    step = 20000
    for lo in range(0, n, step):
        lab = labels[lo:lo + step]
        noise = rand(lab.size)
        v = np.float32(np.sqrt(g2)) * u + a[lab, None] * centres[lab] + np.float32(np.sqrt(b2)) * noise
        x[lo:lo + step] = v / np.linalg.norm(v, axis=1, keepdims=True)
    return x, labels


def lift(v: NDArray[np.floating], axes: NDArray[np.floating], mean: NDArray[np.floating]) -> NDArray[np.float32]:
    """Unit raw embeddings whose centred, normalised and projected part (organizer.cluster.fusion's
    ``normalise(normalise(x) - mean) @ axes.T``, normalised) is ``normalise(v)``: synthetic faces made in the app's
    projected space ``[n, p]`` given back in a network's raw space ``[n, d]`` (``axes``: ``[p, d]``, orthonormal
    rows). ``x = mean + c l`` with ``l = normalise(v) @ axes`` and ``c`` making ``|x| = 1``."""
    lv = np.atleast_2d(np.asarray(v, np.float64)) @ np.asarray(axes, np.float64)
    lv /= np.linalg.norm(lv, axis=1, keepdims=True)
    m = np.asarray(mean, np.float64)
    ml = lv @ m
    c = -ml + np.sqrt(ml ** 2 + 1.0 - m @ m)
    return (m + c[:, None] * lv).astype(np.float32)
