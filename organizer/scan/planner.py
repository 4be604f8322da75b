# SPDX-License-Identifier: MIT
"""What to do with each file: compare a walk with what the library already holds (pure, no DB)."""

from __future__ import annotations

from collections.abc import Iterable
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field

from organizer.core.vocabulary import KnownMedia as KnownMedia  # re-exported: the planner's input
from organizer.core.vocabulary import MediaStatus
from organizer.core.vocabulary import is_under as is_under  # re-exported
from organizer.scan.walker import FoundFile


@dataclass(slots=True)
class Plan:
    #: Files not in the library (possibly moved: the service checks fingerprints against ``missing``).
    new: list[FoundFile] = field(default_factory=list)
    #: Files whose size or mtime changed: analyze again.
    changed: list[tuple[FoundFile, KnownMedia]] = field(default_factory=list)
    #: Unchanged since the last scan.
    unchanged: list[KnownMedia] = field(default_factory=list)
    #: In the library, under a scanned root, but not found now.
    missing: list[KnownMedia] = field(default_factory=list)
    #: Marked missing before and back at the same path, unchanged.
    returned: list[tuple[FoundFile, KnownMedia]] = field(default_factory=list)


def plan(found: Iterable[FoundFile], known: Mapping[str, KnownMedia], roots: Iterable[str]) -> Plan:
    """Sort the files of a walk of ``roots`` against the library's ``known`` files (keyed by path)."""
    p = Plan()
    seen: set[str] = set()
    for f in found:
        seen.add(f.path)
        k = known.get(f.path)
        if k is None:
            p.new.append(f)
        elif k.size != f.size or k.mtime_ns != f.mtime_ns:
            p.changed.append((f, k))
        elif k.status == MediaStatus.MISSING:
            p.returned.append((f, k))
        else:
            p.unchanged.append(k)
    roots = list(roots)
    for path, k in known.items():
        if path not in seen and k.status != MediaStatus.MISSING and any(is_under(path, r) for r in roots):
            p.missing.append(k)
    return p
