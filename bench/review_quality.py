# SPDX-License-Identifier: MIT
"""How often the review's suggestions are right, on a library indexed from the developer faces.

    organizer index --db /tmp/dev.sqlite --min-days 0 ../shared/data/faces
    python bench/review_quality.py /tmp/dev.sqlite [FACES_ROOT]

Truth: the largest face of a photo of an identity folder is that identity (the others are background people); a
person is the identity most of its faces have; faces of the ``_…`` folders have no identity (a suggestion to put one
into a person is wrong). Prints the time the report took, the share of right suggestions among the first 50 / 100 /
all in queue order (the "yes" rate an oracle user would see), how many open faces (unsorted, or in small persons)
had a right answer to find at all, the share of right duplicate pairs and of outliers that are truly another
identity's.
"""
import collections
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import select

from organizer.db.engine import open_library
from organizer.db.models import Face
from organizer.db.models import Media
from organizer.services.review import ReviewService
from organizer.services.settings_service import SettingsService

db = sys.argv[1]
root = os.path.abspath(sys.argv[2] if len(sys.argv) > 2 else Path(__file__).resolve().parents[2] / "shared" / "data"
                       / "faces")
engine, sessions = open_library(db)
with sessions() as s:
    rows = s.execute(select(Face.id, Face.person_id, Media.path, Face.w, Face.h).join(Media)).all()


def identity(path) -> str | None:
    rel = os.path.relpath(os.fsdecode(path), root)
    top = rel.split(os.sep)[0]
    return None if top.startswith("_") or os.sep not in rel else top


# only the largest face of a photo is its folder's identity (as bench/people_quality.py scores them): the others are
# people in the background, no one the library knows
largest: dict = {}
for r in rows:
    if r.path not in largest or r.w * r.h > largest[r.path][1]:
        largest[r.path] = (r.id, r.w * r.h)
label = {r.id: identity(r.path) if largest[r.path][0] == r.id else None for r in rows}
members = collections.defaultdict(list)
for r in rows:
    if r.person_id is not None:
        members[r.person_id].append(r.id)


def majority(face_ids) -> str | None:
    c = collections.Counter(label[f] for f in face_ids if label[f] is not None)
    return c.most_common(1)[0][0] if c else None


person_identity = {p: majority(f) for p, f in members.items()}
t0 = time.perf_counter()
report = ReviewService(sessions).report(SettingsService(sessions).load().cluster_params())
took = time.perf_counter() - t0
right = [majority(s.face_ids) is not None and majority(s.face_ids) == person_identity.get(s.person_id)
         for s in report.suggestions]


def share(xs) -> str:
    return f"{sum(xs) / len(xs):.2f} ({sum(xs)}/{len(xs)})" if xs else "n/a (0)"


print(f"report in {took:.2f} s: {len(report.suggestions)} suggestions, {len(report.duplicates)} duplicates, "
      f"{len(report.outliers)} outliers")
print(f"suggestions right: first 50 {share(right[:50])}, first 100 {share(right[:100])}, all {share(right)}")
known = {v for v in person_identity.values() if v}
with sessions() as s:
    unsorted = list(s.scalars(select(Face.id).where(Face.person_id.is_(None))))
print(f"unsorted faces {len(unsorted)}, of a known person's identity {sum(label[f] in known for f in unsorted)}")
dup = [person_identity.get(a) is not None and person_identity.get(a) == person_identity.get(b)
       for a, b in (d.person_ids for d in report.duplicates)]
print(f"duplicates right: {share(dup)}")
out = [label[o.face_id] is not None and label[o.face_id] != person_identity.get(o.person_id) for o in report.outliers]
print(f"outliers truly another identity's: {share(out)}")
engine.dispose()
