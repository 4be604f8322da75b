# SPDX-License-Identifier: MIT
"""Faces of one clip grouped into per-person tracks (pure numpy)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

#: Cosine similarity above which a face joins a track of the same clip. Within one clip lighting and
#: camera are shared, so this can be stricter than across the library.
TRACK_THRESHOLD = 0.55


@dataclass(frozen=True, slots=True)
class Track:
    #: Indices into the faces given to :func:`group_clip`.
    members: tuple[int, ...]
    #: L2-normalised mean embedding.
    embedding: NDArray[np.float32]


def group_clip(frame_times: Sequence[float], embeddings: NDArray[np.float32],
               threshold: float = TRACK_THRESHOLD) -> list[Track]:
    """Greedy online grouping in frame order: each face joins the most similar track not yet used in its
    frame (two faces of one frame are two people), or starts a new one.

    Args:
        frame_times: the time of each face's frame in the clip, in seconds.
        embeddings: ``[n, d]`` L2-normalised embeddings.
    """
    order = sorted(range(len(frame_times)), key=lambda i: frame_times[i])
    sums: list[NDArray[np.float64]] = []
    members: list[list[int]] = []
    used_in_frame: dict[object, set[int]] = {}
    for i in order:
        e = embeddings[i].astype(np.float64)
        used = used_in_frame.setdefault(frame_times[i], set())
        best, best_sim = -1, threshold
        for t, s in enumerate(sums):
            if t in used:
                continue
            sim = float(e @ s) / max(float(np.linalg.norm(s)), 1e-12)
            if sim >= best_sim:
                best, best_sim = t, sim
        if best < 0:
            sums.append(e.copy())
            members.append([i])
            best = len(sums) - 1
        else:
            sums[best] += e
            members[best].append(i)
        used.add(best)
    out = []
    for s, m in zip(sums, members, strict=True):
        out.append(Track(tuple(m), (s / max(float(np.linalg.norm(s)), 1e-12)).astype(np.float32)))
    return out
