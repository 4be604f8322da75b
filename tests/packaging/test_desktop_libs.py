# SPDX-License-Identifier: MIT
"""scripts/desktop-libs names the missing system libraries of Qt's xcb plugin and the command that installs them.

``ldd`` is replaced by one that reports what a plain Debian 12 desktop lacks (this machine may have them all).
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
PLAIN_DEBIAN_LDD = """#!/bin/sh
echo "	libQt6XcbQpa.so.6 => /opt/qt/libQt6XcbQpa.so.6 (0x00007f)"
echo "	libxcb-icccm.so.4 => not found"
echo "	libxcb-keysyms.so.1 => not found"
echo "	libxcb.so.1 => /usr/lib/x86_64-linux-gnu/libxcb.so.1 (0x00007f)"
"""


def _run(tmp_path: Path, ldd: str, platform: str = "xcb") -> subprocess.CompletedProcess:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    (bin_dir / "ldd").write_text(ldd)
    (bin_dir / "ldd").chmod(0o755)
    plugin = tmp_path / "libqxcb.so"
    plugin.write_bytes(b"\x7fELF")
    env = dict(os.environ, DISPLAY=":0", QT_QPA_PLATFORM=platform, ORGANIZER_QT_XCB_PLUGIN=str(plugin),
               PATH=f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    return subprocess.run(["bash", str(REPO / "scripts" / "desktop-libs")], env=env, capture_output=True, text=True)


def test_missing_xcb_libraries_are_named_with_the_install_command(tmp_path: Path) -> None:
    r = _run(tmp_path, PLAIN_DEBIAN_LDD)
    assert r.returncode == 1
    assert "libxcb-icccm.so.4 libxcb-keysyms.so.1" in r.stderr
    assert "sudo apt-get install libxcb-icccm4 libxcb-keysyms1" in r.stderr
    assert "sudo dnf install xcb-util-keysyms xcb-util-wm" in r.stderr


def test_nothing_missing_or_offscreen_starts(tmp_path: Path) -> None:
    assert _run(tmp_path, "#!/bin/sh\necho '	libxcb.so.1 => /usr/lib/libxcb.so.1'\n").returncode == 0
    assert _run(tmp_path, PLAIN_DEBIAN_LDD, platform="offscreen").returncode == 0  # tests and CI need none


def test_the_app_itself_says_what_to_install(tmp_path: Path) -> None:
    """The bundle and `organizer` started from a menu run the same check before Qt can abort."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "ldd").write_text(PLAIN_DEBIAN_LDD)
    (bin_dir / "ldd").chmod(0o755)
    plugin = tmp_path / "libqxcb.so"
    plugin.write_bytes(b"\x7fELF")
    env = dict(os.environ, DISPLAY=":0", QT_QPA_PLATFORM="xcb", ORGANIZER_QT_XCB_PLUGIN=str(plugin),
               PATH=f"{bin_dir}{os.pathsep}{os.environ['PATH']}", ORGANIZER_DB=str(tmp_path / "lib.sqlite"),
               XDG_STATE_HOME=str(tmp_path / "state"), PYTHONPATH=str(REPO))
    import sys

    r = subprocess.run([sys.executable, "-m", "organizer"], env=env, capture_output=True, text=True, timeout=60)
    assert r.returncode == 1
    assert "sudo apt-get install libxcb-icccm4 libxcb-keysyms1" in r.stderr
    assert "Aborted" not in r.stderr and not (tmp_path / "lib.sqlite").exists()
