# SPDX-License-Identifier: MIT
"""File → Export Photos…: where and how to export a person's photos (or a search's results).

Says what will be exported ("312 photos of Anna, Ben") once the controller has read it, and asks for the folder,
copies or links, a subfolder per person and the XMP sidecars. The export itself runs in the controller
(:mod:`organizer.ui.export`); this dialog only collects :class:`~organizer.services.photo_export.ExportOptions`.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

from PySide6.QtWidgets import QButtonGroup
from PySide6.QtWidgets import QCheckBox
from PySide6.QtWidgets import QDialog
from PySide6.QtWidgets import QDialogButtonBox
from PySide6.QtWidgets import QFormLayout
from PySide6.QtWidgets import QHBoxLayout
from PySide6.QtWidgets import QLabel
from PySide6.QtWidgets import QLineEdit
from PySide6.QtWidgets import QPushButton
from PySide6.QtWidgets import QRadioButton
from PySide6.QtWidgets import QVBoxLayout
from PySide6.QtWidgets import QWidget

from organizer.services.photo_export import ExportGroup
from organizer.services.photo_export import ExportMode
from organizer.services.photo_export import ExportOptions
from organizer.ui.folder_input import folder_dialog
from organizer.ui.folder_input import pictures_folder
from organizer.ui.indexing import count

#: How many names the dialog lists before "and N more".
NAMES_SHOWN = 4
#: Each mode's button text and what it means for the user.
MODES = {
    ExportMode.COPY: ("&Copy", "Independent copies; the files' dates are kept"),
    ExportMode.HARDLINK: ("&Hard links", "No extra space; the same drive only (copied otherwise). Editing an "
                                         "exported photo edits the original"),
    ExportMode.SYMLINK: ("S&ymbolic links", "Links to the originals: no extra space; they break when the "
                                            "originals move"),
}


def what_text(groups: Sequence[ExportGroup], search: bool) -> str:
    """What the export takes: "312 photos and 2 videos of Anna, Ben" (each file once), or "… found for …"."""
    paths = {p for g in groups for p in g.paths}
    videos = {p for g in groups for p in g.videos}
    n_photos, n_videos = len(paths - videos), len(videos)
    counted = " and ".join(count(n, what) for n, what in ((n_photos, "photo"), (n_videos, "video")) if n)
    names = [g.name for g in groups]
    who = ", ".join(names[:NAMES_SHOWN]) + (f" and {len(names) - NAMES_SHOWN} more" if len(names) > NAMES_SHOWN
                                            else "")
    if not paths:
        return f"No photos of {who}"
    return f"{counted} {'found for' if search else 'of'} {who}"


class ExportDialog(QDialog):
    """Export options; :attr:`groups` are set by :meth:`set_groups` (Export is enabled once there are some)."""

    def __init__(self, names: Sequence[str], folder: str, parent: QWidget | None = None, *, search: bool = False,
                 mode: ExportMode = ExportMode.COPY, per_person: bool = False, sidecars: bool = False) -> None:
        super().__init__(parent)
        self.setWindowTitle("Export Photos")
        self._search = search
        self.groups: list[ExportGroup] = []
        self.what = QLabel(f"Reading the photos of {', '.join(names)}…")
        self.what.setWordWrap(True)
        font = self.what.font()
        font.setBold(True)
        self.what.setFont(font)

        self.folder_edit = QLineEdit(folder, placeholderText="The folder to export into", clearButtonEnabled=True)
        self.folder_edit.setAccessibleName("export folder")
        self.folder_edit.textChanged.connect(lambda _t: self._update())
        self.choose_button = QPushButton("&Browse…")
        self.choose_button.clicked.connect(self.choose_folder)
        folder_row = QHBoxLayout()
        folder_row.addWidget(self.folder_edit, 1)
        folder_row.addWidget(self.choose_button)

        self.mode_group = QButtonGroup(self)
        self.mode_buttons: dict[ExportMode, QRadioButton] = {}
        modes = QVBoxLayout()
        modes.setSpacing(2)
        for m, (text, tip) in MODES.items():
            b = QRadioButton(text)
            hint = QLabel(tip)
            hint.setWordWrap(True)
            hint.setEnabled(False)  # secondary text
            hint.setIndent(b.style().pixelMetric(b.style().PixelMetric.PM_ExclusiveIndicatorWidth) + 6)
            self.mode_group.addButton(b)
            self.mode_buttons[m] = b
            modes.addWidget(b)
            modes.addWidget(hint)
        self.mode_buttons[mode].setChecked(True)

        self.per_person = QCheckBox("One &folder per person")
        self.per_person.setToolTip("A subfolder named after each person; a photo of two of them is in both")
        self.per_person.setChecked(per_person and not search)
        self.per_person.setVisible(not search)
        self.sidecars = QCheckBox("Also copy the &XMP sidecars (IMG_0001.JPG.xmp or IMG_0001.xmp)")
        self.sidecars.setToolTip("The tags digiKam, darktable or Lightroom keep beside a photo; always copied")
        self.sidecars.setChecked(sidecars)
        note = QLabel("Nothing is overwritten: files already exported are skipped, another file of the same name "
                      "gets a number (IMG_0001 (2).JPG). The originals are never changed.")
        note.setWordWrap(True)
        note.setEnabled(False)

        form = QFormLayout()
        form.addRow("&To:", folder_row)
        form.itemAt(0, QFormLayout.ItemRole.LabelRole).widget().setBuddy(self.folder_edit)  # type: ignore[union-attr]
        form.addRow("As:", modes)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.export_button = self.buttons.addButton("&Export", QDialogButtonBox.ButtonRole.AcceptRole)
        self.export_button.setDefault(True)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addWidget(self.what)
        lay.addSpacing(6)
        lay.addLayout(form)
        lay.addWidget(self.per_person)
        lay.addWidget(self.sidecars)
        lay.addSpacing(6)
        lay.addWidget(note)
        lay.addWidget(self.buttons)
        self.setMinimumWidth(560)
        self._update()

    def set_groups(self, groups: Sequence[ExportGroup]) -> None:
        """What will be exported (read off the GUI thread by the controller)."""
        self.groups = list(groups)
        self.what.setText(what_text(self.groups, self._search))
        self._update()

    def failed(self, reason: str) -> None:
        self.what.setText(f"The photos could not be read: {reason}")

    def _update(self) -> None:
        self.export_button.setEnabled(bool(self.folder_edit.text().strip())
                                      and any(g.paths for g in self.groups))

    def choose_folder(self) -> None:
        """Asks for the folder in the folders-only dialog of Add Folder (it never opens the library file)."""
        dlg = folder_dialog(self, self.folder_edit.text() or pictures_folder())
        dlg.setWindowTitle("Export To")
        try:
            if dlg.exec() and dlg.selectedFiles():
                self.folder_edit.setText(dlg.selectedFiles()[0])
        finally:
            dlg.deleteLater()

    def mode(self) -> ExportMode:
        return next(m for m, b in self.mode_buttons.items() if b.isChecked())

    def options(self) -> ExportOptions:
        folder = os.path.expanduser(self.folder_edit.text().strip())
        return ExportOptions(folder, self.mode(), self.per_person.isChecked(), self.sidecars.isChecked())


__all__ = ["ExportDialog", "what_text"]
