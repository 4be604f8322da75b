# SPDX-License-Identifier: MIT
"""One review question as the Review tab shows it: two faces side by side, the question, its reasons in plain
words and its confidence, and a row of answers (each a button and a key that works in the panel); or, when there
is no question, the empty state."""

from __future__ import annotations

import html
import re
from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtGui import QKeySequence
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import QFrame
from PySide6.QtWidgets import QHBoxLayout
from PySide6.QtWidgets import QLabel
from PySide6.QtWidgets import QPushButton
from PySide6.QtWidgets import QStackedWidget
from PySide6.QtWidgets import QVBoxLayout
from PySide6.QtWidgets import QWidget

from organizer.ui.models.thumbnails import ThumbnailCache

#: The side of the faces shown (the stored thumbnails are 96 pixels).
FACE_SIDE = 128
#: The questions are no wider than this (reasons in long lines are hard to read).
MAX_WIDTH = 640
EMPTY_TEXT = "Nothing to review"
EMPTY_DETAIL = ("Questions show here when a face may belong to a person, or two persons may be one. "
                "Every answer is remembered, and can be undone (Ctrl+Z).")


def confidence_text(c: float) -> str:
    word = "high" if c >= 0.7 else "medium" if c >= 0.4 else "low"
    return f"Confidence: {word} ({round(100 * c)} %)"


def left_text(n: int, what: str) -> str:
    return f"{n} {what}{'s' if n != 1 else ''} left"


def evidence_html(lines: tuple[str, ...], names: dict[int, str]) -> str:
    """The reasons as a list, each capitalised, "Person <id>" of the service as the grid calls that person."""
    items = []
    for line in lines:
        for pid, name in names.items():
            line = re.sub(rf"\bPerson {pid}\b", name, line)
        text = html.escape(line[:1].upper() + line[1:], quote=False)
        items.append(f"<li><i>{text}</i></li>" if line.startswith("but") else f"<li>{text}</li>")
    return "<ul style='margin-left:0; -qt-list-indent:1'>" + "".join(items) + "</ul>"


class FaceCard(QWidget):
    """A face and its caption under it."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.image = QLabel(alignment=Qt.AlignmentFlag.AlignCenter)
        self.image.setFixedSize(FACE_SIDE + 8, FACE_SIDE + 8)
        self.image.setFrameShape(QFrame.Shape.StyledPanel)
        self.caption = QLabel(alignment=Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
        self.caption.setWordWrap(True)
        self.caption.setFixedWidth(FACE_SIDE + 56)
        self.face_id: int | None = None
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.image, 0, Qt.AlignmentFlag.AlignHCenter)
        lay.addWidget(self.caption, 0, Qt.AlignmentFlag.AlignHCenter)

    def show_face(self, face_id: int | None, caption: str, thumbs: ThumbnailCache) -> None:
        self.face_id = face_id
        self.caption.setText(caption)
        self.update_image(thumbs)

    def update_image(self, thumbs: ThumbnailCache) -> None:
        pm: QPixmap = thumbs.get(self.face_id)
        self.image.setPixmap(pm.scaled(FACE_SIDE, FACE_SIDE, Qt.AspectRatioMode.KeepAspectRatio,
                                       Qt.TransformationMode.SmoothTransformation))


class QuestionPanel(QWidget):
    """Two faces, a question, its reasons and confidence, and a row of answer buttons; or the empty state."""

    def __init__(self, name: str, empty_detail: str = EMPTY_DETAIL, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._asking = False
        self.setAccessibleName(name)  # also where its keys work (Help → Keyboard Shortcuts)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.left, self.right = FaceCard(), FaceCard()
        self.position = QLabel()
        self.question = QLabel(alignment=Qt.AlignmentFlag.AlignHCenter)
        self.question.setWordWrap(True)
        f = self.question.font()
        f.setPointSizeF(f.pointSizeF() * 1.5)
        f.setBold(True)
        self.question.setFont(f)
        self.evidence = QLabel(textFormat=Qt.TextFormat.RichText)
        self.evidence.setWordWrap(True)
        self.confidence = QLabel(alignment=Qt.AlignmentFlag.AlignHCenter)
        self.buttons = QHBoxLayout()
        self.buttons.addStretch(1)
        ask = QWidget()
        lay = QVBoxLayout(ask)
        lay.addWidget(self.position)
        faces = QHBoxLayout()
        faces.addStretch(1)
        faces.addWidget(self.left)
        faces.addSpacing(24)
        faces.addWidget(self.right)
        faces.addStretch(1)
        lay.addLayout(faces)
        lay.addWidget(self.question)
        lay.addWidget(self.evidence)
        lay.addWidget(self.confidence)
        lay.addLayout(self.buttons)
        lay.addStretch(1)
        ask.setMaximumWidth(MAX_WIDTH)
        centred = QWidget()
        cl = QHBoxLayout(centred)
        cl.setContentsMargins(0, 0, 0, 0)
        cl.addWidget(ask)
        empty = QWidget()
        el = QVBoxLayout(empty)
        self.empty_label = QLabel(EMPTY_TEXT, alignment=Qt.AlignmentFlag.AlignCenter)
        f = self.empty_label.font()
        f.setPointSizeF(f.pointSizeF() * 1.8)
        self.empty_label.setFont(f)
        self.empty_detail = QLabel(empty_detail, alignment=Qt.AlignmentFlag.AlignCenter)
        self.empty_detail.setWordWrap(True)
        el.addStretch(1)
        el.addWidget(self.empty_label)
        el.addWidget(self.empty_detail)
        el.addStretch(2)
        self.stack = QStackedWidget()
        self.stack.addWidget(empty)
        self.stack.addWidget(centred)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(self.stack)

    def add_answer(self, text: str, key: str, slot: Callable[[], None]) -> tuple[QAction, QPushButton]:
        """An answer: an action whose key works in this panel (and in the menu), and its button."""
        a = QAction(text, self)
        a.setShortcut(QKeySequence(key))
        a.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        a.triggered.connect(slot)
        self.addAction(a)
        b = QPushButton(f"{text} ({QKeySequence(key).toString(QKeySequence.SequenceFormat.NativeText)})")
        b.clicked.connect(a.trigger)
        b.setAutoDefault(False)
        self.buttons.insertWidget(self.buttons.count(), b)
        return a, b

    def finish_buttons(self) -> None:
        self.buttons.addStretch(1)

    def set_asking(self, asking: bool) -> None:
        self._asking = asking
        self.stack.setCurrentIndex(1 if asking else 0)
        self._enable()

    def _enable(self) -> None:
        # The answers (and their menu entries) only while a question is on screen.
        for a in self.actions():
            a.setEnabled(self._asking and self.isVisible())

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self._enable()

    def hideEvent(self, event) -> None:
        super().hideEvent(event)
        self._enable()
