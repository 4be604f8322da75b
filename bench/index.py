# SPDX-License-Identifier: MIT
"""Benchmark of ``organizer index``: a realistic album of 12 MP JPEGs, then a re-index with nothing changed.

Builds the album in a temp dir from ../shared/data/faces (face photos composed onto 4000x3000 canvases,
JPEG quality 90, EXIF DateTimeOriginal), indexes it with the real models and prints photos/s, faces/s
and peak RSS; then times a re-index of the unchanged album, and of ``--unchanged N`` tiny files.

    .venv/bin/python bench/index.py --photos 40 --unchanged 10000
"""

from __future__ import annotations

import argparse
import io
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image

REPO = Path(__file__).resolve().parents[1]
FACES = REPO.parent / "shared" / "data" / "faces"


def build_album(out: Path, n: int, seed: int = 0) -> None:
    rng = random.Random(seed)
    sources = sorted(p for p in FACES.glob("*/*.jpg") if not p.parent.name.startswith("_"))
    groups = sorted((FACES / "_groups").glob("*.jpg"))
    out.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        base = np.random.default_rng(i).integers(60, 200, (1, 1, 3))
        canvas = Image.fromarray(np.broadcast_to(base, (3000, 4000, 3)).astype(np.uint8))
        # ~1.5 faces a photo: one or two portraits, sometimes a group photo, each enlarged as a phone would see them.
        picks = rng.sample(sources, rng.choice([1, 1, 2])) if i % 10 else [rng.choice(groups)]
        for k, src in enumerate(picks):
            im = Image.open(src).convert("RGB")
            scale = (1800 if src.parent.name == "_groups" else 900) / max(im.size)
            im = im.resize((int(im.width * scale), int(im.height * scale)), Image.BILINEAR)
            canvas.paste(im, (200 + k * 1900, 400 + rng.randrange(0, 600)))
        exif = Image.Exif()
        exif.get_ifd(0x8769)[0x9003] = f"2021:{1 + i % 12:02}:{1 + i % 28:02} 12:{i % 60:02}:00"
        buf = io.BytesIO()
        canvas.save(buf, "JPEG", quality=90, exif=exif)
        (out / f"IMG_{i:05}.jpg").write_bytes(buf.getvalue())


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_index(db: Path, roots: list[Path], engine) -> tuple[float, object]:
    from organizer.core.progress import drive
    from organizer.db.engine import open_library
    from organizer.media.video import FramePolicy
    from organizer.services.index_service import library_indexer

    eng, sessions = open_library(db)
    svc = library_indexer(sessions, FramePolicy(), lambda: engine)
    t = time.perf_counter()
    summary = drive(svc.run([str(r) for r in roots]))
    dt = time.perf_counter() - t
    eng.dispose()
    return dt, summary


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--photos", type=int, default=40)
    ap.add_argument("--unchanged", type=int, default=0, help="also time a re-index of this many unchanged files")
    args = ap.parse_args()
    if not FACES.is_dir():
        print(f"no data at {FACES}", file=sys.stderr)
        return 2
    from organizer.vision.engine import load_engine

    with tempfile.TemporaryDirectory(prefix="organizer-bench-") as tmp:
        tmp = Path(tmp)
        t = time.perf_counter()
        build_album(tmp / "album", args.photos)
        print(f"album: {args.photos} photos 4000x3000 q90 built in {time.perf_counter() - t:.1f} s")
        engine = load_engine()
        dt, s = run_index(tmp / "lib.sqlite", [tmp / "album"], engine)
        print(f"index: {s.photos} photos, {s.faces} faces in {dt:.1f} s: {s.photos / dt:.2f} photos/s, "
              f"{s.faces / dt:.2f} faces/s, {s.faces / max(s.photos, 1):.2f} faces/photo, errors {len(s.errors)}")
        print(f"peak RSS (this process): {peak_rss_mb():.0f} MB")
        dt2, s2 = run_index(tmp / "lib.sqlite", [tmp / "album"], engine)
        print(f"re-index, nothing changed: {s2.unchanged} files in {dt2:.2f} s")
        if args.unchanged:
            many = tmp / "many"
            for i in range(args.unchanged):
                d = many / f"{i // 500:03}"
                d.mkdir(parents=True, exist_ok=True)
                (d / f"{i:06}.jpg").write_bytes(b"x")  # unreadable: cheap to "analyze" the first time
            run_index(tmp / "lib2.sqlite", [many], engine)
            dt3, s3 = run_index(tmp / "lib2.sqlite", [many], engine)
            print(f"re-index, nothing changed: {s3.unchanged} files in {dt3:.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
