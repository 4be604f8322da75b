# SPDX-License-Identifier: MIT
"""Time of ``XmpExport`` (``organizer export-xmp``) on many photos: first run (every sidecar written), second run
(every sidecar unchanged).

    python bench/xmp_export.py [--photos 10000] [--dir DIR]

Builds (in a temp folder unless ``--dir``) that many tiny photo files and a library with two named persons on
each (rows written directly, no models), then prints the time of both runs and the machine's load.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import insert

from organizer.core.progress import drive
from organizer.db.engine import open_library
from organizer.db.models import DateSource
from organizer.db.models import DecidedBy
from organizer.db.models import Face
from organizer.db.models import Media
from organizer.db.models import MediaKind
from organizer.db.models import MediaStatus
from organizer.db.models import Person
from organizer.services.xmp_export import XmpExport


def build(root: Path, n: int):
    photos = root / "photos"
    photos.mkdir(parents=True, exist_ok=True)
    engine, sessions = open_library(root / "lib.sqlite")
    with sessions.begin() as s:
        s.execute(insert(Person), [{"id": 1, "name": "Anna Müller"}, {"id": 2, "name": 'Ben "Benny" Ó'}])
        media, faces = [], []
        for k in range(n):
            path = photos / f"{k // 1000:02d}" / f"IMG_{k:05d}.JPG"
            path.parent.mkdir(exist_ok=True)
            path.write_bytes(b"\xff\xd8\xff\xd9")
            media.append({"id": k + 1, "path": str(path), "size": 4, "mtime_ns": k, "kind": MediaKind.PHOTO,
                          "width": 4000, "height": 3000, "orientation": 1 + k % 8, "status": MediaStatus.OK,
                          "taken_at": dt.datetime(2020, 1, 1), "date_source": DateSource.EXIF})
            for j in (1, 2):
                faces.append({"media_id": k + 1, "x": 500.0 * j, "y": 800.0, "w": 300.0, "h": 380.0, "score": 0.99,
                              "embedding": b"\0" * 16, "embedding_model": "bench", "embedding_dim": 4,
                              "person_id": j, "assigned_by": DecidedBy.USER})
        s.execute(insert(Media), media)
        s.execute(insert(Face), faces)
    return engine, sessions


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--photos", type=int, default=10_000)
    ap.add_argument("--dir", type=Path, default=None)
    args = ap.parse_args()
    root = args.dir or Path(tempfile.mkdtemp())
    engine, sessions = build(root, args.photos)
    for run in ("first run", "second run"):
        t = time.perf_counter()
        res = drive(XmpExport(sessions).run())
        took = time.perf_counter() - t
        print(f"{run}: {args.photos} photos in {took:.1f} s ({args.photos / took:.0f} photos/s): "
              f"{len(res.written)} written, {len(res.unchanged)} unchanged, {len(res.failed)} failed; "
              f"load {os.getloadavg()[0]:.2f}")
    engine.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
