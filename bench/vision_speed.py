# SPDX-License-Identifier: MIT
"""Speed of the face engine on this machine.

    python bench/vision_speed.py [--faces ../shared/data/faces] [--threads N] [--repeat 5]

Prints: the machine's float32 matmul GFLOPS (numpy, the yardstick for the figures beside it), ms per face
of the multi-output network at batch 1, 8 and 32 (568 M multiply-adds per face), and ms per photo for
MTCNN detection with the photo's longer side at 640, 1024 and 2048 px (a group photo and a portrait).
Figures are medians over ``--repeat`` runs after one warm-up.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from organizer.media.decode import load_image
from organizer.vision.analyzer import resize_longer
from organizer.vision.faceres import EmbedderSettings
from organizer.vision.faceres import FaceresNetwork
from organizer.vision.models import ModelStore
from organizer.vision.mtcnn import MtcnnDetector
from organizer.vision.session import RuntimeOptions

MACS_PER_FACE = 568e6


def median_time(fn, repeat: int) -> float:
    fn()
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def matmul_gflops(threads_hint: int) -> float:
    a = np.random.default_rng(0).standard_normal((1024, 1024), dtype=np.float32)
    b = np.random.default_rng(1).standard_normal((1024, 1024), dtype=np.float32)
    t = median_time(lambda: a @ b, 10)
    return 2 * 1024**3 / t / 1e9


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--faces", type=Path, default=Path(__file__).resolve().parents[2] / "shared/data/faces")
    parser.add_argument("--threads", type=int, default=0, help="ORT intra-op threads (0: one per core, max 4)")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    opts = RuntimeOptions(intra_op_threads=args.threads)
    store = ModelStore(options=opts)
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores; "
          f"ORT threads {opts.threads()}")
    print(f"numpy float32 matmul 1024^3: {matmul_gflops(opts.threads()):.1f} GFLOPS")

    rng = np.random.default_rng(0)
    for bs in (1, 8, 32):
        net = FaceresNetwork(store, EmbedderSettings(batch_size=bs))
        crops = rng.integers(0, 255, (bs, 224, 224, 3), dtype=np.uint8)
        t = median_time(lambda c=crops, n=net: n.raw(c), args.repeat)
        per_face = t / bs
        print(f"multi-output network, batch {bs:>2}: {per_face * 1000:6.1f} ms/face "
              f"({MACS_PER_FACE * 2 / per_face / 1e9:.1f} GFLOPS effective)")

    det = MtcnnDetector(store)
    photos = [args.faces / "_groups" / "human_solvay1927.jpg", args.faces / "_groups" / "deepface_couple.jpg"]
    for p in photos:
        if not p.exists():
            print(f"(skipping detection on {p}: not found)")
            continue
        full = load_image(p).pixels
        for side in (640, 1024, 2048):
            img, _ = resize_longer(full, side) if max(full.shape[:2]) >= side else (full, 1.0)
            if max(img.shape[:2]) < side:  # upscale the smaller photo so every size is measured
                import cv2

                s = side / max(img.shape[:2])
                img = cv2.resize(img, (round(img.shape[1] * s), round(img.shape[0] * s)))
            n = len(det.detect(img))
            t = median_time(lambda i=img: det.detect(i), args.repeat)
            print(f"MTCNN detection {p.name:<24} {img.shape[1]}x{img.shape[0]:<5}: {t * 1000:7.1f} ms/photo, "
                  f"{n} faces")
    return 0


if __name__ == "__main__":
    sys.exit(main())
