# SPDX-License-Identifier: MIT
"""The app starts as users start it (``organizer`` = ``organizer.cli.main.main([])``), offscreen, against a temporary
library, shows its window, logs where it should, and quits cleanly when the window is closed."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

#: Runs the real entry point; once the event loop runs (app.settle_gc is its last step before exec), it reports the
#: window and closes it. QMessageBox.critical is replaced so that a broken model install cannot block the run.
SCRIPT = r"""
import sys
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from organizer import app
from organizer.cli.main import main
from organizer.ui.main_window import MainWindow

QMessageBox.critical = staticmethod(lambda parent, title, text: print("CRITICAL-BOX", text, flush=True))
settle = app.settle_gc

def report_and_close():
    w = next(w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow))
    print("SHOWN", w.isVisible(), w.windowTitle(), w.stack.currentWidget() is w.empty, flush=True)
    w.close()

def settle_then_close():
    settle()
    QTimer.singleShot(300, report_and_close)

app.settle_gc = settle_then_close
sys.exit(main(sys.argv[1:]))
"""


def test_the_app_starts_shows_the_window_and_quits(tmp_path):
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", ORGANIZER_DB=str(tmp_path / "lib.sqlite"),
               XDG_STATE_HOME=str(tmp_path / "state"), XDG_CONFIG_HOME=str(tmp_path / "config"),
               XDG_DATA_HOME=str(tmp_path / "data"), PYTHONPATH=str(REPO))
    r = subprocess.run([sys.executable, "-c", SCRIPT, "-v"], env=env, cwd=tmp_path, capture_output=True,
                       text=True, timeout=120)
    assert r.returncode == 0, r.stderr[-3000:]
    assert "SHOWN True Organizer True" in r.stdout  # the empty library's "Drop folders…" page
    assert "CRITICAL-BOX" not in r.stdout
    assert (tmp_path / "lib.sqlite").is_file()
    assert f"Library {tmp_path / 'lib.sqlite'}" in r.stderr  # -v: INFO on the console
    log_files = list((tmp_path / "state").rglob("organizer.log"))
    assert log_files and "Library" in log_files[0].read_text()
    assert list((tmp_path / "config").rglob("*.conf")), "the window's state is saved in the desktop's settings"
