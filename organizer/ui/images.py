# SPDX-License-Identifier: MIT
"""Photos and video frames as upright QImages, read by Python rather than by Qt's file name handling.

Qt converts a file name to a QString, which drops the surrogate-escaped bytes of names that are not valid UTF-8,
so ``QImageReader(path)`` would open the wrong file or none. The bytes are read here with Python's ``open`` and
decoded from memory (Qt's reader keeps its cheap scaled JPEG decoding that way); what Qt cannot decode (HEIC,
odd TIFFs) goes through the project's own decoder. Safe on pool threads: only QImage, never QPixmap.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from collections.abc import Sequence
from typing import Any
from urllib.parse import quote_from_bytes
from urllib.parse import unquote_to_bytes

import numpy as np
from numpy.typing import NDArray
from PySide6.QtCore import QBuffer
from PySide6.QtCore import QByteArray
from PySide6.QtCore import QIODevice
from PySide6.QtCore import QPointF
from PySide6.QtCore import QRectF
from PySide6.QtCore import QSize
from PySide6.QtCore import Qt
from PySide6.QtCore import QUrl
from PySide6.QtGui import QColor
from PySide6.QtGui import QImage
from PySide6.QtGui import QImageReader
from PySide6.QtGui import QPainter
from PySide6.QtGui import QPen

from organizer.core.errors import MediaError
from organizer.media.decode import decode
from organizer.media.decode import read_bytes
from organizer.media.video import read_frame

log = logging.getLogger(__name__)

#: Colour of the box of the face the picture is shown for (the person's face).
HIGHLIGHT = QColor(255, 196, 0)


def display_path(path: str) -> str:
    """A file name fit for a label: bytes that are not UTF-8 (surrogate-escaped) shown as U+FFFD, not dropped."""
    try:
        path.encode("utf-8")
        return path
    except UnicodeEncodeError:
        return os.fsencode(path).decode("utf-8", "replace")


def file_url(path: str) -> QUrl:
    """A ``file:`` URL of the exact bytes of the name (``QUrl.fromLocalFile`` would drop those that are not UTF-8)."""
    raw = quote_from_bytes(os.fsencode(os.path.abspath(path)), safe="/")
    return QUrl.fromEncoded(QByteArray(b"file://" + raw.encode("ascii")))


def local_path(url: QUrl) -> str:
    """The file name of a dropped ``file:`` URL, with the bytes of names that are not UTF-8 kept (surrogate-escaped).

    ``QUrl.toLocalFile`` decodes to a QString and would lose them.
    """
    return os.fsdecode(unquote_to_bytes(url.path(QUrl.ComponentFormattingOption.FullyEncoded)))


def rgb_to_qimage(rgb: NDArray[np.uint8]) -> QImage:
    """A QImage that owns a copy of the pixels of an ``(h, w, 3)`` RGB array."""
    rgb = np.ascontiguousarray(rgb)
    h, w = rgb.shape[:2]
    return QImage(rgb.data, w, h, rgb.strides[0], QImage.Format.Format_RGB888).copy()


def _fit(img: QImage, max_side: int) -> QImage:
    if max(img.width(), img.height()) <= max_side:
        return img
    return img.scaled(max_side, max_side, Qt.AspectRatioMode.KeepAspectRatio,
                      Qt.TransformationMode.SmoothTransformation)


def load_image(path: str, max_side: int) -> QImage:
    """The upright photo (EXIF orientation applied), longer side at most ``max_side``.

    Raises :class:`MediaError` (with a message fit for the user) if the file cannot be read or decoded.
    """
    data = read_bytes(path)
    buf = QBuffer()
    buf.setData(QByteArray(data))
    buf.open(QIODevice.OpenModeFlag.ReadOnly)
    reader = QImageReader(buf)
    reader.setAutoTransform(True)  # EXIF orientation: face boxes are in upright pixels
    stored = reader.size()
    if stored.isValid() and stored.width() > 0 and stored.height() > 0:
        # Scaling happens before the EXIF rotation, so scale the stored size (Qt decodes JPEGs at 1/2, 1/4, 1/8).
        s = min(max_side / max(stored.width(), stored.height()), 1.0)
        reader.setScaledSize(QSize(max(1, round(stored.width() * s)), max(1, round(stored.height() * s))))
    img = reader.read()
    if not img.isNull():
        return img
    return _fit(rgb_to_qimage(decode(data, min_side=max_side).pixels), max_side)


def read_image(path: str, max_side: int) -> QImage:
    """Like :func:`load_image`, but a null image (and a log line) if the file is unreadable."""
    try:
        return load_image(path, max_side)
    except MediaError as e:
        log.info("Cannot read %s: %s", display_path(path), e)
        return QImage()


def load_video_frame(path: str, t: float, max_side: int) -> QImage:
    """The upright video frame at ``t`` seconds, longer side at most ``max_side``; raises :class:`MediaError`."""
    return rgb_to_qimage(read_frame(path, t, max_side))


def read_video_frame(path: str, t: float, max_side: int) -> QImage:
    """Like :func:`load_video_frame`, but a null image (and a log line) if the frame is unreadable."""
    try:
        return load_video_frame(path, t, max_side)
    except MediaError as e:
        log.info("Cannot read frame %.2f s of %s: %s", t, display_path(path), e)
        return QImage()


def draw_face_boxes(img: QImage, faces: Sequence[Any], highlight: int | None, full: tuple[int, int] | None,
                    other: QColor, other_width: int = 1,
                    label: Callable[[Any], str] | None = None, line_scale: float = 1.0) -> QImage:
    """A copy of ``img`` with each face's box drawn (``faces``: objects with ``face_id`` and ``box``).

    Boxes are in ``full`` (the full-resolution upright size; None or 0 = the image's own) pixels. The face
    ``highlight`` gets a thick :data:`HIGHLIGHT` box, the others ``other``; ``label(face)``, if given, is written
    under each box on a dark plate (readable on light and dark photos alike). ``line_scale`` widens the lines
    (a big photo shown scaled down keeps visible boxes).
    """
    if img.isNull():
        return img
    img = img.convertToFormat(QImage.Format.Format_RGB32)
    fw, fh = full or (0, 0)
    sx, sy = img.width() / (fw or img.width()), img.height() / (fh or img.height())
    p = QPainter(img)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    if label is not None:
        font = p.font()
        font.setPixelSize(max(12, img.height() // 40))
        p.setFont(font)
    for f in faces:
        x, y, w, h = f.box
        r = QRectF(x * sx, y * sy, w * sx, h * sy)
        mine = f.face_id == highlight
        p.setPen(QPen(HIGHLIGHT if mine else other, (3 if mine else other_width) * line_scale))
        p.drawRect(r)
        if label is not None:
            text = label(f)
            plate = QRectF(p.fontMetrics().boundingRect(text)).adjusted(-3, -1, 3, 1)
            plate.moveTopLeft(QPointF(r.left(), r.bottom() + 2))
            p.fillRect(plate, QColor(0, 0, 0, 160))
            p.drawText(plate, Qt.AlignmentFlag.AlignCenter, text)
    p.end()
    return img
