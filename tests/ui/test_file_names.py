# SPDX-License-Identifier: MIT
"""File names that are not valid UTF-8 (bytes surrogate-escaped by Python) load and show in the window.

Qt's file name handling drops such bytes, so ``QImageReader(path)`` cannot open these files; the UI reads them
through Python instead.
"""

from __future__ import annotations

import os

import cv2
import numpy as np
import pytest

from organizer.services.browse_service import BrowseService
from organizer.ui.dialogs.viewer import PhotoViewer
from organizer.ui.images import display_path
from organizer.ui.images import file_url
from organizer.ui.images import local_path
from organizer.ui.images import read_image
from organizer.ui.models.photo_model import render_preview
from organizer.ui.workers import Pools


@pytest.fixture
def odd_dir(tmp_path):
    d = os.path.join(os.fsencode(tmp_path), b"caf\xff")
    try:
        os.mkdir(d)
    except OSError as e:  # e.g. a filesystem that insists on UTF-8 names
        pytest.skip(f"this filesystem refuses the name b'caf\\xff': {e}")
    return os.fsdecode(d)


def _jpeg(path: str, size=(320, 240)) -> None:
    ok, buf = cv2.imencode(".jpg", np.full((size[1], size[0], 3), 90, np.uint8))
    assert ok
    with open(path, "wb") as f:
        f.write(buf.tobytes())


def test_photo_with_non_utf8_name_previews_and_opens(qtbot, odd_dir, library, build):
    path = os.path.join(odd_dir, os.fsdecode(b"\xff\xfe photo.jpg"))
    assert "\udcff" in path
    _jpeg(path)
    assert not os.path.exists(path.encode("utf-8", "replace").decode())  # what Qt would look for instead
    me = build.person(library, "Me")
    build.media(library, path, (320, 240), [(me, None, (40.0, 40.0, 60.0, 60.0))])
    (photo,) = BrowseService(library).photos_of_person(me)
    assert photo.path == path

    img = render_preview(BrowseService(library), photo)
    assert (img.width(), img.height()) == (200, 150)
    assert read_image(path + "-missing", 100).isNull()

    pools = Pools()
    viewer = PhotoViewer(pools, [photo], 0, lambda p: list(p.faces))
    qtbot.addWidget(viewer)
    qtbot.waitUntil(lambda: not viewer.loading, timeout=5000)
    pools.wait()
    assert viewer.image().width() == 320
    assert "\ufffd" in viewer.windowTitle()  # shown, not silently dropped
    assert file_url(path).toEncoded().data().endswith(b"caf%FF/%FF%FE%20photo.jpg")
    assert local_path(file_url(path)) == path  # what a drop of this file gives the window


class NoFaces:
    embedding_model = "fake:none"
    second_model = None
    analysis_id = "fake-analysis:none"
    crop_side = 64

    def analyze_image(self, image) -> list:
        return []


def test_errors_panel_and_folders_show_non_utf8_names(make_window, qtbot, odd_dir):
    _jpeg(os.path.join(odd_dir, "good.jpg"))
    bad = os.path.join(odd_dir, os.fsdecode(b"bad\xff.jpg"))
    with open(bad, "wb") as f:
        f.write(b"not a JPEG" * 10)
    w = make_window(lambda: NoFaces())
    with qtbot.waitSignal(w.indexing_finished, timeout=30_000):
        w.index_paths([odd_dir])
    qtbot.waitUntil(lambda: w.error_list.topLevelItemCount() == 1, timeout=5000)
    item = w.error_list.topLevelItem(0)
    assert item.text(0) == display_path(bad) and item.text(0).endswith("caf\ufffd/bad\ufffd.jpg")
    assert item.text(1) == "Not a photo Organizer can read"
    assert w.folder_list.item(0).text().startswith(display_path(odd_dir))
    # Rescan uses the real name (a QString would have dropped the byte and rescanned ".../caf").
    w.folder_list.setCurrentRow(0)
    asked = []
    w.index_paths = asked.append
    w.rescan_selected()
    w.rescan_all()
    assert asked == [[odd_dir], [odd_dir]]
