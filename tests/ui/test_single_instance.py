# SPDX-License-Identifier: MIT
"""One process writes a library: a second window start brings the first forward, a writing command is refused
with a plain message, and reading commands work read-only without touching the running window's WAL.

Real processes: the app offscreen, and the CLI as users run it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

#: The real app; it reports when its event loop runs, brings itself forward on a second start (printed), and
#: closes when the file ``quit`` appears beside the library.
APP = r"""
import os, sys
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox
from organizer import app
from organizer.cli.main import main
from organizer.ui.main_window import MainWindow

QMessageBox.critical = staticmethod(lambda parent, title, text: print("CRITICAL-BOX", text, flush=True))
quit_file = os.environ["ORGANIZER_DB"] + ".quit"
settle = app.settle_gc

def watch():
    w = next(w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow))
    if os.path.exists(quit_file):
        w.close()

def running():
    settle()
    w = next(w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow))
    real_raise = w.raise_
    w.raise_ = lambda: (print("BROUGHT FORWARD", flush=True), real_raise())
    print("RUNNING", flush=True)
    t = QTimer(w, interval=100)
    t.timeout.connect(watch)
    t.start()

app.settle_gc = running
sys.exit(main(sys.argv[1:]))
"""


def _env(tmp_path: Path) -> dict[str, str]:
    return dict(os.environ, QT_QPA_PLATFORM="offscreen", ORGANIZER_DB=str(tmp_path / "lib.sqlite"),
                XDG_STATE_HOME=str(tmp_path / "state"), XDG_CONFIG_HOME=str(tmp_path / "config"),
                XDG_DATA_HOME=str(tmp_path / "data"), XDG_RUNTIME_DIR=str(tmp_path), PYTHONPATH=str(REPO))


def _cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "organizer", *args], env=env, capture_output=True, text=True,
                          timeout=120)


def test_one_writer_per_library(tmp_path: Path) -> None:
    env = _env(tmp_path)
    db = tmp_path / "lib.sqlite"
    first = subprocess.Popen([sys.executable, "-c", APP], env=env, cwd=tmp_path, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
    try:
        assert first.stdout is not None
        assert first.stdout.readline().strip() == "RUNNING"
        assert (tmp_path / "lib.sqlite-wal").exists()

        # a writing command is refused, naming the window that holds the library
        r = _cli(env, "cluster")
        assert r.returncode == 7, r.stderr
        assert f"organizer: {db} is in use by the Organizer window (process {first.pid})" in r.stderr
        assert "Traceback" not in r.stderr

        # reading commands work, read-only: the window's WAL is still there afterwards
        for _ in range(3):
            r = _cli(env, "status", "--json")
            assert r.returncode == 0, r.stderr
            assert json.loads(r.stdout)["db"] == str(db)
            assert _cli(env, "people", "--json").returncode == 0
        assert (tmp_path / "lib.sqlite-wal").exists() and (tmp_path / "lib.sqlite-shm").exists()

        # a second start of the app brings the first window forward and ends at once
        t0 = time.monotonic()
        second = subprocess.run([sys.executable, "-c", APP], env=env, cwd=tmp_path, capture_output=True,
                                text=True, timeout=60)
        assert second.returncode == 0, second.stderr[-2000:]
        assert "RUNNING" not in second.stdout and time.monotonic() - t0 < 30
        assert first.stdout.readline().strip() == "BROUGHT FORWARD"
    finally:
        (tmp_path / "lib.sqlite.quit").touch()
        try:
            first.wait(30)
        finally:
            if first.poll() is None:
                first.kill()
    assert first.returncode == 0
    # with the window gone, the library can be written again
    r = _cli(env, "cluster")
    assert r.returncode == 0, r.stderr
