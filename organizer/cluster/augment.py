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

from organizer.cluster.distance import prepare_embeddings
from organizer.cluster.model import ClusterParams
from organizer.cluster.neighbour_graph import NeighbourGraph


def neighbour_augment(x: NDArray[np.float32], photo_groups: ArrayLike, k: int, power: float,
                      seed: int = 0) -> NDArray[np.float32]:
    """Unit embeddings ``x`` (centred, L2-normalised) blended with their ``k`` nearest neighbours.

    ``photo_groups`` holds per row an id shared by faces of one photo / video frame (any sortable values).
    ``k = 0`` returns ``x`` unchanged. Exact neighbours on small sets, an inverted file on large ones
    (:class:`~organizer.cluster.neighbour_graph.NeighbourGraph`, which a caller may keep to update it later).
    """
    x = np.ascontiguousarray(x, dtype=np.float32)
    if k <= 0 or x.shape[0] < 2:
        return x
    graph = NeighbourGraph.build(x, group_codes(photo_groups), k, seed=seed)
    return graph.blend(x, power)


def group_codes(photo_groups: ArrayLike) -> NDArray[np.int64]:
    """Photo-group ids (any sortable values) as small integers, equal where the ids are."""
    _, g = np.unique(np.asarray(photo_groups).reshape(-1), return_inverse=True)
    return g.reshape(-1).astype(np.int64)


def prepare_items(embeddings: NDArray[np.float32], photo_groups: ArrayLike,
                  params: ClusterParams) -> NDArray[np.float32]:
    """Embeddings as stored -> clustering space: centred and L2-normalised, then neighbour-augmented."""
    x = prepare_embeddings(embeddings, params.centre, params.centre_vector)
    return neighbour_augment(x, photo_groups, params.neighbours, params.neighbour_power, seed=params.seed)
