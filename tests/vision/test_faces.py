# SPDX-License-Identifier: MIT
"""The real models on real faces from ../shared/data/faces (skipped when the data is absent).

These are floors on small subsets, to catch a broken pipeline; the targets on the whole developer set are
measured by ``bench/vision_quality.py``.
"""

from __future__ import annotations

import collections
from pathlib import Path

import numpy as np
import pytest

from organizer.core.types import ImageFaces


def _largest(r: ImageFaces):
    assert r.error is None, r.error
    return max(r.faces, key=lambda f: f.detection.box.w * f.detection.box.h) if r.faces else None


def _roc_auc(pos: np.ndarray, neg: np.ndarray) -> float:
    """Probability that a same-person pair is more similar than a different-person pair (Mann-Whitney)."""
    scores = np.concatenate([pos, neg])
    ranks = scores.argsort().argsort() + 1.0
    return float((ranks[: len(pos)].sum() - len(pos) * (len(pos) + 1) / 2) / (len(pos) * len(neg)))


@pytest.fixture(scope="module")
def identity_faces(analyzer, manifest, faces_dir: Path):
    """Largest face of each image of the first 40 identities that have 3+ images (≤ 5 images each)."""
    by_id = collections.defaultdict(list)
    for row in manifest:
        if row["identity"] and not row["path"].startswith("_"):
            by_id[row["identity"]].append(row["path"])
    chosen = sorted(i for i, paths in by_id.items() if len(paths) >= 3)[:40]
    out = []
    for ident in chosen:
        for rel in sorted(by_id[ident])[:5]:
            out.append((ident, rel, _largest(analyzer.analyze_file(faces_dir / rel))))
    return out


def test_a_face_is_found_in_single_person_photos(identity_faces) -> None:
    missed = [rel for _, rel, face in identity_faces if face is None]
    assert len(missed) <= len(identity_faces) * 0.02, missed


def test_same_identity_is_closer_than_different_identities(identity_faces) -> None:
    labels = np.array([i for i, _, f in identity_faces if f is not None])
    emb = np.stack([f.attributes.embedding for _, _, f in identity_faces if f is not None])
    assert np.allclose(np.linalg.norm(emb, axis=1), 1.0, atol=1e-4)
    sim = emb @ emb.T
    iu = np.triu_indices(len(labels), 1)
    same = labels[iu[0]] == labels[iu[1]]
    auc = _roc_auc(sim[iu][same], sim[iu][~same])
    assert auc >= 0.96, auc


def test_the_second_network_embeds_every_face_and_the_fusion_separates_better(identity_faces) -> None:
    from organizer.cluster import ClusterParams
    from organizer.cluster import identity_space

    faces = [(i, f) for i, _, f in identity_faces if f is not None]
    assert all(f.attributes.second_embedding is not None for _, f in faces)  # frontal portraits: all aligned
    labels = np.array([i for i, _ in faces])
    faceres = np.stack([f.attributes.embedding for _, f in faces])
    second = np.stack([f.attributes.second_embedding for _, f in faces])
    assert second.shape[1] == 512 and np.allclose(np.linalg.norm(second, axis=1), 1.0, atol=1e-4)
    ages = np.array([f.attributes.age for _, f in faces])
    fused, params = identity_space(faceres, second, np.ones(len(faces), bool), ages, ClusterParams())
    assert fused.shape == (len(faces), 256 + 256) and not params.centre  # each part on its principal axes
    alone, _ = identity_space(faceres, second, np.zeros(len(faces), bool), ages, ClusterParams())
    iu = np.triu_indices(len(labels), 1)
    same = labels[iu[0]] == labels[iu[1]]

    def auc(x: np.ndarray) -> float:
        sim = (x @ x.T)[iu]
        return _roc_auc(sim[same], sim[~same])

    assert auc(fused) >= 0.985 and auc(fused) > auc(alone), (auc(fused), auc(alone))


def test_group_photos_have_several_faces(analyzer, faces_dir: Path) -> None:
    counts = {p.name: len(analyzer.analyze_file(p).faces) for p in sorted((faces_dir / "_groups").glob("*.jpg"))}
    assert counts, "no group photos"
    assert all(n >= 2 for n in counts.values()), counts
    assert counts.get("human_solvay1927.jpg", 29) >= 20, counts


def test_age_and_gender_on_utkface(analyzer, manifest, faces_dir: Path) -> None:
    rows = [r for r in manifest if r["kind"] == "face_crop_200"][::4]
    errors, correct, found = [], 0, 0
    for r in rows:
        face = _largest(analyzer.analyze_file(faces_dir / r["path"]))
        if face is None:
            continue
        found += 1
        errors.append(abs(face.attributes.age - float(r["age"])))
        correct += (face.attributes.p_male >= 0.5) == (r["gender"] == "M")
    assert found >= 0.97 * len(rows)
    assert np.mean(errors) <= 8.5, np.mean(errors)
    assert correct / found >= 0.85, correct / found


def test_output_is_deterministic(analyzer, faces_dir: Path) -> None:
    path = faces_dir / "_groups" / "deepface_couple.jpg"
    a, b = analyzer.analyze_file(path), analyzer.analyze_file(path)
    assert len(a.faces) == len(b.faces) > 0
    for fa, fb in zip(a.faces, b.faces, strict=True):
        assert fa.detection.box == fb.detection.box
        assert np.array_equal(fa.attributes.embedding, fb.attributes.embedding)
        assert fa.attributes.age == fb.attributes.age


def test_exif_rotated_photo_gives_upright_boxes(analyzer, faces_dir: Path) -> None:
    plain = analyzer.analyze_file(faces_dir / "_unlabelled" / "immich_portrait.jpg")
    rotated = analyzer.analyze_file(faces_dir / "_unlabelled" / "immich_portrait-orientation-6.jpg")
    assert (plain.width, plain.height) == (rotated.width, rotated.height)
    assert len(plain.faces) == len(rotated.faces) >= 1
    pa, ra = _largest(plain).detection.box, _largest(rotated).detection.box
    assert abs(pa.x - ra.x) < 0.05 * plain.width and abs(pa.y - ra.y) < 0.05 * plain.height
