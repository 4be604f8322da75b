# SPDX-License-Identifier: MIT
"""The empty library: what to do first, in large type, and an Add Folder button."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout
from PySide6.QtWidgets import QLabel
from PySide6.QtWidgets import QPushButton
from PySide6.QtWidgets import QVBoxLayout
from PySide6.QtWidgets import QWidget

EMPTY_TEXT = "Drop folders with photos and videos here"


class EmptyState(QWidget):
    """Emits ``add_clicked`` for the Add Folder… button (dropping folders is handled by the window)."""

    add_clicked = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        lay = QVBoxLayout(self)
        self.label = QLabel(EMPTY_TEXT, alignment=Qt.AlignmentFlag.AlignCenter)
        f = self.label.font()
        f.setPointSizeF(f.pointSizeF() * 1.8)
        self.label.setFont(f)
        add = QPushButton("Add Folder…")
        add.clicked.connect(self.add_clicked)
        lay.addStretch(1)
        lay.addWidget(self.label)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(add)
        row.addStretch(1)
        lay.addLayout(row)
        lay.addStretch(1)
