# SPDX-License-Identifier: MIT
"""The installed Qt for Python survives what the app does all day: Python slots called many times.

PySide6 6.12.0 drops a reference to None on each call of a Python slot; on Python 3.11, where None is not
immortal, the process aborts ("deallocating None") after a few seconds of a running timer. Run in a child
process so that such a crash fails this test instead of killing the test session.
"""

from __future__ import annotations

import subprocess
import sys

SCRIPT = r"""
import sys, time
from PySide6.QtCore import QCoreApplication, QObject, QTimer, Signal

app = QCoreApplication([])

class Emitter(QObject):
    fired = Signal(object)

calls = [0]

def tick():
    calls[0] += 1

e = Emitter()
e.fired.connect(lambda value: None)
t = QTimer(interval=0)
t.timeout.connect(tick)
t.start()
before = sys.getrefcount(None)
end = time.monotonic() + 2.0
while time.monotonic() < end:
    app.processEvents()
    e.fired.emit(None)
t.stop()
drift = sys.getrefcount(None) - before
print(calls[0], drift)
sys.exit(0 if abs(drift) < 1000 and calls[0] > 1000 else 1)
"""


def test_python_slots_do_not_leak_or_drop_references() -> None:
    proc = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, f"rc={proc.returncode} stdout={proc.stdout!r} stderr={proc.stderr[-500:]!r}"
