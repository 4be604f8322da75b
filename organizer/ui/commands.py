# SPDX-License-Identifier: MIT
"""Undoable hand edits: each wraps one PersonEdits edit and its EditResult."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtGui import QUndoCommand

from organizer.services.person_edits import EditResult
from organizer.services.person_edits import PersonEdits


class EditCommand(QUndoCommand):
    """``redo`` applies the edit (already applied once when pushed), ``undo`` restores the state before it.

    The first application happens before the push so that a refused edit (an exception) never enters the stack.
    """

    def __init__(self, text: str, edits: PersonEdits, apply: Callable[[], EditResult], first: EditResult,
                 changed: Callable[[EditResult | None], None]) -> None:
        super().__init__(text)
        self._edits = edits
        self._apply = apply
        self.result: EditResult = first
        self._changed = changed
        self._pushed = False

    def redo(self) -> None:
        if self._pushed:
            self.result = self._apply()
        self._pushed = True
        self._changed(self.result)

    def undo(self) -> None:
        self._edits.undo(self.result)
        self._changed(None)
