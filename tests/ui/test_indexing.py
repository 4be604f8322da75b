# SPDX-License-Identifier: MIT
"""Indexing from the window: pause, resume and cancel in the status bar, and the errors panel."""

from __future__ import annotations

import threading
import time

import cv2
import numpy as np
from PySide6.QtCore import Qt
from sqlalchemy import func
from sqlalchemy import select

from organizer.core.types import Box
from organizer.core.types import Detection
from organizer.core.types import Face
from organizer.core.types import FaceAttributes
from organizer.db.models import Media
from organizer.db.models import MediaStatus


class SlowEngine:
    """One face per image after a short sleep, so that a run of a few dozen files lasts long enough to steer."""

    model_id = "fake:slow"
    crop_side = 64

    def __init__(self, delay_s: float = 0.03) -> None:
        self.delay_s = delay_s
        self._lock = threading.Lock()
        self.calls = 0

    def analyze_image(self, image) -> list[Face]:
        time.sleep(self.delay_s)
        with self._lock:
            self.calls += 1
        # 1024 dims like the real embedder, so the live clustering can centre them with the stored mean.
        v = np.random.default_rng(int(image.pixels[:4].sum())).standard_normal(1024).astype(np.float32)
        w, h = image.width, image.height
        det = Detection(Box(w * 0.25, h * 0.25, w * 0.5, h * 0.5), 0.99, tuple((w * 0.5, h * 0.5) for _ in range(5)))
        attrs = FaceAttributes(embedding=(v / np.linalg.norm(v)).astype(np.float32), p_male=0.3, age=30.0,
                               age_probs=np.full(100, 0.01, np.float32))
        return [Face(det, attrs)]


def _album(root, n: int):
    root.mkdir()
    rng = np.random.default_rng(0)
    for i in range(n):
        cv2.imwrite(str(root / f"{i:03d}.jpg"), rng.integers(0, 255, (48, 64, 3), dtype=np.uint8))
    return root


def _n_media(library, status=None) -> int:
    q = select(func.count()).select_from(Media)
    if status is not None:
        q = q.where(Media.status == status)
    with library() as s:
        return int(s.scalar(q))


def test_pause_resume_and_cancel(make_window, qtbot, library, tmp_path):
    engine = SlowEngine()
    w = make_window(lambda: engine)
    w.show()
    album = _album(tmp_path / "album", 40)
    w.index_paths([str(album)])
    assert w.indexing and w.pause_button.isVisible() and w.cancel_button.isVisible()
    qtbot.waitUntil(lambda: engine.calls >= 3, timeout=10_000)

    qtbot.mouseClick(w.pause_button, Qt.MouseButton.LeftButton)
    assert w.pause_button.isChecked() and w.pause_button.text() == "Resume"
    assert w.status_label.text() == "Paused"
    qtbot.wait(150)  # the file being analysed when Pause was pressed still finishes
    paused_at = engine.calls
    qtbot.wait(300)
    assert engine.calls == paused_at, "no file is analysed while paused"
    assert w.status_label.text() == "Paused"

    qtbot.mouseClick(w.pause_button, Qt.MouseButton.LeftButton)
    assert w.pause_button.text() == "Pause"
    qtbot.waitUntil(lambda: engine.calls > paused_at + 2, timeout=10_000)

    # Cancel while paused: the run stops after the current file and keeps what it finished.
    qtbot.mouseClick(w.pause_button, Qt.MouseButton.LeftButton)
    with qtbot.waitSignal(w.indexing_finished, timeout=10_000):
        qtbot.mouseClick(w.cancel_button, Qt.MouseButton.LeftButton)
    assert not w.indexing
    assert w.status_label.text() == "Indexing stopped"
    assert not any(b.isVisible() for b in (w.progress, w.pause_button, w.cancel_button))
    assert not w.pause_button.isChecked() and w.pause_button.text() == "Pause"  # ready for the next run
    assert 0 < _n_media(library) < 40

    # Indexing again picks up where the cancelled run stopped.
    with qtbot.waitSignal(w.indexing_finished, timeout=30_000):
        w.index_paths([str(album)])
    assert w.status_label.text() == "Indexing finished"
    assert _n_media(library, MediaStatus.OK) == 40


def test_errors_panel_lists_unreadable_files(make_window, qtbot, library, tmp_path):
    w = make_window(lambda: SlowEngine(0.0))
    w.show()
    album = _album(tmp_path / "album", 2)
    (album / "corrupt.jpg").write_bytes(b"this is not a JPEG at all" * 10)
    good = (album / "000.jpg").read_bytes()
    (album / "truncated.jpg").write_bytes(good[: len(good) // 2])
    with qtbot.waitSignal(w.indexing_finished, timeout=30_000):
        w.index_paths([str(album)])
    qtbot.waitUntil(lambda: w.error_list.topLevelItemCount() == 2, timeout=5000)
    assert w.errors_dock.isVisible()  # shown by itself when indexing finds errors
    assert w.errors_dock.windowTitle() == "Errors (2)"
    rows = {w.error_list.topLevelItem(i).text(0): w.error_list.topLevelItem(i).text(1) for i in range(2)}
    assert rows[str(album / "corrupt.jpg")] == "not an image, or an image format that cannot be read"
    assert "truncated" in rows[str(album / "truncated.jpg")]
    assert _n_media(library, MediaStatus.OK) == 2


def test_folder_buttons_follow_the_selection(make_window, qtbot, library, tmp_path):
    w = make_window(lambda: SlowEngine(0.0))
    w.show()
    qtbot.waitUntil(lambda: not w._refresh_running, timeout=5000)
    dock = w.folders_dock
    buttons = (w.rescan_button, w.remove_button, dock.rescan_action, dock.remove_action)
    assert w.folder_list.count() == 0 and not any(b.isEnabled() for b in buttons)  # no folders

    album = _album(tmp_path / "album", 2)
    with qtbot.waitSignal(w.indexing_finished, timeout=30_000):
        w.index_paths([str(album)])
    qtbot.waitUntil(lambda: w.folder_list.count() == 1 and not w._refresh_running, timeout=5000)
    assert not any(b.isEnabled() for b in buttons)  # a folder, but none selected

    w.folder_list.setCurrentRow(0)
    assert all(b.isEnabled() for b in buttons)
    w.folder_list.clearSelection()
    assert not any(b.isEnabled() for b in buttons)

    # Rescan indexes the selected folder; while it runs, the folder cannot be removed.
    w.folder_list.setCurrentRow(0)
    with qtbot.waitSignal(w.indexing_finished, timeout=30_000):
        qtbot.mouseClick(w.rescan_button, Qt.MouseButton.LeftButton)
        assert w.indexing and w.rescan_button.isEnabled() and not w.remove_button.isEnabled()
    with qtbot.waitSignal(w.refreshed, timeout=5000):  # the refresh after the run keeps the selection
        w.refresh()
    assert w.folder_list.currentRow() == 0 and w.remove_button.isEnabled()

    qtbot.mouseClick(w.remove_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: w.folder_list.count() == 0 and not w._refresh_running, timeout=5000)
    assert not any(b.isEnabled() for b in buttons)
