# SPDX-License-Identifier: MIT
"""Where to move faces: a searchable list of persons with their faces, recent targets first, and "New person".

Typing filters by name (names that start with the text first, then those that contain it) while the arrow keys
move through the list, so a target among hundreds is a few letters and Return away.
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Sequence

from PySide6.QtCore import QAbstractListModel
from PySide6.QtCore import QEvent
from PySide6.QtCore import QModelIndex
from PySide6.QtCore import QObject
from PySide6.QtCore import QPersistentModelIndex
from PySide6.QtCore import QSize
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtGui import QIcon
from PySide6.QtGui import QPainter
from PySide6.QtGui import QPalette
from PySide6.QtGui import QPen
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import QAbstractItemView
from PySide6.QtWidgets import QApplication
from PySide6.QtWidgets import QDialog
from PySide6.QtWidgets import QDialogButtonBox
from PySide6.QtWidgets import QLabel
from PySide6.QtWidgets import QLineEdit
from PySide6.QtWidgets import QListView
from PySide6.QtWidgets import QVBoxLayout
from PySide6.QtWidgets import QWidget

from organizer.services.person_queries import PersonSummary
from organizer.ui.models.person_model import describe
from organizer.ui.models.thumbnails import ThumbnailCache

#: :meth:`PersonPicker.chosen` for the "New person" entry (the faces are split into a person of their own).
NEW_PERSON = -2
ICON = 48
NEW_PERSON_TEXT = "New person"
#: Keys the filter box hands to the list (the rest type the filter).
_LIST_KEYS = {Qt.Key.Key_Up, Qt.Key.Key_Down, Qt.Key.Key_PageUp, Qt.Key.Key_PageDown}


def _plus_icon(pal: QPalette) -> QPixmap:
    pm = QPixmap(ICON, ICON)
    pm.fill(QColor(0, 0, 0, 0))
    p = QPainter(pm)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    p.setPen(QPen(pal.color(QPalette.ColorRole.Mid), 2, Qt.PenStyle.DashLine))
    p.drawRoundedRect(3, 3, ICON - 6, ICON - 6, 8, 8)
    p.setPen(QPen(pal.color(QPalette.ColorRole.Text), 3))
    p.drawLine(ICON // 2, 14, ICON // 2, ICON - 14)
    p.drawLine(14, ICON // 2, ICON - 14, ICON // 2)
    p.end()
    return pm


class PickerModel(QAbstractListModel):
    """Row 0 is "New person"; then the persons that match the filter, recent targets first, then the given order."""

    def __init__(self, persons: Sequence[PersonSummary], title: Callable[[PersonSummary], str],
                 thumbs: ThumbnailCache, recent: Sequence[int], parent: QObject | None = None) -> None:
        super().__init__(parent)
        by_id = {p.id: p for p in persons}
        first = [by_id[i] for i in dict.fromkeys(recent) if i in by_id]
        self._recent = {p.id for p in first}
        self._all = first + [p for p in persons if p.id not in self._recent]
        self._titles = {p.id: title(p) for p in self._all}
        self._thumbs = thumbs
        self._rows = list(self._all)
        self._plus: QPixmap | None = None
        thumbs.loaded.connect(self._thumbs_loaded)

    def set_filter(self, text: str) -> None:
        t = text.strip().casefold()
        self.beginResetModel()
        if not t:
            self._rows = list(self._all)
        else:
            titles = {p.id: self._titles[p.id].casefold() for p in self._all}
            starts = [p for p in self._all if titles[p.id].startswith(t)
                      or any(w.startswith(t) for w in titles[p.id].split())]
            shown = {p.id for p in starts}
            self._rows = starts + [p for p in self._all if p.id not in shown and t in titles[p.id]]
        self.endResetModel()

    def person(self, row: int) -> PersonSummary | None:
        return self._rows[row - 1] if 1 <= row <= len(self._rows) else None

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows) + 1

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        p = self.person(index.row())
        if role == Qt.ItemDataRole.UserRole:
            return p.id if p is not None else NEW_PERSON
        if p is None:
            if role == Qt.ItemDataRole.DisplayRole:
                return f"{NEW_PERSON_TEXT}\nthe faces become a person of their own"
            if role == Qt.ItemDataRole.DecorationRole:
                if self._plus is None:
                    self._plus = _plus_icon(QApplication.palette())
                return self._plus
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return f"{self._titles[p.id]}\n{describe(p)}" + (" · recent" if p.id in self._recent else "")
        if role == Qt.ItemDataRole.DecorationRole:
            return QIcon(self._thumbs.get(p.cover_face_id))  # an icon is drawn at the list's icon size
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"{self._titles[p.id]}: {p.n_faces} faces in {p.n_photos} photos"
        return None

    def _thumbs_loaded(self, _face_ids: list[int]) -> None:
        if self._rows:
            self.dataChanged.emit(self.index(1, 0), self.index(len(self._rows), 0), [Qt.ItemDataRole.DecorationRole])


class PersonPicker(QDialog):
    """Asks where ``n_faces`` faces go; :meth:`chosen` is a person id, :data:`NEW_PERSON`, or None."""

    def __init__(self, persons: Sequence[PersonSummary], title: Callable[[PersonSummary], str],
                 thumbs: ThumbnailCache, recent: Sequence[int], n_faces: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Move Faces to Person")
        self.model = PickerModel(persons, title, thumbs, recent, self)
        self.filter_edit = QLineEdit(placeholderText="Type a name to find the person", clearButtonEnabled=True)
        self.filter_edit.textChanged.connect(self._filter)
        self.filter_edit.installEventFilter(self)
        self.list = QListView()
        self.list.setModel(self.model)
        self.list.setIconSize(QSize(ICON, ICON))
        self.list.setUniformItemSizes(True)
        self.list.setSpacing(2)
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.list.activated.connect(lambda _idx: self.accept())
        self.list.doubleClicked.connect(lambda _idx: self.accept())
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("&Move")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addWidget(QLabel(f"Move {n_faces} selected face{'s' if n_faces != 1 else ''} to:"))
        lay.addWidget(self.filter_edit)
        lay.addWidget(self.list, 1)
        lay.addWidget(buttons)
        self.resize(380, 520)
        self._select_best()
        self.filter_edit.setFocus()

    def _filter(self, text: str) -> None:
        self.model.set_filter(text)
        self._select_best()

    def _select_best(self) -> None:
        # The first person (the most recent target, or the best match); "New person" only when none matches.
        row = 1 if self.model.rowCount() > 1 else 0
        self.list.setCurrentIndex(self.model.index(row, 0))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.filter_edit and event.type() == QEvent.Type.KeyPress and event.key() in _LIST_KEYS:
            QApplication.sendEvent(self.list, event)
            return True
        return super().eventFilter(watched, event)

    def chosen(self) -> int | None:
        idx = self.list.currentIndex()
        return int(idx.data(Qt.ItemDataRole.UserRole)) if idx.isValid() else None
