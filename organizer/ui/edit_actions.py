# SPDX-License-Identifier: MIT
"""The hand edits of persons: the Edit, People and Photos menus' actions, each edit an undoable command.

Every edit is applied once before it is pushed (a refused edit never enters the undo stack, its reason goes to
the status bar), then undone and redone through :class:`~organizer.ui.commands.EditCommand`; the status bar says
what each edit, undo and redo did. A full Re-cluster keeps every edit (the service stores them as decisions) but
may give persons new ids, so the undo history is cleared then, and the status bar says so.

Shortcuts live where they act: the People menu's on the people panel, the Photos menu's on the person page (both
``WidgetWithChildrenShortcut``), so that a key such as Return or Delete means one thing in each place and an inline
rename gets its Return; only Undo and Redo are the whole window's.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from collections.abc import Iterator
from contextlib import contextmanager

from PySide6.QtCore import QObject
from PySide6.QtCore import Qt
from PySide6.QtCore import Signal
from PySide6.QtGui import QAction
from PySide6.QtGui import QKeySequence
from PySide6.QtGui import QUndoStack
from PySide6.QtWidgets import QLabel
from PySide6.QtWidgets import QMenu
from PySide6.QtWidgets import QMenuBar
from PySide6.QtWidgets import QWidget

from organizer.services.person_edits import EditResult
from organizer.services.person_edits import PersonEdits
from organizer.ui.commands import EditCommand
from organizer.ui.dialogs.birth_date import BirthDateDialog
from organizer.ui.dialogs.person_picker import NEW_PERSON
from organizer.ui.dialogs.person_picker import PersonPicker
from organizer.ui.models.person_model import REVIEW_ID
from organizer.ui.models.person_model import UNSORTED_ID
from organizer.ui.models.photo_model import PhotoRole
from organizer.ui.models.thumbnails import ThumbnailCache
from organizer.ui.views.person_grid import PeoplePanel
from organizer.ui.views.person_page import PersonPage

#: The status text after a full Re-cluster when there were edits to undo.
HISTORY_CLEARED = "Persons updated; earlier edits are kept but can no longer be undone"
#: How many recent targets of "Move Faces to Person…" the picker lists first.
RECENT_TARGETS = 5


def add_action(parent: QObject, menu: QMenu, text: str, slot: Callable, shortcut=None, tip: str = "",
               scope: QWidget | None = None) -> QAction:
    """A menu action with an optional shortcut and status tip.

    ``shortcut``: a key sequence, its text, a standard key (all of the platform's bindings of it) or a list of key
    sequences. With ``scope`` the shortcut works only while the focus is in that widget or its children.
    """
    a = QAction(text, parent)
    if isinstance(shortcut, QKeySequence.StandardKey):
        a.setShortcuts(key_bindings(shortcut))
    elif isinstance(shortcut, list):
        a.setShortcuts(shortcut)
    elif shortcut is not None:
        a.setShortcut(QKeySequence(shortcut))
    if tip:
        a.setStatusTip(tip)
    if scope is not None:
        a.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        scope.addAction(a)
    a.triggered.connect(slot)
    menu.addAction(a)
    return a


def key_bindings(standard: QKeySequence.StandardKey, *extra: str) -> list[QKeySequence]:
    """The platform's bindings of ``standard`` plus ``extra`` ones, each once.

    A key bound twice to one action is an "Ambiguous shortcut overload" and then does nothing: on X11 the standard
    Redo already is Ctrl+Shift+Z, which an explicit Ctrl+Shift+Z would repeat.
    """
    keys: list[QKeySequence] = []
    for k in [*QKeySequence.keyBindings(standard), *(QKeySequence(e) for e in extra)]:
        if not k.isEmpty() and k not in keys:
            keys.append(k)
    return keys


def _n(count: int, what: str) -> str:
    return f"{count} {what}{'s' if count != 1 else ''}"


class EditActions(QObject):
    """Turns the user's corrections into undoable :class:`PersonEdits` calls; ``changed()`` follows each one."""

    #: A person the last edit made (a merge's survivor): the window selects and shows it after its refresh.
    person_made = Signal(int)
    #: An edit was applied, undone or redone (after the window's own ``changed`` callback).
    changed = Signal()

    def __init__(self, edits: PersonEdits, panel: PeoplePanel, page: PersonPage, thumbs: ThumbnailCache,
                 status_label: QLabel, current_person: Callable[[], int | None], changed: Callable[[], None],
                 parent: QWidget) -> None:
        super().__init__(parent)
        self._edits = edits
        self._panel = panel
        self._model = panel.model
        self._page = page
        self._thumbs = thumbs
        self._window = parent
        self.status_label = status_label
        self._current_person = current_person
        self._changed = changed
        self.undo_stack = QUndoStack(self)
        self._index = 0
        self._quiet = False  # pushing or clearing: the index change is said elsewhere
        self.undo_stack.indexChanged.connect(self._index_changed)
        #: Targets of the last moves, most recent first.
        self.recent: list[int] = []
        self.picker: PersonPicker | None = None
        #: The open "Set Birth Date…" dialog, if any.
        self.birth_dialog: BirthDateDialog | None = None
        self._model.rename_requested.connect(self.rename)
        self._model.faces_dropped.connect(self.move_faces)

    @property
    def service(self) -> PersonEdits:
        """The edits service (for edits pushed from elsewhere with :meth:`edit`)."""
        return self._edits

    def add_menus(self, mb: QMenuBar) -> None:
        """The Edit, People and Photos menus (``people_menu``/``photos_menu`` stay open for the window's actions)."""
        e = mb.addMenu("&Edit")
        self.undo_action = self.undo_stack.createUndoAction(self, "&Undo")
        self.undo_action.setObjectName("undo")
        self.undo_action.setShortcuts(key_bindings(QKeySequence.StandardKey.Undo))
        self.redo_action = self.undo_stack.createRedoAction(self, "&Redo")
        self.redo_action.setObjectName("redo")
        self.redo_action.setShortcuts(key_bindings(QKeySequence.StandardKey.Redo, "Ctrl+Shift+Z"))
        e.addAction(self.undo_action)
        e.addAction(self.redo_action)
        p, panel = mb.addMenu("&People"), self._panel
        self.people_menu = p
        self.rename_action = add_action(self, p, "&Rename", self.rename_current, "F2", scope=panel)
        self.merge_action = add_action(self, p, "&Merge Selected Persons", self.merge_selected, "Ctrl+M", scope=panel)
        self.hide_action = add_action(self, p, "&Hide / Unhide", self.toggle_hidden_current, "Ctrl+H", scope=panel)
        self.birth_date_action = add_action(self, p, "Set &Birth Date…", self.set_birth_date_current, scope=panel,
                                            tip="Enter the person's exact birth date (replaces the estimated year)")
        f, page = mb.addMenu("Ph&otos"), self._page
        self.photos_menu = f
        self.move_action = add_action(self, f, "&Move Faces to Person…", self.move_selected_faces, "Ctrl+Shift+M",
                                      scope=page)
        self.split_action = add_action(self, f, "&Split Faces into New Person", self.split_selected, "Ctrl+Shift+S",
                                       scope=page)
        self.remove_action = add_action(self, f, "Not a &Face", self.remove_selected_faces,
                                        QKeySequence.StandardKey.Delete, scope=page)
        self.cover_action = add_action(self, f, "&Use as Person's Picture", self.use_as_cover, scope=page,
                                       tip="Show this face for the person in the people grid")
        self._page.view.addActions([self.move_action, self.split_action, self.remove_action, self.cover_action])
        self._panel.view.addActions([self.rename_action, self.merge_action, self.hide_action, self.birth_date_action])
        self._panel.view.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)

    def clustered(self, full: bool) -> None:
        """After a clustering run: a full one may have renumbered persons under the recorded edits."""
        if full and self.undo_stack.count():
            self._quiet = True
            self.undo_stack.clear()
            self._quiet = False
            self.status_label.setText(HISTORY_CLEARED)

    # -- what the status bar says

    def _say_done(self, done: str) -> None:
        key = self.undo_action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
        self.status_label.setText(f"{done} — {key} to undo" if key else done)

    def _index_changed(self, index: int) -> None:
        before, self._index = self._index, index
        if self._quiet:
            return
        if index < before:
            self.status_label.setText(f"Undid: {self.undo_stack.text(index)}")
        elif index > before:
            self.status_label.setText(f"Redid: {self.undo_stack.text(index - 1)}")

    # -- the edits

    def edit(self, text: str, done: str, apply: Callable[[], EditResult]) -> EditResult | None:
        """Applies an edit and pushes it; ``text`` names it in the Edit menu, ``done`` in the status bar."""
        try:
            first = apply()
        except (ValueError, LookupError) as e:
            self.status_label.setText(f"{text}: {e}")
            return None
        cmd = EditCommand(text, self._edits, apply, first, lambda _result: self._after_change())
        quiet, self._quiet = self._quiet, True
        try:
            self.undo_stack.push(cmd)
        finally:
            self._quiet = quiet
        self._say_done(done)
        return cmd.result

    @contextmanager
    def macro(self, text: str, done: str) -> Iterator[None]:
        """The edits made inside are one step of the undo history, named ``text``; ``done`` is said after them."""
        quiet, self._quiet = self._quiet, True
        self.undo_stack.beginMacro(text)
        try:
            yield
        finally:
            self.undo_stack.endMacro()
            self._quiet = quiet
        self._say_done(done)

    def _after_change(self) -> None:
        self._changed()
        self.changed.emit()

    def merge(self, person_ids: list[int]) -> EditResult | None:
        ids = [i for i in person_ids if i != UNSORTED_ID]
        if len(ids) < 2:
            self.status_label.setText("Select two or more persons to merge")
            return None
        # The service keeps the first named person (else the first): say which name the merged person has.
        named = [p.name for p in (self._model.summary(i) for i in ids) if p is not None and p.name]
        done = f"Merged {len(ids)} persons" + (f" into “{named[0]}”" if named else "")
        res = self.edit(f"Merge {len(ids)} persons", done, lambda: self._edits.merge(ids))
        if res is not None and res.person_id is not None:
            self.person_made.emit(res.person_id)
        return res

    def rename(self, person_id: int, name: str) -> EditResult | None:
        name = name.strip()
        return self.edit(f"Rename to “{name}”" if name else "Remove name",
                          f"Renamed to “{name}”" if name else "Name removed",
                          lambda: self._edits.rename(person_id, name or None))

    def set_hidden(self, person_id: int, hidden: bool) -> EditResult | None:
        who = self._model.name_of(person_id)
        return self.edit("Hide person" if hidden else "Show person",
                          f"Hid “{who}” (Show hidden lists hidden persons)" if hidden else f"“{who}” shown again",
                          lambda: self._edits.set_hidden(person_id, hidden))

    def set_birth_date(self, person_id: int, birth_date: dt.date | None) -> EditResult | None:
        who = self._model.name_of(person_id)
        if birth_date is None:
            return self.edit("Clear birth date", f"Birth date of “{who}” cleared (estimated from the faces again)",
                             lambda: self._edits.set_birth_date(person_id, None))
        day = birth_date.isoformat()
        return self.edit(f"Set birth date {day}", f"“{who}” born {day}",
                         lambda: self._edits.set_birth_date(person_id, birth_date))

    def move_faces(self, face_ids: list[int], person_id: int) -> EditResult | None:
        if not face_ids:
            return None
        faces, to = _n(len(face_ids), "face"), self._model.name_of(person_id)
        res = self.edit(f"Move {faces} to “{to}”", f"Moved {faces} to “{to}”",
                         lambda: self._edits.move_faces(face_ids, person_id))
        if res is not None:
            self.recent = [person_id, *(r for r in self.recent if r != person_id)][:RECENT_TARGETS]
        return res

    def split(self, face_ids: list[int]) -> EditResult | None:
        if not face_ids:
            return None
        faces = _n(len(face_ids), "face")
        return self.edit(f"Split {faces} into a new person", f"Split {faces} into a new person",
                          lambda: self._edits.split(face_ids))

    def remove_faces(self, face_ids: list[int]) -> EditResult | None:
        if not face_ids:
            return None
        what = _n(len(face_ids), "non-face")
        return self.edit(f"Remove {what}", f"Removed {what}", lambda: self._edits.remove_faces(face_ids))

    def set_cover(self, person_id: int, face_id: int) -> EditResult | None:
        who = self._model.name_of(person_id)
        return self.edit("Use as person's picture", f"New picture for “{who}”",
                          lambda: self._edits.set_cover(person_id, face_id))

    # -- the same, on what is selected

    def use_as_cover(self) -> None:
        """The current photo's face becomes the shown person's picture."""
        person, idx = self._current_person(), self._page.view.currentIndex()
        if person in (None, UNSORTED_ID) or not idx.isValid():
            self.status_label.setText("Select a photo of a person first")
            return
        self.set_cover(person, int(idx.data(PhotoRole.FaceId)))

    def merge_selected(self) -> None:
        self.merge(self._panel.selected_person_ids())

    def rename_current(self) -> None:
        idx = self._panel.view.currentIndex()
        if idx.isValid() and self._panel.current_person_id() not in (None, UNSORTED_ID, REVIEW_ID):
            self._panel.view.setFocus()
            self._panel.view.edit(idx)

    def toggle_hidden_current(self) -> None:
        pid = self._panel.current_person_id()
        row = self._model.row_of(pid) if pid is not None else -1
        p = self._model.person(row) if row >= 0 else None
        if p is not None:
            self.set_hidden(p.id, not p.hidden)

    def set_birth_date_current(self) -> BirthDateDialog | None:
        """Opens the birth date dialog (window-modal, not blocking) for the current person; OK sets the date."""
        pid = self._panel.current_person_id()
        row = self._model.row_of(pid) if pid not in (None, UNSORTED_ID, REVIEW_ID) else -1
        p = self._model.person(row) if row >= 0 else None
        if p is None:
            self.status_label.setText("Select a person first")
            return None
        dlg = BirthDateDialog(self._model.name_of(p.id), p.birth_date, p.birth_year, self._window)
        dlg.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dlg.accepted.connect(lambda: self._birth_date_entered(p.id, p.birth_date, dlg.birth_date()))
        dlg.finished.connect(lambda _r: setattr(self, "birth_dialog", None))
        self.birth_dialog = dlg
        dlg.open()
        return dlg

    def _birth_date_entered(self, person_id: int, before: dt.date | None, date: dt.date | None) -> None:
        if date != before:  # OK without a change is no edit
            self.set_birth_date(person_id, date)

    def move_selected_faces(self) -> PersonPicker | None:
        """Opens the person picker (window-modal, not blocking) for the selected faces; OK moves them."""
        faces = self._page.selected_face_ids()
        if not faces:
            self.status_label.setText("Select the photos whose faces to move first")
            return None
        current = self._current_person()
        persons = [p for p in self._model.persons() if p.id != current]
        dlg = PersonPicker(persons, self._model.title, self._thumbs, self.recent, len(faces), self._window)
        dlg.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dlg.accepted.connect(lambda: self._picked(faces, dlg.chosen()))
        self.picker = dlg
        dlg.open()
        return dlg

    def _picked(self, faces: list[int], chosen: int | None) -> None:
        self.picker = None
        if chosen == NEW_PERSON:
            self.split(faces)
        elif chosen is not None:
            self.move_faces(faces, chosen)

    def split_selected(self) -> None:
        self.split(self._page.selected_face_ids())

    def remove_selected_faces(self) -> None:
        self.remove_faces(self._page.selected_face_ids())
