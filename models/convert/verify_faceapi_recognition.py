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

import sys
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the repository root, for organizer.vision

from verify_common import input_batches
from verify_common import largest_faces
from verify_common import parse_args
from verify_common import run_node
from verify_common import run_onnx

SIZE = 150
DESCRIPTOR_DIM = 128


def real_chips(faces: Path, count: int) -> NDArray[np.float32]:
    """Aligned chips of the largest face of the first ``count`` identity images under ``faces``."""
    from organizer.vision.align import align_face

    return largest_faces(faces, count, lambda pixels, det: align_face(
        pixels, np.array(det.landmarks), tuple(det.box.as_list())).pixels)


def compare(ref: NDArray[np.float32], got: NDArray[np.float32]) -> dict[str, float]:
    diff = np.abs(got.astype(np.float64) - ref.astype(np.float64))
    scale = float(np.abs(ref).max())
    rel_l2 = np.linalg.norm(got - ref, axis=1) / np.maximum(np.linalg.norm(ref, axis=1), 1e-30)
    cos = (got * ref).sum(axis=1) / (np.linalg.norm(got, axis=1) * np.linalg.norm(ref, axis=1))
    return {"max_abs": float(diff.max()), "abs/max|ref|": float(diff.max()) / scale,
            "max_rel_l2": float(rel_l2.max()), "min_cos": float(cos.min()), "max|ref|": scale,
            "mean_norm": float(np.linalg.norm(ref, axis=1).mean())}


def main(argv: list[str] | None = None) -> int:
    args = parse_args(__doc__, argv, 16, "chips", 1e-4, "max allowed abs diff / max |ref|")
    worst = 0.0
    for label, x in input_batches(args, SIZE, real_chips).items():
        ref = run_node("verify_faceapi_recognition.js", args.node_dir, x, DESCRIPTOR_DIM)
        got = run_onnx(args.onnx, "descriptor", x)
        r = compare(ref, got)
        worst = max(worst, r["abs/max|ref|"])
        print(f"{label:6s} n={len(x):3d} " + " ".join(f"{k}={v:.3e}" for k, v in r.items()))
    print(f"worst abs/max|ref| = {worst:.3e} (tolerance {args.tolerance:.1e})")
    return 0 if worst <= args.tolerance else 1


if __name__ == "__main__":
    sys.exit(main())
