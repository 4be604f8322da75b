# SPDX-License-Identifier: MIT
"""Convert face-api.js's ``FaceRecognitionNet`` (the TF.js port of dlib's face recognition ResNet) into ONNX.

Source: the npm package ``@vladmandic/face-api@1.7.15`` (MIT, Copyright (c) Vladimir Mandic), files
``model/face_recognition_model-weights_manifest.json`` and ``model/face_recognition_model.bin``: a TF.js
*weights manifest* (no graph), most weights uint8-quantised (``value = q * scale + min``, computed in double
precision and rounded to float32 exactly as tfjs-core's ``decodeWeights`` does), some stored as float32. The
graph is written here from face-api.js's own code (``src/faceRecognitionNet/FaceRecognitionNet.ts``,
``convLayer.ts``, ``residualLayer.ts``, ``scaleLayer.ts`` in the same package). Get and unpack it outside the
repository::

    mkdir -p /tmp/fa && cd /tmp/fa && npm pack @vladmandic/face-api@1.7.15
    tar xzf vladmandic-face-api-1.7.15.tgz   # -> /tmp/fa/package/model/face_recognition_model*
    cd /work/main   # the repository
    python models/convert/faceapi_recognition.py --package-dir /tmp/fa/package --out models/faceapi_recognition.onnx

The network (dlib's ``dlib_face_recognition_resnet_model_v1``: a ResNet-34-like net with 29 conv layers):

* ``conv32_down``: 7x7/2 conv (``valid``) + bias + per-channel scale, ReLU; 3x3/2 max-pool (``valid``)
* residual blocks ``conv32_1..3``, ``conv64_down``, ``conv64_1..3``, ``conv128_down``, ``conv128_1..2``,
  ``conv256_down``, ``conv256_1..2``, ``conv256_down_out``. A block: conv(3x3, ``same``) + bias + scale, ReLU,
  conv(3x3, ``same``) + bias + scale, plus the input, ReLU. A *down* block: its first conv is 3x3/2 ``valid``,
  and the shortcut is a 2x2/2 average pool of the input, zero-padded in channels when they double; when the
  pooled shortcut is one pixel larger than the conv branch (150 px input: 8 -> 3 vs 4, and 4 -> 1 vs 2), the
  conv branch gets a zero row at the bottom and a zero column at the right (face-api.js's ``residualDown``).
* global mean over H, W (256), then ``fc`` [256, 128] without bias.

The ONNX contract (the graph does face-api.js's own input normalisation):

* input ``input``: float32 ``[N, 150, 150, 3]`` NHWC, **RGB 0..255** (an aligned face chip; see
  ``organizer/vision/align.py``). The graph subtracts (122.782, 117.001, 104.298) and divides by 255 as
  ``FaceRecognitionNet.forwardInput`` does, then runs in NCHW.
* output ``descriptor``: float32 ``[N, 128]``, not normalised (dlib's descriptor; its norm is about 1).

Folds: each conv's bias and the following scale layer (``(conv(x) + b) * w + c``) become one ``Conv`` with
weights ``W * w`` and bias ``b * w + c``. Everything else is one ONNX op per TF.js op (``MaxPool``,
``AveragePool``, ``Pad`` with zeros, ``Add``, ``Relu``, ``ReduceMean``, ``MatMul``).

The output file is deterministic: the same package gives the same bytes.
"""

from __future__ import annotations

import argparse
import json
import math
from collections.abc import Callable
from pathlib import Path

import numpy as np
import onnx
from numpy.typing import NDArray
from onnx import helper
from tfjs_common import INPUT_NAME
from tfjs_common import GraphBuilder
from tfjs_common import check_package
from tfjs_common import converter_main
from tfjs_common import make_model
from tfjs_common import write_model
from verify_common import cpu_session
from verify_common import random_nhwc

PACKAGE = "@vladmandic/face-api"
PACKAGE_VERSION = "1.7.15"
MANIFEST = "model/face_recognition_model-weights_manifest.json"

OUTPUT_NAME = "descriptor"
INPUT_SIZE = 150
#: ``FaceRecognitionNet.forwardInput``: ``normalize(x, meanRgb).div(255)``.
MEAN_RGB = (122.782, 117.001, 104.298)
PIXEL_DIVISOR = 255.0
DESCRIPTOR_DIM = 128

#: The residual blocks in forward order, and whether each is a down-sampling block.
BLOCKS: tuple[tuple[str, bool], ...] = (
    ("conv32_1", False), ("conv32_2", False), ("conv32_3", False),
    ("conv64_down", True), ("conv64_1", False), ("conv64_2", False), ("conv64_3", False),
    ("conv128_down", True), ("conv128_1", False), ("conv128_2", False),
    ("conv256_down", True), ("conv256_1", False), ("conv256_2", False), ("conv256_down_out", True),
)

_NP_DTYPES: dict[str, type[np.generic]] = {"float32": np.float32, "uint8": np.uint8, "uint16": np.uint16,
                                           "float16": np.float16, "int32": np.int32}


def load_weights(manifest_path: Path) -> dict[str, NDArray[np.float32]]:
    """The manifest's weights as float32 arrays in their TF.js shapes (HWIO filters), dequantised like tfjs-core.

    tfjs-core (``io_utils.decodeWeights``) computes ``q * scale + min`` in JavaScript numbers (double) and stores
    the result in a Float32Array; this does the same in float64, then rounds to float32.
    """
    manifest = json.loads(Path(manifest_path).read_text())
    weights: dict[str, NDArray[np.float32]] = {}
    for group in manifest:
        buffer = b"".join((manifest_path.parent / p).read_bytes() for p in group["paths"])
        offset = 0
        for spec in group["weights"]:
            if spec["dtype"] != "float32":
                raise NotImplementedError(f"{spec['name']}: dtype {spec['dtype']}")
            shape = tuple(int(d) for d in spec["shape"])
            count = math.prod(shape)
            quant = spec.get("quantization")
            stored = np.dtype(_NP_DTYPES[quant["dtype"] if quant else "float32"]).newbyteorder("<")
            raw = np.frombuffer(buffer, dtype=stored, count=count, offset=offset)
            offset += count * stored.itemsize
            if quant is None:
                value = raw.astype(np.float32)
            elif quant["dtype"] in ("uint8", "uint16"):
                value = (raw.astype(np.float64) * float(quant["scale"]) + float(quant["min"])).astype(np.float32)
            elif quant["dtype"] == "float16":
                value = raw.astype(np.float32)
            else:
                raise NotImplementedError(f"{spec['name']}: quantization {quant['dtype']}")
            if spec["name"] in weights:
                raise ValueError(f"duplicate weight {spec['name']}")
            weights[spec["name"]] = value.reshape(shape).copy(order="C")
        if offset != len(buffer):
            raise ValueError(f"{manifest_path.name}: weight group uses {offset} of {len(buffer)} bytes")
    return weights


class _Builder(GraphBuilder):
    """Emits the ONNX nodes of the network, tracking the static NCHW shape of the running activation."""

    def conv(self, x: str, hw: tuple[int, int], prefix: str, stride: int, same: bool,
             relu: bool) -> tuple[str, tuple[int, int], int]:
        """``convLayer``: conv + bias, then the scale layer, then ReLU (optional); bias and scale folded."""
        filters = self.weight(f"{prefix}/conv/filters").astype(np.float64)  # HWIO
        bias = self.weight(f"{prefix}/conv/bias").astype(np.float64)
        scale_w = self.weight(f"{prefix}/scale/weights").astype(np.float64)
        scale_b = self.weight(f"{prefix}/scale/biases").astype(np.float64)
        kh, kw, _, cout = filters.shape
        kernel = (filters * scale_w).transpose(3, 2, 0, 1).astype(np.float32)  # OIHW
        folded_bias = (bias * scale_w + scale_b).astype(np.float32)
        h, w = hw
        if same:
            if stride != 1 or kh % 2 == 0 or kw % 2 == 0:
                raise NotImplementedError(f"{prefix}: 'same' padding only for odd kernels at stride 1")
            pads = [kh // 2, kw // 2, kh // 2, kw // 2]
            out_hw = (h, w)
        else:
            pads = [0, 0, 0, 0]
            out_hw = ((h - kh) // stride + 1, (w - kw) // stride + 1)
        out = self.node("Conv", [x, self.init(f"{prefix}/weight", kernel), self.init(f"{prefix}/bias", folded_bias)],
                        f"{prefix}/conv", kernel_shape=[kh, kw], strides=[stride, stride], pads=pads,
                        dilations=[1, 1], group=1)
        if relu:
            out = self.node("Relu", [out], f"{prefix}/relu")
        return out, out_hw, cout

    def residual(self, x: str, hw: tuple[int, int], channels: int, prefix: str,
                 down: bool) -> tuple[str, tuple[int, int], int]:
        """``residual`` / ``residualDown`` of face-api.js."""
        if not down:
            a, hw1, _ = self.conv(x, hw, f"{prefix}/conv1", 1, True, True)
            b, hw2, cout = self.conv(a, hw1, f"{prefix}/conv2", 1, True, False)
            if hw2 != hw or cout != channels:
                raise ValueError(f"{prefix}: residual shapes differ")
            s = self.node("Add", [b, x], f"{prefix}/add")
            return self.node("Relu", [s], f"{prefix}/out"), hw, channels
        a, hw1, _ = self.conv(x, hw, f"{prefix}/conv1", 2, False, True)
        b, hw2, cout = self.conv(a, hw1, f"{prefix}/conv2", 1, True, False)
        pooled = self.node("AveragePool", [x], f"{prefix}/pool", kernel_shape=[2, 2], strides=[2, 2],
                           pads=[0, 0, 0, 0])
        phw = ((hw[0] - 2) // 2 + 1, (hw[1] - 2) // 2 + 1)
        if phw != hw2:
            if phw != (hw2[0] + 1, hw2[1] + 1):
                raise NotImplementedError(f"{prefix}: shortcut {phw} vs branch {hw2}")
            # face-api.js: concat a zero row (axis H, at the end) then a zero column (axis W, at the end)
            zero = self.init(f"{prefix}/pad_value", np.zeros((), np.float32))
            pads = self.init(f"{prefix}/branch_pads", np.array([0, 0, 0, 0, 0, 0, 1, 1], np.int64))
            b = self.node("Pad", [b, pads, zero], f"{prefix}/branch_pad", mode="constant")
        if cout != channels:
            if cout != 2 * channels:
                raise NotImplementedError(f"{prefix}: {channels} -> {cout} channels")
            # face-api.js: concat zeros of the pooled tensor's shape along channels (at the end)
            zero = self.init(f"{prefix}/chan_pad_value", np.zeros((), np.float32))
            pads = self.init(f"{prefix}/chan_pads", np.array([0, 0, 0, 0, 0, cout - channels, 0, 0], np.int64))
            pooled = self.node("Pad", [pooled, pads, zero], f"{prefix}/shortcut_pad", mode="constant")
        s = self.node("Add", [pooled, b], f"{prefix}/add")
        return self.node("Relu", [s], f"{prefix}/out"), phw, cout


def build_model(manifest_path: Path) -> onnx.ModelProto:
    """The ONNX model of ``FaceRecognitionNet`` with the weights of ``manifest_path``."""
    b = _Builder(load_weights(manifest_path))
    x = b.normalised_input(MEAN_RGB, PIXEL_DIVISOR)
    x, hw, c = b.conv(x, (INPUT_SIZE, INPUT_SIZE), "conv32_down", 2, False, True)
    x = b.node("MaxPool", [x], "conv32_down/pool", kernel_shape=[3, 3], strides=[2, 2], pads=[0, 0, 0, 0])
    hw = ((hw[0] - 3) // 2 + 1, (hw[1] - 3) // 2 + 1)
    for prefix, down in BLOCKS:
        x, hw, c = b.residual(x, hw, c, prefix, down)
    x = b.node("ReduceMean", [x], "global_mean", axes=[2, 3], keepdims=0)
    fc = b.weight("fc")
    if fc.shape != (c, DESCRIPTOR_DIM):
        raise ValueError(f"fc has shape {fc.shape}, expected ({c}, {DESCRIPTOR_DIM})")
    b.nodes.append(helper.make_node("MatMul", [x, b.init("fc/weight", fc)], [OUTPUT_NAME], name="fc"))
    b.check_all_used()
    source = f"{PACKAGE}@{PACKAGE_VERSION}/{MANIFEST}"
    return make_model(
        b.nodes,
        "faceapi_recognition",
        inputs={INPUT_NAME: ["N", INPUT_SIZE, INPUT_SIZE, 3]},
        outputs={OUTPUT_NAME: ["N", DESCRIPTOR_DIM]},
        initializers=b.inits,
        doc_string=(
            "dlib face recognition ResNet (dlib_face_recognition_resnet_model_v1) as ported by face-api.js, "
            f"converted from {source} (MIT). Input NHWC [N,150,150,3] RGB 0..255, an aligned dlib face chip "
            "(150 px, padding 0.25); normalisation inside. Output descriptor [N,128], not normalised."
        ),
        props={"source": source, "license": "MIT"},
    )


def convert_package(package_dir: Path, out_path: Path, manifest: str,
                    build: Callable[[Path], onnx.ModelProto]) -> None:
    """Check that ``package_dir`` is the unpacked face-api package, build its ``manifest``, write ``out_path``.

    Shared with ``faceapi_expression.py``: both networks come from the same package version.
    """
    package_dir = Path(package_dir)
    check_package(package_dir, PACKAGE, PACKAGE_VERSION)
    write_model(build(package_dir / manifest), out_path)


def convert(package_dir: Path, out_path: Path) -> None:
    """Convert the network of the unpacked npm package folder ``package_dir`` and write ONNX to ``out_path``."""
    convert_package(package_dir, out_path, MANIFEST, build_model)


def smoke_test(onnx_path: Path, batch: int = 2) -> None:
    """Run the file in onnxruntime (all graph optimisations on) and check the output's shape and values."""
    x = random_nhwc(0, 255, batch, INPUT_SIZE)
    (d,) = cpu_session(onnx_path).run([OUTPUT_NAME], {INPUT_NAME: x})
    assert d.shape == (batch, DESCRIPTOR_DIM) and np.all(np.isfinite(d)), d.shape


def package_main(doc: str, argv: list[str] | None, manifest: str, convert: Callable[[Path, Path], None],
                 smoke_test: Callable[[Path], None]) -> None:
    """The command line of a face-api converter (shared with ``faceapi_expression.py``)."""

    def run(args: argparse.Namespace) -> Path:
        convert(args.package_dir, args.out)
        source: Path = args.package_dir / manifest
        return source

    converter_main(doc, PACKAGE, argv, run, smoke_test)


def main(argv: list[str] | None = None) -> None:
    package_main(__doc__, argv, MANIFEST, convert, smoke_test)


if __name__ == "__main__":
    main()
