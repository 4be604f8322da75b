# SPDX-License-Identifier: MIT
"""The app's ages at the ends of life on real UTKFace faces: the old are called old and babies babies.

``bench/age_heads.py`` measured read-out heads and a mirrored pass against the app's calibration; none gained
enough to ship (README, figures), so these tests hold the shipped calibration to what a user would check first.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from organizer.core.types import ImageFaces


def _ages(analyzer, manifest, faces_dir: Path, lo: int, hi: int, step: int) -> np.ndarray:
    """The analyzer's age of the largest face of every ``step``-th UTKFace face aged ``lo``..``hi``."""
    rows = [r for r in manifest if r["kind"] == "face_crop_200" and r["age"] and lo <= int(r["age"]) <= hi]
    assert len(rows) >= 10, (lo, hi, len(rows))
    ages = []
    for r in rows[::step]:
        result: ImageFaces = analyzer.analyze_file(faces_dir / r["path"])
        assert result.faces, r["path"]
        ages.append(max(result.faces, key=lambda f: f.detection.box.w * f.detection.box.h).attributes.age)
    return np.array(ages)


def test_old_faces_get_old_ages(analyzer, manifest, faces_dir: Path) -> None:
    ages = _ages(analyzer, manifest, faces_dir, 85, 200, 4)
    assert np.median(ages) > 70, ages
    assert (ages > 60).mean() >= 0.8, ages


def test_babies_get_baby_ages(analyzer, manifest, faces_dir: Path) -> None:
    ages = _ages(analyzer, manifest, faces_dir, 0, 1, 4)
    assert (ages < 6).all(), ages


def test_young_adults_between(analyzer, manifest, faces_dir: Path) -> None:
    ages = _ages(analyzer, manifest, faces_dir, 25, 35, 8)
    assert 22 <= np.median(ages) <= 40, ages
    assert (ages > 12).all() and (ages < 60).all(), ages
