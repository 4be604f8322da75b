# SPDX-License-Identifier: MIT
"""A photo viewer with every face box and name, and a button for the system viewer."""

from __future__ import annotations

import logging
import weakref

import shiboken6
from PySide6.QtCore import QSize
from PySide6.QtCore import Qt
from PySide6.QtCore import Signal
from PySide6.QtGui import QColor
from PySide6.QtGui import QDesktopServices
from PySide6.QtGui import QImage
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import QDialog
from PySide6.QtWidgets import QDialogButtonBox
from PySide6.QtWidgets import QLabel
from PySide6.QtWidgets import QScrollArea
from PySide6.QtWidgets import QVBoxLayout

from organizer.core.errors import MediaError
from organizer.services.browse_service import FaceBox
from organizer.ui.images import display_path
from organizer.ui.images import draw_face_boxes
from organizer.ui.images import file_url
from organizer.ui.images import load_image
from organizer.ui.images import load_video_frame
from organizer.ui.workers import Pools

log = logging.getLogger(__name__)

MAX_SIDE = 1600
OTHER = QColor(80, 200, 255)
LOADING_TEXT = "Loading\u2026"


def face_label(f: FaceBox) -> str:
    return f.name or (f"Person {f.person_id}" if f.person_id is not None else "unsorted")


def render_with_faces(img: QImage, faces: list[FaceBox], highlight: int | None,
                      full: tuple[int, int] | None) -> QImage:
    """A copy of ``img`` with each face's box and name drawn; boxes are in ``full`` (full-resolution) pixels."""
    return draw_face_boxes(img, faces, highlight, full, OTHER, other_width=3, label=face_label)


def load_photo(path: str, faces: list[FaceBox], highlight: int | None, full: tuple[int, int] | None,
               frame_s: float | None) -> QImage | str:
    """The photo (or video frame) with its face boxes drawn, or why it cannot be shown. Runs on a pool thread."""
    try:
        src = load_image(path, MAX_SIDE) if frame_s is None else load_video_frame(path, frame_s, MAX_SIDE)
    except MediaError as e:
        log.info("Cannot show %s: %s", display_path(path), e)
        return str(e)
    if src.isNull():
        return "the image could not be decoded"
    return render_with_faces(src, faces, highlight, full)


def _deliver(ref: weakref.ref[PhotoViewer], result: object) -> None:
    """Hands a load result to the viewer, unless it was closed or deleted meanwhile (then it is dropped)."""
    viewer = ref()
    if viewer is None or not shiboken6.isValid(viewer) or viewer.closed:
        return
    viewer.show_result(result)


class PhotoViewer(QDialog):
    """Shows a photo, or the frame ``frame_s`` of a video, with every face box and name on it.

    The dialog shows "Loading…" at once; the file is read and decoded on the io pool (a 1080p video frame takes
    up to a second) and the picture replaces the placeholder when it is ready (``loaded`` is emitted then).
    """

    #: Emitted on the GUI thread once the picture, or the reason it cannot be shown, is on screen.
    loaded = Signal()

    def __init__(self, pools: Pools, path: str, faces: list[FaceBox], highlight: int | None = None,
                 full: tuple[int, int] | None = None, frame_s: float | None = None, parent=None) -> None:
        super().__init__(parent)
        title = display_path(path)
        self.setWindowTitle(title if frame_s is None else f"{title} at {frame_s:.1f} s")
        self.path = path
        self.faces = list(faces)
        self.closed = False
        self.loading = True
        self.label = QLabel(LOADING_TEXT, alignment=Qt.AlignmentFlag.AlignCenter)
        self.label.setWordWrap(True)
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
        self._fit_to(self.label.sizeHint())
        # The work captures plain values only (never this widget); the result comes back through a weak reference.
        faces_copy = list(self.faces)

        def work() -> QImage | str:
            return load_photo(path, faces_copy, highlight, full, frame_s)

        ref = weakref.ref(self)
        pools.run(pools.io, work, lambda r: _deliver(ref, r), lambda e: _deliver(ref, f"unexpected error: {e}"))

    def _fit_to(self, want: QSize) -> None:
        # As large as the image (small photos are not lost in a big grey dialog), at most 1000 x 800.
        self.resize(min(1000, max(480, want.width() + 40)), min(800, max(360, want.height() + 90)))

    def show_result(self, result: object) -> None:
        """Shows a result of :func:`load_photo`: the picture, or the message saying why there is none."""
        self.loading = False
        if isinstance(result, QImage) and not result.isNull():
            self.label.setPixmap(QPixmap.fromImage(result))
            self._fit_to(result.size())
        else:
            self.label.setText(f"This file cannot be shown here: {result}.\nUse the system viewer.")
        self.loaded.emit()

    def done(self, r: int) -> None:
        self.closed = True  # a picture still loading is dropped when it arrives
        super().done(r)
