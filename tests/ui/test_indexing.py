# SPDX-License-Identifier: MIT
"""Indexing from the window: pause, resume and cancel in the status bar, and the errors panel."""

from __future__ import annotations

from PySide6.QtCore import Qt
from ui_fakes import SlowEngine
from ui_fakes import make_album
from ui_fakes import n_media

from organizer.db.models import MediaStatus


def test_pause_resume_and_cancel(make_window, qtbot, library, tmp_path):
    engine = SlowEngine()
    w = make_window(lambda: engine)
    w.show()
    album = make_album(tmp_path / "album", 40)
    w.index_paths([str(album)])
    assert w.indexing and w.pause_button.isVisible() and w.cancel_button.isVisible()
    qtbot.waitUntil(lambda: engine.calls >= 3, timeout=10_000)

    qtbot.mouseClick(w.pause_button, Qt.MouseButton.LeftButton)
    assert w.pause_button.isChecked() and w.pause_button.text() == "Resume"
    assert w.status_label.text() == "Paused"
    job = w.indexer.worker
    # The file being analyzed when Pause was pressed still finishes; then the job is held between two files.
    qtbot.waitUntil(lambda: job.holds >= 1, timeout=5000)
    paused_at = engine.calls
    qtbot.waitUntil(lambda: job.holds >= 4, timeout=5000)  # held through three more checks (0.1 s each)
    assert engine.calls == paused_at, "no file is analyzed while paused"
    assert w.status_label.text() == "Paused"

    qtbot.mouseClick(w.pause_button, Qt.MouseButton.LeftButton)
    assert w.pause_button.text() == "Pause"
    qtbot.waitUntil(lambda: engine.calls > paused_at + 2, timeout=10_000)

    # Cancel while paused: the run stops after the current file and keeps what it finished.
    qtbot.mouseClick(w.pause_button, Qt.MouseButton.LeftButton)
    with qtbot.waitSignal(w.indexing_finished, timeout=10_000):
        qtbot.mouseClick(w.cancel_button, Qt.MouseButton.LeftButton)
    assert not w.indexing
    assert w.status_label.text().startswith("Indexing stopped: ")
    assert not any(b.isVisible() for b in (w.progress, w.pause_button, w.cancel_button))
    assert not w.pause_button.isChecked() and w.pause_button.text() == "Pause"  # ready for the next run
    assert 0 < n_media(library) < 40

    # Indexing again picks up where the cancelled run stopped.
    with qtbot.waitSignal(w.indexing_finished, timeout=30_000):
        w.index_paths([str(album)])
    assert w.status_label.text().startswith("Indexing finished: ")
    assert n_media(library, MediaStatus.OK) == 40


def test_errors_panel_lists_unreadable_files(make_window, qtbot, library, tmp_path):
    w = make_window(lambda: SlowEngine(0.0))
    w.show()
    album = make_album(tmp_path / "album", 2)
    (album / "corrupt.jpg").write_bytes(b"this is not a JPEG at all" * 10)
    good = (album / "000.jpg").read_bytes()
    (album / "truncated.jpg").write_bytes(good[: len(good) // 2])
    with qtbot.waitSignal(w.indexing_finished, timeout=30_000):
        w.index_paths([str(album)])
    qtbot.waitUntil(lambda: w.error_list.topLevelItemCount() == 2, timeout=5000)
    assert w.errors_dock.isVisible()  # shown by itself when indexing finds errors
    assert w.errors_dock.windowTitle() == "Errors (2)"
    rows = {w.error_list.topLevelItem(i).text(0): w.error_list.topLevelItem(i).text(1) for i in range(2)}
    assert rows[str(album / "corrupt.jpg")] == "Not a photo Organizer can read"
    assert "damaged or incomplete" in rows[str(album / "truncated.jpg")]
    tips = {w.error_list.topLevelItem(i).text(0): w.error_list.topLevelItem(i).toolTip(1) for i in range(2)}
    assert tips[str(album / "truncated.jpg")].endswith("Details: truncated JPEG")  # the technical words
    assert n_media(library, MediaStatus.OK) == 2


def _index_and_settle(qtbot, w, paths) -> None:
    """Indexes ``paths``, then waits for the clustering that follows every run and the refresh after it."""
    with qtbot.waitSignal(w.indexing_finished, timeout=30_000):
        w.index_paths(paths)
    with qtbot.waitSignal(w.clustering.clustered, timeout=10_000):
        pass
    with qtbot.waitSignal(w.refreshed, timeout=5000):
        pass


def test_folder_buttons_follow_the_selection(make_window, qtbot, library, tmp_path):
    w = make_window(lambda: SlowEngine(0.0))
    with qtbot.waitSignal(w.refreshed, timeout=5000):  # the first load, started by the window
        w.show()
    dock = w.folders_dock
    buttons = (w.rescan_button, w.remove_button, dock.rescan_action, dock.remove_action)
    assert w.folder_list.count() == 0 and not any(b.isEnabled() for b in buttons)  # no folders

    album = make_album(tmp_path / "album", 2)
    _index_and_settle(qtbot, w, [str(album)])
    assert w.folder_list.count() == 1
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
    with qtbot.waitSignal(w.clustering.clustered, timeout=10_000):  # the clustering after the run ...
        pass
    with qtbot.waitSignal(w.refreshed, timeout=5000):  # ... and the refresh after it keep the selection
        pass
    assert w.folder_list.currentRow() == 0 and w.remove_button.isEnabled()

    with qtbot.waitSignal(w.refreshed, timeout=5000):
        qtbot.mouseClick(w.remove_button, Qt.MouseButton.LeftButton)
    assert w.folder_list.count() == 0
    assert not any(b.isEnabled() for b in buttons)
