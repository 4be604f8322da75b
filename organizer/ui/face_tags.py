# SPDX-License-Identifier: MIT
"""The window's File → Write Face Tags… command: the persons' names into XMP sidecars that other tools read.

The same export as ``organizer export-xmp`` (:class:`~organizer.services.xmp_export.XmpExport`): a sidecar next
to each photo with named faces (MWG regions, and the names as keywords), merged into an existing sidecar, the
photos themselves never touched. A small dialog asks for the sidecar naming (digiKam's ``IMG_0001.JPG.xmp`` or
Lightroom's ``IMG_0001.xmp``); the export runs on a pool thread with its progress and a Stop button in the status
bar, and the sidecars that could not be written are listed with their reasons at the end.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject
from PySide6.QtCore import Qt
from PySide6.QtCore import Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QButtonGroup
from PySide6.QtWidgets import QDialog
from PySide6.QtWidgets import QDialogButtonBox
from PySide6.QtWidgets import QLabel
from PySide6.QtWidgets import QMenu
from PySide6.QtWidgets import QMessageBox
from PySide6.QtWidgets import QProgressBar
from PySide6.QtWidgets import QPushButton
from PySide6.QtWidgets import QRadioButton
from PySide6.QtWidgets import QVBoxLayout
from PySide6.QtWidgets import QWidget

from organizer.core.progress import CancelToken
from organizer.core.progress import Progress
from organizer.core.vocabulary import Phase
from organizer.services.xmp_export import ExportResult
from organizer.services.xmp_export import XmpExport
from organizer.ui.edit_actions import add_action
from organizer.ui.workers import GeneratorWorker

if TYPE_CHECKING:
    from organizer.ui.main_window import MainWindow

#: The failures the message lists in full (the rest are counted; every one is in the log).
FAILURES_LISTED = 200
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


class WriteFaceTags(QObject):
    """The Write Face Tags action, its dialog and the running export (one at a time)."""

    #: An export ended: its :class:`ExportResult`, or None when it failed as a whole (the label says why).
    finished = Signal(object)

    def __init__(self, window: MainWindow, service: XmpExport | None) -> None:
        super().__init__(window)
        self._window = window
        self._service = service
        self.dialog: FaceTagsDialog | None = None
        self.report: QMessageBox | None = None
        self.worker: GeneratorWorker | None = None
        self._failure: str | None = None
        self._last_status = 0.0
        self.progress = QProgressBar(textVisible=True)
        self.progress.setMaximumWidth(220)
        self.stop_button = QPushButton("Stop Writing Tags")
        self.stop_button.clicked.connect(self.cancel)
        for w in (self.progress, self.stop_button):
            window.statusBar().addPermanentWidget(w)
            w.hide()

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

    @property
    def running(self) -> bool:
        return self.worker is not None

    def start(self, style: str) -> bool:
        """Writes the sidecars in ``style`` (False when a run is going on already)."""
        label = self._window.status_label
        if self.worker is not None or self._service is None:
            label.setText("Face tags are being written: wait for it to finish, or stop it")
            return False
        self._window.settings.setValue("face_tags/style", style)
        service, outcome = self._service, []

        def job(cancel: CancelToken) -> Iterator[Progress]:
            outcome.append((yield from service.run(style, cancel)))

        w = GeneratorWorker(job)
        w.signals.progressed.connect(self._progressed)
        w.signals.failed.connect(self._failed)
        w.signals.finished.connect(lambda: self._finished(outcome[0] if outcome else None))
        self.worker, self._failure = w, None
        label.setText("Writing face tags…")
        self.progress.setRange(0, 0)
        for b in (self.progress, self.stop_button):
            b.show()
        pools = self._window.pools
        pools.start(pools.review, w)  # the pool for long jobs that write nothing into the library
        return True

    def cancel(self) -> None:
        if self.worker is not None:
            self.worker.cancel()
            self._window.status_label.setText("Stopping after the current photo…")

    def _progressed(self, p: Progress) -> None:
        now = time.monotonic()
        if p.phase == Phase.DONE or (now - self._last_status < 0.1 and p.done != p.total):
            return  # at most 10 repaints a second
        self._last_status = now
        self.progress.setRange(0, max(1, p.total))
        self.progress.setValue(p.done)
        self.progress.setFormat(f"{p.done}/{p.total}")
        if self.worker is not None and not self.worker.cancel_token.cancelled:
            failed = f", {p.errors} failed" if p.errors else ""
            self._window.status_label.setText(f"Writing face tags   {p.done}/{p.total}{failed}")

    def _failed(self, e: BaseException) -> None:
        self._failure = f"Face tags not written: {e}"  # logged by the worker

    def _finished(self, res: ExportResult | None) -> None:
        self.worker: GeneratorWorker | None = None
        for b in (self.progress, self.stop_button):
            b.hide()
        self._window.status_label.setText(self._failure or (summary(res) if res is not None else "Stopped"))
        if res is not None and res.failed:
            self._report(res)
        self.finished.emit(res)

    def _report(self, res: ExportResult) -> None:
        lines = [f"{path}: {error}" for path, error in res.failed[:FAILURES_LISTED]]
        if len(res.failed) > FAILURES_LISTED:
            lines.append(f"… and {len(res.failed) - FAILURES_LISTED} more")
        box = QMessageBox(QMessageBox.Icon.Warning, "Write Face Tags",
                          f"{len(res.failed)} sidecars could not be written.", QMessageBox.StandardButton.Ok,
                          self._window)
        box.setInformativeText(res.failed[0][1] if len(res.failed) == 1 else "The details list each with its reason.")
        box.setDetailedText("\n".join(lines))
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.destroyed.connect(lambda *_a, b=box: self._report_closed(b))
        self.report = box
        box.open()

    def _report_closed(self, box: QMessageBox) -> None:
        if self.report is box:
            self.report = None


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
