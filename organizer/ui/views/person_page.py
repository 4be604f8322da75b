# SPDX-License-Identifier: MIT
"""The person page: the person's whole photos by date, the person's face highlighted, with the age at each."""

from __future__ import annotations

from PySide6.QtCore import QSize
from PySide6.QtCore import Qt
from PySide6.QtCore import Signal
from PySide6.QtWidgets import QAbstractItemView
from PySide6.QtWidgets import QLabel
from PySide6.QtWidgets import QListView
from PySide6.QtWidgets import QVBoxLayout
from PySide6.QtWidgets import QWidget

from organizer.services.browse_service import PhotoOfPerson
from organizer.ui.models.photo_model import PREVIEW_SIDE
from organizer.ui.models.photo_model import PhotoGridModel
from organizer.ui.models.photo_model import PhotoRole


class PersonPage(QWidget):
    """Emits ``photo_opened`` on double-click/Enter; the window owns the context menu actions."""

    photo_opened = Signal(object)

    def __init__(self, model: PhotoGridModel, parent=None) -> None:
        super().__init__(parent)
        self.model = model
        self.title = QLabel("Select a person")
        f = self.title.font()
        f.setPointSizeF(f.pointSizeF() * 1.4)
        f.setBold(True)
        self.title.setFont(f)
        self.subtitle = QLabel("")
        self.subtitle.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.view = QListView()
        self.view.setViewMode(QListView.ViewMode.IconMode)
        self.view.setResizeMode(QListView.ResizeMode.Adjust)
        self.view.setMovement(QListView.Movement.Static)
        self.view.setUniformItemSizes(False)
        self.view.setIconSize(QSize(PREVIEW_SIDE, PREVIEW_SIDE))
        self.view.setGridSize(QSize(PREVIEW_SIDE + 24, PREVIEW_SIDE + 72))
        self.view.setWordWrap(True)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.view.setDragEnabled(True)
        self.view.setDragDropMode(QAbstractItemView.DragDropMode.DragOnly)
        self.view.setDefaultDropAction(Qt.DropAction.MoveAction)
        self.view.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
        self.view.setModel(model)
        self.view.activated.connect(lambda idx: self.photo_opened.emit(idx.data(PhotoRole.Photo)))
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        lay.addWidget(self.title)
        lay.addWidget(self.subtitle)
        lay.addWidget(self.view, 1)

    def set_header(self, title: str, subtitle: str) -> None:
        self.title.setText(title)
        self.subtitle.setText(subtitle)

    def selected_face_ids(self) -> list[int]:
        return sorted({int(i.data(PhotoRole.FaceId)) for i in self.view.selectionModel().selectedIndexes()})

    def selected_photos(self) -> list[PhotoOfPerson]:
        return [i.data(PhotoRole.Photo) for i in self.view.selectionModel().selectedIndexes()]
