# SPDX-License-Identifier: MIT
"""The Review tab: one question at a time in each section ("Is this Anna?", "Possible duplicates", "May not
belong"), faces side by side, the reasons in plain words, and the answers as buttons and keys (Y, N, S, Shift+Y;
M, D, S; K, T, S).

The page only shows the questions and says what the user answered (its signals); the window's review controller
(:mod:`organizer.ui.review`) applies the answers as undoable edits and tells the queue which are done.
"""

from __future__ import annotations

import html
from collections.abc import Callable

from PySide6.QtCore import Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QLabel
from PySide6.QtWidgets import QTabWidget
from PySide6.QtWidgets import QVBoxLayout
from PySide6.QtWidgets import QWidget

from organizer.services.person_queries import PersonSummary
from organizer.services.review import Duplicate
from organizer.services.review import Outlier
from organizer.services.review import Suggestion
from organizer.ui.models.review_queue import ReviewQueue
from organizer.ui.models.thumbnails import ThumbnailCache
from organizer.ui.views.question_panel import QuestionPanel
from organizer.ui.views.question_panel import confidence_text
from organizer.ui.views.question_panel import evidence_html
from organizer.ui.views.question_panel import left_text

OUTLIERS_EMPTY = "No face looks out of place in its person."


def _tab(text: str, n: int) -> str:
    return f"{text} ({n})" if n else text


class ReviewPage(QWidget):
    """Shows the questions of a :class:`ReviewQueue`; the answers go out as signals (Skip stays here)."""

    #: A suggestion answered yes / no; several answered yes at once (one step); a pair to merge / keep apart.
    said_yes = Signal(object)
    said_no = Signal(object)
    said_yes_to_all = Signal(list)
    said_merge = Signal(object)
    said_different = Signal(object)
    #: A face that may not belong: kept in its person, or taken out of it (into a person of its own).
    said_keep = Signal(object)
    said_take_out = Signal(object)
    #: How many questions (suggestions and duplicates) are left, after an answer, a skip or a new report.
    count_changed = Signal(int)

    def __init__(self, thumbs: ThumbnailCache, person: Callable[[int], PersonSummary | None],
                 name_of: Callable[[int], str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("review")
        self.queue = ReviewQueue()
        self._thumbs, self._person, self._name_of = thumbs, person, name_of
        q = self.questions = QuestionPanel("review questions")
        self.yes_action, self.yes_button = q.add_answer("Yes", "Y", self._answer(self.said_yes, "suggestion"))
        self.no_action, self.no_button = q.add_answer("No", "N", self._answer(self.said_no, "suggestion"))
        self.skip_action, self.skip_button = q.add_answer("Skip", "S", self.skip)
        self.all_action, self.all_button = q.add_answer("Yes to All", "Shift+Y", self.yes_to_all)
        q.finish_buttons()
        d = self.duplicates = QuestionPanel("possible duplicates")
        self.merge_action, self.merge_button = d.add_answer("Merge", "M", self._answer(self.said_merge, "duplicate"))
        self.different_action, self.different_button = d.add_answer(
            "Different People", "D", self._answer(self.said_different, "duplicate"))
        self.skip_pair_action, self.skip_pair_button = d.add_answer("Skip", "S", self.skip_pair)
        d.finish_buttons()
        o = self.outliers = QuestionPanel("faces that may not belong", OUTLIERS_EMPTY)
        self.keep_action, self.keep_button = o.add_answer("Keep", "K", self._answer(self.said_keep, "outlier"))
        self.take_out_action, self.take_out_button = o.add_answer(
            "Take Out", "T", self._answer(self.said_take_out, "outlier"))
        self.skip_face_action, self.skip_face_button = o.add_answer("Skip", "S", self.skip_face)
        self.take_out_action.setStatusTip("Move the face out of this person, into a person of its own")
        o.confidence.hide()  # a face's doubts have reasons, not a confidence
        o.finish_buttons()
        self.tabs = QTabWidget()
        self.tabs.addTab(q, "Is this…?")
        self.tabs.addTab(d, "Possible duplicates")
        self.tabs.addTab(o, "May not belong")
        self.status = QLabel()
        self.status.setWordWrap(True)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        lay.addWidget(self.tabs, 1)
        lay.addWidget(self.status)
        thumbs.loaded.connect(self._thumbnails_loaded)
        self.refresh()

    def menu_actions(self) -> list[list[QAction]]:
        """The answers by section (for the People → Review menu)."""
        return [[self.yes_action, self.no_action, self.skip_action, self.all_action],
                [self.merge_action, self.different_action, self.skip_pair_action],
                [self.keep_action, self.take_out_action, self.skip_face_action]]

    def name(self, person_id: int, stored: str | None = None) -> str:
        """What the grid calls the person (a person the grid does not list: its stored name)."""
        return stored or self._name_of(person_id)

    # -- showing

    def refresh(self) -> None:
        """Shows the current question of each section, and the number of questions in the tabs."""
        q = self.queue
        self.tabs.setTabText(0, _tab("Is this…?", len(q.suggestions)))
        self.tabs.setTabText(1, _tab("Possible duplicates", len(q.duplicates)))
        self.tabs.setTabText(2, _tab("May not belong", len(q.outliers)))
        self._show_suggestion(q.suggestion)
        self._show_duplicate(q.duplicate)
        self._show_outlier(q.outlier)
        if not q.suggestions and q.duplicates and self.tabs.currentIndex() == 0:
            self.tabs.setCurrentIndex(1)
        self.count_changed.emit(q.count)

    def _card(self, card, person_id: int, name: str) -> None:
        p = self._person(person_id)
        faces = f"<br>{p.n_faces} face{'s' if p.n_faces != 1 else ''}" if p is not None else ""
        card.show_face(p.cover_face_id if p is not None else None, f"<b>{html.escape(name)}</b>{faces}",
                       self._thumbs)

    def _show_suggestion(self, s: Suggestion | None) -> None:
        panel = self.questions
        panel.set_asking(s is not None)
        if s is None:
            return
        name = self.name(s.person_id, s.person_name)
        n = len(s.face_ids)
        panel.position.setText(left_text(len(self.queue.suggestions), "question"))
        panel.left.show_face(s.face_id, "This face" if n == 1 else f"These {n} faces", self._thumbs)
        self._card(panel.right, s.person_id, name)
        panel.question.setText(f"Is this {name}?")
        panel.evidence.setText(evidence_html(s.evidence, {s.person_id: name} if not s.person_name else {}))
        panel.confidence.setText(confidence_text(s.confidence))
        same = len(self.queue.same_person(s))
        self.all_button.setText(f"Yes to all {same} for {name} (Shift+Y)")
        self.all_button.setVisible(same > 1)

    def _show_duplicate(self, d: Duplicate | None) -> None:
        panel = self.duplicates
        panel.set_asking(d is not None)
        if d is None:
            return
        (a, b), (na, nb) = d.person_ids, d.names
        name_a, name_b = self.name(a, na), self.name(b, nb)
        panel.position.setText(left_text(len(self.queue.duplicates), "pair"))
        self._card(panel.left, a, name_a)
        self._card(panel.right, b, name_b)
        panel.question.setText(f"Are {name_a} and {name_b} the same person?")
        names = {pid: n for pid, stored, n in ((a, na, name_a), (b, nb, name_b)) if not stored}
        panel.evidence.setText(evidence_html(d.evidence, names))
        panel.confidence.setText(confidence_text(d.confidence))

    def _show_outlier(self, o: Outlier | None) -> None:
        panel = self.outliers
        panel.set_asking(o is not None)
        if o is None:
            return
        name = self.name(o.person_id, o.person_name)
        panel.position.setText(left_text(len(self.queue.outliers), "face"))
        panel.left.show_face(o.face_id, "This face", self._thumbs)
        self._card(panel.right, o.person_id, name)
        panel.question.setText(f"Does this face belong to {name}?")
        panel.evidence.setText(evidence_html(o.reasons, {o.person_id: name} if not o.person_name else {}))

    def _thumbnails_loaded(self, face_ids: list[int]) -> None:
        ids = set(face_ids)
        for panel in (self.questions, self.duplicates, self.outliers):
            for card in (panel.left, panel.right):
                if card.face_id in ids:
                    card.update_image(self._thumbs)

    def focus_question(self) -> None:
        """Gives the keys (Y, N, S...) to the section shown."""
        self.tabs.currentWidget().setFocus()

    # -- answering

    def _answer(self, signal, what: str) -> Callable[[], None]:
        def answer() -> None:
            current = getattr(self.queue, what)
            if current is not None:
                signal.emit(current)
        return answer

    def yes_to_all(self) -> None:
        if self.queue.suggestion is not None:
            self.said_yes_to_all.emit(self.queue.same_person(self.queue.suggestion))

    def skip(self) -> None:
        self.queue.skip_suggestion()
        self.refresh()

    def skip_pair(self) -> None:
        self.queue.skip_duplicate()
        self.refresh()

    def skip_face(self) -> None:
        self.queue.skip_outlier()
        self.refresh()
