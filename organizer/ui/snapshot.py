# SPDX-License-Identifier: MIT
"""What the main window shows of the library (persons, folders, errors), loaded off the GUI thread."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QObject
from PySide6.QtCore import Signal

from organizer.services.browse_service import BrowseService
from organizer.services.person_queries import PersonQueries
from organizer.services.person_queries import PersonSummary
from organizer.ui.workers import Pools


@dataclass(frozen=True, slots=True)
class Snapshot:
    persons: list[PersonSummary]
    #: Faces that belong to no person yet.
    unsorted: int
    folders: list
    errors: list


class SnapshotLoader(QObject):
    """Loads a :class:`Snapshot` on the io pool; requests made while one loads are served by one load after it."""

    #: A fresh Snapshot, on the GUI thread.
    loaded = Signal(object)
    #: The exception that stopped a load (logged by the worker).
    failed = Signal(object)

    def __init__(self, persons: PersonQueries, browse: BrowseService, pools: Pools,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._persons = persons
        self._browse = browse
        self._pools = pools
        self._include_hidden = False
        self._pending = False
        #: A load is going (``loaded`` or ``failed`` follows).
        self.running = False

    def request(self, include_hidden: bool) -> None:
        self._include_hidden = include_hidden
        if self.running:
            self._pending = True
            return
        self.running = True
        persons, browse = self._persons, self._browse

        def load() -> Snapshot:
            return Snapshot(persons.list_persons(include_hidden=include_hidden), browse.unsorted_count(),
                            browse.folders(), browse.errors())

        self._pools.run(self._pools.io, load, self._arrived, self._failed)

    def _arrived(self, snap: Snapshot) -> None:
        self.running = False
        self.loaded.emit(snap)
        self._again()

    def _failed(self, e: BaseException) -> None:
        self.running = False
        self.failed.emit(e)
        self._again()

    def _again(self) -> None:
        if self._pending:
            self._pending = False
            self.request(self._include_hidden)
