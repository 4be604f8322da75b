# SPDX-License-Identifier: MIT
"""The Timeline's date bar: a slim strip beside it with the years (and a big year's months) where they lie in
the whole list; a click or a drag there scrolls to it."""

from __future__ import annotations

from bisect import bisect_right
from typing import TYPE_CHECKING

from PySide6.QtCore import QRect
from PySide6.QtCore import Qt
from PySide6.QtGui import QPainter
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QWidget

from organizer.ui.models.timeline_model import MONTHS
from organizer.ui.models.timeline_model import RowKind

if TYPE_CHECKING:
    from organizer.ui.views.timeline import TimelineView


class DateBar(QWidget):
    """A slim bar beside the timeline with the years where they lie in it; click or drag to go there."""

    def __init__(self, view: TimelineView, parent=None) -> None:
        super().__init__(parent)
        self._view = view
        self._years: list[tuple[int, str, int]] = []  # (content offset, label, files) of each year's header
        self._months: list[tuple[int, str]] = []  # (content offset, "Mar") of each month's header
        self._total = 0
        self.setFixedWidth(64)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setToolTip("Click or drag to go to a year")
        bar = view.verticalScrollBar()
        bar.valueChanged.connect(self.update)
        bar.rangeChanged.connect(self.update)
        view.timeline_model.modelReset.connect(self._recompute)

    def _recompute(self) -> None:
        model = self._view.timeline_model
        offsets, months, y = [], [], 0
        for i in range(model.rowCount()):
            r = model.row(i)
            if r.kind == RowKind.YEAR:
                offsets.append((y, str(r.value) if r.value is not None else "no date", model.year_count(r.value)))
            elif r.kind == RowKind.MONTH and r.value is not None:
                months.append((y, MONTHS[(model.groups()[r.value].month or 1) - 1][:3]))
            y += self._view.row_height(r.kind)
        self._years, self._months, self._total = offsets, months, y
        self.update()

    def years(self) -> list[str]:
        return [label for _y, label, _n in self._years]

    def month_labels(self, years: list[str] | None = None) -> list[tuple[int, str]]:
        """Month labels ``(bar y, "Mar")`` that fit between the year labels ``years`` (default: those shown):
        where one year holds most photos, its months mark the way through it."""
        h = self.fontMetrics().height()
        shown = set(self.labelled() if years is None else years)
        taken = [self._bar_y(y) for y, label, _n in self._years if label in shown]
        out: list[tuple[int, str]] = []
        for y, label in self._months:
            by = self._bar_y(y)
            if all(abs(by - t) >= h for t in taken):
                taken.append(by)
                out.append((by, label))
        return out

    def labelled(self) -> list[str]:
        """The years whose labels fit on the bar: where labels would overlap, the year with more files wins (the
        years most photos are of are the ones to find), and the first and last years are always there."""
        h = self.fontMetrics().height()
        order = sorted(range(len(self._years)),
                       key=lambda k: (k not in (0, len(self._years) - 1), -self._years[k][2], k))
        placed: list[int] = []
        for k in order:
            y = self._bar_y(self._years[k][0])
            if all(abs(y - self._bar_y(self._years[j][0])) >= h for j in placed):
                placed.append(k)
        return [self._years[k][1] for k in sorted(placed)]

    def _bar_y(self, content_y: int) -> int:
        return round(content_y / max(1, self._total) * (self.height() - 16)) + 8

    def paintEvent(self, event) -> None:
        p = QPainter(self)
        pal = self.palette()
        p.fillRect(self.rect(), pal.color(QPalette.ColorRole.AlternateBase))
        if not self._years:
            return
        view_h = self._view.viewport().height()
        top = self._view.verticalScrollBar().value()
        window = QRect(2, self._bar_y(top), self.width() - 4, max(4, self._bar_y(top + view_h) - self._bar_y(top)))
        shade = pal.color(QPalette.ColorRole.Highlight)
        shade.setAlpha(60)
        p.fillRect(window, shade)
        p.setPen(pal.color(QPalette.ColorRole.Text))
        fm = p.fontMetrics()
        shown = self.labelled()  # labels that would overlap are left out (their ticks stay)
        for y, label, _n in self._years:
            by = self._bar_y(y)
            p.drawLine(2, by, 8, by)
            if label in shown:
                p.drawText(QRect(10, by - fm.height() // 2, self.width() - 12, fm.height()),
                           Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, label)
        p.setPen(pal.color(QPalette.ColorRole.PlaceholderText))
        for by, label in self.month_labels(shown):
            p.drawLine(4, by, 7, by)
            p.drawText(QRect(16, by - fm.height() // 2, self.width() - 18, fm.height()),
                       Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, label)

    def mousePressEvent(self, event) -> None:
        self._jump(event.position().y())

    def mouseMoveEvent(self, event) -> None:
        if event.buttons() & Qt.MouseButton.LeftButton:
            self._jump(event.position().y())

    def _jump(self, y: float) -> None:
        """Scrolls so that the content at that height of the bar is at the top (a year label's click: its year)."""
        if not self._years:
            return
        content = (y - 8) / max(1, self.height() - 16) * self._total
        # Snap to a year header a few pixels away, so a click on a label lands on the year, not just before it.
        starts = [oy for oy, _l, _n in self._years]
        k = bisect_right(starts, content + 6 * self._total / max(1, self.height())) - 1
        if k >= 0 and abs(self._bar_y(starts[k]) - y) <= 8:
            content = starts[k]
        self._view.verticalScrollBar().setValue(round(content))
