# SPDX-License-Identifier: MIT
"""dlib's face recognition ResNet (models/faceapi_recognition.onnx) and dlib's alignment (organizer.vision.align).

The alignment tests are synthetic; the network tests use the real model on synthetic chips. The app no longer
runs this network (the ArcFace-type one replaced it: tests/vision/test_arcface.py checks that one on real faces);
the benchmarks do, so its contract is kept.
"""

from __future__ import annotations

import hashlib
import math

import numpy as np
import pytest
from identity_checks import check_embeddings

from organizer.core.types import Box
from organizer.core.types import Detection
from organizer.vision import align
from organizer.vision.align import AlignmentError
from organizer.vision.align import align_face
from organizer.vision.dlib_resnet import EMBEDDING_DIM
from organizer.vision.dlib_resnet import FACEAPI_RECOGNITION
from organizer.vision.dlib_resnet import DlibResnetNetwork
from organizer.vision.dlib_resnet import DlibResnetSettings
from organizer.vision.models import ModelStore
from organizer.vision.models import default_models_dir

MODELS = default_models_dir()


# ---------------------------------------------------------------------------------------------------- alignment


def test_template_is_dlibs_mean_shape_at_mtcnns_points() -> None:
    t = align.MTCNN_TEMPLATE
    assert t.shape == (5, 2)
    # eye centres: mean of dlib's six eye-contour points; nose tip = point 30; mouth corners = 48 and 54
    assert np.allclose(t[0], [0.2254918, 0.2159903], atol=1e-6)
    assert np.allclose(t[1], [0.7547613, 0.2159903], atol=1e-6)
    assert np.allclose(t[2:], [[0.490127, 0.515625], [0.254149, 0.780233], [0.726104, 0.780233]])
    # padding 0.25 on a 150 px chip: the face template covers the middle 100 px
    assert np.allclose(align.template_points(150, 0.25), (0.25 + t) / 1.5 * 150)


def test_similarity_transform_recovers_a_known_one() -> None:
    rng = np.random.default_rng(1)
    src = rng.uniform(0, 100, (5, 2))
    a = 2.5 * np.array([[math.cos(0.3), -math.sin(0.3)], [math.sin(0.3), math.cos(0.3)]])
    dst = src @ a.T + [40.0, -7.0]
    m = align.similarity_transform(src, dst)
    assert np.allclose(m[:, :2], a) and np.allclose(m[:, 2], [40.0, -7.0])


def _face_image(scale: float = 2.0, angle: float = 0.0, offset=(60.0, 40.0), size=(400, 420)):
    """A textured image and the five landmarks of a template face placed in it by a known similarity."""
    rng = np.random.default_rng(0)
    img = rng.integers(0, 256, (size[0] // 8, size[1] // 8, 3), dtype=np.uint8)
    img = np.kron(img, np.ones((8, 8, 1), np.uint8))
    c, s = math.cos(angle), math.sin(angle)
    a = scale * np.array([[c, -s], [s, c]])
    pts = align.template_points() @ a.T + offset
    return img, pts, a


def test_chip_of_a_template_face_is_the_similarity_it_was_placed_by() -> None:
    img, pts, a = _face_image(scale=1.0, angle=0.2)
    chip = align_face(img, pts)
    assert chip.issue is None
    assert chip.pixels.shape == (150, 150, 3) and chip.pixels.dtype == np.uint8
    assert math.isclose(chip.scale, 1.0, rel_tol=1e-9)
    # dlib's sampling: chip pixels 0 .. 149 span 150 * scale image pixels around the chip centre
    assert np.allclose(chip.matrix[:, :2], a * 150 / 149)
    centre = chip.matrix @ np.array([74.5, 74.5, 1.0])
    assert np.allclose(centre, a @ [75.0, 75.0] + [60.0, 40.0])


def test_large_faces_are_sampled_through_a_pyramid_not_aliased() -> None:
    img, pts, _ = _face_image(scale=6.0, offset=(10.0, 10.0), size=(1000, 1000))
    chip = align_face(img, pts)
    assert math.isclose(chip.scale, 6.0, rel_tol=1e-9) and chip.issue is None
    # 8 px random blocks seen at 1/6: the pyramid averages them, so the chip is smoother than point samples
    direct = align.cv2.warpAffine(img, chip.matrix, (150, 150), flags=align.cv2.INTER_LINEAR
                                  | align.cv2.WARP_INVERSE_MAP)
    assert chip.pixels.astype(float).std() < direct.astype(float).std()


def test_bad_landmarks_fall_back_to_the_box_with_a_reason() -> None:
    img, _, _ = _face_image()
    box = (60.0, 40.0, 200.0, 220.0)
    for bad in (np.full((5, 2), np.nan), np.zeros((5, 2)), np.zeros((3, 2))):
        chip = align_face(img, bad, box)
        assert chip.pixels.shape == (150, 150, 3)
        assert chip.issue and "box" in chip.issue
    chip = align_face(img, None, box)
    assert chip.issue and "box" in chip.issue
    with pytest.raises(AlignmentError):
        align_face(img, np.full((5, 2), np.nan))
    with pytest.raises(AlignmentError):
        align_face(img, None, (0.0, 0.0, 0.0, 0.0))
    with pytest.raises(AlignmentError):
        align_face(img, None, None)


def test_small_turned_and_outside_faces_are_flagged_but_still_get_a_chip() -> None:
    img, pts, _ = _face_image(scale=0.1)
    assert "small face" in (align_face(img, pts).issue or "")
    img, pts, _ = _face_image(offset=(-150.0, -120.0))
    chip = align_face(img, pts)
    assert "outside the image" in (chip.issue or "") and chip.pixels[0, 0].sum() == 0  # black outside
    turned = pts.copy()
    turned[2, 0] = turned[1, 0] + 5  # nose beyond the right eye: a profile
    assert "turned face" in (align_face(img, turned).issue or "")
    far = _face_image(offset=(5000.0, 5000.0))[1]
    assert np.all(align_face(img, far).pixels == 0)


# ---------------------------------------------------------------------------------------------------- network


@pytest.fixture(scope="module")
def network() -> DlibResnetNetwork:
    return DlibResnetNetwork(ModelStore())


def test_model_file_is_the_converted_one() -> None:
    data = (MODELS / FACEAPI_RECOGNITION.filename).read_bytes()
    assert hashlib.sha256(data).hexdigest() == FACEAPI_RECOGNITION.sha256
    sums = dict(line.split()[::-1] for line in (MODELS / "SHA256SUMS").read_text().splitlines() if line.strip())
    assert sums[FACEAPI_RECOGNITION.filename] == FACEAPI_RECOGNITION.sha256
    assert FACEAPI_RECOGNITION.sha256 in (MODELS / "MODELS.md").read_text()


def test_embeddings_are_unit_deterministic_and_batch_independent(network: DlibResnetNetwork) -> None:
    chips = np.random.default_rng(0).integers(0, 256, (11, 150, 150, 3), dtype=np.uint8)
    check_embeddings(network, chips, EMBEDDING_DIM)


def test_bad_detections_get_an_embedding_or_a_reason(network: DlibResnetNetwork) -> None:
    img, pts, _ = _face_image()
    dets = [
        Detection(Box(60, 40, 200, 220), 0.99, tuple(map(tuple, pts))),
        Detection(Box(60, 40, 200, 220), 0.99, tuple((math.nan, math.nan) for _ in range(5))),
        Detection(Box(0, 0, 0, 0), 0.5, tuple((math.nan, math.nan) for _ in range(5))),
        Detection(Box(390, 380, 3, 3), 0.5, tuple((391.0 + i * 0.3, 381.0) for i in range(5))),
        Detection(Box(-500, -500, 50, 50), 0.5, tuple((-480.0 + 10 * i, -480.0 + 5 * i) for i in range(5))),
    ]
    out = network.embed(img, dets)
    assert out.embeddings.shape == (5, EMBEDDING_DIM)
    assert out.usable.tolist() == [True, True, False, True, True]
    assert out.issues[0] is None and "box" in (out.issues[1] or "") and "no embedding" in (out.issues[2] or "")
    assert out.issues[3] and out.issues[4]
    assert np.all(out.embeddings[2] == 0)
    assert np.allclose(np.linalg.norm(out.embeddings[out.usable], axis=1), 1.0, atol=1e-5)
    empty = network.embed(img, [])
    assert empty.embeddings.shape == (0, EMBEDDING_DIM) and empty.issues == ()


def test_flip_averaging_is_an_option(network: DlibResnetNetwork) -> None:
    chips = np.random.default_rng(2).integers(0, 256, (3, 150, 150, 3), dtype=np.uint8)
    flipped = DlibResnetNetwork(ModelStore(), DlibResnetSettings(flip=True))
    a, b = network.embed_chips(chips), flipped.embed_chips(chips)
    assert not np.allclose(a, b) and np.allclose(np.linalg.norm(b, axis=1), 1.0, atol=1e-5)
    assert np.allclose(flipped.embed_chips(chips[:, :, ::-1]), b, atol=1e-5)  # symmetric by construction
