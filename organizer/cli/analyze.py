# SPDX-License-Identifier: MIT
"""``organizer analyze``: the faces of image files, as text or JSON."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from organizer.core.errors import ModelError
from organizer.core.types import ImageFaces
from organizer.vision.analyzer import FaceAnalyzer


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("analyze", help="detect faces in images and estimate identity features, gender and age",
                       description="Detect the faces in each IMAGE and print their boxes, age and gender.")
    p.add_argument("images", nargs="+", metavar="IMAGE", help="image files")
    p.add_argument("--json", action="store_true", help="print one JSON document")
    p.add_argument("--embeddings", action="store_true",
                   help="include the identity embeddings: faceres' 1024-D and the ArcFace-type network's 512-D "
                        "(JSON only)")
    p.set_defaults(func=run)


def image_to_json(result: ImageFaces, embeddings: bool) -> dict[str, Any]:
    """The JSON form of one image's result (a documented contract: see README)."""
    faces = []
    for f in result.faces:
        d, a = f.detection, f.attributes
        face: dict[str, Any] = {
            "box": [round(v, 1) for v in d.box.as_list()],
            "score": round(d.score, 4),
            "landmarks": [[round(x, 1), round(y, 1)] for x, y in d.landmarks],
            "age": round(a.age, 2),
            "p_male": round(a.p_male, 4),
        }
        if embeddings:
            face["embedding"] = [float(v) for v in a.embedding]
            # the second identity network's; null where the face could not be aligned
            face["arcface_embedding"] = None if a.second_embedding is None else [float(v) for v in a.second_embedding]
            # dlib's ResNet was the second network before: the key stays for its readers, no longer computed
            face["dlib_embedding"] = None
        faces.append(face)
    return {"path": result.path, "width": result.width, "height": result.height, "error": result.error,
            "faces": faces}


def _text(result: ImageFaces) -> str:
    if result.error:
        return f"{result.path}: ERROR {result.error}"
    lines = [f"{result.path}: {result.width}x{result.height}, {len(result.faces)} face(s)"]
    for i, f in enumerate(result.faces, 1):
        b, a = f.detection.box, f.attributes
        gender = "male" if a.p_male >= 0.5 else "female"
        conf = a.p_male if a.p_male >= 0.5 else 1 - a.p_male
        lines.append(f"  face {i}: box=({b.x:.0f},{b.y:.0f},{b.w:.0f}x{b.h:.0f}) score={f.detection.score:.3f} "
                     f"age={a.age:.1f} {gender} ({conf:.0%})")
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    analyzer = FaceAnalyzer()
    try:
        analyzer.store.verify_all()
    except ModelError as e:
        print(f"organizer: {e}", file=sys.stderr)
        return 3
    results = []
    for path in args.images:
        r = analyzer.analyze_file(path)
        results.append(r)
        if not args.json:
            print(_text(r), flush=True)
    if args.json:
        doc = {"images": [image_to_json(r, args.embeddings) for r in results]}
        json.dump(doc, sys.stdout)
        sys.stdout.write("\n")
    return 0 if any(r.error is None for r in results) else 1
