# SPDX-License-Identifier: MIT
"""The people panel: a filter box, sort and show-hidden controls over one QListView (not a widget per person)."""

from __future__ import annotations

from PySide6.QtCore import QSize
from PySide6.QtCore import Qt
from PySide6.QtCore import Signal
from PySide6.QtWidgets import QAbstractItemView
from PySide6.QtWidgets import QCheckBox
from PySide6.QtWidgets import QComboBox
from PySide6.QtWidgets import QHBoxLayout
from PySide6.QtWidgets import QLabel
from PySide6.QtWidgets import QLineEdit
from PySide6.QtWidgets import QListView
from PySide6.QtWidgets import QSlider
from PySide6.QtWidgets import QVBoxLayout
from PySide6.QtWidgets import QWidget

from organizer.ui.models.person_model import PersonFilterProxy
from organizer.ui.models.person_model import PersonGridModel
from organizer.ui.models.person_model import Role
from organizer.ui.models.person_model import SortKey
from organizer.ui.views.person_delegate import ICON_SIDE
from organizer.ui.views.person_delegate import MAX_SIDE
from organizer.ui.views.person_delegate import MIN_SIDE
from organizer.ui.views.person_delegate import PersonDelegate


class PeopleView(QListView):
    """Icon grid of persons; uniform item sizes keep layout O(1) per item, so 5 000 persons open at once.

    The columns fill the width: the grid size is the viewport's width divided by as many cells as fit, recomputed
    whenever the view is resized or the faces' size changes.
    """

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setViewMode(QListView.ViewMode.IconMode)
        self.setResizeMode(QListView.ResizeMode.Adjust)
        self.setMovement(QListView.Movement.Static)
        self.setUniformItemSizes(True)
        self.delegate = PersonDelegate(self)
        self.setItemDelegate(self.delegate)
        self.setIconSize(QSize(ICON_SIDE, ICON_SIDE))
        # Always there, so that its showing up cannot change the width the columns are computed for.
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOn)
        self._relayout()
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        # Double-click (or F2, or a click on the selected person) renames; Return saves the name, Esc keeps the old.
        self.setEditTriggers(QAbstractItemView.EditTrigger.DoubleClicked | QAbstractItemView.EditTrigger.EditKeyPressed
                             | QAbstractItemView.EditTrigger.SelectedClicked)
        self.setAcceptDrops(True)
        self.setDropIndicatorShown(True)
        self.setDragDropMode(QAbstractItemView.DragDropMode.DropOnly)

    def columns(self) -> int:
        cell = PersonDelegate.cell_size(self.font(), self.delegate.side)
        return max(1, (self.viewport().width() - 1) // cell.width())

    def set_face_side(self, side: int) -> None:
        """The faces' size in pixels (the thumbnail size slider)."""
        side = max(MIN_SIDE, min(MAX_SIDE, int(side)))
        if side != self.delegate.side:
            self.delegate.side = side
            self.setIconSize(QSize(side, side))
            self._relayout()

    def _relayout(self) -> None:
        cell = PersonDelegate.cell_size(self.font(), self.delegate.side)
        width = (self.viewport().width() - 1) // self.columns()  # a row as wide as the viewport would wrap
        grid = QSize(max(cell.width(), width), cell.height())
        if grid != self.gridSize():
            self.delegate.width = grid.width()  # each cell as wide as its column
            self.setGridSize(grid)
            self.scheduleDelayedItemsLayout()

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._relayout()


class PeoplePanel(QWidget):
    """Emits ``person_activated(person_id)`` when the current person changes (-1 = unsorted faces)."""

    person_activated = Signal(int)
    show_hidden_changed = Signal(bool)

    def __init__(self, model: PersonGridModel, parent=None) -> None:
        super().__init__(parent)
        self.model = model
        self.proxy = PersonFilterProxy(self)
        self.proxy.setSourceModel(model)
        self.filter_edit = QLineEdit(placeholderText="Filter by name", clearButtonEnabled=True)
        self.filter_edit.setMinimumWidth(self.filter_edit.fontMetrics().horizontalAdvance("Filter by name") + 40)
        self.filter_edit.textChanged.connect(self.proxy.set_text)
        # Dropped folders go to the window (indexed, as a copy); a line edit would take them as text, as a move.
        self.filter_edit.setAcceptDrops(False)
        self.sort_combo = QComboBox()
        self.sort_combo.addItems(["Most photos", "Name", "Birth year"])
        self.sort_combo.currentIndexChanged.connect(lambda i: model.sort_by(SortKey(i)))
        self.sort_combo.setToolTip("Sort persons")
        self.hidden_check = QCheckBox("Show hidden")
        self.hidden_check.toggled.connect(self.show_hidden_changed)
        self.view = PeopleView()
        self.size_slider = QSlider(Qt.Orientation.Horizontal)
        self.size_slider.setRange(MIN_SIDE, MAX_SIDE)
        self.size_slider.setSingleStep(8)
        self.size_slider.setPageStep(32)
        self.size_slider.setValue(self.view.delegate.side)
        self.size_slider.setToolTip("Size of the faces")
        self.size_slider.setAccessibleName("face size")
        self.size_slider.valueChanged.connect(self.view.set_face_side)
        self.setAccessibleName("people grid")  # also where its shortcuts work (Help → Keyboard Shortcuts)
        self.view.setAccessibleName("people grid")
        self.view.setModel(self.proxy)
        self.view.selectionModel().currentChanged.connect(self._current_changed)
        top = QHBoxLayout()
        top.addWidget(self.filter_edit, 1)
        top.addWidget(self.sort_combo)
        top.addWidget(self.hidden_check)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addLayout(top)
        lay.addWidget(self.view, 1)
        bottom = QHBoxLayout()
        bottom.addWidget(QLabel("Size"))
        bottom.addWidget(self.size_slider, 1)
        lay.addLayout(bottom)

    def _current_changed(self, current, _previous) -> None:
        if current.isValid():
            self.person_activated.emit(int(current.data(Role.PersonId)))

    def selected_person_ids(self) -> list[int]:
        ids = [int(i.data(Role.PersonId)) for i in self.view.selectionModel().selectedIndexes()]
        return [i for i in ids if i >= 0]

    def current_person_id(self) -> int | None:
        idx = self.view.currentIndex()
        return int(idx.data(Role.PersonId)) if idx.isValid() else None

    def select_person(self, person_id: int) -> bool:
        row = self.model.row_of(person_id)
        if row < 0:
            return False
        idx = self.proxy.mapFromSource(self.model.index(row, 0))
        if not idx.isValid():
            self.filter_edit.clear()
            idx = self.proxy.mapFromSource(self.model.index(row, 0))
        self.view.setCurrentIndex(idx)
        self.view.scrollTo(idx)
        return True
