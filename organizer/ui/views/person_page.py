# SPDX-License-Identifier: MIT
"""The person page: the person's whole photos by date, the person's face highlighted, with the age at each."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex
from PySide6.QtCore import QSize
from PySide6.QtCore import Qt
from PySide6.QtCore import Signal
from PySide6.QtWidgets import QAbstractItemView
from PySide6.QtWidgets import QLabel
from PySide6.QtWidgets import QListView
from PySide6.QtWidgets import QStyledItemDelegate
from PySide6.QtWidgets import QStyleOptionViewItem
from PySide6.QtWidgets import QVBoxLayout
from PySide6.QtWidgets import QWidget

from organizer.services.browse_service import PhotoOfPerson
from organizer.ui.models.photo_model import PREVIEW_SIDE
from organizer.ui.models.photo_model import PhotoGridModel
from organizer.ui.models.photo_model import PhotoRole


class PhotoDelegate(QStyledItemDelegate):
    """The default painting, in cells of one size: any preview (up to the icon size) and two caption lines.

    The view lays out uniform items from one item's size hint; without this that would be the first preview's
    (or its placeholder's) size, clipping taller previews and the captions of the others.
    """

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex) -> QSize:
        return QSize(PREVIEW_SIDE + 8, PREVIEW_SIDE + 2 * option.fontMetrics.height() + 12)


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
        self.setAccessibleName("photos")  # also where its shortcuts work (Help → Keyboard Shortcuts)
        self.view.setAccessibleName("photos")
        self.view.setViewMode(QListView.ViewMode.IconMode)
        self.view.setResizeMode(QListView.ResizeMode.Adjust)
        self.view.setMovement(QListView.Movement.Static)
        # Uniform: the layout asks one item for its size, so only the photos on screen are rendered (videos decoded).
        self.view.setUniformItemSizes(True)
        self.view.setItemDelegate(PhotoDelegate(self.view))
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
