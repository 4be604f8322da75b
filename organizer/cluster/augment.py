# SPDX-License-Identifier: MIT
"""Neighbour-augmented embeddings: each face's embedding blended with those of its nearest faces.

Database-side augmentation (Arandjelovic & Zisserman 2012; Radenovic et al. 2018) as used in image retrieval:
``x'_i = normalise(x_i + sum_{j in kNN(i)} max(0, x_i . x_j)^p x_j)``. A face whose nearest faces are of the
same person moves to the middle of that person's faces, which tightens persons seen in different light, pose
or age; the power ``p`` makes far neighbours (other persons) count for almost nothing. It is a re-ranking by
shared neighbours that keeps distances inner products, so the average linkage can still merge clusters by
adding embedding sums. Faces of the same photo (or video clip) are never each other's neighbours: they are
different persons by definition.

On the developer faces (bench/cluster_quality.py) this raised BCubed F from 0.896 to 0.920 at the re-tuned
threshold; on two halves of the identities, tuning on one half and testing on the other, 0.903 -> 0.909 and
0.912 -> 0.949.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike
from numpy.typing import NDArray
from scipy import sparse

from organizer.cluster.distance import l2_normalise
from organizer.cluster.distance import prepare_embeddings
from organizer.cluster.knn import knn_inner_product
from organizer.cluster.model import ClusterParams

#: Extra neighbours fetched so that same-photo neighbours can be dropped and still leave ``k``.
_SPARE = 4
#: Inverted-file cells probed per face on large libraries (neighbours need not be exact here).
_PROBE = 4


def neighbour_augment(x: NDArray[np.float32], photo_groups: ArrayLike, k: int, power: float,
                      seed: int = 0) -> NDArray[np.float32]:
    """Unit embeddings ``x`` (centred, L2-normalised) blended with their ``k`` nearest neighbours.

    ``photo_groups`` holds per row an id shared by faces of one photo / video frame (any sortable values).
    ``k = 0`` returns ``x`` unchanged. Exact neighbours on small sets, an inverted file on large ones.
    """
    x = np.ascontiguousarray(x, dtype=np.float32)
    n = x.shape[0]
    if k <= 0 or n < 2:
        return x
    _, g = np.unique(np.asarray(photo_groups).reshape(-1), return_inverse=True)
    g = g.reshape(-1)
    kk = min(n - 1, k + _SPARE)
    nn, sim = knn_inner_product(x, x, kk, probe=_PROBE, seed=seed, exclude_self=True)
    ok = (nn >= 0) & np.isfinite(sim)
    safe = np.where(ok, nn, 0)
    ok &= g[safe] != g[:, None]
    # keep the k most similar valid neighbours per row
    s = np.where(ok, sim, -np.inf)
    top = np.argsort(-s, axis=1, kind="stable")[:, :k]
    s = np.take_along_axis(s, top, axis=1)
    idx = np.take_along_axis(safe, top, axis=1)
    w = np.where(np.isfinite(s), np.maximum(s, 0.0), 0.0) ** float(power)
    # x + W x with W sparse (k weights per row): one pass over x instead of k gathers of [n, d]
    rows = np.repeat(np.arange(n, dtype=np.int64), w.shape[1])
    blend = sparse.csr_matrix((w.reshape(-1).astype(np.float32), (rows, idx.reshape(-1))), shape=(n, n))
    out = x + np.asarray(blend @ x, dtype=np.float32)
    return l2_normalise(out)


def prepare_items(embeddings: NDArray[np.float32], photo_groups: ArrayLike,
                  params: ClusterParams) -> NDArray[np.float32]:
    """Embeddings as stored -> clustering space: centred and L2-normalised, then neighbour-augmented."""
    x = prepare_embeddings(embeddings, params.centre, params.centre_vector)
    return neighbour_augment(x, photo_groups, params.neighbours, params.neighbour_power, seed=params.seed)
