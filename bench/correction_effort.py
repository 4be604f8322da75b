# SPDX-License-Identifier: MIT
"""Effort to a correct library: a simulated user who knows every true identity corrects a copy of a library.

    organizer index --db /tmp/dev.sqlite --min-days 0 ../shared/data/faces
    python bench/correction_effort.py /tmp/dev.sqlite [--target 0.99] [--answers 100]

Truth: the largest face of a photo of an identity folder is that identity (others are background people); faces of
the ``_…`` folders are each a person of their own. BCubed F is scored over the faces of identity folders (unsorted =
singletons), as bench/people_quality.py.

* **merge/move only**: the oracle applies, largest gain first, one action each: merge all persons of one
  identity; move a person's faces of another identity to that identity's person (or split them out when the
  identity has none); move an identity's unsorted faces into its person (or make them a person when it has
  none). Until F >= ``--target``.
* **with suggestions**: the oracle first answers the review queue in its order (yes when the suggested person
  is the faces' identity, no otherwise; the report is recomputed every 10 answers), up to ``--answers``
  answers, then goes on with merge/move as above.

Prints the actions of each (answers, merges, moves) and the share of "yes" among the first 100 suggestions
seen. Every action goes through the real edits (organizer.services.person_edits) on a copy of the library.
"""
from __future__ import annotations

import argparse
import collections
import os
import shutil
import sqlite3
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np
from sqlalchemy import select

from devtools.metrics import bcubed
from organizer.db.engine import open_library
from organizer.db.models import Face
from organizer.db.models import Media
from organizer.services.person_edits import PersonEdits
from organizer.services.review import ReviewService
from organizer.services.settings_service import SettingsService


class Library:
    def __init__(self, db: Path, root: str) -> None:
        self.engine, self.sessions = open_library(db)
        self.edits = PersonEdits(self.sessions)
        self.root = root
        with self.sessions() as s:
            rows = s.execute(select(Face.id, Media.path, Face.w, Face.h).join(Media)).all()
        # only the largest face of a photo is its folder's identity (as bench/people_quality.py scores them); the
        # others are background people, each a person of their own like the faces of the ``_…`` folders
        largest: dict = {}
        for fid, path, w, h in rows:
            if path not in largest or w * h > largest[path][1]:
                largest[path] = (fid, w * h)
        self.label = {fid: self._identity(path) if largest[path][0] == fid else None for fid, path, _w, _h in rows}

    def _identity(self, path) -> str | None:
        rel = os.path.relpath(os.fsdecode(path), self.root)
        top = rel.split(os.sep)[0]
        return None if top.startswith("_") or os.sep not in rel else top

    def assignment(self) -> dict[int, int | None]:
        with self.sessions() as s:
            return dict(s.execute(select(Face.id, Face.person_id)).all())

    def f(self) -> float:
        a = self.assignment()
        scored = [fid for fid in a if self.label.get(fid)]
        truth = np.unique([self.label[f] for f in scored], return_inverse=True)[1]
        pred = np.array([a[f] if a[f] is not None else -1 for f in scored])
        return bcubed(truth, pred)[2]

    def truth_of(self, face_ids) -> str | None:
        c = collections.Counter(self.label[f] for f in face_ids if self.label.get(f))
        return c.most_common(1)[0][0] if c else None


def merge_move_actions(lib: Library) -> list[tuple[int, str, object]]:
    """The oracle's next merge/move actions as (faces fixed, kind, args), largest first."""
    a = lib.assignment()
    members: dict[int, list[int]] = collections.defaultdict(list)
    unsorted: dict[str, list[int]] = collections.defaultdict(list)
    for fid, pid in a.items():
        if pid is None:
            if lib.label.get(fid):
                unsorted[lib.label[fid]].append(fid)
        else:
            members[pid].append(fid)
    owner = {pid: lib.truth_of(f) for pid, f in members.items()}
    persons_of: dict[str, list[int]] = collections.defaultdict(list)
    for pid, ident in owner.items():
        if ident:
            persons_of[ident].append(pid)
    main = {i: max(ps, key=lambda p: len(members[p])) for i, ps in persons_of.items()}
    acts: list[tuple[int, str, object]] = []
    for ident, ps in persons_of.items():
        if len(ps) > 1:
            acts.append((sum(len(members[p]) for p in ps if p != main[ident]), "merge", ps))
    for pid, fids in members.items():
        foreign: dict[str | None, list[int]] = collections.defaultdict(list)
        for f in fids:
            if lib.label.get(f) != owner[pid]:
                foreign[lib.label.get(f)].append(f)
        for ident, fs in foreign.items():
            if ident in main:
                acts.append((len(fs), "move", (fs, main[ident])))
            elif ident is not None:
                acts.append((len(fs), "split", fs))
    for ident, fs in unsorted.items():
        if ident in main and len(fs):
            acts.append((len(fs), "move", (fs, main[ident])))
        elif len(fs) > 1:  # an identity with no person yet: its unsorted faces made one
            acts.append((len(fs), "split", fs))
    acts.sort(key=lambda t: -t[0])
    return acts


def run_merge_move(lib: Library, target: float, counts: collections.Counter) -> None:
    while lib.f() < target:
        acts = merge_move_actions(lib)
        if not acts:
            break
        _n, kind, arg = acts[0]
        if kind == "merge":
            lib.edits.merge(list(arg))
        elif kind == "move":
            fs, pid = arg
            lib.edits.move_faces(list(fs), pid)
        else:
            lib.edits.split(list(arg))
        counts[kind] += 1


def run_answers(lib: Library, target: float, limit: int, counts: collections.Counter) -> list[bool]:
    review = ReviewService(lib.sessions)
    params = SettingsService(lib.sessions).load().cluster_params()
    seen: list[bool] = []
    while len(seen) < limit and lib.f() < target:
        queue = review.report(params).suggestions[:10]
        if not queue:
            break
        for s in queue:
            with lib.sessions() as db:
                present = db.get(Face, s.face_ids[0])
                if present is None or present.person_id == s.person_id:
                    continue
            with lib.sessions() as db:
                members = list(db.scalars(select(Face.id).where(Face.person_id == s.person_id)))
            yes = lib.truth_of(s.face_ids) is not None and lib.truth_of(s.face_ids) == lib.truth_of(members)
            seen.append(yes)
            if yes:
                lib.edits.accept(list(s.face_ids), s.person_id, s.from_person)
                counts["yes"] += 1
            else:
                lib.edits.reject(list(s.face_ids), s.person_id)
                counts["no"] += 1
            if len(seen) >= limit:
                break
    return seen


def copy_library(db: Path, to: Path) -> Path:
    dst = to / "lib.sqlite"
    src = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    out = sqlite3.connect(dst)
    src.backup(out)
    src.close()
    out.close()
    return dst


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("db", type=Path)
    ap.add_argument("root", nargs="?", default=str(Path(__file__).resolve().parents[2] / "shared" / "data" / "faces"))
    ap.add_argument("--target", type=float, default=0.99)
    ap.add_argument("--answers", type=int, default=100)
    args = ap.parse_args()
    root = os.path.abspath(args.root)
    results = {}
    for mode in ("merge/move only", "with suggestions"):
        tmp = Path(tempfile.mkdtemp())
        try:
            lib = Library(copy_library(args.db, tmp), root)
            start = lib.f()
            counts: collections.Counter = collections.Counter()
            seen = run_answers(lib, args.target, args.answers, counts) if mode == "with suggestions" else []
            after_answers = lib.f()
            run_merge_move(lib, args.target, counts)
            results[mode] = (start, after_answers, lib.f(), counts, seen)
            lib.engine.dispose()
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    for mode, (start, mid, end, counts, seen) in results.items():
        total = sum(counts.values())
        extra = f"; F after the answers {mid:.3f}, yes among the first 100 seen {sum(seen[:100])}/{len(seen[:100])}" \
            if seen else ""
        print(f"{mode:17s}: F {start:.3f} -> {end:.3f} in {total} actions ({dict(counts)}){extra}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
