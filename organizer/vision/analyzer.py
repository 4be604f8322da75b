# SPDX-License-Identifier: MIT
"""From an image file to faces with identity, gender and age."""

from __future__ import annotations

import dataclasses
import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field

import cv2
import numpy as np
from numpy.typing import NDArray

from organizer.core.errors import MediaError
from organizer.core.types import Box
from organizer.core.types import Detection
from organizer.core.types import Face
from organizer.core.types import FaceAttributes
from organizer.core.types import ImageFaces
from organizer.media.decode import DecodedImage
from organizer.media.decode import decode
from organizer.media.decode import probe
from organizer.media.decode import read_bytes
from organizer.vision.arcface import ArcFaceNetwork
from organizer.vision.arcface import ArcFaceSettings
from organizer.vision.expression import ExpressionNetwork
from organizer.vision.faceres import EmbedderSettings
from organizer.vision.faceres import FaceresNetwork
from organizer.vision.models import ModelStore
from organizer.vision.mtcnn import DetectorSettings
from organizer.vision.mtcnn import MtcnnDetector
from organizer.vision.quality import frontality
from organizer.vision.quality import sharpness

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class AnalyzerSettings:
    """Resolution policy and the settings of the detector and both networks.

    Attributes:
        detect_side: the longer side of the image the detector sees (larger finds smaller faces, slower).
        crop_side: JPEGs are decoded at 1/2, 1/4 or 1/8 size as long as the longer side stays at least
            this long, so face crops keep enough pixels while 12 MP photos decode several times faster.
        embedder: the multi-output network (identity, gender, age). Its mirrored pass is off: beside the
            second network it bought nothing (bench/identity_fusion.py, variant 8).
        identity: the second identity network, the ArcFace-type one, on the aligned chip. Its mirrored pass is
            off too: it bought no BCubed F (0.9812 with, 0.9815 without, tuned on half 0) for +8 ms a face.
    """

    detect_side: int = 1024
    crop_side: int = 1600
    detector: DetectorSettings = field(default_factory=DetectorSettings)
    embedder: EmbedderSettings = field(default_factory=lambda: EmbedderSettings(flip=False))
    identity: ArcFaceSettings = field(default_factory=ArcFaceSettings)


def resize_longer(image: NDArray[np.uint8], side: int) -> tuple[NDArray[np.uint8], float]:
    """Shrink an image so its longer side is at most ``side``; returns it and the scale used."""
    h, w = image.shape[:2]
    scale = min(1.0, side / max(h, w))
    if scale >= 1.0:
        return image, 1.0
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    return cv2.resize(image, size, interpolation=cv2.INTER_AREA), scale


def _scale_detection(d: Detection, s: float) -> Detection:
    b = d.box
    return Detection(box=Box(b.x * s, b.y * s, b.w * s, b.h * s), score=d.score,
                     landmarks=tuple((x * s, y * s) for x, y in d.landmarks))


class FaceAnalyzer:
    """Detects the faces of an image and runs the multi-output network and the second identity network on each."""

    def __init__(self, store: ModelStore | None = None, settings: AnalyzerSettings | None = None) -> None:
        self.store = store or ModelStore()
        self.settings = settings or AnalyzerSettings()
        self.detector = MtcnnDetector(self.store, self.settings.detector)
        self.network = FaceresNetwork(self.store, self.settings.embedder)
        self.identity = ArcFaceNetwork(self.store, self.settings.identity)
        # not in AnalyzerSettings: the expression is outside the analysis id (vision/models.py, ALL_MODELS)
        self.expression = ExpressionNetwork(self.store)

    def load(self, path: str | bytes | os.PathLike[str]) -> DecodedImage:
        """Read and decode a file at the resolution the analysis needs."""
        data = read_bytes(path)
        return decode(data, min_side=self.settings.crop_side, header=probe(data))

    def detect(self, image: DecodedImage) -> list[Detection]:
        """Faces of a decoded image, in pixels of the decoded (possibly reduced) image."""
        small, s = resize_longer(image.pixels, self.settings.detect_side)
        return [_scale_detection(d, 1.0 / s) for d in self.detector.detect(small)]

    def analyze_image(self, image: DecodedImage) -> list[Face]:
        """Detect and describe every face; boxes in pixels of the full-resolution upright image."""
        dets = self.detect(image)
        attrs = self._describe(image, dets)
        to_full = 1.0 / image.scale
        return [Face(detection=_scale_detection(d, to_full), attributes=a) for d, a in zip(dets, attrs, strict=True)]

    def analyze_boxes(self, image: DecodedImage, boxes: Sequence[Box]) -> list[Face]:
        """Describe faces at given boxes (drawn by the user, in full-resolution upright pixels) without detecting.

        There are no landmarks: each network cuts its crop from the box itself. Boxes in the result are the
        given ones, in full-resolution pixels; ``score`` is 1 (the user says it is a face) and ``frontal`` None.
        """
        s = image.scale
        dets = [Detection(box=Box(b.x * s, b.y * s, b.w * s, b.h * s), score=1.0, landmarks=()) for b in boxes]
        if not dets:
            return []
        attrs = self._describe(image, dets)
        return [Face(detection=Detection(box=b, score=1.0, landmarks=()), attributes=a)
                for b, a in zip(boxes, attrs, strict=True)]

    def _describe(self, image: DecodedImage, dets: Sequence[Detection]) -> list[FaceAttributes]:
        """The networks and the picture quality on detections in decoded pixels."""
        attrs = self.network.analyze(image.pixels, [d.box for d in dets])
        second = self.identity.embed(image.pixels, dets)
        expressions = self.expression.analyze(image.pixels, [d.box for d in dets])
        return [dataclasses.replace(a, second_embedding=second.embeddings[i] if second.usable[i] else None,
                                    sharpness=sharpness(image.pixels, d), frontal=frontality(d),
                                    expression=expressions[i])
                for i, (a, d) in enumerate(zip(attrs, dets, strict=True))]

    def analyze_file(self, path: str | bytes | os.PathLike[str]) -> ImageFaces:
        """Analyse one file; an unreadable file gives an :class:`ImageFaces` with ``error`` set."""
        shown = os.fsdecode(path)
        try:
            image = self.load(path)
        except MediaError as e:
            log.warning("Cannot read %s: %s", shown, e)
            return ImageFaces(path=shown, width=0, height=0, error=str(e))
        faces = self.analyze_image(image)
        return ImageFaces(path=shown, width=image.width, height=image.height, faces=tuple(faces))
