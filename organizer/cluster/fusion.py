# SPDX-License-Identifier: MIT
"""Two identity networks as one embedding: faceres (the multi-output network) and dlib's ResNet.

Each part is L2-normalised, centred on its own fixed mean (made from faces of no evaluation identity:
bench/cluster_make_mean.py for faceres, ``bench/identity_fusion.py --write-dlib-mean`` for dlib) and
normalised again; the parts are then weighted and concatenated,
``x = [sqrt(1 - w) f, sqrt(w) d]``. For two faces with the same weight the inner product is the weighted sum
of the two networks' cosine similarities, ``(1 - w) cos_f + w cos_d``, so eq. 1's squared distance, the
neighbour augmentation and the average linkage's cluster sums all work on the fused vectors unchanged.

The weight ``w`` of dlib's part is per face: 0 where a face has no dlib embedding (alignment impossible, or a
library not yet re-analyzed) and for young children, whom dlib's network (trained on adults) tells apart
poorly. With per-face weights ``x_i . x_j = a_i a_j cos_f + b_i b_j cos_d`` and ``a_i a_j + b_i b_j <= 1``: a
pair with a missing part is judged on the other part alone, scaled down, so it is merged less readily.
"""

from __future__ import annotations

import dataclasses
from functools import lru_cache
from pathlib import Path

import numpy as np
from numpy.typing import ArrayLike
from numpy.typing import NDArray

from organizer.cluster.distance import MEAN_EMBEDDING_FILE
from organizer.cluster.distance import l2_normalise
from organizer.cluster.distance import stored_mean_embedding
from organizer.cluster.model import ClusterParams

#: Mean of L2-normalised dlib embeddings of faces of no evaluation identity (identity_fusion --write-dlib-mean).
MEAN_DLIB_FILE = Path(__file__).with_name("mean_dlib.npy")


@lru_cache(maxsize=1)
def stored_mean_dlib() -> NDArray[np.float32]:
    """The fixed mean dlib embedding used for centring its part."""
    if not MEAN_DLIB_FILE.is_file():
        raise FileNotFoundError(f"mean dlib embedding for centring missing: {MEAN_DLIB_FILE}")
    v: NDArray[np.float32] = np.load(MEAN_DLIB_FILE).astype(np.float32).reshape(-1)
    v.setflags(write=False)
    return v


def dlib_weights(has_dlib: ArrayLike, ages: ArrayLike, weight: float, child_age: float) -> NDArray[np.float64]:
    """Per face the weight of dlib's part: ``weight``, or 0 without a dlib embedding or below ``child_age``
    (a face with no predicted age counts as an adult)."""
    has = np.asarray(has_dlib, dtype=bool).reshape(-1)
    a = np.asarray(ages, dtype=np.float64).reshape(-1)
    child = np.isfinite(a) & (a < child_age)
    return np.where(has & ~child, float(weight), 0.0)


def fuse_identity(faceres: NDArray[np.floating], dlib: NDArray[np.floating], mean_faceres: NDArray[np.floating],
                  mean_dlib: NDArray[np.floating], dlib_weight: ArrayLike) -> NDArray[np.float32]:
    """Unit fused embeddings ``[n, d_f + d_d]`` (see the module doc); ``dlib_weight`` per row in 0..1."""
    f = l2_normalise(l2_normalise(faceres) - np.asarray(mean_faceres, np.float32))
    d = l2_normalise(l2_normalise(dlib) - np.asarray(mean_dlib, np.float32))
    w = np.clip(np.asarray(dlib_weight, dtype=np.float32).reshape(-1, 1), 0.0, 1.0)
    if w.shape[0] != f.shape[0] or d.shape[0] != f.shape[0]:
        raise ValueError(f"fusion parts disagree on the number of faces: {f.shape[0]}, {d.shape[0]}, {w.shape[0]}")
    x = np.empty((f.shape[0], f.shape[1] + d.shape[1]), dtype=np.float32)  # float32 throughout: 100 000 faces
    np.multiply(np.sqrt(1.0 - w), f, out=x[:, :f.shape[1]])  # are 0.46 GB, not twice that
    np.multiply(np.sqrt(w), d, out=x[:, f.shape[1]:])
    return l2_normalise(x)


def identity_space(faceres: NDArray[np.floating], dlib: NDArray[np.floating], has_dlib: ArrayLike, ages: ArrayLike,
                   params: ClusterParams) -> tuple[NDArray[np.float32], ClusterParams]:
    """Stored embeddings -> the fused, centred identity space the clustering works in, and the parameters to
    cluster them with (centring off: each part is centred here, on its own mean, when ``params.centre``).

    ``dlib`` rows where ``has_dlib`` is False are ignored (any values); ``ages``: per face the predicted age
    (NaN: unknown), for the child rule of :func:`dlib_weights`.
    """
    f = np.asarray(faceres, np.float32)
    d = np.asarray(dlib, np.float32)
    if params.centre:
        mean_f = params.centre_vector if params.centre_vector is not None else stored_mean_embedding()
        if mean_f is None:
            raise FileNotFoundError(f"mean embedding for centring missing: {MEAN_EMBEDDING_FILE}")
        mean_d = stored_mean_dlib()
    else:  # no centring asked for (e.g. embeddings of another space in a test): each part is only normalised
        mean_f, mean_d = np.zeros(f.shape[-1], np.float32), np.zeros(d.shape[-1], np.float32)
    if f.ndim != 2 or f.shape[1] != mean_f.shape[-1]:
        raise ValueError(f"mean embedding has {mean_f.shape[-1]} dims, embeddings {f.shape}")
    if d.shape[-1] != mean_d.shape[-1]:
        raise ValueError(f"mean dlib embedding has {mean_d.shape[-1]} dims, embeddings {d.shape}")
    w = dlib_weights(has_dlib, ages, params.dlib_weight, params.dlib_child_age)
    x = fuse_identity(f, d, mean_f, mean_d, w)
    return x, dataclasses.replace(params, centre=False, centre_vector=None)
