# SPDX-License-Identifier: MIT
"""A photo viewer with every face box and name, and a button for the system viewer."""

from __future__ import annotations

from PySide6.QtCore import QPointF
from PySide6.QtCore import QRectF
from PySide6.QtCore import QSize
from PySide6.QtCore import Qt
from PySide6.QtCore import QUrl
from PySide6.QtGui import QColor
from PySide6.QtGui import QDesktopServices
from PySide6.QtGui import QImage
from PySide6.QtGui import QImageReader
from PySide6.QtGui import QPainter
from PySide6.QtGui import QPen
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import QDialog
from PySide6.QtWidgets import QDialogButtonBox
from PySide6.QtWidgets import QLabel
from PySide6.QtWidgets import QScrollArea
from PySide6.QtWidgets import QVBoxLayout

from organizer.services.browse_service import FaceBox

MAX_SIDE = 1600


def render_with_faces(path: str, faces: list[FaceBox], highlight: int | None, full: tuple[int, int] | None,
                      max_side: int = MAX_SIDE) -> QImage:
    reader = QImageReader(path)
    reader.setAutoTransform(True)
    stored = reader.size()
    if stored.isValid() and max(stored.width(), stored.height()) > max_side:
        s = max_side / max(stored.width(), stored.height())
        reader.setScaledSize(QSize(round(stored.width() * s), round(stored.height() * s)))
    img = reader.read()
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
        colour = QColor(255, 196, 0) if f.face_id == highlight else QColor(80, 200, 255)
        p.setPen(QPen(colour, 3))
        p.drawRect(r)
        label = f.name or (f"Person {f.person_id}" if f.person_id is not None else "unsorted")
        p.drawText(QPointF(r.left(), r.bottom() + font.pixelSize() + 2), label)
    p.end()
    return img


class PhotoViewer(QDialog):
    def __init__(self, path: str, faces: list[FaceBox], highlight: int | None = None,
                 full: tuple[int, int] | None = None, parent=None) -> None:
        super().__init__(parent)
        self.setWindowTitle(path)
        self.path = path
        self.label = QLabel(alignment=Qt.AlignmentFlag.AlignCenter)
        img = render_with_faces(path, faces, highlight, full)
        if img.isNull():
            self.label.setText("This file cannot be shown here; use the system viewer.")
        else:
            self.label.setPixmap(QPixmap.fromImage(img))
        area = QScrollArea()
        area.setWidget(self.label)
        area.setWidgetResizable(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        system = buttons.addButton("Open in System Viewer", QDialogButtonBox.ButtonRole.ActionRole)
        system.clicked.connect(lambda: QDesktopServices.openUrl(QUrl.fromLocalFile(self.path)))
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addWidget(area, 1)
        lay.addWidget(buttons)
        self.resize(1000, 800)
