# SPDX-License-Identifier: MIT
"""MTCNN face detector (Zhang et al. 2016) in numpy around three ONNX networks.

The cascade follows the reference implementation: an image pyramid scanned by P-Net, candidate boxes
merged by non-maximum suppression, refined by R-Net on 24x24 crops and by O-Net on 48x48 crops, which
also gives five landmarks. Boxes are in pixels of the image passed in.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import cv2
import numpy as np
from numpy.typing import NDArray

from organizer.core.types import Box
from organizer.core.types import Detection
from organizer.vision.models import MTCNN_ONET
from organizer.vision.models import MTCNN_PNET
from organizer.vision.models import MTCNN_RNET
from organizer.vision.models import ModelStore

log = logging.getLogger(__name__)

#: P-Net sees 12x12 windows with a stride of 2 pixels.
PNET_CELL = 12
PNET_STRIDE = 2
RNET_SIZE = 24
ONET_SIZE = 48


@dataclass(frozen=True, slots=True)
class DetectorSettings:
    """Detection parameters.

    Attributes:
        min_face_px: smallest face searched for, in pixels of the image given to the detector.
        min_face_rel: smallest face as a fraction of the image's shorter side; album photos rarely need
            the tiny faces of passers-by, and a larger minimum makes the pyramid much cheaper.
        thresholds: P-Net, R-Net, O-Net score thresholds.
        min_score: final O-Net score a face needs to be kept.
        scale_factor: ratio between pyramid levels.
        pad_small: retry images up to this many pixels with a border when nothing is found: tightly
            cropped portraits (the face touching the edges) are otherwise missed.
    """

    min_face_px: float = 20.0
    min_face_rel: float = 0.03
    thresholds: tuple[float, float, float] = (0.6, 0.7, 0.7)
    min_score: float = 0.9
    scale_factor: float = 0.709
    pad_small: int = 320


def nms(boxes: NDArray[np.float32], scores: NDArray[np.float32], threshold: float, mode: str = "union") -> NDArray:
    """Greedy non-maximum suppression; returns kept indices, best first.

    Args:
        boxes: ``[n, 4]`` as x1, y1, x2, y2.
        scores: ``[n]``.
        threshold: overlap above which the lower-scored box is dropped.
        mode: ``"union"`` (IoU) or ``"min"`` (intersection over the smaller box).
    """
    if len(boxes) == 0:
        return np.zeros(0, dtype=np.int64)
    x1, y1, x2, y2 = boxes[:, 0], boxes[:, 1], boxes[:, 2], boxes[:, 3]
    area = np.maximum(x2 - x1 + 1, 0) * np.maximum(y2 - y1 + 1, 0)
    order = np.argsort(-scores, kind="stable")
    keep = []
    while order.size:
        i = order[0]
        keep.append(i)
        rest = order[1:]
        w = np.maximum(0.0, np.minimum(x2[i], x2[rest]) - np.maximum(x1[i], x1[rest]) + 1)
        h = np.maximum(0.0, np.minimum(y2[i], y2[rest]) - np.maximum(y1[i], y1[rest]) + 1)
        inter = w * h
        denom = np.minimum(area[i], area[rest]) if mode == "min" else area[i] + area[rest] - inter
        overlap = inter / np.maximum(denom, 1e-9)
        order = rest[overlap <= threshold]
    return np.asarray(keep, dtype=np.int64)


def _square(boxes: NDArray[np.float32]) -> NDArray[np.float32]:
    """Turn boxes into squares around their centres (the reference ``rerec``)."""
    out = boxes.copy()
    w = boxes[:, 2] - boxes[:, 0]
    h = boxes[:, 3] - boxes[:, 1]
    side = np.maximum(w, h)
    out[:, 0] = boxes[:, 0] + w * 0.5 - side * 0.5
    out[:, 1] = boxes[:, 1] + h * 0.5 - side * 0.5
    out[:, 2] = out[:, 0] + side
    out[:, 3] = out[:, 1] + side
    return out


def _regress(boxes: NDArray[np.float32], reg: NDArray[np.float32], plus_one: bool) -> NDArray[np.float32]:
    """Apply the networks' box regression (offsets relative to the box size)."""
    w = boxes[:, 2] - boxes[:, 0] + (1 if plus_one else 0)
    h = boxes[:, 3] - boxes[:, 1] + (1 if plus_one else 0)
    out = boxes.copy()
    out[:, 0] = boxes[:, 0] + reg[:, 0] * w
    out[:, 1] = boxes[:, 1] + reg[:, 1] * h
    out[:, 2] = boxes[:, 2] + reg[:, 2] * w
    out[:, 3] = boxes[:, 3] + reg[:, 3] * h
    return out


def _normalise(pixels: NDArray) -> NDArray[np.float32]:
    """RGB uint8/float HxWx3 (or NxHxWx3) to the networks' NCHW input, (x - 127.5) / 128."""
    x = (pixels.astype(np.float32) - 127.5) * 0.0078125
    return np.ascontiguousarray(np.moveaxis(x, -1, -3))


def _crops(image: NDArray[np.uint8], boxes: NDArray[np.float32], size: int) -> NDArray[np.uint8]:
    """Cut square boxes out of the image (zero outside it) and resize them to ``size``."""
    h, w = image.shape[:2]
    out = np.zeros((len(boxes), size, size, 3), dtype=np.uint8)
    for k, (bx1, by1, bx2, by2) in enumerate(boxes[:, :4].astype(np.int64)):
        bw, bh = bx2 - bx1 + 1, by2 - by1 + 1
        if bw < 2 or bh < 2:
            continue
        patch = np.zeros((bh, bw, 3), dtype=np.uint8)
        sx1, sy1, sx2, sy2 = max(bx1, 0), max(by1, 0), min(bx2 + 1, w), min(by2 + 1, h)
        if sx2 <= sx1 or sy2 <= sy1:
            continue
        patch[sy1 - by1:sy2 - by1, sx1 - bx1:sx2 - bx1] = image[sy1:sy2, sx1:sx2]
        interp = cv2.INTER_AREA if bw > size else cv2.INTER_LINEAR
        out[k] = cv2.resize(patch, (size, size), interpolation=interp)
    return out


class MtcnnDetector:
    """Finds faces and their five landmarks in RGB images."""

    def __init__(self, store: ModelStore, settings: DetectorSettings | None = None) -> None:
        self._store = store
        self.settings = settings or DetectorSettings()

    def detect(self, image: NDArray[np.uint8]) -> list[Detection]:
        """Detect faces in an upright RGB image (HxWx3 uint8).

        Returns:
            Detections sorted by score, best first, in pixels of ``image``.
        """
        found = self._detect(image)
        h, w = image.shape[:2]
        if not found and max(h, w) <= self.settings.pad_small:
            # A face filling a small crop touches the borders, where the 12x12 windows cannot centre
            # on it; a grey border gives the cascade room and is removed from the results.
            pad = max(h, w) // 4
            padded = cv2.copyMakeBorder(image, pad, pad, pad, pad, cv2.BORDER_CONSTANT, value=(127, 127, 127))
            found = [_shift(d, -pad, -pad, w, h) for d in self._detect(padded)]
        return found

    def _detect(self, image: NDArray[np.uint8]) -> list[Detection]:
        s = self.settings
        h, w = image.shape[:2]
        min_face = max(s.min_face_px, s.min_face_rel * min(h, w))
        if min(h, w) < PNET_CELL:
            return []
        boxes = self._stage1(image, min_face)
        if len(boxes):
            boxes = self._stage2(image, boxes)
        if not len(boxes):
            return []
        boxes, points = self._stage3(image, boxes)
        dets = []
        for b, p in zip(boxes, points, strict=True):
            if b[4] < s.min_score:
                continue
            x1, y1 = max(float(b[0]), 0.0), max(float(b[1]), 0.0)
            x2, y2 = min(float(b[2]), w), min(float(b[3]), h)
            if x2 - x1 < 2 or y2 - y1 < 2:
                continue
            lm = tuple((float(p[i]), float(p[i + 5])) for i in range(5))
            dets.append(Detection(box=Box(x1, y1, x2 - x1, y2 - y1), score=float(b[4]), landmarks=lm))
        dets.sort(key=lambda d: -d.score)
        return dets

    def _scales(self, h: int, w: int, min_face: float) -> list[float]:
        m = PNET_CELL / min_face
        side = min(h, w) * m
        scales = []
        while side >= PNET_CELL:
            scales.append(m * self.settings.scale_factor ** len(scales))
            side *= self.settings.scale_factor
        return scales

    def _stage1(self, image: NDArray[np.uint8], min_face: float) -> NDArray[np.float32]:
        """P-Net over the pyramid: candidate boxes ``[n, 5]`` (x1, y1, x2, y2, score)."""
        sess = self._store.session(MTCNN_PNET)
        h, w = image.shape[:2]
        t = self.settings.thresholds[0]
        per_scale = []
        level = image
        for scale in self._scales(h, w, min_face):
            hs, ws = int(h * scale + 1), int(w * scale + 1)
            # Each level is shrunk from the previous one, not from the full image: the same area
            # averaging at a fraction of the cost (the pyramid's total area is only ~2x its first level).
            level = cv2.resize(level, (ws, hs), interpolation=cv2.INTER_AREA)
            resized = level
            reg, prob = sess.run(["reg", "prob"], {"input": _normalise(resized)[None]})
            score = prob[0, 1]
            ys, xs = np.nonzero(score >= t)
            if not len(ys):
                continue
            q1x = np.floor((PNET_STRIDE * xs + 1) / scale)
            q1y = np.floor((PNET_STRIDE * ys + 1) / scale)
            q2x = np.floor((PNET_STRIDE * xs + PNET_CELL) / scale)
            q2y = np.floor((PNET_STRIDE * ys + PNET_CELL) / scale)
            cand = np.stack([q1x, q1y, q2x, q2y, score[ys, xs]], axis=1).astype(np.float32)
            r = reg[0][:, ys, xs].T
            keep = nms(cand[:, :4], cand[:, 4], 0.5)
            per_scale.append(np.concatenate([cand[keep], r[keep]], axis=1))
        if not per_scale:
            return np.zeros((0, 5), dtype=np.float32)
        allb = np.concatenate(per_scale)
        allb = allb[nms(allb[:, :4], allb[:, 4], 0.7)]
        boxes = _regress(allb[:, :5], allb[:, 5:9], plus_one=False)
        return _square(boxes)

    def _stage2(self, image: NDArray[np.uint8], boxes: NDArray[np.float32]) -> NDArray[np.float32]:
        """R-Net on 24x24 crops: fewer, better boxes."""
        sess = self._store.session(MTCNN_RNET)
        boxes = np.floor(boxes)
        reg, prob = sess.run(["reg", "prob"], {"input": _normalise(_crops(image, boxes, RNET_SIZE))})
        ok = prob[:, 1] > self.settings.thresholds[1]
        boxes = np.concatenate([boxes[ok, :4], prob[ok, 1:2]], axis=1)
        reg = reg[ok]
        keep = nms(boxes[:, :4], boxes[:, 4], 0.7)
        return _square(_regress(boxes[keep], reg[keep], plus_one=True))

    def _stage3(self, image: NDArray[np.uint8], boxes: NDArray[np.float32]) -> tuple[NDArray, NDArray]:
        """O-Net on 48x48 crops: final boxes ``[n, 5]`` and landmarks ``[n, 10]`` (5 x then 5 y)."""
        sess = self._store.session(MTCNN_ONET)
        boxes = np.floor(boxes)
        reg, lm, prob = sess.run(["reg", "landmarks", "prob"],
                                 {"input": _normalise(_crops(image, boxes, ONET_SIZE))})
        ok = prob[:, 1] > self.settings.thresholds[2]
        boxes = np.concatenate([boxes[ok, :4], prob[ok, 1:2]], axis=1)
        reg, lm = reg[ok], lm[ok]
        bw = boxes[:, 2] - boxes[:, 0] + 1
        bh = boxes[:, 3] - boxes[:, 1] + 1
        points = np.concatenate([bw[:, None] * lm[:, :5] + boxes[:, 0:1] - 1,
                                 bh[:, None] * lm[:, 5:] + boxes[:, 1:2] - 1], axis=1)
        boxes = _regress(boxes, reg, plus_one=True)
        keep = nms(boxes[:, :4], boxes[:, 4], 0.7, mode="min")
        return boxes[keep], points[keep]


def _shift(d: Detection, dx: float, dy: float, w: int, h: int) -> Detection:
    """Move a detection found in a padded image back to the original image, clipped to it."""
    x1 = min(max(d.box.x + dx, 0.0), w)
    y1 = min(max(d.box.y + dy, 0.0), h)
    x2 = min(max(d.box.x + d.box.w + dx, 0.0), w)
    y2 = min(max(d.box.y + d.box.h + dy, 0.0), h)
    lm = tuple((x + dx, y + dy) for x, y in d.landmarks)
    return Detection(box=Box(x1, y1, x2 - x1, y2 - y1), score=d.score, landmarks=lm)
