# SPDX-License-Identifier: MIT
"""The Review tab: the grid's "Review" entry with its count, one question at a time with its reasons, the answers
by key (Y, N, S, Shift+Y) and button, each undoable, and the possible duplicates ("Different people", Merge)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import cv2
import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from sqlalchemy import select

from organizer.db.models import DateSource
from organizer.db.models import DecidedBy
from organizer.db.models import DecisionKind
from organizer.db.models import Face
from organizer.db.models import LibraryFolder
from organizer.db.models import Media
from organizer.db.models import MediaKind
from organizer.db.models import MediaStatus
from organizer.db.models import Person
from organizer.db.models import UserDecision
from organizer.services.person_queries import PersonQueries
from organizer.services.settings_service import LibrarySettings
from organizer.ui.models.person_model import REVIEW_ID
from organizer.ui.models.person_model import Role

SHOTS = Path("/tmp/shots7")
#: Face colours (BGR) by person, so that the screenshots tell the faces apart.
COLOURS = {"E": (90, 160, 90), "A": (80, 120, 220), "B": (200, 140, 60), "C": (170, 110, 70)}


#: The cut build_review_library's geometry is laid out for (the review band reaches 1.25 times it).
SYNTHETIC_CUT = 0.485


@pytest.fixture(autouse=True)
def uncentred(monkeypatch):
    """The window's clustering parameters without centring (the synthetic faces are 16-D, not the models' space),
    at the cut the synthetic geometry below was laid out for (the review band is relative to the cut)."""
    before = LibrarySettings.cluster_params
    monkeypatch.setattr(LibrarySettings, "cluster_params",
                        lambda self, base=None: dataclasses.replace(before(self, base), centre=False,
                                                                    threshold=SYNTHETIC_CUT))


def _unit(v):
    return v / np.linalg.norm(v)


def _thumb(colour) -> bytes:
    img = np.full((96, 96, 3), 235, np.uint8)
    cv2.ellipse(img, (48, 50), (30, 38), 0, 0, 360, colour, -1)
    for x in (37, 59):
        cv2.circle(img, (x, 42), 4, (30, 30, 30), -1)
    cv2.ellipse(img, (48, 64), (12, 6), 0, 0, 180, (30, 30, 30), 2)
    return cv2.imencode(".jpg", img)[1].tobytes()


def build_review_library(sessions, odd_face: bool = False) -> dict:
    """Persons E (3 faces, far from all), A "Anna" (5), B (5) and C (4, a possible duplicate of B), and three
    unsorted faces: two near Anna, one near B. Every face on its own photo, all born about 1980.

    ``odd_face``: Anna has a sixth face (``out["odd"]``), far from the others."""
    rng = np.random.default_rng(1)
    e = np.eye(16)
    dirs = {"E": e[7], "A": e[0], "B": e[1], "C": _unit(e[1] + 1.5 * e[2])}
    plan = [("E", 3, 0.9, None), ("A", 5, 0.1, "Anna"), ("B", 5, 0.9, None), ("C", 4, 0.9, None)]
    out: dict = {"unsorted": []}
    with sessions.begin() as s:
        folder = LibraryFolder(path="/synthetic")
        s.add(folder)
        s.flush()
        k = 0

        def face(vec, pid, p_male, colour):
            nonlocal k
            k += 1
            m = Media(folder_id=folder.id, path=f"/synthetic/{k}.jpg", size=1, mtime_ns=1, kind=MediaKind.PHOTO,
                      status=MediaStatus.OK, width=640, height=480, taken_at=dt.datetime(2010 + k % 5, 1, 1),
                      date_source=DateSource.EXIF)
            s.add(m)
            s.flush()
            f = Face(media_id=m.id, x=100.0, y=100.0, w=80.0, h=80.0, score=0.99, thumbnail=_thumb(colour),
                     embedding=_unit(vec).astype("<f4").tobytes(), embedding_model="fake", embedding_dim=16,
                     p_male=p_male, age=30.0 + k % 5, person_id=pid,
                     assigned_by=DecidedBy.ALGORITHM if pid else None)
            s.add(f)
            s.flush()
            return f.id

        for key, n, p_male, name in plan:
            p = Person(name=name)
            s.add(p)
            s.flush()
            out[key] = p.id
            for _ in range(n):
                face(dirs[key] + 0.05 * rng.standard_normal(16), p.id, p_male, COLOURS[key])
        for base, other, p_male, colour in ((e[0], e[3], 0.1, COLOURS["A"]), (e[0], e[4], 0.1, COLOURS["A"]),
                                            (e[1], -e[5], 0.9, COLOURS["B"])):
            out["unsorted"].append(face(_unit(base + other) + 0.05 * rng.standard_normal(16), None, p_male,
                                        (colour[0] // 2 + 60, colour[1] // 2 + 60, colour[2] // 2 + 60)))
        if odd_face:
            out["odd"] = face(_unit(e[0] + 2.5 * e[9]), out["A"], 0.1, (60, 60, 200))
    return out


def _person_of(library, face_id):
    with library() as s:
        return s.scalar(select(Face.person_id).where(Face.id == face_id))


def _ready(qtbot, w):
    """The window after its first refresh and review report."""
    qtbot.waitUntil(lambda: not w.snapshots.running and not w.review.running and w.review.report is not None
                    and w.person_model.row_of(REVIEW_ID) == 0, timeout=10_000)


def _recomputed(qtbot, w):
    qtbot.waitUntil(lambda: not w.review.running, timeout=10_000)


def _open_review(qtbot, w):
    w.resize(1200, 760)
    w.show()
    qtbot.waitExposed(w)
    _ready(qtbot, w)
    w.review.show()
    assert w.tabs.currentWidget() is w.review.page
    qtbot.waitUntil(lambda: w.review.page.questions.hasFocus(), timeout=3000)
    return w.review.page


def test_the_review_entry_counts_the_questions_and_the_page_says_why(make_window, qtbot, library):
    ids = build_review_library(library)
    w = make_window()
    page = _open_review(qtbot, w)
    report = w.review.report
    assert len(report.suggestions) == 3 and len(report.duplicates) == 1
    entry = w.person_model.index(0, 0)
    assert entry.data(Role.PersonId) == REVIEW_ID
    assert entry.data() == "Review\n4 questions"
    assert w.tabs.tabText(w.tabs.indexOf(page)) == "&Review (4)"
    # The first question: the unsorted face near B, named as the grid numbers B ("Person 2"), not by its id.
    first = report.suggestions[0]
    assert first.person_id == ids["B"] and first.face_ids == (ids["unsorted"][2],)
    assert w.person_model.name_of(ids["B"]) == "Person 2" and ids["B"] != 2
    assert page.questions.question.text() == "Is this Person 2?"
    evidence = page.questions.evidence.text()
    assert "Close to 5 of Person 2's 5 faces" in evidence and "Never in the same photo as Person 2" in evidence
    assert f"Person {ids['B']}" not in evidence
    assert page.questions.confidence.text().startswith("Confidence: high")
    assert page.yes_button.text() == "Yes (Y)" and page.all_button.isHidden()  # one question for Person 2
    qtbot.waitUntil(lambda: w.thumbs.cached(first.face_id), timeout=5000)
    SHOTS.mkdir(parents=True, exist_ok=True)
    QTest.keyClick(page.questions, Qt.Key.Key_S)  # Anna's two faces next: "Yes to all 2"
    assert page.questions.question.text() == "Is this Anna?"
    assert page.all_button.isVisible() and page.all_button.text() == "Yes to all 2 for Anna (Shift+Y)"
    qtbot.waitUntil(lambda: w.thumbs.cached(page.queue.suggestion.face_id), timeout=5000)
    qtbot.wait(50)
    w.grab().save(str(SHOTS / "review.png"))

    page.tabs.setCurrentWidget(page.duplicates)
    assert page.duplicates.question.text() == "Are Person 2 and Person 3 the same person?"
    assert "Both male" in page.duplicates.evidence.text()
    qtbot.waitUntil(lambda: all(w.thumbs.cached(c.face_id) for c in (page.duplicates.left, page.duplicates.right)),
                    timeout=5000)
    qtbot.wait(50)
    w.grab().save(str(SHOTS / "duplicates.png"))


def test_yes_adds_the_face_and_ctrl_z_takes_it_back(make_window, qtbot, library):
    ids = build_review_library(library)
    w = make_window()
    page = _open_review(qtbot, w)
    face = ids["unsorted"][2]
    QTest.keyClick(page.questions, Qt.Key.Key_Y)
    assert _person_of(library, face) == ids["B"]
    assert w.status_label.text() == "Added 1 face to “Person 2” — Ctrl+Z to undo"
    # The next question at once, and the count in the grid and the tab.
    assert page.questions.question.text() == "Is this Anna?"
    assert w.person_model.index(0, 0).data() == "Review\n3 questions"
    assert face in [f.id for f in PersonQueries(library).person_faces(ids["B"])]
    _recomputed(qtbot, w)
    assert len(w.review.report.suggestions) == 2

    QTest.keyClick(w, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert _person_of(library, face) is None
    assert w.status_label.text().startswith("Undid: Yes: 1 face of “Person 2”")
    _recomputed(qtbot, w)
    assert (face,) in [s.face_ids for s in w.review.report.suggestions]
    qtbot.waitUntil(lambda: w.person_model.index(0, 0).data() == "Review\n4 questions", timeout=5000)


def test_no_is_remembered_and_skip_goes_on(make_window, qtbot, library):
    ids = build_review_library(library)
    w = make_window()
    page = _open_review(qtbot, w)
    first = page.queue.suggestion
    QTest.keyClick(page.questions, Qt.Key.Key_S)  # nothing stored: the next question
    assert page.queue.suggestion != first and page.queue.suggestions[-1] == first
    assert _person_of(library, first.face_ids[0]) is None
    anna = page.queue.suggestion
    assert anna.person_id == ids["A"]
    QTest.keyClick(page.questions, Qt.Key.Key_N)
    with library() as s:
        kinds = s.execute(select(UserDecision.kind, UserDecision.face_id, UserDecision.person_id)).all()
    assert (DecisionKind.CANNOT_LINK, anna.face_ids[0], ids["A"]) in kinds
    assert _person_of(library, anna.face_ids[0]) is None  # it stays where it was
    assert page.queue.suggestion != anna
    _recomputed(qtbot, w)
    asked = [(s.face_ids, s.person_id) for s in w.review.report.suggestions]
    assert (anna.face_ids, ids["A"]) not in asked and (first.face_ids, first.person_id) in asked
    # The skipped question comes after the others, also in the fresh report.
    assert page.queue.suggestions[-1].face_ids == first.face_ids


def test_yes_to_all_is_one_step(make_window, qtbot, library):
    ids = build_review_library(library)
    w = make_window()
    page = _open_review(qtbot, w)
    QTest.keyClick(page.questions, Qt.Key.Key_S)
    QTest.keyClick(page.questions, Qt.Key.Key_Y, Qt.KeyboardModifier.ShiftModifier)
    anna_faces = ids["unsorted"][:2]
    assert [_person_of(library, f) for f in anna_faces] == [ids["A"], ids["A"]]
    assert w.status_label.text() == "Added 2 faces to “Anna” — Ctrl+Z to undo"
    assert page.questions.question.text() == "Is this Person 2?"  # the skipped one: the only one left
    w.edits.undo_action.trigger()
    assert [_person_of(library, f) for f in anna_faces] == [None, None]
    assert w.status_label.text() == "Undid: Yes to all for “Anna”"
    _recomputed(qtbot, w)


def test_different_people_removes_the_pair_and_merge_merges_it(make_window, qtbot, library):
    ids = build_review_library(library)
    w = make_window()
    page = _open_review(qtbot, w)
    page.tabs.setCurrentWidget(page.duplicates)
    assert page.queue.duplicate.person_ids == (ids["B"], ids["C"])
    page.different_button.click()
    assert page.queue.duplicates == [] and page.duplicates.empty_label.isVisible()
    assert page.duplicates.empty_label.text() == "Nothing to review"
    with library() as s:
        pairs = s.execute(select(UserDecision.person_id, UserDecision.other_person_id)
                          .where(UserDecision.kind == DecisionKind.DIFFERENT)).all()
    assert [tuple(p) for p in pairs] == [(ids["B"], ids["C"])]
    _recomputed(qtbot, w)
    assert w.review.report.duplicates == ()
    w.edits.undo_action.trigger()
    _recomputed(qtbot, w)
    assert len(w.review.report.duplicates) == 1 and page.queue.duplicate is not None

    page.duplicates.setFocus()
    QTest.keyClick(page.duplicates, Qt.Key.Key_M)
    with library() as s:
        assert s.get(Person, ids["C"]) is None
    assert _person_of(library, ids["unsorted"][2]) is None  # the questions' faces are untouched
    _recomputed(qtbot, w)
    assert w.review.report.duplicates == ()
    assert w.tabs.currentWidget() is page  # a merge from the review stays on the review


def test_nothing_to_review(make_window, qtbot, library, seed):
    seed(library, 3, faces_per_person=3)  # three persons far apart, no unsorted face: no question
    w = make_window()
    w.show()
    _ready(qtbot, w)
    assert w.review.report.count == 0
    assert w.person_model.index(0, 0).data() == "Review\nNothing to review"
    view = w.people_panel.view
    rect = view.visualRect(w.people_panel.proxy.index(0, 0))
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())  # a click gives it the keys
    page = w.review.page
    assert w.tabs.currentWidget() is page and page.questions.hasFocus()
    assert page.questions.empty_label.isVisible() and page.questions.empty_label.text() == "Nothing to review"
    assert not page.yes_action.isEnabled() and w.tabs.tabText(w.tabs.indexOf(page)) == "&Review"
    # A person selected in the grid shows its photos again.
    w.people_panel.select_person(w.person_model.persons()[0].id)
    assert w.tabs.currentWidget() is w.page


def test_a_face_that_may_not_belong_is_kept_or_taken_out(make_window, qtbot, library):
    ids = build_review_library(library, odd_face=True)
    w = make_window()
    page = _open_review(qtbot, w)
    assert [o.face_id for o in w.review.report.outliers] == [ids["odd"]]
    page.tabs.setCurrentWidget(page.outliers)
    page.outliers.setFocus()
    assert page.outliers.question.text() == "Does this face belong to Anna?"
    assert "Far from Anna's other faces" in page.outliers.evidence.text()
    assert page.tabs.tabText(2) == "May not belong (1)"
    qtbot.waitUntil(lambda: w.thumbs.cached(ids["odd"]), timeout=5000)
    SHOTS.mkdir(parents=True, exist_ok=True)
    w.grab().save(str(SHOTS / "outliers.png"))
    QTest.keyClick(page.outliers, Qt.Key.Key_K)
    with library() as s:
        checked = s.scalars(select(UserDecision.face_id).where(UserDecision.kind == DecisionKind.CHECKED)).all()
    assert checked == [ids["odd"]] and _person_of(library, ids["odd"]) == ids["A"]
    assert page.outliers.empty_label.isVisible() and page.tabs.tabText(2) == "May not belong"
    _recomputed(qtbot, w)
    assert w.review.report.outliers == ()

    w.edits.undo_action.trigger()
    _recomputed(qtbot, w)
    assert page.outliers.question.text() == "Does this face belong to Anna?"
    page.outliers.setFocus()
    QTest.keyClick(page.outliers, Qt.Key.Key_T)  # out of Anna, into a person of its own
    assert _person_of(library, ids["odd"]) not in (None, ids["A"])
    assert w.status_label.text() == "Split 1 face into a new person — Ctrl+Z to undo"
    _recomputed(qtbot, w)
    assert w.review.report.outliers == ()
