# SPDX-License-Identifier: MIT
"""Folders coming in: the Add Folder dialog and drops, neither of which may ever touch the library file.

Qt's own file dialog asks its MIME database for every file it lists, and the MIME database opens the file to
sniff it: browsing the library's folder opened and closed the library, and POSIX then drops every lock SQLite
holds on it in this process (``organizer.db.lock``). The dialog here lists folders only and names entries by
their kind alone, so nothing but SQLite ever opens the library (``tests/ui/test_opened_only_by_sqlite.py``).
"""

from __future__ import annotations

import os
from typing import Any

from PySide6.QtCore import QFileInfo
from PySide6.QtCore import QStandardPaths
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog
from PySide6.QtWidgets import QFileIconProvider
from PySide6.QtWidgets import QWidget

from organizer.ui.images import local_path


class KindOnlyIconProvider(QFileIconProvider):
    """Icons and type names from whether an entry is a folder, never from the file's contents."""

    def icon(self, what):  # type: ignore[override]  # Qt's overloads: an IconType or a QFileInfo
        if isinstance(what, QFileInfo):
            kind = QFileIconProvider.IconType.Folder if what.isDir() else QFileIconProvider.IconType.File
            return super().icon(kind)
        return super().icon(what)

    def type(self, info: QFileInfo) -> str:
        return "Folder" if info.isDir() else "File"


def folder_dialog(parent: QWidget | None, start: str) -> QFileDialog:
    """The Add Folder dialog: Qt's own (a platform dialog may sniff files in this process), folders only,
    entries named by kind only, so it never opens a file it lists."""
    dlg = QFileDialog(parent, "Add Folder", start)
    dlg.setFileMode(QFileDialog.FileMode.Directory)
    dlg.setOptions(QFileDialog.Option.ShowDirsOnly | QFileDialog.Option.DontUseNativeDialog
                   | QFileDialog.Option.DontResolveSymlinks)
    dlg._icons = KindOnlyIconProvider()  # type: ignore[attr-defined]  # the dialog does not own its provider
    dlg.setIconProvider(dlg._icons)  # type: ignore[attr-defined]
    return dlg


def choose_folder(parent: QWidget, start: str) -> str | None:
    """Asks for a folder (window-modal) in :func:`folder_dialog`; None when cancelled."""
    dlg = folder_dialog(parent, start)
    try:
        if dlg.exec() and dlg.selectedFiles():
            return dlg.selectedFiles()[0]
        return None
    finally:
        dlg.deleteLater()


def pictures_folder() -> str:
    """Where Add Folder starts: the user's Pictures folder, else the home folder (never the program's folder)."""
    for path in QStandardPaths.standardLocations(QStandardPaths.StandardLocation.PicturesLocation):
        if os.path.isdir(path):
            return path
    return os.path.expanduser("~")


def accept_as_copy(event) -> bool:
    """Accepts a drag or drop of local files as a copy (else a link), never as a move.

    The files are only read; a drop accepted as a move tells the file manager that it may delete the originals.
    A drag that offers neither copy nor link is refused.
    """
    md = event.mimeData()
    if not (md.hasUrls() and any(u.isLocalFile() for u in md.urls())):
        return False
    for action in (Qt.DropAction.CopyAction, Qt.DropAction.LinkAction):
        if event.possibleActions() & action:
            event.setDropAction(action)
            event.accept()
            return True
    return False


class FolderInput:
    """The main window's ways in for folders: drops, Add Folder, rescans, removing a folder, index_paths.

    A mixin of :class:`~organizer.ui.main_window.MainWindow` (it uses the window's folders dock, indexing
    controller, pools and status label), so that the window itself only wires things.
    """

    folders_dock: Any
    indexer: Any
    indexing: bool
    pools: Any
    browse: Any
    status_label: Any

    def dragEnterEvent(self, event) -> None:
        if not accept_as_copy(event):
            event.ignore()

    def dragMoveEvent(self, event) -> None:
        self.dragEnterEvent(event)

    def dropEvent(self, event) -> None:
        paths = [local_path(u) for u in event.mimeData().urls() if u.isLocalFile()]
        if paths and accept_as_copy(event):
            self.index_paths(paths)
        else:
            event.ignore()

    def add_folder_dialog(self) -> None:
        path = choose_folder(self, pictures_folder())
        if path:
            self.index_paths([path])

    def rescan_all(self) -> None:
        paths = self.folders_dock.paths()
        if paths:
            self.index_paths(paths)

    def rescan_selected(self) -> None:
        chosen = self.folders_dock.selected()
        if chosen is not None:
            self.index_paths([chosen[1]])

    def remove_selected_folder(self) -> None:
        chosen = self.folders_dock.selected()
        if chosen is None or self.indexing:
            return
        fid, browse = chosen[0], self.browse
        self.pools.run(self.pools.db, lambda: browse.remove_folder(fid), lambda _r: self._edited())

    def index_paths(self, paths: list[str]) -> None:
        """Starts indexing (or queues the paths behind the running job). Preconditions are checked here."""
        missing = [p for p in paths if not os.path.exists(p)]
        paths = [os.path.abspath(p) for p in paths if os.path.exists(p)]
        if missing:
            self.status_label.setText(f"Not found: {', '.join(missing)}")
        if paths:
            self.indexer.start(paths)
