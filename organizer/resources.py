# SPDX-License-Identifier: MIT
"""Where the app's own files are: ``resources/`` of the source tree, or inside a frozen bundle."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from organizer import APP_ID


def resources_dir() -> Path:
    """``$ORGANIZER_RESOURCES_DIR``, the frozen bundle's ``resources``, or ``resources/`` of the source tree."""
    env = os.environ.get("ORGANIZER_RESOURCES_DIR")
    if env:
        return Path(env)
    frozen = getattr(sys, "_MEIPASS", None)
    if frozen:
        return Path(frozen) / "resources"
    return Path(__file__).resolve().parents[1] / "resources"


def path(relative: str) -> Path:
    """A file under the resources folder, e.g. ``path("icons/<app id>.svg")``."""
    return resources_dir() / relative


def icon_svg() -> Path:
    return path(f"icons/{APP_ID}.svg")


def desktop_entry() -> Path:
    return path(f"{APP_ID}.desktop")
