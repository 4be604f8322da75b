# SPDX-License-Identifier: MIT
"""A person's exact birth date, entered by hand: a date field with a calendar, or "Not known" to clear it.

The date entered replaces the birth year estimated from the faces (the grid's "b. 1980", the ages at the photos,
the demography pane); "Not known" brings the estimate back.
"""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QDate
from PySide6.QtWidgets import QCheckBox
from PySide6.QtWidgets import QDateEdit
from PySide6.QtWidgets import QDialog
from PySide6.QtWidgets import QDialogButtonBox
from PySide6.QtWidgets import QFormLayout
from PySide6.QtWidgets import QLabel
from PySide6.QtWidgets import QVBoxLayout
from PySide6.QtWidgets import QWidget

#: The earliest date the field accepts.
EARLIEST = dt.date(1850, 1, 1)
#: The field's display format: unambiguous in every locale.
DATE_FORMAT = "yyyy-MM-dd"


class BirthDateDialog(QDialog):
    """Asks for ``who``'s birth date; :meth:`birth_date` is the answer (None: not known)."""

    def __init__(self, who: str, current: dt.date | None, estimated_year: int | None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Set Birth Date")
        today = dt.date.today()
        intro = QLabel(f"When was “{who}” born?")
        intro.setWordWrap(True)
        self.date_edit = QDateEdit()
        self.date_edit.setObjectName("birth_date")
        self.date_edit.setCalendarPopup(True)
        self.date_edit.setDisplayFormat(DATE_FORMAT)
        self.date_edit.setDateRange(QDate(EARLIEST), QDate(today))
        start = current or (dt.date(min(max(estimated_year, EARLIEST.year), today.year), 1, 1)
                            if estimated_year is not None else dt.date(today.year - 30, 1, 1))
        self.date_edit.setDate(QDate(start))
        self.not_known = QCheckBox("&Not known")
        self.not_known.setToolTip("Use the birth year estimated from the faces")
        self.not_known.toggled.connect(lambda on: self.date_edit.setEnabled(not on))
        # opened to set a date: the field is ready; "Not known" is there to clear a date entered before
        self.not_known.setChecked(False)
        hint = QLabel("Replaces the birth year estimated from the faces"
                      + (f" ({estimated_year})." if estimated_year is not None and current is None else "."))
        hint.setWordWrap(True)
        hint.setEnabled(False)  # secondary text
        form = QFormLayout()
        form.addRow("&Birth date:", self.date_edit)
        form.addRow("", self.not_known)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addWidget(intro)
        lay.addLayout(form)
        lay.addWidget(hint)
        lay.addWidget(self.buttons)
        self.date_edit.setFocus()

    def birth_date(self) -> dt.date | None:
        """The date entered, or None when "Not known" is checked."""
        if self.not_known.isChecked():
            return None
        return self.date_edit.date().toPython()

    def set_birth_date(self, date: dt.date | None) -> None:
        """Fill in the answer (a date, or None for "Not known")."""
        self.not_known.setChecked(date is None)
        if date is not None:
            self.date_edit.setDate(QDate(date))
