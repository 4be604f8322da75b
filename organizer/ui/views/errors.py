# SPDX-License-Identifier: MIT
"""The errors dock: the files the library could not read, and why; it opens by itself when a run adds some, and
closes by itself when there are none left."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDockWidget
from PySide6.QtWidgets import QMainWindow
from PySide6.QtWidgets import QTreeWidget
from PySide6.QtWidgets import QTreeWidgetItem
from PySide6.QtWidgets import QWidget

from organizer.ui.images import display_path

#: Height the dock gets when it opens by itself (the rest stays with the grids).
OPEN_HEIGHT = 150


class ErrorsDock(QDockWidget):
    """Lists ``errors`` (with ``path`` and ``message``); hidden until the user or a run with new errors opens it.

    The window calls :meth:`run_started` when indexing starts: the first :meth:`set_errors` after it that has more
    errors than before (maybe only the refresh after the run ended) shows the dock, once.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Errors", parent)
        self.setObjectName("errors")
        self.error_list = QTreeWidget()
        self.error_list.setHeaderLabels(["File", "Problem"])
        self.error_list.setRootIsDecorated(False)
        self.error_list.setTextElideMode(Qt.TextElideMode.ElideMiddle)  # the file name end is what matters
        self.error_list.setUniformRowHeights(True)
        self.setWidget(self.error_list)
        self._before_run: int | None = None
        self.hide()
        self.toggleViewAction().setEnabled(False)  # nothing to show yet

    def count(self) -> int:
        return self.error_list.topLevelItemCount()

    def run_started(self) -> None:
        self._before_run = self.count()

    def set_errors(self, errors: Sequence) -> None:
        self.error_list.clear()
        for err in errors:
            item = QTreeWidgetItem(self.error_list, [display_path(err.path), err.message])
            item.setToolTip(0, display_path(err.path))
            # the plain words in the list, the decoder's own words (when known) in the tooltip
            detail = getattr(err, "detail", None)
            item.setToolTip(1, f"{err.message}\n\nDetails: {detail}" if detail else err.message)
        self.setWindowTitle(f"Errors ({len(errors)})")
        # An empty panel only takes room from the grids: it closes, and View → Errors waits for something to show.
        self.toggleViewAction().setEnabled(bool(errors))
        if not errors:
            self.hide()
        else:
            # Paths get what they need, up to two thirds of the panel; the messages get the rest.
            self.error_list.resizeColumnToContents(0)
            self.error_list.setColumnWidth(0, min(self.error_list.columnWidth(0),
                                                  max(200, self.error_list.viewport().width() * 2 // 3)))
        if self._before_run is not None and len(errors) > self._before_run:
            self._before_run = None
            self.show()
            window = self.parentWidget()
            if isinstance(window, QMainWindow):
                window.resizeDocks([self], [OPEN_HEIGHT], Qt.Orientation.Vertical)
