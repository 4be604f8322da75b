# SPDX-License-Identifier: MIT
"""The Timeline's model: the library's files by date as rows of a list — a year's header, a month's header, and
strips of as many previews as the view has columns.

A row per file would make the list view lay out (and ask the size of) 100 000 items of two heights; a row per
strip is ~12 000 rows for 100 000 files, each a plain tuple, rebuilt in a few milliseconds when the number of
columns changes. Previews are decoded on the io pool, only for the strips being painted, and kept in a small LRU
cache.
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Sequence
from dataclasses import dataclass
from enum import IntEnum

from PySide6.QtCore import QAbstractListModel
from PySide6.QtCore import QModelIndex
from PySide6.QtCore import QPersistentModelIndex
from PySide6.QtCore import Qt
from PySide6.QtCore import QTimer
from PySide6.QtCore import Signal
from PySide6.QtGui import QColor
from PySide6.QtGui import QImage
from PySide6.QtGui import QPixmap

from organizer.services.timeline import MonthGroup
from organizer.services.timeline import TimelineItem
from organizer.services.timeline import month_groups
from organizer.ui.images import read_image
from organizer.ui.images import read_video_frame
from organizer.ui.models.lru import LruCache
from organizer.ui.models.photo_model import photo_date
from organizer.ui.workers import Pools

#: The longer side of a timeline preview.
THUMB_SIDE = 150
#: Previews rendered per io-pool task.
FETCH_BATCH = 6
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December")


class RowKind(IntEnum):
    YEAR = 0
    MONTH = 1
    STRIP = 2


class TimelineRole(IntEnum):
    Kind = Qt.ItemDataRole.UserRole + 1
    #: A strip's items: ``(start, stop)`` indexes into :meth:`TimelineModel.items`.
    Span = Qt.ItemDataRole.UserRole + 2
    #: A header's count line ("123 photos").
    Count = Qt.ItemDataRole.UserRole + 3


@dataclass(frozen=True, slots=True)
class Row:
    kind: RowKind
    #: YEAR: the year (None: undated); MONTH: the group's index; STRIP: the first item.
    value: int | None
    #: STRIP: one past its last item.
    stop: int = 0


def files_text(n: int) -> str:
    return f"{n:,} file" if n == 1 else f"{n:,} files"


def item_text(item: TimelineItem, names: Sequence[str]) -> str:
    """What hovering a preview says: who is on it, and when and where it is."""
    when = photo_date(item.taken, item.date_source)
    if names:
        who = ", ".join(names[:4]) + (f" and {len(names) - 4} more" if len(names) > 4 else "")
        unnamed = item.n_faces - len(names)
        if unnamed > 0:
            who += f" (+{unnamed} face{'s' if unnamed > 1 else ''} of no person)"
    elif item.n_faces:
        who = f"{item.n_faces} face{'s' if item.n_faces > 1 else ''}, in no person yet"
    else:
        who = "no faces"
    video = "video · " if item.kind == "video" else ""
    return f"{who}\n{video}{when}\n{item.path}"


class TimelineModel(QAbstractListModel):
    """Rows are :class:`Row`; :meth:`set_items` takes the files, :meth:`set_columns` the view's width in previews."""

    #: Previews were made: the view repaints what it shows.
    previews_arrived = Signal()

    def __init__(self, pools: Pools, name_of: Callable[[int], str], capacity: int = 1500, parent=None) -> None:
        super().__init__(parent)
        self._pools = pools
        self._name_of = name_of
        self._items: list[TimelineItem] = []
        self._index_of: dict[int, int] = {}
        self._groups: list[MonthGroup] = []
        self._year_counts: dict[int | None, int] = {}
        self._rows: list[Row] = []
        #: The strip row of each item's first strip position: item index -> row, for scrolling to an item.
        self._strip_starts: list[int] = []
        self._columns = 1
        self._cache: LruCache[int, QPixmap] = LruCache(capacity)
        self._wanted: dict[int, TimelineItem] = {}
        self._in_flight: set[int] = set()
        self._generation = 0
        self._timer = QTimer(self, singleShot=True, interval=0)
        self._timer.timeout.connect(self._fetch)
        self._placeholder = QPixmap(THUMB_SIDE, THUMB_SIDE * 3 // 4)
        self._placeholder.fill(QColor(128, 128, 128, 60))
        self._unreadable = QPixmap(THUMB_SIDE, THUMB_SIDE * 3 // 4)
        self._unreadable.fill(QColor(160, 60, 60, 70))

    # -- content

    def set_items(self, items: Sequence[TimelineItem]) -> None:
        """The library's files in :meth:`Timeline.items <organizer.services.timeline.Timeline.items>` order."""
        self._items = list(items)
        self._index_of = {it.media_id: i for i, it in enumerate(self._items)}
        self._groups = month_groups(self._items)
        self._year_counts = {}
        for g in self._groups:
            self._year_counts[g.year] = self._year_counts.get(g.year, 0) + len(g)
        self._generation += 1  # previews of the previous load arriving late are dropped
        self._wanted.clear()
        self._in_flight.clear()
        self._layout()

    def set_columns(self, columns: int) -> bool:
        """The number of previews per strip; True when it changed (the rows were rebuilt)."""
        columns = max(1, columns)
        if columns == self._columns:
            return False
        self._columns = columns
        self._layout()
        return True

    def _layout(self) -> None:
        self.beginResetModel()
        rows: list[Row] = []
        starts = [0] * len(self._items)
        year: object = object()
        cols = self._columns
        for gi, g in enumerate(self._groups):
            if g.year != year:
                year = g.year
                rows.append(Row(RowKind.YEAR, g.year))
            if g.year is not None:
                rows.append(Row(RowKind.MONTH, gi))
            for i in range(g.start, g.stop, cols):
                stop = min(i + cols, g.stop)
                starts[i:stop] = [len(rows)] * (stop - i)
                rows.append(Row(RowKind.STRIP, i, stop))
        self._rows, self._strip_starts = rows, starts
        self.endResetModel()

    @property
    def columns(self) -> int:
        return self._columns

    def items(self) -> list[TimelineItem]:
        return self._items

    def groups(self) -> list[MonthGroup]:
        return self._groups

    def year_count(self, year: int | None) -> int:
        """How many files the year (None: undated) holds."""
        return self._year_counts.get(year, 0)

    def row(self, i: int) -> Row:
        return self._rows[i]

    def row_of_item(self, item: int) -> int:
        """The strip row showing item number ``item``."""
        return self._strip_starts[item]

    def header_row(self, group: int) -> int:
        """The header row of month group ``group`` (its year's header for the first month of a year)."""
        row = self._strip_starts[self._groups[group].start]
        while row > 0 and self._rows[row - 1].kind != RowKind.STRIP:
            row -= 1
        return row

    def item_at(self, row: int, column: int) -> int | None:
        """The item shown at ``column`` of strip row ``row``, or None."""
        if not 0 <= row < len(self._rows) or column < 0:
            return None
        r = self._rows[row]
        if r.kind != RowKind.STRIP or r.value is None:
            return None
        i = r.value + column
        return i if i < r.stop else None

    def names(self, item: TimelineItem) -> list[str]:
        return [self._name_of(p) for p in item.person_ids]

    def tooltip(self, i: int) -> str:
        item = self._items[i]
        return item_text(item, self.names(item))

    # -- Qt

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        r = self._rows[index.row()]
        if role == TimelineRole.Kind:
            return int(r.kind)
        if role == TimelineRole.Span:
            return (r.value, r.stop) if r.kind == RowKind.STRIP else None
        if role == Qt.ItemDataRole.DisplayRole:
            if r.kind == RowKind.YEAR:
                return str(r.value) if r.value is not None else "No date"
            if r.kind == RowKind.MONTH and r.value is not None:
                g = self._groups[r.value]
                return f"{MONTHS[(g.month or 1) - 1]} {g.year}"
            return None
        if role == TimelineRole.Count:
            if r.kind == RowKind.YEAR:
                return files_text(self._year_counts.get(r.value, 0))
            if r.kind == RowKind.MONTH and r.value is not None:
                return files_text(len(self._groups[r.value]))
        return None

    def flags(self, index: QModelIndex | QPersistentModelIndex) -> Qt.ItemFlag:
        # The view keeps its own current preview (a strip holds several): rows themselves are not selectable.
        return Qt.ItemFlag.ItemIsEnabled if index.isValid() else Qt.ItemFlag.NoItemFlags

    # -- previews

    def preview(self, i: int) -> QPixmap:
        """Item ``i``'s preview if it is made, else a placeholder (and it is asked for)."""
        item = self._items[i]
        pm = self._cache.get(item.media_id)
        if pm is not None:
            return pm
        if item.media_id not in self._in_flight:
            self._wanted[item.media_id] = item
            self._timer.start()
        return self._placeholder

    def is_unreadable(self, pm: QPixmap) -> bool:
        return pm is self._unreadable

    def _fetch(self) -> None:
        # Only what was painted since the last fetch is wanted: strips scrolled past are not decoded.
        todo = list(self._wanted.values())
        self._wanted.clear()
        if not todo:
            return
        self._in_flight.update(it.media_id for it in todo)
        gen = self._generation
        for k in range(0, len(todo), FETCH_BATCH):
            batch = todo[k:k + FETCH_BATCH]
            self._pools.run(self._pools.io, lambda b=batch: {it.media_id: render(it) for it in b},
                            lambda res, g=gen: self._arrived(g, res))

    def _arrived(self, generation: int, images: dict[int, QImage]) -> None:
        if generation != self._generation:
            return
        for mid, img in images.items():
            self._in_flight.discard(mid)
            self._cache.put(mid, QPixmap.fromImage(img) if not img.isNull() else self._unreadable)
        # Not dataChanged: a list view of rows of several heights lays out every row again on it (20 000 size
        # hints per arrival at 100 000 files). The rows' sizes do not change; the view only repaints.
        self.previews_arrived.emit()


def render(item: TimelineItem, side: int = THUMB_SIDE) -> QImage:
    """The preview of a file (on a pool thread): the photo scaled while decoding, or a video's first face frame."""
    if item.kind == "video":
        return read_video_frame(item.path, item.frame_s or 0.0, side)
    return read_image(item.path, side)
