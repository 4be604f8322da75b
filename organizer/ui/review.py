# SPDX-License-Identifier: MIT
"""The review from the window: the report computed on the review pool, the Review tab and grid entry, the answers.

The report (:class:`~organizer.services.review.ReviewService`) is computed off the GUI thread at start, after every
edit, undo and redo, and after every clustering run, one at a time: a request made while one runs discards that
run's (stale) result and starts again after it. While indexing, the live clustering's runs are not followed (the
clustering at its end is). The answers are undoable edits through :class:`~organizer.ui.edit_actions.EditActions`
("Yes to all" is one step); the page drops an answered question at once, before the report is computed again.
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Iterator

from PySide6.QtCore import QObject
from PySide6.QtCore import Signal
from PySide6.QtWidgets import QMenu
from PySide6.QtWidgets import QTabWidget
from PySide6.QtWidgets import QWidget

from organizer.cluster import ClusterParams
from organizer.core.progress import CancelToken
from organizer.services.review import Duplicate
from organizer.services.review import Outlier
from organizer.services.review import ReviewReport
from organizer.services.review import ReviewService
from organizer.services.review import Suggestion
from organizer.ui.clustering import ClusteringController
from organizer.ui.edit_actions import EditActions
from organizer.ui.indexing import IndexingController
from organizer.ui.models.person_model import REVIEW_ID
from organizer.ui.models.person_model import Role
from organizer.ui.models.thumbnails import ThumbnailCache
from organizer.ui.views.person_grid import PeoplePanel
from organizer.ui.views.review import ReviewPage
from organizer.ui.workers import GeneratorWorker
from organizer.ui.workers import Pools

TAB_TEXT = "&Review"


def _faces(n: int) -> str:
    return f"{n} face{'s' if n != 1 else ''}"


class ReviewController(QObject):
    """Keeps the Review tab's questions and the grid's "Review" entry up to date, and applies the answers."""

    #: A fresh report is shown (on the GUI thread; tests wait on it).
    updated = Signal(object)

    def __init__(self, service: ReviewService, pools: Pools, load_params: Callable[[], ClusterParams],
                 edits: EditActions, panel: PeoplePanel, thumbs: ThumbnailCache, tabs: QTabWidget,
                 photos: QWidget, indexer: IndexingController, clustering: ClusteringController,
                 parent: QWidget) -> None:
        super().__init__(parent)
        self._service, self._pools, self._load_params = service, pools, load_params
        self._edits, self._panel, self._model = edits, panel, panel.model
        self._tabs, self._photos, self._indexer = tabs, photos, indexer
        self.page = ReviewPage(thumbs, self._model.summary, self._model.name_of)
        tabs.addTab(self.page, TAB_TEXT)
        self.report: ReviewReport | None = None
        self._worker: GeneratorWorker | None = None
        self._pending = False
        self._last_activated: int | None = None
        p = self.page
        p.said_yes.connect(self.yes)
        p.said_no.connect(self.no)
        p.said_yes_to_all.connect(self.yes_to_all)
        p.said_merge.connect(self.merge)
        p.said_different.connect(self.different)
        p.said_keep.connect(self.keep)
        p.said_take_out.connect(self.take_out)
        p.count_changed.connect(self._count_changed)
        self._model.modelReset.connect(p.refresh)  # persons renumbered, renamed, their faces changed
        edits.changed.connect(self.request)
        clustering.clustered.connect(lambda _full: self.request())
        panel.person_activated.connect(self._activated)
        panel.view.clicked.connect(self._clicked)
        panel.view.activated.connect(self._clicked)
        self.request()

    def add_menu(self, menu: QMenu) -> QMenu:
        """The answers in a "Review" submenu (Help → Keyboard Shortcuts lists their keys from there)."""
        sub = menu.addMenu("Re&view")
        for i, section in enumerate(self.page.menu_actions()):
            if i:
                sub.addSeparator()
            sub.addActions(section)
        return sub

    @property
    def running(self) -> bool:
        return self._worker is not None or self._pending

    # -- the report

    def request(self) -> None:
        """Computes the report again (coalesced; not while indexing: the clustering at its end asks again)."""
        if self._indexer.running:
            return
        if self._worker is not None:
            self._pending = True
            return
        service, load = self._service, self._load_params

        def run(cancel: CancelToken) -> Iterator[ReviewReport]:
            yield service.report(load(), cancel)

        w = GeneratorWorker(run)
        w.signals.progressed.connect(self._arrived)
        w.signals.failed.connect(self._failed)
        w.signals.finished.connect(self._finished)
        self._worker = w
        self._pools.start(self._pools.review, w)

    def _arrived(self, report: ReviewReport) -> None:
        if self._pending:
            return  # computed before the last edit: the next run follows
        self.report = report
        self.page.status.setText("")
        self.page.queue.set_report(report)
        self.page.refresh()
        self.updated.emit(report)

    def _failed(self, e: BaseException) -> None:
        if not self._pending:
            self.page.status.setText(f"The questions could not be computed: {e}")

    def _finished(self) -> None:
        self._worker = None
        if self._pending:
            self._pending = False
            self.request()

    def _count_changed(self, count: int) -> None:
        self._model.set_review_count(count if self.report is not None else None)
        i = self._tabs.indexOf(self.page)
        self._tabs.setTabText(i, f"{TAB_TEXT} ({count})" if count else TAB_TEXT)

    # -- where it shows

    def _activated(self, person_id: int) -> None:
        # A refresh selects the same entry again: only a change of entry changes the tab.
        before, self._last_activated = self._last_activated, person_id
        if person_id == before:
            return
        if person_id == REVIEW_ID:
            self._tabs.setCurrentWidget(self.page)
        elif self._tabs.currentWidget() is self.page:
            self._tabs.setCurrentWidget(self._photos)

    def _clicked(self, index) -> None:
        if index.isValid() and index.data(Role.PersonId) == REVIEW_ID:
            self._tabs.setCurrentWidget(self.page)
            self.page.focus_question()

    def show(self) -> None:
        """Selects the "Review" entry and shows its tab, the keys on the questions."""
        self._panel.select_person(REVIEW_ID)
        self._tabs.setCurrentWidget(self.page)
        self.page.focus_question()

    # -- the answers

    def _accept(self, s: Suggestion) -> bool:
        name = self.page.name(s.person_id, s.person_name)
        faces = _faces(len(s.face_ids))
        res = self._edits.edit(f"Yes: {faces} of “{name}”", f"Added {faces} to “{name}”",
                               lambda: self._edits.service.accept(list(s.face_ids), s.person_id, s.from_person))
        if res is not None:
            self.page.queue.answered([s], res.persons_deleted)
        return res is not None

    def yes(self, s: Suggestion) -> None:
        if self._accept(s):
            self.page.refresh()

    def yes_to_all(self, suggestions: list[Suggestion]) -> None:
        if not suggestions:
            return
        name = self.page.name(suggestions[0].person_id, suggestions[0].person_name)
        n = sum(len(s.face_ids) for s in suggestions)
        with self._edits.macro(f"Yes to all for “{name}”", f"Added {_faces(n)} to “{name}”"):
            for s in suggestions:
                self._accept(s)
        self.page.refresh()

    def no(self, s: Suggestion) -> None:
        name = self.page.name(s.person_id, s.person_name)
        faces = _faces(len(s.face_ids))
        res = self._edits.edit(f"No: {faces} not “{name}”", f"Noted: {'they are' if len(s.face_ids) > 1 else 'it is'}"
                               f" not “{name}” (not asked again)",
                               lambda: self._edits.service.reject(list(s.face_ids), s.person_id))
        if res is not None:
            self.page.queue.answered([s])
            self.page.refresh()

    def merge(self, d: Duplicate) -> None:
        a, b = d.person_ids
        na, nb = self.page.name(a, d.names[0]), self.page.name(b, d.names[1])
        res = self._edits.edit("Merge 2 persons", f"Merged “{na}” and “{nb}”",
                               lambda: self._edits.service.merge([a, b]))
        if res is not None:
            self.page.queue.answered_duplicate(d, res.persons_deleted)
            self.page.refresh()

    def different(self, d: Duplicate) -> None:
        a, b = d.person_ids
        na, nb = self.page.name(a, d.names[0]), self.page.name(b, d.names[1])
        res = self._edits.edit("Different people", f"Noted: “{na}” and “{nb}” are different people",
                               lambda: self._edits.service.mark_different(a, b))
        if res is not None:
            self.page.queue.answered_duplicate(d)
            self.page.refresh()

    def keep(self, o: Outlier) -> None:
        name = self.page.name(o.person_id, o.person_name)
        res = self._edits.edit(f"Keep a face in “{name}”", f"Kept the face in “{name}” (not asked again)",
                               lambda: self._edits.service.keep_faces([o.face_id]))
        if res is not None:
            self.page.queue.answered_outlier(o)
            self.page.refresh()

    def take_out(self, o: Outlier) -> None:
        if self._edits.split([o.face_id]) is not None:
            self.page.queue.answered_outlier(o)
            self.page.refresh()
