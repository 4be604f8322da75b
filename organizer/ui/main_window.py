# SPDX-License-Identifier: MIT
"""The main window: wires the people grid, person page, demography, folders and errors docks to the controllers.

Indexing (:mod:`~organizer.ui.indexing`), clustering (:mod:`~organizer.ui.clustering`), the hand edits
(:mod:`~organizer.ui.edit_actions`) and the review (:mod:`~organizer.ui.review`) each live in their own controller;
the window builds the widgets, loads what they show off the GUI thread, and connects the rest.
"""

from __future__ import annotations

import time

from PySide6.QtCore import Qt
from PySide6.QtCore import QTimer
from PySide6.QtCore import Signal
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QLabel
from PySide6.QtWidgets import QMainWindow
from PySide6.QtWidgets import QSplitter
from PySide6.QtWidgets import QStackedWidget
from PySide6.QtWidgets import QTabWidget

from organizer import APP_NAME
from organizer import config
from organizer.ui import window_state
from organizer.ui.clustering import ClusteringController
from organizer.ui.context import AppContext
from organizer.ui.dialogs.draw_face import DrawFaceFlow
from organizer.ui.dialogs.help import AboutDialog
from organizer.ui.dialogs.help import ShortcutsDialog
from organizer.ui.dialogs.settings import SettingsDialog
from organizer.ui.edit_actions import EditActions
from organizer.ui.edit_actions import add_action
from organizer.ui.edit_actions import key_bindings
from organizer.ui.export import ExportPhotos
from organizer.ui.face_tags import WriteFaceTags
from organizer.ui.find import FindPhotos
from organizer.ui.folder_input import FolderInput
from organizer.ui.indexing import IndexingController
from organizer.ui.models.person_model import PersonGridModel
from organizer.ui.models.photo_model import PhotoGridModel
from organizer.ui.models.thumbnails import ThumbnailCache
from organizer.ui.person_browser import PersonBrowser
from organizer.ui.person_check import PersonCheckController
from organizer.ui.review import ReviewController
from organizer.ui.snapshot import Snapshot
from organizer.ui.snapshot import SnapshotLoader
from organizer.ui.timeline import TimelineController
from organizer.ui.views.demography import DemographyChart
from organizer.ui.views.empty import EmptyState
from organizer.ui.views.errors import ErrorsDock
from organizer.ui.views.folders import FoldersDock
from organizer.ui.views.person_grid import PeoplePanel
from organizer.ui.views.person_page import PersonPage
from organizer.ui.workers import Pools

__all__ = ["AppContext", "MainWindow"]

#: On quit, running work is cancelled and waited for this long at most (the event loop keeps running).
QUIT_WAIT_S = 4.5
QUIT_POLL_MS = 50


class MainWindow(FolderInput, QMainWindow):
    #: Emitted on the GUI thread after the people grid shows fresh data (tests wait on it).
    refreshed = Signal()
    indexing_finished = Signal()
    #: The settings dialog's values are stored in the library.
    settings_saved = Signal()

    def __init__(self, ctx: AppContext, pools: Pools | None = None) -> None:
        super().__init__()
        self.ctx = ctx
        self.browse, self.settings = ctx.browse, ctx.settings
        self.pools = pools or Pools()
        self.thumbs = ThumbnailCache(self.browse, self.pools, parent=self)
        self.person_model = PersonGridModel(self.thumbs, self)
        self.photo_model = PhotoGridModel(self.browse, self.pools, parent=self)
        self.snapshots = SnapshotLoader(ctx.persons, self.browse, self.pools, self)
        self.snapshots.loaded.connect(self._apply_snapshot)
        self.snapshots.failed.connect(lambda e: self.status_label.setText(f"Could not read the library: {e}"))
        self.settings_dialog: SettingsDialog | None = None
        self._chart_persons: list = []
        self._chart_stale = False
        #: A person to select and show once the next refresh has it (the survivor of a merge).
        self._select_after: int | None = None
        #: Indexing ended: say what it did once the persons are grouped (the refresh after its clustering).
        self._summary_pending = False
        self._quit_by: float | None = None
        self._quit_timer = QTimer(self, singleShot=True, interval=QUIT_POLL_MS)
        self._quit_timer.timeout.connect(self.close)
        self.setWindowTitle(APP_NAME)
        self.setAcceptDrops(True)
        self._build_widgets()
        self._build_actions()
        window_state.restore(self)
        self.refresh()

    def _build_widgets(self) -> None:
        self.people_panel = PeoplePanel(self.person_model)
        self.people_panel.show_hidden_changed.connect(lambda _on: self.refresh())
        self.page = PersonPage(self.photo_model)
        self.browser = PersonBrowser(self.page, self.person_model, self.ctx.persons, self.browse, self.pools, self)
        self.people_panel.person_activated.connect(self.browser.show)
        self.chart = DemographyChart(self.thumbs)
        self.chart.person_chosen.connect(self.open_person)
        self.tabs = QTabWidget()
        self.tabs.addTab(self.page, "Pho&tos")  # Alt+P is the People menu's, Alt+O the Photos menu's
        self.tabs.addTab(self.chart, "&Demography")
        self.tabs.currentChanged.connect(lambda _i: self._update_chart())
        self.timeline: TimelineController | None = None
        if self.ctx.timeline is not None:
            self.timeline = TimelineController(self, self.ctx.timeline)
            self.timeline.add_tab(self.tabs)
        self.splitter = QSplitter()
        self.splitter.addWidget(self.people_panel)
        self.splitter.addWidget(self.tabs)
        self.splitter.setStretchFactor(0, 2)
        self.splitter.setStretchFactor(1, 3)
        self.empty = EmptyState()
        self.empty.add_clicked.connect(self.add_folder_dialog)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.empty)
        self.stack.addWidget(self.splitter)
        self.setCentralWidget(self.stack)

        self.folders_dock = FoldersDock(self)
        self.folder_list = self.folders_dock.folder_list
        self.rescan_button, self.remove_button = self.folders_dock.rescan_button, self.folders_dock.remove_button
        for rescan in (self.rescan_button.clicked, self.folders_dock.rescan_action.triggered):
            rescan.connect(self.rescan_selected)
        for remove in (self.remove_button.clicked, self.folders_dock.remove_action.triggered):
            remove.connect(self.remove_selected_folder)
        self.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, self.folders_dock)
        self.errors_dock = ErrorsDock(self)
        self.error_list = self.errors_dock.error_list
        self.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, self.errors_dock)

        self.status_label = QLabel("")
        self.statusBar().addWidget(self.status_label, 1)
        self.indexer = IndexingController(self.pools, self._make_run, self.statusBar(), self.status_label, self)
        self.indexer.started.connect(self._index_started)
        self.indexer.finished.connect(self._index_finished)
        self.progress = self.indexer.progress
        self.pause_button, self.cancel_button = self.indexer.pause_button, self.indexer.cancel_button
        lib = self.ctx.library_settings
        self.clustering = ClusteringController(self.pools, self.ctx.clustering, lambda: lib.load().cluster_params(),
                                               self.indexer, self.statusBar(), self.status_label, self)
        self.edits = EditActions(self.ctx.edits, self.people_panel, self.page, self.thumbs, self.status_label,
                                 lambda: self.browser.current, self._edited, self)
        self.edits.person_made.connect(self._select_after_refresh)
        self.draw_faces = DrawFaceFlow(self.ctx.drawn, self.edits, self.pools, self.person_model.persons,
                                       self.person_model.title, self.thumbs, self._reload_viewer_faces, self)
        self.browser.viewer_opened = self.draw_faces.attach
        self.clustering.clustered.connect(self.edits.clustered)
        self.clustering.clustered.connect(lambda _full: self._edited())
        self.review = ReviewController(self.ctx.review, self.pools, lambda: lib.load().cluster_params(), self.edits,
                                       self.people_panel, self.thumbs, self.tabs, self.page, self.indexer,
                                       self.clustering, self)

    def _build_actions(self) -> None:
        mb = self.menuBar()
        m = mb.addMenu("&File")
        self.add_folder_action = add_action(self, m, "&Add Folder…", self.add_folder_dialog,
                                            QKeySequence.StandardKey.Open)
        add_action(self, m, "&Rescan Library", self.rescan_all, QKeySequence.StandardKey.Refresh)
        m.addSeparator()
        self.export_photos = ExportPhotos(self)
        self.export_photos.add_action(m)
        self.face_tags = WriteFaceTags(self, self.ctx.face_tags)
        self.face_tags.add_action(m)
        m.addSeparator()
        # Preferences and Quit have no standard key on some platforms (X11 has none for Preferences).
        add_action(self, m, "&Settings…", self.open_settings,
                   key_bindings(QKeySequence.StandardKey.Preferences, "Ctrl+,"))
        m.addSeparator()
        add_action(self, m, "&Quit", self.close, key_bindings(QKeySequence.StandardKey.Quit, "Ctrl+Q"))
        self.edits.add_menus(mb)
        self.edits.people_menu.addSeparator()
        self.recluster_action = add_action(
            self, self.edits.people_menu, "Re-&cluster", lambda: self.clustering.recluster(), "Ctrl+R",
            "Group all faces into persons again, keeping every hand edit (they can no longer be undone after it)")
        self.review.add_menu(self.edits.people_menu)
        self.open_action = add_action(self, self.edits.photos_menu, "&Open", self.browser.open_selected_photo,
                                      "Return", scope=self.page)
        self.find_photos = FindPhotos(self)
        self.find_photos.add_action(self.edits.photos_menu)
        self.person_check = None if self.ctx.person_check is None else PersonCheckController(
            self.ctx.person_check, self.pools, lambda: self.ctx.library_settings.load().cluster_params(), self.edits,
            self.browser, self.person_model.name_of, self)
        v = mb.addMenu("&View")
        v.addAction(self.folders_dock.toggleViewAction())
        v.addAction(self.errors_dock.toggleViewAction())
        h = mb.addMenu("&Help")
        self.shortcuts_action = add_action(self, h, "&Keyboard Shortcuts", self.show_shortcuts,
                                           QKeySequence.StandardKey.HelpContents)
        self.about_action = add_action(self, h, f"&About {APP_NAME}", self.show_about)

    # ------------------------------------------------------------------------------------------- help

    def show_about(self) -> AboutDialog:
        return _opened(AboutDialog(self.ctx.library_path or config.db_path(), config.log_dir() / "organizer.log",
                                   self))

    def show_shortcuts(self) -> ShortcutsDialog:
        return _opened(ShortcutsDialog(self))

    # ------------------------------------------------------------------------------------------- settings, quit

    def open_settings(self) -> SettingsDialog:
        """Shows the library's settings (window-modal, not blocking); OK stores them in the library."""
        dlg = SettingsDialog(self.ctx.library_settings.load(), self)
        dlg.accepted.connect(lambda: self._save_library_settings(dlg.values()))
        self.settings_dialog = _opened(dlg)
        return dlg

    def _save_library_settings(self, values) -> None:
        # On the db pool: the write waits its turn behind the indexer's writer, never on the GUI thread.
        save = self.ctx.library_settings.save
        self.pools.run(self.pools.db, lambda: save(values), lambda _r: self._settings_saved(),
                       lambda e: self.status_label.setText(f"Settings not saved: {e}"))

    def _settings_saved(self) -> None:
        self.status_label.setText("Settings saved; Re-cluster (Ctrl+R) applies the clustering ones to every face")
        self.settings_saved.emit()

    def closeEvent(self, event) -> None:
        # The first close cancels the running work and keeps the event loop going until it has stopped (the
        # workers' last signals are delivered), or until QUIT_WAIT_S have passed; then the window really closes.
        if self._quit_by is None:
            window_state.save(self)
            self.clustering.shutdown()
            self.indexer.cancel()
            self._quit_by = time.monotonic() + QUIT_WAIT_S
        # Idle pools are not enough: a finished run's last signal may still be queued (then it is delivered first).
        if (self.pools.wait(0) and not self.clustering.running) or time.monotonic() >= self._quit_by:
            super().closeEvent(event)
            return
        event.ignore()
        self.status_label.setText("Finishing…")
        self._quit_timer.start()

    # ------------------------------------------------------------------------------------------- refresh

    def refresh(self) -> None:
        """Reload persons, folders and errors off the GUI thread (coalesced while one load runs)."""
        self.snapshots.request(self.people_panel.hidden_check.isChecked())

    def _reload_viewer_faces(self, viewer) -> None:
        """The viewer's photo got a face or lost one: its boxes from the library again."""
        p = viewer.photo
        viewer.set_faces([f for f in self.browse.media_faces(p.media_id) if f.frame_s == p.frame_s])

    def _edited(self) -> None:
        self.thumbs.clear()
        self.refresh()

    def _update_chart(self) -> None:
        if self._chart_stale and self.tabs.currentWidget() is self.chart:
            self._chart_stale = False
            self.chart.set_persons(self._chart_persons, names={p.id: self.person_model.title(p)
                                                                for p in self._chart_persons})

    def _apply_snapshot(self, snap: Snapshot) -> None:
        current = self.people_panel.current_person_id()
        self.person_model.set_persons(snap.persons, snap.unsorted)
        chosen, self._select_after = self._select_after, None
        if chosen is not None and self.person_model.row_of(chosen) >= 0:
            self.open_person(chosen)
        elif current is not None:
            self.people_panel.select_person(current)
        # The chart is drawn when it is shown: 5 000 persons cost ~50 ms the first screen does not need.
        self._chart_persons, self._chart_stale = snap.persons, True
        self._update_chart()
        self.folders_dock.set_folders(snap.folders)
        self.errors_dock.set_errors(snap.errors)
        has_library = bool(snap.folders or snap.persons or snap.unsorted)
        self.stack.setCurrentIndex(1 if has_library or self.indexing else 0)
        self.browser.reload()
        if self.timeline is not None:
            self.timeline.invalidate()
        if self._summary_pending and not self.indexing and not self.clustering.running:
            self._summary_pending = False
            self.status_label.setText(self.indexer.summary(sum(not p.hidden for p in snap.persons)))
        self.refreshed.emit()

    def _select_after_refresh(self, person_id: int) -> None:
        self._select_after = person_id

    def open_person(self, person_id: int) -> None:
        """Shows a person's photos (from the chart, or anywhere else)."""
        self.tabs.setCurrentWidget(self.page)
        if not self.people_panel.select_person(person_id):
            self.browser.show(person_id)

    # ------------------------------------------------------------------------------------------- indexing

    def _make_run(self, paths: list[str]):
        # The library's video sampling, read when the run starts (on the index pool, not the GUI thread).
        ctx = self.ctx
        return lambda cancel: ctx.make_indexer(ctx.library_settings.load().frame_policy()).run(paths, cancel)

    @property
    def indexing(self) -> bool:
        return self.indexer.running

    def _index_started(self) -> None:
        self.errors_dock.run_started()
        self.folders_dock.set_indexing(True)
        self.stack.setCurrentIndex(1)
        self.clustering.start_live()

    def _index_finished(self) -> None:
        self.clustering.stop_live()
        self.folders_dock.set_indexing(False)
        self._summary_pending = self.indexer.outcome is not None
        self.clustering.recluster(incremental=True)
        self.indexing_finished.emit()
        queued = self.indexer.take_queue()
        if queued:
            self.index_paths(queued)


def _opened(dlg):
    """Opens a dialog window-modal without blocking; it deletes itself when closed."""
    dlg.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dlg.open()
    return dlg
