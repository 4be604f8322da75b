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

#: Mean of L2-normalised second embeddings of faces of no evaluation identity (identity_fusion --write-second-mean).
MEAN_SECOND_FILE = Path(__file__).with_name("mean_arcface.npy")


@lru_cache(maxsize=1)
def stored_mean_second() -> NDArray[np.float32]:
    """The fixed mean second embedding used for centring its part."""
    if not MEAN_SECOND_FILE.is_file():
        raise FileNotFoundError(f"mean second embedding for centring missing: {MEAN_SECOND_FILE}")
    v: NDArray[np.float32] = np.load(MEAN_SECOND_FILE).astype(np.float32).reshape(-1)
    v.setflags(write=False)
    return v


def second_weights(has_second: ArrayLike, ages: ArrayLike, weight: float, child_age: float) -> NDArray[np.float64]:
    """Per face the weight of the second part: ``weight``, or 0 without a second embedding or below ``child_age``
    (a face with no predicted age counts as an adult)."""
    has = np.asarray(has_second, dtype=bool).reshape(-1)
    a = np.asarray(ages, dtype=np.float64).reshape(-1)
    child = np.isfinite(a) & (a < child_age)
    return np.where(has & ~child, float(weight), 0.0)


def fuse_identity(faceres: NDArray[np.floating], second: NDArray[np.floating], mean_faceres: NDArray[np.floating],
                  mean_second: NDArray[np.floating], second_weight: ArrayLike) -> NDArray[np.float32]:
    """Unit fused embeddings ``[n, d_f + d_d]`` (see the module doc); ``second_weight`` per row in 0..1."""
    f = l2_normalise(l2_normalise(faceres) - np.asarray(mean_faceres, np.float32))
    d = l2_normalise(l2_normalise(second) - np.asarray(mean_second, np.float32))
    w = np.clip(np.asarray(second_weight, dtype=np.float32).reshape(-1, 1), 0.0, 1.0)
    if w.shape[0] != f.shape[0] or d.shape[0] != f.shape[0]:
        raise ValueError(f"fusion parts disagree on the number of faces: {f.shape[0]}, {d.shape[0]}, {w.shape[0]}")
    x = np.empty((f.shape[0], f.shape[1] + d.shape[1]), dtype=np.float32)  # float32 throughout: 100 000 faces
    np.multiply(np.sqrt(1.0 - w), f, out=x[:, :f.shape[1]])  # are 0.46 GB, not twice that
    np.multiply(np.sqrt(w), d, out=x[:, f.shape[1]:])
    return l2_normalise(x)


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
    w = second_weights(has_second, ages, params.second_weight, params.second_child_age)
    x = fuse_identity(f, d, mean_f, mean_d, w)
    return x, dataclasses.replace(params, centre=False, centre_vector=None)
