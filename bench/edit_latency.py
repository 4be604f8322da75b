# SPDX-License-Identifier: MIT
"""How long each hand edit takes on a large library (the app applies edits on the GUI thread).

    python bench/people_grid.py --db /tmp/pg.sqlite       # once: builds 5 000 persons / 100 000 faces
    python bench/edit_latency.py /tmp/pg.sqlite            # works on a copy; the given file is not changed

Prints milliseconds per edit and its undo (best of ``--repeat``). Under ~50 ms the GUI thread stays responsive
(the grid then refreshes from the io pool, off the GUI thread).
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import text

from organizer.db.engine import open_library
from organizer.services.person_edits import PersonEdits


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("db", type=Path)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "library.sqlite"
        shutil.copyfile(args.db, db)
        engine, sessions = open_library(db)
        people = PersonEdits(sessions)
        with sessions() as s:
            n_persons = s.execute(text("SELECT count(*) FROM person")).scalar()
            n_faces = s.execute(text("SELECT count(*) FROM face")).scalar()
            pids = [r[0] for r in s.execute(text("SELECT id FROM person ORDER BY id LIMIT 8"))]
            fids = [r[0] for r in s.execute(text("SELECT id FROM face WHERE person_id = :p LIMIT 3"), {"p": pids[2]})]
        print(f"library: {n_persons} persons, {n_faces} faces")
        edits = {
            "merge 2 persons": lambda: people.merge(pids[:2]),
            "move 3 faces": lambda: people.move_faces(fids, pids[3]),
            "split 3 faces": lambda: people.split(fids),
            "remove 1 face": lambda: people.remove_faces(fids[:1]),
            "rename": lambda: people.rename(pids[4], "Anna"),
            "hide": lambda: people.set_hidden(pids[5], True),
        }
        for name, edit in edits.items():
            best_do = best_undo = float("inf")
            for _ in range(args.repeat):
                t0 = time.perf_counter()
                res = edit()
                t1 = time.perf_counter()
                people.undo(res)
                t2 = time.perf_counter()
                best_do, best_undo = min(best_do, t1 - t0), min(best_undo, t2 - t1)
            print(f"{name:16s} {best_do * 1000:6.1f} ms   undo {best_undo * 1000:6.1f} ms")
        engine.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
