# SPDX-License-Identifier: MIT
"""The person page's Check mode: the person's faces that may not belong first, each with its reasons and a mark.

"Check" (Ctrl+K, a checkable button beside the page's title, and the Photos menu) re-orders the page by how
doubtful each face is (:class:`~organizer.services.person_check.PersonCheck`, computed on the io pool with the
page's rows, so the page appears once, already ordered), and says how many faces are doubtful ("Check (3)"; counted
for every person shown, in date order too). "Keep in Person" (K) confirms the selected faces, an undoable edit
(:meth:`~organizer.services.person_edits.PersonEdits.keep_faces`); Move, Split and Not a Face work as always.
Every edit, undo and redo reloads the page, which checks the person again: a kept face loses its mark, an undone
keep gets it back. Leaving Check mode shows the date order again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import shiboken6
from PySide6.QtCore import QItemSelectionModel
from PySide6.QtCore import QObject
from PySide6.QtCore import Qt
from PySide6.QtCore import Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QToolButton
from PySide6.QtWidgets import QWidget

from organizer.cluster import ClusterParams
from organizer.services.person_check import PersonCheck
from organizer.ui.edit_actions import EditActions
from organizer.ui.edit_actions import add_action
from organizer.ui.models.person_model import REVIEW_ID
from organizer.ui.models.person_model import UNSORTED_ID
from organizer.ui.models.photo_model import PhotoRow
from organizer.ui.person_browser import PersonBrowser
from organizer.ui.workers import Pools

log = logging.getLogger(__name__)

CHECK_TEXT = "&Check"


class PersonCheckController(QObject):
    """Owns the Check and Keep actions of the person page, and the order and marks of its rows in Check mode."""

    #: The doubtful faces of the shown person were counted (None: no person shown); tests wait on it.
    counted = Signal(object)

    def __init__(self, service: PersonCheck, pools: Pools, load_params: Callable[[], ClusterParams],
                 edits: EditActions, browser: PersonBrowser, name_of: Callable[[int], str], parent: QWidget) -> None:
        super().__init__(parent)
        self._service, self._pools, self._load_params = service, pools, load_params
        self._edits, self._browser, self._name_of = edits, browser, name_of
        self._page = browser.page
        #: How many of the shown person's faces are doubtful (None: not known yet, or no person shown).
        self.count: int | None = None
        self._counting = 0  # the latest count asked for; older answers are dropped
        page, menu = self._page, edits.photos_menu
        menu.addSeparator()
        self.check_action = add_action(self, menu, CHECK_TEXT, self.set_checking, "Ctrl+K", scope=page,
                                       tip="Show the faces that may not belong to this person first, with the reasons")
        self.check_action.setCheckable(True)
        self.check_action.setObjectName("check")
        self.keep_action = add_action(self, menu, "&Keep in Person", self.keep_selected, "K", scope=page,
                                      tip="The selected faces belong here: confirm them, no longer flagged")
        self.keep_action.setObjectName("keep")
        self.keep_action.setIconText("Keep (K)")  # its button's text
        page.view.addAction(self.keep_action)
        self.check_button = self._button(self.check_action)
        self.keep_button = self._button(self.keep_action)
        browser.arrange = self._arrange
        browser.shown.connect(self._shown)
        self._enable(None)

    def _button(self, action: QAction) -> QToolButton:
        b = QToolButton()
        b.setDefaultAction(action)
        b.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self._page.tools.addWidget(b)
        return b

    @property
    def checking(self) -> bool:
        return self.check_action.isChecked()

    # -- the mode

    def set_checking(self, on: bool) -> None:
        """Check mode on or off: the page shows the person again, in the new order."""
        if self.check_action.isChecked() != on:
            self.check_action.setChecked(on)
        self._enable(self._person(self._browser.current))
        self._page.view.setFocus()
        self._browser.reload()

    def _person(self, person_id: int | None) -> int | None:
        return person_id if person_id not in (None, UNSORTED_ID, REVIEW_ID) else None

    def _arrange(self, person_id: int) -> Callable[[list[PhotoRow]], list[PhotoRow]] | None:
        """On the GUI thread, before the person's rows are read: in Check mode, what orders them (on the io pool)."""
        if not self.checking or self._person(person_id) is None:
            return None
        service, load, name = self._service, self._load_params, self._name_of(person_id)

        def arrange(rows: list[PhotoRow]) -> list[PhotoRow]:
            try:
                report = service.check(person_id, load(), name)
            except Exception:  # the page must show the photos all the same: in date order, without marks
                log.exception("could not check the faces of person %s", person_id)
                return rows
            place = {c.face_id: (k, c.reasons) for k, c in enumerate(report.faces)}
            rows = sorted(rows, key=lambda r: place.get(r.photo.face_id, (len(place), ()))[0])
            return [PhotoRow(r.photo, r.age_at_photo, place.get(r.photo.face_id, (0, ()))[1]) for r in rows]

        return arrange

    def _shown(self, person_id: int) -> None:
        pid = self._person(person_id)
        self._counting += 1
        if pid is None:
            self._set_count(None)
        elif self.checking:  # the rows carry the check already
            rows = self._browser.photo_model.rows()
            self._set_count(sum(bool(r.doubts) for r in rows))
            if rows and rows[0].doubts:  # the first doubtful face is selected: K keeps it, Del removes it
                view = self._page.view
                first = view.model().index(0, 0)
                view.selectionModel().setCurrentIndex(first, QItemSelectionModel.SelectionFlag.ClearAndSelect)
        else:  # the count in date order too (the last one stays on the button meanwhile)
            ticket, service, load, name = self._counting, self._service, self._load_params, self._name_of(pid)
            self._pools.run(self._pools.io, lambda: service.check(pid, load(), name).doubtful,
                            lambda n: self._counted(ticket, n),
                            lambda e: log.error("could not check the faces of person %s: %s", pid, e))

    def _counted(self, ticket: int, n: int) -> None:
        # else another person (or the same one, changed) is shown meanwhile, or the window closed meanwhile
        if ticket == self._counting and shiboken6.isValid(self.check_action):
            self._set_count(n)

    def _set_count(self, n: int | None) -> None:
        self.count = n
        self.check_action.setText(f"{CHECK_TEXT} ({n})" if n else CHECK_TEXT)
        self._enable(self._person(self._browser.current))
        self.counted.emit(n)

    def _enable(self, person_id: int | None) -> None:
        self.check_action.setEnabled(person_id is not None)
        self.keep_action.setEnabled(person_id is not None and self.checking)
        self.keep_button.setVisible(self.checking)

    # -- the answer

    def keep_selected(self) -> None:
        """The selected faces stay in the shown person, confirmed: they are no longer flagged."""
        pid, faces = self._person(self._browser.current), self._page.selected_face_ids()
        if pid is None or not faces:
            self._edits.status_label.setText("Select the photos whose faces belong here first")
            return
        n, who = len(faces), self._name_of(pid)
        what = f"{n} face{'s' if n != 1 else ''}"
        self._edits.edit(f"Keep {what} in “{who}”", f"Kept {what} in “{who}” (no longer flagged)",
                         lambda: self._edits.service.keep_faces(faces))
