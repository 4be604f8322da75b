# SPDX-License-Identifier: MIT
"""A face's expression: face-api.js's expression network, seven probabilities per face.

The network (``models/faceapi_expression.onnx``, see ``models/MODELS.md``) takes a 112x112 RGB crop, 0..255, and
normalises inside. face-api.js feeds it the detector's box, cut out of the image, padded to a square with black
(centred) and resized; here the square is cut around the box's centre with the side of the box's longer edge, so
the padding is the photo itself and black only beyond the image's border. Shrinking averages (a face over twice
the input size goes bilinear to twice it first), so a large face is not aliased. Cost and a 50-face spot check of
the labels: ``bench/expression.py`` and ``models/MODELS.md``.

Expressions are stored per face and shown in the viewer; P(happy) gives a person's cover face a modest bonus
(:mod:`organizer.cluster.cover`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np
from numpy.typing import NDArray

from organizer.core.types import Box
from organizer.vision.models import FACEAPI_EXPRESSION
from organizer.vision.models import ModelSpec
from organizer.vision.models import ModelStore

INPUT_SIZE = 112
INPUT_NAME = "input"
OUTPUT_NAME = "expressions"
#: The network's classes, in the order of its outputs (face-api.js's ``FACE_EXPRESSION_LABELS``).
LABELS = ("neutral", "happy", "sad", "angry", "fearful", "disgusted", "surprised")
HAPPY = LABELS.index("happy")
#: A box holding fewer image pixels than this on a side gets no expression (nothing to see).
MIN_SIDE = 8


@dataclass(frozen=True, slots=True)
class ExpressionSettings:
    """How faces are run. ``batch_size``: crops per network call (how fast, not what)."""

    batch_size: int = 8


def crop_square(image: NDArray[np.uint8], box: Box, size: int = INPUT_SIZE) -> NDArray[np.uint8] | None:
    """The ``size`` x ``size`` RGB crop of the square around ``box``'s centre (side: its longer edge), black
    beyond the image; None when the box holds fewer than :data:`MIN_SIDE` pixels of the image on a side."""
    h, w = image.shape[:2]
    side = max(1, round(max(box.w, box.h)))
    x1 = round(box.x + box.w / 2 - side / 2)
    y1 = round(box.y + box.h / 2 - side / 2)
    ix1, iy1 = max(0, x1), max(0, y1)
    ix2, iy2 = min(w, x1 + side), min(h, y1 + side)
    if ix2 - ix1 < MIN_SIDE or iy2 - iy1 < MIN_SIDE:
        return None
    region = image[iy1:iy2, ix1:ix2]
    if (ix2 - ix1, iy2 - iy1) != (side, side):
        region = np.asarray(cv2.copyMakeBorder(region, iy1 - y1, y1 + side - iy2, ix1 - x1, x1 + side - ix2,
                                               cv2.BORDER_CONSTANT, value=(0, 0, 0)), np.uint8)
    if side > 2 * size:
        # bilinear to twice the size, then an exact 2:1 average: close to area-averaging the whole way (the same
        # label on the 135 faces of the developer photos, 31 of them over 224 px) at a tenth of its cost for a large
        # face (0.1 vs 1.2 ms at 800 px)
        region = np.asarray(cv2.resize(region, (2 * size, 2 * size), interpolation=cv2.INTER_LINEAR), np.uint8)
    interpolation = cv2.INTER_AREA if region.shape[0] > size else cv2.INTER_LINEAR
    return np.asarray(cv2.resize(np.ascontiguousarray(region), (size, size), interpolation=interpolation), np.uint8)


def label_of(probs: NDArray[np.float32]) -> str:
    """The most probable expression's name."""
    return LABELS[int(np.argmax(probs))]


class ExpressionNetwork:
    """Runs the expression network on face crops, or cuts them from an image first."""

    def __init__(self, store: ModelStore, settings: ExpressionSettings | None = None,
                 spec: ModelSpec = FACEAPI_EXPRESSION) -> None:
        self._store = store
        self._spec = spec
        self.settings = settings or ExpressionSettings()

    def probabilities(self, crops: NDArray[np.uint8]) -> NDArray[np.float32]:
        """``[n, 7]`` probabilities of :data:`LABELS` for RGB crops ``[n, 112, 112, 3]``."""
        crops = np.asarray(crops)
        if crops.ndim != 4 or crops.shape[1:] != (INPUT_SIZE, INPUT_SIZE, 3):
            raise ValueError(f"crops must be [n, {INPUT_SIZE}, {INPUT_SIZE}, 3], got {crops.shape}")
        if not len(crops):
            return np.zeros((0, len(LABELS)), np.float32)
        sess = self._store.session(self._spec)
        bs = max(1, self.settings.batch_size)
        out = [sess.run([OUTPUT_NAME], {INPUT_NAME: np.ascontiguousarray(crops[i:i + bs], dtype=np.float32)})[0]
               for i in range(0, len(crops), bs)]
        return np.asarray(np.concatenate(out), dtype=np.float32)

    def analyze(self, image: NDArray[np.uint8], boxes: Sequence[Box]) -> list[NDArray[np.float32] | None]:
        """Per box of the RGB image its probabilities, or None where the box shows too little of the image."""
        crops = [crop_square(image, b) for b in boxes]
        ok = [i for i, c in enumerate(crops) if c is not None]
        out: list[NDArray[np.float32] | None] = [None] * len(boxes)
        if ok:
            probs = self.probabilities(np.stack([c for c in crops if c is not None]))
            for j, i in enumerate(ok):
                out[i] = probs[j]
        return out


def happiness(probs: bytes | None) -> float:
    """P(happy) of probabilities stored as little-endian float32 bytes; NaN when there are none."""
    if not probs:
        return math.nan
    p = np.frombuffer(probs, dtype="<f4")
    return float(p[HAPPY]) if p.size == len(LABELS) else math.nan
