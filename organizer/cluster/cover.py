# SPDX-License-Identifier: MIT
"""A person's cover face: the face a user recognises the person by.

Among the faces most typical of the person (the half closest to the person's mean identity embedding: a face
put in the wrong person, or an odd one, is never its picture), the best picture: sharp, frontal, large and
confidently detected (:func:`face_quality`), smiling if it can be (a modest bonus: a smile never makes a blurred
or turned face the cover). Small persons (1-2 items) choose by quality alone.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike
from numpy.typing import NDArray

from organizer.cluster.distance import l2_normalise

#: Weights of the parts of :func:`face_quality` (they sum to 1).
QUALITY_WEIGHTS = {"frontal": 0.3, "sharp": 0.3, "size": 0.25, "detector": 0.15}
#: Added to :func:`face_quality` in proportion to P(happy): at most a third of what a frontal face gains over a
#: profile (0.3), so a smile decides between faces that look about as good, never over a much better picture.
SMILE_BONUS = 0.1


def _ramp(x: NDArray[np.float64], lo: float, hi: float) -> NDArray[np.float64]:
    """0 at ``lo``, 1 at ``hi``, linear between; NaN (not measured) counts as the middle, 0.5."""
    out = np.clip((x - lo) / (hi - lo), 0.0, 1.0)
    return np.where(np.isfinite(out), out, 0.5)


def face_quality(side: ArrayLike, detector_score: ArrayLike, sharpness: ArrayLike,
                 frontal: ArrayLike, happy: ArrayLike | None = None) -> NDArray[np.float64]:
    """Per face 0..1: frontality, sharpness (log of the Laplacian variance, 20 -> 0, 500 -> 1), size (the box's
    shorter side, 40 px -> 0, 160 px -> 1) and detector score (0.9 -> 0, 1 -> 1), weighted; NaN parts count 0.5.
    With ``happy`` (P(happy) per face, NaN: not measured, counts 0.5), plus up to :data:`SMILE_BONUS`."""
    side = np.asarray(side, np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        sharp = _ramp(np.log10(np.asarray(sharpness, np.float64)), np.log10(20.0), np.log10(500.0))
    parts = {
        "frontal": _ramp(np.asarray(frontal, np.float64), 0.0, 1.0),
        "sharp": sharp,
        "size": _ramp(side, 40.0, 160.0),
        "detector": _ramp(np.asarray(detector_score, np.float64), 0.9, 1.0),
    }
    quality = sum(QUALITY_WEIGHTS[k] * v for k, v in parts.items())
    if happy is not None:
        quality = quality + SMILE_BONUS * _ramp(np.asarray(happy, np.float64), 0.0, 1.0)
    return np.asarray(quality, np.float64)


def choose_covers(embeddings: NDArray[np.float32], person: ArrayLike, quality: ArrayLike) -> dict[int, int]:
    """``{person id: item index}`` of each person's cover among its items (``person`` per item, < 0: none)."""
    x = np.asarray(embeddings, np.float32)
    pid = np.asarray(person, np.int64).reshape(-1)
    q = np.asarray(quality, np.float64).reshape(-1)
    idx = np.flatnonzero(pid >= 0)
    if not idx.size:
        return {}
    order = idx[np.argsort(pid[idx], kind="stable")]
    cuts = np.flatnonzero(np.diff(pid[order])) + 1
    out: dict[int, int] = {}
    for members in np.split(order, cuts):
        if members.size <= 2:
            out[int(pid[members[0]])] = int(members[np.argmax(q[members])])
            continue
        centre = l2_normalise(x[members].sum(axis=0, keepdims=True))[0]
        typical = x[members] @ centre
        candidates = members[typical >= np.median(typical)]
        best = np.lexsort((-(x[candidates] @ centre), -q[candidates]))[0]
        out[int(pid[members[0]])] = int(candidates[best])
    return out
