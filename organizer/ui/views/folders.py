# SPDX-License-Identifier: MIT
"""The library folders dock: each folder with its media count, Rescan and Remove for the selected one."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QDockWidget
from PySide6.QtWidgets import QHBoxLayout
from PySide6.QtWidgets import QListWidget
from PySide6.QtWidgets import QListWidgetItem
from PySide6.QtWidgets import QPushButton
from PySide6.QtWidgets import QVBoxLayout
from PySide6.QtWidgets import QWidget

from organizer.ui.images import display_path


class FoldersDock(QDockWidget):
    """Lists the folders; the window connects ``rescan_button``/``rescan_action`` and ``remove_button``/
    ``remove_action``, which are enabled only while a folder is selected (Remove also not while indexing).

    Paths stay in Python: a QString would drop the bytes of names that are not UTF-8, and rescan another path.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Library Folders", parent)
        self.setObjectName("folders")
        self._paths: dict[int, str] = {}
        self._indexing = False
        self.folder_list = QListWidget()
        self.folder_list.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
        self.folder_list.setTextElideMode(Qt.TextElideMode.ElideMiddle)  # full path in the tooltip
        self.folder_list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.folder_list.itemSelectionChanged.connect(self._update_enabled)
        box = QWidget()
        v = QVBoxLayout(box)
        v.setContentsMargins(2, 2, 2, 2)
        v.addWidget(self.folder_list)
        btns = QHBoxLayout()
        self.rescan_button = QPushButton("Rescan")
        self.remove_button = QPushButton("Remove")
        btns.addWidget(self.rescan_button)
        btns.addWidget(self.remove_button)
        v.addLayout(btns)
        self.setWidget(box)
        self.rescan_action = QAction("Rescan", self)
        self.remove_action = QAction("Remove from Library", self)
        self.folder_list.addActions([self.rescan_action, self.remove_action])
        self._update_enabled()

    def set_folders(self, folders: Sequence) -> None:
        """Shows ``folders`` (with ``id``, ``path``, ``n_media``, ``last_scan_at``), keeping the selected one."""
        chosen = self.selected()
        self.folder_list.blockSignals(True)  # one update of the buttons, at the end
        self.folder_list.clear()
        self._paths = {f.id: f.path for f in folders}
        for f in folders:
            it = QListWidgetItem(f"{display_path(f.path)}  ({f.n_media})")
            it.setData(Qt.ItemDataRole.UserRole, f.id)
            it.setToolTip(f"{display_path(f.path)}\nlast scanned: {f.last_scan_at or 'never'}")
            self.folder_list.addItem(it)
            if chosen is not None and f.id == chosen[0]:
                self.folder_list.setCurrentItem(it)
        self.folder_list.blockSignals(False)
        self._update_enabled()

    def paths(self) -> list[str]:
        return list(self._paths.values())

    def selected(self) -> tuple[int, str] | None:
        """The selected folder's id and path, or None."""
        items = self.folder_list.selectedItems()
        if not items:
            return None
        fid = items[0].data(Qt.ItemDataRole.UserRole)
        return fid, self._paths[fid]

    def set_indexing(self, indexing: bool) -> None:
        """While indexing, a folder cannot be removed (the run may be writing its media)."""
        self._indexing = indexing
        self._update_enabled()

    def _update_enabled(self) -> None:
        chosen = bool(self.folder_list.selectedItems())
        for w in (self.rescan_button, self.rescan_action):
            w.setEnabled(chosen)
        for w in (self.remove_button, self.remove_action):
            w.setEnabled(chosen and not self._indexing)
