# SPDX-License-Identifier: MIT
"""UI tests on a real X11 display: Xvfb, a small window manager when one is installed, Qt's xcb platform plugin.

Keys bound twice, shortcuts that swallow an editor's Return, the platform's own key bindings (X11's Redo is
Ctrl+Shift+Z): these show only on a real display, not on the offscreen platform the other UI tests use. Each test
in ``test_*.py`` here runs the tests of an ``on_display_*.py`` module beside it in a child pytest with
``QT_QPA_PLATFORM=xcb`` and ``DISPLAY`` set to a private Xvfb server, so that xcb and offscreen never share a
process. They skip, saying what to install, when Xvfb or a library of the xcb plugin is missing.
"""

from __future__ import annotations

import os
import select
import shutil
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import pytest

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[2]
#: Set in the child pytest that runs on the display.
CHILD_ENV = "ORGANIZER_XVFB_CHILD"
#: Debian 12's packages: the X server, a window manager, xdotool (real key events), and what libqxcb.so needs.
APT_PACKAGES = ("xvfb xdotool openbox libxcb-icccm4 libxcb-keysyms1 libxcb-cursor0 libxkbcommon-x11-0 libxcb-image0 "
                "libxcb-render-util0 libxcb-shape0 libxcb-xinerama0 libxcb-randr0 libegl1 libgl1 libfontconfig1 "
                "libdbus-1-3")
INSTALL = f"apt-get install -y --no-install-recommends {APT_PACKAGES}"


def missing_xcb_libraries() -> list[str]:
    """The shared libraries Qt's xcb platform plugin needs and cannot find (``ldd``), or the plugin itself."""
    import PySide6

    plugin = Path(PySide6.__file__).parent / "Qt" / "plugins" / "platforms" / "libqxcb.so"
    if not plugin.is_file():
        return [str(plugin)]
    ldd = shutil.which("ldd")
    if ldd is None:
        return []
    out = subprocess.run([ldd, str(plugin)], capture_output=True, text=True, timeout=60).stdout
    return sorted({line.split()[0] for line in out.splitlines() if "not found" in line})


def _start_xvfb(xvfb: str) -> tuple[subprocess.Popen, str]:
    """Starts Xvfb on a free display (it picks the number and writes it to a pipe once it accepts clients)."""
    read, write = os.pipe()
    proc = subprocess.Popen([xvfb, "-displayfd", str(write), "-screen", "0", "1600x1000x24", "-nolisten", "tcp",
                             "-noreset"], pass_fds=(write,), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    os.close(write)
    number = b""
    deadline = time.monotonic() + 20
    try:
        while not number.endswith(b"\n") and time.monotonic() < deadline:
            ready, _w, _x = select.select([read], [], [], 0.5)
            if ready:
                chunk = os.read(read, 16)
                if not chunk:
                    break
                number += chunk
    finally:
        os.close(read)
    if not number.strip().isdigit():
        proc.kill()
        err = proc.communicate(timeout=10)[1].decode(errors="replace")
        pytest.fail(f"Xvfb did not start: {err[-2000:]}")
    return proc, f":{number.strip().decode()}"


@pytest.fixture(scope="session")
def x_display():
    """A private X server (and window manager, if installed) for the session; skips when it cannot be had."""
    xvfb = shutil.which("Xvfb")
    if xvfb is None:
        pytest.skip(f"Xvfb is not installed: the real-display tests need it (Debian/Ubuntu: {INSTALL})")
    missing = missing_xcb_libraries()
    if missing:
        pytest.skip(f"Qt's xcb platform plugin lacks {', '.join(missing)} (Debian/Ubuntu: {INSTALL})")
    server, display = _start_xvfb(xvfb)
    wm = None
    openbox = shutil.which("openbox")
    if openbox is not None:
        wm = subprocess.Popen([openbox, "--sm-disable"], env=dict(os.environ, DISPLAY=display),
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(0.5)  # it takes the screen; a window shown before that is simply managed a moment later
    try:
        yield SimpleNamespace(display=display, window_manager="openbox" if wm is not None else None)
    finally:
        for proc in (wm, server):
            if proc is not None:
                proc.terminate()
                try:
                    proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    proc.kill()


@pytest.fixture
def run_on_display(x_display, tmp_path):
    """``run_on_display("on_display_x.py")``: runs that module's tests on the display; returns the child's output."""

    def run(module: str, timeout: float = 300) -> str:
        env = dict(os.environ, DISPLAY=x_display.display, QT_QPA_PLATFORM="xcb", **{CHILD_ENV: "1"})
        env.pop("WAYLAND_DISPLAY", None)
        cmd = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--basetemp", str(tmp_path / "child"),
               str(HERE / module)]
        r = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, timeout=timeout)
        out = r.stdout + r.stderr
        assert r.returncode == 0, f"on {x_display.display} ({x_display.window_manager or 'no window manager'}):\n" \
                                  f"{out[-8000:]}"
        return out

    return run


@pytest.fixture(autouse=True)
def _no_ambiguous_shortcuts(request):
    """On the display: no test may leave Qt saying that a key is bound twice ("Ambiguous shortcut overload")."""
    qtlog = request.getfixturevalue("qtlog") if os.environ.get(CHILD_ENV) else None
    yield
    if qtlog is not None:
        ambiguous = [r.message for r in qtlog.records if "mbiguous" in r.message]
        assert not ambiguous, ambiguous
