# SPDX-License-Identifier: MIT
"""Export a person's photos (or a search's results) into a folder: copies, hard links or symbolic links.

What: :meth:`PhotoExport.person_groups` gives each person's whole photos (every photo or video with one of their
faces that the library can read); :func:`search_group` the results of a search. A video is one file however many
of its frames matched. Where: one folder, or a subfolder per group (per person). How: :class:`ExportMode`.

:func:`plan` decides each source's target without writing anything; :func:`run` plans and writes, one progress
event per file. Names are kept; a name already used in the plan, or taken on disk by a different file, gets a
suffix (``IMG_0001 (2).JPG``), so a different file is never overwritten. A target that is already the export of
its source (the same size and modification time, or the same inode; for a symbolic link, a link to the source) is
skipped, so running an export again costs a few ``stat`` calls and writes nothing new. Sources are only ever read:
a copy is written under a temporary name in the target folder and renamed once complete, so an interrupted export
leaves no half file under a photo's name. A missing source or an unwritable target is a failure of that file in
plain words and the others go on; a full disk or a target folder that cannot be written stops the run.
"""

from __future__ import annotations

import enum
import errno
import os
import secrets
import shutil
import stat
from collections.abc import Generator
from collections.abc import Iterable
from collections.abc import Sequence
from contextlib import suppress
from dataclasses import dataclass
from dataclasses import field

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm import sessionmaker

from organizer.core.progress import CancelToken
from organizer.core.progress import Progress
from organizer.core.vocabulary import Phase
from organizer.db.models import Face
from organizer.db.models import Media
from organizer.db.models import MediaKind
from organizer.db.models import MediaStatus
from organizer.media import xmp
from organizer.services.photo_search import PhotoHit

#: The phase of this job's progress events.
EXPORT_PHASE = "export"
#: Modification times this close count as the same: FAT and exFAT drives (memory cards, USB sticks) store them
#: to 2 s only, so a copy's time there is its source's rounded.
MTIME_TOLERANCE_NS = 2_000_000_000
#: Characters that Windows, FAT and exFAT refuse in a name (a folder named after a person must work there too).
_UNSAFE = set('<>:"/\\|?*') | {chr(c) for c in range(32)}
#: Errors that say a hard link cannot be made here (another drive, a file system without links): copied instead.
_NO_HARDLINK = {errno.EXDEV, errno.EPERM, errno.EMLINK, errno.ENOTSUP, errno.EOPNOTSUPP}


class ExportMode(enum.StrEnum):
    #: An independent copy (the modification time kept, as ``shutil.copy2``).
    COPY = "copy"
    #: A second name of the same file: no space taken; the same drive only, else it is copied (and said so).
    HARDLINK = "hardlink"
    #: A link to the original's path: no space taken; breaks when the original moves.
    SYMLINK = "symlink"


@dataclass(frozen=True, slots=True)
class ExportGroup:
    """Photos exported together: a person's, or a search's results; ``name`` names its subfolder."""

    name: str
    #: Absolute paths, each once, in export order.
    paths: tuple[str, ...]
    #: Those of ``paths`` that are videos.
    videos: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class ExportOptions:
    folder: str
    mode: ExportMode = ExportMode.COPY
    #: One subfolder per group (per person), named after it.
    per_group_folders: bool = False
    #: Also copy each photo's XMP sidecar (``IMG.JPG.xmp`` and ``IMG.xmp``), if there is one. A sidecar is always
    #: copied, never linked: a tool that writes tags into the exported sidecar must not change the original's.
    sidecars: bool = False


@dataclass(frozen=True, slots=True)
class PlannedFile:
    """One source and where it goes; ``done``: the target already is its export."""

    source: str
    target: str
    done: bool = False
    #: ``(sidecar, its target)`` for each sidecar the photo has (with ``ExportOptions.sidecars``).
    sidecars: tuple[tuple[str, str], ...] = ()


@dataclass(slots=True)
class ExportResult:
    """What an export did, by path (absolute)."""

    folder: str
    mode: ExportMode
    #: ``(source, target, how)``, ``how`` the mode used: ``"copy"`` where a hard link could not be made.
    exported: list[tuple[str, str, str]] = field(default_factory=list)
    #: ``(source, target)`` already exported identically.
    skipped: list[tuple[str, str]] = field(default_factory=list)
    #: ``(sidecar, target)`` copied.
    sidecars: list[tuple[str, str]] = field(default_factory=list)
    #: ``(source, what went wrong in plain words)``.
    failed: list[tuple[str, str]] = field(default_factory=list)
    #: Why the run stopped before its end (the target cannot be written, the disk is full), None otherwise.
    problem: str | None = None
    cancelled: bool = False

    @property
    def copied_instead(self) -> int:
        """Hard links that had to be copies (another drive, or a file system without hard links)."""
        return sum(1 for _s, _t, how in self.exported if how != self.mode)

    def summary(self) -> str:
        """One line for the status bar and the terminal."""
        n = len(self.exported)
        head = f"Exported {_n(n, 'file')} to {self.folder}" if n or not self.problem else "Nothing exported"
        parts = []
        if self.skipped:
            parts.append(f"{len(self.skipped)} already there")
        if self.copied_instead:
            parts.append(f"{self.copied_instead} copied instead of linked (another drive)")
        if self.sidecars:
            parts.append(_n(len(self.sidecars), "sidecar"))
        if self.failed:
            parts.append(f"{len(self.failed)} failed")
        text = head + (f" ({', '.join(parts)})" if parts else "")
        if self.problem:
            text += f"; stopped: {self.problem}"
        elif self.cancelled:
            text += "; stopped before the end"
        return text


class PhotoExport:
    """Reads which photos show the persons; one instance per library (a read-only one will do)."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    def person_groups(self, persons: Sequence[tuple[int, str]]) -> list[ExportGroup]:
        """``persons``: ``(person id, name for its folder)``; each person's readable photos and videos by path."""
        ids = [pid for pid, _name in persons]
        found: dict[int, dict[str, bool]] = {pid: {} for pid in ids}
        with self._sessions() as s:
            for k in range(0, len(ids), 900):
                for pid, path, kind in s.execute(
                        select(Face.person_id, Media.path, Media.kind).join(Media, Media.id == Face.media_id)
                        .where(Face.person_id.in_(ids[k:k + 900]), Media.status == MediaStatus.OK)
                        .distinct()):
                    if pid is not None:
                        found[pid][str(path)] = kind == MediaKind.VIDEO
        return [ExportGroup(name, tuple(sorted(found[pid])),
                            frozenset(p for p, video in found[pid].items() if video)) for pid, name in persons]


def search_group(name: str, hits: Iterable[PhotoHit]) -> ExportGroup:
    """The results of a search, each file once: a video's frames are one video."""
    paths: dict[str, bool] = {}
    for h in hits:
        paths[h.path] = paths.get(h.path, False) or h.frame_s is not None
    return ExportGroup(name, tuple(paths), frozenset(p for p, video in paths.items() if video))


def folder_name(name: str) -> str:
    """A person's name as a folder name on any drive: no path separators nor characters FAT refuses."""
    safe = "".join("_" if c in _UNSAFE else c for c in name).strip().rstrip(". ")
    return safe if safe not in ("", ".", "..") else "_"


def plan(groups: Sequence[ExportGroup], options: ExportOptions) -> list[PlannedFile]:
    """Each source's target (reads the target folder, writes nothing). Without per-group folders a photo in
    several groups is exported once; with them, into each group's folder."""
    root = os.path.abspath(options.folder)
    folders: set[str] = set()  # the groups' folder names (case-folded), each once: two persons may share a name
    claimed: dict[str, str] = {}  # target (case-folded: FAT and exFAT drives ignore case) -> its source
    out: list[PlannedFile] = []
    seen: set[tuple[str, str]] = set()
    for group in groups:
        folder = root
        if options.per_group_folders:
            name = _unique(folder_name(group.name), folders)
            folders.add(name.casefold())
            folder = os.path.join(root, name)
        for source in group.paths:
            source = os.path.abspath(source)
            if (folder, source) in seen:
                continue
            seen.add((folder, source))
            sidecars = _sidecars(source) if options.sidecars else []
            target, done = _choose(source, folder, sidecars, options.mode, claimed)
            claimed[os.path.normcase(target).casefold()] = source
            targets = tuple((sc, xmp.sidecar_path(target, style)) for style, sc in sidecars)
            for sc, sc_target in targets:
                claimed[os.path.normcase(sc_target).casefold()] = sc
            out.append(PlannedFile(source, target, done, targets))
    return out


def run(groups: Sequence[ExportGroup], options: ExportOptions,
        cancel: CancelToken | None = None) -> Generator[Progress, None, ExportResult]:
    """Plans and exports, yielding one progress event per file; returns what was done."""
    res = ExportResult(os.path.abspath(options.folder), ExportMode(options.mode))
    try:
        os.makedirs(res.folder, exist_ok=True)
    except OSError as e:
        res.problem = f"the folder {res.folder} cannot be made ({_reason(e)})"
    else:
        if not os.access(res.folder, os.W_OK | os.X_OK):
            res.problem = f"the folder {res.folder} cannot be written (permission denied)"
    files = plan(groups, options) if res.problem is None else []
    total = len(files)
    for done, f in enumerate(files, 1):
        if cancel is not None and cancel.cancelled:
            res.cancelled = True
            break
        _export_one(f, res)
        yield Progress(EXPORT_PHASE, done, total, path=f.target, errors=len(res.failed))
        if res.problem is not None:
            break
    yield Progress(Phase.DONE, total, total, errors=len(res.failed))
    return res


# --- choosing names -------------------------------------------------------------------------------------------

def _sidecars(source: str) -> list[tuple[xmp.SidecarStyle, str]]:
    return [(style, sc) for style in xmp.SIDECAR_STYLES if os.path.isfile(sc := xmp.sidecar_path(source, style))]


def _unique(name: str, taken: set[str]) -> str:
    stem, k = name, 1
    while name.casefold() in taken:
        k += 1
        name = f"{stem} ({k})"
    return name


def _choose(source: str, folder: str, sidecars: list[tuple[xmp.SidecarStyle, str]], mode: ExportMode,
            claimed: dict[str, str]) -> tuple[str, bool]:
    """The first of ``IMG.JPG``, ``IMG (2).JPG``, … that this export has not given to another source (nor its
    sidecars' names), and that is either free on disk or already the source's export: ``(target, done)``."""
    stem, ext = os.path.splitext(os.path.basename(source))
    k = 1
    while True:
        target = os.path.join(folder, stem + ext if k == 1 else f"{stem} ({k}){ext}")
        names = [(target, source)] + [(xmp.sidecar_path(target, style), sc) for style, sc in sidecars]
        if all(claimed.get(os.path.normcase(t).casefold(), s) == s for t, s in names):
            if not os.path.lexists(target):
                return target, False
            if _is_export_of(source, target, mode):
                return target, True
        k += 1


def _is_export_of(source: str, target: str, mode: ExportMode) -> bool:
    """Whether ``target`` already is what exporting ``source`` makes (or the source itself)."""
    try:
        t = os.lstat(target)
        s = os.stat(source)
    except OSError:
        return False
    if mode == ExportMode.SYMLINK:
        return stat.S_ISLNK(t.st_mode) and os.path.realpath(target) == os.path.realpath(source)
    return stat.S_ISREG(t.st_mode) and ((t.st_dev, t.st_ino) == (s.st_dev, s.st_ino) or _same_copy(s, t))


def _same_copy(s: os.stat_result, t: os.stat_result) -> bool:
    return s.st_size == t.st_size and abs(s.st_mtime_ns - t.st_mtime_ns) <= MTIME_TOLERANCE_NS


# --- writing --------------------------------------------------------------------------------------------------

def _export_one(f: PlannedFile, res: ExportResult) -> None:
    if f.done:
        res.skipped.append((f.source, f.target))
    else:
        how = _write(f.source, f.target, res.mode, res)
        if how is None:
            return  # failed: its sidecars stay behind too
        res.exported.append((f.source, f.target, how))
    for sc, sc_target in f.sidecars:
        try:
            if os.path.lexists(sc_target):
                if not _same_copy(os.stat(sc), os.lstat(sc_target)):
                    res.failed.append((sc, f"sidecar not copied: a different {os.path.basename(sc_target)} is "
                                           f"already in {os.path.dirname(sc_target)}"))
                continue
        except OSError as e:
            res.failed.append((sc, f"sidecar not copied: {_reason(e)}"))
            continue
        if _write(sc, sc_target, ExportMode.COPY, res) is not None:
            res.sidecars.append((sc, sc_target))


def _write(source: str, target: str, mode: ExportMode, res: ExportResult) -> str | None:
    """Exports one file; the mode used, or None after recording the failure in ``res``."""
    if not os.path.isfile(source):
        what = "a folder" if os.path.isdir(source) else "not there any more (index its folder again)"
        res.failed.append((source, f"not exported: the original is {what}"))
        return None
    if not os.access(source, os.R_OK):
        res.failed.append((source, "not exported: the original cannot be read (permission denied)"))
        return None
    folder = os.path.dirname(target)
    try:
        os.makedirs(folder, exist_ok=True)
        if os.path.lexists(target):  # appeared since the plan: never replaced
            raise FileExistsError(errno.EEXIST, "another file took its name meanwhile")
        if mode == ExportMode.SYMLINK:
            os.symlink(os.path.abspath(source), target)
            return mode
        if mode == ExportMode.HARDLINK:
            try:
                os.link(source, target, follow_symlinks=True)
                return mode
            except OSError as e:
                if e.errno not in _NO_HARDLINK:
                    raise
        _copy(source, target)
        return ExportMode.COPY
    except OSError as e:
        if e.errno == errno.ENOSPC:
            res.problem = f"the disk holding {folder} is full"
        if e.errno == errno.EPERM and mode == ExportMode.SYMLINK:
            reason = "this drive cannot hold symbolic links (choose Copy)"
        elif e.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
            reason = f"cannot write in {folder} ({_reason(e)})"
        else:
            reason = _reason(e)
        res.failed.append((source, f"not exported: {reason}"))
        return None


def _copy(source: str, target: str) -> None:
    """``shutil.copy2`` under a temporary name beside the target, then renamed: no half-written file ever carries
    the target's name."""
    folder, name = os.path.split(target)
    tmp = os.path.join(folder, f".{name}.{secrets.token_hex(4)}.part")
    try:
        shutil.copy2(source, tmp)
        if os.path.lexists(target):
            raise FileExistsError(errno.EEXIST, "another file took its name meanwhile")
        os.rename(tmp, target)
    except BaseException:
        with suppress(OSError):
            os.unlink(tmp)
        raise


def _reason(e: OSError) -> str:
    return (e.strerror or str(e)).lower() if e.errno != errno.EEXIST else "another file took its name meanwhile"


def _n(count: int, what: str) -> str:
    return f"{count} {what}{'s' if count != 1 else ''}"
