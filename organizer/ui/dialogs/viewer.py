# SPDX-License-Identifier: MIT
"""A photo viewer with every face box and name: fit to the window, zoom, pan, and the person's other photos.

The picture fits the window at first; the wheel, + and − zoom, 1 shows it pixel for pixel, Ctrl+0 fits it again,
dragging pans a zoomed picture, and Left/Right go to the previous/next photo of the person page. Shift+drag (or a
drag after D, "Draw Face") draws a face the detector missed, a click selects a box and Delete says it is not a
face (see :mod:`organizer.ui.dialogs.draw_face`). Each photo is
decoded on the io pool (never on the GUI thread), with its face boxes and names drawn there.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import weakref
from collections.abc import Callable
from collections.abc import Sequence

import shiboken6
from PySide6.QtCore import QRectF
from PySide6.QtCore import QSize
from PySide6.QtCore import Qt
from PySide6.QtCore import Signal
from PySide6.QtGui import QAction
from PySide6.QtGui import QColor
from PySide6.QtGui import QDesktopServices
from PySide6.QtGui import QGuiApplication
from PySide6.QtGui import QImage
from PySide6.QtGui import QKeySequence
from PySide6.QtGui import QPainter
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import QDialog
from PySide6.QtWidgets import QDialogButtonBox
from PySide6.QtWidgets import QGraphicsPixmapItem
from PySide6.QtWidgets import QGraphicsScene
from PySide6.QtWidgets import QGraphicsView
from PySide6.QtWidgets import QLabel
from PySide6.QtWidgets import QMessageBox
from PySide6.QtWidgets import QStackedWidget
from PySide6.QtWidgets import QVBoxLayout

from organizer.core.errors import MediaError
from organizer.services.browse_service import FaceBox
from organizer.services.browse_service import PhotoOfPerson
from organizer.ui.dialogs.draw_face import BoxDrawer
from organizer.ui.images import display_path
from organizer.ui.images import draw_face_boxes
from organizer.ui.images import file_url
from organizer.ui.images import load_image
from organizer.ui.images import load_video_frame
from organizer.ui.workers import Pools

log = logging.getLogger(__name__)

#: Longest side decoded: a 12 MP photo is shown pixel for pixel at 1:1.
MAX_SIDE = 4096
OTHER = QColor(80, 200, 255)
LOADING_TEXT = "Loading\u2026"
ZOOM_STEP = 1.25
MIN_SCALE, MAX_SCALE = 0.02, 16.0
#: The window takes at most this share of the screen's available area.
SCREEN_SHARE = 0.9
#: Opens a URL with the desktop's launcher; False when there is none (a module name, so tests can replace it).
open_url: Callable = QDesktopServices.openUrl


def face_label(f: FaceBox) -> str:
    """The name written under a face box, and its expression where it has one ("Anna · happy")."""
    name = f.name or (f"Person {f.person_id}" if f.person_id is not None else "unsorted")
    return f"{name} · {f.expression}" if f.expression else name


def render_with_faces(img: QImage, faces: list[FaceBox], highlight: int | None,
                      full: tuple[int, int] | None) -> QImage:
    """A copy of ``img`` with each face's box and name drawn; boxes are in ``full`` (full-resolution) pixels."""
    scale = max(1.0, max(img.width(), img.height()) / 1200)  # boxes stay visible on a big photo fitted
    return draw_face_boxes(img, faces, highlight, full, OTHER, other_width=3, label=face_label, line_scale=scale)


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


def _deliver(ref: weakref.ref[PhotoViewer], generation: int, result: object) -> None:
    """Hands a load result to the viewer, unless it was closed, deleted or moved on meanwhile (then it is dropped)."""
    viewer = ref()
    if viewer is None or not shiboken6.isValid(viewer) or viewer.closed or generation != viewer.generation:
        return
    viewer.show_result(result)


class ImageView(QGraphicsView):
    """The picture, fitted to the view until the user zooms; dragging pans it when it is larger than the view."""

    zoomed = Signal()

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setScene(QGraphicsScene(self))
        self.item = QGraphicsPixmapItem()
        self.item.setTransformationMode(Qt.TransformationMode.SmoothTransformation)
        self.scene().addItem(self.item)
        self.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        self.setDragMode(QGraphicsView.DragMode.ScrollHandDrag)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        self.setResizeAnchor(QGraphicsView.ViewportAnchor.AnchorViewCenter)
        self.setFrameShape(QGraphicsView.Shape.NoFrame)
        #: True while the picture follows the window's size (until the user zooms).
        self.fitting = True

    def set_pixmap(self, pm: QPixmap) -> None:
        self.item.setPixmap(pm)
        self.scene().setSceneRect(QRectF(pm.rect()))
        self.fit()

    def scale_factor(self) -> float:
        return self.transform().m11()

    def fit(self) -> None:
        """The whole picture in the view (small ones are not enlarged)."""
        self.fitting = True
        pm = self.item.pixmap()
        if pm.isNull():
            return
        vp = self.viewport().size()
        self._set_scale(min(vp.width() / pm.width(), vp.height() / pm.height(), 1.0))
        self.centerOn(self.item)

    def zoom(self, factor: float) -> None:
        self.fitting = False
        self._set_scale(self.scale_factor() * factor)

    def actual_size(self) -> None:
        """One pixel of the picture on one pixel of the screen."""
        self.fitting = False
        self._set_scale(1.0)

    def _set_scale(self, s: float) -> None:
        s = min(MAX_SCALE, max(MIN_SCALE, s))
        self.setTransform(self.transform().fromScale(s, s))
        self.zoomed.emit()

    def wheelEvent(self, event) -> None:
        steps = event.angleDelta().y() / 120
        if steps and not self.item.pixmap().isNull():
            self.zoom(ZOOM_STEP ** steps)
        event.accept()

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        if self.fitting:
            self.fit()


class PhotoViewer(QDialog):
    """Shows ``photos[index]`` (a photo, or a video frame) with every face box and name on it.

    The dialog shows "Loading…" at once; the file is read and decoded on the io pool (a 1080p video frame takes
    up to a second) and the picture replaces the placeholder when it is ready (``loaded`` is emitted then).
    ``faces_of(photo)`` gives the faces to draw, named as the people grid names them.
    """

    #: Emitted on the GUI thread once the picture, or the reason it cannot be shown, is on screen.
    loaded = Signal()
    #: Delete on a selected face box (its face id): the window marks it "not a face".
    remove_requested = Signal(int)

    def __init__(self, pools: Pools, photos: Sequence[PhotoOfPerson], index: int,
                 faces_of: Callable[[PhotoOfPerson], list[FaceBox]], parent=None) -> None:
        super().__init__(parent)
        self._pools = pools
        self.photos = list(photos)
        self.index = index
        self._faces_of = faces_of
        self.closed = False
        self.loading = True
        self.generation = 0
        self.message: QMessageBox | None = None
        self.label = QLabel(LOADING_TEXT, alignment=Qt.AlignmentFlag.AlignCenter)
        self.label.setWordWrap(True)
        self.view = ImageView()
        self.drawer = BoxDrawer(self.view)
        #: The face box the user clicked (Delete removes it), or None.
        self.selected_face: int | None = None
        self.stack = QStackedWidget()
        self.stack.addWidget(self.label)
        self.stack.addWidget(self.view)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        system = buttons.addButton("Open in System Viewer", QDialogButtonBox.ButtonRole.ActionRole)
        system.clicked.connect(self.open_in_system_viewer)
        folder = buttons.addButton("Show in Folder", QDialogButtonBox.ButtonRole.ActionRole)
        folder.clicked.connect(self.show_in_folder)
        buttons.rejected.connect(self.reject)
        for b in buttons.buttons():
            b.setAutoDefault(False)  # Return does not press "Open in System Viewer"
        lay = QVBoxLayout(self)
        lay.addWidget(self.stack, 1)
        lay.addWidget(buttons)
        self._add_keys()
        self._fit_to(QSize(640, 480))
        self.show_photo(index)

    def _add_keys(self) -> None:
        view = self.view
        for text, keys, slot in (
                ("Zoom In", ["+", "=", QKeySequence.StandardKey.ZoomIn], lambda: view.zoom(ZOOM_STEP)),
                ("Zoom Out", ["-", QKeySequence.StandardKey.ZoomOut], lambda: view.zoom(1 / ZOOM_STEP)),
                ("Fit to Window", ["Ctrl+0"], view.fit),
                ("Actual Size", ["1"], view.actual_size),
                ("Previous Photo", ["Left"], lambda: self.step(-1)),
                ("Next Photo", ["Right"], lambda: self.step(1)),
                ("Draw Face", ["D"], lambda: self.drawer.set_active(not self.drawer.active)),
                ("Remove Face (Not a Face)", ["Del"], self._remove_selected)):
            a = QAction(text, self)
            seqs = []
            for k in keys:
                std = isinstance(k, QKeySequence.StandardKey)
                for s in QKeySequence.keyBindings(k) if std else [QKeySequence(k)]:
                    if not s.isEmpty() and s not in seqs:
                        seqs.append(s)
            a.setShortcuts(seqs)
            a.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            a.triggered.connect(slot)
            self.addAction(a)

    def _remove_selected(self) -> None:
        if self.selected_face is not None:
            self.remove_requested.emit(self.selected_face)

    def set_faces(self, faces: list[FaceBox]) -> None:
        """The photo's faces changed (one drawn or removed): draws them again."""
        self.photos[self.index] = dataclasses.replace(self.photo, faces=tuple(faces))
        self.selected_face = None
        self.show_photo(self.index)

    def keyPressEvent(self, event) -> None:
        if event.key() == Qt.Key.Key_Escape and self.drawer.cancel():
            event.accept()  # Esc leaves drawing first, and closes the viewer only then
            return
        super().keyPressEvent(event)

    @property
    def photo(self) -> PhotoOfPerson:
        return self.photos[self.index]

    def step(self, delta: int) -> None:
        """The previous (-1) or next (+1) photo of the page, if there is one."""
        i = self.index + delta
        if 0 <= i < len(self.photos):
            self.show_photo(i)

    def show_photo(self, index: int) -> None:
        """Shows ``photos[index]``: "Loading…" now, the picture once the io pool has decoded it."""
        self.index = index
        p = self.photo
        self.path = p.path
        frame_s = (p.frame_s or 0.0) if p.kind == "video" else None
        title = display_path(p.path)
        where = f" ({index + 1} of {len(self.photos)})" if len(self.photos) > 1 else ""
        self.setWindowTitle((title if frame_s is None else f"{title} at {frame_s:.1f} s") + where)
        self.faces = self._faces_of(p)
        self.loading = True
        self.generation += 1
        if self.stack.currentWidget() is not self.view:
            self.label.setText(LOADING_TEXT)
        # The work captures plain values only (never this widget); the result comes back through a weak reference.
        faces, path, highlight = list(self.faces), p.path, p.face_id
        full = (p.width, p.height) if p.width and p.height else None

        def work() -> QImage | str:
            return load_photo(path, faces, highlight, full, frame_s)

        ref, gen = weakref.ref(self), self.generation
        self._pools.run(self._pools.io, work, lambda r: _deliver(ref, gen, r),
                        lambda e: _deliver(ref, gen, f"unexpected error: {e}"))

    def _fit_to(self, want: QSize) -> None:
        # As large as the picture (small photos are not lost in a big grey dialog), never beyond the screen.
        screen = self.screen() or QGuiApplication.primaryScreen()
        avail = screen.availableGeometry()
        frame = self.frameGeometry().size() - self.geometry().size()  # the window manager's decorations
        w = min(int(avail.width() * SCREEN_SHARE) - frame.width(), max(480, want.width() + 24))
        h = min(int(avail.height() * SCREEN_SHARE) - frame.height(), max(360, want.height() + 70))
        self.resize(w, h)
        if self.frameGeometry().right() > avail.right() or self.frameGeometry().bottom() > avail.bottom():
            self.move(avail.left() + (avail.width() - self.frameGeometry().width()) // 2,
                      avail.top() + (avail.height() - self.frameGeometry().height()) // 2)

    def show_result(self, result: object) -> None:
        """Shows a result of :func:`load_photo`: the picture, or the message saying why there is none."""
        self.loading = False
        if isinstance(result, QImage) and not result.isNull():
            first = self.view.item.pixmap().isNull()
            self.view.set_pixmap(QPixmap.fromImage(result))
            self.stack.setCurrentWidget(self.view)
            if first:
                self._fit_to(result.size())
            self.view.fit()
        else:
            self.view.set_pixmap(QPixmap())
            self.stack.setCurrentWidget(self.label)
            self.label.setText(f"This file cannot be shown here: {result}.\nUse the system viewer.")
        self.loaded.emit()

    def image(self) -> QImage:
        """The picture shown (null while loading or when the file cannot be shown)."""
        return self.view.item.pixmap().toImage() if self.stack.currentWidget() is self.view else QImage()

    # -- the desktop's own programs

    def open_in_system_viewer(self) -> bool:
        return self._launch(file_url(self.path), "open this photo in another program",
                            "No program to open photos with was found.")

    def show_in_folder(self) -> bool:
        return self._launch(file_url(os.path.dirname(os.path.abspath(self.path))), "show the folder of this photo",
                            "No file manager was found.")

    def _launch(self, url, what: str, why: str) -> bool:
        if open_url(url):
            return True
        box = QMessageBox(QMessageBox.Icon.Warning, "Organizer", f"Could not {what}.", QMessageBox.StandardButton.Ok,
                          self)
        box.setInformativeText(f"{why}\n{display_path(self.path)}")
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.message = box
        box.open()
        return False

    def done(self, r: int) -> None:
        self.closed = True  # a picture still loading is dropped when it arrives
        super().done(r)
