# SPDX-License-Identifier: MIT
"""The demography pane (the paper's Fig. 3): persons by current age range, stacked by gender, clickable."""

from __future__ import annotations

import math
from collections.abc import Mapping
from collections.abc import Sequence

import pyqtgraph as pg
from PySide6.QtCore import QEvent
from PySide6.QtCore import QPointF
from PySide6.QtCore import QSize
from PySide6.QtCore import Signal
from PySide6.QtGui import QCursor
from PySide6.QtGui import QIcon
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QComboBox
from PySide6.QtWidgets import QHBoxLayout
from PySide6.QtWidgets import QLabel
from PySide6.QtWidgets import QToolTip
from PySide6.QtWidgets import QVBoxLayout
from PySide6.QtWidgets import QWidget

from organizer.services.browse_service import AGE_RANGES
from organizer.services.browse_service import GENDERS
from organizer.services.browse_service import AgeSegment
from organizer.services.browse_service import demography
from organizer.ui.models.person_model import display_name
from organizer.ui.models.thumbnails import ThumbnailCache

COLOURS = {"male": (70, 130, 220), "female": (220, 90, 120), None: (150, 150, 150)}
BAR_HEIGHT = 0.7
#: Side of the faces in the combo box of a shared segment.
COMBO_ICON = 40


def segment_text(seg: AgeSegment) -> str:
    """What hovering a segment says: "25–37, female: 12 persons"."""
    n = len(seg.person_ids)
    return f"{AGE_RANGES[seg.range_index][0]}, {seg.gender or 'unknown'}: {n} person{'s' if n != 1 else ''}"


class DemographyChart(QWidget):
    """Emits ``person_chosen(person_id)`` when a segment of one person is clicked, or a person is picked in the combo
    box that a shared segment fills."""

    person_chosen = Signal(int)

    def __init__(self, thumbs: ThumbnailCache | None = None, parent=None) -> None:
        super().__init__(parent)
        #: Faces for the combo box of a shared segment (none: names only).
        self._thumbs = thumbs
        self._covers: dict[int, int | None] = {}
        #: What the segment under the mouse says ("" when none), shown as its tooltip.
        self.hover_text = ""
        # The plot follows the window's palette (light or dark) rather than pyqtgraph's fixed black: see
        # _apply_palette, run again whenever the palette changes (the system switching between light and dark).
        self.plot = pg.PlotWidget()
        self.plot.setMenuEnabled(False)
        self.plot.setMouseEnabled(x=False, y=False)
        self.plot.hideButtons()
        self.plot.setLabel("bottom", "persons")
        self.plot.getAxis("left").setTicks([[(i, label) for i, (label, _lo, _hi) in enumerate(AGE_RANGES)]])
        self.plot.setYRange(-0.6, len(AGE_RANGES) - 0.4, padding=0)
        self.plot.addLegend(offset=(-10, 10))
        self.plot.scene().sigMouseClicked.connect(self._scene_clicked)
        self.plot.scene().sigMouseMoved.connect(self._scene_hovered)
        self.combo = QComboBox()
        self.combo.setMinimumWidth(240)
        self.combo.setIconSize(QSize(COMBO_ICON, COMBO_ICON))
        if thumbs is not None:
            thumbs.loaded.connect(self._faces_loaded)
        self.combo.activated.connect(self._combo_activated)
        self.hint = QLabel("Click a bar segment to open that person's photos.")
        row = QHBoxLayout()
        row.addWidget(self.hint, 1)
        row.addWidget(self.combo)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.plot, 1)
        lay.addLayout(row)
        self.combo.hide()
        self._segments: list[tuple[AgeSegment, float, float]] = []
        self._names: dict[int, str] = {}
        self._items: list[pg.BarGraphItem] = []
        self._apply_palette()

    def changeEvent(self, event) -> None:
        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.ApplicationPaletteChange):
            self._apply_palette()
        super().changeEvent(event)

    def _apply_palette(self) -> None:
        pal = self.palette()
        base, text = pal.color(QPalette.ColorRole.Base), pal.color(QPalette.ColorRole.Text)
        self.plot.setBackground(base)
        for name in ("left", "bottom"):
            axis = self.plot.getAxis(name)
            axis.setPen(pg.mkPen(pal.color(QPalette.ColorRole.Mid)))
            axis.setTextPen(pg.mkPen(text))
        self._colour_legend()
        for item in self._items:
            item.setOpts(pen=pg.mkPen(base, width=1))  # segment separators in the background colour

    def set_persons(self, persons: Sequence, year: int | None = None, names: Mapping[int, str] | None = None) -> None:
        """``persons``: PersonSummary-like objects (``id``, ``name``, ``gender``, ``birth_year``); ``names``: what the
        people grid calls them (its "Person N" numbers), else their names."""
        for it in self._items:
            self.plot.removeItem(it)
        self._items.clear()
        legend = self.plot.plotItem.legend
        if legend is not None:
            legend.clear()
        self._names = {p.id: (names or {}).get(p.id) or display_name(p) for p in persons}
        self._covers = {p.id: getattr(p, "cover_face_id", None) for p in persons}
        segments = demography(persons, year)
        self._segments = []
        left = [0.0] * len(AGE_RANGES)
        for gender in GENDERS:
            mine = [s for s in segments if s.gender == gender]
            if not mine:
                continue
            x0, widths, ys = [], [], []
            for s in mine:
                x0.append(left[s.range_index])
                widths.append(len(s.person_ids))
                ys.append(s.range_index)
                self._segments.append((s, left[s.range_index], left[s.range_index] + len(s.person_ids)))
                left[s.range_index] += len(s.person_ids)
            item = pg.BarGraphItem(x0=x0, y=ys, width=widths, height=BAR_HEIGHT, brush=pg.mkBrush(*COLOURS[gender]),
                                   pen=pg.mkPen(self.palette().color(QPalette.ColorRole.Base), width=1),
                                   name=gender or "unknown")
            self.plot.addItem(item)
            self._items.append(item)
        most = int(max([*left, 1.0]))
        step = max(1, math.ceil(most / 8))  # whole persons only, about eight ticks, starting at 0
        self.plot.getAxis("bottom").setTicks([[(i, str(i)) for i in range(0, most + step, step)], []])
        self.plot.setXRange(0, most * 1.05, padding=0)
        self._colour_legend()
        self.combo.hide()

    def _colour_legend(self) -> None:
        legend = self.plot.plotItem.legend
        if legend is None:
            return
        text = self.palette().color(QPalette.ColorRole.Text)
        legend.setLabelTextColor(text)  # for labels added later; the existing ones are drawn again:
        for _sample, label in legend.items:
            label.setText(label.text, color=text)

    def segments(self) -> list[tuple[AgeSegment, float, float]]:
        """(segment, left, right) in plot coordinates."""
        return list(self._segments)

    def segment_at(self, x: float, y: float) -> AgeSegment | None:
        for seg, lo, hi in self._segments:
            if abs(y - seg.range_index) <= BAR_HEIGHT / 2 and lo <= x <= hi:
                return seg
        return None

    def scene_pos(self, x: float, y: float) -> QPointF:
        """Scene position of a point in plot coordinates (for tests and keyboard access)."""
        return self.plot.plotItem.vb.mapViewToScene(QPointF(x, y))

    def _scene_hovered(self, scene_pos) -> None:
        vb = self.plot.plotItem.vb
        seg = None
        if vb.sceneBoundingRect().contains(scene_pos):
            p = vb.mapSceneToView(scene_pos)
            seg = self.segment_at(p.x(), p.y())
        text = segment_text(seg) if seg is not None else ""
        if text == self.hover_text:
            return
        self.hover_text = text
        self.plot.setToolTip(text)
        if text:
            QToolTip.showText(QCursor.pos(), text, self.plot)
        else:
            QToolTip.hideText()

    def _scene_clicked(self, event) -> None:
        vb = self.plot.plotItem.vb
        if not vb.sceneBoundingRect().contains(event.scenePos()):
            return
        p = vb.mapSceneToView(event.scenePos())
        seg = self.segment_at(p.x(), p.y())
        if seg is not None:
            self.open_segment(seg)

    def open_segment(self, seg: AgeSegment) -> None:
        if len(seg.person_ids) == 1:
            self.combo.hide()
            self.person_chosen.emit(seg.person_ids[0])
            return
        self.combo.clear()
        self.combo.addItem(f"{len(seg.person_ids)} persons aged {AGE_RANGES[seg.range_index][0]}: choose one…", -1)
        for pid in sorted(seg.person_ids, key=lambda i: self._names.get(i, "").casefold()):
            self.combo.addItem(self._face(pid), self._names.get(pid, str(pid)), pid)
        self.combo.show()
        self.combo.setFocus()

    def _face(self, person_id: int) -> QIcon:
        """The person's face from the thumbnail cache (a placeholder until it has loaded), else no icon."""
        if self._thumbs is None:
            return QIcon()
        return QIcon(self._thumbs.get(self._covers.get(person_id)))

    def _faces_loaded(self, face_ids: list) -> None:
        arrived = set(face_ids)
        for i in range(1, self.combo.count()):
            pid = self.combo.itemData(i)
            if self._covers.get(pid) in arrived:
                self.combo.setItemIcon(i, self._face(pid))

    def combo_face(self, index: int):
        """The face shown for the combo box's entry ``index`` (a QPixmap; for tests)."""
        return self.combo.itemIcon(index).pixmap(COMBO_ICON, COMBO_ICON)

    def _combo_activated(self, index: int) -> None:
        pid = self.combo.itemData(index)
        if pid is not None and pid >= 0:
            self.person_chosen.emit(int(pid))
