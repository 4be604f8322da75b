# SPDX-License-Identifier: MIT
"""Incremental clustering at scale: 1 000 new faces joining a library of 100 000.

    python bench/cluster_incremental.py [--persons 5000] [--faces 100000] [--new 1000] [--db PATH]
    python bench/cluster_incremental.py --db PATH --full     # a full clustering of that library instead

Builds (unless ``--db`` exists) a library of synthetic faces with real-like similarities (devtools.synthetic,
faceres-like 1024-D and ArcFace-like 512-D embeddings, made in the app's centred space and lifted through its
principal axes, so that the app's own centring and projection, organizer.cluster.fusion, give them back) of
``--persons`` identities: ``--faces`` faces, 97 % in their identity's person and the rest unsorted, as a library
looks after earlier runs; and two batches of ``--new`` faces of the same identities kept aside. Then, as the app
and the command line run it after indexing new photos:

1. a batch is added and a fresh :class:`ClusteringService` clusters incrementally (a new process: nothing kept);
2. the other batch is added and the same service clusters incrementally again (the desktop app, which keeps what
   it prepared between runs).

Prints each run's time, CPU time, peak RSS, how many new faces joined a person and how many joined the right one,
and the machine's load. The library file is changed by the run: rebuild it (or copy it first) to run again.
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

from sqlalchemy import func
from sqlalchemy import insert
from sqlalchemy import select

from devtools.synthetic import lift
from devtools.synthetic import make_synthetic
from organizer.cluster import ClusterParams
from organizer.cluster.distance import stored_mean_embedding
from organizer.cluster.fusion import stored_mean_second
from organizer.cluster.fusion import stored_projection
from organizer.core.progress import drive
from organizer.db.engine import open_library
from organizer.db.models import DateSource
from organizer.db.models import DecidedBy
from organizer.db.models import Face
from organizer.db.models import FaceEmbedding
from organizer.db.models import Media
from organizer.db.models import MediaKind
from organizer.db.models import MediaStatus
from organizer.db.models import Person
from organizer.services.clustering import ClusteringService
from organizer.vision.engine import current_second_model


def build(path: Path, n_persons: int, n_faces: int, n_new: int) -> None:
    rng = np.random.default_rng(0)
    total = n_faces + 2 * n_new
    counts = np.bincount(rng.integers(0, n_persons, total), minlength=n_persons)
    counts[counts == 0] = 1
    # in the app's space already centred: mean cosines 0.54 / 0.04 (organizer/cluster/fusion.py), then lifted
    x, y = make_synthetic(n_persons, counts, dim=256, same_cos=0.54, diff_cos=0.04, spread=0.3, subspace=64, seed=1)
    d, _ = make_synthetic(n_persons, counts, dim=256, same_cos=0.54, diff_cos=0.04, spread=0.3, subspace=32, seed=2)
    axes_f, axes_d = stored_projection()
    x, d = lift(x, axes_f, stored_mean_embedding()), lift(d, axes_d, stored_mean_second())
    order = rng.permutation(len(y))  # the batches aside are faces of any identity
    x, d, y = x[order], d[order], y[order]
    old = len(y) - 2 * n_new
    person = np.where(rng.random(old) < 0.97, y[:old] + 1, 0)
    np.savez(path.with_suffix(".new.npz"), x=x[old:], d=d[old:], y=y[old:])
    engine, sessions = open_library(path)
    with sessions.begin() as s:
        s.execute(insert(Person), [{"id": i + 1} for i in range(n_persons)])
        _insert(s, x[:old], d[:old], y[:old], person, first=1)
    engine.dispose()


def _insert(s, x, d, y, person, first: int) -> None:
    base = dt.datetime(2005, 1, 1)
    ids = range(first, first + len(y))
    s.execute(insert(Media), [
        {"id": i, "path": f"/album/{i // 1000:03d}/img_{i:06d}.jpg", "size": 1, "mtime_ns": i,
         "kind": MediaKind.PHOTO, "width": 4000, "height": 3000, "status": MediaStatus.OK,
         "taken_at": base + dt.timedelta(hours=i), "date_source": DateSource.EXIF} for i in ids])
    s.execute(insert(Face), [
        {"id": i, "media_id": i, "x": 10.0, "y": 10.0, "w": 100.0, "h": 120.0, "score": 0.99,
         "embedding": x[k].astype("<f4").tobytes(), "embedding_model": "bench", "embedding_dim": 1024,
         "p_male": float(y[k] % 2), "age": float(20 + y[k] % 50),
         "person_id": int(person[k]) or None, "assigned_by": DecidedBy.ALGORITHM if person[k] else None}
        for k, i in enumerate(ids)])
    s.execute(insert(FaceEmbedding), [{"face_id": i, "model": current_second_model(), "dim": 512,
                                       "vector": d[k].astype("<f4").tobytes()} for k, i in enumerate(ids)])


def add_batch(sessions, batch: dict, part: int, n_new: int) -> list[int]:
    with sessions.begin() as s:
        first = int(s.scalar(select(func.max(Face.id))) or 0) + 1
        sl = slice(part * n_new, (part + 1) * n_new)
        _insert(s, batch["x"][sl], batch["d"][sl], batch["y"][sl], np.zeros(n_new, np.int64), first)
    return list(range(first, first + n_new))


def run(service: ClusteringService, sessions, params: ClusterParams, new_ids: list[int], truth: np.ndarray,
        label: str) -> None:
    cpu0, t0 = time.process_time(), time.perf_counter()
    drive(service.recluster(params, incremental=True))
    took, cpu = time.perf_counter() - t0, time.process_time() - cpu0
    with sessions() as s:
        got = dict(s.execute(select(Face.id, Face.person_id).where(Face.id.in_(new_ids))).all())
    joined = [f for f in new_ids if got.get(f) is not None]
    right = sum(got[f] == truth[k] + 1 for k, f in enumerate(new_ids) if got.get(f) is not None)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
    print(f"{label}: {took:.2f} s ({cpu:.2f} s CPU), {len(joined)}/{len(new_ids)} new faces in a person, "
          f"{right} in their own; peak RSS {peak:.2f} GB; load {os.getloadavg()[0]:.2f}")


def one_thread_gflops() -> float:
    """float32 matrix-product speed on one BLAS thread (the clustering's), to quote beside the times."""
    from organizer.cluster.blas import one_blas_thread

    a = np.random.default_rng(0).standard_normal((1024, 1024), dtype=np.float32)
    with one_blas_thread():
        a @ a
        t = time.perf_counter()
        for _ in range(5):
            a @ a
    return 5 * 2 * 1024**3 / (time.perf_counter() - t) / 1e9


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--persons", type=int, default=5000)
    ap.add_argument("--faces", type=int, default=100_000)
    ap.add_argument("--new", type=int, default=1000)
    ap.add_argument("--db", type=Path, default=None)
    ap.add_argument("--full", action="store_true",
                    help="instead: one full clustering of the library (every face) in this new process")
    args = ap.parse_args()
    db = args.db or Path(tempfile.mkdtemp()) / "library.sqlite"
    if not db.exists():
        t = time.perf_counter()
        build(db, args.persons, args.faces, args.new)
        print(f"built {db} ({db.stat().st_size / 2**20:.0f} MiB) in {time.perf_counter() - t:.1f} s")
    batch = dict(np.load(db.with_suffix(".new.npz")))
    engine, sessions = open_library(db)
    params = ClusterParams()  # the app's: the faces were made in its centred, projected space
    print(f"machine: float32 matmul on one BLAS thread {one_thread_gflops():.1f} GFLOPS, load {os.getloadavg()[0]:.2f}")
    service = ClusteringService(sessions)
    if args.full:
        cpu0, t0 = time.process_time(), time.perf_counter()
        drive(service.recluster(params, incremental=False))
        took, cpu = time.perf_counter() - t0, time.process_time() - cpu0
        with sessions() as s:
            n = s.scalar(select(func.count(Face.id)))
            persons = s.scalar(select(func.count(func.distinct(Face.person_id))))
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
        print(f"full clustering of {n} faces: {took:.2f} s ({cpu:.2f} s CPU), {persons} persons; "
              f"peak RSS {peak:.2f} GB; load {os.getloadavg()[0]:.2f}")
        engine.dispose()
        return 0
    for part, label in enumerate(("new process, first incremental run", "same service, next incremental run")):
        new_ids = add_batch(sessions, batch, part, args.new)
        run(service, sessions, params, new_ids, batch["y"][part * args.new:(part + 1) * args.new], label)
    engine.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
