# SPDX-License-Identifier: MIT
"""Settings: clustering (threshold, minimum faces, minimum day span) and video sampling."""

from __future__ import annotations

import dataclasses

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QDialog
from PySide6.QtWidgets import QDialogButtonBox
from PySide6.QtWidgets import QDoubleSpinBox
from PySide6.QtWidgets import QFormLayout
from PySide6.QtWidgets import QGroupBox
from PySide6.QtWidgets import QSpinBox
from PySide6.QtWidgets import QVBoxLayout

from organizer.cluster import ClusterParams
from organizer.media.video import FramePolicy


def load_cluster_params(settings: QSettings, base: ClusterParams) -> ClusterParams:
    return dataclasses.replace(
        base,
        threshold=float(settings.value("cluster/threshold", base.threshold)),
        min_faces=int(settings.value("cluster/min_faces", base.min_faces)),
        min_span_days=float(settings.value("cluster/min_span_days", base.min_span_days)),
    )


def load_frame_policy(settings: QSettings, base: FramePolicy) -> FramePolicy:
    return dataclasses.replace(
        base,
        every_nth=int(settings.value("video/every_nth", base.every_nth)),
        per_second=float(settings.value("video/per_second", base.per_second)),
        max_frames=int(settings.value("video/max_frames", base.max_frames)),
    )


class SettingsDialog(QDialog):
    def __init__(self, params: ClusterParams, frames: FramePolicy, parent=None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Settings")
        self.threshold = QDoubleSpinBox(decimals=2, minimum=0.1, maximum=3.0, singleStep=0.05, value=params.threshold)
        self.threshold.setToolTip("Lower: persons split more readily; higher: more faces are joined")
        self.min_faces = QSpinBox(minimum=1, maximum=100, value=params.min_faces)
        self.min_span = QDoubleSpinBox(decimals=1, minimum=0.0, maximum=3650.0, value=params.min_span_days,
                                       suffix=" days")
        self.every_nth = QSpinBox(minimum=1, maximum=100, value=frames.every_nth)
        self.per_second = QDoubleSpinBox(decimals=2, minimum=0.05, maximum=30.0, value=frames.per_second)
        self.max_frames = QSpinBox(minimum=1, maximum=10_000, value=frames.max_frames)
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

    def save(self, settings: QSettings) -> None:
        settings.setValue("cluster/threshold", self.threshold.value())
        settings.setValue("cluster/min_faces", self.min_faces.value())
        settings.setValue("cluster/min_span_days", self.min_span.value())
        settings.setValue("video/every_nth", self.every_nth.value())
        settings.setValue("video/per_second", self.per_second.value())
        settings.setValue("video/max_frames", self.max_frames.value())
