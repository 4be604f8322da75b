# SPDX-License-Identifier: MIT
"""Nothing but SQLite opens the library file, while the window runs and the Add Folder dialog browses its folder.

POSIX drops every lock a process holds on a file when any of its descriptors of that file is closed, so one
stray open-and-close of the library (a file dialog sniffing it, say) would drop SQLite's locks. Every openat()
of the library file by the real app, under strace with stack traces, must come from libsqlite3.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
APP = r"""
import os, sys
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox
from organizer import app
from organizer.cli.main import main
from organizer.ui.main_window import MainWindow

QMessageBox.critical = staticmethod(lambda *a: print("CRITICAL-BOX", a, flush=True))
settle = app.settle_gc

def browse():
    w = next(w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow))
    # the app's Add Folder dialog in the library's folder, with the library file's name typed into it (Qt's
    # plain file dialog opened the file here to sniff its MIME type)
    from organizer.ui.folder_input import folder_dialog
    d = folder_dialog(w, os.path.dirname(os.environ["ORGANIZER_DB"]))
    d.show()
    d.selectFile(os.path.basename(os.environ["ORGANIZER_DB"]))
    QTimer.singleShot(1500, lambda: (print("BROWSED", flush=True), d.close(), w.close()))

def running():
    settle()
    QTimer.singleShot(200, browse)

app.settle_gc = running
sys.exit(main([]))
"""


def _strace_has_stacks() -> bool:
    if shutil.which("strace") is None:
        return False
    r = subprocess.run(["strace", "-k", "-e", "trace=none", "true"], capture_output=True, text=True)
    return r.returncode == 0


@pytest.mark.skipif(not _strace_has_stacks(),
                    reason="needs strace with stack traces (-k); Debian: apt-get install strace")
def test_only_sqlite_opens_the_library_file(tmp_path: Path) -> None:
    lib = tmp_path / "library" / "library.sqlite"
    lib.parent.mkdir()
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", ORGANIZER_DB=str(lib), PYTHONPATH=str(REPO),
               XDG_STATE_HOME=str(tmp_path / "state"), XDG_CONFIG_HOME=str(tmp_path / "config"))
    trace = tmp_path / "trace"
    # -ff: one file per thread, so a call another thread interrupts ("<unfinished ...>", then "<... resumed>")
    # keeps its stack trace with it instead of under some other thread's call; -P: only the calls on the library
    # file are printed and unwound (unwinding every open of the start-up's imports took over 4 minutes)
    r = subprocess.run(["strace", "-ff", "-k", "-e", "trace=openat,open", "-P", str(lib), "-o", str(trace),
                        sys.executable, "-c", APP], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=240)
    assert r.returncode == 0, r.stderr[-2000:]
    assert "BROWSED" in r.stdout and "CRITICAL-BOX" not in r.stdout
    blocks = [b for f in sorted(tmp_path.glob("trace.*"))
              for b in re.split(r"\n(?=open)", f.read_text(errors="replace"))]
    opens = [b for b in blocks if re.match(rf'open(at)?\((AT_FDCWD, )?"{re.escape(str(lib))}"', b)]
    assert opens, "the library was never opened: the trace does not show what it should"
    strangers = [b.splitlines()[0] + "\n" + "\n".join(b.splitlines()[1:8]) for b in opens if "libsqlite3" not in b]
    assert not strangers, "opened by something else than SQLite:\n" + "\n\n".join(strangers)
