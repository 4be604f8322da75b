# SPDX-License-Identifier: MIT
"""The tables of a library (schema version 1; later versions add migrations in ``db/migrations``).

Paths are stored as exact bytes (see :class:`FsPath`); times are integers (``mtime_ns``) or naive
wall-clock datetimes with a separate UTC offset in minutes, because a photo's EXIF time is the local
time where it was taken and the offset is often unknown.
"""

from __future__ import annotations

import enum
from datetime import date
from datetime import datetime

from sqlalchemy import JSON
from sqlalchemy import CheckConstraint
from sqlalchemy import Date
from sqlalchemy import DateTime
from sqlalchemy import Enum
from sqlalchemy import Float
from sqlalchemy import ForeignKey
from sqlalchemy import Index
from sqlalchemy import Integer
from sqlalchemy import LargeBinary
from sqlalchemy import String
from sqlalchemy import Text
from sqlalchemy import func
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column
from sqlalchemy.orm import relationship

from organizer.core.vocabulary import MediaKind as MediaKind  # re-exported: shared with scan and services
from organizer.core.vocabulary import MediaStatus as MediaStatus  # re-exported
from organizer.db.base import Base
from organizer.db.base import FsPath


class DateSource(enum.StrEnum):
    """Where a photo's date came from (see :mod:`organizer.media.dates`); only FILE does not say when it was
    taken, and FOLDER says it to within a year."""

    EXIF = "exif"
    XMP = "xmp"
    VIDEO = "video"
    NAME = "name"
    FOLDER = "folder"
    FILE = "file"


class DecidedBy(enum.StrEnum):
    ALGORITHM = "algorithm"
    USER = "user"


class DecisionKind(enum.StrEnum):
    MUST_LINK = "must_link"
    CANNOT_LINK = "cannot_link"
    REMOVED = "removed"
    HIDDEN = "hidden"
    RENAMED = "renamed"
    #: The face the user chose as the person's picture (``face_id``; the latest one of a person's faces wins).
    COVER = "cover"
    #: Two persons the user said are different people (``person_id``, ``other_person_id``): never suggested as
    #: duplicates again, and never clustered into one.
    DIFFERENT = "different"
    #: A face the user checked and kept in its person (``face_id``, ``person_id``): no longer flagged as an outlier.
    CHECKED = "checked"
    #: A face the user drew on a photo where the detector found none (``face_id``): re-analysis never drops it,
    #: nor replaces it with a detected face (organizer.services.drawn_faces).
    DRAWN = "drawn"


def _enum(e: type[enum.Enum]) -> Enum:
    # Store the values (not the Python names) as plain strings; no CHECK so new members need no table rebuild.
    return Enum(e, values_callable=lambda x: [m.value for m in x], native_enum=False, create_constraint=False,
                length=16)


class LibraryFolder(Base):
    """A folder the user added to the library."""

    __tablename__ = "library_folder"

    id: Mapped[int] = mapped_column(primary_key=True)
    path: Mapped[str] = mapped_column(FsPath, unique=True)
    added_at: Mapped[datetime] = mapped_column(DateTime, server_default=func.current_timestamp())
    last_scan_at: Mapped[datetime | None] = mapped_column(DateTime)


class Media(Base):
    """One photo or video file."""

    __tablename__ = "media"
    __table_args__ = (
        Index("ix_media_fingerprint", "size", "fingerprint"),
        Index("ix_media_status", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    folder_id: Mapped[int | None] = mapped_column(ForeignKey("library_folder.id", ondelete="SET NULL"))
    path: Mapped[str] = mapped_column(FsPath, unique=True)
    size: Mapped[int] = mapped_column(Integer)
    mtime_ns: Mapped[int] = mapped_column(Integer)
    #: Content fingerprint (see :mod:`organizer.scan.fingerprint`); recognises moved and renamed files.
    fingerprint: Mapped[str | None] = mapped_column(String(64))
    kind: Mapped[MediaKind] = mapped_column(_enum(MediaKind))
    width: Mapped[int | None] = mapped_column(Integer)
    height: Mapped[int | None] = mapped_column(Integer)
    #: EXIF orientation 1..8 (photos) or rotation in degrees (videos).
    orientation: Mapped[int | None] = mapped_column(Integer)
    duration_s: Mapped[float | None] = mapped_column(Float)
    #: Local wall-clock time of capture.
    taken_at: Mapped[datetime | None] = mapped_column(DateTime, index=True)
    #: Offset of ``taken_at`` from UTC in minutes, when known.
    taken_at_offset_min: Mapped[int | None] = mapped_column(Integer)
    date_source: Mapped[DateSource | None] = mapped_column(_enum(DateSource))
    status: Mapped[MediaStatus] = mapped_column(_enum(MediaStatus))
    error: Mapped[str | None] = mapped_column(Text)
    #: Which analysis produced the faces (model ids), so a later model can re-analyze.
    analysis_id: Mapped[str | None] = mapped_column(String(64))
    indexed_at: Mapped[datetime] = mapped_column(DateTime, server_default=func.current_timestamp())
    #: The technical cause of ``error`` (the decoder's words), for the log and a tooltip (schema version 4).
    error_detail: Mapped[str | None] = mapped_column(Text)

    faces: Mapped[list[Face]] = relationship(back_populates="media", cascade="all, delete-orphan",
                                             passive_deletes=True)
    tracks: Mapped[list[VideoTrack]] = relationship(back_populates="media", cascade="all, delete-orphan",
                                                    passive_deletes=True)


class VideoTrack(Base):
    """The faces of one person within one clip, clustered inside the clip."""

    __tablename__ = "video_track"

    id: Mapped[int] = mapped_column(primary_key=True)
    media_id: Mapped[int] = mapped_column(ForeignKey("media.id", ondelete="CASCADE"), index=True)
    #: L2-normalised mean of the member embeddings (float32 bytes).
    embedding: Mapped[bytes] = mapped_column(LargeBinary)
    embedding_model: Mapped[str] = mapped_column(String(64))
    embedding_dim: Mapped[int] = mapped_column(Integer)
    n_faces: Mapped[int] = mapped_column(Integer)
    first_s: Mapped[float] = mapped_column(Float)
    last_s: Mapped[float] = mapped_column(Float)

    media: Mapped[Media] = relationship(back_populates="tracks")
    faces: Mapped[list[Face]] = relationship(back_populates="track")


class Person(Base):
    """A person: a cluster of faces, named or not (completed by the persons issue)."""

    __tablename__ = "person"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str | None] = mapped_column(Text)
    hidden: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime, server_default=func.current_timestamp())
    #: The clustering's choice of the person's picture (schema version 5; organizer.cluster.cover): a face id,
    #: used while that face is still the person's and the user chose none. No foreign key: face and person
    #: would reference each other; a stale id is simply not used.
    cover_face_id: Mapped[int | None] = mapped_column(Integer)
    #: The exact birth date the user entered (schema version 5), None when not known: it replaces the birth year
    #: estimated from the faces' ages (organizer.services.person_queries). The user's own data, like the name.
    birth_date: Mapped[date | None] = mapped_column(Date)

    faces: Mapped[list[Face]] = relationship(back_populates="person")


class Face(Base):
    """One detected face in a photo, or in one sampled frame of a video."""

    __tablename__ = "face"
    __table_args__ = (
        CheckConstraint("person_id IS NULL OR assigned_by IS NOT NULL", name="assignment_has_author"),
        # Covers the people-grid query without reading the embedding and thumbnail (schema version 2).
        Index("ix_face_person_summary", "person_id", "media_id", "p_male", "age", "score", "w", "h"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    media_id: Mapped[int] = mapped_column(ForeignKey("media.id", ondelete="CASCADE"), index=True)
    #: Seconds from the start of the video (None for photos).
    frame_s: Mapped[float | None] = mapped_column(Float)
    track_id: Mapped[int | None] = mapped_column(ForeignKey("video_track.id", ondelete="SET NULL"), index=True)
    #: Box in pixels of the full-resolution upright image.
    x: Mapped[float] = mapped_column(Float)
    y: Mapped[float] = mapped_column(Float)
    w: Mapped[float] = mapped_column(Float)
    h: Mapped[float] = mapped_column(Float)
    #: Five landmarks ``[[x, y], ...]`` in the same pixels as the box.
    landmarks: Mapped[list[list[float]] | None] = mapped_column(JSON)
    score: Mapped[float] = mapped_column(Float)
    #: L2-normalised identity embedding, little-endian float32 bytes.
    embedding: Mapped[bytes] = mapped_column(LargeBinary)
    embedding_model: Mapped[str] = mapped_column(String(64))
    embedding_dim: Mapped[int] = mapped_column(Integer)
    p_male: Mapped[float | None] = mapped_column(Float)
    age: Mapped[float | None] = mapped_column(Float)
    #: Posterior over ages 1..100 as float16 bytes (200 bytes).
    age_probs: Mapped[bytes | None] = mapped_column(LargeBinary)
    #: Small JPEG of the face for the UI.
    thumbnail: Mapped[bytes | None] = mapped_column(LargeBinary)
    #: How good a picture of the face (schema version 5; organizer.vision.quality): Laplacian variance at
    #: 64x64 pixels, and 1 (frontal) .. 0 (profile). For choosing a person's cover face.
    sharpness: Mapped[float | None] = mapped_column(Float)
    frontal: Mapped[float | None] = mapped_column(Float)
    #: The face's expression (schema version 6; organizer.vision.expression): the most probable class ("happy")
    #: and all seven probabilities as little-endian float32 bytes; NULL for faces analyzed without it.
    expression: Mapped[str | None] = mapped_column(String(16))
    expression_p: Mapped[bytes | None] = mapped_column(LargeBinary)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"), index=True)
    assigned_by: Mapped[DecidedBy | None] = mapped_column(_enum(DecidedBy))
    assigned_at: Mapped[datetime | None] = mapped_column(DateTime)

    media: Mapped[Media] = relationship(back_populates="faces")
    track: Mapped[VideoTrack | None] = relationship(back_populates="faces")
    person: Mapped[Person | None] = relationship(back_populates="faces")


class FaceEmbedding(Base):
    """A face's embedding by a further identity network (schema version 5), one row per network.

    ``face.embedding`` holds the multi-output network's identity embedding; other networks' embeddings of the
    same face live here, named by ``model`` (e.g. ``arcface:...``, :mod:`organizer.vision.engine`), so a later
    network is one more row, not one more column. A face whose crop could not be aligned has no row.
    """

    __tablename__ = "face_embedding"

    face_id: Mapped[int] = mapped_column(ForeignKey("face.id", ondelete="CASCADE"), primary_key=True)
    model: Mapped[str] = mapped_column(String(64), primary_key=True)
    dim: Mapped[int] = mapped_column(Integer)
    #: L2-normalised embedding, little-endian float32 bytes.
    vector: Mapped[bytes] = mapped_column(LargeBinary)


class UserDecision(Base):
    """Something the user decided, kept so that re-clustering never undoes it."""

    __tablename__ = "user_decision"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[DecisionKind] = mapped_column(_enum(DecisionKind))
    face_id: Mapped[int | None] = mapped_column(ForeignKey("face.id", ondelete="CASCADE"), index=True)
    other_face_id: Mapped[int | None] = mapped_column(ForeignKey("face.id", ondelete="CASCADE"))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    other_person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    #: Free value, e.g. the new name of a ``renamed`` decision.
    value: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime, server_default=func.current_timestamp())


class LibrarySetting(Base):
    """One of the library's settings (schema version 3): clustering and video sampling, as JSON text."""

    __tablename__ = "library_setting"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
