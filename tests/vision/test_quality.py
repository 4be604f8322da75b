# SPDX-License-Identifier: MIT
"""Picture quality of a face: sharpness falls with blur, frontality with a turned head."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from organizer.core.types import Box
from organizer.core.types import Detection
from organizer.media.decode import decode
from organizer.media.decode import read_bytes
from organizer.vision.quality import frontality
from organizer.vision.quality import sharpness


def _det(landmarks=((40, 50), (80, 50), (60, 70), (45, 90), (75, 90)), box: Box | None = None) -> Detection:
    return Detection(box or Box(20, 20, 80, 100), 0.99, tuple((float(x), float(y)) for x, y in landmarks))


def test_frontality_from_the_landmarks() -> None:
    assert frontality(_det()) == 1.0
    # the nose under one eye: a profile
    assert frontality(_det(((40, 50), (80, 50), (80, 70), (45, 90), (75, 90)))) == 0.0
    # half-way there, and the same for a tilted head (the offset is measured along the eye line)
    half = frontality(_det(((40, 50), (80, 50), (70, 70), (45, 90), (75, 90))))
    assert abs(half - 0.5) < 1e-9
    c, s = np.cos(0.5), np.sin(0.5)
    tilted = [(c * x - s * y, s * x + c * y) for x, y in ((40, 50), (80, 50), (70, 70), (45, 90), (75, 90))]
    assert abs(frontality(_det(tilted)) - 0.5) < 1e-9
    assert frontality(Detection(Box(0, 0, 10, 10), 0.9, ())) is None


def test_sharpness_falls_with_blur_on_a_real_face(analyzer, faces_dir: Path) -> None:
    image = decode(read_bytes(faces_dir / "_unlabelled" / "immich_portrait.jpg"), min_side=1600)
    det = max(analyzer.detect(image), key=lambda d: d.box.w * d.box.h)
    sharp = sharpness(image.pixels, det)
    blurred = sharpness(cv2.GaussianBlur(image.pixels, (0, 0), det.box.w / 40), det)
    assert sharp is not None and blurred is not None and blurred < sharp / 3, (sharp, blurred)
    assert frontality(det) > 0.6  # a portrait looking into the camera
    # a box (almost) outside the image has no sharpness, not a crash
    assert sharpness(image.pixels, _det(box=Box(image.width - 2, 0, 50, 50))) is None


def test_the_analyzer_measures_every_face(analyzer, faces_dir: Path) -> None:
    faces = analyzer.analyze_file(faces_dir / "_groups" / "deepface_couple.jpg").faces
    assert faces and all(f.attributes.sharpness and f.attributes.sharpness > 0 for f in faces)
    assert all(0.0 <= f.attributes.frontal <= 1.0 for f in faces)
