# SPDX-License-Identifier: MIT
"""The window's Photos → Find Photos… (Ctrl+F) action and its single search window
(:class:`~organizer.ui.dialogs.find.FindDialog`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject
from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QMenu

from organizer.ui.dialogs.find import FindDialog
from organizer.ui.edit_actions import add_action

if TYPE_CHECKING:
    from organizer.ui.main_window import MainWindow


class FindPhotos(QObject):
    """The window's Find Photos action and its (single) dialog."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self._window = window
        self.dialog: FindDialog | None = None
        self._search = window.ctx.search

    def add_action(self, menu: QMenu):
        self.action = add_action(self._window, menu, "&Find Photos…", self.open, QKeySequence.StandardKey.Find,
                                 "Find the photos that show some persons together")
        self.action.setEnabled(self._search is not None)
        return self.action

    def open(self) -> FindDialog:
        """Shows the dialog (again), with the persons selected in the grid added, the focus in the name field."""
        if self.dialog is None:
            assert self._search is not None, "the action is disabled without a search service"
            self.dialog = FindDialog(self._window, self._search)
            self.dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            self.dialog.destroyed.connect(self._closed)
        self.dialog.add_persons(self._window.people_panel.selected_person_ids())
        self.dialog.request()
        self.dialog.show()
        self.dialog.raise_()
        self.dialog.activateWindow()
        self.dialog.person_edit.setFocus()
        return self.dialog

    def _closed(self, *_args) -> None:
        self.dialog = None
