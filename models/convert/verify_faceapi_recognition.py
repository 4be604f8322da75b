# SPDX-License-Identifier: MIT
"""Check ``faceapi_recognition.onnx`` against face-api.js itself, running in Node on TensorFlow.js's CPU backend.

Run by hand, once per conversion. Node needs a throw-away npm folder outside the repository with the original
package and TensorFlow.js (pure JavaScript; tfjs-node is not used: its install fetches a native library from
outside npm)::

    mkdir -p /tmp/fa-node && cd /tmp/fa-node && npm init -y
    npm install @vladmandic/face-api@1.7.15 @tensorflow/tfjs@4.22.0 @tensorflow/tfjs-backend-wasm@4.22.0
    cd /work/main   # the repository
    .venv/bin/python models/convert/verify_faceapi_recognition.py --node-dir /tmp/fa-node \\
        --onnx models/faceapi_recognition.onnx --faces /work/shared/data/faces

(``tfjs-backend-wasm`` only because face-api's build imports it; the check runs on the ``cpu`` backend.) The
Python side needs numpy, opencv and onnxruntime (the app's virtual environment has them; nothing is installed
into it). Inputs: 8 random chips (uniform 0..255) and real aligned chips: the first ``--count`` identity images
of the face folder (sorted), each detected with Organizer's MTCNN and aligned with ``organizer.vision.align``.
The same float32 batches go through face-api.js (``verify_faceapi_recognition.js``: ``loadFromDisk`` on the
package's own ``model`` folder, tfjs-core's dequantisation, ``computeFaceDescriptor``) and through onnxruntime
with all graph optimisations. Prints the largest absolute difference, the largest difference relative to the
largest descriptor value, the largest relative L2 difference per descriptor, and the smallest cosine between
the two descriptors of a face; exits non-zero when the relative difference exceeds ``--tolerance``.
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

SIZE = 150


def real_chips(faces: Path, count: int) -> NDArray[np.float32]:
    """Aligned chips of the largest face of the first ``count`` identity images under ``faces``."""
    from organizer.vision.align import align_face
    from organizer.vision.analyzer import FaceAnalyzer

    analyzer = FaceAnalyzer()
    paths = sorted(p for d in sorted(faces.iterdir()) if d.is_dir() and not d.name.startswith("_")
                   for p in d.iterdir() if p.suffix.lower() in (".jpg", ".jpeg", ".png"))
    chips = []
    for path in paths:
        image = analyzer.load(path)
        dets = analyzer.detect(image)
        if not dets:
            continue
        d = max(dets, key=lambda t: t.box.w * t.box.h)
        chips.append(align_face(image.pixels, np.array(d.landmarks), tuple(d.box.as_list())).pixels)
        if len(chips) == count:
            break
    return np.stack(chips).astype(np.float32)


def run_node(node_dir: Path, model_dir: Path, x: NDArray[np.float32]) -> NDArray[np.float32]:
    with tempfile.TemporaryDirectory() as tmp:
        inp, out = Path(tmp) / "in.f32", Path(tmp) / "out.f32"
        np.ascontiguousarray(x, dtype="<f4").tofile(inp)
        script = HERE / "verify_faceapi_recognition.js"
        res = subprocess.run(["node", str(script), str(model_dir), str(inp), str(len(x)), str(out)], cwd=node_dir,
                             env={"NODE_PATH": str(node_dir / "node_modules"), "PATH": os.environ.get("PATH", "")},
                             capture_output=True, text=True)
        if res.returncode:
            raise RuntimeError(f"node failed:\n{res.stdout}\n{res.stderr}")
        print(res.stdout.strip().splitlines()[-1])
        return np.fromfile(out, dtype="<f4").reshape(len(x), 128)


def run_onnx(onnx_path: Path, x: NDArray[np.float32]) -> NDArray[np.float32]:
    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    session = ort.InferenceSession(str(onnx_path), options, providers=["CPUExecutionProvider"])
    return np.concatenate([session.run(["descriptor"], {"input": x[i:i + 8]})[0] for i in range(0, len(x), 8)])


def compare(ref: NDArray[np.float32], got: NDArray[np.float32]) -> dict[str, float]:
    diff = np.abs(got.astype(np.float64) - ref.astype(np.float64))
    scale = float(np.abs(ref).max())
    rel_l2 = np.linalg.norm(got - ref, axis=1) / np.maximum(np.linalg.norm(ref, axis=1), 1e-30)
    cos = (got * ref).sum(axis=1) / (np.linalg.norm(got, axis=1) * np.linalg.norm(ref, axis=1))
    return {"max_abs": float(diff.max()), "abs/max|ref|": float(diff.max()) / scale,
            "max_rel_l2": float(rel_l2.max()), "min_cos": float(cos.min()), "max|ref|": scale,
            "mean_norm": float(np.linalg.norm(ref, axis=1).mean())}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--node-dir", type=Path, required=True, help="npm folder with face-api and tfjs installed")
    parser.add_argument("--onnx", type=Path, required=True, help="converted ONNX file")
    parser.add_argument("--faces", type=Path, help="labelled face folder (e.g. /work/shared/data/faces)")
    parser.add_argument("--count", type=int, default=16, help="number of real face chips")
    parser.add_argument("--tolerance", type=float, default=1e-4, help="max allowed abs diff / max |ref|")
    args = parser.parse_args(argv)
    model_dir = args.node_dir / "node_modules" / "@vladmandic" / "face-api" / "model"
    batches = {"random": np.random.default_rng(0).uniform(0, 255, (8, SIZE, SIZE, 3)).astype(np.float32)}
    if args.faces:
        batches["faces"] = real_chips(args.faces, args.count)
    worst = 0.0
    for label, x in batches.items():
        ref, got = run_node(args.node_dir, model_dir, x), run_onnx(args.onnx, x)
        r = compare(ref, got)
        worst = max(worst, r["abs/max|ref|"])
        print(f"{label:6s} n={len(x):3d} " + " ".join(f"{k}={v:.3e}" for k, v in r.items()))
    print(f"worst abs/max|ref| = {worst:.3e} (tolerance {args.tolerance:.1e})")
    return 0 if worst <= args.tolerance else 1


if __name__ == "__main__":
    sys.exit(main())
