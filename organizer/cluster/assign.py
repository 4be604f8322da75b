# SPDX-License-Identifier: MIT
"""Incremental assignment: new faces join existing persons without re-clustering everything.

A new item joins the person whose average eq.-1 distance to all of the person's faces is smallest, if that is
within the threshold (the same criterion under which average linkage would merge it into the person), and no
face of the same photo is already in that person. Items left over are clustered among themselves and the
unsorted faces by :func:`organizer.cluster.cluster_faces`.
"""

from __future__ import annotations

from collections.abc import Hashable
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from organizer.cluster.distance import AGE_BINS
from organizer.cluster.distance import age_table
from organizer.cluster.distance import current_ages
from organizer.cluster.distance import prepare_embeddings
from organizer.cluster.model import UNSORTED
from organizer.cluster.model import ClusterInput
from organizer.cluster.model import ClusterParams


@dataclass(frozen=True, slots=True)
class PersonProfile:
    """Summary of one existing person: sums of prepared embeddings and an age histogram over its faces."""

    person_id: int
    emb_sum: NDArray[np.float32] = field(repr=False)
    count: int
    age_hist: NDArray[np.float32] = field(repr=False)
    #: photo-group ids of the person's faces (new faces of those photos cannot join)
    photo_groups: frozenset[Hashable] = frozenset()

    @classmethod
    def from_members(cls, person_id: int, embeddings: NDArray[np.float32],
                     birth_years: NDArray[Any] | Sequence[float | None] | None = None,
                     photo_groups: Sequence[Hashable] = (), params: ClusterParams | None = None,
                     prepared: bool = False) -> PersonProfile:
        """Build a profile from the person's faces (L2-normalised embeddings as stored).

        ``prepared``: the embeddings are already in clustering space (see ``ClusterInput.prepared``); else they
        are only centred and normalised (no neighbour augmentation: that needs the whole library).
        """
        params = params or ClusterParams()
        emb = np.asarray(embeddings, dtype=np.float32).reshape(len(embeddings), -1)
        x = emb if prepared else prepare_embeddings(emb, params.centre, params.centre_vector)
        by = np.full(len(x), np.nan) if birth_years is None else np.array(
            [np.nan if b is None else float(b) for b in birth_years], dtype=np.float64)
        hist = np.bincount(current_ages(by, params.current_year), minlength=AGE_BINS).astype(np.float32)
        return cls(person_id=int(person_id), emb_sum=x.sum(axis=0), count=len(x), age_hist=hist,
                   photo_groups=frozenset(photo_groups))


def person_distances(inp: ClusterInput, persons: Sequence[PersonProfile],
                     params: ClusterParams | None = None) -> NDArray[np.float32]:
    """``[n_items, n_persons]`` average eq.-1 distance of each item to each person's faces (+inf if blocked), in
    float32: at 10 000 open faces and 5 000 persons a float64 matrix and its conversions cost the review a second."""
    params = params or ClusterParams()
    n = inp.n
    if not persons or n == 0:
        return np.zeros((n, len(persons)), np.float32)
    x = inp.embeddings if inp.prepared else prepare_embeddings(inp.embeddings, params.centre, params.centre_vector)
    counts = np.array([p.count for p in persons], dtype=np.float64)
    # each person's sum scaled by -2 / its count, so one product gives -2 x . mean; then the rest in place:
    # [items, persons] matrices are hundreds of MB at 10 000 x 5 000, and every temporary costs a pass over one
    sums = np.stack([p.emb_sum for p in persons]).astype(np.float64) * (-2.0 / counts[:, None])
    d: NDArray[np.float32] = np.asarray(x, dtype=np.float32) @ sums.astype(np.float32).T
    d += np.float32(2.0)
    if params.age_weight:
        ages = current_ages(np.asarray(inp.birth_years), params.current_year)
        hists = (np.stack([p.age_hist for p in persons]).astype(np.float64) / counts[:, None]).astype(np.float32)
        d += age_table(float(params.age_weight)).astype(np.float32)[ages] @ hists.T
    np.maximum(d, 0.0, out=d)
    # A new face cannot join a person who already has a face on the same photo. One pass over the items with
    # a dictionary: comparing every person's photo set against all items (np.isin per person) held the GIL for
    # seconds on string ids and froze the GUI thread.
    persons_of_group: dict[object, list[int]] = {}
    for j, p in enumerate(persons):
        for g in p.photo_groups:
            persons_of_group.setdefault(g, []).append(j)
    if persons_of_group:
        for i, g in enumerate(np.asarray(inp.photo_groups).tolist()):
            js = persons_of_group.get(g)
            if js:
                d[i, js] = np.inf
    return d


def assign_to_persons(inp: ClusterInput, persons: Sequence[PersonProfile], params: ClusterParams | None = None,
                      threshold: float | None = None,
                      never: Sequence[tuple[int, int]] = ()) -> NDArray[np.int64]:
    """Per new item the ``person_id`` it joins, or ``-1`` (then cluster it with the unsorted faces).

    Greedy by increasing distance: an item joins its nearest person within ``threshold`` (default
    ``params.threshold``) unless another new face of the same photo already joined that person. Excluded
    items get -1; items with a ``fixed_person`` keep it; ``never``: (item, person id) pairs the user said are
    not one (the item may still join another person).
    """
    params = params or ClusterParams()
    thr = params.threshold if threshold is None else float(threshold)
    out = np.full(inp.n, UNSORTED, dtype=np.int64)
    fixed = np.asarray(inp.fixed_person)
    out[fixed >= 0] = fixed[fixed >= 0]
    excluded = np.zeros(inp.n, dtype=bool)
    excluded[np.asarray(inp.excluded, dtype=np.int64)] = True
    out[excluded] = UNSORTED
    if not persons:
        return out
    d = person_distances(inp, persons, params)
    d[excluded | (fixed >= 0)] = np.inf
    column = {p.person_id: j for j, p in enumerate(persons)}
    for i, pid in never:
        if pid in column and 0 <= i < inp.n:
            d[i, column[pid]] = np.inf
    ii, jj = np.nonzero(d <= thr)
    order = np.argsort(d[ii, jj], kind="stable")
    groups = np.asarray(inp.photo_groups)
    used: set[tuple[object, int]] = set()
    done = np.zeros(inp.n, dtype=bool)
    for i, j in zip(ii[order].tolist(), jj[order].tolist(), strict=True):
        if done[i]:
            continue
        key = (groups[i].item() if hasattr(groups[i], "item") else groups[i], j)
        if key in used:
            continue
        used.add(key)
        done[i] = True
        out[i] = persons[j].person_id
    return out
