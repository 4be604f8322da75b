# SPDX-License-Identifier: MIT
"""The ``organizer`` command: the desktop app without arguments, sub-commands for headless work."""

from __future__ import annotations

import argparse
import logging
import os
import sys

from organizer import __version__
from organizer import log as logsetup
from organizer.cli import analyze
from organizer.cli import desktop
from organizer.cli import export_photos
from organizer.cli import export_xmp
from organizer.cli import find
from organizer.cli import index
from organizer.cli import people
from organizer.cli import status
from organizer.cli import suggest


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="organizer", description="Organize the people in your photos and videos.")
    parser.add_argument("--version", action="version", version=f"organizer {__version__}")
    parser.add_argument("-v", "--verbose", action="count", default=0, help="more log output (-vv for debug)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    analyze.add_parser(sub)
    index.add_parser(sub)
    status.add_parser(sub)
    people.add_parsers(sub)
    suggest.add_parser(sub)
    find.add_parser(sub)
    export_xmp.add_parser(sub)
    export_photos.add_parser(sub)
    desktop.add_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    level = {0: logging.WARNING, 1: logging.INFO}.get(args.verbose, logging.DEBUG)
    logsetup.setup(level)
    if not getattr(args, "func", None):
        # No sub-command: the desktop app (imported here so that headless commands never load Qt).
        from organizer import app

        return int(app.main(log_level=level))
    try:
        return int(args.func(args))
    except BrokenPipeError:
        # The reader went away (`organizer people --json | head`): no traceback, and no second error when
        # Python flushes stdout at exit.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
    except Exception as e:
        # Library problems in plain words, each with its exit code (README); the traceback goes to the log only.
        from organizer.db.engine import library_problem

        problem = library_problem(e)
        if problem is None:
            raise
        logging.getLogger("organizer").debug("Library problem", exc_info=e)
        print(f"organizer: {problem}", file=sys.stderr)
        return problem.exit_code
    except KeyboardInterrupt:
        print("organizer: interrupted", file=sys.stderr)
        return 130
