# SPDX-License-Identifier: MIT
"""Paints one person of the people grid: the face, the name in bold, then photos/gender and birth year.

Every colour comes from the view's palette (text, highlighted text, disabled text, mid), so the grid follows the
system's light or dark scheme and a palette change at run time; nothing here is a fixed colour.
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex
from PySide6.QtCore import QRect
from PySide6.QtCore import QSize
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtGui import QFont
from PySide6.QtGui import QFontMetrics
from PySide6.QtGui import QPainter
from PySide6.QtGui import QPalette
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import QApplication
from PySide6.QtWidgets import QStyle
from PySide6.QtWidgets import QStyledItemDelegate
from PySide6.QtWidgets import QStyleOptionViewItem

from organizer.ui.models.person_model import REVIEW_ID
from organizer.ui.models.person_model import Role
from organizer.ui.models.person_model import detail_lines

ICON_SIDE = 96
#: The thumbnail size slider's range (face side in pixels).
MIN_SIDE, MAX_SIDE = 64, 192
#: Width of a grid cell beyond the face (room for the name); three text lines and the face fit its height.
TEXT_MARGIN = 60
PAD = 4
#: Property of a rename editor once it holds the person's name.
_FILLED = "organizerFilled"


class PersonDelegate(QStyledItemDelegate):
    """Face, bold name and two detail lines, each elided to the cell; the name line is the rename editor's place."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        #: The side of the faces (the thumbnail size slider's value).
        self.side = ICON_SIDE
        #: The width of the cells (the view's columns fill its width); 0: the smallest.
        self.width = 0

    @staticmethod
    def cell_size(font: QFont, side: int = ICON_SIDE) -> QSize:
        """The smallest size of every cell (the view lays out uniform items, so this is asked once, not per person);
        the view widens the cells so that its columns fill its width."""
        return QSize(side + TEXT_MARGIN, PAD + side + PAD + 3 * QFontMetrics(font).height() + 2 * PAD)

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex) -> QSize:
        cell = self.cell_size(option.font, self.side)
        return QSize(max(cell.width(), self.width), cell.height())

    @staticmethod
    def text_colours(option: QStyleOptionViewItem, index: QModelIndex) -> tuple[QColor, QColor]:
        """(name colour, detail colour) from the palette: highlighted when selected, disabled for hidden persons."""
        pal: QPalette = option.palette
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        if selected:
            group = QPalette.ColorGroup.Active if option.state & QStyle.StateFlag.State_Active \
                else QPalette.ColorGroup.Inactive
            main = pal.color(group, QPalette.ColorRole.HighlightedText)
        elif index.data(Role.Hidden):
            main = pal.color(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text)
        else:
            main = pal.color(QPalette.ColorGroup.Active, QPalette.ColorRole.Text)
        detail = QColor(main)
        detail.setAlphaF(main.alphaF() * 0.72)  # secondary text: the same colour, softer, on any background
        return main, detail

    def _rects(self, option: QStyleOptionViewItem) -> tuple[QRect, QRect, QRect, QRect]:
        r = option.rect
        line = option.fontMetrics.height()
        side = self.side
        icon = QRect(r.left() + (r.width() - side) // 2, r.top() + PAD, side, side)
        top = icon.bottom() + 1 + PAD
        rows = [QRect(r.left() + PAD, top + i * line, r.width() - 2 * PAD, line) for i in range(3)]
        return icon, rows[0], rows[1], rows[2]

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex) -> None:
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        widget = option.widget
        style = widget.style() if widget is not None else QApplication.style()
        opt.text = ""
        opt.icon = type(opt.icon)()
        style.drawPrimitive(QStyle.PrimitiveElement.PE_PanelItemViewItem, opt, painter, widget)
        icon_rect, name_rect, first_rect, second_rect = self._rects(option)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        p = index.data(Role.Summary)
        review = index.data(Role.PersonId) == REVIEW_ID
        pm = index.data(Qt.ItemDataRole.DecorationRole)
        if review:
            self._paint_review_icon(painter, icon_rect, option.palette,
                                    bool(option.state & QStyle.StateFlag.State_Selected))
        elif isinstance(pm, QPixmap) and not pm.isNull() and p is not None:
            target = QRect(icon_rect)
            scaled = pm.size().scaled(icon_rect.size(), Qt.AspectRatioMode.KeepAspectRatio)
            target.setSize(scaled)
            target.moveCenter(icon_rect.center())
            if index.data(Role.Hidden):
                painter.setOpacity(0.45)
            painter.drawPixmap(target, pm)
            painter.setOpacity(1.0)
        else:
            self._paint_unsorted_icon(painter, icon_rect, option.palette)
        main, detail = self.text_colours(option, index)
        if p is not None:
            name = str(index.data(Role.Title))
            first, second = detail_lines(p)
        elif review:
            name, first = str(index.data(Qt.ItemDataRole.DisplayRole)).split("\n", 1)
            second = ""
        else:
            n = int(index.data(Role.FaceCount) or 0)
            name, first, second = "Unsorted faces", f"{n} face{'s' if n != 1 else ''}", ""
        bold = QFont(option.font)
        bold.setBold(True)
        painter.setFont(bold)
        painter.setPen(main)
        self._draw_line(painter, name_rect, name)
        painter.setFont(option.font)
        painter.setPen(detail)
        self._draw_line(painter, first_rect, first)
        self._draw_line(painter, second_rect, second)
        painter.restore()

    @staticmethod
    def _draw_line(painter: QPainter, rect: QRect, text: str) -> None:
        if text:
            elided = painter.fontMetrics().elidedText(text, Qt.TextElideMode.ElideRight, rect.width())
            painter.drawText(rect, Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignVCenter, elided)

    @staticmethod
    def _paint_unsorted_icon(painter: QPainter, rect: QRect, pal: QPalette) -> None:
        """A neutral stack-of-faces mark for "Unsorted faces" (and persons whose face crop is missing)."""
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(pal.color(QPalette.ColorRole.Mid))
        painter.drawRoundedRect(rect.adjusted(8, 8, -8, -8), 10, 10)
        painter.setBrush(pal.color(QPalette.ColorRole.Button))
        c = rect.center()
        painter.drawEllipse(c.x() - 14, c.y() - 26, 28, 28)
        painter.drawRoundedRect(c.x() - 24, c.y() + 6, 48, 24, 12, 12)

    @staticmethod
    def _paint_review_icon(painter: QPainter, rect: QRect, pal: QPalette, selected: bool) -> None:
        """A question mark for the "Review" entry: on the highlight colour, or in it when the entry is selected."""
        back, mark = QPalette.ColorRole.Highlight, QPalette.ColorRole.HighlightedText
        if selected:
            back, mark = mark, back
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(pal.color(back))
        painter.drawRoundedRect(rect.adjusted(8, 8, -8, -8), 10, 10)
        font = QFont(painter.font())
        font.setBold(True)
        font.setPixelSize(max(12, rect.height() // 2))
        painter.setFont(font)
        painter.setPen(pal.color(mark))
        painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, "?")

    def setEditorData(self, editor, index: QModelIndex) -> None:
        # The view calls this again whenever the person's row changes, and faces arrive from the thumbnail cache
        # while the user types: only the opening rename gets the stored name, or the typed one would be lost.
        if not editor.property(_FILLED):
            super().setEditorData(editor, index)
            editor.setProperty(_FILLED, True)

    def updateEditorGeometry(self, editor, option: QStyleOptionViewItem, index: QModelIndex) -> None:
        _icon, name_rect, _a, _b = self._rects(option)
        editor.setGeometry(name_rect.adjusted(-2, -2, 2, 2))

