# SPDX-License-Identifier: MIT
"""Export the named persons' faces as XMP sidecars (Metadata Working Group regions and keywords) that other
photo tools read (digiKam, darktable, Lightroom, exiftool...); the XMP itself is :mod:`organizer.media.xmp`.

Which photos: photos (not videos) that are readable and present (status ok), with at least one face in a person
with a name (hidden persons included: they are still that person). Each gets a sidecar beside it,
``IMG_0001.JPG.xmp`` (digiKam style, the default) or ``IMG_0001.xmp`` (Lightroom style), merged into the sidecar
already there without losing its other content. A photo whose sidecar holds Organizer's marks but whose faces
are no longer named gets them removed. The photos themselves are only ever read (not even that: only their
existence is checked). Each sidecar is written atomically (a temporary file in the same folder, then
``os.replace``) and only when its content changes; a sidecar that is not well-formed XMP, or that cannot be read
or written, is a failure of that file alone and the others go on.
"""

from __future__ import annotations

import os
import secrets
import stat
from collections import defaultdict
from collections.abc import Generator
from contextlib import suppress
from dataclasses import dataclass
from dataclasses import field

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm import sessionmaker

from organizer.core.progress import CancelToken
from organizer.core.progress import Progress
from organizer.core.vocabulary import Phase
from organizer.db.models import Face
from organizer.db.models import Media
from organizer.db.models import MediaKind
from organizer.db.models import MediaStatus
from organizer.db.models import Person
from organizer.media import regions
from organizer.media import xmp

#: The phase of this job's progress events.
EXPORT_PHASE = "export"


@dataclass(frozen=True, slots=True)
class PhotoFaces:
    """One photo and its named faces, as the export needs them."""

    path: str
    #: Upright size in pixels (None when the library does not know it).
    width: int | None
    height: int | None
    orientation: int | None
    #: ``(face id, name, (x, y, w, h))``, box in pixels of the upright image, left to right.
    faces: tuple[tuple[int, str, tuple[float, float, float, float]], ...]


@dataclass(slots=True)
class ExportResult:
    """What an export did, by sidecar path (absolute)."""

    written: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    #: ``(sidecar path, what went wrong in plain words)``.
    failed: list[tuple[str, str]] = field(default_factory=list)
    cancelled: bool = False


class XmpExport:
    """Writes the library's face names into XMP sidecars; reads the library only (a read-only one will do)."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    def photos(self) -> tuple[list[PhotoFaces], list[str]]:
        """``(photos with named faces, paths of every other readable photo)``, both ordered by path."""
        with self._sessions() as s:
            rows = s.execute(
                select(Media.path, Media.width, Media.height, Media.orientation, Face.id, Person.name,
                       Face.x, Face.y, Face.w, Face.h)
                .join(Face, Face.media_id == Media.id)
                .join(Person, Person.id == Face.person_id)
                .where(Media.kind == MediaKind.PHOTO, Media.status == MediaStatus.OK, Face.frame_s.is_(None),
                       Person.name.is_not(None), Person.name != "")
                .order_by(Media.path, Face.x, Face.id)
            ).all()
            every = list(s.scalars(select(Media.path).where(Media.kind == MediaKind.PHOTO,
                                                             Media.status == MediaStatus.OK)
                                   .order_by(Media.path)))
        by_path: dict[str, list[tuple[int, str, tuple[float, float, float, float]]]] = defaultdict(list)
        info: dict[str, tuple[int | None, int | None, int | None]] = {}
        for r in rows:
            by_path[r.path].append((int(r.id), str(r.name), (float(r.x), float(r.y), float(r.w), float(r.h))))
            info[r.path] = (r.width, r.height, r.orientation)
        named = [PhotoFaces(p, *info[p], faces=tuple(f)) for p, f in by_path.items()]
        return named, [p for p in every if p not in by_path]

    def run(self, style: xmp.SidecarStyle = "digikam",
            cancel: CancelToken | None = None) -> Generator[Progress, None, ExportResult]:
        """Write the sidecars, yielding one progress event per photo; returns what was done."""
        if style not in xmp.SIDECAR_STYLES:
            raise ValueError(f"unknown sidecar style {style!r} (one of {', '.join(xmp.SIDECAR_STYLES)})")
        named, others = self.photos()
        res = ExportResult()
        # Lightroom's names drop the extension: IMG_1.jpg and IMG_1.heic would share IMG_1.xmp
        users: dict[str, list[str]] = defaultdict(list)
        for p in [ph.path for ph in named] + others:
            users[os.path.abspath(xmp.sidecar_path(p, style))].append(p)
        # photos without named faces: only those whose sidecar holds Organizer's marks, to take them out
        stale = [p for p in others if _may_hold_marks(xmp.sidecar_path(p, style))]
        jobs: list[tuple[str, PhotoFaces | None]] = [(ph.path, ph) for ph in named] + [(p, None) for p in stale]
        jobs.sort(key=lambda j: j[0])
        total = len(jobs)
        for done, (photo, faces) in enumerate(jobs, 1):
            if cancel is not None and cancel.cancelled:
                res.cancelled = True
                break
            sidecar = os.path.abspath(xmp.sidecar_path(photo, style))
            shared = users[sidecar]
            if len(shared) > 1:
                res.failed.append((sidecar, f"not written: {' and '.join(os.path.basename(p) for p in shared)} "
                                            "would share this sidecar (use the digiKam style)"))
            else:
                outcome = _export_one(photo, sidecar, faces)
                if outcome is None:
                    pass
                elif outcome == "written":
                    res.written.append(sidecar)
                elif outcome == "unchanged":
                    res.unchanged.append(sidecar)
                else:
                    res.failed.append((sidecar, outcome))
            yield Progress(EXPORT_PHASE, done, total, path=sidecar, errors=len(res.failed))
        yield Progress(Phase.DONE, total, total, errors=len(res.failed))
        return res


def face_tags(ph: PhotoFaces) -> xmp.FaceTags | None:
    """The sidecar content of a photo: its faces' areas in the image as stored (None: size unknown, or no face
    inside the picture)."""
    if not ph.width or not ph.height:
        return None
    found = []
    for face_id, name, box in ph.faces:
        area = regions.face_area(box, ph.width, ph.height, ph.orientation)
        if area is not None:
            found.append(xmp.Region(name, *area, face_id=face_id))
    if not found:
        return None
    w, h = regions.stored_size(ph.width, ph.height, ph.orientation)
    return xmp.FaceTags(w, h, tuple(found))


def _may_hold_marks(sidecar: str) -> bool:
    try:
        data = xmp.read_sidecar(sidecar)
    except (OSError, xmp.XmpError):
        return False
    return data is not None and xmp.has_marks(data)


def _export_one(photo: str, sidecar: str, faces: PhotoFaces | None) -> str | None:
    """``"written"``, ``"unchanged"``, None (nothing to do) or what went wrong, in plain words."""
    if faces is not None:
        if not os.path.isfile(photo):
            return "not written: the photo is not there any more (index its folder again)"
        tags = face_tags(faces)
        if tags is None:
            if not faces.width or not faces.height:
                return "not written: the library does not know the photo's size (index its folder again)"
            return None
    else:
        tags = None  # no named face any more: only Organizer's old content is taken out
    if os.path.realpath(sidecar) == os.path.realpath(photo):
        return "not written: the sidecar would be the photo itself"
    try:
        existing = xmp.read_sidecar(sidecar)
    except IsADirectoryError:
        return "not written: a folder has the sidecar's name"
    except OSError as e:
        return f"not written: the sidecar there cannot be read ({e.strerror or e})"
    except xmp.XmpError as e:
        return f"left as it is: the sidecar already there is {e}"
    if existing is None and tags is None:
        return None
    try:
        new = xmp.merge(existing, tags)
    except xmp.XmpError as e:
        return f"left as it is: the sidecar already there is {e}"
    if existing == new:
        return "unchanged"
    if existing is not None and not os.access(sidecar, os.W_OK):
        return "not written: the sidecar is read-only"
    try:
        _write_atomic(sidecar, new)
    except OSError as e:
        return f"not written: cannot write in {os.path.dirname(sidecar)} ({e.strerror or e})"
    return "written"


def _write_atomic(path: str, data: bytes) -> None:
    """Replace (or create) ``path`` with ``data`` at once: a temporary file in the same folder, then a rename;
    an existing sidecar keeps its permissions."""
    target = os.path.realpath(path)  # a linked sidecar: its target is replaced, the link stays
    try:
        mode: int | None = stat.S_IMODE(os.stat(target).st_mode)
    except FileNotFoundError:
        mode = None
    folder, name = os.path.split(target)
    tmp = os.path.join(folder, f".{name}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        if mode is not None:
            os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException:
        with suppress(OSError):
            os.unlink(tmp)
        raise
