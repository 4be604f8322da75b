# SPDX-License-Identifier: MIT
"""``organizer cluster`` and ``organizer people``: persons from the library's faces.

``organizer people --json`` prints one document (a contract, see README): ``{"persons": [...], "unassigned":
[...]}``; each person has ``id, name, hidden, gender, p_male, birth_year, birth_year_range, birth_date, faces`` and each
face ``id, media, frame_ms, box, taken, taken_source, age, p_male``. Keys are only ever added.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from organizer.cli.options import add_cluster_options
from organizer.cli.options import add_db_argument
from organizer.cli.options import existing_library
from organizer.cli.options import open_for_reading
from organizer.cli.options import run_settings
from organizer.cli.options import writer_lock
from organizer.core.progress import drive

#: Gender symbols of the plain-text listing.
GENDER_SYMBOL = {"male": "♂", "female": "♀"}


def add_parsers(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("cluster", help="group the library's faces into persons (keeps hand corrections)",
                       description="Re-cluster all faces into persons with the library's settings (those of the "
                                   "app's settings dialog) or the flags given. Names, merges, moves, splits, "
                                   "removed faces and hidden persons decided by hand are kept.")
    add_db_argument(p)
    add_cluster_options(p)
    p.set_defaults(func=run_cluster)
    p = sub.add_parser("people", help="list the persons of the library",
                       description="List persons with gender, birth year and faces.")
    add_db_argument(p)
    out = p.add_mutually_exclusive_group()
    out.add_argument("--json", action="store_true", help="print one JSON document")
    out.add_argument("--csv", action="store_true",
                     help="print a spreadsheet: name, gender, birth year and range, photos, first and last date")
    p.set_defaults(func=run_people)


def run_cluster(args: argparse.Namespace) -> int:
    from organizer.db.engine import open_library
    from organizer.services.clustering import ClusteringService
    from organizer.services.person_queries import PersonQueries

    db = existing_library(args.db)
    if db is None:
        return 2
    with writer_lock(db, "cluster"):
        engine, sessions = open_library(db)
        try:
            settings = run_settings(sessions, args)
            drive(ClusteringService(sessions).recluster(settings.cluster_params()))
            persons = PersonQueries(sessions).list_persons()
        finally:
            engine.dispose()
    print(f"{len(persons)} persons (threshold {settings.threshold:g}, at least {settings.min_faces} faces, "
          f"{settings.min_span_days:g} days){'; settings saved to the library' if args.save else ''}",
          file=sys.stderr)
    return 0


def export(persons: Any) -> dict[str, Any]:
    """The ``organizer people --json`` document from a :class:`~organizer.services.person_queries.PersonQueries`."""
    out = []
    for p in persons.list_persons(include_hidden=True):
        out.append({
            "id": p.id, "name": p.name, "hidden": p.hidden, "gender": p.gender,
            "p_male": None if p.p_male is None else round(p.p_male, 4),
            "birth_year": p.birth_year,
            "birth_year_range": None if p.birth_year_range is None else list(p.birth_year_range),
            "birth_date": None if p.birth_date is None else p.birth_date.isoformat(),
            "faces": [face_json(f) for f in persons.person_faces(p.id)],
        })
    return {"persons": out, "unassigned": [face_json(f) for f in persons.unassigned_faces()]}


def face_json(f: Any) -> dict[str, Any]:
    """One face of the ``people --json`` document."""
    return {"id": f.id, "media": f.path, "frame_ms": None if f.frame_s is None else round(f.frame_s * 1000),
            "box": [round(v) for v in f.box], "taken": None if f.taken is None else f.taken.isoformat(),
            "age": round(f.age, 2), "p_male": round(f.p_male, 4), "taken_source": f.date_source}


#: The columns of ``organizer people --csv`` (a contract: columns are only added, at the end).
CSV_COLUMNS = ("id", "name", "gender", "birth_year", "birth_year_low", "birth_year_high", "photos", "faces",
               "first_date", "last_date", "hidden")


def write_csv(doc: dict[str, Any], out: Any) -> None:
    """The persons of a ``people --json`` document as CSV rows; dates are the photos' shooting dates
    (a file's copy time is no date), ``YYYY-MM-DD``, empty when unknown."""
    import csv

    w = csv.writer(out, lineterminator="\n")
    w.writerow(CSV_COLUMNS)
    for p in doc["persons"]:
        shot = sorted(f["taken"][:10] for f in p["faces"] if f["taken"] and f["taken_source"] not in (None, "file"))
        low, high = p["birth_year_range"] or (None, None)
        w.writerow([p["id"], p["name"] or f"Person {p['id']}", p["gender"] or "", p["birth_year"] or "",
                    low or "", high or "", len({f["media"] for f in p["faces"]}), len(p["faces"]),
                    shot[0] if shot else "", shot[-1] if shot else "", "yes" if p["hidden"] else "no"])


def run_people(args: argparse.Namespace) -> int:
    from organizer.services.person_queries import PersonQueries

    db = existing_library(args.db)
    if db is None:
        if args.json:
            print(json.dumps({"persons": [], "unassigned": []}))
            return 0
        if args.csv:
            write_csv({"persons": []}, sys.stdout)
            return 0
        return 2
    engine, sessions = open_for_reading(db)
    try:
        doc = export(PersonQueries(sessions))
    finally:
        engine.dispose()
    if args.json:
        json.dump(doc, sys.stdout, ensure_ascii=True)
        sys.stdout.write("\n")
        return 0
    if args.csv:
        write_csv(doc, sys.stdout)
        return 0
    for p in doc["persons"]:
        gender = GENDER_SYMBOL.get(p["gender"] or "", "?")
        born = f"born ~{p['birth_year']} ({p['birth_year_range'][0]}-{p['birth_year_range'][1]})" \
            if p["birth_year"] else "birth year unknown"
        name = p["name"] or f"Person {p['id']}"
        print(f"{name:<24} {gender} {born:<28} {len(p['faces'])} faces{'  (hidden)' if p['hidden'] else ''}")
    print(f"{len(doc['unassigned'])} unsorted faces")
    return 0
