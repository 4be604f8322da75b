# SPDX-License-Identifier: MIT
"""The main window: people grid, person page, demography, library folders, errors, indexing and hand edits."""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QSettings
from PySide6.QtCore import Qt
from PySide6.QtCore import QTimer
from PySide6.QtCore import Signal
from PySide6.QtGui import QAction
from PySide6.QtGui import QKeySequence
from PySide6.QtGui import QUndoStack
from PySide6.QtWidgets import QDockWidget
from PySide6.QtWidgets import QFileDialog
from PySide6.QtWidgets import QHBoxLayout
from PySide6.QtWidgets import QInputDialog
from PySide6.QtWidgets import QLabel
from PySide6.QtWidgets import QMainWindow
from PySide6.QtWidgets import QPushButton
from PySide6.QtWidgets import QSplitter
from PySide6.QtWidgets import QStackedWidget
from PySide6.QtWidgets import QTabWidget
from PySide6.QtWidgets import QTreeWidget
from PySide6.QtWidgets import QTreeWidgetItem
from PySide6.QtWidgets import QVBoxLayout
from PySide6.QtWidgets import QWidget

from organizer import APP_NAME
from organizer.media.video import FramePolicy
from organizer.services.browse_service import BrowseService
from organizer.services.index_service import IndexService
from organizer.services.people_service import EditResult
from organizer.services.people_service import PeopleService
from organizer.ui.commands import EditCommand
from organizer.ui.dialogs.settings import SettingsDialog
from organizer.ui.dialogs.settings import load_cluster_params
from organizer.ui.dialogs.settings import load_frame_policy
from organizer.ui.dialogs.viewer import PhotoViewer
from organizer.ui.images import display_path
from organizer.ui.images import local_path
from organizer.ui.indexing import IndexingController
from organizer.ui.models.person_model import UNSORTED_ID
from organizer.ui.models.person_model import PersonGridModel
from organizer.ui.models.person_model import display_name
from organizer.ui.models.photo_model import PhotoGridModel
from organizer.ui.models.photo_model import PhotoRow
from organizer.ui.models.thumbnails import ThumbnailCache
from organizer.ui.views.demography import DemographyChart
from organizer.ui.views.folders import FoldersDock
from organizer.ui.views.person_grid import PeoplePanel
from organizer.ui.views.person_page import PersonPage
from organizer.ui.workers import GeneratorWorker
from organizer.ui.workers import Pools

log = logging.getLogger(__name__)

#: While indexing, new faces join persons at most this often (an incremental clustering on the db pool).
LIVE_CLUSTER_MS = 3000
#: ... and after one, waits this many times as long as it took before the next.
LIVE_CLUSTER_REST = 2.0
EMPTY_TEXT = "Drop folders with photos and videos here"


@dataclass
class AppContext:
    """What the window needs, built by :mod:`organizer.app` (or a test)."""

    people: PeopleService
    browse: BrowseService
    #: Creates an indexing service for one run with the given video sampling.
    make_indexer: Callable[[FramePolicy], IndexService]
    settings: QSettings


@dataclass(frozen=True, slots=True)
class _Snapshot:
    persons: list
    unsorted: int
    folders: list
    errors: list


class MainWindow(QMainWindow):
    #: Emitted on the GUI thread after the people grid shows fresh data (tests wait on it).
    refreshed = Signal()
    indexing_finished = Signal()

    def __init__(self, ctx: AppContext, pools: Pools | None = None) -> None:
        super().__init__()
        self.ctx = ctx
        self.people, self.browse, self.settings = ctx.people, ctx.browse, ctx.settings
        self.pools = pools or Pools()
        self.undo_stack = QUndoStack(self)
        self.thumbs = ThumbnailCache(self.browse, self.pools, parent=self)
        self.person_model = PersonGridModel(self.thumbs, self)
        self.photo_model = PhotoGridModel(self.browse, self.pools, parent=self)
        self._clustering = False
        self._cluster_started = self._cluster_done = self._cluster_took = 0.0
        self._cluster_again = False
        self._faces_clustered = 0
        self._refresh_pending = False
        self._refresh_running = False
        self._current_person: int | None = None
        self._page_generation = 0
        self.viewer: PhotoViewer | None = None
        self.settings_dialog: SettingsDialog | None = None
        self._errors_before_run: int | None = None
        self._chart_persons: list = []
        self._chart_stale = False
        self.people.params = load_cluster_params(self.settings, self.people.params)
        self.setWindowTitle(APP_NAME)
        self.setAcceptDrops(True)
        self._build_widgets()
        self._build_actions()
        self._live_timer = QTimer(self, interval=LIVE_CLUSTER_MS)
        self._live_timer.timeout.connect(self._live_cluster)
        self._restore_settings()
        self.refresh()

    # ------------------------------------------------------------------------------------------- building

    def _build_widgets(self) -> None:
        self.people_panel = PeoplePanel(self.person_model)
        self.people_panel.person_activated.connect(self.show_person)
        self.people_panel.show_hidden_changed.connect(lambda _on: self.refresh())
        self.person_model.rename_requested.connect(self.rename)
        self.person_model.faces_dropped.connect(self.move_faces)
        self.page = PersonPage(self.photo_model)
        self.page.photo_opened.connect(self.open_photo)
        self.chart = DemographyChart()
        self.chart.person_chosen.connect(self.open_person)
        self.tabs = QTabWidget()
        self.tabs.addTab(self.page, "&Photos")
        self.tabs.addTab(self.chart, "&Demography")
        self.tabs.currentChanged.connect(lambda _i: self._update_chart())
        split = QSplitter()
        split.addWidget(self.people_panel)
        split.addWidget(self.tabs)
        split.setStretchFactor(0, 2)
        split.setStretchFactor(1, 3)
        self.splitter = split

        self.empty = QWidget()
        lay = QVBoxLayout(self.empty)
        self.empty_label = QLabel(EMPTY_TEXT, alignment=Qt.AlignmentFlag.AlignCenter)
        f = self.empty_label.font()
        f.setPointSizeF(f.pointSizeF() * 1.8)
        self.empty_label.setFont(f)
        add = QPushButton("Add Folder…")
        add.clicked.connect(self.add_folder_dialog)
        lay.addStretch(1)
        lay.addWidget(self.empty_label)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(add)
        row.addStretch(1)
        lay.addLayout(row)
        lay.addStretch(1)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.empty)
        self.stack.addWidget(split)
        self.setCentralWidget(self.stack)

        self.folders_dock = FoldersDock(self)
        self.folder_list = self.folders_dock.folder_list
        self.rescan_button, self.remove_button = self.folders_dock.rescan_button, self.folders_dock.remove_button
        for rescan in (self.rescan_button.clicked, self.folders_dock.rescan_action.triggered):
            rescan.connect(self.rescan_selected)
        for remove in (self.remove_button.clicked, self.folders_dock.remove_action.triggered):
            remove.connect(self.remove_selected_folder)
        self.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, self.folders_dock)

        self.error_list = QTreeWidget()
        self.error_list.setHeaderLabels(["File", "Problem"])
        self.error_list.setRootIsDecorated(False)
        self.error_list.setTextElideMode(Qt.TextElideMode.ElideMiddle)  # the file name end is what matters
        self.error_list.setUniformRowHeights(True)
        self.errors_dock = QDockWidget("Errors", self)
        self.errors_dock.setObjectName("errors")
        self.errors_dock.setWidget(self.error_list)
        self.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, self.errors_dock)
        self.errors_dock.hide()

        self.status_label = QLabel("")
        self.statusBar().addWidget(self.status_label, 1)
        self.indexer = IndexingController(self.pools, self._make_run, self.statusBar(), self.status_label, self)
        self.indexer.started.connect(self._index_started)
        self.indexer.finished.connect(self._index_finished)
        self.progress = self.indexer.progress
        self.pause_button, self.cancel_button = self.indexer.pause_button, self.indexer.cancel_button

    def _act(self, menu, text: str, slot, shortcut=None, tip: str = "") -> QAction:
        a = QAction(text, self)
        if shortcut is not None:
            a.setShortcut(QKeySequence(shortcut))
        if tip:
            a.setStatusTip(tip)
        a.triggered.connect(slot)
        menu.addAction(a)
        return a

    def _build_actions(self) -> None:
        mb = self.menuBar()
        m = mb.addMenu("&File")
        self.add_folder_action = self._act(m, "&Add Folder…", self.add_folder_dialog, QKeySequence.StandardKey.Open)
        self._act(m, "&Rescan Library", self.rescan_all, QKeySequence.StandardKey.Refresh)
        m.addSeparator()
        self._act(m, "&Settings…", self.open_settings, QKeySequence.StandardKey.Preferences)
        m.addSeparator()
        self._act(m, "&Quit", self.close, QKeySequence.StandardKey.Quit)
        e = mb.addMenu("&Edit")
        self.undo_action = self.undo_stack.createUndoAction(self, "&Undo")
        self.undo_action.setShortcuts([QKeySequence.StandardKey.Undo])
        self.redo_action = self.undo_stack.createRedoAction(self, "&Redo")
        self.redo_action.setShortcuts([QKeySequence("Ctrl+Shift+Z"), QKeySequence.StandardKey.Redo])
        e.addAction(self.undo_action)
        e.addAction(self.redo_action)
        p = mb.addMenu("&People")
        self.rename_action = self._act(p, "&Rename", self.rename_current, "F2")
        self.merge_action = self._act(p, "&Merge Selected Persons", self.merge_selected, "Ctrl+M")
        self.hide_action = self._act(p, "&Hide / Unhide", self.toggle_hidden_current, "Ctrl+H")
        p.addSeparator()
        self.recluster_action = self._act(p, "Re-&cluster", self.recluster, "Ctrl+R",
                                          "Group all faces into persons again, keeping every hand edit")
        f = mb.addMenu("P&hotos")
        self.move_action = self._act(f, "&Move Faces to Person…", self.move_selected_faces, "Ctrl+Shift+M")
        self.split_action = self._act(f, "&Split Faces into New Person", self.split_selected, "Ctrl+Shift+S")
        self.remove_action = self._act(f, "Not a &Face", self.remove_selected_faces, QKeySequence.StandardKey.Delete)
        self._act(f, "&Open", self.open_selected_photo, "Return")
        for a in (self.move_action, self.split_action, self.remove_action):
            a.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            self.page.view.addAction(a)
        for a in (self.rename_action, self.merge_action, self.hide_action):
            self.people_panel.view.addAction(a)
        self.people_panel.view.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
        v = mb.addMenu("&View")
        v.addAction(self.folders_dock.toggleViewAction())
        v.addAction(self.errors_dock.toggleViewAction())

    # ------------------------------------------------------------------------------------------- settings

    def _restore_settings(self) -> None:
        geo = self.settings.value("window/geometry")
        if geo is not None:
            self.restoreGeometry(geo)
        else:
            self.resize(1280, 820)
        state = self.settings.value("window/state")
        if state is not None:
            self.restoreState(state)
        split = self.settings.value("window/splitter")
        if split is not None:
            self.splitter.restoreState(split)
        else:
            # Two columns of persons beside the photos on a first start (the rest goes to the photos).
            grid = self.people_panel.view.gridSize().width() + 2 * self.people_panel.view.spacing()
            self.splitter.setSizes([2 * grid + 40, max(400, self.width() - 2 * grid - 300)])
        self.people_panel.hidden_check.setChecked(self.settings.value("people/show_hidden", False, type=bool))
        self.people_panel.sort_combo.setCurrentIndex(int(self.settings.value("people/sort", 0)))

    def save_settings(self) -> None:
        s = self.settings
        s.setValue("window/geometry", self.saveGeometry())
        s.setValue("window/state", self.saveState())
        s.setValue("window/splitter", self.splitter.saveState())
        s.setValue("people/show_hidden", self.people_panel.hidden_check.isChecked())
        s.setValue("people/sort", self.people_panel.sort_combo.currentIndex())
        s.sync()

    def closeEvent(self, event) -> None:
        self.save_settings()
        self._live_timer.stop()
        self.pools.wait()
        super().closeEvent(event)

    def open_settings(self) -> SettingsDialog:
        """Shows the settings (window-modal, not blocking); OK saves them, and Re-cluster and indexing use them."""
        frames = load_frame_policy(self.settings, FramePolicy())
        dlg = SettingsDialog(self.people.params, frames, self)
        dlg.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dlg.accepted.connect(lambda: self._settings_accepted(dlg))
        self.settings_dialog = dlg
        dlg.open()
        return dlg

    def _settings_accepted(self, dlg: SettingsDialog) -> None:
        dlg.save(self.settings)
        self.settings.sync()
        self.people.params = load_cluster_params(self.settings, self.people.params)
        self.status_label.setText("Settings saved; Re-cluster (Ctrl+R) applies the clustering ones to every face")

    # ------------------------------------------------------------------------------------------- refresh

    def refresh(self) -> None:
        """Reload persons, folders and errors off the GUI thread (coalesced while one load runs)."""
        if self._refresh_running:
            self._refresh_pending = True
            return
        self._refresh_running = True
        include_hidden = self.people_panel.hidden_check.isChecked()
        people, browse = self.people, self.browse

        def load() -> _Snapshot:
            return _Snapshot(people.list_persons(include_hidden=include_hidden), browse.unsorted_count(),
                             browse.folders(), browse.errors())

        self.pools.run(self.pools.io, load, self._apply_snapshot, self._refresh_failed)

    def _update_chart(self) -> None:
        if self._chart_stale and self.tabs.currentWidget() is self.chart:
            self._chart_stale = False
            self.chart.set_persons(self._chart_persons)

    def _refresh_failed(self, e: BaseException) -> None:
        self._refresh_running = False
        self.status_label.setText(f"Could not read the library: {e}")

    def _apply_snapshot(self, snap: _Snapshot) -> None:
        self._refresh_running = False
        current = self.people_panel.current_person_id()
        self.person_model.set_persons(snap.persons, snap.unsorted)
        if current is not None:
            self.people_panel.select_person(current)
        # The chart is drawn when it is shown: 5 000 persons cost ~50 ms the first screen does not need.
        self._chart_persons, self._chart_stale = snap.persons, True
        self._update_chart()
        self.folders_dock.set_folders(snap.folders)
        self.error_list.clear()
        for err in snap.errors:
            item = QTreeWidgetItem(self.error_list, [display_path(err.path), err.message])
            item.setToolTip(0, display_path(err.path))
            item.setToolTip(1, err.message)
        self.errors_dock.setWindowTitle(f"Errors ({len(snap.errors)})")
        if snap.errors:
            # Paths get what they need, up to two thirds of the panel; the messages get the rest.
            self.error_list.resizeColumnToContents(0)
            self.error_list.setColumnWidth(0, min(self.error_list.columnWidth(0),
                                                  max(200, self.error_list.viewport().width() * 2 // 3)))
        if self._errors_before_run is not None and len(snap.errors) > self._errors_before_run:
            # Indexing found new unreadable files (maybe only in the refresh after it ended): show them, once.
            self._errors_before_run = None
            self.errors_dock.show()
            self.resizeDocks([self.errors_dock], [150], Qt.Orientation.Vertical)  # room left for the grids
        has_library = bool(snap.folders or snap.persons or snap.unsorted)
        self.stack.setCurrentIndex(1 if has_library or self.indexing else 0)
        if self._current_person is not None:
            self.show_person(self._current_person)
        self.refreshed.emit()
        if self._refresh_pending:
            self._refresh_pending = False
            self.refresh()

    # ------------------------------------------------------------------------------------------- person page

    def show_person(self, person_id: int) -> None:
        self._current_person = person_id
        self._page_generation += 1
        gen, people, browse = self._page_generation, self.people, self.browse
        pid = None if person_id == UNSORTED_ID else person_id

        def load() -> list[PhotoRow]:
            photos = browse.photos_of_person(pid)
            ages = {f.id: f.age_at_photo for f in people.person_faces(pid)} if pid is not None else {}
            return [PhotoRow(p, ages.get(p.face_id)) for p in photos]

        self.pools.run(self.pools.io, load, lambda rows: self._show_rows(gen, person_id, rows))

    def _show_rows(self, generation: int, person_id: int, rows: list[PhotoRow]) -> None:
        if generation != self._page_generation:
            return
        self.photo_model.set_rows(rows)
        row = self.person_model.row_of(person_id)
        p = self.person_model.person(row) if row >= 0 else None
        if person_id == UNSORTED_ID:
            self.page.set_header("Unsorted faces", f"{len(rows)} faces that belong to no person yet")
        elif p is not None:
            self.page.set_header(display_name(p), f"{p.n_faces} faces in {p.n_photos} photos"
                                 + (" · hidden" if p.hidden else ""))

    def open_person(self, person_id: int) -> None:
        """Shows a person's photos (from the chart, or anywhere else)."""
        self.tabs.setCurrentWidget(self.page)
        if not self.people_panel.select_person(person_id):
            self.show_person(person_id)

    def open_photo(self, photo) -> PhotoViewer | None:
        """Opens a photo (or the video frame) with every face box and name, without blocking the window.

        The dialog opens at once with a placeholder; the file is decoded on the io pool.
        """
        if photo is None:
            return None
        faces = [f for f in self.browse.media_faces(photo.media_id) if f.frame_s == photo.frame_s]
        full = (photo.width, photo.height) if photo.width and photo.height else None
        frame_s = (photo.frame_s or 0.0) if photo.kind == "video" else None
        self.viewer = PhotoViewer(self.pools, photo.path, faces, photo.face_id, full, frame_s, self)
        self.viewer.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.viewer.open()
        return self.viewer

    def open_selected_photo(self) -> None:
        photos = self.page.selected_photos()
        if photos:
            self.open_photo(photos[0])

    # ------------------------------------------------------------------------------------------- hand edits

    def _edit(self, text: str, apply: Callable[[], EditResult]) -> EditResult | None:
        try:
            first = apply()
        except (ValueError, LookupError) as e:
            self.status_label.setText(f"{text}: {e}")
            return None
        cmd = EditCommand(text, self.people, apply, first, self._edited)
        self.undo_stack.push(cmd)
        return cmd.result

    def _edited(self, result: EditResult | None) -> None:
        self.thumbs.clear()
        self.refresh()

    def merge(self, person_ids: list[int]) -> EditResult | None:
        ids = [i for i in person_ids if i != UNSORTED_ID]
        if len(ids) < 2:
            self.status_label.setText("Select two or more persons to merge")
            return None
        return self._edit(f"Merge {len(ids)} persons", lambda: self.people.merge(ids))

    def merge_selected(self) -> None:
        self.merge(self.people_panel.selected_person_ids())

    def rename(self, person_id: int, name: str) -> EditResult | None:
        return self._edit(f"Rename to “{name}”" if name else "Remove name",
                          lambda: self.people.rename(person_id, name or None))

    def rename_current(self) -> None:
        idx = self.people_panel.view.currentIndex()
        if idx.isValid() and self.people_panel.current_person_id() not in (None, UNSORTED_ID):
            self.people_panel.view.edit(idx)

    def set_hidden(self, person_id: int, hidden: bool) -> EditResult | None:
        return self._edit("Hide person" if hidden else "Show person",
                          lambda: self.people.set_hidden(person_id, hidden))

    def toggle_hidden_current(self) -> None:
        pid = self.people_panel.current_person_id()
        row = self.person_model.row_of(pid) if pid is not None else -1
        p = self.person_model.person(row) if row >= 0 else None
        if p is not None:
            self.set_hidden(p.id, not p.hidden)

    def move_faces(self, face_ids: list[int], person_id: int) -> EditResult | None:
        if not face_ids:
            return None
        return self._edit(f"Move {len(face_ids)} faces", lambda: self.people.move_faces(face_ids, person_id))

    def move_selected_faces(self) -> None:
        faces = self.page.selected_face_ids()
        persons = [p for p in self.person_model.persons() if p.id != self._current_person]
        if not faces or not persons:
            return
        labels = [f"{display_name(p)} ({p.n_photos} photos)" for p in persons]
        choice, ok = QInputDialog.getItem(self, "Move Faces", "Move the selected faces to:", labels, 0, False)
        if ok:
            self.move_faces(faces, persons[labels.index(choice)].id)

    def split(self, face_ids: list[int]) -> EditResult | None:
        if not face_ids:
            return None
        return self._edit(f"Split {len(face_ids)} faces", lambda: self.people.split(face_ids))

    def split_selected(self) -> None:
        self.split(self.page.selected_face_ids())

    def remove_faces(self, face_ids: list[int]) -> EditResult | None:
        if not face_ids:
            return None
        return self._edit(f"Remove {len(face_ids)} non-faces", lambda: self.people.remove_faces(face_ids))

    def remove_selected_faces(self) -> None:
        self.remove_faces(self.page.selected_face_ids())

    # ------------------------------------------------------------------------------------------- clustering

    def recluster(self, incremental: bool = False) -> None:
        """Clusters on the db pool; hand edits are kept by the service. One run at a time."""
        if self._clustering:
            self._cluster_again = True
            return
        self._clustering = True
        self._cluster_started = time.monotonic()
        people, params = self.people, self.people.params
        w = GeneratorWorker(lambda cancel: people.recluster(params, cancel, incremental=incremental))
        w.signals.failed.connect(lambda e: self._cluster_failed(e, incremental))
        w.signals.finished.connect(lambda: self._clustered(incremental))
        if not incremental:
            self.status_label.setText("Grouping faces into persons…")
        self.pools.start(self.pools.db, w)

    def _clustered(self, incremental: bool) -> None:
        self._clustering = False
        self._cluster_done = time.monotonic()
        self._cluster_took = self._cluster_done - self._cluster_started
        if not incremental:
            # Person ids may have changed under the recorded edits; their decisions are kept in the database.
            self.undo_stack.clear()
            self.status_label.setText("Persons updated")
        self.thumbs.clear()
        self.refresh()
        if self._cluster_again:
            self._cluster_again = False
            self.recluster(incremental=True)

    def _cluster_failed(self, e: BaseException, incremental: bool) -> None:
        if incremental and self.indexing:
            # While indexing, the indexer's writer may hold SQLite's write lock when the live clustering wants to
            # write ("database is locked"): nothing was changed, so simply try again at the next tick.
            log.info("Live clustering deferred: %s", e)
            self._faces_clustered = 0
            return
        self.status_label.setText(f"Clustering failed: {e}")

    def _live_cluster(self) -> None:
        # On a large library one incremental clustering takes seconds (all faces are read and prepared): rest at
        # least twice as long as the last one took, so that it never takes more than a third of the machine.
        if time.monotonic() - self._cluster_done < LIVE_CLUSTER_REST * self._cluster_took:
            return
        if self.indexer.faces_seen > self._faces_clustered and not self._clustering:
            self._faces_clustered = self.indexer.faces_seen
            self.recluster(incremental=True)

    # ------------------------------------------------------------------------------------------- indexing

    def dragEnterEvent(self, event) -> None:
        if event.mimeData().hasUrls() and any(u.isLocalFile() for u in event.mimeData().urls()):
            event.acceptProposedAction()

    def dragMoveEvent(self, event) -> None:
        self.dragEnterEvent(event)

    def dropEvent(self, event) -> None:
        paths = [local_path(u) for u in event.mimeData().urls() if u.isLocalFile()]
        if paths:
            event.acceptProposedAction()
            self.index_paths(paths)

    def add_folder_dialog(self) -> None:
        path = QFileDialog.getExistingDirectory(self, "Add Folder")
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
        fid = chosen[0]
        self.pools.run(self.pools.db, lambda: self.browse.remove_folder(fid), lambda _r: self._edited(None))

    def index_paths(self, paths: list[str]) -> None:
        """Starts indexing (or queues the paths behind the running job). Preconditions are checked here."""
        missing = [p for p in paths if not os.path.exists(p)]
        paths = [os.path.abspath(p) for p in paths if os.path.exists(p)]
        if missing:
            self.status_label.setText(f"Not found: {', '.join(missing)}")
        if paths:
            self.indexer.start(paths)

    def _make_run(self, paths: list[str]):
        indexer = self.ctx.make_indexer(load_frame_policy(self.settings, FramePolicy()))
        return lambda cancel: indexer.run(paths, cancel)

    def _index_started(self) -> None:
        self._faces_clustered = 0
        self._errors_before_run = self.error_list.topLevelItemCount()
        self.folders_dock.set_indexing(True)
        self.stack.setCurrentIndex(1)
        self._live_timer.start()

    @property
    def indexing(self) -> bool:
        return self.indexer.running

    def _index_finished(self) -> None:
        self._live_timer.stop()
        self.folders_dock.set_indexing(False)
        self.recluster(incremental=True)
        self.indexing_finished.emit()
        queued = self.indexer.take_queue()
        if queued:
            self.index_paths(queued)
