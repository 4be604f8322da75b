# SPDX-License-Identifier: MIT
"""What the checks of the converted files share: the onnxruntime session, the inputs, the face-api.js Node glue.

The converters' smoke tests (through ``tfjs_common``) and ``verify_faceapi_recognition.py`` /
``verify_faceapi_expression.py`` run the ONNX files the way the app does (CPU, all graph optimisations) on the same
seeded random batches. The two face-api.js checks also share how they feed face-api.js in Node (a float32 file in,
one out, ``verify_faceapi_*.js`` on the package's own ``model`` folder), how they pick real faces, and their
command line. Only numpy is needed to import this module (onnx is not: the checks run in the app's virtual
environment, which has onnxruntime but not onnx).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import tempfile
from collections.abc import Callable
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

if TYPE_CHECKING:
    import onnxruntime as ort

    from organizer.core.types import Detection

HERE = Path(__file__).resolve().parent
#: Where ``npm install @vladmandic/face-api`` puts the package's weights, below the ``--node-dir`` folder.
FACE_API_MODEL_DIR = Path("node_modules") / "@vladmandic" / "face-api" / "model"
#: Images per onnxruntime call in the checks (as ``verify_faceapi_*.js`` batches them).
ONNX_BATCH = 8


def cpu_session(onnx_path: Path) -> ort.InferenceSession:
    """An onnxruntime CPU session with all graph optimisations on, as the app runs its models."""
    os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")  # as organizer.vision does, before onnxruntime is imported
    import onnxruntime as ort  # the conversion itself does not need it

    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    return ort.InferenceSession(str(onnx_path), options, providers=["CPUExecutionProvider"])


def random_nhwc(low: float, high: float, batch: int, size: int) -> NDArray[np.float32]:
    """A reproducible (seed 0) uniform float32 batch ``[batch, size, size, 3]``."""
    return np.random.default_rng(0).uniform(low, high, (batch, size, size, 3)).astype(np.float32)


def run_onnx(onnx_path: Path, output: str, x: NDArray[np.float32]) -> NDArray[np.float32]:
    """``output`` of the ONNX file for every row of ``x``, in batches of ``ONNX_BATCH``."""
    session = cpu_session(onnx_path)
    return np.concatenate([session.run([output], {"input": x[i:i + ONNX_BATCH]})[0]
                           for i in range(0, len(x), ONNX_BATCH)])


def run_node(script: str, node_dir: Path, x: NDArray[np.float32], width: int) -> NDArray[np.float32]:
    """face-api.js's outputs (``width`` floats a row) for ``x``: ``node script MODEL_DIR IN N OUT`` in ``node_dir``.

    Node sees only ``node_dir``'s packages (``NODE_PATH``) and ``PATH``; its last line of output (versions and
    backend) is printed.
    """
    with tempfile.TemporaryDirectory() as tmp:
        inp, out = Path(tmp) / "in.f32", Path(tmp) / "out.f32"
        np.ascontiguousarray(x, dtype="<f4").tofile(inp)
        model_dir = node_dir / FACE_API_MODEL_DIR
        res = subprocess.run(["node", str(HERE / script), str(model_dir), str(inp), str(len(x)), str(out)],
                             cwd=node_dir,
                             env={"NODE_PATH": str(node_dir / "node_modules"), "PATH": os.environ.get("PATH", "")},
                             capture_output=True, text=True)
        if res.returncode:
            raise RuntimeError(f"node failed:\n{res.stdout}\n{res.stderr}")
        print(res.stdout.strip().splitlines()[-1])
        return np.fromfile(out, dtype="<f4").reshape(len(x), width)


def largest_faces(faces: Path, count: int,
                  cut: Callable[[NDArray[np.uint8], Detection], NDArray[np.uint8] | None]) -> NDArray[np.float32]:
    """``cut`` of the largest face of the first ``count`` identity images under ``faces`` (sorted) that give one.

    The faces are found with Organizer's own MTCNN, so the check sees what the app would feed the network.
    """
    from organizer.vision.analyzer import FaceAnalyzer

    analyzer = FaceAnalyzer()
    paths = sorted(p for d in sorted(faces.iterdir()) if d.is_dir() and not d.name.startswith("_")
                   for p in d.iterdir() if p.suffix.lower() in (".jpg", ".jpeg", ".png"))
    cuts = []
    for path in paths:
        image = analyzer.load(path)
        dets = analyzer.detect(image)
        if not dets:
            continue
        piece = cut(image.pixels, max(dets, key=lambda t: t.box.w * t.box.h))
        if piece is not None:
            cuts.append(piece)
        if len(cuts) == count:
            break
    return np.stack(cuts).astype(np.float32)


def parse_args(doc: str, argv: Sequence[str] | None, count: int, what: str, tolerance: float,
               tolerance_help: str) -> argparse.Namespace:
    """The face-api.js checks' command line: ``--node-dir``, ``--onnx``, ``--faces``, ``--count``, ``--tolerance``."""
    parser = argparse.ArgumentParser(description=doc.split("\n\n")[0])
    parser.add_argument("--node-dir", type=Path, required=True, help="npm folder with face-api and tfjs installed")
    parser.add_argument("--onnx", type=Path, required=True, help="converted ONNX file")
    parser.add_argument("--faces", type=Path, help="labelled face folder (e.g. /work/shared/data/faces)")
    parser.add_argument("--count", type=int, default=count, help=f"number of real face {what}")
    parser.add_argument("--tolerance", type=float, default=tolerance, help=tolerance_help)
    return parser.parse_args(argv)


def input_batches(args: argparse.Namespace, size: int,
                  real: Callable[[Path, int], NDArray[np.float32]]) -> dict[str, NDArray[np.float32]]:
    """8 random inputs (uniform 0..255), then ``real(args.faces, args.count)`` when ``--faces`` is given."""
    batches = {"random": random_nhwc(0, 255, 8, size)}
    if args.faces:
        batches["faces"] = real(args.faces, args.count)
    return batches
