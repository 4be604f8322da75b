# SPDX-License-Identifier: MIT
"""File → Write Face Tags…: the persons' names into XMP sidecars, from the window (exiftool reads them: see
tests/services/test_xmp_export.py for the independent reader)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import cv2
import numpy as np
from PySide6.QtWidgets import QDialogButtonBox

from organizer.media import xmp

SHOTS = Path("/tmp/shots")


def test_write_face_tags_from_the_file_menu_in_both_styles(make_window, qtbot, library, tmp_path, build):
    anna, bob = build.person(library, "Anna Karenina"), build.person(library, "Zoë 王")
    photo = tmp_path / "IMG_1.jpg"
    cv2.imwrite(str(photo), np.full((240, 320, 3), (40, 120, 200), np.uint8))
    original = photo.read_bytes()
    build.media(library, photo, (320, 240), [(anna, None, (20.0, 60.0, 90.0, 90.0)),
                                              (bob, None, (150.0, 60.0, 90.0, 90.0))], taken=dt.datetime(2019, 5, 1))
    w = make_window()
    w.show()
    qtbot.waitUntil(lambda: w.person_model.row_of(bob) >= 0, timeout=5000)
    tags = w.face_tags
    assert tags.action in w.menuBar().actions()[0].menu().actions() and tags.action.isEnabled()

    for style, sidecar in (("digikam", tmp_path / "IMG_1.jpg.xmp"), ("lightroom", tmp_path / "IMG_1.xmp")):
        tags.action.trigger()
        d = tags.dialog
        assert d is not None and d.isVisible()
        d.buttons[style].setChecked(True)
        if style == "digikam":
            SHOTS.mkdir(exist_ok=True)
            d.grab().save(str(SHOTS / "face_tags_dialog.png"))
        with qtbot.waitSignal(tags.finished, timeout=10_000) as done:
            d.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Ok).click()
        res = done.args[0]
        assert res is not None and res.written == [str(sidecar)]
        assert w.status_label.text() == "Wrote face tags for 1 photo"
        names = sorted(r[0] for r in xmp.read_regions(sidecar))
        assert names == ["Anna Karenina", "Zoë 王"]
    assert photo.read_bytes() == original  # the photo itself is never changed

    # a second run finds the sidecar up to date; the style chosen last is offered again
    tags.action.trigger()
    assert tags.dialog.buttons["lightroom"].isChecked()
    with qtbot.waitSignal(tags.finished, timeout=10_000) as done:
        tags.dialog.accept()
    assert done.args[0].unchanged and w.status_label.text() == "No face tags to write (1 already up to date)"
