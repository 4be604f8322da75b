# SPDX-License-Identifier: MIT
"""``organizer export-xmp``: the named persons' faces as XMP sidecars that other photo tools read.

``organizer export-xmp --json`` prints one document (a contract, see README): ``{"written": [path],
"unchanged": [path], "failed": [{"path": path, "error": str}]}``, sidecar paths absolute. Keys are only added.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import time
from types import FrameType
from typing import TextIO

from organizer.cli.options import add_db_argument
from organizer.cli.options import existing_library
from organizer.cli.options import open_for_reading
from organizer.core.progress import CancelToken
from organizer.core.progress import Progress
from organizer.core.progress import drive
from organizer.core.vocabulary import Phase


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "export-xmp", help="write the named persons' faces into XMP sidecars beside the photos",
        description="For each photo with a face of a named person, write (or update) an XMP sidecar beside it "
                    "with the faces as Metadata Working Group regions and the names as keywords (dc:subject, "
                    "lr:hierarchicalSubject People|Name), which digiKam, darktable, Lightroom and exiftool read. "
                    "Whatever else a sidecar holds is kept; the photos are never modified.")
    add_db_argument(p)
    p.add_argument("--sidecar-style", choices=("digikam", "lightroom"), default="digikam",
                   help="sidecar names: IMG_0001.JPG.xmp (digikam, darktable: the default) or IMG_0001.xmp "
                        "(lightroom)")
    p.add_argument("--json", action="store_true", help="print one JSON document")
    p.add_argument("--no-progress", action="store_true", help="no progress on stderr")
    p.set_defaults(func=run)


class _ProgressLine:
    """One line of progress on a terminal (a sparse line every few seconds otherwise)."""

    def __init__(self, out: TextIO, enabled: bool) -> None:
        self.out, self.enabled, self.tty = out, enabled, out.isatty()
        self.last, self.shown = time.monotonic(), False

    def update(self, p: Progress) -> None:
        if not self.enabled or p.phase == Phase.DONE:
            return
        now = time.monotonic()
        if now - self.last < (0.2 if self.tty else 5.0) and not (self.tty and p.done == p.total):
            return
        self.last = now
        line = f"exporting: {p.done}/{p.total} photos, {p.errors} failed"
        self.out.write("\r\x1b[K" + line if self.tty else line + "\n")
        self.out.flush()
        self.shown = True

    def close(self) -> None:
        if self.enabled and self.tty and self.shown:
            self.out.write("\n")
            self.out.flush()


def run(args: argparse.Namespace) -> int:
    from organizer.services.xmp_export import XmpExport

    db = existing_library(args.db)
    if db is None:
        return 2
    cancel = CancelToken()

    def on_sigint(_sig: int, _frame: FrameType | None) -> None:
        if cancel.cancelled:
            raise KeyboardInterrupt
        cancel.cancel()
        print("\norganizer: stopping after the current photo (Ctrl-C again to abort)...", file=sys.stderr)

    engine, sessions = open_for_reading(db)
    old = signal.signal(signal.SIGINT, on_sigint)
    bar = _ProgressLine(sys.stderr, not args.no_progress)
    try:
        res = drive(XmpExport(sessions).run(args.sidecar_style, cancel), bar.update)
    finally:
        signal.signal(signal.SIGINT, old)
        bar.close()
        engine.dispose()
    if args.json:
        doc = {"written": res.written, "unchanged": res.unchanged,
               "failed": [{"path": p, "error": e} for p, e in res.failed]}
        # ensure_ascii: a file name that is not UTF-8 becomes \udcXX escapes instead of an encoding error.
        json.dump(doc, sys.stdout, ensure_ascii=True)
        sys.stdout.write("\n")
    else:
        print(f"{len(res.written)} sidecars written, {len(res.unchanged)} unchanged, {len(res.failed)} failed")
        for path, error in res.failed:
            print(_printable(f"  failed: {path}: {error}"))
    if res.cancelled:
        print("organizer: stopped; run the same command again to finish", file=sys.stderr)
        return 130
    return 0


def _printable(s: str) -> str:
    """A path as text the terminal can show (a name that is not UTF-8 gets replacement marks)."""
    return s.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
