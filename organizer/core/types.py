# SPDX-License-Identifier: MIT
"""Frozen data classes that cross layer boundaries."""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field

import numpy as np
from numpy.typing import NDArray


@dataclass(frozen=True, slots=True)
class Box:
    """An axis-aligned box in pixels of the upright image: top-left corner, width and height."""

    x: float
    y: float
    w: float
    h: float

    def as_list(self) -> list[float]:
        return [self.x, self.y, self.w, self.h]


@dataclass(frozen=True, slots=True)
class Detection:
    """One face found by the detector."""

    box: Box
    score: float
    #: Five landmarks (left eye, right eye, nose, left mouth corner, right mouth corner) as ``[[x, y], ...]``.
    landmarks: tuple[tuple[float, float], ...]


@dataclass(frozen=True, slots=True)
class FaceAttributes:
    """What the networks say about one face: the multi-output network's identity, gender and age, and the
    second identity network's embedding."""

    #: L2-normalised identity embedding (float32).
    embedding: NDArray[np.float32] = field(repr=False)
    #: Probability that the face is male.
    p_male: float
    #: Estimated age in years (eq. 3 of Savchenko 2019, optionally calibrated).
    age: float
    #: Posterior over ages 1..100 (float32, sums to 1).
    age_probs: NDArray[np.float32] = field(repr=False)
    #: The second identity network's L2-normalised embedding (the ArcFace-type network, 512-D); None where the
    #: face could not be aligned, or the engine has no second network.
    second_embedding: NDArray[np.float32] | None = field(default=None, repr=False)
    #: How good a picture of the face this is (:mod:`organizer.vision.quality`): variance of the Laplacian of
    #: the face at 64x64 pixels, and 1 (frontal) .. 0 (profile); None where not measured.
    sharpness: float | None = None
    frontal: float | None = None
    #: The expression network's probabilities of its seven classes (float32, sums to 1; the classes are
    #: ``organizer.vision.expression.LABELS``); None where not measured.
    expression: NDArray[np.float32] | None = field(default=None, repr=False)


@dataclass(frozen=True, slots=True)
class Face:
    """A detected face together with its attributes."""

    detection: Detection
    attributes: FaceAttributes


@dataclass(frozen=True, slots=True)
class ImageFaces:
    """The result of analyzing one image file."""

    path: str
    width: int
    height: int
    faces: tuple[Face, ...] = ()
    error: str | None = None
