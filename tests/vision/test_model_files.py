# SPDX-License-Identifier: MIT
"""Model files: verified on load, with errors that name the file."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import numpy as np
import pytest

from organizer.core.errors import ModelError
from organizer.vision.models import ALL_MODELS
from organizer.vision.models import FACERES
from organizer.vision.models import ModelStore
from organizer.vision.models import default_models_dir
from organizer.vision.models import read_verified

MODELS = default_models_dir()


def test_pinned_sha256_match_the_files_and_the_manifest() -> None:
    sums = dict(line.split()[::-1] for line in (MODELS / "SHA256SUMS").read_text().splitlines() if line.strip())
    for spec in ALL_MODELS:
        digest = hashlib.sha256((MODELS / spec.filename).read_bytes()).hexdigest()
        assert digest == spec.sha256 == sums[spec.filename], spec.filename
        assert spec.sha256 in (MODELS / "MODELS.md").read_text(), f"{spec.filename} sha256 missing from MODELS.md"


def test_missing_model_is_named(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match=r"missing: .*faceres\.onnx"):
        read_verified(FACERES, tmp_path)


def test_corrupt_model_is_named(tmp_path: Path) -> None:
    for spec in ALL_MODELS:
        shutil.copy(MODELS / spec.filename, tmp_path / spec.filename)
    data = bytearray((tmp_path / FACERES.filename).read_bytes())
    data[len(data) // 2] ^= 0xFF
    (tmp_path / FACERES.filename).write_bytes(bytes(data))
    store = ModelStore(tmp_path)
    with pytest.raises(ModelError, match=r"corrupt .*faceres\.onnx"):
        store.verify_all()
    with pytest.raises(ModelError, match=r"faceres\.onnx"):
        store.session(FACERES)


def test_network_outputs_have_the_documented_shapes() -> None:
    sess = ModelStore().session(FACERES)
    x = np.random.default_rng(0).normal(0, 40, (3, 224, 224, 3)).astype(np.float32)
    feats, p_male, ages = sess.run(["features", "p_male", "age_probs"], {"input": x})
    assert feats.shape == (3, 1024) and p_male.shape == (3, 1) and ages.shape == (3, 100)
    assert np.all(feats >= 0)  # the features come out of a ReLU
    assert np.allclose(ages.sum(axis=1), 1.0, atol=1e-4)
    assert np.all((p_male >= 0) & (p_male <= 1))
