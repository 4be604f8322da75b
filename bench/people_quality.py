# SPDX-License-Identifier: MIT
"""BCubed P/R/F of persons exactly as a user gets them: score an ``organizer people --json`` document.

    organizer index --db /tmp/dev.sqlite --min-days 0 ../shared/data/faces
    organizer people --db /tmp/dev.sqlite --json > /tmp/dev.json
    python bench/people_quality.py /tmp/dev.json [FACES_ROOT]

Each photo of an identity folder contributes its largest face, labelled by the folder; unsorted faces are
singletons; faces of the ``_…`` folders (groups, UTKFace, unlabelled) are clustered but not scored.
"""
import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import numpy as np

from devtools.metrics import bcubed

doc = json.loads(Path(sys.argv[1]).read_text())
default_root = Path(__file__).resolve().parents[2] / "shared" / "data" / "faces"
root = os.path.abspath(sys.argv[2] if len(sys.argv) > 2 else default_root)
faces = []  # (media, area, pred)
for p in doc["persons"]:
    for f in p["faces"]:
        faces.append((f["media"], f["box"][2] * f["box"][3], ("p", p["id"])))
for k, f in enumerate(doc["unassigned"]):
    faces.append((f["media"], f["box"][2] * f["box"][3], ("u", k)))
best = {}
for m, a, pr in faces:
    rel = os.path.relpath(m, root)
    top = rel.split(os.sep)[0]
    if top.startswith("_") or os.sep not in rel:
        continue
    if m not in best or a > best[m][0]:
        best[m] = (a, pr, top)
labels = [v[2] for v in best.values()]
preds = [v[1] for v in best.values()]
lab_ids = {lab: i for i, lab in enumerate(sorted(set(labels)))}
pred_ids = {p: i for i, p in enumerate(sorted(set(preds), key=str))}
y = np.array([lab_ids[lab] for lab in labels])
c = np.array([pred_ids[p] for p in preds])
p_, r_, f_ = bcubed(y, c)
print(f"{len(y)} scored faces: BCubed P {p_:.3f} R {r_:.3f} F {f_:.3f}")
