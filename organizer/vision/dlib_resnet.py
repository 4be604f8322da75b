# SPDX-License-Identifier: MIT
"""dlib's face recognition ResNet (as ported by face-api.js): a 128-D identity embedding of an aligned face.

The network (``models/faceapi_recognition.onnx``, see ``models/MODELS.md``) takes dlib's 150x150 chip with
padding 0.25 (:mod:`organizer.vision.align`), RGB 0..255; it normalises inside. Its descriptor is
L2-normalised here, so two faces compare by inner product like faceres' embedding.

Every face gets an embedding or a reason: faces whose landmarks cannot be used are cut from their box (and
say so); faces with neither usable landmarks nor a usable box get a zero vector, ``usable = False`` and the
reason. Small, turned or partly outside faces are embedded and carry an ``issue``.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from organizer.core.types import Detection
from organizer.vision.align import CHIP_PADDING
from organizer.vision.align import CHIP_SIZE
from organizer.vision.align import AlignmentError
from organizer.vision.align import align_face
from organizer.vision.models import FACEAPI_RECOGNITION
from organizer.vision.models import ModelSpec
from organizer.vision.models import ModelStore

log = logging.getLogger(__name__)

EMBEDDING_DIM = 128
INPUT_NAME = "input"
OUTPUT_NAME = "descriptor"


@dataclass(frozen=True, slots=True)
class DlibResnetSettings:
    """How chips are cut and run.

    Attributes:
        padding: dlib's chip padding (the network was trained with 0.25).
        flip: also run the mirrored chip and average both descriptors (one more pass per face; the app does).
        batch_size: chips per network call.
    """

    padding: float = CHIP_PADDING
    flip: bool = False
    batch_size: int = 8


@dataclass(frozen=True, slots=True)
class IdentityBatch:
    """The embeddings of a batch of faces.

    Attributes:
        embeddings: ``[n, 128]`` float32, L2-normalised; all zeros where ``usable`` is False.
        usable: ``[n]`` bool.
        issues: per face None, or why its embedding is less trustworthy or missing.
    """

    embeddings: NDArray[np.float32]
    usable: NDArray[np.bool_]
    issues: tuple[str | None, ...]


def _l2(x: NDArray[np.float32]) -> NDArray[np.float32]:
    norm = np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)
    return np.asarray(x / norm, dtype=np.float32)


class DlibResnetNetwork:
    """Runs the network on aligned chips, or aligns the faces of an image first."""

    def __init__(self, store: ModelStore, settings: DlibResnetSettings | None = None,
                 spec: ModelSpec = FACEAPI_RECOGNITION) -> None:
        self._store = store
        self._spec = spec
        self.settings = settings or DlibResnetSettings()

    def raw(self, chips: NDArray[np.uint8]) -> NDArray[np.float32]:
        """Descriptors ``[n, 128]`` (not normalised) of RGB chips ``[n, 150, 150, 3]``."""
        chips = np.asarray(chips)
        if chips.ndim != 4 or chips.shape[1:] != (CHIP_SIZE, CHIP_SIZE, 3):
            raise ValueError(f"chips must be [n, {CHIP_SIZE}, {CHIP_SIZE}, 3], got {chips.shape}")
        if len(chips) == 0:
            return np.zeros((0, EMBEDDING_DIM), np.float32)
        sess = self._store.session(self._spec)
        bs = max(1, self.settings.batch_size)
        out = [sess.run([OUTPUT_NAME], {INPUT_NAME: np.ascontiguousarray(chips[i:i + bs], dtype=np.float32)})[0]
               for i in range(0, len(chips), bs)]
        return np.asarray(np.concatenate(out), dtype=np.float32)

    def embed_chips(self, chips: NDArray[np.uint8]) -> NDArray[np.float32]:
        """L2-normalised embeddings ``[n, 128]`` of aligned RGB chips (flip-averaged when the settings say so)."""
        chips = np.asarray(chips)
        if not self.settings.flip or not len(chips):
            return _l2(self.raw(chips))
        # the chips and their mirror images in one run: one call per batch instead of two
        n = len(chips)
        both = self.raw(np.concatenate([chips, chips[:, :, ::-1]]))
        return _l2(both[:n] + both[n:])

    def chips(self, image: NDArray[np.uint8], detections: Sequence[Detection],
              scale: float = 1.0) -> tuple[NDArray[np.uint8], list[bool], list[str | None]]:
        """Aligned chips of the detections of an RGB image.

        ``scale`` maps detection coordinates to pixels of ``image`` (e.g. ``DecodedImage.scale`` when the
        detections are in full-resolution pixels and ``image`` is the decoded one).
        """
        chips = np.zeros((len(detections), CHIP_SIZE, CHIP_SIZE, 3), np.uint8)
        usable: list[bool] = []
        issues: list[str | None] = []
        for i, d in enumerate(detections):
            box: tuple[float, float, float, float] | None = None
            try:
                box = (d.box.x * scale, d.box.y * scale, d.box.w * scale, d.box.h * scale)
                lm = np.asarray(d.landmarks, np.float64) * scale if d.landmarks else None
                chip = align_face(image, lm, box, CHIP_SIZE, self.settings.padding)
            except (AlignmentError, TypeError, ValueError) as e:
                log.debug("face %s not aligned: %s", box, e)
                usable.append(False)
                issues.append(f"no embedding: {e}")
                continue
            chips[i] = chip.pixels
            usable.append(True)
            issues.append(chip.issue)
        return chips, usable, issues

    def embed(self, image: NDArray[np.uint8], detections: Sequence[Detection], scale: float = 1.0) -> IdentityBatch:
        """Align each detection of the RGB image and embed it (see :meth:`chips` for ``scale``)."""
        chips, usable, issues = self.chips(image, detections, scale)
        ok = np.array(usable, dtype=bool)
        emb = np.zeros((len(detections), EMBEDDING_DIM), np.float32)
        if ok.any():
            emb[ok] = self.embed_chips(chips[ok])
        return IdentityBatch(embeddings=emb, usable=ok, issues=tuple(issues))
