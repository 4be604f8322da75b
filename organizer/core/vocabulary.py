# SPDX-License-Identifier: MIT
"""The words every layer shares: kinds and states of media, job phases, what the library knows of a file.

Kept here (below ``scan``, ``db`` and ``services``) so that those layers agree on one spelling without
importing each other: the database stores these values, the scanner compares against them, services and UIs
report them.
"""

from __future__ import annotations

import enum
import os
from dataclasses import dataclass


class MediaKind(enum.StrEnum):
    PHOTO = "photo"
    VIDEO = "video"


class MediaStatus(enum.StrEnum):
    OK = "ok"
    #: Unreadable, corrupt, refused (too large) or failed analysis; ``Media.error`` says why.
    ERROR = "error"
    #: Not found at its path by the last scan of its folder (kept: it may come back, or be a move).
    MISSING = "missing"


class Phase(enum.StrEnum):
    """What a long job is doing (:attr:`organizer.core.progress.Progress.phase`)."""

    #: Walking the library's folders.
    SCAN = "scan"
    #: Finding and describing the faces of new and changed files (the ``organizer analyze`` spelling).
    ANALYZE = "analyze"
    #: Grouping faces into persons.
    CLUSTER = "cluster"
    #: The job finished (the last event of a run).
    DONE = "done"


@dataclass(frozen=True, slots=True)
class KnownMedia:
    """What the library remembers of one file."""

    id: int
    path: str
    size: int
    mtime_ns: int
    status: MediaStatus
    fingerprint: str | None = None


def is_under(path: str, root: str) -> bool:
    """Whether ``path`` is ``root`` itself or inside it (plain string test on normalised paths)."""
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)
