# SPDX-License-Identifier: MIT
"""Recursive walk of library folders: media files with their size and mtime.

Paths are ``str`` as Python gives them: a name that is not valid UTF-8 arrives with lone surrogates
(surrogateescape) and ``os.fsencode`` gives the exact bytes back. Symbolic links to folders are
followed, but each real folder (device, inode) is entered only once, so loops end and a folder
reachable twice is not indexed twice.
"""

from __future__ import annotations

import logging
import os
import stat
from collections.abc import Iterable
from collections.abc import Iterator
from dataclasses import dataclass

from organizer.core.vocabulary import MediaKind
from organizer.media.decode import PHOTO_EXTENSIONS

log = logging.getLogger(__name__)

VIDEO_EXTENSIONS = frozenset({".mp4", ".mov", ".m4v", ".avi", ".mkv", ".3gp"})

#: Folders that hold system or application data, never the user's photos (compared case-insensitively).
SYSTEM_FOLDERS = frozenset(name.casefold() for name in (
    "@eaDir", "#recycle", "$RECYCLE.BIN", "System Volume Information", "lost+found", "__MACOSX",
    "Thumbs", ".Trashes", ".Spotlight-V100", ".fseventsd", "node_modules",
))


def media_kind(name: str) -> MediaKind | None:
    """Photo, video or None, from the extension (case-insensitive)."""
    ext = os.path.splitext(name)[1].lower()
    if ext in PHOTO_EXTENSIONS:
        return MediaKind.PHOTO
    if ext in VIDEO_EXTENSIONS:
        return MediaKind.VIDEO
    return None


def is_skipped_folder(name: str) -> bool:
    return name.startswith(".") or name.casefold() in SYSTEM_FOLDERS


@dataclass(frozen=True, slots=True)
class FoundFile:
    path: str
    size: int
    mtime_ns: int
    kind: MediaKind


def normalise_root(root: str | os.PathLike[str]) -> str:
    """An absolute, symlink-free folder path: the same folder always gives the same media paths."""
    return os.path.realpath(os.path.abspath(os.fspath(root)))


def walk(roots: Iterable[str | os.PathLike[str]], errors: list[tuple[str, str]] | None = None) -> Iterator[FoundFile]:
    """Every photo and video below ``roots``, each real file once.

    Args:
        roots: folders (a file is accepted too).
        errors: if given, receives ``(path, message)`` for folders that cannot be listed.
    """
    seen_dirs: set[tuple[int, int]] = set()
    seen_files: set[tuple[int, int]] = set()
    stack: list[str] = []
    for root in roots:
        r = normalise_root(root)
        try:
            st = os.stat(r)
        except OSError as e:
            log.warning("Cannot open %s: %s", r, e.strerror)
            if errors is not None:
                errors.append((r, e.strerror or str(e)))
            continue
        if stat.S_ISREG(st.st_mode):
            kind = media_kind(r)
            if kind and (st.st_dev, st.st_ino) not in seen_files:
                seen_files.add((st.st_dev, st.st_ino))
                yield FoundFile(r, st.st_size, st.st_mtime_ns, kind)
            continue
        stack.append(r)
        while stack:
            folder = stack.pop()
            try:
                fst = os.stat(folder)
            except OSError:
                continue
            key = (fst.st_dev, fst.st_ino)
            if key in seen_dirs:
                continue
            seen_dirs.add(key)
            try:
                with os.scandir(folder) as it:
                    entries = sorted(it, key=lambda e: e.name)
            except OSError as e:
                log.warning("Cannot list %s: %s", folder, e.strerror)
                if errors is not None:
                    errors.append((folder, e.strerror or str(e)))
                continue
            subdirs = []
            for entry in entries:
                try:
                    if entry.is_dir(follow_symlinks=True):
                        if not is_skipped_folder(entry.name):
                            subdirs.append(entry.path)
                        continue
                    kind = media_kind(entry.name)
                    if kind is None or entry.name.startswith("._"):  # "._x.jpg": macOS resource forks
                        continue
                    st = entry.stat(follow_symlinks=True)
                except OSError:  # vanished, or a dangling link
                    continue
                if not stat.S_ISREG(st.st_mode) or (st.st_dev, st.st_ino) in seen_files:
                    continue
                seen_files.add((st.st_dev, st.st_ino))
                yield FoundFile(entry.path, st.st_size, st.st_mtime_ns, kind)
            stack.extend(reversed(subdirs))
