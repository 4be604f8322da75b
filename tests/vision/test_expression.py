# SPDX-License-Identifier: MIT
"""The expression network (models/faceapi_expression.onnx): registered, outside the analysis id, and right on
faces looked at by eye.

The faces were chosen by looking at them on the contact sheet of ``bench/expression.py --sheet`` (a broad smile
with teeth; a closed, relaxed mouth), not by the network's output.
"""

from __future__ import annotations

import dataclasses
import hashlib
from pathlib import Path

import numpy as np
import pytest

from organizer.core.types import Box
from organizer.vision import engine as vision_engine
from organizer.vision.analyzer import AnalyzerSettings
from organizer.vision.expression import HAPPY
from organizer.vision.expression import INPUT_SIZE
from organizer.vision.expression import LABELS
from organizer.vision.expression import crop_square
from organizer.vision.expression import happiness
from organizer.vision.expression import label_of
from organizer.vision.models import ALL_MODELS
from organizer.vision.models import ANALYSIS_MODELS
from organizer.vision.models import FACEAPI_EXPRESSION
from organizer.vision.models import default_models_dir

MODELS = default_models_dir()
#: Broad smiles, teeth showing (bench/expression.py's sheet: faces 1, 37 and 43).
SMILING = ("keanu_reeves/glint_5643.png", "bbt_raj/faceapi_raj5.png", "boris_jordan/lfw_Boris_Jordan_0001.jpg")
#: Relaxed, closed mouths looking into the camera (faces 3 and 46).
NEUTRAL = ("drew_barrymore/glint_864.png", "jacques_rogge/lfw_Jacques_Rogge_0006.jpg")


def test_model_file_is_registered_and_outside_the_analysis_id() -> None:
    sums = dict(line.split()[::-1] for line in (MODELS / "SHA256SUMS").read_text().splitlines() if line.strip())
    digest = hashlib.sha256((MODELS / FACEAPI_EXPRESSION.filename).read_bytes()).hexdigest()
    assert digest == FACEAPI_EXPRESSION.sha256 == sums[FACEAPI_EXPRESSION.filename]
    assert FACEAPI_EXPRESSION.sha256 in (MODELS / "MODELS.md").read_text()
    assert FACEAPI_EXPRESSION in ALL_MODELS and FACEAPI_EXPRESSION not in ANALYSIS_MODELS
    # adding (or replacing) the expression network re-analyzes no library: the analysis id leaves it out
    settings = AnalyzerSettings()
    assert vision_engine.current_analysis_id() == vision_engine.analysis_id(settings, ANALYSIS_MODELS)
    assert vision_engine.current_analysis_id() != vision_engine.analysis_id(settings, ALL_MODELS)
    assert "expression" not in {f.name for f in dataclasses.fields(AnalyzerSettings)}


def _largest_face_probs(analyzer, path: Path) -> np.ndarray:
    faces = analyzer.analyze_file(path).faces
    assert faces, path
    face = max(faces, key=lambda f: f.detection.box.w * f.detection.box.h)
    assert face.attributes.expression is not None
    return face.attributes.expression


def test_smiling_faces_are_happy_and_relaxed_ones_are_not(analyzer, faces_dir: Path) -> None:
    for rel in SMILING + NEUTRAL:
        p = _largest_face_probs(analyzer, faces_dir / rel)
        assert p.shape == (len(LABELS),) and p.dtype == np.float32
        assert abs(float(p.sum()) - 1.0) < 1e-5 and np.all(p >= 0), rel
        if rel in SMILING:
            assert label_of(p) == "happy" and p[HAPPY] > 0.9, (rel, p)
        else:
            assert label_of(p) == "neutral" and p[HAPPY] < 0.1, (rel, p)
        assert happiness(np.asarray(p, "<f4").tobytes()) == pytest.approx(float(p[HAPPY]))


def test_every_face_of_a_group_photo_and_every_drawn_box_gets_an_expression(analyzer, faces_dir: Path) -> None:
    image = analyzer.load(faces_dir / "_groups" / "faceapi_bbt1.jpg")
    faces = analyzer.analyze_image(image)
    assert len(faces) >= 3
    for f in faces:
        p = f.attributes.expression
        assert p is not None and p.shape == (len(LABELS),) and abs(float(p.sum()) - 1.0) < 1e-5
    # the user's boxes (drawn faces) go through the same networks
    drawn = analyzer.analyze_boxes(image, [f.detection.box for f in faces[:2]])
    for d, f in zip(drawn, faces[:2], strict=True):
        assert d.attributes.expression is not None
        np.testing.assert_allclose(d.attributes.expression, f.attributes.expression, atol=1e-4)


def test_crop_is_a_square_around_the_box_black_beyond_the_image() -> None:
    image = np.full((100, 200, 3), 200, np.uint8)
    crop = crop_square(image, Box(150, -20, 80, 40))  # a wide box over the top right corner: an 80 px square
    assert crop is not None and crop.shape == (INPUT_SIZE, INPUT_SIZE, 3)
    # the square spans x 150..230 and y -40..40: the right ~3/8 and the top half are beyond the image
    assert crop[-1, 0].tolist() == [200, 200, 200] and crop[0, 0].tolist() == [0, 0, 0]
    assert crop[-1, -1].tolist() == [0, 0, 0]
    assert crop_square(image, Box(300, 300, 50, 50)) is None  # nothing of the image in it
    assert crop_square(image, Box(10, 10, 4, 4)) is None  # too small to see an expression
    big = crop_square(np.full((1000, 1000, 3), 90, np.uint8), Box(100, 100, 700, 700))
    assert big is not None and big.shape == (INPUT_SIZE, INPUT_SIZE, 3) and np.all(big == 90)
    assert np.isnan(happiness(None))
