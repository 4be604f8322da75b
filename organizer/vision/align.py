# SPDX-License-Identifier: MIT
"""Face alignment the way dlib's face recognition ResNet was trained: a 150x150 chip with padding 0.25.

dlib cuts its chips with ``get_face_chip_details(shape, 150, 0.25)`` + ``extract_image_chip``
(``dlib/image_transforms/interpolation.h``): a least-squares similarity transform from the detected landmarks
to the *mean face shape* of its 68-point landmark model (``mean_face_shape_x``/``_y``, points 17..67, on the
unit square), each template point moved to ``(padding + p) / (1 + 2 padding) * size``. dlib's own 5-point
template (``0.8595674595992, 0.2134981538014`` ...) is for the corners of the eyes and the base of the nose of
its 5-point landmark model, not for MTCNN's points; so the template here takes MTCNN's five points (eye
centres, nose tip, mouth corners) at their places in the same 68-point mean shape: each eye centre is the mean
of its six contour points (36-41, 42-47), the nose tip is point 30, the mouth corners are points 48 and 54.

The chip is sampled as dlib does: chip pixel ``(0, 0)`` and ``(size-1, size-1)`` are the corners of a square
of side ``size * scale`` around the image point of the chip centre ``(size/2, size/2)``; bilinear
interpolation, black outside the image; when the face is more than twice the chip's resolution, the region
is first halved (Gaussian pyramid, ``cv2.pyrDown``, as dlib's ``pyramid_down<2>``) until it is less than
twice, so that a large face is not aliased.

Other networks want the face elsewhere on their chip: :class:`ChipGeometry` says where (the five points and
the box in chip pixels, and the sampling convention). :data:`ARCFACE_GEOMETRY` is the ArcFace 112x112 template
(insightface's five reference points), sampled as ``cv2.warpAffine`` samples, chip pixel = mapped image point.

No Qt, no database: arrays in, arrays out. Landmarks are in pixels of the image passed in.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np
from numpy.typing import NDArray

CHIP_SIZE = 150
CHIP_PADDING = 0.25

#: dlib's ``mean_face_shape_x`` / ``mean_face_shape_y`` (interpolation.h): points 17..67 of the 68-point model.
DLIB_MEAN_FACE_X = (
    0.000213256, 0.0752622, 0.18113, 0.29077, 0.393397, 0.586856, 0.689483, 0.799124,
    0.904991, 0.98004, 0.490127, 0.490127, 0.490127, 0.490127, 0.36688, 0.426036,
    0.490127, 0.554217, 0.613373, 0.121737, 0.187122, 0.265825, 0.334606, 0.260918,
    0.182743, 0.645647, 0.714428, 0.793132, 0.858516, 0.79751, 0.719335, 0.254149,
    0.340985, 0.428858, 0.490127, 0.551395, 0.639268, 0.726104, 0.642159, 0.556721,
    0.490127, 0.423532, 0.338094, 0.290379, 0.428096, 0.490127, 0.552157, 0.689874,
    0.553364, 0.490127, 0.42689,
)
DLIB_MEAN_FACE_Y = (
    0.106454, 0.038915, 0.0187482, 0.0344891, 0.0773906, 0.0773906, 0.0344891,
    0.0187482, 0.038915, 0.106454, 0.203352, 0.307009, 0.409805, 0.515625, 0.587326,
    0.609345, 0.628106, 0.609345, 0.587326, 0.216423, 0.178758, 0.179852, 0.231733,
    0.245099, 0.244077, 0.231733, 0.179852, 0.178758, 0.216423, 0.244077, 0.245099,
    0.780233, 0.745405, 0.727388, 0.742578, 0.727388, 0.745405, 0.780233, 0.864805,
    0.902192, 0.909281, 0.902192, 0.864805, 0.784792, 0.778746, 0.785343, 0.778746,
    0.784792, 0.824182, 0.831803, 0.824182,
)
#: MTCNN's five points as sets of 68-point indices (left eye, right eye, nose tip, left and right mouth corner;
#: "left" = the image's left, as organizer.core.types.Detection.landmarks orders them).
MTCNN_AS_DLIB68 = ((36, 37, 38, 39, 40, 41), (42, 43, 44, 45, 46, 47), (30,), (48,), (54,))


def _mtcnn_template() -> NDArray[np.float64]:
    x, y = np.array(DLIB_MEAN_FACE_X), np.array(DLIB_MEAN_FACE_Y)
    return np.array([[x[[i - 17 for i in ids]].mean(), y[[i - 17 for i in ids]].mean()] for ids in MTCNN_AS_DLIB68])


#: The five MTCNN points on dlib's unit-square face template (before padding):
#: approx. (0.2255, 0.2160), (0.7548, 0.2160), (0.4901, 0.5156), (0.2541, 0.7802), (0.7261, 0.7802).
MTCNN_TEMPLATE = _mtcnn_template()

#: Where an MTCNN box sits on the same unit-square template (x, y, w, h), for faces without usable landmarks:
#: the median over the developer set's detections (bench/identity_fusion.py --box-template prints it).
BOX_TEMPLATE = (-0.1124, -0.3575, 1.1766, 1.5030)

#: A chip upsampled more than this (chip pixels per image pixel) is flagged: the face is too small for detail.
MAX_UPSAMPLING = 4.0
#: Nose-tip offset from the eye midpoint, along the eye line and in eye distances, above which a face is
#: flagged as turned (profile); a frontal template face has 0.
MAX_YAW_OFFSET = 0.35
#: RMS misfit of the landmarks to the template (in template eye distances) above which the fit is flagged.
MAX_RESIDUAL = 0.25
#: Fraction of the chip outside the image above which the chip is flagged.
MAX_OUTSIDE = 0.35


class AlignmentError(ValueError):
    """The landmarks (or box) cannot define a chip: not finite, wrong shape, or all in one point."""


@dataclass(frozen=True, slots=True)
class ChipGeometry:
    """Where a network wants the face on its square chip.

    Attributes:
        size: chip side in pixels.
        points: ``[5, 2]`` MTCNN's five points (eyes, nose tip, mouth corners) in chip pixels.
        box: where an MTCNN box sits on the chip ``(x, y, w, h)`` in chip pixels, for faces without landmarks.
        dlib_sampling: dlib's corner convention (:func:`dlib_chip_matrix`); else chip pixel ``(u, v)`` is the
            image point the similarity maps it to, as ``cv2.warpAffine`` samples.
    """

    size: int
    points: NDArray[np.float64]
    box: tuple[float, float, float, float]
    dlib_sampling: bool


def dlib_geometry(size: int = CHIP_SIZE, padding: float = CHIP_PADDING) -> ChipGeometry:
    """dlib's chip: the template and box template of the module doc, padded."""
    k = size / (1 + 2 * padding)
    bx, by, bw, bh = BOX_TEMPLATE
    return ChipGeometry(size, template_points(size, padding), ((padding + bx) * k, (padding + by) * k, bw * k, bh * k),
                        dlib_sampling=True)


#: insightface's ArcFace reference points on its 112x112 chip (``arcface_dst``), in MTCNN's order.
ARCFACE_POINTS = np.array([[38.2946, 51.6963], [73.5318, 51.5014], [56.0252, 71.7366], [41.5493, 92.3655],
                           [70.7299, 92.2041]])
#: The ArcFace chip; its box is the median MTCNN box on it over the developer set's faces (2 876 faces).
ARCFACE_GEOMETRY = ChipGeometry(112, ARCFACE_POINTS, (16.20, 14.27, 77.74, 100.45), dlib_sampling=False)


@dataclass(frozen=True, slots=True)
class AlignedChip:
    """One aligned face chip.

    Attributes:
        pixels: ``[size, size, 3]`` uint8, same channel order as the image.
        matrix: ``[2, 3]`` affine map from chip pixel ``(x, y, 1)`` to image pixel.
        scale: image pixels per chip pixel (< 1: the face was upsampled).
        issue: None for an ordinary face, else why its embedding is less trustworthy (the chip is still made).
    """

    pixels: NDArray[np.uint8]
    matrix: NDArray[np.float64]
    scale: float
    issue: str | None = None


def template_points(size: int = CHIP_SIZE, padding: float = CHIP_PADDING) -> NDArray[np.float64]:
    """MTCNN's five points in chip pixels, placed as dlib places its template points.

    ``(padding + p) / (1 + 2 padding) * size`` for each unit-square template point ``p``.
    """
    return (padding + MTCNN_TEMPLATE) / (1 + 2 * padding) * size


def similarity_transform(src: NDArray[np.float64], dst: NDArray[np.float64]) -> NDArray[np.float64]:
    """Least-squares similarity (rotation, uniform scale, translation; no reflection) taking ``src`` to ``dst``.

    Umeyama (1991), the closed form dlib's ``find_similarity_transform`` uses. Returns a ``[2, 3]`` matrix.
    """
    src = np.asarray(src, np.float64)
    dst = np.asarray(dst, np.float64)
    mu_s, mu_d = src.mean(axis=0), dst.mean(axis=0)
    s0, d0 = src - mu_s, dst - mu_d
    var_s = float((s0**2).sum() / len(src))
    if not var_s > 1e-12:
        raise AlignmentError("template points coincide")
    cov = d0.T @ s0 / len(src)
    u, sig, vt = np.linalg.svd(cov)
    d = np.eye(2)
    if np.linalg.det(u) * np.linalg.det(vt) < 0:
        d[1, 1] = -1.0
    r = u @ d @ vt
    c = float(np.trace(np.diag(sig) @ d) / var_s)
    m = np.empty((2, 3))
    m[:, :2] = c * r
    m[:, 2] = mu_d - c * r @ mu_s
    return m


def dlib_chip_matrix(similarity: NDArray[np.float64], size: int = CHIP_SIZE) -> NDArray[np.float64]:
    """dlib's chip sampling for a chip->image similarity: pixels 0 and size-1 span a square of side size*scale.

    (``chip_details`` keeps the angle, the scale and the image point of the chip centre ``(size/2, size/2)``;
    ``extract_image_chips`` maps chip corners 0 and size-1 onto that square's corners.)
    """
    sr = similarity[:, :2]
    centre = sr @ np.array([size / 2, size / 2]) + similarity[:, 2]
    m = np.empty((2, 3))
    m[:, :2] = sr * (size / (size - 1))
    m[:, 2] = centre - sr @ np.array([size / 2, size / 2])
    return m


def landmark_matrix(landmarks: NDArray[np.float64], size: int = CHIP_SIZE,
                    padding: float = CHIP_PADDING) -> tuple[NDArray[np.float64], float]:
    """dlib's chip->image matrix from five MTCNN landmarks, and the RMS misfit in template eye distances.

    Raises:
        AlignmentError: landmarks not ``[5, 2]`` finite values, or (nearly) all in one point.
    """
    return geometry_landmark_matrix(dlib_geometry(size, padding), landmarks)


def geometry_landmark_matrix(geometry: ChipGeometry,
                             landmarks: NDArray[np.float64]) -> tuple[NDArray[np.float64], float]:
    """Chip->image matrix of ``geometry`` from five MTCNN landmarks, and the RMS misfit in eye distances.

    Raises:
        AlignmentError: landmarks not ``[5, 2]`` finite values, or (nearly) all in one point.
    """
    pts = np.asarray(landmarks, dtype=np.float64)
    if pts.shape != (5, 2) or not np.all(np.isfinite(pts)):
        raise AlignmentError(f"need five finite (x, y) landmarks, got shape {pts.shape}")
    if float(np.ptp(pts, axis=0).max()) < 1.0:
        raise AlignmentError("landmarks all within one pixel")
    tpl = geometry.points
    sim = similarity_transform(tpl, pts)
    # misfit measured in the chip: image landmarks mapped back onto the template
    a = sim[:, :2]
    back = (pts - sim[:, 2]) @ np.linalg.inv(a).T
    eye = float(np.linalg.norm(tpl[1] - tpl[0]))
    residual = float(np.sqrt(((back - tpl) ** 2).sum(axis=1).mean())) / eye
    return (dlib_chip_matrix(sim, geometry.size) if geometry.dlib_sampling else sim), residual


def box_matrix(box: tuple[float, float, float, float], size: int = CHIP_SIZE,
               padding: float = CHIP_PADDING) -> NDArray[np.float64]:
    """dlib's chip->image matrix from a detector box ``(x, y, w, h)`` alone (upright, no rotation).

    Raises:
        AlignmentError: the box is not finite or has no area.
    """
    return geometry_box_matrix(dlib_geometry(size, padding), box)


def geometry_box_matrix(geometry: ChipGeometry, box: tuple[float, float, float, float]) -> NDArray[np.float64]:
    """Chip->image matrix of ``geometry`` from a detector box ``(x, y, w, h)`` alone, via ``geometry.box``.

    Raises:
        AlignmentError: the box is not finite or has no area.
    """
    x, y, w, h = (float(v) for v in box)
    if not all(math.isfinite(v) for v in (x, y, w, h)) or w < 1.0 or h < 1.0:
        raise AlignmentError(f"unusable box {box}")
    bx, by, bw, bh = geometry.box
    src = np.array([[bx, by], [bx + bw, by], [bx, by + bh], [bx + bw, by + bh]])
    dst = np.array([[x, y], [x + w, y], [x, y + h], [x + w, y + h]])
    sim = similarity_transform(src, dst)
    return dlib_chip_matrix(sim, geometry.size) if geometry.dlib_sampling else sim


def _pyramid_levels(scale: float) -> int:
    """Halvings dlib's ``extract_image_chips`` applies first: while the halved region is still above chip size."""
    levels = 0
    while scale / 2 ** (levels + 1) > 1.0:
        levels += 1
    return levels


def extract_chip(image: NDArray[np.uint8], matrix: NDArray[np.float64], size: int = CHIP_SIZE) -> NDArray[np.uint8]:
    """Sample the chip ``matrix`` describes (chip -> image) from ``image``; black outside the image."""
    matrix = np.asarray(matrix, np.float64)
    scale = float(math.sqrt(abs(np.linalg.det(matrix[:, :2])))) * (size - 1) / size
    levels = _pyramid_levels(scale)
    h, w = image.shape[:2]
    src = image
    m = matrix
    if levels:
        corners = np.array([[0, 0, 1], [size - 1, 0, 1], [0, size - 1, 1], [size - 1, size - 1, 1]], np.float64)
        quad = corners @ matrix.T
        margin = 2 ** (levels + 1) * 2
        x0 = max(0, math.floor(quad[:, 0].min()) - margin)
        y0 = max(0, math.floor(quad[:, 1].min()) - margin)
        x1 = min(w, math.ceil(quad[:, 0].max()) + margin + 1)
        y1 = min(h, math.ceil(quad[:, 1].max()) + margin + 1)
        if x1 <= x0 or y1 <= y0:
            return np.zeros((size, size, *image.shape[2:]), dtype=np.uint8)
        src = image[y0:y1, x0:x1]
        for _ in range(levels):
            src = np.asarray(cv2.pyrDown(src), dtype=np.uint8)
        m = matrix.copy()
        m[:, 2] -= (x0, y0)
        m /= 2**levels
    chip = cv2.warpAffine(np.ascontiguousarray(src), m, (size, size), flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
                          borderMode=cv2.BORDER_CONSTANT, borderValue=0)
    return np.asarray(chip, dtype=np.uint8)


def _outside_fraction(matrix: NDArray[np.float64], shape: tuple[int, ...], size: int) -> float:
    """Fraction of chip pixels (on a coarse grid) whose image point is outside the image."""
    g = np.linspace(0, size - 1, 16)
    gx, gy = np.meshgrid(g, g)
    p = np.stack([gx.ravel(), gy.ravel(), np.ones(gx.size)], axis=1) @ matrix.T
    h, w = shape[:2]
    inside = (p[:, 0] >= 0) & (p[:, 0] <= w - 1) & (p[:, 1] >= 0) & (p[:, 1] <= h - 1)
    return float(1.0 - inside.mean())


def _yaw_offset(landmarks: NDArray[np.float64]) -> float:
    """Nose tip's offset from the eye midpoint along the eye line, in eye distances (0 for a frontal face)."""
    le, re, nose = landmarks[0], landmarks[1], landmarks[2]
    axis = re - le
    dist = float(np.linalg.norm(axis))
    if dist < 1e-6:
        return math.inf
    return float(np.dot(nose - (le + re) / 2, axis / dist) / dist)


def align_face(image: NDArray[np.uint8], landmarks: NDArray[np.float64] | None,
               box: tuple[float, float, float, float] | None = None, size: int = CHIP_SIZE,
               padding: float = CHIP_PADDING, geometry: ChipGeometry | None = None) -> AlignedChip:
    """The aligned chip of one face from its five landmarks (pixels of ``image``), else from its box.

    The chip is dlib's (``size``, ``padding``) unless a ``geometry`` is given.

    A face whose landmarks are unusable (missing, not finite, degenerate) is cut from its box, upright, with
    ``issue`` saying so; small, turned, badly fitting or partly outside faces get their chip and an ``issue``.

    Raises:
        AlignmentError: neither the landmarks nor the box can define a chip.
    """
    g = geometry or dlib_geometry(size, padding)
    size = g.size
    issues: list[str] = []
    matrix: NDArray[np.float64] | None = None
    if landmarks is not None:
        try:
            matrix, residual = geometry_landmark_matrix(g, np.asarray(landmarks, np.float64))
        except AlignmentError as e:
            if box is None:
                raise
            issues.append(f"landmarks unusable ({e}): chip cut from the box")
        else:
            pts = np.asarray(landmarks, np.float64)
            h, w = image.shape[:2]
            if np.any(pts < 0) or np.any(pts[:, 0] > w - 1) or np.any(pts[:, 1] > h - 1):
                issues.append("landmarks outside the image")
            yaw = _yaw_offset(pts)
            if abs(yaw) > MAX_YAW_OFFSET:
                issues.append(f"turned face (nose offset {yaw:+.2f} eye distances)")
            if residual > MAX_RESIDUAL:
                issues.append(f"landmarks fit the frontal template badly (misfit {residual:.2f})")
    if matrix is None:
        if box is None:
            raise AlignmentError("no landmarks and no box")
        if not issues:
            issues.append("no landmarks: chip cut from the box")
        matrix = geometry_box_matrix(g, box)
    scale = float(math.sqrt(abs(np.linalg.det(matrix[:, :2])))) * ((size - 1) / size if g.dlib_sampling else 1.0)
    if scale * MAX_UPSAMPLING < 1.0:
        issues.append(f"small face (chip upsampled {1 / scale:.1f}x)")
    outside = _outside_fraction(matrix, image.shape, size)
    if outside > MAX_OUTSIDE:
        issues.append(f"{outside:.0%} of the chip outside the image")
    pixels = extract_chip(image, matrix, size)
    return AlignedChip(pixels=pixels, matrix=matrix, scale=scale, issue="; ".join(issues) or None)
