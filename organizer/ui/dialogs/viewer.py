# SPDX-License-Identifier: MIT
"""A photo viewer with every face box and name, and a button for the system viewer."""

from __future__ import annotations

from PySide6.QtCore import QPointF
from PySide6.QtCore import QRectF
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtGui import QDesktopServices
from PySide6.QtGui import QImage
from PySide6.QtGui import QPainter
from PySide6.QtGui import QPen
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import QDialog
from PySide6.QtWidgets import QDialogButtonBox
from PySide6.QtWidgets import QLabel
from PySide6.QtWidgets import QScrollArea
from PySide6.QtWidgets import QVBoxLayout

from organizer.services.browse_service import FaceBox
from organizer.ui.images import display_path
from organizer.ui.images import file_url
from organizer.ui.images import read_image
from organizer.ui.images import read_video_frame
from organizer.ui.models.photo_model import HIGHLIGHT

MAX_SIDE = 1600
OTHER = QColor(80, 200, 255)


def face_label(f: FaceBox) -> str:
    return f.name or (f"Person {f.person_id}" if f.person_id is not None else "unsorted")


def render_with_faces(img: QImage, faces: list[FaceBox], highlight: int | None,
                      full: tuple[int, int] | None) -> QImage:
    """A copy of ``img`` with each face's box and name drawn; boxes are in ``full`` (full-resolution) pixels."""
    if img.isNull():
        return img
    img = img.convertToFormat(QImage.Format.Format_RGB32)
    fw, fh = full or (img.width(), img.height())
    sx, sy = img.width() / (fw or img.width()), img.height() / (fh or img.height())
    p = QPainter(img)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    font = p.font()
    font.setPixelSize(max(12, img.height() // 40))
    p.setFont(font)
    for f in faces:
        x, y, w, h = f.box
        r = QRectF(x * sx, y * sy, w * sx, h * sy)
        p.setPen(QPen(HIGHLIGHT if f.face_id == highlight else OTHER, 3))
        p.drawRect(r)
        label = face_label(f)
        # A dark plate under the name keeps it readable on light and dark photos alike.
        text = QRectF(p.fontMetrics().boundingRect(label)).adjusted(-3, -1, 3, 1)
        text.moveTopLeft(QPointF(r.left(), r.bottom() + 2))
        p.fillRect(text, QColor(0, 0, 0, 160))
        p.drawText(text, Qt.AlignmentFlag.AlignCenter, label)
    p.end()
    return img


class PhotoViewer(QDialog):
    """Shows a photo, or the frame ``frame_s`` of a video, with every face box and name on it."""

    def __init__(self, path: str, faces: list[FaceBox], highlight: int | None = None,
                 full: tuple[int, int] | None = None, frame_s: float | None = None, parent=None) -> None:
        super().__init__(parent)
        title = display_path(path)
        self.setWindowTitle(title if frame_s is None else f"{title} at {frame_s:.1f} s")
        self.path = path
        self.faces = list(faces)
        self.label = QLabel(alignment=Qt.AlignmentFlag.AlignCenter)
        src = read_image(path, MAX_SIDE) if frame_s is None else read_video_frame(path, frame_s, MAX_SIDE)
        img = render_with_faces(src, self.faces, highlight, full)
        if img.isNull():
            self.label.setText("This file cannot be shown here; use the system viewer.")
        else:
            self.label.setPixmap(QPixmap.fromImage(img))
        area = QScrollArea()
        area.setWidget(self.label)
        area.setWidgetResizable(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        system = buttons.addButton("Open in System Viewer", QDialogButtonBox.ButtonRole.ActionRole)
        system.clicked.connect(lambda: QDesktopServices.openUrl(file_url(self.path)))
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addWidget(area, 1)
        lay.addWidget(buttons)
        # As large as the image (small photos are not lost in a big grey dialog), at most 1000 x 800.
        want = img.size() if not img.isNull() else self.label.sizeHint()
        self.resize(min(1000, max(480, want.width() + 40)), min(800, max(360, want.height() + 90)))
