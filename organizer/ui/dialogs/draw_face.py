# SPDX-License-Identifier: MIT
"""Drawing a face the detector missed on the photo viewer, and removing a box that is not a face.

Shift+drag, or a drag while "Draw Face" (D) is on, draws a rectangle on the picture (Esc cancels). On release the
networks describe the box on the io pool (:class:`~organizer.services.drawn_faces.DrawnFaces`), the person picker
asks whose face it is, and the face is added as one undoable edit (Ctrl+Z deletes it again). A click on a box
selects it; Delete marks the selected face (or the one under the mouse) "not a face", as on the person page.
"""

from __future__ import annotations

import weakref
from typing import TYPE_CHECKING

import shiboken6
from PySide6.QtCore import QEvent
from PySide6.QtCore import QObject
from PySide6.QtCore import QPointF
from PySide6.QtCore import QRectF
from PySide6.QtCore import Qt
from PySide6.QtCore import Signal
from PySide6.QtGui import QColor
from PySide6.QtGui import QPen
from PySide6.QtWidgets import QGraphicsRectItem
from PySide6.QtWidgets import QGraphicsView

from organizer.services.drawn_faces import NEW_PERSON as NEW_DRAWN_PERSON
from organizer.services.drawn_faces import DrawnFace
from organizer.services.drawn_faces import DrawnFaces
from organizer.ui.dialogs.person_picker import NEW_PERSON
from organizer.ui.dialogs.person_picker import PersonPicker

if TYPE_CHECKING:
    from organizer.ui.dialogs.viewer import PhotoViewer
    from organizer.ui.edit_actions import EditActions
    from organizer.ui.workers import Pools

DRAW_COLOR = QColor(255, 210, 0)
#: A press and release closer than this (view pixels) is a click, not a drag.
CLICK_PX = 4


class BoxDrawer(QObject):
    """Draws a rectangle on an image view: Shift+drag, or any drag while :attr:`active`. Emits :attr:`drawn`
    with the rectangle in picture pixels on release, and :attr:`clicked` (picture point) on a plain click."""

    drawn = Signal(QRectF)
    clicked = Signal(QPointF)

    def __init__(self, view: QGraphicsView) -> None:
        super().__init__(view)
        self.view = view
        self.active = False
        self._start: QPointF | None = None
        self._press_view: QPointF | None = None
        self.rect_item: QGraphicsRectItem | None = None
        self.mark_item: QGraphicsRectItem | None = None
        view.viewport().installEventFilter(self)

    def set_active(self, on: bool) -> None:
        self.active = on
        self.view.setDragMode(QGraphicsView.DragMode.NoDrag if on else QGraphicsView.DragMode.ScrollHandDrag)
        self.view.viewport().setCursor(Qt.CursorShape.CrossCursor if on else Qt.CursorShape.OpenHandCursor)

    @property
    def drawing(self) -> bool:
        return self._start is not None

    def cancel(self) -> bool:
        """Stops drawing and leaves draw mode; False when there was nothing to cancel."""
        had = self.active or self.drawing or self.rect_item is not None
        self._start = None
        self.clear()
        if self.active:
            self.set_active(False)
        return had

    def mark(self, rect: QRectF | None) -> None:
        """Shows the selected face's box (None: no selection)."""
        if self.mark_item is not None and shiboken6.isValid(self.mark_item) and self.mark_item.scene() is not None:
            self.mark_item.scene().removeItem(self.mark_item)
        self.mark_item = None
        if rect is not None:
            self.mark_item = QGraphicsRectItem(rect)
            pen = QPen(DRAW_COLOR, 4)
            pen.setCosmetic(True)
            self.mark_item.setPen(pen)
            self.view.scene().addItem(self.mark_item)

    def clear(self) -> None:
        if self.rect_item is not None:
            if shiboken6.isValid(self.rect_item) and self.rect_item.scene() is not None:
                self.rect_item.scene().removeItem(self.rect_item)
            self.rect_item = None

    def _rect(self, pos: QPointF) -> QRectF:
        assert self._start is not None
        return QRectF(self._start, self.view.mapToScene(pos.toPoint())).normalized().intersected(
            self.view.sceneRect())

    def eventFilter(self, obj, event) -> bool:
        t = event.type()
        if t == QEvent.Type.MouseButtonPress and event.button() == Qt.MouseButton.LeftButton:
            self._press_view = event.position()
            if self.active or event.modifiers() & Qt.KeyboardModifier.ShiftModifier:
                self.clear()
                self._start = self.view.mapToScene(event.position().toPoint())
                self.rect_item = QGraphicsRectItem(QRectF(self._start, self._start))
                pen = QPen(DRAW_COLOR, 2)
                pen.setCosmetic(True)
                pen.setStyle(Qt.PenStyle.DashLine)
                self.rect_item.setPen(pen)
                self.view.scene().addItem(self.rect_item)
                return True
        elif t == QEvent.Type.MouseMove and self.drawing:
            if self.rect_item is not None:
                self.rect_item.setRect(self._rect(event.position()))
            return True
        elif t == QEvent.Type.MouseButtonRelease and event.button() == Qt.MouseButton.LeftButton:
            press, self._press_view = self._press_view, None
            if self.drawing:
                rect = self._rect(event.position())
                self._start = None
                if self.rect_item is not None:
                    self.rect_item.setRect(rect)
                if rect.width() >= 2 and rect.height() >= 2:
                    self.drawn.emit(rect)
                else:
                    self.clear()
                return True
            if press is not None and (event.position() - press).manhattanLength() <= CLICK_PX:
                self.clicked.emit(self.view.mapToScene(event.position().toPoint()))
        return False


def picture_to_full(viewer: PhotoViewer, rect: QRectF) -> tuple[float, float, float, float]:
    """A rectangle in pixels of the picture shown to full-resolution upright pixels (the stored boxes')."""
    pm = viewer.view.item.pixmap()
    p = viewer.photo
    f = (p.width / pm.width()) if p.width and pm.width() else 1.0
    return (rect.x() * f, rect.y() * f, rect.width() * f, rect.height() * f)


def face_at(viewer: PhotoViewer, point: QPointF) -> int | None:
    """The smallest face box of the photo shown under a picture point."""
    pm = viewer.view.item.pixmap()
    p = viewer.photo
    f = (p.width / pm.width()) if p.width and pm.width() else 1.0
    x, y = point.x() * f, point.y() * f
    hits = [(b.box[2] * b.box[3], b.face_id) for b in viewer.faces
            if b.box[0] <= x <= b.box[0] + b.box[2] and b.box[1] <= y <= b.box[1] + b.box[3]]
    return min(hits)[1] if hits else None


def select_face(viewer: PhotoViewer, face_id: int | None) -> None:
    """Marks a face box of the viewer selected (Delete removes it), or none."""
    viewer.selected_face = face_id
    box = next((b.box for b in viewer.faces if b.face_id == face_id), None)
    pm = viewer.view.item.pixmap()
    p = viewer.photo
    f = (pm.width() / p.width) if p.width and pm.width() else 1.0
    viewer.drawer.mark(None if box is None else QRectF(box[0] * f, box[1] * f, box[2] * f, box[3] * f))


class DrawFaceFlow(QObject):
    """Connects each photo viewer to the drawn-faces service and the undoable edits of the window."""

    def __init__(self, service: DrawnFaces | None, edits: EditActions, pools: Pools, persons, title, thumbs,
                 reload_faces, parent: QObject) -> None:
        super().__init__(parent)
        self._service = service
        self._edits = edits
        self._pools = pools
        self._persons = persons
        self._title = title
        self._thumbs = thumbs
        self._reload_faces = reload_faces
        self.picker: PersonPicker | None = None
        #: The last face added (for tests and the status bar).
        self.last_result = None

    def attach(self, viewer: PhotoViewer) -> None:
        viewer.drawer.drawn.connect(lambda rect: self.drawn(viewer, rect))
        viewer.remove_requested.connect(lambda fid: self.remove(viewer, fid))
        viewer.drawer.clicked.connect(lambda pt: select_face(viewer, face_at(viewer, pt)))

    def drawn(self, viewer: PhotoViewer, rect: QRectF) -> None:
        if self._service is None:
            self._say("Drawing faces needs the face engine")
            viewer.drawer.clear()
            return
        if viewer.photo.kind != "photo":
            self._say("Faces can be drawn on photos only")
            viewer.drawer.clear()
            return
        service, media_id, box = self._service, viewer.photo.media_id, picture_to_full(viewer, rect)
        self._say("Reading the drawn face\u2026")
        ref = weakref.ref(viewer)
        self._pools.run(self._pools.io, lambda: service.analyze(media_id, box),
                        lambda d: self._analyzed(ref, d), lambda e: self._failed(ref, e))

    def _failed(self, ref, e: BaseException) -> None:
        self._say(f"Draw face: {e}")
        viewer = ref()
        if viewer is not None and shiboken6.isValid(viewer):
            viewer.drawer.clear()

    def _analyzed(self, ref, drawn: DrawnFace) -> None:
        viewer = ref()
        if viewer is None or not shiboken6.isValid(viewer) or viewer.closed:
            return
        dlg = PersonPicker(self._persons(), self._title, self._thumbs, self._edits.recent, 1, viewer)
        dlg.setWindowTitle("Whose Face Is This?")
        dlg.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dlg.accepted.connect(lambda: self._picked(ref, drawn, dlg.chosen()))
        dlg.rejected.connect(viewer.drawer.clear)
        self.picker = dlg
        dlg.open()

    def _picked(self, ref, drawn: DrawnFace, chosen: int | None) -> None:
        self.picker = None
        assert self._service is not None
        service = self._service
        person = NEW_DRAWN_PERSON if chosen == NEW_PERSON else chosen
        self.last_result = self._edits.edit("Add a drawn face", "Added the drawn face",
                                            lambda: service.add(drawn, person))
        viewer = ref()
        if viewer is not None and shiboken6.isValid(viewer):
            viewer.drawer.cancel()
            self._reload_faces(viewer)

    def remove(self, viewer: PhotoViewer, face_id: int) -> None:
        self._edits.remove_faces([face_id])
        self._reload_faces(viewer)

    def _say(self, text: str) -> None:
        self._edits.status_label.setText(text)
