# SPDX-License-Identifier: MIT
"""Help → About (version, the models and their licences, where the library and the log are) and Help → Keyboard
Shortcuts (a table made from the window's own actions, so it lists what the keys really do)."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from pathlib import Path

import PySide6
from PySide6.QtCore import Qt
from PySide6.QtCore import qVersion
from PySide6.QtGui import QAction
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QAbstractItemView
from PySide6.QtWidgets import QDialog
from PySide6.QtWidgets import QDialogButtonBox
from PySide6.QtWidgets import QHeaderView
from PySide6.QtWidgets import QLabel
from PySide6.QtWidgets import QMainWindow
from PySide6.QtWidgets import QMenu
from PySide6.QtWidgets import QTableWidget
from PySide6.QtWidgets import QTableWidgetItem
from PySide6.QtWidgets import QVBoxLayout
from PySide6.QtWidgets import QWidget

from organizer import APP_NAME
from organizer import __version__

#: When models/MODELS.md cannot be read (it ships with the models, in the source tree and the bundle).
MODELS_FALLBACK = [("mtcnn_*.onnx — the MTCNN face detector", "MIT (facenet-pytorch)"),
                   ("faceres.onnx, faceres-deep.onnx — the multi-output ConvNet", "MIT")]
#: Keys that are not actions of a menu (the views' own).
VIEW_KEYS = [("Rename: save the name", "Return", "while renaming"),
             ("Rename: keep the old name", "Esc", "while renaming"),
             ("Rename the person", "double-click", "people grid"),
             ("Open the photo", "double-click or Return", "photos")]


def model_licences(models_md: Path) -> list[tuple[str, str]]:
    """(model files, licence) for each ``## files: what`` section of MODELS.md with a ``| licence | … |`` row."""
    try:
        text = models_md.read_text(encoding="utf-8")
    except OSError:
        return list(MODELS_FALLBACK)
    out = []
    for section in re.split(r"^## ", text, flags=re.MULTILINE)[1:]:
        head = section.splitlines()[0]
        m = re.search(r"^\|\s*licen[cs]e\s*\|\s*(.+?)\s*\|\s*$", section, flags=re.MULTILINE | re.IGNORECASE)
        if m:
            files, _sep, what = head.partition(":")
            out.append((f"{files.strip()} — {what.strip()}" if what.strip() else files.strip(), m.group(1)))
    return out or list(MODELS_FALLBACK)


def _models_md() -> Path:
    from organizer.vision.models import default_models_dir

    return default_models_dir() / "MODELS.md"


def about_html(library: Path | None, log_file: Path, models_md: Path | None = None) -> str:
    licences = model_licences(models_md or _models_md())
    rows = "".join(f"<li>{html.escape(what)}.<br>Licence: {html.escape(lic.replace('`', ''))}</li>"
                   for what, lic in licences)
    lib = html.escape(str(library)) if library is not None else "unknown"
    return (f"<h2>{APP_NAME} {__version__}</h2>"
            "<p>An offline photo organizer: it finds the people in your photos and videos, groups each person's "
            "faces and tells their gender and year of birth. Nothing leaves this computer.</p>"
            f"<p><b>Library</b>: {lib}<br><b>Log</b>: {html.escape(str(log_file))}</p>"
            f"<p><b>Models</b> (they ship with {APP_NAME}; see models/MODELS.md):</p><ul>{rows}</ul>"
            f"<p>Qt for Python {html.escape(PySide6.__version__)}, Qt {html.escape(qVersion())}. "
            f"{APP_NAME} is MIT-licensed.</p>")


class AboutDialog(QDialog):
    def __init__(self, library: Path | None, log_file: Path, parent: QWidget | None = None,
                 models_md: Path | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"About {APP_NAME}")
        self.text = QLabel(about_html(library, log_file, models_md))
        self.text.setWordWrap(True)
        self.text.setTextFormat(Qt.TextFormat.RichText)
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)  # paths can be copied
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addWidget(self.text)
        lay.addWidget(buttons)
        self.setMinimumWidth(560)


def _plain(text: str) -> str:
    return text.replace("&&", "\0").replace("&", "").replace("\0", "&").rstrip("…").strip()


def _where(a: QAction) -> str:
    """Where a shortcut works: the window, or the widgets it is scoped to (their accessible names)."""
    if a.shortcutContext() == Qt.ShortcutContext.WindowShortcut:
        return "anywhere"
    names = [w.accessibleName() or w.objectName() for w in a.associatedObjects()
             if isinstance(w, QWidget) and not isinstance(w, QMenu)]
    return ", ".join(dict.fromkeys(n for n in names if n)) or "its panel"


def _dedicated_key(k: QKeySequence) -> bool:
    """A key of its own that few keyboards have (Open, Refresh, Help, Undo...): not worth a place in the table."""
    combo = k[0] if k.count() == 1 else None
    if combo is None or combo.keyboardModifiers() != Qt.KeyboardModifier.NoModifier:
        return False
    return combo.key() in _DEDICATED or combo.key() >= Qt.Key.Key_Back


_DEDICATED = {Qt.Key.Key_Help}


def menu_shortcuts(window: QMainWindow) -> Iterator[tuple[str, str, str]]:
    """(menu → action, shortcuts, where) for every action of the window's menus that has a shortcut."""
    def walk(menu: QMenu, path: str) -> Iterator[tuple[str, str, str]]:
        for a in menu.actions():
            if a.menu() is not None:
                yield from walk(a.menu(), f"{path} → {_plain(a.text())}")
            elif not a.isSeparator() and a.shortcuts():
                keys = ", ".join(k.toString(QKeySequence.SequenceFormat.NativeText) for k in a.shortcuts()
                                 if not _dedicated_key(k))
                # Undo/Redo's texts name the edit they would undo: the menu's own word is enough here.
                text = _plain(a.text()).split(" ")[0] if a.objectName() in ("undo", "redo") else _plain(a.text())
                yield f"{path} → {text}", keys, _where(a)

    for top in window.menuBar().actions():
        if top.menu() is not None:
            yield from walk(top.menu(), _plain(top.text()))


class ShortcutsDialog(QDialog):
    def __init__(self, window: QMainWindow) -> None:
        super().__init__(window)
        self.setWindowTitle("Keyboard Shortcuts")
        rows = [*menu_shortcuts(window), *VIEW_KEYS]
        self.table = QTableWidget(len(rows), 3)
        self.table.setHorizontalHeaderLabels(["Action", "Keys", "Where"])
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        for r, row in enumerate(rows):
            for c, text in enumerate(row):
                self.table.setItem(r, c, QTableWidgetItem(text))
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for c in (1, 2):
            header.setSectionResizeMode(c, QHeaderView.ResizeMode.ResizeToContents)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addWidget(self.table, 1)
        lay.addWidget(buttons)
        self.table.resizeRowsToContents()
        self.resize(660, 520)

    def rows(self) -> list[tuple[str, str, str]]:
        return [tuple(self.table.item(r, c).text() for c in range(3)) for r in range(self.table.rowCount())]
