# SPDX-License-Identifier: MIT
"""What the person page shows: a person's photos (loaded on the io pool), its header, and the photo viewer."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from PySide6.QtCore import QObject
from PySide6.QtCore import Qt
from PySide6.QtCore import Signal
from PySide6.QtWidgets import QWidget

from organizer.services.browse_service import BrowseService
from organizer.services.person_queries import PersonQueries
from organizer.ui.dialogs.viewer import PhotoViewer
from organizer.ui.models.person_model import REVIEW_ID
from organizer.ui.models.person_model import UNSORTED_ID
from organizer.ui.models.person_model import PersonGridModel
from organizer.ui.models.photo_model import PhotoRow
from organizer.ui.views.person_page import PersonPage
from organizer.ui.workers import Pools


class PersonBrowser(QObject):
    """Fills ``page`` with the photos of the person :meth:`show` was last asked for (``current``)."""

    #: The page shows a person's rows (its id; UNSORTED_ID for the unsorted faces).
    shown = Signal(int)

    def __init__(self, page: PersonPage, persons_model: PersonGridModel, persons: PersonQueries,
                 browse: BrowseService, pools: Pools, parent: QWidget) -> None:
        super().__init__(parent)
        self.page = page
        self.photo_model = page.model
        self._persons_model = persons_model
        self._persons = persons
        self._browse = browse
        self._pools = pools
        self._window = parent
        #: The person shown (UNSORTED_ID for the unsorted faces), or None before the first.
        self.current: int | None = None
        self._generation = 0
        self.viewer: PhotoViewer | None = None
        #: Called with each viewer opened (the window connects drawing faces to it).
        self.viewer_opened: Callable[[PhotoViewer], None] | None = None
        #: Called on the GUI thread with each person about to be shown; what it returns re-orders that person's
        #: rows on the io pool, after they are read (the Check mode, organizer.ui.person_check). None: date order.
        self.arrange: Callable[[int], Callable[[list[PhotoRow]], list[PhotoRow]] | None] | None = None
        page.photo_opened.connect(self.open_photo)

    def show(self, person_id: int) -> None:
        if person_id == REVIEW_ID:
            return  # the Review tab shows it (organizer.ui.review); the page keeps the last person
        self.current = person_id
        self._generation += 1
        gen, persons, browse = self._generation, self._persons, self._browse
        pid = None if person_id == UNSORTED_ID else person_id
        arrange = self.arrange(person_id) if self.arrange is not None and pid is not None else None

        def load() -> list[PhotoRow]:
            photos = browse.photos_of_person(pid)
            ages = {f.id: f.age_at_photo for f in persons.person_faces(pid)} if pid is not None else {}
            rows = [PhotoRow(p, ages.get(p.face_id)) for p in photos]
            return arrange(rows) if arrange is not None else rows

        self._pools.run(self._pools.io, load, lambda rows: self._show_rows(gen, person_id, rows))

    def reload(self) -> None:
        """Loads the current person's photos again (after the library changed)."""
        if self.current is not None:
            self.show(self.current)

    def _show_rows(self, generation: int, person_id: int, rows: list[PhotoRow]) -> None:
        if generation != self._generation:
            return  # the user moved on to another person meanwhile
        self.photo_model.set_rows(rows)
        row = self._persons_model.row_of(person_id)
        p = self._persons_model.person(row) if row >= 0 else None
        if person_id == UNSORTED_ID:
            self.page.set_header("Unsorted faces", f"{len(rows)} faces that belong to no person yet")
        elif p is not None:
            self.page.set_header(self._persons_model.title(p), f"{p.n_faces} faces in {p.n_photos} photos"
                                 + (" · hidden" if p.hidden else ""))
        self.shown.emit(person_id)

    def open_photo(self, photo) -> PhotoViewer | None:
        """Opens a photo (or the video frame) with every face box and name, without blocking the window.

        The dialog opens at once with a placeholder; the file is decoded on the io pool. Left/Right go through the
        page's other photos (its rows), each decoded there too.
        """
        if photo is None:
            return None
        photos = [r.photo for r in self.photo_model.rows()]
        index = next((i for i, p in enumerate(photos) if p.face_id == photo.face_id), None)
        if index is None:
            photos, index = [photo], 0
        self.viewer = PhotoViewer(self._pools, photos, index, self.faces_of, self._window)
        self.viewer.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        if self.viewer_opened is not None:
            self.viewer_opened(self.viewer)
        self.viewer.open()
        return self.viewer

    def faces_of(self, photo) -> list:
        """The faces of the photo (of its frame), unnamed persons labelled as the grid numbers them ("Person 3")."""
        return [f if f.name or f.person_id is None else dataclasses.replace(f, name=self._persons_model.name_of(
            f.person_id)) for f in photo.faces]

    def open_selected_photo(self) -> None:
        photos = self.page.selected_photos()
        if photos:
            self.open_photo(photos[0])
