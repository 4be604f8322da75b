# SPDX-License-Identifier: MIT
"""The person page: the person's whole photos by date, the person's face highlighted, with the age at each."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex
from PySide6.QtCore import QPoint
from PySide6.QtCore import QRect
from PySide6.QtCore import QSize
from PySide6.QtCore import Qt
from PySide6.QtCore import Signal
from PySide6.QtGui import QColor
from PySide6.QtGui import QPainter
from PySide6.QtGui import QPalette
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import QAbstractItemView
from PySide6.QtWidgets import QApplication
from PySide6.QtWidgets import QHBoxLayout
from PySide6.QtWidgets import QLabel
from PySide6.QtWidgets import QListView
from PySide6.QtWidgets import QStyle
from PySide6.QtWidgets import QStyledItemDelegate
from PySide6.QtWidgets import QStyleOptionViewItem
from PySide6.QtWidgets import QVBoxLayout
from PySide6.QtWidgets import QWidget

from organizer.services.browse_service import PhotoOfPerson
from organizer.ui.models.photo_model import PREVIEW_SIDE
from organizer.ui.models.photo_model import PhotoGridModel
from organizer.ui.models.photo_model import PhotoRole
from organizer.ui.models.photo_model import preview_size

PAD = 4
#: Lines of a caption: the date and age, then "video at …" for a video frame.
CAPTION_LINES = 2
#: The narrowest cell (a portrait photo's caption needs the room).
MIN_CAPTION_WIDTH = 140
#: The mark of a face that may not belong (Check mode): a disc of this side and colour on the picture's corner.
MARK = 18
DOUBT = QColor(220, 70, 30)


class PhotoDelegate(QStyledItemDelegate):
    """Each cell as wide as its photo's preview (landscape wide, portrait narrow), the picture right above its
    caption; every row of cells equally high.

    The size comes from the photo's stored size (:func:`preview_size`), never from its preview, so laying out a page
    of thousands of photos decodes none of them: only the photos on screen are rendered.
    """

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        #: Cell sizes by row, asked again at every layout (each resize): cleared when the rows change.
        self._sizes: dict[int, QSize] = {}

    def clear_sizes(self) -> None:
        self._sizes.clear()

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex) -> QSize:
        size = self._sizes.get(index.row())
        if size is None:
            photo = index.data(PhotoRole.Photo)
            w = preview_size(photo).width() if photo is not None else PREVIEW_SIDE
            size = QSize(max(w, MIN_CAPTION_WIDTH) + 2 * PAD, PAD + PREVIEW_SIDE + PAD + CAPTION_LINES
                         * option.fontMetrics.height() + PAD)
            self._sizes[index.row()] = size
        return size

    def picture_rect(self, rect: QRect, index: QModelIndex) -> QRect:
        """Where the picture goes in a cell: centred, at the bottom of the picture area (just above the caption)."""
        photo = index.data(PhotoRole.Photo)
        size = preview_size(photo) if photo is not None else QSize(PREVIEW_SIDE, PREVIEW_SIDE * 3 // 4)
        bottom = rect.top() + PAD + PREVIEW_SIDE
        return QRect(rect.left() + (rect.width() - size.width()) // 2, bottom - size.height(), size.width(),
                     size.height())

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex) -> None:
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        widget = option.widget
        style = widget.style() if widget is not None else QApplication.style()
        opt.text, opt.icon = "", type(opt.icon)()
        style.drawPrimitive(QStyle.PrimitiveElement.PE_PanelItemViewItem, opt, painter, widget)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        pm = index.data(Qt.ItemDataRole.DecorationRole)
        if isinstance(pm, QPixmap) and not pm.isNull():
            target = self.picture_rect(option.rect, index)
            fitted = pm.size().scaled(target.size(), Qt.AspectRatioMode.KeepAspectRatio)
            target = QRect(target.left() + (target.width() - fitted.width()) // 2,
                           target.bottom() + 1 - fitted.height(), fitted.width(), fitted.height())
            painter.drawPixmap(target, pm)
        if index.data(PhotoRole.Doubts):  # the Check mode's mark: this face may not belong
            mark = QRect(self.picture_rect(option.rect, index).topLeft() + QPoint(3, 3), QSize(MARK, MARK))
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(DOUBT)
            painter.drawEllipse(mark)
            painter.setPen(QColor(255, 255, 255))
            painter.drawText(mark, Qt.AlignmentFlag.AlignCenter, "!")
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        role = QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text
        painter.setPen(option.palette.color(role))
        line = option.fontMetrics.height()
        top = option.rect.top() + PAD + PREVIEW_SIDE + PAD
        for i, text in enumerate(str(index.data(Qt.ItemDataRole.DisplayRole) or "").split("\n")[:CAPTION_LINES]):
            r = QRect(option.rect.left() + PAD, top + i * line, option.rect.width() - 2 * PAD, line)
            painter.drawText(r, Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignVCenter,
                             option.fontMetrics.elidedText(text, Qt.TextElideMode.ElideRight, r.width()))
        painter.restore()


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
        # Cells sized to their photos (PhotoDelegate: from the stored sizes, so only the photos on screen are
        # rendered, videos decoded).
        self.delegate = PhotoDelegate(self.view)
        self.view.setItemDelegate(self.delegate)
        for changed in (model.modelAboutToBeReset, model.rowsAboutToBeInserted, model.rowsAboutToBeRemoved,
                        model.layoutAboutToBeChanged):
            changed.connect(lambda *_: self.delegate.clear_sizes())
        self.view.setIconSize(QSize(PREVIEW_SIDE, PREVIEW_SIDE))
        self.view.setSpacing(4)
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
        header = QHBoxLayout()
        header.addWidget(self.title, 1)
        #: Buttons beside the title (the Check mode's, organizer.ui.person_check).
        self.tools = QHBoxLayout()
        header.addLayout(self.tools)
        lay.addLayout(header)
        lay.addWidget(self.subtitle)
        lay.addWidget(self.view, 1)

    def set_header(self, title: str, subtitle: str) -> None:
        self.title.setText(title)
        self.subtitle.setText(subtitle)

    def selected_face_ids(self) -> list[int]:
        return sorted({int(i.data(PhotoRole.FaceId)) for i in self.view.selectionModel().selectedIndexes()})

    def selected_photos(self) -> list[PhotoOfPerson]:
        return [i.data(PhotoRole.Photo) for i in self.view.selectionModel().selectedIndexes()]
