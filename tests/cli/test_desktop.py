# SPDX-License-Identifier: MIT
"""The desktop entry and ``organizer install-desktop``."""

from __future__ import annotations

import configparser
import shutil
import subprocess
import sys
from pathlib import Path

from organizer import APP_ID
from organizer import resources


def _entry(path: Path) -> configparser.SectionProxy:
    cp = configparser.ConfigParser(interpolation=None)
    cp.optionxform = str  # keys are case-sensitive
    cp.read(path, encoding="utf-8")
    return cp["Desktop Entry"]


def test_desktop_entry_uses_the_app_id() -> None:
    path = resources.desktop_entry()
    assert path.name == f"{APP_ID}.desktop"
    e = _entry(path)
    assert e["Type"] == "Application" and e["Name"] == "Organizer"
    assert e["Icon"] == APP_ID and resources.icon_svg().is_file()
    assert e["Categories"].endswith(";") and e["Terminal"] == "false"
    validate = shutil.which("desktop-file-validate")
    if validate:
        proc = subprocess.run([validate, str(path)], capture_output=True, text=True)
        assert proc.returncode == 0 and not proc.stdout.strip(), proc.stdout + proc.stderr


def test_install_desktop_writes_entry_and_icon(tmp_path: Path) -> None:
    proc = subprocess.run([sys.executable, "-m", "organizer", "install-desktop", "--prefix", str(tmp_path)],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    desktop = tmp_path / "applications" / f"{APP_ID}.desktop"
    icon = tmp_path / "icons" / "hicolor" / "scalable" / "apps" / f"{APP_ID}.svg"
    assert desktop.is_file() and icon.read_bytes() == resources.icon_svg().read_bytes()
    for size in (48, 128, 256):
        assert (tmp_path / "icons" / "hicolor" / f"{size}x{size}" / "apps" / f"{APP_ID}.png").is_file()
    exec_line = _entry(desktop)["Exec"]
    assert "organizer" in exec_line
    assert Path(exec_line.split(" ")[0]).is_absolute()
    if shutil.which("desktop-file-validate"):  # Debian's desktop-file-utils; .ci/run installs it
        assert subprocess.run(["desktop-file-validate", str(desktop)]).returncode == 0
