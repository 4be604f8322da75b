# SPDX-License-Identifier: MIT
"""``organizer export-photos``: copy (or link) a person's photos into a folder.

``organizer export-photos --json`` prints one document (a contract, see README)::

    {"folder": path, "mode": "copy"|"hardlink"|"symlink", "exported": [{"source", "target", "how"}],
     "skipped": [{"source", "target"}], "sidecars": [{"source", "target"}], "failed": [{"path", "error"}],
     "stopped": str|null}

``how`` is the mode used for that file (``"copy"`` where a hard link could not be made); ``skipped`` lists the
files already exported identically; ``stopped`` says why the run stopped before its end. Paths are absolute. Keys
are only added.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import time
from collections.abc import Callable
from types import FrameType

from organizer.cli.options import add_db_argument
from organizer.cli.options import existing_library
from organizer.cli.options import open_for_reading
from organizer.cli.options import resolve
from organizer.core.progress import CancelToken
from organizer.core.progress import Progress
from organizer.core.progress import drive
from organizer.core.vocabulary import Phase

MODES = ("copy", "hardlink", "symlink")


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "export-photos", help="copy or link a person's photos into a folder",
        description="Copy (or hard-link, or symbolically link) every photo and video of the given persons into a "
                    "folder. Names are kept; a name already taken by a different file gets a suffix "
                    "(IMG_0001 (2).JPG), nothing is ever overwritten, and files already exported are skipped, so "
                    "running it again only adds what is new. The originals are never modified.")
    add_db_argument(p)
    p.add_argument("--to", required=True, metavar="DIR", help="the folder to export into (made if needed)")
    p.add_argument("--person", required=True, action="append", metavar="NAME_OR_ID", dest="persons",
                   help="a person's name (case-insensitive) or id, as `organizer people` lists them; repeatable")
    p.add_argument("--together", action="store_true",
                   help="only the photos on which all the given persons are (as `organizer find` lists them)")
    p.add_argument("--mode", choices=MODES, default="copy",
                   help="copy (the default; the modification time is kept), hardlink (no space taken; a copy "
                        "where the folder is on another drive) or symlink (links to the originals)")
    p.add_argument("--per-person-folders", action="store_true", help="one subfolder per person, named after them")
    p.add_argument("--with-sidecars", action="store_true",
                   help="also copy each photo's XMP sidecar (IMG_0001.JPG.xmp or IMG_0001.xmp) if it has one")
    p.add_argument("--json", action="store_true", help="print one JSON document")
    p.add_argument("--no-progress", action="store_true", help="no progress on stderr")
    p.set_defaults(func=run)


def _progress(enabled: bool) -> Callable[[Progress], None]:
    """Progress on stderr: one line rewritten on a terminal, a line every few seconds otherwise."""
    tty = sys.stderr.isatty()
    last = [time.monotonic()]

    def update(p: Progress) -> None:
        if not enabled or p.phase == Phase.DONE:
            if enabled and tty and p.total:
                sys.stderr.write("\n")
            return
        now = time.monotonic()
        if now - last[0] < (0.2 if tty else 5.0):
            return
        last[0] = now
        line = f"exporting: {p.done}/{p.total} files, {p.errors} failed"
        sys.stderr.write("\r\x1b[K" + line if tty else line + "\n")
        sys.stderr.flush()

    return update


def run(args: argparse.Namespace) -> int:
    from organizer.services import photo_export
    from organizer.services.person_queries import PersonQueries
    from organizer.services.photo_search import PhotoSearch

    db = existing_library(args.db)
    if db is None:
        return 2
    engine, sessions = open_for_reading(db)
    try:
        persons = PersonQueries(sessions).list_persons()
        ids, error = resolve(args.persons, persons)
        if error:
            print(f"organizer: {error}", file=sys.stderr)
            return 2
        names = {p.id: p.name or f"Person {p.id}" for p in persons}
        if args.together:
            groups = [photo_export.search_group(", ".join(names[i] for i in ids), PhotoSearch(sessions).find(ids))]
        else:
            groups = photo_export.PhotoExport(sessions).person_groups([(i, names[i]) for i in dict.fromkeys(ids)])
    finally:
        engine.dispose()
    options = photo_export.ExportOptions(args.to, photo_export.ExportMode(args.mode), args.per_person_folders,
                                         args.with_sidecars)
    cancel = CancelToken()

    def on_sigint(_sig: int, _frame: FrameType | None) -> None:
        if cancel.cancelled:
            raise KeyboardInterrupt
        cancel.cancel()
        print("\norganizer: stopping after the current file (Ctrl-C again to abort)...", file=sys.stderr)

    old = signal.signal(signal.SIGINT, on_sigint)
    try:
        res = drive(photo_export.run(groups, options, cancel), _progress(not args.no_progress and not args.json))
    finally:
        signal.signal(signal.SIGINT, old)
    if args.json:
        doc = {"folder": res.folder, "mode": str(res.mode),
               "exported": [{"source": s, "target": t, "how": str(h)} for s, t, h in res.exported],
               "skipped": [{"source": s, "target": t} for s, t in res.skipped],
               "sidecars": [{"source": s, "target": t} for s, t in res.sidecars],
               "failed": [{"path": p, "error": e} for p, e in res.failed],
               "stopped": res.problem}
        # ensure_ascii: a file name that is not UTF-8 becomes \udcXX escapes instead of an encoding error.
        json.dump(doc, sys.stdout, ensure_ascii=True)
        sys.stdout.write("\n")
    else:
        print(_printable(res.summary()))
        for path, error in res.failed:
            print(_printable(f"  failed: {path}: {error}"))
    if res.cancelled:
        print("organizer: stopped; run the same command again to finish", file=sys.stderr)
        return 130
    # the folder cannot be made or written, or its disk filled up: the run stopped (what it exported is kept)
    return 2 if res.problem is not None else 0


def _printable(s: str) -> str:
    """A path as text the terminal can show (a name that is not UTF-8 gets replacement marks)."""
    return s.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
