# SPDX-License-Identifier: MIT
"""``organizer cluster`` and ``organizer people``: persons from the library's faces."""

from __future__ import annotations

import argparse
import json
import sys

from organizer import config
from organizer.cli.index import add_db_argument


def add_cluster_options(p: argparse.ArgumentParser) -> None:
    """Clustering settings shared by ``cluster`` and ``index``."""
    from organizer.cluster import ClusterParams

    d = ClusterParams()
    p.add_argument("--threshold", type=float, default=d.threshold,
                   help=f"flat-cut distance of the average-linkage clustering (default {d.threshold})")
    p.add_argument("--min-faces", type=int, default=d.min_faces,
                   help=f"faces a person needs; smaller groups stay unsorted (default {d.min_faces})")
    p.add_argument("--min-days", type=float, default=d.min_span_days,
                   help=f"days a person's photos must span (0 disables; default {d.min_span_days:g})")


def cluster_params(args: argparse.Namespace):
    from dataclasses import replace

    from organizer.cluster import ClusterParams

    return replace(ClusterParams(), threshold=args.threshold, min_faces=args.min_faces,
                   min_span_days=args.min_days)


def add_parsers(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("cluster", help="group the library's faces into persons (keeps hand corrections)",
                       description="Re-cluster all faces into persons. Names, merges, moves, splits, removed "
                                   "faces and hidden persons decided by hand are kept.")
    add_db_argument(p)
    add_cluster_options(p)
    p.set_defaults(func=run_cluster)
    p = sub.add_parser("people", help="list the persons of the library",
                       description="List persons with gender, birth year and faces.")
    add_db_argument(p)
    p.add_argument("--json", action="store_true", help="print one JSON document")
    p.set_defaults(func=run_people)


def _service(db_arg: str | None, params=None):
    from organizer.db.engine import open_library
    from organizer.services.people_service import PeopleService

    db = config.db_path(db_arg)
    if not db.exists():
        print(f"organizer: no library at {db} (run 'organizer index FOLDER' first)", file=sys.stderr)
        return None, None
    engine, sessions = open_library(db)
    return engine, PeopleService(sessions, params)


def run_cluster(args: argparse.Namespace) -> int:
    engine, people = _service(args.db, cluster_params(args))
    if people is None:
        return 2
    try:
        for _ in people.recluster():
            pass
        persons = people.list_persons()
    finally:
        engine.dispose()
    print(f"{len(persons)} persons", file=sys.stderr)
    return 0


def run_people(args: argparse.Namespace) -> int:
    engine, people = _service(args.db)
    if people is None:
        if args.json:
            print(json.dumps({"persons": [], "unassigned": []}))
            return 0
        return 2
    try:
        doc = people.export()
    finally:
        engine.dispose()
    if args.json:
        json.dump(doc, sys.stdout, ensure_ascii=True)
        sys.stdout.write("\n")
        return 0
    for p in doc["persons"]:
        gender = {"male": "♂", "female": "♀"}.get(p["gender"] or "", "?")
        born = f"born ~{p['birth_year']} ({p['birth_year_range'][0]}-{p['birth_year_range'][1]})" \
            if p["birth_year"] else "birth year unknown"
        name = p["name"] or f"Person {p['id']}"
        print(f"{name:<24} {gender} {born:<28} {len(p['faces'])} faces{'  (hidden)' if p['hidden'] else ''}")
    print(f"{len(doc['unassigned'])} unsorted faces")
    return 0
