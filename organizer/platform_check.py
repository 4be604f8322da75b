# SPDX-License-Identifier: MIT
"""Before the window starts: are the system libraries of Qt's X11 (xcb) platform plugin installed?

Qt itself only says "Could not load the Qt platform plugin xcb" (often naming libxcb-cursor0, wrongly) and
aborts. This names what is missing and the exact command that installs it, for ``scripts/run``, the desktop
app and the bundle alike (``python -m organizer.platform_check``; exit 1 when something is missing). No Qt.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

#: library -> Debian/Ubuntu package
DEBIAN = {
    "libxcb-icccm.so.4": "libxcb-icccm4", "libxcb-keysyms.so.1": "libxcb-keysyms1",
    "libxcb-cursor.so.0": "libxcb-cursor0", "libxcb-image.so.0": "libxcb-image0",
    "libxcb-render-util.so.0": "libxcb-render-util0", "libxcb-shape.so.0": "libxcb-shape0",
    "libxcb-xinerama.so.0": "libxcb-xinerama0", "libxcb-randr.so.0": "libxcb-randr0", "libxcb-xkb.so.1": "libxcb-xkb1",
    "libxcb-util.so.1": "libxcb-util1", "libxcb-xfixes.so.0": "libxcb-xfixes0", "libxcb-shm.so.0": "libxcb-shm0",
    "libxcb-sync.so.1": "libxcb-sync1", "libxcb-render.so.0": "libxcb-render0", "libxcb.so.1": "libxcb1",
    "libX11-xcb.so.1": "libx11-xcb1", "libX11.so.6": "libx11-6", "libxkbcommon-x11.so.0": "libxkbcommon-x11-0",
    "libxkbcommon.so.0": "libxkbcommon0", "libEGL.so.1": "libegl1", "libGL.so.1": "libgl1",
    "libOpenGL.so.0": "libopengl0", "libfontconfig.so.1": "libfontconfig1", "libfreetype.so.6": "libfreetype6",
    "libdbus-1.so.3": "libdbus-1-3", "libglib-2.0.so.0": "libglib2.0-0", "libICE.so.6": "libice6",
    "libSM.so.6": "libsm6",
}
#: library -> Fedora package
FEDORA = {
    "libxcb-icccm.so.4": "xcb-util-wm", "libxcb-keysyms.so.1": "xcb-util-keysyms",
    "libxcb-cursor.so.0": "xcb-util-cursor", "libxcb-image.so.0": "xcb-util-image",
    "libxcb-render-util.so.0": "xcb-util-renderutil", "libxcb-util.so.1": "xcb-util",
    "libxkbcommon-x11.so.0": "libxkbcommon-x11", "libxkbcommon.so.0": "libxkbcommon", "libEGL.so.1": "libglvnd-egl",
    "libGL.so.1": "libglvnd-glx", "libOpenGL.so.0": "libglvnd-opengl", "libfontconfig.so.1": "fontconfig",
    "libfreetype.so.6": "freetype", "libdbus-1.so.3": "dbus-libs", "libglib-2.0.so.0": "glib2",
    "libX11-xcb.so.1": "libX11-xcb", "libX11.so.6": "libX11", "libICE.so.6": "libICE", "libSM.so.6": "libSM",
}


def xcb_plugin() -> Path | None:
    """Qt's xcb platform plugin of this installation (or of the bundle), if there is one."""
    override = os.environ.get("ORGANIZER_QT_XCB_PLUGIN")  # tests point it at a plugin of their own
    if override:
        return Path(override)
    roots = [Path(getattr(sys, "_MEIPASS", ""))] if getattr(sys, "_MEIPASS", None) else []
    try:
        import PySide6

        roots.append(Path(PySide6.__file__).parent)
    except ImportError:
        pass
    for root in roots:
        for p in (root / "Qt" / "plugins" / "platforms" / "libqxcb.so",
                  root / "PySide6" / "Qt" / "plugins" / "platforms" / "libqxcb.so"):
            if p.is_file():
                return p
    return None


def missing_libraries() -> list[str]:
    """The libraries Qt's xcb plugin needs that the system lacks (empty when the window will not use xcb)."""
    if not sys.platform.startswith("linux"):
        return []
    if os.environ.get("QT_QPA_PLATFORM", "").split(":")[0] in ("offscreen", "minimal", "vnc", "wayland", "eglfs"):
        return []
    if not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        return []
    plugin, ldd = xcb_plugin(), shutil.which("ldd")
    if plugin is None or ldd is None:
        return []
    try:
        out = subprocess.run([ldd, str(plugin)], capture_output=True, text=True, timeout=20).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    return sorted({line.split()[0] for line in out.splitlines() if "not found" in line})


def install_message(missing: list[str]) -> str:
    debs = sorted({DEBIAN.get(lib, lib) for lib in missing})
    rpms = sorted({FEDORA.get(lib, "libxcb") for lib in missing})
    return ("Organizer's window cannot start: Qt's X11 plugin needs system libraries that are not installed:\n"
            f"  {' '.join(missing)}\n"
            "Install them, then start Organizer again:\n"
            f"  Debian/Ubuntu:  sudo apt-get install {' '.join(debs)}\n"
            f"  Fedora:         sudo dnf install {' '.join(rpms)}")


def main() -> int:
    missing = missing_libraries()
    if missing:
        print(install_message(missing), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
