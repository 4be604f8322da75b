# SPDX-License-Identifier: MIT
"""``organizer install-desktop``: put Organizer in the desktop's application menu for this user."""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from pathlib import Path

from organizer import APP_ID
from organizer import resources


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("install-desktop", help="add Organizer to this user's application menu",
                       description="Install the desktop entry and icon for the current user (XDG data dir).")
    p.add_argument("--prefix", type=Path, default=None,
                   help="data directory (default: $XDG_DATA_HOME or ~/.local/share)")
    p.set_defaults(func=run)


def _executable() -> str:
    """The absolute path of the ``organizer`` command that is running, so the menu entry starts this install."""
    here = Path(sys.argv[0])
    if here.name == "organizer" and here.exists():
        return str(here.resolve())
    found = shutil.which("organizer", path=str(Path(sys.executable).parent)) or shutil.which("organizer")
    return found or f"{sys.executable} -m organizer"


def install(prefix: Path) -> list[Path]:
    """Write ``applications/<app id>.desktop`` and the icon under ``prefix``; returns the files written."""
    exe = _executable()
    entry = resources.desktop_entry().read_text(encoding="utf-8")
    lines = []
    for line in entry.splitlines():
        if line.startswith("Exec="):
            line = f"Exec={exe}"
        elif line.startswith("TryExec="):
            line = f"TryExec={exe.split(' ')[0]}"
        lines.append(line)
    apps = prefix / "applications"
    icons = prefix / "icons" / "hicolor" / "scalable" / "apps"
    apps.mkdir(parents=True, exist_ok=True)
    icons.mkdir(parents=True, exist_ok=True)
    desktop = apps / f"{APP_ID}.desktop"
    desktop.write_text("\n".join(lines) + "\n", encoding="utf-8")
    icon = icons / f"{APP_ID}.svg"
    shutil.copyfile(resources.icon_svg(), icon)
    written = [desktop, icon]
    # PNG sizes too, for desktops and docks that do not draw SVG icons
    for png in sorted(resources.path("icons/hicolor").glob(f"*/apps/{APP_ID}.png")):
        dest = prefix / "icons" / "hicolor" / png.parent.parent.name / "apps" / png.name
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(png, dest)
        written.append(dest)
    return written


def run(args: argparse.Namespace) -> int:
    prefix = args.prefix or Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    for f in install(prefix):
        print(f"installed {f}")
    return 0
