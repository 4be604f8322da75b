# SPDX-License-Identifier: MIT
"""Error types that carry a message fit to show a user."""


class OrganizerError(Exception):
    """Base class of the errors Organizer raises on purpose."""


class MediaError(OrganizerError):
    """A media file could not be read or decoded; the message says why in plain words."""


class ModelError(OrganizerError):
    """A model file is missing, corrupt or cannot be loaded; the message names the file."""
