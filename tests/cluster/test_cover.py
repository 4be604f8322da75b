# SPDX-License-Identifier: MIT
"""A person's cover: the best-looking of its typical faces, never an odd one out."""

from __future__ import annotations

import numpy as np

from organizer.cluster import choose_covers
from organizer.cluster import face_quality


def test_quality_prefers_sharp_frontal_large_faces_and_counts_unknowns_as_middling() -> None:
    q = face_quality(side=[200, 30, 200, 200], detector_score=[1.0, 1.0, 1.0, np.nan],
                     sharpness=[800, 800, 5, np.nan], frontal=[1.0, 1.0, 1.0, np.nan])
    assert q[0] == 1.0
    assert q[1] < q[0] and q[2] < q[0]  # small; blurred
    assert abs(q[3] - (0.25 + 0.5 * 0.75)) < 1e-9  # only the size known


def test_cover_is_a_typical_face_then_the_best_looking() -> None:
    rng = np.random.default_rng(0)
    centre = rng.standard_normal(32)
    x = centre + 0.3 * rng.standard_normal((9, 32))
    x[8] = rng.standard_normal(32)  # a face that does not look like the others (a mistake of the clustering)
    x = (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)
    person = np.array([5] * 9)
    quality = np.full(9, 0.4)
    quality[8] = 1.0  # the odd one is the sharpest picture: still not the cover
    typical = np.argsort(-(x[:8] @ centre))[:3]
    quality[typical[2]] = 0.9
    assert choose_covers(x, person, quality) == {5: int(typical[2])}
    # two persons, one of two items (quality alone), items without a person ignored
    person2 = np.array([1, 1, 2, 2, 2, -1, -1, -1, -1])
    got = choose_covers(x, person2, np.array([0.2, 0.7, 0.5, 0.5, 0.5, 1, 1, 1, 1]))
    assert got[1] == 1 and got[2] in (2, 3, 4) and set(got) == {1, 2}
    assert choose_covers(x, np.full(9, -1), quality) == {}
