# SPDX-License-Identifier: MIT
"""``organizer find``: the photos (and video frames) that show all of the given persons.

``organizer find --json`` prints one document (a contract, see README)::

    {"photos": [{"media", "frame_ms", "taken", "dated", "persons", "faces", "age"}]}

``persons`` lists every person on the photo (ids), the ones asked for first; ``age`` is the first person's
age at the photo (null without a birth year or a shooting date). Keys are only added.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys

from organizer.cli.options import add_db_argument
from organizer.cli.options import existing_library
from organizer.cli.options import open_for_reading
from organizer.cli.options import resolve


def _range(text: str) -> tuple[float, float]:
    lo, sep, hi = text.partition("-")
    try:
        return (float(lo), float(hi)) if sep else (float(lo), float(lo))
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a range: {text!r} (write e.g. 3-5)") from None


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date: {text!r} (write YYYY-MM-DD)") from None


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("find", help="find the photos that show all of the given persons",
                       description="List the photos and video frames on which all the given persons are, by name "
                                   "or id (as `organizer people` lists them), oldest first.")
    add_db_argument(p)
    p.add_argument("persons", nargs="+", metavar="PERSON", help="a person's name or id")
    p.add_argument("--only", action="store_true", help="no other named person on the photo")
    p.add_argument("--from", dest="taken_from", type=_date, metavar="DATE", help="shot on or after (YYYY-MM-DD)")
    p.add_argument("--to", dest="taken_to", type=_date, metavar="DATE", help="shot on or before (YYYY-MM-DD)")
    p.add_argument("--age", type=_range, metavar="MIN-MAX", help="the first person's age at the photo, e.g. 3-5")
    p.add_argument("--faces", type=_range, metavar="MIN-MAX", help="number of faces on the photo, e.g. 2-4")
    p.add_argument("--json", action="store_true", help="print one JSON document")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from organizer.services.person_queries import PersonQueries
    from organizer.services.photo_search import PhotoSearch

    db = existing_library(args.db)
    if db is None:
        return 2
    engine, sessions = open_for_reading(db)
    try:
        ids, error = resolve(args.persons, PersonQueries(sessions).list_persons())
        if error:
            print(f"organizer: {error}", file=sys.stderr)
            return 2
        faces = None if args.faces is None else (int(args.faces[0]), int(args.faces[1]))
        hits = PhotoSearch(sessions).find(ids, only_these=args.only, taken_from=args.taken_from,
                                          taken_to=args.taken_to, age_range=args.age, faces_range=faces)
    finally:
        engine.dispose()
    if args.json:
        doc = {"photos": [{"media": h.path, "frame_ms": None if h.frame_s is None else round(h.frame_s * 1000),
                           "taken": None if h.taken is None else h.taken.isoformat(), "dated": h.dated,
                           "persons": list(h.person_ids), "faces": h.n_faces,
                           "age": None if h.age is None else round(h.age, 2)} for h in hits]}
        json.dump(doc, sys.stdout, ensure_ascii=True)
        sys.stdout.write("\n")
        return 0
    for h in hits:
        when = h.taken.date().isoformat() if h.taken is not None and h.dated else "undated"
        at = "" if h.frame_s is None else f" at {h.frame_s:.1f} s"
        age = "" if h.age is None else f", age {h.age:.0f}"
        print(f"{when}  {h.path}{at}  ({h.n_faces} faces{age})")
    print(f"{len(hits)} photos", file=sys.stderr)
    return 0
