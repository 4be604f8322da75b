# SPDX-License-Identifier: MIT
"""Photos → Find Photos… (Ctrl+F): the photos that show the persons typed in, with options, in a grid.

The persons are typed with completion over the grid's names ("Person 3" for an unnamed one) and shown as removable
chips; the persons selected in the people grid are there when it opens. Every change runs the search again on the
io pool (:class:`~organizer.services.photo_search.PhotoSearch`), the previews are rendered there too
(:class:`~organizer.ui.models.photo_model.PhotoGridModel`), and Return or a double-click opens the photo in the
viewer, Left/Right going through the results.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING

from PySide6.QtCore import QDate
from PySide6.QtCore import QEvent
from PySide6.QtCore import QModelIndex
from PySide6.QtCore import QSize
from PySide6.QtCore import QStringListModel
from PySide6.QtCore import Qt
from PySide6.QtCore import QTimer
from PySide6.QtCore import Signal
from PySide6.QtWidgets import QAbstractItemView
from PySide6.QtWidgets import QCheckBox
from PySide6.QtWidgets import QCompleter
from PySide6.QtWidgets import QDateEdit
from PySide6.QtWidgets import QDialog
from PySide6.QtWidgets import QGridLayout
from PySide6.QtWidgets import QHBoxLayout
from PySide6.QtWidgets import QLabel
from PySide6.QtWidgets import QLineEdit
from PySide6.QtWidgets import QListView
from PySide6.QtWidgets import QPushButton
from PySide6.QtWidgets import QSpinBox
from PySide6.QtWidgets import QToolButton
from PySide6.QtWidgets import QVBoxLayout

from organizer.services.photo_search import PhotoHit
from organizer.services.photo_search import PhotoSearch
from organizer.ui.dialogs.viewer import PhotoViewer
from organizer.ui.models.found_photos import FoundPhotosModel
from organizer.ui.models.found_photos import photos_text
from organizer.ui.models.photo_model import PREVIEW_SIDE
from organizer.ui.models.photo_model import PhotoRole
from organizer.ui.models.photo_model import PhotoRow
from organizer.ui.views.person_page import PhotoDelegate

if TYPE_CHECKING:
    from organizer.ui.main_window import MainWindow

#: The search waits this long after the last change (typing a date, stepping a spin box) before it runs.
DEBOUNCE_MS = 150


class FindDialog(QDialog):
    """The search window (not modal: the main window stays usable); ``searched`` after each result is shown."""

    searched = Signal()

    def __init__(self, window: MainWindow, search: PhotoSearch) -> None:
        super().__init__(window)
        self._window = window
        self._search = search
        self._generation = 0
        self.person_ids: list[int] = []
        self.hits: list[PhotoHit] = []
        self.viewer: PhotoViewer | None = None
        self._ids_by_name: dict[str, int] = {}
        self.setWindowTitle("Find Photos")

        self.person_edit = QLineEdit(placeholderText="Type a name, then Return", clearButtonEnabled=True)
        self.person_edit.setAccessibleName("person to find")
        self.names = QStringListModel(self)
        self.completer = QCompleter(self.names, self)
        self.completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.completer.setFilterMode(Qt.MatchFlag.MatchContains)
        self.person_edit.setCompleter(self.completer)
        self.person_edit.installEventFilter(self)
        self.person_edit.textEdited.connect(lambda _t: self._say(""))
        self.completer.activated.connect(self._add_named)
        self.person_edit.returnPressed.connect(lambda: self._add_named(self.person_edit.text()))
        self.chips = QHBoxLayout()
        self.chips.setContentsMargins(0, 0, 0, 0)
        self.chips.addStretch(1)
        self.hint = QLabel("")
        self.hint.hide()

        self.only_these = QCheckBox("&Only these people")
        self.only_these.setToolTip("No other named person on the photo")
        self.date_check = QCheckBox("&Taken between")
        today = QDate.currentDate()
        self.date_from = QDateEdit(QDate(today.year() - 10, 1, 1), calendarPopup=True, displayFormat="yyyy-MM-dd")
        self.date_to = QDateEdit(today, calendarPopup=True, displayFormat="yyyy-MM-dd")
        self.age_check = QCheckBox("&Age of the first person")
        self.age_from, self.age_to = _spin(0, 120, 0), _spin(0, 120, 10)
        self.faces_check = QCheckBox("&Faces on the photo")
        self.faces_from, self.faces_to = _spin(1, 999, 1), _spin(1, 999, 2)
        options = QGridLayout()
        rows = ((self.date_check, self.date_from, self.date_to), (self.age_check, self.age_from, self.age_to),
                (self.faces_check, self.faces_from, self.faces_to))
        for i, (check, low, high) in enumerate(rows):
            options.addWidget(check, i, 0)
            options.addWidget(low, i, 1)
            options.addWidget(QLabel("to"), i, 2)
            options.addWidget(high, i, 3)
            for w in (low, high):
                w.setEnabled(False)
                check.toggled.connect(w.setEnabled)
            check.toggled.connect(self.request)
        self.date_check.toggled.connect(self._date_span)
        for w in (self.date_from, self.date_to):
            w.dateChanged.connect(self.request)
        for w in (self.age_from, self.age_to, self.faces_from, self.faces_to):
            w.valueChanged.connect(self.request)
        self.only_these.toggled.connect(self.request)
        options.addWidget(self.only_these, 0, 4)
        options.setColumnStretch(5, 1)

        self.count_label = QLabel("Type the name of a person")
        self.export_button = QPushButton("&Export…", enabled=False)
        self.export_button.setToolTip("Copy or link the photos found into a folder")
        self.export_button.clicked.connect(self.export_results)
        self.model = FoundPhotosModel(window.browse, window.pools, parent=self)
        self.view = QListView()
        self.view.setAccessibleName("found photos")
        self.view.setViewMode(QListView.ViewMode.IconMode)
        self.view.setResizeMode(QListView.ResizeMode.Adjust)
        self.view.setMovement(QListView.Movement.Static)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.delegate = PhotoDelegate(self.view)
        self.view.setItemDelegate(self.delegate)
        self.model.modelAboutToBeReset.connect(self.delegate.clear_sizes)
        self.view.setIconSize(QSize(PREVIEW_SIDE, PREVIEW_SIDE))
        self.view.setSpacing(4)
        self.view.setModel(self.model)
        self.view.activated.connect(self.open_photo)

        field = QHBoxLayout()
        field.addWidget(QLabel("&People:", buddy=self.person_edit))
        field.addWidget(self.person_edit, 1)
        lay = QVBoxLayout(self)
        lay.addLayout(field)
        lay.addLayout(self.chips)
        lay.addWidget(self.hint)
        lay.addLayout(options)
        results = QHBoxLayout()
        results.addWidget(self.count_label, 1)
        results.addWidget(self.export_button)
        lay.addLayout(results)
        lay.addWidget(self.view, 1)
        self.resize(980, 680)

        self._timer = QTimer(self, singleShot=True, interval=DEBOUNCE_MS)
        self._timer.timeout.connect(self._run)
        window.refreshed.connect(self._library_changed)
        self.update_names()

    # -- persons

    def update_names(self) -> None:
        """The names the field completes: the grid's persons, as the grid calls them."""
        m = self._window.person_model
        self._ids_by_name = {}
        for p in m.persons():
            self._ids_by_name.setdefault(m.title(p), p.id)
        self.names.setStringList(sorted(self._ids_by_name, key=str.casefold))

    def _match(self, text: str) -> int | None:
        t = text.strip().casefold()
        if not t:
            return None
        names = self.names.stringList()
        for test in (lambda n: n.casefold() == t, lambda n: n.casefold().startswith(t), lambda n: t in n.casefold()):
            found = next((n for n in names if test(n)), None)
            if found is not None:
                return self._ids_by_name[found]
        return None

    def _add_named(self, text: str) -> None:
        if not text.strip():
            return
        pid = self._match(text)
        if pid is None:
            self._say(f"No person called \u201c{text.strip()}\u201d")
            return
        self._say("")
        self.person_edit.clear()
        self.add_persons([pid])

    def _say(self, text: str) -> None:
        self.hint.setText(text)
        self.hint.setVisible(bool(text))

    def add_persons(self, person_ids: Sequence[int]) -> None:
        new = [int(p) for p in person_ids if int(p) not in self.person_ids and int(p) >= 0]
        if new:
            self.person_ids.extend(new)
            self._update_chips()
            self.request()

    def remove_person(self, person_id: int) -> None:
        if person_id in self.person_ids:
            self.person_ids.remove(person_id)
            self._update_chips()
            self.request()

    def _update_chips(self) -> None:
        while self.chips.count() > 1:
            w = self.chips.takeAt(0).widget()
            if w is not None:
                w.deleteLater()
        name_of = self._window.person_model.name_of
        for i, pid in enumerate(self.person_ids):
            name = name_of(pid)
            chip = QToolButton(text=f"{name}  \u2715", toolTip=f"Remove {name} from the search")
            chip.setAccessibleName(f"remove {name}")
            chip.clicked.connect(lambda _c=False, p=pid: self.remove_person(p))
            self.chips.insertWidget(i, chip)
        self.age_check.setText(f"&Age of {name_of(self.person_ids[0])}" if self.person_ids
                               else "&Age of the first person")

    def eventFilter(self, obj, event) -> bool:
        # Backspace in the empty field takes the last person out (as in a mail client's address field).
        if (obj is self.person_edit and event.type() == QEvent.Type.KeyPress and event.key() == Qt.Key.Key_Backspace
                and not self.person_edit.text() and self.person_ids):
            self.remove_person(self.person_ids[-1])
            return True
        return super().eventFilter(obj, event)

    def _library_changed(self) -> None:
        self.update_names()
        known = [p for p in self.person_ids if self._window.person_model.summary(p) is not None]
        if known != self.person_ids:
            self.person_ids = known
        self._update_chips()
        self.request()

    # -- the search

    def options(self) -> dict:
        """The search's keyword arguments as the options say them."""
        def day(d: QDateEdit) -> dt.date:
            q = d.date()
            return dt.date(q.year(), q.month(), q.day())

        out: dict = {"only_these": self.only_these.isChecked()}
        if self.date_check.isChecked():
            out["taken_from"], out["taken_to"] = day(self.date_from), day(self.date_to)
        if self.age_check.isChecked():
            out["age_range"] = (float(self.age_from.value()), self.age_to.value() + 0.999)
        if self.faces_check.isChecked():
            out["faces_range"] = (self.faces_from.value(), self.faces_to.value())
        return out

    def _date_span(self, on: bool) -> None:
        """Turning the dates on starts them at the dated results' first and last day."""
        days = [h.taken.date() for h in self.hits if h.dated and h.taken is not None]
        if on and days:
            for edit, d in ((self.date_from, min(days)), (self.date_to, max(days))):
                edit.blockSignals(True)
                edit.setDate(QDate(d.year, d.month, d.day))
                edit.blockSignals(False)

    def request(self, *_args) -> None:
        """Runs the search again shortly (coalescing a burst of changes)."""
        self._timer.start()

    def _run(self) -> None:
        self._generation += 1
        gen, ids, opts = self._generation, list(self.person_ids), self.options()
        if not ids:
            self._show(gen, [])
            self.count_label.setText("Type the name of a person")
            return
        self.count_label.setText("Searching…")
        search, browse = self._search, self._window.browse

        def work() -> list[tuple[PhotoHit, PhotoRow]]:
            hits = search.find(ids, **opts)
            if not hits:
                return []
            # The first person's photos give the previews and the viewer everything they need (the size, every
            # face box), in one read.
            photos = {}
            for p in browse.photos_of_person(ids[0]):
                photos.setdefault((p.media_id, p.frame_s), p)
            return [(h, PhotoRow(photos[(h.media_id, h.frame_s)], h.age)) for h in hits
                    if (h.media_id, h.frame_s) in photos]

        self._window.pools.run(self._window.pools.io, work, lambda res: self._show(gen, res),
                               lambda e: self._failed(gen, e))

    def _show(self, generation: int, results: list[tuple[PhotoHit, PhotoRow]]) -> None:
        if generation != self._generation:
            return  # the persons or the options changed meanwhile: a newer search is on its way
        name_of = self._window.person_model.name_of
        self.hits = [h for h, _r in results]
        self.model.set_results([r for _h, r in results],
                               [", ".join(name_of(p) for p in h.person_ids) for h in self.hits])
        self.count_label.setText(photos_text(len(results)))
        self.export_button.setEnabled(bool(results))
        if results and not self.view.currentIndex().isValid():
            self.view.setCurrentIndex(self.model.index(0, 0))
        self.searched.emit()

    def _failed(self, generation: int, e: BaseException) -> None:
        if generation == self._generation:
            self.count_label.setText(f"The search failed: {e}")

    def export_results(self) -> None:
        """The results into a folder (File → Export Photos… with these photos)."""
        if self.hits:
            name_of = self._window.person_model.name_of
            self._window.export_photos.open_results([name_of(p) for p in self.person_ids], self.hits, self)

    # -- the viewer

    def open_photo(self, index: QModelIndex | None = None) -> PhotoViewer | None:
        index = index if index is not None else self.view.currentIndex()
        if index is None or not index.isValid():
            return None
        photos = [r.photo for r in self.model.rows()]
        browser = self._window.browser
        self.viewer = PhotoViewer(self._window.pools, photos, index.row(), browser.faces_of, self)
        self.viewer.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        if browser.viewer_opened is not None:
            browser.viewer_opened(self.viewer)  # drawing faces works there as on the person page
        self.viewer.open()
        return self.viewer

    def selected_photo(self):
        idx = self.view.currentIndex()
        return idx.data(PhotoRole.Photo) if idx.isValid() else None


def _spin(low: int, high: int, value: int) -> QSpinBox:
    s = QSpinBox()
    s.setRange(low, high)
    s.setValue(value)
    return s


__all__ = ["FindDialog"]
