# SPDX-License-Identifier: MIT
"""The window's File → Write Face Tags… command: the persons' names into XMP sidecars that other tools read.

The same export as ``organizer export-xmp`` (:class:`~organizer.services.xmp_export.XmpExport`): a sidecar next
to each photo with named faces (MWG regions, and the names as keywords), merged into an existing sidecar, the
photos themselves never touched. A small dialog asks for the sidecar naming (digiKam's ``IMG_0001.JPG.xmp`` or
Lightroom's ``IMG_0001.xmp``); the export runs on a pool thread with its progress and a Stop button in the status
bar, and the sidecars that could not be written are listed with their reasons at the end.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QButtonGroup
from PySide6.QtWidgets import QDialog
from PySide6.QtWidgets import QDialogButtonBox
from PySide6.QtWidgets import QLabel
from PySide6.QtWidgets import QMenu
from PySide6.QtWidgets import QRadioButton
from PySide6.QtWidgets import QVBoxLayout
from PySide6.QtWidgets import QWidget

from organizer.core.progress import Progress
from organizer.services.xmp_export import ExportResult
from organizer.services.xmp_export import XmpExport
from organizer.ui.edit_actions import add_action
from organizer.ui.status_job import StatusBarJob

if TYPE_CHECKING:
    from organizer.ui.main_window import MainWindow

STYLES = {
    "digikam": ("&digiKam, darktable: IMG_0001.JPG.xmp", "One sidecar per file, whatever its extension"),
    "lightroom": ("&Lightroom: IMG_0001.xmp", "The extension left out: two files of the same name would share one "
                                               "(those are skipped, and listed)"),
}


class FaceTagsDialog(QDialog):
    """Asks how to name the sidecars; ``style()`` is the choice."""

    def __init__(self, style: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Write Face Tags")
        lay = QVBoxLayout(self)
        intro = QLabel("Writes the names of the persons on each photo into an XMP sidecar next to it (face regions "
                       "and keywords that digiKam, Lightroom, darktable, Immich and exiftool read). The photos "
                       "themselves are never changed; an existing sidecar keeps its other content.")
        intro.setWordWrap(True)
        lay.addWidget(intro)
        self.group = QButtonGroup(self)
        self.buttons: dict[str, QRadioButton] = {}
        for key, (text, hint) in STYLES.items():
            b = QRadioButton(text)
            self.group.addButton(b)
            self.buttons[key] = b
            note = QLabel(hint)
            note.setWordWrap(True)
            note.setContentsMargins(24, 0, 0, 6)
            note.setEnabled(False)  # drawn as a secondary line under its button
            lay.addWidget(b)
            lay.addWidget(note)
        self.buttons.get(style, self.buttons["digikam"]).setChecked(True)
        box = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        box.button(QDialogButtonBox.StandardButton.Ok).setText("&Write")
        box.accepted.connect(self.accept)
        box.rejected.connect(self.reject)
        lay.addWidget(box)

    def style(self) -> str:
        return next(k for k, b in self.buttons.items() if b.isChecked())


class WriteFaceTags(StatusBarJob):
    """The Write Face Tags action, its dialog and the running export (one at a time)."""

    title = "Write Face Tags"
    stopping_text = "Stopping after the current photo…"

    def __init__(self, window: MainWindow, service: XmpExport | None) -> None:
        super().__init__(window, "Stop Writing Tags")
        self._service = service
        self.dialog: FaceTagsDialog | None = None

    def add_action(self, menu: QMenu) -> QAction:
        self.action = add_action(self._window, menu, "Write &Face Tags…", self.open,
                                 tip="Write the persons' names into XMP sidecars that other photo tools read")
        self.action.setEnabled(self._service is not None)
        return self.action

    def open(self) -> FaceTagsDialog | None:
        if self._service is None:
            return None
        if self.dialog is not None:
            self.dialog.close()
        dlg = FaceTagsDialog(str(self._window.settings.value("face_tags/style", "digikam")), self._window)
        dlg.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dlg.accepted.connect(lambda: self.start(dlg.style()))
        dlg.destroyed.connect(lambda *_a, d=dlg: self._closed(d))
        self.dialog = dlg
        dlg.open()
        return dlg

    def _closed(self, dlg: FaceTagsDialog) -> None:
        if self.dialog is dlg:
            self.dialog = None

    def start(self, style: str) -> bool:
        """Writes the sidecars in ``style`` (False when a run is going on already)."""
        service = self._service
        if self.worker is not None or service is None:
            self._window.status_label.setText("Face tags are being written: wait for it to finish, or stop it")
            return False
        self._window.settings.setValue("face_tags/style", style)
        self.launch(lambda cancel: service.run(style, cancel), "Writing face tags…")
        return True

    def progress_text(self, p: Progress) -> str:
        failed = f", {p.errors} failed" if p.errors else ""
        return f"Writing face tags   {p.done}/{p.total}{failed}"

    def failed_text(self, e: BaseException) -> str:
        return f"Face tags not written: {e}"

    def summary(self, result: ExportResult | None) -> str:
        return summary(result) if result is not None else "Stopped"

    def failures_text(self, n: int) -> str:
        return f"{n} sidecars could not be written."


def summary(res: ExportResult) -> str:
    """One line for the status bar: what was written, what was already so, what failed."""
    n = len(res.written)
    head = f"Wrote face tags for {n} photo{'' if n == 1 else 's'}" if n else "No face tags to write"
    parts = []
    if res.unchanged:
        parts.append(f"{len(res.unchanged)} already up to date")
    if res.failed:
        parts.append(f"{len(res.failed)} failed")
    if res.cancelled:
        parts.append("stopped")
    return head + (f" ({', '.join(parts)})" if parts else "")
