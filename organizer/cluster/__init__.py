# SPDX-License-Identifier: MIT
"""Pure face clustering: persons from face embeddings (numpy/scipy only; no database, no Qt, no vision).

Entry points:

* :func:`cluster_faces` - constrained average-linkage clustering of items into persons (eq. 1 distance,
  exact up to ``ClusterParams.exact_max`` items, approximate range-search method above), the min-faces and
  day-span rules, and per-person gender (eq. 2) and birth year.
* :func:`identity_space` - the two identity networks' stored embeddings -> one fused, centred embedding.
* :func:`prepare_items` - stored embeddings -> clustering space (centred, blended with nearest faces).
* :func:`assign_to_persons` - incremental: new items join existing persons (:class:`PersonProfile`).
* :func:`fuse_gender`, :func:`fuse_birth_year`, :func:`age_at` - per-person attributes.
* :func:`choose_covers`, :func:`face_quality` - each person's picture: a typical face, the best-looking one.
"""

from organizer.cluster.assign import PersonProfile
from organizer.cluster.assign import assign_to_persons
from organizer.cluster.assign import person_distances
from organizer.cluster.attributes import age_at
from organizer.cluster.attributes import face_birth_year
from organizer.cluster.attributes import fuse_birth_year
from organizer.cluster.attributes import fuse_gender
from organizer.cluster.augment import neighbour_augment
from organizer.cluster.augment import prepare_items
from organizer.cluster.cover import choose_covers
from organizer.cluster.cover import face_quality
from organizer.cluster.fusion import identity_space
from organizer.cluster.model import UNSORTED
from organizer.cluster.model import BirthYearEstimate
from organizer.cluster.model import ClusterInput
from organizer.cluster.model import ClusterParams
from organizer.cluster.model import ClusterResult
from organizer.cluster.model import ClusterStats
from organizer.cluster.model import GenderEstimate
from organizer.cluster.pipeline import cluster_faces

__all__ = [
    "UNSORTED",
    "BirthYearEstimate",
    "ClusterInput",
    "ClusterParams",
    "ClusterResult",
    "ClusterStats",
    "GenderEstimate",
    "PersonProfile",
    "age_at",
    "assign_to_persons",
    "choose_covers",
    "cluster_faces",
    "face_birth_year",
    "face_quality",
    "fuse_birth_year",
    "fuse_gender",
    "identity_space",
    "neighbour_augment",
    "person_distances",
    "prepare_items",
]
