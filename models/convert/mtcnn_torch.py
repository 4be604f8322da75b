# SPDX-License-Identifier: MIT
"""Convert the MTCNN P-, R- and O-Nets of ``facenet-pytorch`` (torch state dicts) into ONNX.

Source: the PyPI wheel ``facenet-pytorch==2.6.0`` (MIT), files ``facenet_pytorch/data/pnet.pt``,
``rnet.pt`` and ``onet.pt``. The wheel is only unzipped, never installed (the package imports torchvision)::

    pip download --no-deps -d /tmp/fp facenet-pytorch==2.6.0
    cd /work/main   # the repository
    python models/convert/mtcnn_torch.py --wheel /tmp/fp/facenet_pytorch-2.6.0-py3-none-any.whl --out-dir models/

The modules below re-state facenet-pytorch's ``PNet``/``RNet``/``ONet`` (same parameter names, so the state
dicts load strictly). facenet-pytorch already undid the transposed-image convention of the original Caffe/TF
MTCNN when it converted the weights: these networks take ordinary NCHW images (rows = y, columns = x).

The ONNX contracts (the converter does no preprocessing; the caller passes RGB normalised as
``(x - 127.5) * 0.0078125``, as facenet-pytorch does):

* ``mtcnn_pnet.onnx``: input ``input`` float32 ``[N, 3, H, W]`` (N, H, W dynamic); outputs ``reg``
  ``[N, 4, h, w]`` (box offsets dx1, dy1, dx2, dy2) and ``prob`` ``[N, 2, h, w]`` (softmax over dim 1,
  channel 1 = face), with ``h = ceil((H - 2) / 2) - 4`` and likewise ``w``.
* ``mtcnn_rnet.onnx``: input ``input`` ``[N, 3, 24, 24]``; outputs ``reg`` ``[N, 4]``, ``prob`` ``[N, 2]``.
* ``mtcnn_onet.onnx``: input ``input`` ``[N, 3, 48, 48]``; outputs ``reg`` ``[N, 4]``, ``landmarks``
  ``[N, 10]`` (five x, then five y, relative to the box) and ``prob`` ``[N, 2]``.

Each exported file is checked with ``onnx.checker`` and compared with the torch module in onnxruntime.
The files are deterministic: the same wheel gives the same bytes (fixed producer, no doc strings).
"""

from __future__ import annotations

import argparse
import io
import sys
import warnings
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import torch
from torch import nn

OPSET = 17
#: IR version matching opset 17, so that older onnxruntime builds load the files too.
IR_VERSION = 8
PRODUCER_NAME = "organizer-convert"
PRODUCER_VERSION = "1"
#: Largest tolerated difference between torch and onnxruntime outputs in the self-check.
TOLERANCE = 1e-4
INPUT_NAME = "input"
WHEEL_DATA_DIR = "facenet_pytorch/data"


class PNet(nn.Module):
    """MTCNN proposal network: fully convolutional, 12x12 receptive field, stride 2."""

    def __init__(self) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(3, 10, kernel_size=3)
        self.prelu1 = nn.PReLU(10)
        self.pool1 = nn.MaxPool2d(2, 2, ceil_mode=True)
        self.conv2 = nn.Conv2d(10, 16, kernel_size=3)
        self.prelu2 = nn.PReLU(16)
        self.conv3 = nn.Conv2d(16, 32, kernel_size=3)
        self.prelu3 = nn.PReLU(32)
        self.conv4_1 = nn.Conv2d(32, 2, kernel_size=1)
        self.softmax4_1 = nn.Softmax(dim=1)
        self.conv4_2 = nn.Conv2d(32, 4, kernel_size=1)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """``[N, 3, H, W]`` -> (``reg [N, 4, h, w]``, ``prob [N, 2, h, w]``)."""
        x = self.pool1(self.prelu1(self.conv1(x)))
        x = self.prelu2(self.conv2(x))
        x = self.prelu3(self.conv3(x))
        return self.conv4_2(x), self.softmax4_1(self.conv4_1(x))


class RNet(nn.Module):
    """MTCNN refinement network on 24x24 crops."""

    def __init__(self) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(3, 28, kernel_size=3)
        self.prelu1 = nn.PReLU(28)
        self.pool1 = nn.MaxPool2d(3, 2, ceil_mode=True)
        self.conv2 = nn.Conv2d(28, 48, kernel_size=3)
        self.prelu2 = nn.PReLU(48)
        self.pool2 = nn.MaxPool2d(3, 2, ceil_mode=True)
        self.conv3 = nn.Conv2d(48, 64, kernel_size=2)
        self.prelu3 = nn.PReLU(64)
        self.dense4 = nn.Linear(576, 128)
        self.prelu4 = nn.PReLU(128)
        self.dense5_1 = nn.Linear(128, 2)
        self.softmax5_1 = nn.Softmax(dim=1)
        self.dense5_2 = nn.Linear(128, 4)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """``[N, 3, 24, 24]`` -> (``reg [N, 4]``, ``prob [N, 2]``)."""
        x = self.pool1(self.prelu1(self.conv1(x)))
        x = self.pool2(self.prelu2(self.conv2(x)))
        x = self.prelu3(self.conv3(x))
        # The dense weights came from TF with (x, y, channel) flattening order: N,C,H,W -> N,W,H,C.
        x = self.prelu4(self.dense4(x.permute(0, 3, 2, 1).flatten(1)))
        return self.dense5_2(x), self.softmax5_1(self.dense5_1(x))


class ONet(nn.Module):
    """MTCNN output network on 48x48 crops: box, five landmarks and face probability."""

    def __init__(self) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(3, 32, kernel_size=3)
        self.prelu1 = nn.PReLU(32)
        self.pool1 = nn.MaxPool2d(3, 2, ceil_mode=True)
        self.conv2 = nn.Conv2d(32, 64, kernel_size=3)
        self.prelu2 = nn.PReLU(64)
        self.pool2 = nn.MaxPool2d(3, 2, ceil_mode=True)
        self.conv3 = nn.Conv2d(64, 64, kernel_size=3)
        self.prelu3 = nn.PReLU(64)
        self.pool3 = nn.MaxPool2d(2, 2, ceil_mode=True)
        self.conv4 = nn.Conv2d(64, 128, kernel_size=2)
        self.prelu4 = nn.PReLU(128)
        self.dense5 = nn.Linear(1152, 256)
        self.prelu5 = nn.PReLU(256)
        self.dense6_1 = nn.Linear(256, 2)
        self.softmax6_1 = nn.Softmax(dim=1)
        self.dense6_2 = nn.Linear(256, 4)
        self.dense6_3 = nn.Linear(256, 10)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """``[N, 3, 48, 48]`` -> (``reg [N, 4]``, ``landmarks [N, 10]``, ``prob [N, 2]``)."""
        x = self.pool1(self.prelu1(self.conv1(x)))
        x = self.pool2(self.prelu2(self.conv2(x)))
        x = self.pool3(self.prelu3(self.conv3(x)))
        x = self.prelu4(self.conv4(x))
        x = self.prelu5(self.dense5(x.permute(0, 3, 2, 1).flatten(1)))
        return self.dense6_2(x), self.dense6_3(x), self.softmax6_1(self.dense6_1(x))


@dataclass(frozen=True, slots=True)
class NetSpec:
    """How one network is exported and checked."""

    name: str
    module: type[nn.Module]
    outputs: tuple[str, ...]
    #: Dynamic axes of the input (index -> name); the spatial ones also apply to 4-D outputs.
    dynamic: dict[int, str]
    #: Input shapes ``[N, 3, H, W]`` used for the onnxruntime self-check.
    check_shapes: tuple[tuple[int, int, int, int], ...]

    @property
    def state_dict_member(self) -> str:
        """Path of the state dict inside the wheel."""
        return f"{WHEEL_DATA_DIR}/{self.name}.pt"

    @property
    def file_name(self) -> str:
        """Name of the ONNX file written to the output folder."""
        return f"mtcnn_{self.name}.onnx"


NETS = (
    NetSpec(
        "pnet",
        PNet,
        ("reg", "prob"),
        {0: "N", 2: "H", 3: "W"},
        ((1, 3, 12, 12), (1, 3, 97, 130), (2, 3, 216, 384), (1, 3, 481, 353)),
    ),
    NetSpec("rnet", RNet, ("reg", "prob"), {0: "N"}, ((1, 3, 24, 24), (37, 3, 24, 24))),
    NetSpec("onet", ONet, ("reg", "landmarks", "prob"), {0: "N"}, ((1, 3, 48, 48), (23, 3, 48, 48))),
)


def load_net(wheel: Path, spec: NetSpec) -> nn.Module:
    """The network of ``spec`` with its weights read (strictly) from the wheel, in eval mode."""
    with zipfile.ZipFile(wheel) as zf:
        raw = zf.read(spec.state_dict_member)
    state = torch.load(io.BytesIO(raw), map_location="cpu", weights_only=True)
    net = spec.module()
    net.load_state_dict(state, strict=True)
    return net.eval()


def _dynamic_axes(spec: NetSpec) -> dict[str, dict[int, str]]:
    """``torch.onnx.export`` dynamic axes: the input's, and for 4-D outputs the batch and spatial ones."""
    axes: dict[str, dict[int, str]] = {INPUT_NAME: dict(spec.dynamic)}
    for out in spec.outputs:
        axes[out] = {i: name.lower() if i >= 2 else name for i, name in spec.dynamic.items()}
    return axes


def _normalise_proto(model: onnx.ModelProto) -> onnx.ModelProto:
    """Strip everything that is not a function of the weights: producer, doc strings, metadata."""
    model.producer_name = PRODUCER_NAME
    model.producer_version = PRODUCER_VERSION
    model.ir_version = IR_VERSION
    model.doc_string = ""
    model.graph.doc_string = ""
    del model.metadata_props[:]
    for node in model.graph.node:
        node.doc_string = ""
    return model


def export_net(net: nn.Module, spec: NetSpec) -> onnx.ModelProto:
    """Trace ``net`` with the TorchScript exporter and return the normalised ONNX model."""
    example = torch.zeros(spec.check_shapes[0], dtype=torch.float32)
    buf = io.BytesIO()
    with torch.no_grad(), warnings.catch_warnings():
        # dynamo=False is deliberate (small, plain graphs); silence the exporter's deprecation notice.
        warnings.filterwarnings("ignore", message=".*legacy TorchScript-based ONNX export.*")
        torch.onnx.export(
            net,
            (example,),
            buf,
            input_names=[INPUT_NAME],
            output_names=list(spec.outputs),
            dynamic_axes=_dynamic_axes(spec),
            opset_version=OPSET,
            do_constant_folding=True,
            dynamo=False,
        )
    model = _normalise_proto(onnx.load_from_string(buf.getvalue()))
    onnx.checker.check_model(model, full_check=True)
    return model


def max_abs_diff(net: nn.Module, model: onnx.ModelProto, spec: NetSpec, seed: int = 0) -> float:
    """Largest |torch - onnxruntime| over all outputs, on random inputs in the normalised range."""
    opts = ort.SessionOptions()
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    sess = ort.InferenceSession(model.SerializeToString(), opts, providers=["CPUExecutionProvider"])
    rng = np.random.default_rng(seed)
    worst = 0.0
    for shape in spec.check_shapes:
        x = rng.uniform(-1.0, 1.0, size=shape).astype(np.float32)
        with torch.no_grad():
            want = [t.numpy() for t in net(torch.from_numpy(x))]
        got = sess.run(list(spec.outputs), {INPUT_NAME: x})
        for name, w, g in zip(spec.outputs, want, got, strict=True):
            if w.shape != g.shape:
                raise RuntimeError(f"{spec.name}/{name}: torch shape {w.shape} != onnx shape {g.shape}")
            worst = max(worst, float(np.max(np.abs(w - g))))
    return worst


def convert(wheel: Path, out_dir: Path) -> list[Path]:
    """Write ``mtcnn_{pnet,rnet,onet}.onnx`` into ``out_dir`` from the facenet-pytorch wheel; return their paths.

    Raises ``RuntimeError`` when an exported model differs from its torch module by more than ``TOLERANCE``.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for spec in NETS:
        net = load_net(wheel, spec)
        model = export_net(net, spec)
        diff = max_abs_diff(net, model, spec)
        if diff > TOLERANCE:
            raise RuntimeError(f"{spec.name}: onnxruntime differs from torch by {diff:.3g} > {TOLERANCE}")
        path = out_dir / spec.file_name
        path.write_bytes(model.SerializeToString())
        print(f"{path}: max |torch - onnxruntime| = {diff:.3g}")
        written.append(path)
    return written


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--wheel", type=Path, required=True, help="facenet_pytorch-2.6.0-py3-none-any.whl")
    parser.add_argument(
        "--out-dir",
        type=Path,
        default=Path(__file__).resolve().parent.parent,
        help="where the ONNX files go (default: models/)",
    )
    args = parser.parse_args(argv)
    convert(args.wheel, args.out_dir)
    return 0


if __name__ == "__main__":
    sys.exit(main())
