# SPDX-License-Identifier: MIT
"""The people grid model: one row per person (plus "Review" and "Unsorted faces"), with named roles, and its filter
proxy."""

from __future__ import annotations

import json
from collections.abc import Sequence
from enum import IntEnum

from PySide6.QtCore import QAbstractListModel
from PySide6.QtCore import QMimeData
from PySide6.QtCore import QModelIndex
from PySide6.QtCore import QPersistentModelIndex
from PySide6.QtCore import QSortFilterProxyModel
from PySide6.QtCore import Qt
from PySide6.QtCore import Signal

from organizer.services.person_queries import PersonSummary
from organizer.ui.models.thumbnails import ThumbnailCache

#: Mime type of dragged faces: a JSON list of face ids.
FACES_MIME = "application/x-organizer-face-ids"
#: Person id of the "Unsorted faces" entry.
UNSORTED_ID = -1
#: Person id of the "Review" entry (the questions of :mod:`organizer.services.review`).
REVIEW_ID = -2
#: The UI's only gender-symbol table: use :func:`gender_symbol`.
_GENDER_SYMBOL = {"male": "\u2642", "female": "\u2640"}


class Role(IntEnum):
    PersonId = Qt.ItemDataRole.UserRole + 1
    Name = Qt.ItemDataRole.UserRole + 2
    PhotoCount = Qt.ItemDataRole.UserRole + 3
    FaceCount = Qt.ItemDataRole.UserRole + 4
    Gender = Qt.ItemDataRole.UserRole + 5
    BirthYear = Qt.ItemDataRole.UserRole + 6
    Hidden = Qt.ItemDataRole.UserRole + 7
    CoverFaceId = Qt.ItemDataRole.UserRole + 8
    Summary = Qt.ItemDataRole.UserRole + 9
    #: The name shown: the person's name, else "Person N" (see :meth:`PersonGridModel.name_of`).
    Title = Qt.ItemDataRole.UserRole + 10


class SortKey(IntEnum):
    PHOTOS = 0
    NAME = 1
    BIRTH_YEAR = 2


#: What an unnamed person the grid does not show (a hidden one) is called.
UNNAMED = "Unnamed person"


def display_name(p: PersonSummary, number: int | None = None) -> str:
    """The person's name, else "Person ``number``" (the number the grid gives it), else :data:`UNNAMED`."""
    if p.name:
        return p.name
    return f"Person {number}" if number is not None else UNNAMED


def number_persons(persons: Sequence[PersonSummary]) -> dict[int, int]:
    """Numbers 1..N for the persons in the grid's first order (most photos first, then the oldest); an unnamed
    person is shown as "Person <its number>".

    The numbers follow what the user sees, never the database's ids (which run into the thousands after a few
    re-clusterings). Named persons keep their numbers too, so that naming one does not renumber the others; sorting
    or filtering the grid keeps them; a merge, a split or new photos that change the order renumber.
    """
    ranked = sorted(persons, key=lambda p: (-p.n_photos, p.id))
    return {p.id: i for i, p in enumerate(ranked, 1)}


def gender_symbol(gender: str | None) -> str:
    """\u2642 or \u2640 for an estimated gender, "" when unknown."""
    return _GENDER_SYMBOL.get(gender or "", "")


def detail_lines(p: PersonSummary) -> tuple[str, str]:
    """The two lines under a name: photo count and gender symbol, then the estimated birth year and its range."""
    first = f"{p.n_photos} photo{'s' if p.n_photos != 1 else ''}"
    if gender_symbol(p.gender):
        first += f" \u00b7 {gender_symbol(p.gender)}"
    second = "b. ?"  # no photo of the person says when it was taken
    if p.birth_year is not None:
        exact = not p.birth_year_range or p.birth_year_range[0] == p.birth_year_range[1]  # a date the user gave
        rng = "" if exact else f" ({p.birth_year_range[0]}\u2013{p.birth_year_range[1]})"
        second = f"b. {p.birth_year}{rng}"
    return first, second


def questions_text(count: int) -> str:
    """What the "Review" entry says under its name: "12 questions", or that there is nothing to review."""
    return f"{count} question{'s' if count != 1 else ''}" if count else "Nothing to review"


def describe(p: PersonSummary) -> str:
    """The details on one line: photos, gender symbol, estimated birth year and its range."""
    return " \u00b7 ".join(line for line in detail_lines(p) if line)


class PersonGridModel(QAbstractListModel):
    """Persons as the people grid shows them; edits are requested through signals, never applied here.

    The main window turns ``rename_requested`` and ``faces_dropped`` into undoable commands, then refreshes the
    model with :meth:`set_persons`.
    """

    rename_requested = Signal(int, str)
    faces_dropped = Signal(list, int)

    def __init__(self, thumbnails: ThumbnailCache, parent=None) -> None:
        super().__init__(parent)
        self._thumbs = thumbnails
        self._persons: list[PersonSummary] = []
        self._unsorted = 0
        #: Questions of the review (None: not known yet, no "Review" entry).
        self._review: int | None = None
        self._sort = SortKey.PHOTOS
        self._row_of_face: dict[int, int] = {}
        self._numbers: dict[int, int] = {}
        self._by_id: dict[int, PersonSummary] = {}
        thumbnails.loaded.connect(self._thumbnails_loaded)

    # -- filling

    def set_persons(self, persons: Sequence[PersonSummary], unsorted_faces: int) -> None:
        self.beginResetModel()
        self._persons = list(persons)
        self._unsorted = unsorted_faces
        self._numbers = number_persons(self._persons)
        self._by_id = {p.id: p for p in self._persons}
        self._sort_rows()
        self.endResetModel()

    def sort_by(self, key: SortKey) -> None:
        self._sort = SortKey(key)
        self.layoutAboutToBeChanged.emit()
        old = [p.id for p in self._persons]
        persistent = self.persistentIndexList()
        self._sort_rows()
        new = {p.id: i for i, p in enumerate(self._persons)}
        offset = self._offset()
        for idx in persistent:
            r = idx.row() - offset
            if 0 <= r < len(old):
                self.changePersistentIndex(idx, self.index(new[old[r]] + offset, 0))
        self.layoutChanged.emit()

    def _sort_rows(self) -> None:
        if self._sort == SortKey.NAME:
            # Named persons by name, then the unnamed ones by their number.
            self._persons.sort(key=lambda p: (not p.name, (p.name or "").casefold(), self._numbers.get(p.id, 0), p.id))
        elif self._sort == SortKey.BIRTH_YEAR:
            self._persons.sort(key=lambda p: (p.birth_year is None, p.birth_year or 0, p.id))
        else:
            self._persons.sort(key=lambda p: (-p.n_photos, p.id))
        self._index_faces()

    def _index_faces(self) -> None:
        off = self._offset()
        self._row_of_face = {p.cover_face_id: i + off for i, p in enumerate(self._persons)
                             if p.cover_face_id is not None}

    def set_review_count(self, count: int | None) -> None:
        """How many review questions there are (None: unknown); the "Review" entry shows once it is known and the
        library has persons."""
        before, after = self._review_shown(), count is not None and bool(count or self._persons)
        if before != after:
            (self.beginInsertRows if after else self.beginRemoveRows)(QModelIndex(), 0, 0)
        self._review = count
        if before != after:
            self._index_faces()
            (self.endInsertRows if after else self.endRemoveRows)()
        elif after:
            self.dataChanged.emit(self.index(0, 0), self.index(0, 0))

    def review_count(self) -> int | None:
        return self._review if self._review_shown() else None

    def _review_shown(self) -> bool:
        return self._review is not None and bool(self._review or self._persons)

    def _offset(self) -> int:
        return int(self._review_shown()) + (1 if self._unsorted else 0)

    def person(self, row: int) -> PersonSummary | None:
        r = row - self._offset()
        return self._persons[r] if 0 <= r < len(self._persons) else None

    def row_of(self, person_id: int) -> int:
        if person_id == REVIEW_ID:
            return 0 if self._review_shown() else -1
        if person_id == UNSORTED_ID:
            return int(self._review_shown()) if self._unsorted else -1
        return next((i + self._offset() for i, p in enumerate(self._persons) if p.id == person_id), -1)

    def persons(self) -> list[PersonSummary]:
        return list(self._persons)

    def title(self, p: PersonSummary) -> str:
        """What the grid calls ``p``: its name, else "Person N" (:func:`number_persons`)."""
        return display_name(p, self._numbers.get(p.id))

    def summary(self, person_id: int) -> PersonSummary | None:
        """The person ``person_id`` if the grid has it."""
        return self._by_id.get(person_id)

    def name_of(self, person_id: int | None) -> str:
        """What the grid calls the person ``person_id`` (also one it does not show: :data:`UNNAMED`)."""
        if person_id == UNSORTED_ID:
            return "Unsorted faces"
        if person_id == REVIEW_ID:
            return "Review"
        p = self._by_id.get(person_id) if person_id is not None else None
        return self.title(p) if p is not None else UNNAMED

    # -- Qt model API

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._persons) + self._offset()

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not 0 <= index.row() < self.rowCount():
            return None
        p = self.person(index.row())
        if p is None:
            return self._review_data(role) if index.row() == self.row_of(REVIEW_ID) else self._unsorted_data(role)
        if role == Qt.ItemDataRole.DisplayRole:
            return f"{self.title(p)}\n{describe(p)}"
        if role == Role.Title:
            return self.title(p)
        if role == Qt.ItemDataRole.EditRole or role == Role.Name:
            return p.name or ""
        if role == Qt.ItemDataRole.DecorationRole:
            return self._thumbs.get(p.cover_face_id)
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"{self.title(p)}: {p.n_faces} faces in {p.n_photos} photos" + (" (hidden)" if p.hidden else "")
        return {Role.PersonId: p.id, Role.PhotoCount: p.n_photos, Role.FaceCount: p.n_faces, Role.Gender: p.gender,
                Role.BirthYear: p.birth_year, Role.Hidden: p.hidden, Role.CoverFaceId: p.cover_face_id,
                Role.Summary: p}.get(role)

    def _review_data(self, role: int):
        if role == Qt.ItemDataRole.DisplayRole:
            return f"Review\n{questions_text(self._review or 0)}"
        if role == Role.PersonId:
            return REVIEW_ID
        if role == Role.Title:
            return "Review"
        if role == Qt.ItemDataRole.ToolTipRole:
            return "Questions about faces and persons the grouping was not sure of"
        return None

    def _unsorted_data(self, role: int):
        if role == Qt.ItemDataRole.DisplayRole:
            return f"Unsorted faces\n{self._unsorted} face{'s' if self._unsorted != 1 else ''}"
        if role == Role.PersonId:
            return UNSORTED_ID
        if role == Role.FaceCount:
            return self._unsorted
        if role == Qt.ItemDataRole.ToolTipRole:
            return "Faces that belong to no person yet"
        return None

    def flags(self, index: QModelIndex | QPersistentModelIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        f = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if self.person(index.row()) is not None:
            f |= Qt.ItemFlag.ItemIsEditable | Qt.ItemFlag.ItemIsDropEnabled
        return f

    def setData(self, index: QModelIndex | QPersistentModelIndex, value, role: int = Qt.ItemDataRole.EditRole):
        p = self.person(index.row()) if index.isValid() else None
        if p is None or role != Qt.ItemDataRole.EditRole:
            return False
        name = str(value).strip()
        if name != (p.name or ""):
            self.rename_requested.emit(p.id, name)
        return False  # the view is updated by the refresh after the undoable rename

    def roleNames(self) -> dict[int, bytes]:
        names = super().roleNames()
        names.update({int(r): r.name.encode() for r in Role})
        return names

    # -- drops of faces onto a person

    def mimeTypes(self) -> list[str]:
        return [FACES_MIME]

    def supportedDropActions(self) -> Qt.DropAction:
        return Qt.DropAction.MoveAction

    def canDropMimeData(self, data: QMimeData, action, row: int, column: int, parent) -> bool:
        return data.hasFormat(FACES_MIME) and parent.isValid() and self.person(parent.row()) is not None

    def dropMimeData(self, data: QMimeData, action, row: int, column: int, parent) -> bool:
        if not self.canDropMimeData(data, action, row, column, parent):
            return False
        face_ids = [int(i) for i in json.loads(bytes(data.data(FACES_MIME)).decode())]
        if face_ids:
            self.faces_dropped.emit(face_ids, self.person(parent.row()).id)
        return False  # nothing to remove at the source: the refresh shows the move

    def _thumbnails_loaded(self, face_ids: list[int]) -> None:
        rows = [self._row_of_face[f] for f in face_ids if f in self._row_of_face]
        if rows:
            lo, hi = min(rows), max(rows)
            self.dataChanged.emit(self.index(lo, 0), self.index(hi, 0), [Qt.ItemDataRole.DecorationRole])


class PersonFilterProxy(QSortFilterProxyModel):
    """Filters persons by name (case-insensitive substring); "Review" and "Unsorted faces" show when not filtering."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._text = ""

    def set_text(self, text: str) -> None:
        self.beginFilterChange()
        self._text = text.strip().casefold()
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def filterAcceptsRow(self, source_row: int, source_parent) -> bool:
        if not self._text:
            return True
        src = self.sourceModel()
        p = src.person(source_row)
        if p is None:
            return False
        return self._text in src.title(p).casefold()
