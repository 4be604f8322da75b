# SPDX-License-Identifier: MIT
"""BCubed P/R/F of persons exactly as a user gets them: score an ``organizer people --json`` document.

    organizer index --db /tmp/dev.sqlite --min-days 0 ../shared/data/faces
    organizer people --db /tmp/dev.sqlite --json > /tmp/dev.json
    python bench/people_quality.py /tmp/dev.json [FACES_ROOT] [--half 1]

Each photo of an identity folder contributes its largest face, labelled by the folder; unsorted faces are
singletons; faces of the ``_…`` folders (groups, UTKFace, unlabelled) are clustered but not scored. A second
line, "all scored", also scores the largest face of each ``_age_gender`` and ``_unlabelled`` photo as a person
of its own (faces of unknown people absorbed into a person then cost precision, as single-photo identities of
an independent set do). ``--half H`` scores only the identities (and unknown people's photos) of that half
of bench/identity_fusion.py's split, the half its parameters were not tuned on being the honest figure.
"""
import argparse
import hashlib
import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import numpy as np

from devtools.metrics import bcubed

ap = argparse.ArgumentParser(description="BCubed of `organizer people --json` on the developer faces")
ap.add_argument("people_json", type=Path)
ap.add_argument("root", nargs="?", default=Path(__file__).resolve().parents[2] / "shared" / "data" / "faces")
ap.add_argument("--half", type=int, choices=(0, 1), default=None,
                help="score one half of bench/identity_fusion.py's split only (by a hash of the identity name)")
ap.add_argument("--errors", action="store_true", help="list the persons whose gender disagrees with the label")
args = ap.parse_args()
doc = json.loads(args.people_json.read_text())
root = os.path.abspath(args.root)


def half_of(key: str) -> int:  # as bench/identity_fusion.py splits the identities
    return hashlib.sha256(key.encode()).digest()[0] & 1


faces = []  # (media, area, pred)
for p in doc["persons"]:
    for f in p["faces"]:
        faces.append((f["media"], f["box"][2] * f["box"][3], ("p", p["id"])))
for k, f in enumerate(doc["unassigned"]):
    faces.append((f["media"], f["box"][2] * f["box"][3], ("u", k)))
DISTRACTORS = ("_age_gender", "_unlabelled")
#: Identity folders whose gender in manifest.csv is wrong (public figures whose gender is not in doubt; found with
#: ``--errors``): the corrected label.
LABEL_ERRORS = {"drew_barrymore": "F", "jackie_chan": "M", "cameron_diaz": "F", "evan_rachel_wood": "F"}


def score(with_distractors: bool) -> tuple[int, float, float, float]:
    best = {}
    for m, a, pr in faces:
        rel = os.path.relpath(m, root)
        top = rel.split(os.sep)[0]
        if os.sep not in rel or (top.startswith("_") and not (with_distractors and top in DISTRACTORS)):
            continue
        if args.half is not None and half_of(rel.replace(os.sep, "/") if top.startswith("_") else top) != args.half:
            continue
        if m not in best or a > best[m][0]:
            best[m] = (a, pr, ("distractor", m) if top.startswith("_") else top)
    labels = [v[2] for v in best.values()]
    preds = [v[1] for v in best.values()]
    lab_ids = {lab: i for i, lab in enumerate(sorted(set(labels), key=str))}
    pred_ids = {p: i for i, p in enumerate(sorted(set(preds), key=str))}
    y = np.array([lab_ids[lab] for lab in labels])
    c = np.array([pred_ids[p] for p in preds])
    p_, r_, f_ = bcubed(y, c)
    return len(y), p_, r_, f_


n, p_, r_, f_ = score(False)
print(f"{n} scored faces: BCubed P {p_:.3f} R {r_:.3f} F {f_:.3f}")
n, p_, r_, f_ = score(True)
print(f"all scored ({n} faces, unknown people's photos as persons of their own): BCubed P {p_:.3f} R {r_:.3f} "
      f"F {f_:.3f}")

# Per-person gender (eq. 2) against the identity folders' gender labels (manifest.csv), persons of >= 3 scored
# identity faces, each person labelled by its most frequent identity.
manifest = Path(root) / "manifest.csv"
if manifest.is_file():
    import collections
    import csv

    with manifest.open(newline="") as f:
        label_gender = {r["identity"]: r["gender"] for r in csv.DictReader(f) if r["identity"] and r["gender"]}
    right = total = fixed_right = 0
    wrong: list[str] = []
    for p in doc["persons"]:
        ids = collections.Counter()
        for f in p["faces"]:
            rel = os.path.relpath(f["media"], root)
            top = rel.split(os.sep)[0]
            if os.sep in rel and not top.startswith("_") and (args.half is None or half_of(top) == args.half):
                ids[top] += 1
        if sum(ids.values()) < 3 or p["gender"] is None:
            continue
        want = label_gender.get(ids.most_common(1)[0][0])
        if want in ("M", "F"):
            total += 1
            ok = (p["gender"] == "male") == (want == "M")
            right += ok
            fixed_right += (p["gender"] == "male") == (LABEL_ERRORS.get(ids.most_common(1)[0][0], want) == "M")
            if not ok:
                wrong.append(f"  {ids.most_common(1)[0][0]}: labelled {want}, the person's {p['gender']} "
                             f"({sum(ids.values())} identity faces)")
    if total:
        print(f"per-person gender (eq. 2, persons of >= 3 identity faces): {right}/{total} = {right / total:.1%}")
        print(f"  with the {len(LABEL_ERRORS)} known label errors of manifest.csv corrected: {fixed_right}/{total} = "
              f"{fixed_right / total:.1%}")
        if args.errors:
            print("\n".join(wrong))
