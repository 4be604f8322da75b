# SPDX-License-Identifier: MIT
"""Check ``faceplugin_recognition.onnx`` against the package's own file in the package's own runtime.

Run by hand, once per conversion. The package runs its model with onnxruntime-web (WebAssembly), an
implementation independent of the onnxruntime CPU kernels the app uses. Node needs a throw-away npm folder
outside the repository::

    mkdir -p /tmp/fp-node && cd /tmp/fp-node && npm init -y && npm install onnxruntime-web@1.14.0
    cd /work/main   # the repository
    .venv/bin/python models/convert/verify_faceplugin_recognition.py --node-dir /tmp/fp-node \\
        --source /tmp/fp/package/model/fr_feature.onnx --faces /work/shared/data/faces

Inputs: 8 random chips and real ArcFace chips (the first ``--count`` identity images, detected with Organizer's
MTCNN and aligned with ``organizer.vision.align``), prepared as the app prepares them. The package's file runs
face by face in onnxruntime-web; the converted file runs the whole batch in onnxruntime with all graph
optimisations. Prints the largest absolute and relative differences and the smallest cosine; exits non-zero
when the relative difference exceeds ``--tolerance``.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the repository root, for organizer.vision

from verify_common import cpu_session

HERE = Path(__file__).resolve().parent


def real_chips(faces: Path, count: int) -> np.ndarray:
    from organizer.vision.analyzer import FaceAnalyzer
    from organizer.vision.arcface import ArcFaceNetwork

    an = FaceAnalyzer()
    net = ArcFaceNetwork(an.store)
    chips = []
    for path in sorted(p for p in faces.glob("*/*.jpg") if not p.parent.name.startswith("_")):
        img = an.load(path)
        dets = an.detect(img)
        if dets:
            chips.append(net.chips(img.pixels, dets[:1])[0][0])
        if len(chips) == count:
            break
    return np.stack(chips)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--node-dir", type=Path, required=True, help="npm folder with onnxruntime-web@1.14.0")
    ap.add_argument("--source", type=Path, required=True, help="the package's model/fr_feature.onnx")
    ap.add_argument("--onnx", type=Path, default=HERE.parent / "faceplugin_recognition.onnx")
    ap.add_argument("--faces", type=Path, required=True, help="the developer face folder")
    ap.add_argument("--count", type=int, default=16)
    ap.add_argument("--tolerance", type=float, default=1e-5, help="largest difference relative to the largest value")
    args = ap.parse_args(argv)
    from organizer.vision.arcface import prepare

    rnd = np.random.default_rng(0).integers(0, 256, (8, 112, 112, 3), dtype=np.uint8)
    x = prepare(np.concatenate([rnd, real_chips(args.faces, args.count)]))
    with tempfile.TemporaryDirectory() as tmp:
        inp, out = Path(tmp) / "in.f32", Path(tmp) / "out.f32"
        x.astype("<f4").tofile(inp)
        subprocess.run(["node", str(HERE / "verify_faceplugin_recognition.js"), str(args.source.resolve()), str(inp),
                        str(len(x)), str(out)], cwd=args.node_dir, check=True,
                       env={**os.environ, "NODE_PATH": str(args.node_dir.resolve() / "node_modules")})
        ref = np.fromfile(out, "<f4").reshape(len(x), -1)
    (ours,) = cpu_session(args.onnx).run(["embedding"], {"input": x})
    d = np.abs(ours - ref)
    rel = float(d.max() / np.abs(ref).max())
    cos = (ours * ref).sum(1) / np.linalg.norm(ours, axis=1) / np.linalg.norm(ref, axis=1)
    print(f"{len(x)} inputs (8 random, {len(x) - 8} faces): max abs difference {d.max():.2e} "
          f"(random {d[:8].max():.2e}, faces {d[8:].max():.2e}), relative to the largest value {rel:.2e}, "
          f"smallest cosine {cos.min():.8f}")
    return 0 if rel <= args.tolerance else 1


if __name__ == "__main__":
    raise SystemExit(main())
