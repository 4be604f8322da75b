# SPDX-License-Identifier: MIT
"""Convert face-api.js's ``FaceExpressionNet`` (seven facial expressions of a face crop) into ONNX.

Source: the npm package ``@vladmandic/face-api@1.7.15`` (MIT, Copyright (c) Vladimir Mandic), files
``model/face_expression_model-weights_manifest.json`` and ``model/face_expression_model.bin``: a TF.js weights
manifest (no graph), filters uint8-quantised, biases float32. The weights are read by
``faceapi_recognition.load_weights`` (tfjs-core's dequantisation). The graph is written here from the package's
own code: ``src/faceExpressionNet/FaceExpressionNet.ts``, ``src/faceProcessor/FaceProcessor.ts``,
``src/faceFeatureExtractor/FaceFeatureExtractor.ts`` + ``denseBlock.ts``, ``src/common/depthwiseSeparableConv.ts``
and ``fullyConnectedLayer.ts``. Get and unpack it outside the repository, then::

    python models/convert/faceapi_expression.py --package-dir /tmp/fa/package --out models/faceapi_expression.onnx

The network (``FaceFeatureExtractor`` + a fully connected classifier):

* input normalisation: minus the mean RGB (122.782, 117.001, 104.298), divided by 255;
* four dense blocks (``denseBlock4``) with 32, 64, 128, 256 channels, each halving the size (112 -> 56 -> 28 ->
  14 -> 7). A block: ``out1 = relu(conv0(x))`` at stride 2 (a plain 3x3 conv + bias in the first block, a
  depthwise separable conv + bias in the others), then three separable convs ``out2..out4`` at stride 1, each on
  the ReLU of the sum of everything before it (``relu(out1 + out2)``, ``relu(out1 + out2 + out3)``); the block's
  output is ``relu(out1 + out2 + out3 + out4)``. All convs are TF ``same``: at stride 2 on an even size that pads
  nothing at the top/left and one row/column at the bottom/right (explicit, asymmetric ``pads`` here);
* 7x7/2 ``valid`` average pool (a global mean at 112 px input), ``fc`` [256, 7] + bias, softmax.

A separable conv (``tf.separableConv2d``: depthwise 3x3 with the stride, then pointwise 1x1) becomes a grouped
``Conv`` then a 1x1 ``Conv`` that carries the bias. The sums are in face-api.js's order of evaluation
(``out1 + (out2 + (out3 + out4))``), so float32 rounding matches.

The ONNX contract:

* input ``input``: float32 ``[N, 112, 112, 3]`` NHWC, **RGB 0..255**, a square face crop (see
  ``organizer/vision/expression.py``); the graph normalises.
* output ``expressions``: float32 ``[N, 7]``, softmax probabilities of ``LABELS`` in that order.

The output file is deterministic: the same package gives the same bytes.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import onnx
from numpy.typing import NDArray
from onnx import helper

sys.path.insert(0, str(Path(__file__).resolve().parent))

from faceapi_recognition import PACKAGE
from faceapi_recognition import PACKAGE_VERSION
from faceapi_recognition import convert_package
from faceapi_recognition import load_weights
from faceapi_recognition import package_main
from tfjs_common import INPUT_NAME
from tfjs_common import GraphBuilder
from tfjs_common import make_model
from verify_common import cpu_session
from verify_common import random_nhwc

MANIFEST = "model/face_expression_model-weights_manifest.json"
OUTPUT_NAME = "expressions"
INPUT_SIZE = 112
#: ``FaceFeatureExtractor.forwardInput``: ``normalize(x, meanRgb).div(255)``.
MEAN_RGB = (122.782, 117.001, 104.298)
PIXEL_DIVISOR = 255.0
#: ``FACE_EXPRESSION_LABELS`` of ``FaceExpressions.ts``, the order of the outputs.
LABELS = ("neutral", "happy", "sad", "angry", "fearful", "disgusted", "surprised")
BLOCKS = ("dense0", "dense1", "dense2", "dense3")


def _same_pads(size: int, kernel: int, stride: int) -> tuple[int, int, int]:
    """TF ``same`` padding (before, after) of one axis and the output size."""
    out = -(-size // stride)
    total = max((out - 1) * stride + kernel - size, 0)
    return total // 2, total - total // 2, out


class _Builder(GraphBuilder):
    """Emits the ONNX nodes, tracking the square spatial size of the running activation."""

    def _conv(self, x: str, name: str, kernel: NDArray[np.float32], bias: str | None, stride: int, size: int,
              group: int) -> tuple[str, int]:
        kh = kernel.shape[2]
        before, after, out = _same_pads(size, kh, stride)
        inputs = [x, self.init(f"{name}/weight", kernel)] + ([bias] if bias else [])
        y = self.node("Conv", inputs, name, kernel_shape=[kh, kh], strides=[stride, stride],
                      pads=[before, before, after, after], dilations=[1, 1], group=group)
        return y, out

    def plain_conv(self, x: str, prefix: str, stride: int, size: int) -> tuple[str, int]:
        """``tf.conv2d(x, filters, stride, 'same') + bias``."""
        filters = self.weight(f"{prefix}/filters")  # HWIO
        bias = self.init(f"{prefix}/bias", self.weight(f"{prefix}/bias"))
        return self._conv(x, f"{prefix}/conv", filters.transpose(3, 2, 0, 1), bias, stride, size, 1)

    def separable_conv(self, x: str, prefix: str, stride: int, size: int) -> tuple[str, int]:
        """``depthwiseSeparableConv``: ``tf.separableConv2d(x, dw, pw, stride, 'same') + bias``."""
        dw = self.weight(f"{prefix}/depthwise_filter")  # [3, 3, C, 1]
        pw = self.weight(f"{prefix}/pointwise_filter")  # [1, 1, C, O]
        channels = dw.shape[2]
        y, out = self._conv(x, f"{prefix}/depthwise", dw.transpose(2, 3, 0, 1), None, stride, size, channels)
        bias = self.init(f"{prefix}/bias", self.weight(f"{prefix}/bias"))
        y, _ = self._conv(y, f"{prefix}/pointwise", pw.transpose(3, 2, 0, 1), bias, 1, out, 1)
        return y, out

    def dense_block(self, x: str, prefix: str, size: int, first: bool) -> tuple[str, int]:
        """``denseBlock4(x, params, isFirstLayer)`` with ``isScaleDown = true``."""
        conv0 = self.plain_conv if first else self.separable_conv
        c0, size = conv0(x, f"{prefix}/conv0", 2, size)
        out1 = self.node("Relu", [c0], f"{prefix}/out1")
        out2, _ = self.separable_conv(out1, f"{prefix}/conv1", 1, size)
        in3 = self.node("Relu", [self.node("Add", [out1, out2], f"{prefix}/sum12")], f"{prefix}/in3")
        out3, _ = self.separable_conv(in3, f"{prefix}/conv2", 1, size)
        s23 = self.node("Add", [out2, out3], f"{prefix}/sum23")
        in4 = self.node("Relu", [self.node("Add", [out1, s23], f"{prefix}/sum123")], f"{prefix}/in4")
        out4, _ = self.separable_conv(in4, f"{prefix}/conv3", 1, size)
        s34 = self.node("Add", [out3, out4], f"{prefix}/sum34")
        s234 = self.node("Add", [out2, s34], f"{prefix}/sum234")
        s1234 = self.node("Add", [out1, s234], f"{prefix}/sum1234")
        return self.node("Relu", [s1234], f"{prefix}/out"), size


def build_model(manifest_path: Path) -> onnx.ModelProto:
    """The ONNX model of ``FaceExpressionNet`` with the weights of ``manifest_path``."""
    b = _Builder(load_weights(manifest_path))
    x = b.normalised_input(MEAN_RGB, PIXEL_DIVISOR)
    size = INPUT_SIZE
    for i, prefix in enumerate(BLOCKS):
        x, size = b.dense_block(x, prefix, size, first=i == 0)
    if size != 7:
        raise ValueError(f"feature map is {size}x{size}, expected 7x7 (the 7x7/2 valid pool then gives 1x1)")
    x = b.node("AveragePool", [x], "pool", kernel_shape=[7, 7], strides=[2, 2], pads=[0, 0, 0, 0])
    x = b.node("Flatten", [x], "features", axis=1)
    fc_w, fc_b = b.weight("fc/weights"), b.weight("fc/bias")
    if fc_w.shape != (256, len(LABELS)) or fc_b.shape != (len(LABELS),):
        raise ValueError(f"fc has shapes {fc_w.shape} + {fc_b.shape}, expected (256, 7) + (7,)")
    x = b.node("MatMul", [x, b.init("fc/weight", fc_w)], "fc/matmul")
    x = b.node("Add", [x, b.init("fc/bias", fc_b)], "fc/logits")
    b.nodes.append(helper.make_node("Softmax", [x], [OUTPUT_NAME], name="softmax", axis=-1))
    b.check_all_used()
    source = f"{PACKAGE}@{PACKAGE_VERSION}/{MANIFEST}"
    return make_model(
        b.nodes,
        "faceapi_expression",
        inputs={INPUT_NAME: ["N", INPUT_SIZE, INPUT_SIZE, 3]},
        outputs={OUTPUT_NAME: ["N", len(LABELS)]},
        initializers=b.inits,
        doc_string=(
            f"face-api.js FaceExpressionNet, converted from {source} (MIT). Input NHWC [N,112,112,3] RGB 0..255, "
            f"a square face crop; normalisation inside. Output expressions [N,7]: softmax over {', '.join(LABELS)}."
        ),
        props={"source": source, "license": "MIT", "labels": ",".join(LABELS)},
    )


def convert(package_dir: Path, out_path: Path) -> None:
    """Convert the network of the unpacked npm package folder ``package_dir`` and write ONNX to ``out_path``."""
    convert_package(package_dir, out_path, MANIFEST, build_model)


def smoke_test(onnx_path: Path, batch: int = 2) -> None:
    """Run the file in onnxruntime (all graph optimisations on) and check that each output is a distribution."""
    x = random_nhwc(0, 255, batch, INPUT_SIZE)
    (p,) = cpu_session(onnx_path).run([OUTPUT_NAME], {INPUT_NAME: x})
    assert p.shape == (batch, len(LABELS)) and np.allclose(p.sum(axis=1), 1, atol=1e-5), p


def main(argv: list[str] | None = None) -> None:
    package_main(__doc__, argv, MANIFEST, convert, smoke_test)


if __name__ == "__main__":
    main()
