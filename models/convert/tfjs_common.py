# SPDX-License-Identifier: MIT
"""What the TF.js -> ONNX converters share: the file conventions, the graph builder base, the write and the CLI.

``faceres_tfjs.py``, ``faceapi_recognition.py`` and ``faceapi_expression.py`` promise the same things of their
output (opset 17 at IR 8, one producer name, a deterministic serialisation checked by ``onnx.checker``, an
onnxruntime smoke test: ``verify_common.cpu_session``) and the same command line (``--package-dir``, ``--out``,
``--no-smoke-test``). Keeping those here means a change to the convention reaches every file at once. Nothing in
here changes the bytes of a converted file: it is the code each converter had, in one place.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import onnx
from numpy.typing import NDArray
from onnx import TensorProto
from onnx import helper
from onnx import numpy_helper

OPSET = 17
#: IR version matching opset 17, so that older onnxruntime builds load the file too.
IR_VERSION = 8
PRODUCER_NAME = "organizer-convert"
PRODUCER_VERSION = "1"
INPUT_NAME = "input"


class GraphBuilder:
    """Emits ONNX nodes and initializers from a dict of TF.js weights, recording which weights the graph used.

    The face-api.js converters write their graphs by hand from the package's source; this is the bookkeeping
    under both, so that a weight the graph never reads (a wrong translation) is an error, not a silent loss.
    """

    def __init__(self, weights: dict[str, NDArray[np.float32]]) -> None:
        self.w = weights
        self.used: set[str] = set()
        self.nodes: list[onnx.NodeProto] = []
        self.inits: dict[str, NDArray[Any]] = {}

    def weight(self, name: str) -> NDArray[np.float32]:
        if name not in self.w:
            raise KeyError(f"weight {name!r} missing from the manifest")
        self.used.add(name)
        return self.w[name]

    def init(self, name: str, value: NDArray[Any]) -> str:
        if name in self.inits:
            raise ValueError(f"duplicate initializer {name!r}")
        self.inits[name] = np.ascontiguousarray(value)
        return name

    def node(self, op: str, inputs: list[str], name: str, **attrs: Any) -> str:
        self.nodes.append(helper.make_node(op, inputs, [name], name=name, **attrs))
        return name

    def normalised_input(self, mean_rgb: tuple[float, float, float], divisor: float) -> str:
        """The NHWC graph input as NCHW, minus ``mean_rgb`` and divided by ``divisor`` (``normalize(x).div()``)."""
        x = self.node("Transpose", [INPUT_NAME], "input/nchw", perm=[0, 3, 1, 2])
        mean = self.init("input/mean", np.array(mean_rgb, np.float32).reshape(1, 3, 1, 1))
        x = self.node("Sub", [x, mean], "input/centred")
        return self.node("Div", [x, self.init("input/divisor", np.array(divisor, np.float32))], "input/normalised")

    def check_all_used(self) -> None:
        unused = sorted(set(self.w) - self.used)
        if unused:
            raise ValueError(f"weights not used by the graph: {unused}")


def make_model(nodes: list[onnx.NodeProto], name: str, inputs: dict[str, list[Any]], outputs: dict[str, list[Any]],
               initializers: dict[str, NDArray[Any]], doc_string: str, props: dict[str, str]) -> onnx.ModelProto:
    """The checked ONNX model of float32 ``inputs``/``outputs`` (name -> shape), initializers sorted by name."""
    graph = helper.make_graph(
        nodes,
        name,
        inputs=[helper.make_tensor_value_info(k, TensorProto.FLOAT, shape) for k, shape in inputs.items()],
        outputs=[helper.make_tensor_value_info(k, TensorProto.FLOAT, shape) for k, shape in outputs.items()],
        initializer=[numpy_helper.from_array(initializers[k], k) for k in sorted(initializers)],
    )
    model = helper.make_model(
        graph,
        opset_imports=[helper.make_opsetid("", OPSET)],
        producer_name=PRODUCER_NAME,
        producer_version=PRODUCER_VERSION,
        ir_version=IR_VERSION,
        doc_string=doc_string,
    )
    helper.set_model_props(model, props)
    onnx.checker.check_model(model, full_check=True)
    return model


def check_package(package_dir: Path, name: str, version: str) -> None:
    """Refuse an unpacked npm package other than ``name@version``: other weights would give other bytes."""
    meta = json.loads((package_dir / "package.json").read_text())
    if (meta.get("name"), meta.get("version")) != (name, version):
        raise ValueError(f"{package_dir}: expected {name}@{version}, found {meta.get('name')}@{meta.get('version')}")


def write_model(model: onnx.ModelProto, out_path: Path) -> None:
    """Write ``model`` deterministically (same model, same bytes) and check the file as written."""
    out_path = Path(out_path)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    out_path.write_bytes(model.SerializeToString(deterministic=True))
    onnx.checker.check_model(str(out_path), full_check=True)


def converter_main(doc: str, package: str, argv: Sequence[str] | None, convert: Callable[[argparse.Namespace], Path],
                   smoke_test: Callable[[Path], None],
                   add_options: Callable[[argparse.ArgumentParser], None] | None = None) -> None:
    """The converters' command line: ``--package-dir``, ``--out``, the ``add_options``, ``--no-smoke-test``.

    ``convert`` writes ``args.out`` and returns the source file it read, which the closing line names.
    """
    parser = argparse.ArgumentParser(description=doc.split("\n\n")[0])
    parser.add_argument("--package-dir", type=Path, required=True, help=f"unpacked {package} package")
    parser.add_argument("--out", type=Path, required=True, help="ONNX file to write")
    if add_options is not None:
        add_options(parser)
    parser.add_argument("--no-smoke-test", action="store_true", help="skip the onnxruntime check")
    args = parser.parse_args(argv)
    source = convert(args)
    if not args.no_smoke_test:
        smoke_test(args.out)
    print(f"wrote {args.out} ({args.out.stat().st_size} bytes) from {source}")
