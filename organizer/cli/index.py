# SPDX-License-Identifier: MIT
"""``organizer index``: add folders to the library and analyze what is new or changed."""

from __future__ import annotations

import argparse
import os
import signal
import sys
import time
from typing import TextIO

from organizer import config
from organizer.cli.options import add_cluster_options
from organizer.cli.options import add_db_argument
from organizer.cli.options import run_settings
from organizer.cli.options import writer_lock
from organizer.core.errors import ModelError
from organizer.core.progress import CancelToken
from organizer.core.progress import Progress
from organizer.core.progress import drive
from organizer.core.vocabulary import Phase


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("index", help="scan folders of photos and videos into the library",
                       description="Scan each FOLDER (recursively), analyze new and changed photos and videos "
                                   "and store them in the library. Ctrl-C stops after saving finished work; "
                                   "running again resumes.")
    p.add_argument("folders", nargs="+", metavar="FOLDER", help="folders (or files) to index")
    add_db_argument(p)
    p.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")
    add_cluster_options(p)
    p.set_defaults(func=run)


class ProgressBar:
    """A one-line progress bar with files/s and ETA on a terminal; sparse lines otherwise."""

    def __init__(self, out: TextIO, enabled: bool) -> None:
        self.out, self.enabled = out, enabled
        self.tty = out.isatty()
        self.t0 = time.monotonic()
        self.last = 0.0
        self.phase = ""

    def update(self, p: Progress) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if p.phase != self.phase:
            self.phase, self.t0 = p.phase, now
        if p.phase != Phase.DONE and now - self.last < (0.2 if self.tty else 5.0) and p.done != p.total:
            return
        self.last = now
        if p.phase == Phase.SCAN:
            line = f"scanning: {p.done} files found"
        elif p.phase == Phase.ANALYZE:
            el = max(now - self.t0, 1e-6)
            rate = p.done / el
            eta = (p.total - p.done) / rate if rate > 0 else 0
            width = 28
            fill = int(width * p.done / p.total) if p.total else width
            line = (f"[{'#' * fill}{'.' * (width - fill)}] {p.done}/{p.total} files  {rate:.1f} files/s  "
                    f"ETA {int(eta // 60)}:{int(eta % 60):02d}  {p.faces} faces  {p.errors} errors")
        else:
            return
        if self.tty:
            self.out.write("\r\x1b[K" + line)
        else:
            self.out.write(line + "\n")
        self.out.flush()

    def close(self) -> None:
        if self.enabled and self.tty:
            self.out.write("\n")
            self.out.flush()


def _cluster(sessions, params) -> None:
    """Persons: new faces join existing persons; a first run (or no persons yet) clusters everything."""
    from organizer.services.clustering import ClusteringService
    from organizer.services.person_queries import PersonQueries

    incremental = bool(PersonQueries(sessions).list_persons())
    service = ClusteringService(sessions)
    drive(service.recluster(params, incremental=incremental))
    if incremental and service.last_run_was_full:
        print("organizer: every file is now analyzed by the new identity network: all faces were grouped into "
              "persons again (your corrections are kept)", file=sys.stderr)


def run(args: argparse.Namespace) -> int:
    missing = [f for f in args.folders if not os.path.exists(f)]
    if missing:
        print(f"organizer: not found: {', '.join(missing)}", file=sys.stderr)
        return 2
    db = config.db_path(args.db)
    with writer_lock(db, "index"):
        return _index(db, args)


def _index(db, args: argparse.Namespace) -> int:
    from organizer.db.engine import open_library
    from organizer.services.index_service import library_indexer

    engine, sessions = open_library(db)
    settings = run_settings(sessions, args)
    service = library_indexer(sessions, settings.frame_policy())
    cancel = CancelToken()

    def on_sigint(_sig, _frame) -> None:
        if cancel.cancelled:
            raise KeyboardInterrupt
        cancel.cancel()
        print("\norganizer: stopping after the current file (Ctrl-C again to abort)...", file=sys.stderr)

    old = signal.signal(signal.SIGINT, on_sigint)
    bar = ProgressBar(sys.stderr, not args.no_progress)
    try:
        s = drive(service.run(args.folders, cancel), bar.update)
        if not cancel.cancelled:
            _cluster(sessions, settings.cluster_params())
    except ModelError as e:
        bar.close()
        print(f"organizer: {e}", file=sys.stderr)
        return 3
    finally:
        signal.signal(signal.SIGINT, old)
        engine.dispose()
    bar.close()
    print(f"{'Stopped' if s.cancelled else 'Indexed'} {db}: {s.found} files found, {s.analyzed} analyzed "
          f"({s.photos} photos, {s.videos} videos, {s.faces} faces), {s.unchanged} unchanged, {s.moved} moved, "
          f"{s.missing} missing, {len(s.errors)} unreadable; {s.seconds:.1f} s", file=sys.stderr)
    if s.reanalyzed:
        print(f"  {s.reanalyzed} of them analyzed again: they were analyzed by another model or calibration",
              file=sys.stderr)
    for path, err in s.errors:
        print(f"  unreadable: {path}: {err}", file=sys.stderr)
    if s.cancelled:
        print("organizer: stopped; run the same command again to resume", file=sys.stderr)
        return 130
    return 0
