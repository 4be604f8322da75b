# SPDX-License-Identifier: MIT
"""``organizer suggest``: the review queue, possible duplicates and faces that may not belong, with reasons.

``organizer suggest --json`` prints one document (a contract, see README)::

    {"suggestions": [{"face_ids", "from_person", "person_id", "person_name", "distance", "threshold",
                      "confidence", "evidence", "face_id"}],
     "duplicates":  [{"persons", "names", "distance", "threshold", "confidence", "evidence"}],
     "outliers":    [{"face_id", "person_id", "person_name", "distance", "score", "reasons"}]}

Read only: the library is opened read-only while the app or an indexing run writes it. Keys are only added.
"""

from __future__ import annotations

import argparse
import json
import sys

from organizer.cli.options import add_db_argument
from organizer.cli.options import existing_library
from organizer.cli.options import open_for_reading


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("suggest", help="list the corrections worth a look, with their reasons",
                       description="List the review queue (faces that may be a known person), possible duplicate "
                                   "persons and faces that may not belong to their person, each with its reasons.")
    add_db_argument(p)
    p.add_argument("--json", action="store_true", help="print one JSON document")
    p.add_argument("--limit", type=int, default=20, metavar="N", help="entries of each kind in the text listing")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from organizer.services.review import ReviewService
    from organizer.services.review import report_to_json
    from organizer.services.settings_service import SettingsService

    db = existing_library(args.db)
    if db is None:
        if args.json:
            print(json.dumps({"suggestions": [], "duplicates": [], "outliers": []}))
            return 0
        return 2
    engine, sessions = open_for_reading(db)
    try:
        report = ReviewService(sessions).report(SettingsService(sessions).load().cluster_params())
    finally:
        engine.dispose()
    if args.json:
        json.dump(report_to_json(report), sys.stdout, ensure_ascii=True)
        sys.stdout.write("\n")
        return 0
    n = max(0, args.limit)

    def who(pid: int, name: str | None) -> str:
        return name or f"Person {pid}"

    print(f"{len(report.suggestions)} suggestions")
    for s in report.suggestions[:n]:
        what = f"{len(s.face_ids)} faces of Person {s.from_person}" if s.from_person is not None else \
            f"face {s.face_ids[0]}" if len(s.face_ids) == 1 else f"a video track of {len(s.face_ids)} faces"
        print(f"  Is {what} {who(s.person_id, s.person_name)}? ({s.confidence:.0%}) {'; '.join(s.evidence)}")
    print(f"{len(report.duplicates)} possible duplicates")
    for d in report.duplicates[:n]:
        a, b = (who(p, nm) for p, nm in zip(d.person_ids, d.names, strict=True))
        print(f"  {a} and {b} may be one person ({d.confidence:.0%}): {'; '.join(d.evidence)}")
    print(f"{len(report.outliers)} faces that may not belong")
    for o in report.outliers[:n]:
        print(f"  face {o.face_id} in {who(o.person_id, o.person_name)}: {'; '.join(o.reasons)}")
    return 0
