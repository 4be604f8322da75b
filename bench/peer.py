# SPDX-License-Identifier: MIT
"""Organizer beside a peer, face_recognition 1.3 (dlib's HOG detector + ResNet), on the same photos.

face_recognition is never a dependency of Organizer: it runs in a throw-away virtual environment, as a small
script this bench writes to a temp file (neither the app nor this process imports it). Create it once with

    python3.11 -m venv /tmp/peer-venv
    /tmp/peer-venv/bin/pip install dlib-bin face_recognition_models Pillow numpy click
    /tmp/peer-venv/bin/pip install --no-deps face_recognition==1.3.0

(dlib-bin is a prebuilt dlib wheel; building dlib from source takes 10+ minutes), then

    .venv/bin/python bench/peer.py [--peer-python /tmp/peer-venv/bin/python] [--rounds 3] [--quality-subset 80]

Speed: bench/index.py's album of 12 MP JPEGs (4000x3000, q90), each tool run as a fresh process, interleaved
(Organizer, peer, Organizer, peer, ...), on a 1-photo folder and on the ``--photos`` folder. Start-up included is
the wall time of the whole process; per photo without start-up is (t(N) - t(1)) / (N - 1). Organizer runs
``organizer index`` (its clustering included); the peer loads each photo (at full size or shrunk to 1024 px on
the longer side with Pillow's ``thumbnail``, the usual downscale), finds faces with ``face_locations`` (HOG,
one upsampling), encodes each with ``face_encodings`` and clusters them. Full size is slow (about 9 s a photo),
so it runs once on the first ``--full-photos`` photos and its per-photo time is the script's own loop time.

Quality: the photos of the developer identity folders (``--quality-subset N``: N identities, the first by a
SHA-256 of their names), copied to a temp folder that both tools read. Organizer: ``organizer index --min-days
0`` and ``organizer people --json``. The peer: every face HOG finds on each photo, at the photo's own size,
encoded, then clustered three ways a face_recognition user would: dlib's Chinese whispers at 0.5 (dlib's
face_clustering.py example) and at 0.6 (face_recognition's documented tolerance), and connected components of
distance < 0.6; the best of the three is its headline. Both are scored by bench/people_quality.py (each photo's
largest face, labelled by its folder), run on the same kind of document; a photo on which a tool found no face
is added as an unsorted face of its own, so missed faces cost recall for both alike. The whole set (1 929
photos, 643 identities) takes about 5 minutes for the peer and 2 for Organizer on 2 shared cores (7 in all);
the speed part under 2 minutes.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "bench"))
sys.path.insert(0, str(REPO))

from index import FACES  # noqa: E402  (bench/index.py: the album maker and the data's place)
from index import build_album  # noqa: E402

ORGANIZER = Path(sys.executable).with_name("organizer")
IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png"}

# The peer's side: run by the peer's python, reads a JSON job, writes a JSON result. Only face_recognition's
# public API and dlib's clustering, as its users call them.
PEER_SCRIPT = r'''
import json, sys, time
t0 = time.perf_counter()
import numpy as np
from PIL import Image
import dlib
import face_recognition

job = json.load(open(sys.argv[1]))
t_ready = time.perf_counter()
images, encodings = [], []
for path in job["paths"]:
    try:
        im = Image.open(path)
        width = im.width
        if job["max_side"] and max(im.size) > job["max_side"]:
            im.thumbnail((job["max_side"], job["max_side"]))  # Pillow's JPEG draft mode, then a resample
        pixels = np.asarray(im.convert("RGB"))
    except Exception as e:
        images.append({"path": path, "error": str(e), "faces": []})
        continue
    s = width / pixels.shape[1]
    locations = face_recognition.face_locations(pixels)  # HOG, upsampled once
    encodings += face_recognition.face_encodings(pixels, locations)
    images.append({"path": path, "error": None,
                   "faces": [[l * s, t * s, (r - l) * s, (b - t) * s] for t, r, b, l in locations]})
t_loop = time.perf_counter()
clusterings = {}
if encodings:
    vectors = [dlib.vector(e.tolist()) for e in encodings]
    for thr in (0.5, 0.6):
        clusterings[f"chinese whispers {thr}"] = [int(c) for c in dlib.chinese_whispers_clustering(vectors, thr)]
    e = np.asarray(encodings)
    near = np.linalg.norm(e[:, None, :] - e[None, :, :], axis=2) < 0.6
    label = list(range(len(e)))
    def root(i):
        while label[i] != i:
            label[i] = label[label[i]]
            i = label[i]
        return i
    for i, j in zip(*np.nonzero(np.triu(near, 1))):
        label[root(int(i))] = root(int(j))
    clusterings["connected components 0.6"] = [root(i) for i in range(len(e))]
json.dump({"startup_s": t_ready - t0, "loop_s": t_loop - t_ready, "cluster_s": time.perf_counter() - t_loop,
           "images": images, "clusterings": clusterings}, open(job["out"], "w"))
'''


def timed(cmd: list[str]) -> tuple[float, float, str]:
    """Wall and CPU seconds (user + system, every thread) of one process, and its stderr."""
    before, t = resource.getrusage(resource.RUSAGE_CHILDREN), time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True, check=True)
    wall, after = time.perf_counter() - t, resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime, done.stderr


def run_organizer(folder: Path, db: Path, *extra: str) -> tuple[float, float, int]:
    """Wall and CPU time of one ``organizer index`` process and the faces it found."""
    wall, cpu, err = timed([str(ORGANIZER), "index", "--db", str(db), "--no-progress", *extra, str(folder)])
    m = re.search(r"(\d+) faces\)", err)
    return wall, cpu, int(m.group(1)) if m else -1


def run_peer(python: str, script: Path, paths: list[Path], max_side: int, work: Path) -> tuple[float, float, dict]:
    """Wall and CPU time of one peer process and its result document."""
    job, out = work / "peer-job.json", work / "peer-out.json"
    job.write_text(json.dumps({"paths": [str(p) for p in paths], "max_side": max_side, "out": str(out)}))
    wall, cpu, _ = timed([python, str(script), str(job)])
    return wall, cpu, json.loads(out.read_text())


def machine_line() -> str:
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    try:
        from vision_speed import matmul_gflops

        gflops = f"numpy float32 matmul {matmul_gflops(0):.1f} GFLOPS"
    except Exception as e:  # the yardstick is optional: its module needs the app's models
        gflops = f"no GFLOPS reading ({e})"
    return f"{os.cpu_count()} cores, load average {load}; {gflops}"


def speed(args: argparse.Namespace, script: Path | None, work: Path) -> None:
    t = time.perf_counter()
    album, one = work / "album", work / "one"
    build_album(album, args.photos)
    photos = sorted(album.glob("*.jpg"))
    one.mkdir()
    shutil.copy(photos[1], one / photos[1].name)  # a portrait (photos[0] is a group photo)
    print(f"album: {len(photos)} photos 4000x3000 q90 (bench/index.py) built in {time.perf_counter() - t:.1f} s")
    org: dict[int, list[float]] = {1: [], len(photos): [], -1: []}  # -1: CPU seconds of the full runs
    peer: dict[int, list[float]] = {1: [], len(photos): [], -1: []}
    org_faces = peer_faces = 0
    peer_loop: list[float] = []
    run_organizer(one, work / "warm-up.sqlite")  # model files into the page cache, for both alike
    if script:
        run_peer(args.peer_python, script, [one / photos[1].name], 1024, work)
    for r in range(args.rounds):
        for folder, n in ((one, 1), (album, len(photos))):
            dt, cpu, faces = run_organizer(folder, work / f"speed-{r}-{n}.sqlite")
            org[n].append(dt)
            if n > 1:
                org_faces = faces
                org[-1].append(cpu)
            if script:
                dt, cpu, doc = run_peer(args.peer_python, script, sorted(folder.glob("*.jpg")), 1024, work)
                peer[n].append(dt)
                if n > 1:
                    peer_faces = sum(len(i["faces"]) for i in doc["images"])
                    peer_loop.append(doc["loop_s"] / n)
                    peer[-1].append(cpu)
        print(f"  round {r + 1}: Organizer {org[1][-1]:.1f} / {org[len(photos)][-1]:.1f} s"
              + (f", face_recognition 1024 px {peer[1][-1]:.1f} / {peer[len(photos)][-1]:.1f} s" if script else "")
              + f" (1 / {len(photos)} photos)")

    def report(name: str, runs: dict[int, list[float]], faces: int) -> float:
        n = len(photos)
        rates = sorted(n / t for t in runs[n])
        marginal = statistics.median((tn - t1) / (n - 1) for t1, tn in zip(runs[1], runs[n], strict=True))
        print(f"{name}: {rates[0]:.2f}-{rates[-1]:.2f} photos/s start-up included (median "
              f"{statistics.median(rates):.2f}), {1 / marginal:.2f} photos/s without start-up "
              f"({marginal * 1000:.0f} ms a photo; start-up {statistics.median(runs[1]) - marginal:.1f} s), "
              f"{faces} faces, CPU {statistics.median(runs[-1]) / n:.2f} s a photo (all threads, start-up "
              f"included)")
        return statistics.median(rates)

    org_rate = report("Organizer (organizer index)", org, org_faces)
    if not script:
        return
    peer_rate = report("face_recognition, 1024 px", peer, peer_faces)
    print(f"  (its own loop: {statistics.median(peer_loop) * 1000:.0f} ms a photo)")
    paired = sorted(p / o for o, p in zip(org[len(photos)], peer[len(photos)], strict=True))
    print(f"ratio at 1024 px: Organizer {org_rate / peer_rate:.1f}x faster a photo, start-up included (medians; "
          f"round by round {paired[0]:.1f}-{paired[-1]:.1f}x)")
    if args.full_photos:
        _, _, doc = run_peer(args.peer_python, script, photos[: args.full_photos], 0, work)
        faces = sum(len(i["faces"]) for i in doc["images"])
        per = doc["loop_s"] / args.full_photos
        print(f"face_recognition, full size: {1 / per:.3f} photos/s ({per:.1f} s a photo, first {args.full_photos} "
              f"photos, one run, start-up {doc['startup_s']:.1f} s), {faces} faces; "
              f"ratio: Organizer {org_rate * per:.0f}x faster")


def identity_subset(n: int | None) -> list[Path]:
    folders = sorted(d for d in FACES.iterdir() if d.is_dir() and not d.name.startswith("_"))
    if n:
        folders = sorted(folders, key=lambda d: hashlib.sha256(d.name.encode()).hexdigest())[:n]
    return folders


def score(doc: dict, root: Path, photos: list[Path], work: Path, name: str) -> str:
    """bench/people_quality.py's first line for ``doc``, each photo without a face an unsorted face of its own."""
    seen = {f["media"] for p in doc["persons"] for f in p["faces"]} | {f["media"] for f in doc["unassigned"]}
    missed = [str(p) for p in photos if str(p) not in seen]
    doc = {**doc, "unassigned": doc["unassigned"] + [{"media": m, "box": [0, 0, 1, 1]} for m in missed]}
    path = work / f"{name}.json"
    path.write_text(json.dumps(doc))
    out = subprocess.run([sys.executable, str(REPO / "bench" / "people_quality.py"), str(path), str(root)],
                         capture_output=True, text=True, check=True).stdout
    return f"{out.splitlines()[0]}; no face found on {len(missed)} photos"


def quality(args: argparse.Namespace, script: Path | None, work: Path) -> None:
    root = (work / "identities").resolve()
    for d in identity_subset(args.quality_subset):
        (root / d.name).mkdir(parents=True)
        for f in d.iterdir():
            if f.suffix.lower() in IMAGE_SUFFIXES:
                shutil.copy(f, root / d.name / f.name)
    photos = sorted(root.glob("*/*"))
    print(f"quality: {len(photos)} photos of {len(list(root.iterdir()))} identities"
          + (f" (--quality-subset {args.quality_subset}, by name hash)" if args.quality_subset else " (all)"))
    db = work / "quality.sqlite"
    dt, _, _ = run_organizer(root, db, "--min-days", "0")
    people = subprocess.run([str(ORGANIZER), "people", "--db", str(db), "--json"], capture_output=True, text=True,
                            check=True).stdout
    print(f"Organizer ({dt:.0f} s): {score(json.loads(people), root, photos, work, 'organizer')}")
    if not script:
        return
    dt, _, res = run_peer(args.peer_python, script, photos, 0, work)
    faces = [(img["path"], box) for img in res["images"] for box in img["faces"]]
    best = None
    for method, labels in res["clusterings"].items():
        persons: dict[int, list[dict]] = {}
        for (media, box), c in zip(faces, labels, strict=True):
            persons.setdefault(c, []).append({"media": media, "box": box})
        doc = {"persons": [{"id": c, "gender": None, "faces": fs} for c, fs in persons.items()], "unassigned": []}
        line = score(doc, root, photos, work, "peer")
        f = float(line.split(" F ")[1].split(";")[0].split()[0])
        best = max(best or (f, method), (f, method))
        print(f"face_recognition, {method} ({dt:.0f} s): {line}")
    assert best is not None
    print(f"face_recognition's best: {best[1]}, BCubed F {best[0]:.3f}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--peer-python", default="/tmp/peer-venv/bin/python",
                    help="python of the venv holding face_recognition 1.3 (see above)")
    ap.add_argument("--photos", type=int, default=24, help="photos of the speed album")
    ap.add_argument("--rounds", type=int, default=3, help="interleaved runs of each tool")
    ap.add_argument("--full-photos", type=int, default=3, help="photos face_recognition gets at full size (0: none)")
    ap.add_argument("--quality-subset", type=int, default=None, metavar="N",
                    help="score N identities (by name hash) instead of all 643")
    ap.add_argument("--skip", choices=("speed", "quality"), help="leave one part out")
    args = ap.parse_args()
    if not FACES.is_dir():
        print(f"no data at {FACES}", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="organizer-peer-") as tmp:
        work = Path(tmp)
        script: Path | None = work / "peer_face_recognition.py"
        check = subprocess.run([args.peer_python, "-c", "import face_recognition, dlib"], capture_output=True,
                               text=True) if Path(args.peer_python).is_file() else None
        if check is None or check.returncode:
            print(f"face_recognition is not available at {args.peer_python} "
                  f"({'no such file' if check is None else check.stderr.strip().splitlines()[-1]}): "
                  "Organizer alone; see this script's help for the venv")
            script = None
        else:
            script.write_text(PEER_SCRIPT)
        print(f"machine: {machine_line()}")
        if args.skip != "speed":
            speed(args, script, work)
        if args.skip != "quality":
            quality(args, script, work)
        print(f"machine after: {machine_line()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
