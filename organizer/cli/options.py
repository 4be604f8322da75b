# SPDX-License-Identifier: MIT
"""Options shared by several sub-commands: the library file and the library's settings.

Settings live in the library (:mod:`organizer.services.settings_service`): a flag overrides the library's
value for this run only; ``--save`` makes the values given the library's (the app's settings dialog shows them).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from organizer import config


def add_db_argument(p: argparse.ArgumentParser) -> None:
    p.add_argument("--db", metavar="PATH",
                   help=f"library database (default: ${config.DB_ENV}, else {config.db_path()})")


def existing_library(db_arg: str | None) -> Path | None:
    """The library file, or None (with a message) when there is none yet."""
    db = config.db_path(db_arg)
    if not db.exists():
        print(f"organizer: no library at {db} (run 'organizer index FOLDER' first)", file=sys.stderr)
        return None
    return db


def open_for_reading(db: Path) -> Any:
    """``(engine, sessions)`` of a library to read: read-only while another process (the app, an indexing run)
    writes it, so this command can never disturb that writer (see :mod:`organizer.db.lock`)."""
    from organizer.db.engine import open_library
    from organizer.db.engine import open_library_readonly
    from organizer.db.lock import writer_active

    return open_library_readonly(db) if writer_active(db) else open_library(db)


def writer_lock(db: Path, command: str) -> Any:
    """The library's writer lock for this command (a context manager); raises LibraryBusyError when the app or
    another command is writing the library."""
    from organizer.db.lock import LibraryLock

    return LibraryLock(db, f"'organizer {command}'")


def add_cluster_options(p: argparse.ArgumentParser) -> None:
    """Clustering settings shared by ``cluster`` and ``index``; defaults are the library's settings."""
    from organizer.services.settings_service import LibrarySettings

    d = LibrarySettings()
    g = p.add_argument_group("library settings (default: the library's own; --save keeps the values given)")
    g.add_argument("--threshold", type=float, metavar="T",
                   help=f"flat-cut distance of the average-linkage clustering (tuned default {d.threshold})")
    g.add_argument("--min-faces", type=int, metavar="N",
                   help=f"faces a person needs; smaller groups stay unsorted (default {d.min_faces})")
    g.add_argument("--min-days", type=float, metavar="D",
                   help=f"days a person's photos must span (0 disables; default {d.min_span_days:g})")
    g.add_argument("--save", action="store_true",
                   help="store the settings given as the library's (the desktop app uses them too)")


def settings_changes(args: argparse.Namespace) -> dict[str, Any]:
    """The library settings the command line gives (flags not given are left out)."""
    return {k: v for k, v in (("threshold", args.threshold), ("min_faces", args.min_faces),
                              ("min_span_days", args.min_days)) if v is not None}


def run_settings(sessions: Any, args: argparse.Namespace) -> Any:
    """The settings of this run: the library's, with the flags given; saved to the library with ``--save``."""
    from organizer.services.settings_service import SettingsService

    service = SettingsService(sessions)
    settings = service.load().replace(**settings_changes(args))
    if args.save:
        service.save(settings)
    return settings


def resolve(names: list[str], persons: list) -> tuple[list[int], str | None]:
    """Person ids for names or ids (names case-insensitive); or an error in plain words."""
    by_id = {p.id: p for p in persons}
    out = []
    for n in names:
        if n.isdigit() and int(n) in by_id:
            out.append(int(n))
            continue
        same = [p for p in persons if (p.name or "").casefold() == n.casefold()]
        if len(same) == 1:
            out.append(same[0].id)
            continue
        if len(same) > 1:
            return [], f"several persons are called {n!r} (ids {', '.join(str(p.id) for p in same)}): give an id"
        near = sorted(p.name for p in persons if p.name and n.casefold() in p.name.casefold())
        hint = f"; did you mean {', '.join(repr(x) for x in near[:5])}?" if near else ""
        return [], f"no person called {n!r}{hint}"
    return out, None
