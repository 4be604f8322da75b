# SPDX-License-Identifier: MIT
"""dlib's face recognition ResNet (as ported by face-api.js): a 128-D identity embedding of an aligned face.

The network (``models/faceapi_recognition.onnx``, see ``models/MODELS.md``) takes dlib's 150x150 chip with
padding 0.25 (:mod:`organizer.vision.align`), RGB 0..255; it normalises inside. It was the second identity
network until the ArcFace-type network (:mod:`organizer.vision.arcface`) replaced it; the benchmarks
(``bench/identity_fusion.py``, ``bench/peer.py``) still run it side by side. Chips, batching, flipping and the
reasons of unusable faces: :mod:`organizer.vision.aligned_identity`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from organizer.vision.align import CHIP_PADDING
from organizer.vision.align import CHIP_SIZE
from organizer.vision.align import dlib_geometry
from organizer.vision.aligned_identity import AlignedIdentityNetwork
from organizer.vision.aligned_identity import IdentityBatch
from organizer.vision.aligned_identity import NetworkContract
from organizer.vision.models import FACEAPI_RECOGNITION
from organizer.vision.models import ModelSpec
from organizer.vision.models import ModelStore

__all__ = ["EMBEDDING_DIM", "FACEAPI_RECOGNITION", "DlibResnetNetwork", "DlibResnetSettings", "IdentityBatch"]

EMBEDDING_DIM = 128
INPUT_NAME = "input"
OUTPUT_NAME = "descriptor"


@dataclass(frozen=True, slots=True)
class DlibResnetSettings:
    """How chips are cut and run.

    Attributes:
        padding: dlib's chip padding (the network was trained with 0.25).
        flip: also run the mirrored chip and average both descriptors (one more pass per face).
        batch_size: chips per network call.
    """

    padding: float = CHIP_PADDING
    flip: bool = False
    batch_size: int = 8


def _as_float(chips: NDArray[np.uint8]) -> NDArray[np.float32]:
    return np.ascontiguousarray(chips, dtype=np.float32)  # RGB 0..255, NHWC: the network normalises inside


class DlibResnetNetwork(AlignedIdentityNetwork):
    """dlib's ResNet on its 150 px chips."""

    def __init__(self, store: ModelStore, settings: DlibResnetSettings | None = None,
                 spec: ModelSpec = FACEAPI_RECOGNITION) -> None:
        self.settings = settings or DlibResnetSettings()
        contract = NetworkContract(spec, dlib_geometry(CHIP_SIZE, self.settings.padding), _as_float, INPUT_NAME,
                                   OUTPUT_NAME, EMBEDDING_DIM)
        super().__init__(store, contract, self.settings.flip, self.settings.batch_size)
