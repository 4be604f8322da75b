# SPDX-License-Identifier: MIT
"""One process writes a library at a time; the others read it read-only or are refused with a clear message.

Why: SQLite guards a WAL database with POSIX advisory locks on the library file, and POSIX drops *every* lock a
process holds on a file when *any* descriptor of that file is closed in the process (a file dialog sniffing
the file is enough). A second process then believes it is the last connection and, when it closes, checkpoints
and deletes the WAL the first one still writes into. So:

* the writer (the desktop app for its whole life, ``organizer index``/``cluster`` while they run) holds an
  exclusive ``flock`` on a lock file beside the library (``library.sqlite.lock``): BSD locks belong to the open
  file description, so nothing another part of the process does to the library file can drop them, and the
  lock file is never the library;
* another would-be writer is refused (:class:`LibraryBusyError`, naming the holder), and a reader
  (``organizer status``/``people``) opens the library read-only while a writer holds it: a read-only
  connection never checkpoints or deletes the WAL on close.

The library file itself is only ever opened by SQLite.
"""

from __future__ import annotations

import contextlib
import os
import sys
from pathlib import Path
from types import TracebackType

from organizer.core.errors import LibraryError


class LibraryBusyError(LibraryError):
    """Another process is writing the library (the desktop app, or an indexing run)."""

    exit_code = 7


def lock_path(db: Path) -> Path:
    return db.with_name(db.name + ".lock")


class LibraryLock:
    """The writer's lock of one library (a context manager; released when the process ends, whatever happens)."""

    def __init__(self, db: Path, role: str) -> None:
        """``role`` says who holds it, for the message another process shows (e.g. "the Organizer window")."""
        self.db = Path(db)
        self.path = lock_path(self.db)
        self.role = role
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def acquire(self) -> LibraryLock:
        """Take the lock now or raise :class:`LibraryBusyError` naming who holds it."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        if not _try_lock(fd):
            holder = _read_holder(fd)
            os.close(fd)
            raise LibraryBusyError(f"{self.db} is in use by {holder or 'another Organizer process'}; "
                                   "close it or wait for it to finish, then try again")
        os.ftruncate(fd, 0)
        os.write(fd, f"{self.role} (process {os.getpid()})\n".encode())
        self._fd = fd
        return self

    def release(self) -> None:
        fd, self._fd = self._fd, None
        if fd is not None:
            with contextlib.suppress(OSError):
                os.ftruncate(fd, 0)
            os.close(fd)  # closing the descriptor releases the lock

    def __enter__(self) -> LibraryLock:
        return self.acquire()

    def __exit__(self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None) -> None:
        self.release()


def writer_active(db: Path) -> str | None:
    """Who holds the writer's lock of ``db`` now (its role and process), or None when nobody does."""
    path = lock_path(Path(db))
    if not path.exists():
        return None
    fd = os.open(path, os.O_RDONLY if sys.platform != "win32" else os.O_RDWR)
    try:
        if _try_lock(fd, shared=True):
            _unlock(fd)
            return None
        return _read_holder(fd) or "another Organizer process"
    finally:
        os.close(fd)


def _read_holder(fd: int) -> str:
    with contextlib.suppress(OSError):
        os.lseek(fd, 0, os.SEEK_SET)
        return os.read(fd, 200).decode("utf-8", "replace").strip()
    return ""


if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
    import msvcrt

    def _try_lock(fd: int, shared: bool = False) -> bool:
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True

    def _unlock(fd: int) -> None:
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)

else:
    import fcntl

    def _try_lock(fd: int, shared: bool = False) -> bool:
        try:
            fcntl.flock(fd, (fcntl.LOCK_SH if shared else fcntl.LOCK_EX) | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True

    def _unlock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)
