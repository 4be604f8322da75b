# SPDX-License-Identifier: MIT
"""The library's settings: clustering (threshold, minimum faces, minimum day span) and video sampling.

They are stored in the library (:class:`~organizer.services.settings_service.SettingsService`), so the CLI
uses them too; the dialog only shows and edits a :class:`LibrarySettings`.
"""

from __future__ import annotations

from PySide6.QtWidgets import QDialog
from PySide6.QtWidgets import QDialogButtonBox
from PySide6.QtWidgets import QDoubleSpinBox
from PySide6.QtWidgets import QFormLayout
from PySide6.QtWidgets import QGroupBox
from PySide6.QtWidgets import QSpinBox
from PySide6.QtWidgets import QVBoxLayout

from organizer.services.settings_service import LibrarySettings


class SettingsDialog(QDialog):
    def __init__(self, current: LibrarySettings, parent=None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Settings")
        self._current = current
        self.threshold = QDoubleSpinBox(decimals=3, minimum=0.05, maximum=3.0, singleStep=0.01, value=current.threshold)
        self.threshold.setToolTip("Lower: persons split more readily; higher: more faces are joined")
        self.min_faces = QSpinBox(minimum=1, maximum=100, value=current.min_faces)
        self.min_span = QDoubleSpinBox(decimals=1, minimum=0.0, maximum=3650.0, value=current.min_span_days,
                                       suffix=" days")
        self.every_nth = QSpinBox(minimum=1, maximum=100, value=current.every_nth)
        self.per_second = QDoubleSpinBox(decimals=2, minimum=0.05, maximum=30.0, value=current.per_second)
        self.max_frames = QSpinBox(minimum=1, maximum=10_000, value=current.max_frames)
        cluster = QGroupBox("Persons")
        f = QFormLayout(cluster)
        f.addRow("Clustering &threshold:", self.threshold)
        f.addRow("Minimum &faces per person:", self.min_faces)
        f.addRow("Minimum &day span:", self.min_span)
        video = QGroupBox("Video sampling")
        g = QFormLayout(video)
        g.addRow("Short clips: every &n-th frame:", self.every_nth)
        g.addRow("Long clips: frames per &second:", self.per_second)
        g.addRow("At most &frames per clip:", self.max_frames)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addWidget(cluster)
        lay.addWidget(video)
        lay.addWidget(buttons)

    def values(self) -> LibrarySettings:
        """The settings as the dialog shows them (any the dialog does not show kept as they were)."""
        return self._current.replace(
            threshold=self.threshold.value(), min_faces=self.min_faces.value(), min_span_days=self.min_span.value(),
            every_nth=self.every_nth.value(), per_second=self.per_second.value(), max_frames=self.max_frames.value())
