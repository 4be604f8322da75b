# SPDX-License-Identifier: MIT
"""organizer.cluster on real faces (the developer set; skipped when absent): a floor on a small subset.

The targets on the whole set are measured by ``bench/cluster_quality.py``.
"""

from __future__ import annotations

import collections

import numpy as np
import pytest

from devtools.metrics import bcubed
from organizer.cluster import ClusterInput
from organizer.cluster import ClusterParams
from organizer.cluster import cluster_faces

N_IDENTITIES = 14
PER_IDENTITY = 5
N_SINGLES = 10


@pytest.mark.slow
def test_real_faces_cluster_by_identity(faces_dir, manifest, analyzer):
    by_id: dict[str, list[str]] = collections.defaultdict(list)
    for row in manifest:
        if row["identity"] and not row["path"].startswith("_"):
            by_id[row["identity"]].append(row["path"])
    multi = sorted(i for i, p in by_id.items() if len(p) >= PER_IDENTITY)
    singles = sorted(i for i, p in by_id.items() if len(p) == 1)
    # spread over the alphabet (different sources), deterministic
    chosen = [multi[k] for k in np.linspace(0, len(multi) - 1, N_IDENTITIES).astype(int)]
    chosen_singles = [singles[k] for k in np.linspace(0, len(singles) - 1, N_SINGLES).astype(int)]
    paths = [(i, p) for i in chosen for p in sorted(by_id[i])[:PER_IDENTITY]]
    paths += [(i, by_id[i][0]) for i in chosen_singles]
    emb, pm, ages, truth = [], [], [], []
    for ident, rel in paths:
        r = analyzer.analyze_file(faces_dir / rel)
        assert r.error is None, r.error
        if not r.faces:
            continue
        f = max(r.faces, key=lambda f: f.detection.box.w * f.detection.box.h)
        emb.append(f.attributes.embedding)
        pm.append(f.attributes.p_male)
        ages.append(f.attributes.age)
        truth.append(ident)
    assert len(emb) >= 0.9 * len(paths)
    inp = ClusterInput(np.stack(emb), birth_years=2025 - np.array(ages), p_male=pm)
    res = cluster_faces(inp, ClusterParams(current_year=2025, min_span_days=0.0))
    p, r, f = bcubed(np.array(truth), res.labels)
    assert f >= 0.85, (p, r, f)
    assert p >= 0.9, (p, r, f)
    # clustering everything into one person must fail the floor (the test can fail)
    assert bcubed(np.array(truth), np.zeros(len(truth)))[2] < 0.85
