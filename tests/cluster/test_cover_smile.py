# SPDX-License-Identifier: MIT
"""A smile helps a face become its person's cover, modestly: frontal and sharp still matter most."""

from __future__ import annotations

import numpy as np

from organizer.cluster import choose_covers
from organizer.cluster import face_quality
from organizer.cluster.cover import SMILE_BONUS


def _person(n: int) -> np.ndarray:
    """``n`` equally typical faces of one person (the same embedding)."""
    x = np.zeros((n, 8), np.float32)
    x[:, 0] = 1.0
    return x


def test_a_smiling_face_wins_over_an_equally_sharp_neutral_one() -> None:
    # four frontal, equally sharp and large faces; face 2 smiles, the others are neutral, face 3 was never measured
    q = face_quality(side=[200] * 4, detector_score=[1.0] * 4, sharpness=[400] * 4, frontal=[1.0] * 4,
                     happy=[0.02, 0.05, 0.97, np.nan])
    assert q[2] > q[3] > q[1] > q[0]
    assert choose_covers(_person(4), np.full(4, 3), q) == {3: 2}
    # without expressions the same faces tie (the first is taken), as before expressions were measured
    plain = face_quality(side=[200] * 4, detector_score=[1.0] * 4, sharpness=[400] * 4, frontal=[1.0] * 4)
    assert np.ptp(plain) == 0 and choose_covers(_person(4), np.full(4, 3), plain) == {3: 0}


def test_a_smile_does_not_beat_a_frontal_sharp_face() -> None:
    # a smiling face turned half away, or blurred, loses to a neutral frontal sharp one
    q = face_quality(side=[200] * 3, detector_score=[1.0] * 3, sharpness=[400, 400, 30], frontal=[1.0, 0.5, 1.0],
                     happy=[0.0, 1.0, 1.0])
    assert q[0] > q[1] and q[0] > q[2]
    assert choose_covers(_person(3), np.zeros(3), q) == {0: 0}
    assert SMILE_BONUS < 0.3 * 0.5  # less than half of what frontality alone weighs
