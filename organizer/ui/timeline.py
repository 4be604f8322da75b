# SPDX-License-Identifier: MIT
"""The window's Timeline tab: loads the library's files by date off the GUI thread when the tab is shown (again
after the library changed), and opens a file in the photo viewer."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject
from PySide6.QtCore import Qt
from PySide6.QtCore import Signal

from organizer.services.browse_service import FaceBox
from organizer.services.browse_service import PhotoOfPerson
from organizer.services.timeline import Timeline
from organizer.services.timeline import TimelineItem
from organizer.ui.dialogs.viewer import PhotoViewer
from organizer.ui.models.timeline_model import TimelineModel
from organizer.ui.views.timeline import TimelinePage

if TYPE_CHECKING:
    from organizer.ui.main_window import MainWindow

#: The viewer steps (Left/Right) through this many files on each side of the one opened.
VIEWER_REACH = 300
#: A timeline file has no face of "its" person to highlight in the viewer.
NO_HIGHLIGHT = -1


class TimelineController(QObject):
    """Owns the tab's model and page; ``loaded`` is emitted on the GUI thread after fresh items are shown."""

    loaded = Signal()

    def __init__(self, window: MainWindow, service: Timeline) -> None:
        super().__init__(window)
        self._window = window
        self._service = service
        self.model = TimelineModel(window.pools, window.person_model.name_of, parent=self)
        self.page = TimelinePage(self.model)
        self.page.view.item_activated.connect(self.open_item)
        self.viewer: PhotoViewer | None = None
        self._stale = True
        self._loading = False
        self._again = False

    def add_tab(self, tabs) -> None:
        tabs.addTab(self.page, "Time&line")
        tabs.currentChanged.connect(lambda _i: self.shown())

    def invalidate(self) -> None:
        """The library changed: load again now if the tab is showing, else when it is next shown."""
        self._stale = True
        self.shown()

    def shown(self) -> None:
        if self._stale and self._window.tabs.currentWidget() is self.page:
            self.load()

    def load(self) -> None:
        """Reads the files on the db pool (coalesced: one load at a time, one more if asked meanwhile)."""
        self._stale = False
        if self._loading:
            self._again = True
            return
        self._loading = True
        pools = self._window.pools
        pools.run(pools.db, self._service.items, self._arrived, self._failed)

    def _arrived(self, items: list[TimelineItem]) -> None:
        self._loading = False
        view = self.page.view
        keep = self.model.items()[view.current_item].media_id if view.current_item is not None else None
        self.model.set_columns(view.fitting_columns())
        self.model.set_items(items)
        view.current_item = next((i for i, it in enumerate(items) if it.media_id == keep), None) \
            if keep is not None else None
        self.page.show_summary()
        if view.current_item is not None:
            view.scroll_to_item(view.current_item)
        self.loaded.emit()
        if self._again:
            self._again = False
            self.load()

    def _failed(self, e: BaseException) -> None:
        self._loading = False
        self.page.summary.setText(f"Could not read the library: {e}")

    # -- the viewer

    def open_item(self, item: int) -> PhotoViewer:
        """Opens file ``item`` in the viewer (Left/Right go to the files next to it on the timeline)."""
        items = self.model.items()
        lo, hi = max(0, item - VIEWER_REACH), min(len(items), item + VIEWER_REACH + 1)
        photos = [_as_photo(it) for it in items[lo:hi]]
        self.viewer = PhotoViewer(self._window.pools, photos, item - lo, self._faces_of, self._window)
        self.viewer.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self._window.draw_faces.attach(self.viewer)
        self.viewer.open()
        return self.viewer

    def _faces_of(self, photo: PhotoOfPerson) -> list[FaceBox]:
        # A short query on the GUI thread (an index lookup by file): the faces as they are now, after any edit.
        name_of = self._window.person_model.name_of
        faces = [f for f in self._window.browse.media_faces(photo.media_id) if f.frame_s == photo.frame_s]
        return [f if f.name or f.person_id is None else dataclasses.replace(f, name=name_of(f.person_id))
                for f in faces]


def _as_photo(it: TimelineItem) -> PhotoOfPerson:
    return PhotoOfPerson(it.media_id, it.path, it.kind, it.taken, it.width, it.height, NO_HIGHLIGHT,
                         (0.0, 0.0, 0.0, 0.0), it.frame_s if it.kind == "video" else None, (), it.date_source)
