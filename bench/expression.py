# SPDX-License-Identifier: MIT
"""Cost of the expression network per face, beside a faceres pass, and a contact sheet for a spot check.

    python bench/expression.py [--faces ../shared/data/faces] [--repeat 7] [--sheet /tmp/expr_sheet.png]

Speed: real face crops (the largest face of the first 8 identity images), ms per face at batch 1 and 8 for the
expression network (crop cut included: ``ExpressionNetwork.analyze``) and for one faceres pass on the same faces,
the two interleaved round by round so that a busy machine slows both alike; medians over ``--repeat`` rounds
after a warm-up. With ``--sheet``: the expression of the largest face of 50 images picked deterministically (every
image of the face folder's identities and ``_unlabelled``, sorted by the sha256 of its path, the first 50 with a
face), drawn as a contact sheet of the crops the network sees, each with its label and probability.
"""

from __future__ import annotations

import argparse
import hashlib
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np
from numpy.typing import NDArray

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from organizer.core.types import Box
from organizer.vision.analyzer import FaceAnalyzer
from organizer.vision.expression import LABELS
from organizer.vision.expression import ExpressionNetwork
from organizer.vision.expression import ExpressionSettings
from organizer.vision.expression import crop_square
from organizer.vision.faceres import EmbedderSettings
from organizer.vision.faceres import FaceresNetwork
from organizer.vision.faceres import crop_face

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png")


def images(faces: Path) -> list[Path]:
    """Every image of the identity folders and ``_unlabelled``, in path order."""
    dirs = [d for d in sorted(faces.iterdir())
            if d.is_dir() and (not d.name.startswith("_") or d.name == "_unlabelled")]
    return [p for d in dirs for p in sorted(d.iterdir()) if p.suffix.lower() in IMAGE_SUFFIXES]


def largest_faces(analyzer: FaceAnalyzer, paths: list[Path], count: int) -> list[tuple[Path, NDArray[np.uint8], Box]]:
    """(path, decoded pixels, box) of the largest face of the first ``count`` paths that have one."""
    out = []
    for path in paths:
        image = analyzer.load(path)
        dets = analyzer.detect(image)
        if dets:
            out.append((path, image.pixels, max(dets, key=lambda d: d.box.w * d.box.h).box))
        if len(out) == count:
            break
    return out


def interleaved(fns: dict[str, Callable[[], object]], repeat: int) -> dict[str, float]:
    """Median seconds of each function, run in turn ``repeat`` times after one warm-up of each."""
    for fn in fns.values():
        fn()
    times: dict[str, list[float]] = {k: [] for k in fns}
    for _ in range(repeat):
        for k, fn in fns.items():
            t = time.perf_counter()
            fn()
            times[k].append(time.perf_counter() - t)
    return {k: statistics.median(v) for k, v in times.items()}


def speed(analyzer: FaceAnalyzer, faces: list[tuple[Path, NDArray[np.uint8], Box]], repeat: int) -> None:
    """Batch 1: each face cut and run alone; batch 8: the faces (of several photos) cut, then one call."""
    n = len(faces)
    for batch in (1, 8):
        expr = ExpressionNetwork(analyzer.store, ExpressionSettings(batch_size=batch))
        # one faceres pass (no mirror, no faceres-deep), the unit the engine's other costs are counted in
        faceres = FaceresNetwork(analyzer.store, EmbedderSettings(flip=False, deep_age_gender=False, batch_size=batch))
        if batch == 1:
            fns: dict[str, Callable[[], object]] = {
                "expression": lambda e=expr: [e.analyze(px, [box]) for _, px, box in faces],
                "faceres": lambda f=faceres: [f.analyze(px, [box]) for _, px, box in faces],
            }
        else:
            fns = {
                "expression": lambda e=expr: e.probabilities(np.stack([crop_square(px, box) for _, px, box in faces])),
                "faceres": lambda f=faceres: f.analyze_crops(
                    np.stack([crop_face(px, box, f.settings.margin) for _, px, box in faces])),
            }
        t = interleaved(fns, repeat)
        e_ms, f_ms = 1e3 * t["expression"] / n, 1e3 * t["faceres"] / n
        print(f"batch {batch}: expression {e_ms:.2f} ms/face, faceres pass {f_ms:.2f} ms/face, ratio {e_ms / f_ms:.3f}")


def sheet(analyzer: FaceAnalyzer, faces_dir: Path, out: Path, count: int = 50) -> None:
    paths = sorted(images(faces_dir), key=lambda p: hashlib.sha256(str(p.relative_to(faces_dir)).encode()).hexdigest())
    faces = largest_faces(analyzer, paths, count)
    cell, cols = 160, 10
    rows = -(-len(faces) // cols)
    canvas = np.full((rows * (cell + 34), cols * cell, 3), 255, np.uint8)
    for i, (path, px, box) in enumerate(faces):
        crop = crop_square(px, box)
        assert crop is not None
        p = analyzer.expression.probabilities(crop[None])[0]
        top = int(np.argmax(p))
        r, c = divmod(i, cols)
        y, x = r * (cell + 34), c * cell
        canvas[y:y + cell, x:x + cell] = cv2.resize(crop, (cell, cell), interpolation=cv2.INTER_LINEAR)
        cv2.putText(canvas, f"{i}: {LABELS[top]} {p[top]:.2f}", (x + 3, y + cell + 14), cv2.FONT_HERSHEY_SIMPLEX, 0.42,
                    (0, 0, 0), 1, cv2.LINE_AA)
        second = int(np.argsort(-p)[1])
        cv2.putText(canvas, f"{LABELS[second]} {p[second]:.2f}", (x + 3, y + cell + 29), cv2.FONT_HERSHEY_SIMPLEX, 0.38,
                    (90, 90, 90), 1, cv2.LINE_AA)
        print(f"{i:2d} {path.relative_to(faces_dir)}: {LABELS[top]} {p[top]:.2f}")
    cv2.imwrite(str(out), cv2.cvtColor(canvas, cv2.COLOR_RGB2BGR))
    print(f"wrote {out} ({len(faces)} faces)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--faces", type=Path, default=Path(__file__).resolve().parents[2] / "shared/data/faces")
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--sheet", type=Path, help="write the 50-face contact sheet here (PNG)")
    args = parser.parse_args()
    analyzer = FaceAnalyzer()
    speed(analyzer, largest_faces(analyzer, images(args.faces), 8), args.repeat)
    if args.sheet:
        sheet(analyzer, args.faces, args.sheet)
    return 0


if __name__ == "__main__":
    sys.exit(main())
