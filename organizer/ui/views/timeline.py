# SPDX-License-Identifier: MIT
"""The Timeline tab: every photo and video by date under year and month headers, with a date bar to jump.

:class:`TimelineView` is a QListView over :class:`~organizer.ui.models.timeline_model.TimelineModel`'s rows (a
header, or a strip of previews); it keeps its own current preview, moved with the arrow keys, Home/End and
Page Up/Down, opened with Return or a double-click. Hovering a preview names the persons on it.
:class:`~organizer.ui.views.date_bar.DateBar` beside it shows where each year lies in the whole list.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent
from PySide6.QtCore import QModelIndex
from PySide6.QtCore import QPoint
from PySide6.QtCore import QRect
from PySide6.QtCore import QSize
from PySide6.QtCore import Qt
from PySide6.QtCore import Signal
from PySide6.QtGui import QColor
from PySide6.QtGui import QFont
from PySide6.QtGui import QPainter
from PySide6.QtGui import QPalette
from PySide6.QtGui import QPen
from PySide6.QtWidgets import QAbstractItemView
from PySide6.QtWidgets import QHBoxLayout
from PySide6.QtWidgets import QLabel
from PySide6.QtWidgets import QListView
from PySide6.QtWidgets import QStyledItemDelegate
from PySide6.QtWidgets import QStyleOptionViewItem
from PySide6.QtWidgets import QToolTip
from PySide6.QtWidgets import QVBoxLayout
from PySide6.QtWidgets import QWidget

from organizer.ui.models.timeline_model import THUMB_SIDE
from organizer.ui.models.timeline_model import RowKind
from organizer.ui.models.timeline_model import TimelineModel
from organizer.ui.models.timeline_model import TimelineRole
from organizer.ui.views.date_bar import DateBar

PAD = 5
CELL = THUMB_SIDE + 2 * PAD
YEAR_HEIGHT = 44
MONTH_HEIGHT = 30
HEIGHTS = {RowKind.YEAR: YEAR_HEIGHT, RowKind.MONTH: MONTH_HEIGHT, RowKind.STRIP: CELL}


class TimelineDelegate(QStyledItemDelegate):
    """Paints a header row's title and count, or a strip's previews (the view's current one framed)."""

    def __init__(self, view: TimelineView) -> None:
        super().__init__(view)
        self._view = view

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex) -> QSize:  # type: ignore[override]
        return QSize(max(1, self._view.viewport().width()), HEIGHTS[RowKind(index.data(TimelineRole.Kind))])

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex) -> None:  # type: ignore[override]
        kind = RowKind(index.data(TimelineRole.Kind))
        rect: QRect = option.rect  # type: ignore[attr-defined]
        pal: QPalette = option.palette  # type: ignore[attr-defined]
        painter.save()
        if kind == RowKind.STRIP:
            self._paint_strip(painter, rect, index.data(TimelineRole.Span), pal)
        else:
            font = QFont(option.font)  # type: ignore[attr-defined]
            font.setBold(True)
            font.setPointSizeF(font.pointSizeF() * (1.6 if kind == RowKind.YEAR else 1.15))
            painter.setFont(font)
            painter.setPen(pal.color(QPalette.ColorRole.Text))
            text_rect = rect.adjusted(PAD + 2, 0, -PAD, 0)
            painter.drawText(text_rect, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignBottom, index.data())
            width = painter.fontMetrics().horizontalAdvance(index.data())
            painter.setFont(option.font)  # type: ignore[attr-defined]
            painter.setPen(pal.color(QPalette.ColorRole.PlaceholderText))
            painter.drawText(text_rect.adjusted(width + 12, 0, 0, -3),
                             Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignBottom, index.data(TimelineRole.Count))
        painter.restore()

    def _paint_strip(self, painter: QPainter, rect: QRect, span: tuple[int, int], pal: QPalette) -> None:
        model = self._view.timeline_model
        current, hovered = self._view.current_item, self._view.hovered_item
        start, stop = span
        for k, i in enumerate(range(start, stop)):
            cell = QRect(rect.left() + k * CELL, rect.top(), CELL, CELL)
            pm = model.preview(i)
            target = QSize(pm.width(), pm.height()).scaled(THUMB_SIDE, THUMB_SIDE, Qt.AspectRatioMode.KeepAspectRatio)
            pos = QPoint(cell.left() + (CELL - target.width()) // 2, cell.top() + (CELL - target.height()) // 2)
            painter.drawPixmap(QRect(pos, target), pm)
            item = model.items()[i]
            if item.kind == "video":
                painter.setPen(QColor(255, 255, 255))
                painter.drawText(QRect(pos, target).adjusted(4, 2, -4, -2),
                                 Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignBottom, "\u25b6")
            if i in (current, hovered):
                color = pal.color(QPalette.ColorRole.Highlight)
                if i != current:
                    color.setAlpha(110)
                painter.setPen(QPen(color, 3))
                painter.setBrush(Qt.BrushStyle.NoBrush)
                painter.drawRect(QRect(pos, target).adjusted(-2, -2, 1, 1))


class TimelineView(QListView):
    """The strips under their headers; one current preview (``current_item``, an index into the model's items)."""

    #: Return or a double-click on a preview: its item's index.
    item_activated = Signal(int)
    current_item_changed = Signal(int)

    def __init__(self, model: TimelineModel, parent=None) -> None:
        super().__init__(parent)
        self.timeline_model = model
        self.current_item: int | None = None
        self.hovered_item: int | None = None
        self.setModel(model)
        self.setItemDelegate(TimelineDelegate(self))
        self.setUniformItemSizes(False)
        self.setResizeMode(QListView.ResizeMode.Adjust)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.verticalScrollBar().setSingleStep(CELL // 3)
        self.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOn)
        self.setMouseTracking(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        model.modelReset.connect(self._model_reset)
        model.previews_arrived.connect(self.viewport().update)

    # -- geometry

    @staticmethod
    def row_height(kind: RowKind) -> int:
        """The height of a row of that kind (the date bar adds them up to place the years)."""
        return HEIGHTS[kind]

    def fitting_columns(self) -> int:
        return max(1, self.viewport().width() // CELL)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        if self.timeline_model.set_columns(self.fitting_columns()) and self.current_item is not None:
            self.scroll_to_item(self.current_item)

    def _model_reset(self) -> None:
        n = len(self.timeline_model.items())
        if self.current_item is not None and self.current_item >= n:
            self.current_item = None
        self.hovered_item = None

    def item_at(self, pos: QPoint) -> int | None:
        """The item whose cell is under ``pos`` (viewport coordinates), or None."""
        index = self.indexAt(pos)
        if not index.isValid():
            return None
        return self.timeline_model.item_at(index.row(), (pos.x() - self.visualRect(index).left()) // CELL)

    def scroll_to_item(self, item: int, hint=QAbstractItemView.ScrollHint.EnsureVisible) -> None:
        self.scrollTo(self.timeline_model.index(self.timeline_model.row_of_item(item), 0), hint)

    def scroll_to_group(self, group: int) -> None:
        """Shows month group ``group`` from its header at the top of the view."""
        row = self.timeline_model.header_row(group)
        self.scrollTo(self.timeline_model.index(row, 0), QAbstractItemView.ScrollHint.PositionAtTop)

    def set_current_item(self, item: int | None, scroll: bool = True) -> None:
        if item is not None:
            item = max(0, min(item, len(self.timeline_model.items()) - 1))
        if item == self.current_item:
            return
        self.current_item = item
        if item is not None:
            if scroll:
                self.scroll_to_item(item)
            self.current_item_changed.emit(item)
        self.viewport().update()

    # -- mouse and keys

    def mouseMoveEvent(self, event) -> None:
        super().mouseMoveEvent(event)
        item = self.item_at(event.position().toPoint())
        if item != self.hovered_item:
            self.hovered_item = item
            self.viewport().update()

    def leaveEvent(self, event) -> None:
        super().leaveEvent(event)
        if self.hovered_item is not None:
            self.hovered_item = None
            self.viewport().update()

    def mousePressEvent(self, event) -> None:
        super().mousePressEvent(event)
        item = self.item_at(event.position().toPoint())
        if item is not None:
            self.set_current_item(item, scroll=False)

    def mouseDoubleClickEvent(self, event) -> None:
        item = self.item_at(event.position().toPoint())
        if item is not None:
            self.set_current_item(item, scroll=False)
            self.item_activated.emit(item)
            return
        super().mouseDoubleClickEvent(event)

    def viewportEvent(self, event) -> bool:
        if event.type() == QEvent.Type.ToolTip:
            item = self.item_at(event.pos())
            if item is None:
                QToolTip.hideText()
            else:
                QToolTip.showText(event.globalPos(), self.timeline_model.tooltip(item), self.viewport())
            return True
        return super().viewportEvent(event)

    def keyPressEvent(self, event) -> None:
        n = len(self.timeline_model.items())
        key = event.key()
        if n == 0:
            super().keyPressEvent(event)
            return
        cur = self.current_item
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and cur is not None:
            self.item_activated.emit(cur)
            return
        if cur is None:
            if key in (Qt.Key.Key_Left, Qt.Key.Key_Right, Qt.Key.Key_Up, Qt.Key.Key_Down, Qt.Key.Key_Home,
                       Qt.Key.Key_End, Qt.Key.Key_PageUp, Qt.Key.Key_PageDown):
                self.set_current_item(self._first_visible() if key != Qt.Key.Key_End else n - 1)
                return
            super().keyPressEvent(event)
            return
        rows_per_page = max(1, self.viewport().height() // CELL)
        moves = {Qt.Key.Key_Left: lambda: cur - 1, Qt.Key.Key_Right: lambda: cur + 1,
                 Qt.Key.Key_Up: lambda: self._vertical(cur, -1), Qt.Key.Key_Down: lambda: self._vertical(cur, 1),
                 Qt.Key.Key_PageUp: lambda: self._vertical(cur, -rows_per_page),
                 Qt.Key.Key_PageDown: lambda: self._vertical(cur, rows_per_page),
                 Qt.Key.Key_Home: lambda: 0, Qt.Key.Key_End: lambda: n - 1}
        move = moves.get(Qt.Key(key))
        if move is None:
            super().keyPressEvent(event)
            return
        self.set_current_item(move())

    def _vertical(self, item: int, strips: int) -> int:
        """The item in the same column ``strips`` strips below (above, when negative), across month headers."""
        model = self.timeline_model
        row = model.row_of_item(item)
        start = model.row(row).value or 0
        column = item - start
        step = 1 if strips > 0 else -1
        left = abs(strips)
        while left:
            row += step
            if not 0 <= row < model.rowCount():
                return item if left == abs(strips) else self._in_row(row - step, column)
            if model.row(row).kind == RowKind.STRIP:
                left -= 1
        return self._in_row(row, column)

    def _in_row(self, row: int, column: int) -> int:
        r = self.timeline_model.row(row)
        return min((r.value or 0) + column, r.stop - 1)

    def _first_visible(self) -> int:
        for y in range(0, self.viewport().height(), CELL // 2):
            index = self.indexAt(QPoint(PAD, y))
            if index.isValid() and index.data(TimelineRole.Kind) == RowKind.STRIP:
                return index.data(TimelineRole.Span)[0]
        return 0


class TimelinePage(QWidget):
    """The tab: a summary line, the timeline and its date bar, or a word when the library has no files."""

    def __init__(self, model: TimelineModel, parent=None) -> None:
        super().__init__(parent)
        self.model = model
        self.view = TimelineView(model)
        self.date_bar = DateBar(self.view)
        self.summary = QLabel("Loading…")
        self.summary.setContentsMargins(6, 4, 6, 2)
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(0)
        row.addWidget(self.view, 1)
        row.addWidget(self.date_bar)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.summary)
        lay.addLayout(row, 1)
        self.setFocusProxy(self.view)

    def show_summary(self) -> None:
        items, groups = self.model.items(), self.model.groups()
        if not items:
            self.summary.setText("No photos or videos yet: add a folder (Ctrl+O) to see them by date here")
            return
        dated = [g for g in groups if g.year is not None]
        undated = sum(len(g) for g in groups if g.year is None)
        videos = sum(it.kind == "video" for it in items)
        parts = [f"{len(items) - videos:,} photos" + (f" and {videos:,} videos" if videos else "")]
        if dated:
            first, last = dated[0].year, dated[-1].year
            parts.append(f"{first}" if first == last else f"{first}\u2013{last}")
        if undated:
            parts.append(f"{undated:,} without a date")
        self.summary.setText(" \u00b7 ".join(parts))
