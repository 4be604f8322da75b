# SPDX-License-Identifier: MIT
"""Inputs, parameters and results of the face clustering (plain data, numpy only)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from typing import Any

import numpy as np
from numpy.typing import NDArray

#: Sentinel label of faces that belong to no person ("unsorted").
UNSORTED = -1


def _float_or_nan(values: NDArray[Any] | Sequence[float | None] | None, n: int, name: str) -> NDArray[np.float64]:
    if values is None:
        return np.full(n, np.nan)
    out = np.array([np.nan if v is None else float(v) for v in values], dtype=np.float64) \
        if not isinstance(values, np.ndarray) else values.astype(np.float64).copy()
    if out.shape != (n,):
        raise ValueError(f"{name} must have one value per item ({n}), got shape {out.shape}")
    return out


@dataclass(slots=True)
class ClusterInput:
    """Everything the clustering needs about ``n`` items (a photo face, or one video track's mean face).

    All constraints refer to items by their row index ``0..n-1``.

    Attributes:
        embeddings: ``[n, d]`` L2-normalised identity embeddings (float32).
        birth_years: per item ``photo year - predicted age`` (fractional allowed), NaN/None when unknown.
        photo_groups: per item an id shared by faces of the same photo or video frame; such items are never
            put in one person. ``None`` = every item is its own group.
        timestamps: per item the photo's time in seconds (e.g. Unix time), NaN/None when unknown; used by
            the day-span rule.
        p_male: per item P(male) from the network (NaN/None when unknown); used for the per-person gender.
        must_link: groups of items the user said are one person (each inner sequence is one group).
        cannot_link: pairs of items the user said are different persons (moves, splits).
        excluded: items removed by the user (not faces); they are labelled unsorted and ignored.
        fixed_person: per item the id (>= 0) of a person the user confirmed the item belongs to, or -1/None.
            Items with the same id are one person; items with different ids are never merged.
        prepared: the embeddings are already in clustering space (:func:`organizer.cluster.prepare_items`:
            centred, neighbour-augmented, unit), e.g. computed once over a whole library so that new faces and
            existing persons are compared in the same space; otherwise they are prepared here.
    """

    embeddings: NDArray[np.float32]
    birth_years: NDArray[np.float64] | Sequence[float | None] | None = None
    photo_groups: NDArray[np.int64] | Sequence[int] | None = None
    timestamps: NDArray[np.float64] | Sequence[float | None] | None = None
    p_male: NDArray[np.float64] | Sequence[float | None] | None = None
    must_link: Sequence[Sequence[int]] = ()
    cannot_link: Sequence[tuple[int, int]] = ()
    excluded: Sequence[int] | NDArray[np.int64] = ()
    fixed_person: NDArray[np.int64] | Sequence[int | None] | None = None
    prepared: bool = False

    def __post_init__(self) -> None:
        emb = np.asarray(self.embeddings, dtype=np.float32)
        if emb.ndim != 2:
            raise ValueError(f"embeddings must be [n, d], got shape {emb.shape}")
        self.embeddings = emb
        n = emb.shape[0]
        self.birth_years = _float_or_nan(self.birth_years, n, "birth_years")
        self.timestamps = _float_or_nan(self.timestamps, n, "timestamps")
        self.p_male = _float_or_nan(self.p_male, n, "p_male")
        if self.photo_groups is None:
            self.photo_groups = np.arange(n, dtype=np.int64)
        else:
            # Any sortable ids (ints or strings), kept as given so they compare across calls.
            self.photo_groups = np.asarray(self.photo_groups).reshape(-1)
            if self.photo_groups.shape != (n,):
                raise ValueError("photo_groups must have one value per item")
        if self.fixed_person is None:
            self.fixed_person = np.full(n, -1, dtype=np.int64)
        else:
            fp = np.array([-1 if v is None else int(v) for v in self.fixed_person], dtype=np.int64)
            if fp.shape != (n,):
                raise ValueError("fixed_person must have one value per item")
            self.fixed_person = fp
        for group in self.must_link:
            for i in group:
                if not 0 <= int(i) < n:
                    raise ValueError(f"must_link index {i} out of range 0..{n - 1}")
        for pair in self.cannot_link:
            if len(pair) != 2 or not all(0 <= int(i) < n for i in pair):
                raise ValueError(f"bad cannot_link pair {pair!r}")
        ex = np.asarray(self.excluded, dtype=np.int64).reshape(-1)
        if ex.size and (ex.min() < 0 or ex.max() >= n):
            raise ValueError("excluded index out of range")
        self.excluded = ex

    @property
    def n(self) -> int:
        return int(self.embeddings.shape[0])


@dataclass(frozen=True, slots=True)
class ClusterParams:
    """Tunable settings; the defaults are the values tuned on the developer face set for the library's fused
    identity embedding (faceres + the ArcFace-type network), through the product as a user runs it (``organizer
    index --min-days 0``, ``organizer cluster --threshold T``, ``organizer people --json``, bench/people_quality.py):
    the second network's weight, the neighbour count and the cut chosen on half 0 of the identities with every
    unknown person's face scored, then reported on half 1 (README, "persons as a user gets them").

    Attributes:
        threshold: flat cut of the average-linkage dendrogram (distance of eq. 1).
        age_weight: ``w`` of eq. 1 (0 disables the age term).
        current_year: year used to turn birth years into current ages for eq. 1 (None = this year).
        centre: subtract the stored mean embedding (``organizer/cluster/mean_embedding.npy``) before
            L2-normalising; ``centre_vector`` overrides the stored one.
        second_weight: weight of the second identity network (the ArcFace-type one) in the fused identity
            embedding of the library's faces (``organizer.cluster.fusion``; faceres has ``1 - second_weight``).
        second_child_age: faces predicted younger than this are judged on faceres alone (the second network,
            like dlib's ResNet before it, pulls unknown children into persons: all-scored F 0.972 with the rule,
            0.968 without, on the tuning half).
        fusion_dims: each network's part of the fused embedding is projected on this many principal axes
            (``organizer/cluster/projection.npz``; 0 = the whole embedding). 256 + 256 dimensions instead of
            1 024 + 512 cut the clustering of 100 000 faces to about a third at the same BCubed F (README).
        neighbours: blend each embedding with this many nearest faces' (``organizer.cluster.augment``; 0 = off).
        neighbour_power: weight of a neighbour is ``max(0, cosine) ** neighbour_power``.
        min_faces: persons need at least this many items; smaller clusters become unsorted.
        min_span_days: persons need photos spanning at least this many days (0 disables). Only applied when
            at least two of the cluster's items have a known timestamp.
        exact_max: up to this many items the exact (dense, O(n^2) memory) average linkage is used; above it the
            approximate method (merges along the pairs within the threshold found by a range search).
        knn_probe: inverted-file cells searched per item by the approximate method's range search for pairs within
            the threshold (more = slower, closer to the exact result). At 100 000 real-like faces in the app's
            space (bench/cluster_scale.py, ~390 cells) 16 cells agree with 64 at BCubed F 0.996 (32: 0.999)
            in 11.6 s instead of 18.6 s; at 20 000 faces 32 of ~78 cells agreed with the exact method at 0.99.
        seed: random seed of the approximate method's k-means.
    """

    threshold: float = 0.72
    age_weight: float = 0.1
    current_year: int | None = None
    centre: bool = True
    centre_vector: NDArray[np.float32] | None = field(default=None, repr=False, compare=False)
    second_weight: float = 0.8
    second_child_age: float = 13.0
    fusion_dims: int = 256
    neighbours: int = 20
    neighbour_power: float = 3.0
    min_faces: int = 2
    min_span_days: float = 1.0
    exact_max: int = 3000
    knn_probe: int = 16
    seed: int = 0


@dataclass(frozen=True, slots=True)
class GenderEstimate:
    """Per-person gender by the product rule (eq. 2)."""

    is_male: bool | None
    #: Posterior P(male) implied by the product rule (equal priors), 0.5 when no face had a prediction.
    p_male: float
    #: ``max(p_male, 1 - p_male)``.
    confidence: float
    n_faces: int


@dataclass(frozen=True, slots=True)
class BirthYearEstimate:
    """Robustly fused birth year with an uncertainty range (years, fractional)."""

    year: float | None
    low: float | None
    high: float | None
    n_faces: int


@dataclass(frozen=True, slots=True)
class ClusterStats:
    """What the service needs to show and store for one person."""

    label: int
    #: The user-confirmed person id this cluster continues, or -1 for a new person.
    person_id: int
    members: NDArray[np.int64] = field(repr=False)
    #: L2-normalised mean of the members' (centred) embeddings, e.g. for incremental assignment.
    centroid: NDArray[np.float32] = field(repr=False)
    gender: GenderEstimate
    birth_year: BirthYearEstimate
    first_time: float | None
    last_time: float | None

    @property
    def size(self) -> int:
        return int(self.members.size)


@dataclass(frozen=True, slots=True)
class ClusterResult:
    """Per item a label (``-1`` = unsorted, else index into ``clusters``) and the clusters' stats."""

    labels: NDArray[np.int64]
    clusters: tuple[ClusterStats, ...]
    #: Which algorithm ran: "exact" or "approximate".
    method: str = "exact"
    #: Items that formed a cluster but were made unsorted by the min-faces / day-span rules.
    n_rule_unsorted: int = 0
