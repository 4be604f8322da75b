# SPDX-License-Identifier: MIT
"""Where Organizer keeps its files (platformdirs; no Qt)."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

from organizer import APP_NAME

#: Environment variable naming the library database (overridden by ``--db``).
DB_ENV = "ORGANIZER_DB"
DB_FILENAME = "library.sqlite"


def data_dir() -> Path:
    """The user's data directory for Organizer (e.g. ``~/.local/share/Organizer``)."""
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def log_dir() -> Path:
    return Path(platformdirs.user_log_dir(APP_NAME, appauthor=False))


def db_path(explicit: str | os.PathLike[str] | None = None) -> Path:
    """The library database: ``explicit`` (``--db``), else ``$ORGANIZER_DB``, else the data directory."""
    if explicit:
        return Path(explicit).expanduser().absolute()
    env = os.environ.get(DB_ENV)
    if env:
        return Path(env).expanduser().absolute()
    return data_dir() / DB_FILENAME
