# SPDX-License-Identifier: MIT
"""The hand edits of persons: the Edit, People and Photos menus' actions, each edit an undoable command.

Every edit is applied once before it is pushed (a refused edit never enters the undo stack, its reason goes to
the status bar), then undone and redone through :class:`~organizer.ui.commands.EditCommand`. A full Re-cluster
keeps every edit (the service stores them as decisions) but may give persons new ids, so the undo history is
cleared then, and the status bar says so.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtGui import QKeySequence
from PySide6.QtGui import QUndoStack
from PySide6.QtWidgets import QInputDialog
from PySide6.QtWidgets import QLabel
from PySide6.QtWidgets import QMenu
from PySide6.QtWidgets import QMenuBar
from PySide6.QtWidgets import QWidget

from organizer.services.person_edits import EditResult
from organizer.services.person_edits import PersonEdits
from organizer.ui.commands import EditCommand
from organizer.ui.models.person_model import UNSORTED_ID
from organizer.ui.models.person_model import display_name
from organizer.ui.views.person_grid import PeoplePanel
from organizer.ui.views.person_page import PersonPage

#: The status text after a full Re-cluster when there were edits to undo.
HISTORY_CLEARED = "Persons updated; earlier edits are kept but can no longer be undone"


def add_action(parent: QObject, menu: QMenu, text: str, slot: Callable, shortcut=None, tip: str = "") -> QAction:
    """A menu action with an optional shortcut and status tip."""
    a = QAction(text, parent)
    if shortcut is not None:
        a.setShortcut(QKeySequence(shortcut))
    if tip:
        a.setStatusTip(tip)
    a.triggered.connect(slot)
    menu.addAction(a)
    return a


class EditActions(QObject):
    """Turns the user's corrections into undoable :class:`PersonEdits` calls; ``changed()`` follows each one."""

    def __init__(self, edits: PersonEdits, panel: PeoplePanel, page: PersonPage, status_label: QLabel,
                 current_person: Callable[[], int | None], changed: Callable[[], None], parent: QWidget) -> None:
        super().__init__(parent)
        self._edits = edits
        self._panel = panel
        self._model = panel.model
        self._page = page
        self._window = parent
        self.status_label = status_label
        self._current_person = current_person
        self._changed = changed
        self.undo_stack = QUndoStack(self)
        self._model.rename_requested.connect(self.rename)
        self._model.faces_dropped.connect(self.move_faces)

    def add_menus(self, mb: QMenuBar) -> None:
        """The Edit, People and Photos menus (``people_menu``/``photos_menu`` stay open for the window's actions)."""
        e = mb.addMenu("&Edit")
        self.undo_action = self.undo_stack.createUndoAction(self, "&Undo")
        self.undo_action.setShortcuts([QKeySequence.StandardKey.Undo])
        self.redo_action = self.undo_stack.createRedoAction(self, "&Redo")
        self.redo_action.setShortcuts([QKeySequence("Ctrl+Shift+Z"), QKeySequence.StandardKey.Redo])
        e.addAction(self.undo_action)
        e.addAction(self.redo_action)
        p = self.people_menu = mb.addMenu("&People")
        self.rename_action = add_action(self, p, "&Rename", self.rename_current, "F2")
        self.merge_action = add_action(self, p, "&Merge Selected Persons", self.merge_selected, "Ctrl+M")
        self.hide_action = add_action(self, p, "&Hide / Unhide", self.toggle_hidden_current, "Ctrl+H")
        f = self.photos_menu = mb.addMenu("P&hotos")
        self.move_action = add_action(self, f, "&Move Faces to Person…", self.move_selected_faces, "Ctrl+Shift+M")
        self.split_action = add_action(self, f, "&Split Faces into New Person", self.split_selected, "Ctrl+Shift+S")
        self.remove_action = add_action(self, f, "Not a &Face", self.remove_selected_faces,
                                        QKeySequence.StandardKey.Delete)
        for a in (self.move_action, self.split_action, self.remove_action):
            a.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            self._page.view.addAction(a)
        for a in (self.rename_action, self.merge_action, self.hide_action):
            self._panel.view.addAction(a)
        self._panel.view.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)

    def clustered(self, full: bool) -> None:
        """After a clustering run: a full one may have renumbered persons under the recorded edits."""
        if full and self.undo_stack.count():
            self.undo_stack.clear()
            self.status_label.setText(HISTORY_CLEARED)

    # -- the edits

    def _edit(self, text: str, apply: Callable[[], EditResult]) -> EditResult | None:
        try:
            first = apply()
        except (ValueError, LookupError) as e:
            self.status_label.setText(f"{text}: {e}")
            return None
        cmd = EditCommand(text, self._edits, apply, first, lambda _result: self._changed())
        self.undo_stack.push(cmd)
        return cmd.result

    def merge(self, person_ids: list[int]) -> EditResult | None:
        ids = [i for i in person_ids if i != UNSORTED_ID]
        if len(ids) < 2:
            self.status_label.setText("Select two or more persons to merge")
            return None
        return self._edit(f"Merge {len(ids)} persons", lambda: self._edits.merge(ids))

    def rename(self, person_id: int, name: str) -> EditResult | None:
        return self._edit(f"Rename to “{name}”" if name else "Remove name",
                          lambda: self._edits.rename(person_id, name or None))

    def set_hidden(self, person_id: int, hidden: bool) -> EditResult | None:
        return self._edit("Hide person" if hidden else "Show person",
                          lambda: self._edits.set_hidden(person_id, hidden))

    def move_faces(self, face_ids: list[int], person_id: int) -> EditResult | None:
        if not face_ids:
            return None
        return self._edit(f"Move {len(face_ids)} faces", lambda: self._edits.move_faces(face_ids, person_id))

    def split(self, face_ids: list[int]) -> EditResult | None:
        if not face_ids:
            return None
        return self._edit(f"Split {len(face_ids)} faces", lambda: self._edits.split(face_ids))

    def remove_faces(self, face_ids: list[int]) -> EditResult | None:
        if not face_ids:
            return None
        return self._edit(f"Remove {len(face_ids)} non-faces", lambda: self._edits.remove_faces(face_ids))

    # -- the same, on what is selected

    def merge_selected(self) -> None:
        self.merge(self._panel.selected_person_ids())

    def rename_current(self) -> None:
        idx = self._panel.view.currentIndex()
        if idx.isValid() and self._panel.current_person_id() not in (None, UNSORTED_ID):
            self._panel.view.edit(idx)

    def toggle_hidden_current(self) -> None:
        pid = self._panel.current_person_id()
        row = self._model.row_of(pid) if pid is not None else -1
        p = self._model.person(row) if row >= 0 else None
        if p is not None:
            self.set_hidden(p.id, not p.hidden)

    def move_selected_faces(self) -> None:
        faces = self._page.selected_face_ids()
        persons = [p for p in self._model.persons() if p.id != self._current_person()]
        if not faces or not persons:
            return
        labels = [f"{display_name(p)} ({p.n_photos} photos)" for p in persons]
        choice, ok = QInputDialog.getItem(self._window, "Move Faces", "Move the selected faces to:", labels, 0, False)
        if ok:
            self.move_faces(faces, persons[labels.index(choice)].id)

    def split_selected(self) -> None:
        self.split(self._page.selected_face_ids())

    def remove_selected_faces(self) -> None:
        self.remove_faces(self._page.selected_face_ids())
