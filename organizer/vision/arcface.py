# SPDX-License-Identifier: MIT
"""The second identity network: an ArcFace-type 512-D embedding of a face on the ArcFace 112x112 template.

The network (``models/faceplugin_recognition.onnx``: Faceplugin's face feature network, a MobileFaceNet-like
ConvNet; source, licence and conversion in ``models/MODELS.md``) takes the face aligned by its five landmarks to
insightface's reference points (:data:`organizer.vision.align.ARCFACE_GEOMETRY`), NCHW, **BGR**,
``(pixel - 127) / 128``. On the developer faces it separates identities far better than faceres and dlib's
ResNet (ROC-AUC 0.998 against 0.990 and 0.997; BCubed F 0.98-0.99 against 0.94-0.95 for the fusion it replaced:
``bench/identity_fusion.py``). Chips, batching and the reasons of unusable faces:
:mod:`organizer.vision.aligned_identity`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from organizer.vision.align import ARCFACE_GEOMETRY
from organizer.vision.aligned_identity import AlignedIdentityNetwork
from organizer.vision.aligned_identity import IdentityBatch
from organizer.vision.aligned_identity import NetworkContract
from organizer.vision.models import FACEPLUGIN_RECOGNITION
from organizer.vision.models import ModelSpec
from organizer.vision.models import ModelStore

__all__ = ["EMBEDDING_DIM", "ArcFaceNetwork", "ArcFaceSettings", "IdentityBatch"]

EMBEDDING_DIM = 512
INPUT_NAME = "input"
OUTPUT_NAME = "embedding"


@dataclass(frozen=True, slots=True)
class ArcFaceSettings:
    """How chips are run.

    Attributes:
        flip: also run the mirrored chip and average both embeddings (one more pass per face).
        batch_size: chips per network call.
    """

    flip: bool = False
    batch_size: int = 8


def prepare(chips: NDArray[np.uint8]) -> NDArray[np.float32]:
    """RGB uint8 NHWC chips -> the network's input: BGR, NCHW, ``(pixel - 127) / 128``."""
    x = np.asarray(chips, dtype=np.float32)[..., ::-1].transpose(0, 3, 1, 2)
    return np.ascontiguousarray((x - 127.0) / 128.0, dtype=np.float32)


class ArcFaceNetwork(AlignedIdentityNetwork):
    """The ArcFace-type network on its 112 px chips."""

    def __init__(self, store: ModelStore, settings: ArcFaceSettings | None = None,
                 spec: ModelSpec = FACEPLUGIN_RECOGNITION) -> None:
        self.settings = settings or ArcFaceSettings()
        contract = NetworkContract(spec, ARCFACE_GEOMETRY, prepare, INPUT_NAME, OUTPUT_NAME, EMBEDDING_DIM)
        super().__init__(store, contract, self.settings.flip, self.settings.batch_size)
