# SPDX-License-Identifier: MIT
"""Time of the review report (suggestions, duplicates, outliers) on a large library.

    python bench/review_speed.py [--persons 5000] [--faces 100000] [--db PATH]

Builds (unless ``--db`` exists) a library of synthetic faces with real-like similarities (devtools.synthetic):
faceres-like 1024-D and ArcFace-like 512-D embeddings (made in the app's projected space and lifted back) of
``--persons`` identities, 90 % of the faces assigned to
their identity's person, 2 % to a wrong one, the rest unsorted; then prints the time of
``ReviewService.report`` (one read transaction, fusion, neighbour augmentation, the three computations), its
CPU time and the peak memory, and the machine's load; then of the next report of the same service, which finds
the clustering space prepared (as after an answer in the app).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import insert

from devtools.synthetic import lift
from devtools.synthetic import make_synthetic
from organizer.cluster import ClusterParams
from organizer.cluster.distance import stored_mean_embedding
from organizer.cluster.fusion import stored_mean_second
from organizer.cluster.fusion import stored_projection
from organizer.db.engine import open_library
from organizer.db.models import DateSource
from organizer.db.models import DecidedBy
from organizer.db.models import Face
from organizer.db.models import FaceEmbedding
from organizer.db.models import Media
from organizer.db.models import MediaKind
from organizer.db.models import MediaStatus
from organizer.db.models import Person
from organizer.services.review import ReviewService
from organizer.vision.engine import current_second_model


def build(path: Path, n_persons: int, n_faces: int) -> None:
    rng = np.random.default_rng(0)
    counts = np.bincount(rng.integers(0, n_persons, n_faces), minlength=n_persons)
    counts[counts == 0] = 1
    # in the app's space already centred (as bench/cluster_incremental.py), then lifted through its axes
    x, y = make_synthetic(n_persons, counts, dim=256, same_cos=0.54, diff_cos=0.04, spread=0.3, subspace=64, seed=1)
    d, _ = make_synthetic(n_persons, counts, dim=256, same_cos=0.54, diff_cos=0.04, spread=0.3, subspace=32, seed=2)
    axes_f, axes_d = stored_projection()
    x, d = lift(x, axes_f, stored_mean_embedding()), lift(d, axes_d, stored_mean_second())
    n = len(y)
    assigned = rng.random(n)
    person = np.where(assigned < 0.9, y + 1, np.where(assigned < 0.92, rng.integers(1, n_persons + 1, n), 0))
    engine, sessions = open_library(path)
    base = dt.datetime(2005, 1, 1)
    with sessions.begin() as s:
        s.execute(insert(Person), [{"id": i + 1} for i in range(n_persons)])
        s.execute(insert(Media), [
            {"id": m + 1, "path": f"/album/{m // 1000:03d}/img_{m:06d}.jpg", "size": 1, "mtime_ns": m,
             "kind": MediaKind.PHOTO, "width": 4000, "height": 3000, "status": MediaStatus.OK,
             "taken_at": base + dt.timedelta(hours=int(m)), "date_source": DateSource.EXIF} for m in range(n)])
        s.execute(insert(Face), [
            {"id": f + 1, "media_id": f + 1, "x": 10.0, "y": 10.0, "w": 100.0, "h": 120.0, "score": 0.99,
             "embedding": x[f].astype("<f4").tobytes(), "embedding_model": "bench", "embedding_dim": 1024,
             "p_male": float(y[f] % 2), "age": float(20 + y[f] % 50),
             "person_id": int(person[f]) or None, "assigned_by": DecidedBy.ALGORITHM if person[f] else None}
            for f in range(n)])
        s.execute(insert(FaceEmbedding), [{"face_id": f + 1, "model": current_second_model(), "dim": 512,
                                           "vector": d[f].astype("<f4").tobytes()} for f in range(n)])
    engine.dispose()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--persons", type=int, default=5000)
    ap.add_argument("--faces", type=int, default=100_000)
    ap.add_argument("--db", type=Path, default=None)
    args = ap.parse_args()
    db = args.db or Path(tempfile.mkdtemp()) / "library.sqlite"
    if not db.exists():
        t = time.perf_counter()
        build(db, args.persons, args.faces)
        print(f"built {db} ({db.stat().st_size / 2**20:.0f} MiB) in {time.perf_counter() - t:.1f} s")
    engine, sessions = open_library(db)
    params = ClusterParams()  # the app's: the faces were made in its centred, projected space
    service = ReviewService(sessions)
    # the first report prepares the clustering space; the next (after an answer, in the app) reuses it
    for label in ("first report", "next report"):
        cpu0, t0 = time.process_time(), time.perf_counter()
        report = service.report(params)
        took, cpu = time.perf_counter() - t0, time.process_time() - cpu0
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
        print(f"{label}: {took:.2f} s ({cpu:.2f} s CPU), {len(report.suggestions)} suggestions, "
              f"{len(report.duplicates)} duplicates, {len(report.outliers)} outliers; peak RSS {peak:.2f} GB; "
              f"load {os.getloadavg()[0]:.2f}")
    engine.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
