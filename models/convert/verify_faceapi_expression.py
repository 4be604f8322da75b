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

SIZE = 112
CLASSES = 7


def real_crops(faces: Path, count: int) -> NDArray[np.float32]:
    """Crops of the largest face of the first ``count`` identity images under ``faces``, cut as the app does."""
    from organizer.vision.expression import crop_square

    return largest_faces(faces, count, lambda pixels, det: crop_square(pixels, det.box))


def main(argv: list[str] | None = None) -> int:
    args = parse_args(__doc__, argv, 32, "crops", 1e-5, "max allowed abs diff of a probability")
    worst, flips = 0.0, 0
    for label, x in input_batches(args, SIZE, real_crops).items():
        ref = run_node("verify_faceapi_expression.js", args.node_dir, x, CLASSES)
        got = run_onnx(args.onnx, "expressions", x)
        diff = float(np.abs(got.astype(np.float64) - ref).max())
        changed = int((ref.argmax(axis=1) != got.argmax(axis=1)).sum())
        worst, flips = max(worst, diff), flips + changed
        print(f"{label:6s} n={len(x):3d} max_abs={diff:.3e} max|ref-1|={np.abs(ref.sum(axis=1) - 1).max():.1e} "
              f"labels_differ={changed} top_p_range={ref.max(axis=1).min():.3f}..{ref.max(axis=1).max():.3f}")
    print(f"worst max_abs = {worst:.3e} (tolerance {args.tolerance:.1e}), labels differ: {flips}")
    return 0 if worst <= args.tolerance and flips == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
