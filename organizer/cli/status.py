# SPDX-License-Identifier: MIT
"""``organizer status``: what the library holds (``--json`` is a contract other tools read)."""

from __future__ import annotations

import argparse
import json
import sys

from organizer import config
from organizer.cli.options import add_db_argument


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("status", help="summarise the library", description="Count media, faces, persons and errors.")
    add_db_argument(p)
    p.add_argument("--json", action="store_true", help="print one JSON document")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from organizer.cli.options import open_for_reading
    from organizer.services.browse_service import BrowseService

    db = config.db_path(args.db)
    if not db.exists():
        doc = {"media": {"photo": 0, "video": 0}, "faces": 0, "persons": 0, "errors": [],
               "status": {"ok": 0, "error": 0, "missing": 0}, "folders": [], "last_scan": None}
    else:
        engine, sessions = open_for_reading(db)
        try:
            doc = BrowseService(sessions).status()
        finally:
            engine.dispose()
    doc["db"] = str(db)
    if args.json:
        # ensure_ascii: a file name that is not UTF-8 becomes \udcXX escapes instead of an encoding error.
        json.dump(doc, sys.stdout, ensure_ascii=True)
        sys.stdout.write("\n")
        return 0
    m = doc["media"]
    print(f"Library: {db}")
    print(f"  {m['photo']} photos, {m['video']} videos, {doc['faces']} faces, {doc['persons']} persons")
    print(f"  {doc['status']['missing']} missing, {len(doc['errors'])} unreadable")
    for e in doc["errors"]:
        print(f"    {e['path']}: {e['error']}")
    return 0
