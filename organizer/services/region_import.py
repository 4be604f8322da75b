# SPDX-License-Identifier: MIT
"""Face regions that other tools wrote (digiKam, Lightroom, Picasa, Windows Photo Gallery, exiftool, Organizer's
own ``export-xmp``), read when a photo is indexed: the names become confirmed persons.

Three steps, one per indexing thread, so that the photo is read and decoded once:

* :func:`read_photo_regions` (decode pool, beside the file's bytes): the named face regions of the photo's
  sidecar (``IMG.JPG.xmp``, digiKam's and Organizer's, else ``IMG.xmp``, Lightroom's) or, when the sidecar has
  no regions, of the XMP embedded in the photo (:mod:`organizer.media.xmp_read`); the sidecar wins as in digiKam,
  because a tool that keeps sidecars writes its latest tags there and leaves the original alone. Areas are
  turned into boxes in pixels of the upright image (as Organizer's faces are). Regions without a name, and
  regions that are not faces (``Pet``, ``Focus``...), are left out: a nameless region says nothing about who it
  is, and drawing a face for it would turn another tool's false detection into a face the user must remove.
* :func:`plan` (inference thread, with the detected faces and the engine): each region goes to the detected
  face it overlaps most, one to one, when their IoU is at least :data:`MATCH_IOU`; a region left over becomes a
  drawn face, described by the networks on the region's box (``analyze_boxes``), unless it is smaller than
  :data:`~organizer.services.drawn_faces.MIN_SIDE`.
* :func:`with_regions` (the writer thread, in the same operation as the file's faces): a matched face joins the
  person of that name (names compared NFC-normalised and stripped; the oldest such person, else a new one, one
  per name however many photos have it), confirmed (``assigned_by=user``) with a ``must_link`` decision whose
  value is :data:`DECISION_VALUE`; a drawn face is stored with a ``drawn`` decision, as one the user drew.

The user's word wins: a face the user (or an earlier import) confirmed, or decided anything about, keeps it,
and a region lying on a face that is already there (an earlier import's drawn face, one the user drew or removed)
adds nothing. Regions are read for new files and files whose content changed, not for unchanged files, nor for
files analysed again only because the analysis did (their regions were read when they were new).

Nothing here fails a file: an unreadable or malformed sidecar or packet, a refused or clipped area, a region too
small, each gives a warning in plain words naming the file, and its faces are indexed as always.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import field

from sqlalchemy import select
from sqlalchemy.orm import Session

from organizer.core.types import Box
from organizer.db import repo
from organizer.db.models import DecidedBy
from organizer.db.models import DecisionKind
from organizer.db.models import Face as FaceRow
from organizer.db.models import Person
from organizer.db.models import UserDecision
from organizer.media import regions as mwg
from organizer.media import xmp
from organizer.media import xmp_read
from organizer.media.decode import DecodedImage
from organizer.services.drawn_faces import MIN_SIDE
from organizer.services.index_records import Analysis
from organizer.services.index_records import FaceRecord
from organizer.services.index_records import MediaRecord
from organizer.services.index_records import add_face
from organizer.services.index_records import iou
from organizer.services.index_records import thumbnail
from organizer.vision.engine import FaceEngine

log = logging.getLogger(__name__)

#: A region and a detected face are the same face from this IoU on (upright pixel boxes). Another tool's box
#: around a face is looser or tighter than MTCNN's and shifted (digiKam's and Lightroom's boxes around faces
#: MTCNN found overlap its box by about 0.4 to 0.8); two people's faces in a group photo overlap by less than 0.1.
MATCH_IOU = 0.3
#: ``UserDecision.value`` of a confirmation that came from a file's region.
DECISION_VALUE = "xmp region"

PixelBox = tuple[float, float, float, float]


@dataclass(slots=True)
class PhotoRegions:
    """The named face regions of one photo, in pixels of its full-resolution upright image."""

    #: ``(name, (x, y, w, h))`` in the order read.
    named: list[tuple[str, PixelBox]] = field(default_factory=list)
    #: Plain-words problems; the file's path is added where they are reported.
    warnings: list[str] = field(default_factory=list)


@dataclass(slots=True)
class RegionPlan:
    """What the writer does with a photo's regions."""

    #: ``(detected face's box, name)``: the detected face (found by its box among the rows just written).
    matched: list[tuple[PixelBox, str]] = field(default_factory=list)
    #: ``(name, face)``: regions no detected face lies on, described by the networks.
    drawn: list[tuple[str, FaceRecord]] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.matched or self.drawn)


def _sidecars(path: str) -> list[str]:
    return list(dict.fromkeys(xmp.sidecar_path(path, style) for style in xmp.SIDECAR_STYLES))


def _document(data: bytes, what: str, out: PhotoRegions) -> xmp_read.DocumentRegions | None:
    try:
        doc = xmp_read.document_regions(data)
    except xmp.XmpError as e:
        out.warnings.append(f"{what} is {e}; its face names were not read")
        return None
    out.warnings.extend(f"{what}: {w}" for w in doc.warnings)
    return doc


def _found(path: str, data: bytes, out: PhotoRegions) -> xmp_read.DocumentRegions | None:
    """The regions of the sidecar, or else of the photo's own XMP."""
    for sidecar in _sidecars(path):
        what = f"the sidecar {os.path.basename(sidecar)}"
        try:
            side = xmp.read_sidecar(sidecar)
        except (OSError, xmp.XmpError) as e:
            out.warnings.append(f"{what} cannot be read ({e}); its face names were not read")
            continue
        if side is None:
            continue
        doc = _document(side, what, out)
        if doc is not None and doc.regions:
            return doc
        break  # the photo's sidecar, without regions: the photo's own ones count
    docs = [d for d in (_document(p, "the photo's XMP", out) for p in xmp_read.embedded_packets(data)) if d]
    if not docs:
        return None
    merged = docs[0]
    for extra in docs[1:]:  # a JPEG's ExtendedXMP
        merged.regions += extra.regions
        merged.dims = merged.dims or extra.dims
    return merged


def read_photo_regions(path: str, data: bytes, image: DecodedImage) -> PhotoRegions:
    """The named face regions of a photo (see the module's doc), never raising."""
    out = PhotoRegions()
    try:
        doc = _found(path, data, out)
    except Exception as e:  # a surprise in a packet must not cost the photo its faces
        log.exception("Reading the face regions of %s failed", path)
        out.warnings.append(f"its face regions could not be read ({type(e).__name__}: {e})")
        return out
    if doc is None:
        return out
    orientation = image.header.orientation
    sw, sh = mwg.stored_size(image.width, image.height, orientation)
    # AppliedToDimensions in the upright shape, not the stored one: that writer put the regions on the upright image
    upright_dims = doc.dims is not None and orientation in (5, 6, 7, 8) and sw != sh and doc.dims[0] != doc.dims[1] \
        and (doc.dims[0] > doc.dims[1]) != (sw > sh)
    for r in doc.regions:
        if r.name is None or r.kind != "Face":
            continue
        x, y, w, h = r.area if upright_dims else mwg.upright_area(r.area, orientation)
        out.named.append((r.name, ((x - w / 2) * image.width, (y - h / 2) * image.height,
                                   w * image.width, h * image.height)))
    return out


def plan(found: PhotoRegions, rec: MediaRecord, image: DecodedImage, engine: FaceEngine,
         thumb_side: int) -> RegionPlan:
    """Regions to detected faces, or to drawn faces described by ``engine`` (see the module's doc)."""
    boxes = [(fr.face.detection.box.x, fr.face.detection.box.y, fr.face.detection.box.w, fr.face.detection.box.h)
             for fr in rec.faces]
    pairs = sorted(((iou(rb, fb), r, f) for r, (_n, rb) in enumerate(found.named) for f, fb in enumerate(boxes)),
                   reverse=True)
    out = RegionPlan()
    used_r: set[int] = set()
    used_f: set[int] = set()
    for v, r, f in pairs:
        if v < MATCH_IOU:
            break
        if r not in used_r and f not in used_f:
            used_r.add(r)
            used_f.add(f)
            out.matched.append((boxes[f], found.named[r][0]))
    left: list[tuple[str, Box]] = []
    for r, (name, (x, y, w, h)) in enumerate(found.named):
        if r in used_r:
            continue
        if w < MIN_SIDE or h < MIN_SIDE:
            found.warnings.append(f"the region {name!r} is {w:.0f} x {h:.0f} pixels, too small for a face; "
                                  "it was not added")
        else:
            left.append((name, Box(x, y, w, h)))
    if not left:
        return out
    analyze_boxes = getattr(engine, "analyze_boxes", None)
    if analyze_boxes is None:
        found.warnings.append(f"{len(left)} region(s) lie where no face was found, and this face engine cannot "
                              "describe a face at a given place; they were not added")
        return out
    for (name, _b), face in zip(left, analyze_boxes(image, [b for _n, b in left]), strict=True):
        out.drawn.append((name, FaceRecord(face, None, thumbnail(image, face, thumb_side))))
    return out


class PersonNames:
    """Persons by name for one indexing run (the writer thread's): names NFC-normalised and stripped; a name no
    person has yet gets one new person, which the following photos of the run find."""

    def __init__(self) -> None:
        self._ids: dict[str, int] | None = None

    def _load(self, s: Session) -> dict[str, int]:
        ids: dict[str, int] = {}
        for pid, name in s.execute(select(Person.id, Person.name).where(Person.name.is_not(None)).order_by(Person.id)):
            key = xmp_read.normal_name(name)
            if key is not None:
                ids.setdefault(key, pid)
        self._ids = ids
        return ids

    def person(self, s: Session, name: str) -> int:
        """The id of the person named ``name`` (normalised), created when there is none."""
        fresh = self._ids is None
        ids = self._load(s) if self._ids is None else self._ids
        pid = ids.get(name)
        if not fresh and (pid is None or xmp_read.normal_name(getattr(s.get(Person, pid), "name", None)) != name):
            ids = self._load(s)  # the user may have named, renamed or deleted a person meanwhile (the GUI)
            pid = ids.get(name)
        if pid is None:
            p = Person(name=name)
            s.add(p)
            s.flush()
            pid = ids[name] = p.id
        return pid


def _confirm(s: Session, row: FaceRow, person_id: int, now: dt.datetime) -> None:
    row.person_id, row.assigned_by, row.assigned_at = person_id, DecidedBy.USER, now
    s.add(UserDecision(kind=DecisionKind.MUST_LINK, face_id=row.id, person_id=person_id, value=DECISION_VALUE))


def apply(s: Session, path: str, found: RegionPlan, analysis: Analysis, names: PersonNames) -> None:
    """Writes a photo's regions (after its faces, in the same transaction)."""
    m = repo.media_by_path(s, path)
    if m is None:
        return
    s.flush()
    rows = list(s.scalars(select(FaceRow).where(FaceRow.media_id == m.id, FaceRow.frame_s.is_(None))))
    decided = set(s.scalars(select(UserDecision.face_id).where(UserDecision.face_id.in_([r.id for r in rows]))))
    now = dt.datetime.now()
    for box, name in found.matched:
        row = next((r for r in rows if max(abs(a - b) for a, b in zip((r.x, r.y, r.w, r.h), box, strict=True))
                    < 1e-3), None)
        if row is None or row.assigned_by == DecidedBy.USER or row.id in decided:
            continue  # the user's (or an earlier import's) word stands
        _confirm(s, row, names.person(s, name), now)
    for name, fr in found.drawn:
        b = fr.face.detection.box
        if any(iou((r.x, r.y, r.w, r.h), (b.x, b.y, b.w, b.h)) >= MATCH_IOU for r in rows):
            continue  # a face is already there (drawn before, by the user or an earlier import)
        row = add_face(s, m.id, fr, analysis)
        s.flush()
        s.add(UserDecision(kind=DecisionKind.DRAWN, face_id=row.id))
        _confirm(s, row, names.person(s, name), now)
        rows.append(row)


def with_regions(op: Callable[[Session], None], found: PhotoRegions, rec: MediaRecord, image: DecodedImage,
                 engine: FaceEngine, thumb_side: int, analysis: Analysis,
                 names: PersonNames) -> Callable[[Session], None]:
    """The writer operation ``op`` (a file's media row and faces) followed by its regions, in one go (:func:`plan`
    runs here, on the calling thread); problems are added to ``found.warnings``, and never fail the file."""
    try:
        todo = plan(found, rec, image, engine, thumb_side)
    except Exception as e:  # a model failure on a region must not cost the file its faces
        log.exception("Describing the face regions of %s failed", rec.path)
        found.warnings.append(f"the faces of its regions could not be described ({type(e).__name__}: {e})")
        return op
    if not todo:
        return op

    def both(s: Session) -> None:
        op(s)
        apply(s, rec.path, todo, analysis, names)

    return both
