# SPDX-License-Identifier: MIT
"""Two identity networks as one embedding: faceres (the multi-output network) and the second identity network
(the ArcFace-type network of :mod:`organizer.vision.arcface`).

Each part is L2-normalised, centred on its own fixed mean (made from faces of no evaluation identity:
bench/cluster_make_mean.py for faceres, ``bench/identity_fusion.py --write-second-mean`` for the second network)
and normalised again; the parts are then weighted and concatenated, ``x = [sqrt(1 - w) f, sqrt(w) d]``. For two
faces with the same weight the inner product is the weighted sum of the two networks' cosine similarities,
``(1 - w) cos_f + w cos_d``, so eq. 1's squared distance, the neighbour augmentation and the average linkage's
cluster sums all work on the fused vectors unchanged.

The weight ``w`` of the second part is per face: 0 where a face has no second embedding (alignment impossible,
or a library not yet re-analyzed) and below an age (``ClusterParams.second_child_age``: the ArcFace-type network,
as dlib's ResNet before it, pulls unknown young children into persons more readily than faceres). With
per-face weights ``x_i . x_j = a_i a_j cos_f + b_i b_j cos_d`` and ``a_i a_j + b_i b_j <= 1``: a pair with a
missing part is judged on the other part alone, scaled down, so it is merged less readily.

Before weighting, each centred part is projected on its first principal axes (``ClusterParams.fusion_dims``,
256 of faceres' 1 024 and 256 of the ArcFace-type network's 512) and normalised again, so the cosines above are
those of the projected parts. The axes (``projection.npz``, ``bench/identity_fusion.py --write-projection``)
come from the same faces of no evaluation identity as the means. They keep 91 % of faceres' variance on those
faces and leave BCubed F on the developer identities as it was (0.984 / 0.989 against 0.984 / 0.990 on the two
halves), while every inner product of the clustering costs a third.
"""

from __future__ import annotations

import dataclasses
import hashlib
from functools import lru_cache
from pathlib import Path

import numpy as np
from numpy.typing import ArrayLike
from numpy.typing import NDArray

from organizer.cluster.distance import MEAN_EMBEDDING_FILE
from organizer.cluster.distance import l2_normalise
from organizer.cluster.distance import stored_mean_embedding
from organizer.cluster.model import ClusterParams

#: Mean of L2-normalised second embeddings of faces of no evaluation identity (identity_fusion --write-second-mean).
MEAN_SECOND_FILE = Path(__file__).with_name("mean_arcface.npy")
#: Principal axes of each centred part over the same faces (rows: axes by decreasing variance); arrays
#: ``faceres`` and ``second``.
PROJECTION_FILE = Path(__file__).with_name("projection.npz")


@lru_cache(maxsize=1)
def stored_mean_second() -> NDArray[np.float32]:
    """The fixed mean second embedding used for centring its part."""
    if not MEAN_SECOND_FILE.is_file():
        raise FileNotFoundError(f"mean second embedding for centring missing: {MEAN_SECOND_FILE}")
    v: NDArray[np.float32] = np.load(MEAN_SECOND_FILE).astype(np.float32).reshape(-1)
    v.setflags(write=False)
    return v


@lru_cache(maxsize=1)
def stored_projection() -> tuple[NDArray[np.float32], NDArray[np.float32]]:
    """The principal axes ``(faceres [p, 1024], second [p, 512])`` of the centred parts."""
    if not PROJECTION_FILE.is_file():
        raise FileNotFoundError(f"identity projection missing: {PROJECTION_FILE}")
    with np.load(PROJECTION_FILE) as z:
        axes = z["faceres"].astype(np.float32), z["second"].astype(np.float32)
    for a in axes:
        a.setflags(write=False)
    return axes


@lru_cache(maxsize=1)
def projection_id() -> str:
    """Names the fused space's projection (its file's digest): persons formed under another one are re-made.
    Read once: every clustering run and every settings load and save asks."""
    return hashlib.sha256(PROJECTION_FILE.read_bytes()).hexdigest()[:12] if PROJECTION_FILE.is_file() else "none"


def fused_dim(faceres_dim: int, second_dim: int, params: ClusterParams) -> int:
    """Dimension of :func:`identity_space`'s vectors."""
    p = _axes(params)
    return (p[0].shape[0] + p[1].shape[0]) if p is not None else faceres_dim + second_dim


def _axes(params: ClusterParams) -> tuple[NDArray[np.float32], NDArray[np.float32]] | None:
    if not params.centre or params.fusion_dims <= 0:
        return None
    f, d = stored_projection()
    return f[:params.fusion_dims], d[:params.fusion_dims]


def second_weights(has_second: ArrayLike, ages: ArrayLike, weight: float, child_age: float) -> NDArray[np.float64]:
    """Per face the weight of the second part: ``weight``, or 0 without a second embedding or below ``child_age``
    (a face with no predicted age counts as an adult)."""
    has = np.asarray(has_second, dtype=bool).reshape(-1)
    a = np.asarray(ages, dtype=np.float64).reshape(-1)
    child = np.isfinite(a) & (a < child_age)
    return np.where(has & ~child, float(weight), 0.0)


def fuse_identity(faceres: NDArray[np.floating], second: NDArray[np.floating], mean_faceres: NDArray[np.floating],
                  mean_second: NDArray[np.floating], second_weight: ArrayLike,
                  axes: tuple[NDArray[np.float32], NDArray[np.float32]] | None = None) -> NDArray[np.float32]:
    """Unit fused embeddings ``[n, p_f + p_d]`` (see the module doc); ``second_weight`` per row in 0..1;
    ``axes``: each part's principal axes (``[p_f, d_f]``, ``[p_d, d_d]``) to project it on, or None (then
    ``p = d``). Made a block of rows at a time: 100 000 faces' temporaries would otherwise take a gigabyte."""
    w = np.clip(np.asarray(second_weight, dtype=np.float32).reshape(-1, 1), 0.0, 1.0)
    n = w.shape[0]
    if faceres.shape[0] != n or second.shape[0] != n:
        raise ValueError(f"fusion parts disagree on the number of faces: {faceres.shape[0]}, {second.shape[0]}, {n}")
    dims = [faceres.shape[1], second.shape[1]] if axes is None else [axes[0].shape[0], axes[1].shape[0]]
    x = np.empty((n, dims[0] + dims[1]), dtype=np.float32)
    for lo in range(0, n, _BLOCK):
        hi = min(n, lo + _BLOCK)
        at = 0
        for part, raw, mean in ((0, faceres, mean_faceres), (1, second, mean_second)):
            c = l2_normalise(np.asarray(raw[lo:hi], np.float32)) - np.asarray(mean, np.float32)
            if axes is not None:  # normalised once, after the projection (the centred part's scale cancels)
                c = c @ axes[part].T
            scale = np.sqrt(1.0 - w[lo:hi]) if part == 0 else np.sqrt(w[lo:hi])
            np.multiply(scale, l2_normalise(c), out=x[lo:hi, at:at + dims[part]])
            at += dims[part]
        x[lo:hi] = l2_normalise(x[lo:hi])
    return x


#: Rows fused at a time.
_BLOCK = 8192


def identity_space(faceres: NDArray[np.floating], second: NDArray[np.floating], has_second: ArrayLike, ages: ArrayLike,
                   params: ClusterParams) -> tuple[NDArray[np.float32], ClusterParams]:
    """Stored embeddings -> the fused, centred identity space the clustering works in, and the parameters to
    cluster them with (centring off: each part is centred here, on its own mean, when ``params.centre``).

    ``second`` rows where ``has_second`` is False are ignored (any values); ``ages``: per face the predicted age
    (NaN: unknown), for the child rule of :func:`second_weights`.
    """
    f = np.asarray(faceres, np.float32)
    d = np.asarray(second, np.float32)
    if params.centre:
        mean_f = params.centre_vector if params.centre_vector is not None else stored_mean_embedding()
        if mean_f is None:
            raise FileNotFoundError(f"mean embedding for centring missing: {MEAN_EMBEDDING_FILE}")
        mean_d = stored_mean_second()
    else:  # no centring asked for (e.g. embeddings of another space in a test): each part is only normalised
        mean_f, mean_d = np.zeros(f.shape[-1], np.float32), np.zeros(d.shape[-1], np.float32)
    if f.ndim != 2 or f.shape[1] != mean_f.shape[-1]:
        raise ValueError(f"mean embedding has {mean_f.shape[-1]} dims, embeddings {f.shape}")
    if d.shape[-1] != mean_d.shape[-1]:
        raise ValueError(f"mean second embedding has {mean_d.shape[-1]} dims, embeddings {d.shape}")
    axes = _axes(params)
    if axes is not None and (axes[0].shape[1] != f.shape[1] or axes[1].shape[1] != d.shape[1]):
        raise ValueError(f"projection axes {axes[0].shape}, {axes[1].shape} do not fit embeddings {f.shape}, {d.shape}")
    w = second_weights(has_second, ages, params.second_weight, params.second_child_age)
    x = fuse_identity(f, d, mean_f, mean_d, w, axes)
    return x, dataclasses.replace(params, centre=False, centre_vector=None)
