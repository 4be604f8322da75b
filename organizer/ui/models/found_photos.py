# SPDX-License-Identifier: MIT
"""The results of Find Photos: whole photos, captioned with the date, the first person's age and who is on it."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QModelIndex
from PySide6.QtCore import QPersistentModelIndex
from PySide6.QtCore import Qt

from organizer.ui.models.photo_model import PhotoGridModel
from organizer.ui.models.photo_model import PhotoRow
from organizer.ui.models.photo_model import photo_date


def photos_text(n: int) -> str:
    return "1 photo" if n == 1 else f"{n} photos"


class FoundPhotosModel(PhotoGridModel):
    """The results: a :class:`PhotoGridModel` (the first person's face highlighted) captioned with the date, the
    first person's age, and the names of everyone on the photo."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._names: list[str] = []

    def set_results(self, rows: Sequence[PhotoRow], names: Sequence[str]) -> None:
        self._names = list(names)
        self.set_rows(rows)

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if role == Qt.ItemDataRole.DisplayRole and index.isValid() and 0 <= index.row() < len(self._names):
            r = self.row(index.row())
            p = r.photo
            first = photo_date(p.taken, p.date_source)
            if r.age_at_photo is not None:
                first += f" \u00b7 age {r.age_at_photo:.0f}"
            if p.kind == "video" and p.frame_s is not None:
                first += f" \u00b7 \u25b6 {p.frame_s:.1f} s"
            return f"{first}\n{self._names[index.row()]}"
        if role == Qt.ItemDataRole.ToolTipRole and index.isValid() and 0 <= index.row() < len(self._names):
            return f"{self.row(index.row()).photo.path}\n{self._names[index.row()]}"
        return super().data(index, role)
