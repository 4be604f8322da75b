# SPDX-License-Identifier: MIT
"""Make ``faceplugin_recognition.onnx`` from Faceplugin's face feature network (an ArcFace-type 512-D embedding).

Source: the npm package ``faceplugin-face-recognition-js@0.0.1`` (licence MIT, as its ``package.json`` and
``LICENSE`` say), file ``model/fr_feature.onnx``: a PyTorch export (opset 9) of a MobileFaceNet-like network
(50 convolutions, 33 PReLUs, 12 residual additions, 1.19 M parameters) that maps a face aligned to the
ArcFace 112x112 five-point template to a 512-D identity feature. Get and unpack it outside the repository::

    mkdir -p /tmp/fp && cd /tmp/fp && npm pack faceplugin-face-recognition-js@0.0.1
    tar xzf faceplugin-face-recognition-js-0.0.1.tgz   # -> /tmp/fp/package/model/fr_feature.onnx
    cd /work/main   # the repository
    python models/convert/faceplugin_recognition.py --package-dir /tmp/fp/package \\
        --out models/faceplugin_recognition.onnx

The package's file takes exactly one face (batch 1: its closing ``Reshape`` flattens to ``[1, -1]``). This
script changes only that and the names, so that a batch runs in one call:

* the input ``input`` and the output get a symbolic batch dimension ``N``; the flattening becomes
  ``Reshape(x, [0, -1])`` (``0`` keeps the batch dimension);
* the output is renamed ``embedding``; the weights, every other node and the opset are kept as they are;
* the source, its sha256 and the licence are recorded in the model's metadata.

The ONNX contract: input ``input`` float32 ``[N, 3, 112, 112]`` NCHW, channels **BGR**, ``(pixel - 127) / 128``
(``organizer/vision/arcface.py``; the package's JavaScript feeds RGB, but BGR measures better on the developer
faces: ROC-AUC 0.9984 vs 0.9966, ``bench/identity_fusion.py``); output ``embedding`` float32 ``[N, 512]``,
not normalised.

The smoke test compares the result with the package's own file, one face at a time, in onnxruntime. The output
file is deterministic: the same input gives the same bytes.
"""

from __future__ import annotations

import argparse
import hashlib
from pathlib import Path

import numpy as np
import onnx
from onnx import numpy_helper
from tfjs_common import converter_main
from tfjs_common import write_model
from verify_common import cpu_session

PACKAGE = "faceplugin-face-recognition-js"
PACKAGE_VERSION = "0.0.1"
SOURCE_FILE = "model/fr_feature.onnx"
#: sha256 of the package's ``model/fr_feature.onnx``: another file would give another network.
SOURCE_SHA256 = "87aacdfe57510db2af90c0251df680e8eec88f122ee94712121d09bcaaaf3581"
INPUT_NAME = "input"
OUTPUT_NAME = "embedding"
SIZE = 112
DIM = 512


def build_model(source: Path) -> onnx.ModelProto:
    """The batched, renamed model of the package's ``fr_feature.onnx``."""
    data = source.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    if digest != SOURCE_SHA256:
        raise ValueError(f"{source}: sha256 {digest}, expected {SOURCE_SHA256} ({PACKAGE}@{PACKAGE_VERSION})")
    model = onnx.load_from_string(data)
    graph = model.graph
    if len(graph.input) != 1 or len(graph.output) != 1:
        raise ValueError(f"{source}: expected one input and one output")
    old_out = graph.output[0].name
    reshapes = [n for n in graph.node if n.op_type == "Reshape"]
    if len(reshapes) != 1:
        raise ValueError(f"{source}: expected one Reshape, found {len(reshapes)}")
    shape_name = reshapes[0].input[1]
    inits = {i.name: i for i in graph.initializer}
    if shape_name not in inits or numpy_helper.to_array(inits[shape_name]).tolist() != [1, -1]:
        raise ValueError(f"{source}: the Reshape does not flatten to [1, -1]")
    inits[shape_name].CopyFrom(numpy_helper.from_array(np.array([0, -1], np.int64), shape_name))
    for value in (graph.input[0], graph.output[0]):
        value.type.tensor_type.shape.dim[0].ClearField("dim_value")
        value.type.tensor_type.shape.dim[0].dim_param = "N"
    for node in graph.node:
        node.output[:] = [OUTPUT_NAME if o == old_out else o for o in node.output]
    graph.output[0].name = OUTPUT_NAME
    if graph.input[0].name != INPUT_NAME:
        raise ValueError(f"{source}: input is {graph.input[0].name!r}, expected {INPUT_NAME!r}")
    del graph.value_info[:]  # shapes inferred for batch 1 would contradict the symbolic batch
    model.doc_string = (
        f"Faceplugin face feature network from {PACKAGE}@{PACKAGE_VERSION}/{SOURCE_FILE} (MIT), batched. "
        "Input NCHW [N,3,112,112], a face aligned to the ArcFace five-point template, BGR, (pixel - 127) / 128. "
        "Output: embedding [N,512], not normalised."
    )
    del model.metadata_props[:]
    onnx.helper.set_model_props(model, {"source": f"{PACKAGE}@{PACKAGE_VERSION}/{SOURCE_FILE}",
                                        "source_sha256": digest, "license": "MIT"})
    onnx.checker.check_model(model, full_check=True)
    return model


def convert(package_dir: Path, out_path: Path) -> None:
    write_model(build_model(Path(package_dir) / SOURCE_FILE), out_path)


def compare_with_source(onnx_path: Path, source: Path, batch: int = 4, seed: int = 0) -> float:
    """Largest absolute difference between the batched file and the package's file run face by face."""
    x = np.random.default_rng(seed).uniform(-1.0, 1.0, (batch, 3, SIZE, SIZE)).astype(np.float32)
    (ours,) = cpu_session(onnx_path).run([OUTPUT_NAME], {INPUT_NAME: x})
    original = cpu_session(source)
    name = original.get_outputs()[0].name
    theirs = np.concatenate([original.run([name], {INPUT_NAME: x[i:i + 1]})[0] for i in range(batch)])
    return float(np.abs(ours - theirs).max())


def smoke_test(onnx_path: Path, batch: int = 4) -> None:
    (emb,) = cpu_session(onnx_path).run([OUTPUT_NAME], {INPUT_NAME: np.zeros((batch, 3, SIZE, SIZE), np.float32)})
    assert emb.shape == (batch, DIM) and np.all(np.isfinite(emb))


def _convert_args(args: argparse.Namespace) -> Path:
    convert(args.package_dir, args.out)
    source = args.package_dir / SOURCE_FILE
    diff = compare_with_source(args.out, source)
    print(f"largest difference to the package's file, face by face: {diff:.2e}")
    if diff > 1e-4:
        raise SystemExit(f"{args.out}: differs from {source} by {diff}")
    return source


def main(argv: list[str] | None = None) -> None:
    converter_main(__doc__, PACKAGE, argv, _convert_args, smoke_test)


if __name__ == "__main__":
    main()
