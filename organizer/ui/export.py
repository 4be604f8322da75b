# SPDX-License-Identifier: MIT
"""The window's File → Export Photos… action: the selected persons' photos (or Find Photos' results) into a folder.

The dialog (:class:`~organizer.ui.dialogs.export_photos.ExportDialog`) asks where and how; the export
(:mod:`organizer.services.photo_export`) runs on a pool thread, never on the GUI thread, with its progress and a
Stop button in the status bar and what it did in the status label at the end. Files that failed are listed in a
message with their reasons. The folder and options chosen last are this desktop's (QSettings), not the library's.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu
from PySide6.QtWidgets import QWidget

from organizer.core.progress import Progress
from organizer.services import photo_export
from organizer.services.photo_export import ExportGroup
from organizer.services.photo_export import ExportMode
from organizer.services.photo_export import ExportOptions
from organizer.services.photo_export import ExportResult
from organizer.services.photo_search import PhotoHit
from organizer.ui.dialogs.export_photos import ExportDialog
from organizer.ui.edit_actions import add_action
from organizer.ui.folder_input import pictures_folder
from organizer.ui.status_job import StatusBarJob

if TYPE_CHECKING:
    from organizer.ui.main_window import MainWindow


class ExportPhotos(StatusBarJob):
    """The Export Photos action, its dialog and the running export (one at a time)."""

    title = "Export Photos"
    stopping_text = "Stopping the export after the current file…"

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window, "Stop Export")
        self._service = window.ctx.photo_export
        self.dialog: ExportDialog | None = None

    def add_action(self, menu: QMenu) -> QAction:
        """File → Export Photos…, enabled while a person is selected in the grid."""
        self.action = add_action(self._window, menu, "&Export Photos…", self.open, "Ctrl+Shift+E",
                                 "Copy or link the selected persons' photos into a folder")
        self._window.people_panel.view.selectionModel().selectionChanged.connect(lambda *_a: self._update_action())
        self._window.refreshed.connect(self._update_action)
        self._update_action()
        return self.action

    def _update_action(self) -> None:
        self.action.setEnabled(self._service is not None and bool(self._window.people_panel.selected_person_ids()))

    # -- the dialog

    def open(self) -> ExportDialog | None:
        """The dialog for the persons selected in the grid; their photos are read on the io pool meanwhile."""
        ids = self._window.people_panel.selected_person_ids()
        if not ids or self._service is None:
            self._window.status_label.setText("Select the persons whose photos to export")
            return None
        name_of = self._window.person_model.name_of
        persons = [(pid, name_of(pid)) for pid in ids]
        dlg = self._open_dialog([n for _p, n in persons], self._window, search=False)
        service = self._service
        pools = self._window.pools
        pools.run(pools.io, lambda: service.person_groups(persons), lambda groups: self._read(dlg, groups),
                  lambda e: self._read(dlg, e))
        return dlg

    def open_results(self, names: Sequence[str], hits: Sequence[PhotoHit], parent: QWidget) -> ExportDialog:
        """The dialog for a search's results (Find Photos' Export… button), each file once."""
        dlg = self._open_dialog(names, parent, search=True)
        dlg.set_groups([photo_export.search_group(", ".join(names), hits)])
        return dlg

    def _open_dialog(self, names: Sequence[str], parent: QWidget, search: bool) -> ExportDialog:
        if self.dialog is not None:
            self.dialog.close()
        s = self._window.settings
        mode = str(s.value("export/mode", ExportMode.COPY))
        dlg = ExportDialog(names, str(s.value("export/folder", os.path.join(pictures_folder(), "Exported"))),
                           parent, search=search,
                           mode=ExportMode(mode) if mode in set(ExportMode) else ExportMode.COPY,
                           per_person=_flag(s.value("export/per_person", False)),
                           sidecars=_flag(s.value("export/sidecars", False)))
        dlg.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dlg.accepted.connect(lambda: self.start(dlg.groups, dlg.options()))
        dlg.destroyed.connect(lambda *_a, d=dlg: self._closed(d))
        self.dialog = dlg
        dlg.open()
        return dlg

    def _read(self, dlg: ExportDialog, groups: list[ExportGroup] | BaseException) -> None:
        if self.dialog is not dlg:
            return  # closed meanwhile
        if isinstance(groups, BaseException):
            dlg.failed(str(groups))
        else:
            dlg.set_groups(groups)

    def _closed(self, dlg: ExportDialog) -> None:
        if self.dialog is dlg:
            self.dialog = None

    # -- the export

    def start(self, groups: Sequence[ExportGroup], options: ExportOptions) -> bool:
        """Starts the export (False when one is running already); the result comes in :attr:`finished`."""
        if self.worker is not None:
            self._window.status_label.setText("An export is running: wait for it to finish, or stop it")
            return False
        s = self._window.settings
        s.setValue("export/folder", options.folder)
        s.setValue("export/mode", str(options.mode))
        s.setValue("export/per_person", options.per_group_folders)
        s.setValue("export/sidecars", options.sidecars)
        self.launch(lambda cancel: photo_export.run(groups, options, cancel), f"Exporting to {options.folder}…")
        return True

    def progress_text(self, p: Progress) -> str:
        name = os.path.basename(p.path) if p.path else ""
        failed = f", {p.errors} failed" if p.errors else ""
        return f"Exporting {name}   {p.done}/{p.total}{failed}"

    def failed_text(self, e: BaseException) -> str:
        return f"Export failed: {e}"

    def summary(self, result: ExportResult | None) -> str:
        return result.summary() if result is not None else "Export stopped"

    def failures_text(self, n: int) -> str:
        return f"{n} of the files could not be exported."


def _flag(value: object) -> bool:
    """A QSettings boolean (an INI file gives it back as the text "true" or "false")."""
    return value is True or str(value).lower() == "true"
