# SPDX-License-Identifier: MIT
"""A content fingerprint that recognises a moved or renamed file without reading all of it.

BLAKE2b over the size and three 64 KiB samples (start, middle, end). For JPEG, HEIC and video files
the samples fall in compressed data, which differs between any two real photos; reading 192 KiB of a
4 MB photo keeps a re-scan of moved folders I/O-cheap. It identifies files for moves, not for security.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from typing import BinaryIO

SAMPLE = 64 * 1024


def _digest(size: int, read_at: Callable[[int, int], bytes]) -> str:
    h = hashlib.blake2b(digest_size=20)
    h.update(size.to_bytes(8, "little"))
    if size <= 3 * SAMPLE:
        h.update(read_at(0, size))
    else:
        for off in (0, size // 2 - SAMPLE // 2, size - SAMPLE):
            h.update(read_at(off, SAMPLE))
    return h.hexdigest()


def fingerprint_bytes(data: bytes) -> str:
    """The fingerprint of a file whose whole content is in memory."""
    return _digest(len(data), lambda off, n: data[off:off + n])


def fingerprint_file(f: BinaryIO) -> str:
    """The fingerprint of an open binary file."""
    size = os.fstat(f.fileno()).st_size

    def read_at(off: int, n: int) -> bytes:
        f.seek(off)
        return f.read(n)

    return _digest(size, read_at)


def fingerprint_path(path: str | os.PathLike[str]) -> str:
    with open(path, "rb") as f:
        return fingerprint_file(f)
