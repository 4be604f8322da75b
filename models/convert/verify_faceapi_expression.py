# SPDX-License-Identifier: MIT
"""Check ``faceapi_expression.onnx`` against face-api.js itself, running in Node on TensorFlow.js's CPU backend.

Run by hand, once per conversion, with the same throw-away npm folder as ``verify_faceapi_recognition.py``
(``@vladmandic/face-api@1.7.15`` and ``@tensorflow/tfjs@4.22.0`` installed there)::

    .venv/bin/python models/convert/verify_faceapi_expression.py --node-dir /tmp/fa-node \\
        --onnx models/faceapi_expression.onnx --faces /work/shared/data/faces

Inputs: 8 random crops (uniform 0..255) and real face crops: the largest face of the first ``--count``
identity images of the face folder (sorted), detected with Organizer's MTCNN and cut as the app cuts them
(``organizer.vision.expression.crop_square``). The same float32 batches go through face-api.js
(``verify_faceapi_expression.js``: ``loadFromDisk`` on the package's own ``model`` folder, then
``FaceExpressionNet.forwardInput``) and through onnxruntime with all graph optimisations. Prints the largest
absolute difference of the probabilities and how many faces' most probable expression differ; exits non-zero
when the difference exceeds ``--tolerance`` or a label differs.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")  # as organizer.vision does, before onnxruntime is imported
import onnxruntime as ort

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))  # the repository root, for organizer.vision

SIZE = 112
CLASSES = 7


def real_crops(faces: Path, count: int) -> NDArray[np.float32]:
    """Crops of the largest face of the first ``count`` identity images under ``faces``, cut as the app does."""
    from organizer.vision.analyzer import FaceAnalyzer
    from organizer.vision.expression import crop_square

    analyzer = FaceAnalyzer()
    paths = sorted(p for d in sorted(faces.iterdir()) if d.is_dir() and not d.name.startswith("_")
                   for p in d.iterdir() if p.suffix.lower() in (".jpg", ".jpeg", ".png"))
    crops = []
    for path in paths:
        image = analyzer.load(path)
        dets = analyzer.detect(image)
        if not dets:
            continue
        crop = crop_square(image.pixels, max(dets, key=lambda t: t.box.w * t.box.h).box)
        if crop is not None:
            crops.append(crop)
        if len(crops) == count:
            break
    return np.stack(crops).astype(np.float32)


def run_node(node_dir: Path, model_dir: Path, x: NDArray[np.float32]) -> NDArray[np.float32]:
    with tempfile.TemporaryDirectory() as tmp:
        inp, out = Path(tmp) / "in.f32", Path(tmp) / "out.f32"
        np.ascontiguousarray(x, dtype="<f4").tofile(inp)
        script = HERE / "verify_faceapi_expression.js"
        res = subprocess.run(["node", str(script), str(model_dir), str(inp), str(len(x)), str(out)], cwd=node_dir,
                             env={"NODE_PATH": str(node_dir / "node_modules"), "PATH": os.environ.get("PATH", "")},
                             capture_output=True, text=True)
        if res.returncode:
            raise RuntimeError(f"node failed:\n{res.stdout}\n{res.stderr}")
        print(res.stdout.strip().splitlines()[-1])
        return np.fromfile(out, dtype="<f4").reshape(len(x), CLASSES)


def run_onnx(onnx_path: Path, x: NDArray[np.float32]) -> NDArray[np.float32]:
    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    session = ort.InferenceSession(str(onnx_path), options, providers=["CPUExecutionProvider"])
    return np.concatenate([session.run(["expressions"], {"input": x[i:i + 8]})[0] for i in range(0, len(x), 8)])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--node-dir", type=Path, required=True, help="npm folder with face-api and tfjs installed")
    parser.add_argument("--onnx", type=Path, required=True, help="converted ONNX file")
    parser.add_argument("--faces", type=Path, help="labelled face folder (e.g. /work/shared/data/faces)")
    parser.add_argument("--count", type=int, default=32, help="number of real face crops")
    parser.add_argument("--tolerance", type=float, default=1e-5, help="max allowed abs diff of a probability")
    args = parser.parse_args(argv)
    model_dir = args.node_dir / "node_modules" / "@vladmandic" / "face-api" / "model"
    batches = {"random": np.random.default_rng(0).uniform(0, 255, (8, SIZE, SIZE, 3)).astype(np.float32)}
    if args.faces:
        batches["faces"] = real_crops(args.faces, args.count)
    worst, flips = 0.0, 0
    for label, x in batches.items():
        ref, got = run_node(args.node_dir, model_dir, x), run_onnx(args.onnx, x)
        diff = float(np.abs(got.astype(np.float64) - ref).max())
        changed = int((ref.argmax(axis=1) != got.argmax(axis=1)).sum())
        worst, flips = max(worst, diff), flips + changed
        print(f"{label:6s} n={len(x):3d} max_abs={diff:.3e} max|ref-1|={np.abs(ref.sum(axis=1) - 1).max():.1e} "
              f"labels_differ={changed} top_p_range={ref.max(axis=1).min():.3f}..{ref.max(axis=1).max():.3f}")
    print(f"worst max_abs = {worst:.3e} (tolerance {args.tolerance:.1e}), labels differ: {flips}")
    return 0 if worst <= args.tolerance and flips == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
