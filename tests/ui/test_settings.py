# SPDX-License-Identifier: MIT
"""The settings dialog: OK saves to QSettings, Cancel does not, and Re-cluster and indexing use the values."""

from __future__ import annotations

from PySide6.QtWidgets import QDialogButtonBox

from organizer.cluster import ClusterParams


def _press(dlg, which) -> None:
    box = dlg.findChild(QDialogButtonBox)
    box.button(which).click()


def test_settings_saved_and_used_by_recluster_and_indexing(make_window, qtbot, library, qsettings, seed, tmp_path):
    seed(library, 3, faces_per_person=2)
    w = make_window()
    qtbot.waitUntil(lambda: not w._refresh_running, timeout=5000)

    dlg = w.open_settings()
    assert dlg.isVisible() and dlg.threshold.value() == round(w.people.params.threshold, 2)
    dlg.threshold.setValue(0.2)
    _press(dlg, QDialogButtonBox.StandardButton.Cancel)
    assert qsettings.value("cluster/threshold") is None

    dlg = w.open_settings()
    dlg.threshold.setValue(0.85)
    dlg.min_faces.setValue(4)
    dlg.min_span.setValue(12.5)
    dlg.every_nth.setValue(7)
    dlg.per_second.setValue(0.5)
    dlg.max_frames.setValue(33)
    _press(dlg, QDialogButtonBox.StandardButton.Ok)
    assert float(qsettings.value("cluster/threshold")) == 0.85
    assert int(qsettings.value("cluster/min_faces")) == 4
    assert float(qsettings.value("cluster/min_span_days")) == 12.5
    assert int(qsettings.value("video/max_frames")) == 33
    assert (w.people.params.threshold, w.people.params.min_faces, w.people.params.min_span_days) == (0.85, 4, 12.5)

    # Re-cluster runs with the saved values.
    used: list[ClusterParams] = []
    real = w.people.recluster

    def spy(params, cancel, incremental=False):
        used.append(params)
        return real(params, cancel, incremental=incremental)

    w.people.recluster = spy
    with qtbot.waitSignal(w.refreshed, timeout=10_000):
        w.recluster_action.trigger()
    assert used and (used[0].threshold, used[0].min_faces, used[0].min_span_days) == (0.85, 4, 12.5)

    # Indexing samples videos with the saved policy.
    frames = []
    make = w.ctx.make_indexer
    w.ctx.make_indexer = lambda f: frames.append(f) or make(f)
    (tmp_path / "empty").mkdir()
    with qtbot.waitSignal(w.indexing_finished, timeout=10_000):
        w.index_paths([str(tmp_path / "empty")])
    assert (frames[0].every_nth, frames[0].per_second, frames[0].max_frames) == (7, 0.5, 33)

    # A new window (the next start of the app) reads them back.
    w2 = make_window()
    assert (w2.people.params.threshold, w2.people.params.min_faces) == (0.85, 4)
    dlg2 = w2.open_settings()
    assert dlg2.every_nth.value() == 7 and dlg2.min_span.value() == 12.5
    dlg2.reject()
