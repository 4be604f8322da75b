# SPDX-License-Identifier: MIT
"""The settings dialog: OK stores the values in the library, Cancel does not, and Re-cluster and indexing use them.

The library is the one source for the app and the CLI; the desktop's QSettings keep only the window's own state.
"""

from __future__ import annotations

import dataclasses

from PySide6.QtWidgets import QDialogButtonBox

from organizer.cluster import ClusterParams
from organizer.services.settings_service import SettingsService


def _press(dlg, which) -> None:
    box = dlg.findChild(QDialogButtonBox)
    box.button(which).click()


def test_settings_saved_to_the_library_and_used_by_recluster_and_indexing(make_window, qtbot, library, qsettings,
                                                                           seed, tmp_path):
    seed(library, 3, faces_per_person=2)
    w = make_window()
    before = SettingsService(library).load()

    dlg = w.open_settings()
    assert dlg.isVisible() and dlg.threshold.value() == round(before.threshold, 3)  # shown as stored, not rounded
    assert dlg.min_faces.value() == before.min_faces
    dlg.threshold.setValue(0.2)
    _press(dlg, QDialogButtonBox.StandardButton.Cancel)
    w.pools.db.waitForDone(5000)
    assert SettingsService(library).load() == before

    dlg = w.open_settings()
    dlg.threshold.setValue(0.85)
    dlg.min_faces.setValue(4)
    dlg.min_span.setValue(12.5)
    dlg.every_nth.setValue(7)
    dlg.per_second.setValue(0.5)
    dlg.max_frames.setValue(33)
    with qtbot.waitSignal(w.settings_saved, timeout=5000):
        _press(dlg, QDialogButtonBox.StandardButton.Ok)
    stored = SettingsService(library).load()
    assert (stored.threshold, stored.min_faces, stored.min_span_days) == (0.85, 4, 12.5)
    assert (stored.every_nth, stored.per_second, stored.max_frames) == (7, 0.5, 33)
    assert not [k for k in qsettings.allKeys() if k.startswith(("cluster/", "video/"))]  # not the desktop's

    # Re-cluster runs with the stored values.
    used: list[ClusterParams] = []
    real = w.ctx.clustering.recluster

    def spy(params, cancel=None, incremental=False):
        used.append(params)
        # The seeded embeddings have 16 dimensions: no centring on the stored 1024-dimensional mean.
        return real(dataclasses.replace(params, centre=False), cancel, incremental=incremental)

    w.ctx.clustering.recluster = spy
    with qtbot.waitSignal(w.clustering.clustered, timeout=10_000, check_params_cb=lambda full: full):
        w.recluster_action.trigger()
    assert w.status_label.text() == "Persons updated"
    assert used and (used[0].threshold, used[0].min_faces, used[0].min_span_days) == (0.85, 4, 12.5)

    # Indexing samples videos with the stored policy.
    frames = []
    make = w.ctx.make_indexer
    w.ctx.make_indexer = lambda f: frames.append(f) or make(f)
    (tmp_path / "empty").mkdir()
    with qtbot.waitSignal(w.indexing_finished, timeout=10_000):
        w.index_paths([str(tmp_path / "empty")])
    with qtbot.waitSignal(w.clustering.clustered, timeout=10_000):  # the incremental one after every run
        pass
    assert (frames[0].every_nth, frames[0].per_second, frames[0].max_frames) == (7, 0.5, 33)

    # A new window (the next start of the app) reads them back.
    w2 = make_window()
    dlg2 = w2.open_settings()
    assert (dlg2.threshold.value(), dlg2.min_faces.value()) == (0.85, 4)
    assert dlg2.every_nth.value() == 7 and dlg2.min_span.value() == 12.5
    dlg2.reject()

    # A value set elsewhere (the CLI: `organizer cluster --threshold 0.9 --save`) is what the next run uses.
    SettingsService(library).save(stored.replace(threshold=0.9))
    used.clear()
    with qtbot.waitSignal(w.clustering.clustered, timeout=10_000, check_params_cb=lambda full: full):
        w.recluster_action.trigger()
    assert used[0].threshold == 0.9
    dlg3 = w.open_settings()
    assert dlg3.threshold.value() == 0.9
    dlg3.reject()


def test_settings_an_earlier_version_kept_on_the_desktop_move_into_the_library(library, tmp_path) -> None:
    from PySide6.QtCore import QSettings

    from organizer.app import carry_over_settings
    from organizer.db.migrations.v005_face_embedding import carried_threshold
    from organizer.services.settings_service import SettingsService

    desktop = QSettings(str(tmp_path / "old.ini"), QSettings.Format.IniFormat)
    desktop.setValue("cluster/threshold", 0.7)
    desktop.setValue("cluster/min_faces", "3")  # QSettings gives strings back from an ini file
    desktop.setValue("window/geometry", b"kept")
    carry_over_settings(desktop, library)
    got = SettingsService(library).load()
    # the old desktop threshold was one of faceres' space: carried over as the same strictness in the fused space
    assert (got.threshold, got.min_faces) == (carried_threshold(0.7), 3) and got.threshold != 0.7
    assert not desktop.contains("cluster/threshold") and desktop.contains("window/geometry")
    # once the library has its own settings, an old desktop value never overrides them
    desktop.setValue("cluster/threshold", 1.5)
    carry_over_settings(desktop, library)
    assert SettingsService(library).load().threshold == carried_threshold(0.7)
