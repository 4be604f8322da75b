# SPDX-License-Identifier: MIT
"""An identity network that embeds faces aligned by their five landmarks: chips in, unit vectors out.

Both identity networks beside the multi-output one work this way (``dlib_resnet`` and ``arcface``): each has a
:class:`~organizer.vision.align.ChipGeometry` (where it wants the face on its chip), a way to turn uint8 RGB chips
into its input tensor, and an output of ``dim`` floats that is L2-normalised here, so two faces compare by inner
product like faceres' embedding.

Every face gets an embedding or a reason: faces whose landmarks cannot be used are cut from their box (and say
so); faces with neither usable landmarks nor a usable box get a zero vector, ``usable = False`` and the reason.
Small, turned or partly outside faces are embedded and carry an ``issue``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from organizer.core.types import Detection
from organizer.vision.align import AlignmentError
from organizer.vision.align import ChipGeometry
from organizer.vision.align import align_face
from organizer.vision.models import ModelSpec
from organizer.vision.models import ModelStore

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class NetworkContract:
    """What one ONNX identity network takes and gives.

    Attributes:
        spec: its model file.
        geometry: where it wants the face on its chip.
        prepare: uint8 RGB chips ``[n, size, size, 3]`` -> its float32 input tensor.
        input_name, output_name: the graph's tensor names.
        dim: embedding length.
    """

    spec: ModelSpec
    geometry: ChipGeometry
    prepare: Callable[[NDArray[np.uint8]], NDArray[np.float32]]
    input_name: str
    output_name: str
    dim: int


@dataclass(frozen=True, slots=True)
class IdentityBatch:
    """The embeddings of a batch of faces.

    Attributes:
        embeddings: ``[n, dim]`` float32, L2-normalised; all zeros where ``usable`` is False.
        usable: ``[n]`` bool.
        issues: per face None, or why its embedding is less trustworthy or missing.
    """

    embeddings: NDArray[np.float32]
    usable: NDArray[np.bool_]
    issues: tuple[str | None, ...]


def l2_rows(x: NDArray[np.float32]) -> NDArray[np.float32]:
    norm = np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)
    return np.asarray(x / norm, dtype=np.float32)


class AlignedIdentityNetwork:
    """Runs one identity network on aligned chips, or aligns the faces of an image first."""

    def __init__(self, store: ModelStore, contract: NetworkContract, flip: bool, batch_size: int) -> None:
        self._store = store
        self.contract = contract
        self.flip = flip
        self.batch_size = batch_size

    @property
    def chip_size(self) -> int:
        return self.contract.geometry.size

    def raw(self, chips: NDArray[np.uint8]) -> NDArray[np.float32]:
        """Outputs ``[n, dim]`` (not normalised) of RGB chips ``[n, size, size, 3]``."""
        c = self.contract
        size = self.chip_size
        chips = np.asarray(chips)
        if chips.ndim != 4 or chips.shape[1:] != (size, size, 3):
            raise ValueError(f"chips must be [n, {size}, {size}, 3], got {chips.shape}")
        if len(chips) == 0:
            return np.zeros((0, c.dim), np.float32)
        sess = self._store.session(c.spec)
        bs = max(1, self.batch_size)
        out = [sess.run([c.output_name], {c.input_name: c.prepare(chips[i:i + bs])})[0]
               for i in range(0, len(chips), bs)]
        return np.asarray(np.concatenate(out), dtype=np.float32)

    def embed_chips(self, chips: NDArray[np.uint8]) -> NDArray[np.float32]:
        """L2-normalised embeddings ``[n, dim]`` of aligned RGB chips (flip-averaged when ``flip``)."""
        chips = np.asarray(chips)
        if not self.flip or not len(chips):
            return l2_rows(self.raw(chips))
        # the chips and their mirror images in one run: one call per batch instead of two
        n = len(chips)
        both = self.raw(np.concatenate([chips, chips[:, :, ::-1]]))
        return l2_rows(both[:n] + both[n:])

    def chips(self, image: NDArray[np.uint8], detections: Sequence[Detection],
              scale: float = 1.0) -> tuple[NDArray[np.uint8], list[bool], list[str | None]]:
        """Aligned chips of the detections of an RGB image.

        ``scale`` maps detection coordinates to pixels of ``image`` (e.g. ``DecodedImage.scale`` when the
        detections are in full-resolution pixels and ``image`` is the decoded one).
        """
        size = self.chip_size
        chips = np.zeros((len(detections), size, size, 3), np.uint8)
        usable: list[bool] = []
        issues: list[str | None] = []
        for i, d in enumerate(detections):
            box: tuple[float, float, float, float] | None = None
            try:
                box = (d.box.x * scale, d.box.y * scale, d.box.w * scale, d.box.h * scale)
                lm = np.asarray(d.landmarks, np.float64) * scale if d.landmarks else None
                chip = align_face(image, lm, box, geometry=self.contract.geometry)
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
        emb = np.zeros((len(detections), self.contract.dim), np.float32)
        if ok.any():
            emb[ok] = self.embed_chips(chips[ok])
        return IdentityBatch(embeddings=emb, usable=ok, issues=tuple(issues))
