# SPDX-License-Identifier: MIT
"""File → Export Photos…: the selected persons' photos (or Find Photos' results) into a folder, from the window."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import cv2
import numpy as np
from PySide6.QtCore import QItemSelectionModel
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from organizer.services.photo_export import ExportMode

SHOTS = Path("/tmp/shots")



def _family(make_window, qtbot, library, tmp_path, build):
    """Anna and Bob together on one photo, Anna alone on another (same name, other folder), Bob in a video."""
    anna, bob = build.person(library, "Anna"), build.person(library, "Bob")
    files = [tmp_path / "2019" / "IMG_1.jpg", tmp_path / "2020" / "IMG_1.jpg", tmp_path / "2020" / "clip.mp4"]
    for f in files[:2]:
        f.parent.mkdir(parents=True, exist_ok=True)
        cv2.imwrite(str(f), np.full((240, 320, 3), (40, 120, 200) if "2019" in str(f) else (60, 160, 60), np.uint8))
    build.video(files[2])
    build.media(library, files[0], (320, 240), [(anna, None, (20.0, 60.0, 90.0, 90.0)),
                                                 (bob, None, (150.0, 60.0, 90.0, 90.0))], taken=dt.datetime(2019, 5, 1))
    build.media(library, files[1], (320, 240), [(anna, None, (20.0, 60.0, 90.0, 90.0))], taken=dt.datetime(2020, 5, 1))
    build.media(library, files[2], (160, 120), [(bob, 0.5, (10.0, 10.0, 40.0, 40.0)),
                                                 (bob, 1.5, (10.0, 10.0, 40.0, 40.0))], kind="video")
    w = make_window()
    w.show()
    qtbot.waitUntil(lambda: w.person_model.row_of(bob) >= 0, timeout=5000)
    return w, anna, bob, files


def _run(qtbot, w, d):
    with qtbot.waitSignal(w.export_photos.finished, timeout=10_000) as done:
        QTest.mouseClick(d.export_button, Qt.MouseButton.LeftButton)
    return done.args[0]


def test_export_the_selected_persons_from_the_file_menu(make_window, qtbot, library, tmp_path, build):
    w, anna, bob, files = _family(make_window, qtbot, library, tmp_path, build)
    ex = w.export_photos
    w.people_panel.view.clearSelection()
    qtbot.waitUntil(lambda: not ex.action.isEnabled(), timeout=3000)  # nobody selected
    w.people_panel.select_person(anna)
    assert ex.action.isEnabled()
    file_menu = w.menuBar().actions()[0].menu()
    assert ex.action in file_menu.actions()

    ex.action.trigger()
    d = ex.dialog
    assert d is not None and d.isVisible() and d.windowTitle() == "Export Photos"
    qtbot.waitUntil(lambda: d.what.text() == "2 photos of Anna", timeout=5000)
    assert d.mode_buttons[ExportMode.COPY].isChecked() and d.per_person.isVisible()
    out = tmp_path / "export"
    d.folder_edit.setText(str(out))
    assert d.export_button.isEnabled()
    SHOTS.mkdir(parents=True, exist_ok=True)
    d.grab().save(str(SHOTS / "export_dialog.png"))

    res = _run(qtbot, w, d)
    assert sorted(os.listdir(out)) == ["IMG_1 (2).jpg", "IMG_1.jpg"]
    assert (out / "IMG_1.jpg").read_bytes() == files[0].read_bytes()
    assert (out / "IMG_1 (2).jpg").read_bytes() == files[1].read_bytes()
    assert w.status_label.text() == f"Exported 2 files to {out}" == res.summary()
    qtbot.waitUntil(lambda: not ex.progress.isVisible() and not ex.stop_button.isVisible(), timeout=3000)
    assert ex.dialog is None and ex.report is None

    # both persons, a folder each, hard links; the options chosen last are offered again
    panel = w.people_panel
    panel.view.selectionModel().select(panel.proxy.mapFromSource(w.person_model.index(w.person_model.row_of(bob), 0)),
                                       QItemSelectionModel.SelectionFlag.Select)
    w.activateWindow()  # the closed dialog's window was the active one
    qtbot.waitUntil(w.isActiveWindow, timeout=3000)
    QTest.keyClick(w, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    qtbot.waitUntil(lambda: ex.dialog is not None and ex.dialog.isVisible(), timeout=3000)
    d = ex.dialog
    assert d.folder_edit.text() == str(out)
    qtbot.waitUntil(lambda: d.what.text() == "2 photos and 1 video of Anna, Bob", timeout=5000)
    d.mode_buttons[ExportMode.HARDLINK].click()
    d.per_person.setChecked(True)
    d.folder_edit.setText(str(tmp_path / "by person"))
    _run(qtbot, w, d)
    assert sorted(p.relative_to(tmp_path / "by person").as_posix() for p in (tmp_path / "by person").rglob("*.*")) \
        == ["Anna/IMG_1 (2).jpg", "Anna/IMG_1.jpg", "Bob/IMG_1.jpg", "Bob/clip.mp4"]
    assert os.path.samefile(tmp_path / "by person" / "Bob" / "clip.mp4", files[2])
    assert w.status_label.text().startswith("Exported 4 files to ")

    # the same again: nothing new; a photo gone since the last scan is reported with its reason
    files[1].unlink()
    ex.action.trigger()
    d = ex.dialog
    assert d.mode_buttons[ExportMode.HARDLINK].isChecked() and d.per_person.isChecked()
    qtbot.waitUntil(lambda: d.export_button.isEnabled(), timeout=5000)
    res = _run(qtbot, w, d)
    assert res.exported == [] and len(res.skipped) == 3
    assert w.status_label.text() == f"Exported 0 files to {tmp_path / 'by person'} (3 already there, 1 failed)"
    qtbot.waitUntil(lambda: ex.report is not None and ex.report.isVisible(), timeout=3000)
    assert "the original is not there any more" in ex.report.informativeText()
    assert str(files[1]) in ex.report.detailedText()
    ex.report.close()


def test_export_the_results_of_find_photos(make_window, qtbot, library, tmp_path, build):
    w, anna, bob, files = _family(make_window, qtbot, library, tmp_path, build)
    w.people_panel.select_person(anna)
    find = w.find_photos.open()
    find.add_persons([bob])
    qtbot.waitUntil(lambda: find.count_label.text() == "1 photo", timeout=5000)
    assert find.export_button.isEnabled()
    QTest.mouseClick(find.export_button, Qt.MouseButton.LeftButton)
    d = w.export_photos.dialog
    assert d is not None and d.isVisible() and d.parent() is find
    assert d.what.text() == "1 photo found for Anna, Bob" and not d.per_person.isVisible()
    d.mode_buttons[ExportMode.SYMLINK].click()
    d.folder_edit.setText(str(tmp_path / "together"))
    _run(qtbot, w, d)
    link = tmp_path / "together" / "IMG_1.jpg"
    assert link.is_symlink() and os.readlink(link) == str(files[0])
    assert os.listdir(tmp_path / "together") == ["IMG_1.jpg"]

    find.remove_person(bob)
    find.remove_person(anna)
    qtbot.waitUntil(lambda: not find.export_button.isEnabled(), timeout=5000)
