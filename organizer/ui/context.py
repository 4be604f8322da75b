# SPDX-License-Identifier: MIT
"""What the main window needs from the rest of the app, built by :mod:`organizer.app` (or a test)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QSettings

from organizer.media.video import FramePolicy
from organizer.services.browse_service import BrowseService
from organizer.services.clustering import ClusteringService
from organizer.services.drawn_faces import DrawnFaces
from organizer.services.index_service import IndexService
from organizer.services.person_check import PersonCheck
from organizer.services.person_edits import PersonEdits
from organizer.services.person_queries import PersonQueries
from organizer.services.photo_export import PhotoExport
from organizer.services.photo_search import PhotoSearch
from organizer.services.review import ReviewService
from organizer.services.settings_service import SettingsService
from organizer.services.timeline import Timeline
from organizer.services.xmp_export import XmpExport

if TYPE_CHECKING:
    from sqlalchemy.orm import Session
    from sqlalchemy.orm import sessionmaker

    from organizer.vision.engine import FaceEngine


@dataclass
class AppContext:
    """The services of one library, the indexer factory, and the desktop's own settings.

    Clustering and video sampling settings live in the library (``library_settings``) and are read per run;
    ``settings`` (QSettings) keeps only what belongs to this desktop: window geometry and state, view options.
    """

    clustering: ClusteringService
    edits: PersonEdits
    persons: PersonQueries
    browse: BrowseService
    library_settings: SettingsService
    #: The review's questions (read only; the answers are ``edits``).
    review: ReviewService
    #: Creates an indexing service for one run with the given video sampling.
    make_indexer: Callable[[FramePolicy], IndexService]
    settings: QSettings
    #: The library file (Help → About says where it is); None when not known.
    library_path: Path | None = None
    #: Faces the user draws on the viewer (None: no face engine, drawing is refused).
    drawn: DrawnFaces | None = None
    #: Photos by the persons on them (Photos → Find Photos…); None: built from ``browse``'s library.
    search: PhotoSearch | None = None
    #: Which photos show the persons, to export them (File → Export Photos…); None: that action is disabled.
    photo_export: PhotoExport | None = None
    #: The library's files by date (the Timeline tab); None: no timeline tab.
    timeline: Timeline | None = None
    #: The persons' names into XMP sidecars (File → Write Face Tags…); None: that action is disabled.
    face_tags: XmpExport | None = None
    #: One person's faces by how doubtful they are (the person page's Check mode); None: no Check mode.
    person_check: PersonCheck | None = None

    @classmethod
    def for_library(cls, sessions: sessionmaker[Session], make_indexer: Callable[[FramePolicy], IndexService],
                    settings: QSettings, engine: Callable[[], FaceEngine] | None = None) -> AppContext:
        clustering = ClusteringService(sessions)
        return cls(clustering=clustering, edits=PersonEdits(sessions),
                   persons=PersonQueries(sessions), browse=BrowseService(sessions),
                   library_settings=SettingsService(sessions), review=ReviewService(sessions, clustering.space),
                   search=PhotoSearch(sessions), photo_export=PhotoExport(sessions), timeline=Timeline(sessions),
                   person_check=PersonCheck(sessions), face_tags=XmpExport(sessions),
                   make_indexer=make_indexer, settings=settings,
                   library_path=_library_file(sessions),
                   drawn=DrawnFaces(sessions, engine) if engine is not None else None)


def _library_file(sessions: sessionmaker[Session]) -> Path | None:
    """The SQLite file the sessions are bound to (the engine's URL), if they are bound to one."""
    bind = sessions.kw.get("bind")
    database = getattr(getattr(bind, "url", None), "database", None)
    return Path(database).absolute() if database else None
