# SPDX-License-Identifier: MIT
"""The second identity network (models/faceplugin_recognition.onnx) and its ArcFace alignment.

The geometry tests are synthetic; the network tests use the real model, and real faces from ../shared/data/faces
(skipped when the data is absent). Floors on small subsets, to catch a broken pipeline (a wrong channel order,
template or normalisation drops the ROC-AUC below 0.9); the figures on the whole developer set come from
``bench/identity_fusion.py``.
"""

from __future__ import annotations

import collections
import math
from pathlib import Path

import numpy as np
import pytest
from identity_checks import check_embeddings

from organizer.core.types import Box
from organizer.core.types import Detection
from organizer.vision import align
from organizer.vision.align import ARCFACE_GEOMETRY
from organizer.vision.align import align_face
from organizer.vision.arcface import EMBEDDING_DIM
from organizer.vision.arcface import ArcFaceNetwork
from organizer.vision.arcface import ArcFaceSettings
from organizer.vision.arcface import prepare
from organizer.vision.models import ALL_MODELS
from organizer.vision.models import ANALYSIS_MODELS
from organizer.vision.models import FACEPLUGIN_RECOGNITION
from organizer.vision.models import ModelStore
from organizer.vision.models import default_models_dir

MODELS = default_models_dir()


def _arcface_face(scale: float = 1.5, angle: float = 0.0, offset=(50.0, 30.0)):
    rng = np.random.default_rng(3)
    img = np.kron(rng.integers(0, 256, (40, 40, 3), dtype=np.uint8), np.ones((8, 8, 1), np.uint8))
    c, s = math.cos(angle), math.sin(angle)
    a = scale * np.array([[c, -s], [s, c]])
    return img, align.ARCFACE_POINTS @ a.T + offset, a


def test_the_arcface_chip_maps_its_template_points_onto_the_landmarks() -> None:
    img, pts, a = _arcface_face(angle=0.3)
    chip = align_face(img, pts, geometry=ARCFACE_GEOMETRY)
    assert chip.issue is None and chip.pixels.shape == (112, 112, 3)
    # plain warpAffine sampling: chip pixel (u, v) is the image point the similarity maps it to
    assert np.allclose(chip.matrix[:, :2], a) and math.isclose(chip.scale, 1.5, rel_tol=1e-9)
    mapped = np.c_[align.ARCFACE_POINTS, np.ones(5)] @ chip.matrix.T
    assert np.allclose(mapped, pts)


def test_a_face_without_landmarks_is_cut_from_its_box_where_its_landmarks_would_put_it() -> None:
    img, pts, a = _arcface_face()
    bx, by, bw, bh = ARCFACE_GEOMETRY.box
    corner = np.array([bx, by]) @ a.T + (50.0, 30.0)
    box = (corner[0], corner[1], bw * 1.5, bh * 1.5)  # the box the template predicts for this face
    by_box = align_face(img, None, box, geometry=ARCFACE_GEOMETRY)
    assert by_box.issue and "box" in by_box.issue
    assert np.allclose(by_box.matrix, align_face(img, pts, geometry=ARCFACE_GEOMETRY).matrix, atol=1e-6)


def test_input_is_bgr_nchw_centred_on_127() -> None:
    chips = np.zeros((2, 112, 112, 3), np.uint8)
    chips[..., 0] = 255  # red
    x = prepare(chips)
    assert x.shape == (2, 3, 112, 112) and x.dtype == np.float32 and x.flags.c_contiguous
    assert np.allclose(x[:, 2], 1.0) and np.allclose(x[:, :2], -127.0 / 128.0)  # red is the last channel


# ---------------------------------------------------------------------------------------------------- network


@pytest.fixture(scope="module")
def network() -> ArcFaceNetwork:
    return ArcFaceNetwork(ModelStore())


def test_model_file_is_the_apps_second_network_with_its_licence() -> None:
    # its sha256 against SHA256SUMS and MODELS.md: tests/vision/test_model_files.py, as for every bundled model
    assert FACEPLUGIN_RECOGNITION in ALL_MODELS and FACEPLUGIN_RECOGNITION in ANALYSIS_MODELS
    assert (MODELS / "faceplugin_recognition.LICENSE.txt").read_text().count("MIT License") == 1


def test_embeddings_are_unit_deterministic_and_batch_independent(network: ArcFaceNetwork) -> None:
    chips = np.random.default_rng(0).integers(0, 256, (11, 112, 112, 3), dtype=np.uint8)
    check_embeddings(network, chips, EMBEDDING_DIM)
    flipped = ArcFaceNetwork(ModelStore(), ArcFaceSettings(flip=True))
    assert np.allclose(flipped.embed_chips(chips[:, :, ::-1]), flipped.embed_chips(chips), atol=1e-5)


def test_bad_detections_get_an_embedding_or_a_reason(network: ArcFaceNetwork) -> None:
    img, pts, _ = _arcface_face()
    dets = [
        Detection(Box(60, 40, 150, 170), 0.99, tuple(map(tuple, pts))),
        Detection(Box(60, 40, 150, 170), 0.99, tuple((math.nan, math.nan) for _ in range(5))),
        Detection(Box(0, 0, 0, 0), 0.5, tuple((math.nan, math.nan) for _ in range(5))),
    ]
    out = network.embed(img, dets)
    assert out.embeddings.shape == (3, EMBEDDING_DIM) and out.usable.tolist() == [True, True, False]
    assert out.issues[0] is None and "box" in (out.issues[1] or "") and "no embedding" in (out.issues[2] or "")
    assert np.all(out.embeddings[2] == 0)


def _roc_auc(pos: np.ndarray, neg: np.ndarray) -> float:
    scores = np.concatenate([pos, neg])
    ranks = scores.argsort().argsort() + 1.0
    return float((ranks[: len(pos)].sum() - len(pos) * (len(pos) + 1) / 2) / (len(pos) * len(neg)))


@pytest.fixture(scope="module")
def identity_embeddings(analyzer, manifest, faces_dir: Path, network: ArcFaceNetwork):
    """Largest face of each image of the first 30 identities with 3+ images (<= 4 images each)."""
    by_id = collections.defaultdict(list)
    for row in manifest:
        if row["identity"] and not row["path"].startswith("_"):
            by_id[row["identity"]].append(row["path"])
    chosen = sorted(i for i, paths in by_id.items() if len(paths) >= 3)[:30]
    labels, embs = [], []
    for ident in chosen:
        for rel in sorted(by_id[ident])[:4]:
            image = analyzer.load(faces_dir / rel)
            dets = analyzer.detect(image)
            if not dets:
                continue
            out = network.embed(image.pixels, [max(dets, key=lambda d: d.box.w * d.box.h)])
            assert out.usable[0], out.issues
            labels.append(ident)
            embs.append(out.embeddings[0])
    return np.array(labels), np.stack(embs)


def test_same_identity_is_closer_than_different_identities(identity_embeddings) -> None:
    labels, emb = identity_embeddings
    assert len(labels) >= 90
    sim = emb @ emb.T
    iu = np.triu_indices(len(labels), 1)
    same = labels[iu[0]] == labels[iu[1]]
    auc = _roc_auc(sim[iu][same], sim[iu][~same])
    assert auc >= 0.99, auc  # 0.998 on the whole developer set (faceres: 0.990)
