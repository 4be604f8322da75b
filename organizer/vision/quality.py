# SPDX-License-Identifier: MIT
"""How good a picture of a face is: sharpness and frontality, measured once at indexing.

Used to choose a person's cover face (:mod:`organizer.cluster.cover`): the face a user recognises the person
by is sharp, frontal and large, not the first one found.

* sharpness: variance of the Laplacian of the face box, converted to grey and resized to 64x64 pixels
  (a blurred or heavily compressed face has little high-frequency energy; the fixed size makes faces of any
  resolution comparable). Sharp portraits score several hundred, motion-blurred faces a few tens.
* frontality: 1 for a face looking into the camera, 0 for a profile, from the five landmarks: the nose's
  offset from the middle of the eyes, along the eye line, relative to the eye distance (a turned head moves
  the nose towards one eye).
"""

from __future__ import annotations

import math

import cv2
import numpy as np
from numpy.typing import NDArray

from organizer.core.types import Detection

#: The face box is resized to this square before the Laplacian.
SHARPNESS_SIDE = 64


def sharpness(image: NDArray[np.uint8], detection: Detection, scale: float = 1.0) -> float | None:
    """Variance of the Laplacian of the face box of an RGB image (``scale``: detection pixels -> image pixels);
    None when the box holds fewer than 8x8 pixels of the image."""
    b = detection.box
    h, w = image.shape[:2]
    x1, y1 = max(0, int(b.x * scale)), max(0, int(b.y * scale))
    x2, y2 = min(w, math.ceil((b.x + b.w) * scale)), min(h, math.ceil((b.y + b.h) * scale))
    if x2 - x1 < 8 or y2 - y1 < 8:
        return None
    grey = cv2.cvtColor(np.ascontiguousarray(image[y1:y2, x1:x2]), cv2.COLOR_RGB2GRAY)
    grey = cv2.resize(grey, (SHARPNESS_SIDE, SHARPNESS_SIDE), interpolation=cv2.INTER_AREA)
    return float(cv2.Laplacian(grey, cv2.CV_64F).var())


def frontality(detection: Detection) -> float | None:
    """1 (frontal) .. 0 (profile) from the landmarks (left eye, right eye, nose, ...); None without them."""
    lm = detection.landmarks
    if len(lm) < 3:
        return None
    (lx, ly), (rx, ry), (nx, ny) = lm[0], lm[1], lm[2]
    ex, ey = rx - lx, ry - ly
    d = math.hypot(ex, ey)
    if d < 1e-6:
        return 0.0
    # the nose's offset from the eyes' middle, projected on the eye line, in eye distances
    offset = ((nx - (lx + rx) / 2) * ex + (ny - (ly + ry) / 2) * ey) / (d * d)
    return float(min(1.0, max(0.0, 1.0 - 2.0 * abs(offset))))
