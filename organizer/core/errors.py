# SPDX-License-Identifier: MIT
"""Error types that carry a message fit to show a user."""

from __future__ import annotations


class OrganizerError(Exception):
    """Base class of the errors Organizer raises on purpose."""


class MediaError(OrganizerError):
    """A media file could not be read or decoded; the message says why in plain words.

    ``detail`` is the technical cause (the decoder's own words), for the log and a tooltip, never the message.
    """

    def __init__(self, message: str, detail: str | None = None) -> None:
        super().__init__(message)
        self.detail = detail

    def __reduce__(self) -> tuple[type[MediaError], tuple[str, str | None]]:
        # raised in the video worker process too: the detail must survive the trip back
        return type(self), (str(self), self.detail)


def pixels(w: int, h: int) -> str:
    """``30 000 × 30 000 pixels``: an image size as people read it."""
    return f"{w:,} × {h:,} pixels".replace(",", " ")


class ModelError(OrganizerError):
    """A model file is missing, corrupt or cannot be loaded; the message names the file."""


class LibraryError(OrganizerError):
    """The library file cannot be used as it is; the message says why in plain words.

    ``exit_code`` is the CLI's exit status for this kind of problem (README, "Command line").
    """

    exit_code = 4


class NotALibraryError(LibraryError):
    """The file is not an Organizer library (another program's database, or not a database at all)."""

    exit_code = 4


class LibraryTooNewError(LibraryError):
    """The library was written by a newer Organizer."""

    exit_code = 5


class LibraryFullError(LibraryError):
    """The disk holding the library is full."""

    exit_code = 6
