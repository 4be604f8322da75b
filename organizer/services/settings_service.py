# SPDX-License-Identifier: MIT
"""The library's settings: one source for the desktop app and every CLI command.

Clustering (threshold, minimum faces, minimum day span) and video sampling (every n-th frame, frames per
second, frames per clip) are stored in the library itself (table ``library_setting``), so that a command
run on the library (``organizer cluster``, ``organizer index``) uses what the app's settings dialog chose,
and the app what ``organizer cluster --threshold 0.9 --save`` chose. A setting never saved has its default
(the values tuned on the developer set: :class:`~organizer.cluster.ClusterParams`,
:class:`~organizer.media.video.FramePolicy`). Window geometry and view options stay with the desktop (QSettings).

A threshold is a distance in one identity space: it is saved with the space's id, and a threshold saved for
another space (an older identity network; libraries saved before the id was kept) is not used: the new space's
tuned default is, and the log says so. The other settings do not depend on the space.
"""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session
from sqlalchemy.orm import sessionmaker

from organizer.cluster import ClusterParams
from organizer.db import repo
from organizer.db.engine import write_sessions
from organizer.media.video import FramePolicy
from organizer.services.cluster_items import current_clustering_space

log = logging.getLogger(__name__)

#: The identity space a saved threshold was chosen in.
THRESHOLD_SPACE_KEY = "threshold_identity_space"

_CLUSTER = ClusterParams()
_FRAMES = FramePolicy()


@dataclass(frozen=True, slots=True)
class LibrarySettings:
    """What the user can set for one library (the field names are the stored keys)."""

    threshold: float = _CLUSTER.threshold
    min_faces: int = _CLUSTER.min_faces
    min_span_days: float = _CLUSTER.min_span_days
    every_nth: int = _FRAMES.every_nth
    per_second: float = _FRAMES.per_second
    max_frames: int = _FRAMES.max_frames

    def cluster_params(self, base: ClusterParams | None = None) -> ClusterParams:
        """Clustering parameters: ``base`` (default: the tuned defaults) with these settings."""
        return dataclasses.replace(base or ClusterParams(), threshold=self.threshold, min_faces=self.min_faces,
                                   min_span_days=self.min_span_days)

    def frame_policy(self, base: FramePolicy | None = None) -> FramePolicy:
        """Video sampling: ``base`` (default: the defaults) with these settings."""
        return dataclasses.replace(base or FramePolicy(), every_nth=self.every_nth, per_second=self.per_second,
                                   max_frames=self.max_frames)

    def replace(self, **changes: Any) -> LibrarySettings:
        """A copy with some settings changed; ``None`` values are ignored (a CLI flag not given)."""
        return dataclasses.replace(self, **{k: v for k, v in changes.items() if v is not None})

    @classmethod
    def from_stored(cls, stored: dict[str, object]) -> LibrarySettings:
        """Settings from stored values; unknown keys and values of the wrong type are ignored (logged)."""
        values: dict[str, Any] = {}
        for f in dataclasses.fields(cls):
            if f.name not in stored:
                continue
            v = stored[f.name]
            kind = type(getattr(cls(), f.name))
            if isinstance(v, bool) or not isinstance(v, int | float):
                log.warning("Ignoring the library setting %s = %r (not a number)", f.name, v)
                continue
            values[f.name] = kind(v)
        return cls(**values)


class SettingsService:
    """Reads and saves the settings of one library."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions
        self._writes = write_sessions(sessions)

    def load(self) -> LibrarySettings:
        with self._sessions() as s:
            stored = repo.read_settings(s)
        space = current_clustering_space()
        if "threshold" in stored and stored.get(THRESHOLD_SPACE_KEY) != space:
            log.info("The saved clustering threshold %s was chosen for another identity network; the new one's "
                     "tuned default %s is used", stored["threshold"], LibrarySettings().threshold)
            stored = {k: v for k, v in stored.items() if k != "threshold"}
        return LibrarySettings.from_stored(stored)

    def stored(self) -> bool:
        """Whether any of the user's settings was ever saved to this library (other keys, such as the identity
        space the persons were formed in, are the library's own bookkeeping)."""
        names = {f.name for f in dataclasses.fields(LibrarySettings)}
        with self._sessions() as s:
            return bool(names & set(repo.read_settings(s)))

    def save(self, settings: LibrarySettings) -> None:
        with self._writes.begin() as s:
            repo.write_settings(s, {**dataclasses.asdict(settings),
                                    THRESHOLD_SPACE_KEY: current_clustering_space()})
