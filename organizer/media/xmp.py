# SPDX-License-Identifier: MIT
"""XMP sidecars with face tags that other photo tools read: Metadata Working Group regions and keywords.

Pure functions on bytes and names (no database, no Qt). What is written, per photo:

* ``mwg-rs:Regions``: ``mwg-rs:AppliedToDimensions`` (``stDim:w``, ``stDim:h``, ``stDim:unit="pixel"``) and a
  ``mwg-rs:RegionList`` bag with one region per face: ``mwg-rs:Name``, ``mwg-rs:Type="Face"`` and
  ``mwg-rs:Area`` (``stArea:x``, ``stArea:y`` the CENTRE of the box, ``stArea:w``, ``stArea:h``, all normalised
  to 0..1, ``stArea:unit="normalized"``), in the layout Lightroom and digiKam write (Adobe's XMP toolkit).
* the names as keywords: ``dc:subject`` and ``lr:hierarchicalSubject`` (``People|Name``).

The MWG guidelines (2.0, 5.9 "Image Region Metadata") apply regions to the image *as stored*: a viewer rotates
them with the EXIF orientation as it rotates the pixels. Organizer's boxes are in the upright image, so
:func:`organizer.media.regions.face_area` turns them back with the photo's orientation, and
:func:`~organizer.media.regions.stored_size` gives the stored size for ``AppliedToDimensions``;
:func:`~organizer.media.regions.upright_area` is the way back for a reader.

Merging (:func:`merge`) keeps everything else an existing sidecar holds (other namespaces, properties,
regions and keywords). Organizer's own content is recognised by marks in its own namespace, which other tools
pass over (exiftool lists ``FaceId`` as one more field of the region): each region it wrote has an
``organizer:FaceId``, and ``organizer:People`` lists the keywords it wrote. A region without the mark is
replaced as well when it is a face region with the name of a person being written (one region per person and
photo, not two). A sidecar that is not well-formed XML, or not XMP, raises :class:`XmpError` and must be left
alone.

Reading regions (other tools' too, and the XMP inside photos) is :mod:`organizer.media.xmp_read`; the names
that writers and readers of sidecars share are available here as well (``parse_regions``, ``Region``,
``XmpError``, ``NS``). The XML is built with :mod:`xml.etree.ElementTree`.
"""

from __future__ import annotations

import os
import re
import threading
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from copy import deepcopy
from dataclasses import dataclass
from typing import Literal

from organizer.media.xmp_read import ABOUT
from organizer.media.xmp_read import APPLIED
from organizer.media.xmp_read import AREA
from organizer.media.xmp_read import BAG
from organizer.media.xmp_read import DESCRIPTION
from organizer.media.xmp_read import FACE_ID
from organizer.media.xmp_read import HIERARCHICAL
from organizer.media.xmp_read import LI
from organizer.media.xmp_read import NAME
from organizer.media.xmp_read import NS as NS
from organizer.media.xmp_read import PARSE_TYPE
from organizer.media.xmp_read import PEOPLE
from organizer.media.xmp_read import RDF
from organizer.media.xmp_read import REGION_LIST
from organizer.media.xmp_read import REGIONS
from organizer.media.xmp_read import SUBJECT
from organizer.media.xmp_read import TYPE
from organizer.media.xmp_read import XMPMETA
from organizer.media.xmp_read import Region as Region
from organizer.media.xmp_read import XmpError as XmpError
from organizer.media.xmp_read import children as _children
from organizer.media.xmp_read import container as _container
from organizer.media.xmp_read import descriptions as _descriptions
from organizer.media.xmp_read import fields as _fields
from organizer.media.xmp_read import items as _items
from organizer.media.xmp_read import parse_regions as parse_regions
from organizer.media.xmp_read import parse_xml as _parse
from organizer.media.xmp_read import q as _q
from organizer.media.xmp_read import rdf_of as _rdf
from organizer.media.xmp_read import region_item as _region

#: The keyword hierarchy under which the names go in ``lr:hierarchicalSubject``.
PEOPLE_ROOT = "People"
#: Sidecars larger than this are not read (an XMP sidecar is a few kilobytes).
MAX_SIDECAR_BYTES = 16 * 2**20

SidecarStyle = Literal["digikam", "lightroom"]
SIDECAR_STYLES: tuple[SidecarStyle, ...] = ("digikam", "lightroom")

_XPACKET_BEGIN = "<?xpacket begin='\ufeff' id='W5M0MpCehiHzreSzNTczkc9d'?>"
_XPACKET_END = "<?xpacket end='w'?>"
#: Characters XML 1.0 cannot hold (a name with one would make the whole sidecar unreadable).
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_serialise_lock = threading.Lock()


@dataclass(frozen=True, slots=True)
class FaceTags:
    """What Organizer writes into one sidecar."""

    #: ``AppliedToDimensions``: the image as stored, in pixels (see :func:`stored_size`).
    width: int
    height: int
    regions: tuple[Region, ...]

    @property
    def names(self) -> list[str]:
        """The regions' names, each once, in the regions' order (the keywords)."""
        return list(dict.fromkeys(r.name for r in self.regions))


def sidecar_path(photo: str, style: SidecarStyle = "digikam") -> str:
    """The sidecar of a photo: ``IMG_0001.JPG.xmp`` (digiKam, darktable) or ``IMG_0001.xmp`` (Lightroom)."""
    if style == "lightroom":
        return os.path.splitext(photo)[0] + ".xmp"
    return photo + ".xmp"


# --- reading a sidecar ----------------------------------------------------------------------------------------

def read_sidecar(path: str | os.PathLike[str]) -> bytes | None:
    """A sidecar's bytes, None when there is none (raises OSError when it cannot be read, XmpError when it is
    too large to be a sidecar)."""
    try:
        with open(path, "rb") as f:
            data = f.read(MAX_SIDECAR_BYTES + 1)
    except FileNotFoundError:
        return None
    if len(data) > MAX_SIDECAR_BYTES:
        raise XmpError(f"larger than {MAX_SIDECAR_BYTES // 2**20} MiB, too large for an XMP sidecar")
    return data


def read_regions(path: str | os.PathLike[str]) -> list[tuple[str, float, float, float, float]]:
    """``(name, x, y, w, h)`` of each named face region of an XMP file: normalised to 0..1, ``x, y`` the centre,
    in the image as stored (:func:`upright_area` turns them upright). An absent file has none.

    Raises:
        XmpError: the file is not well-formed XMP; OSError: it cannot be read.
    """
    data = read_sidecar(path)
    if data is None:
        return []
    return [(r.name, r.x, r.y, r.w, r.h) for r in parse_regions(data)]


def has_marks(data: bytes) -> bool:
    """Whether a document may hold Organizer's content (a cheap test before parsing)."""
    return NS["organizer"].encode() in data


# --- writing --------------------------------------------------------------------------------------------------

def _clean(s: str) -> str:
    return _NOT_XML.sub("", s)


def _num(v: float) -> str:
    s = f"{min(1.0, max(0.0, v)):.6f}".rstrip("0").rstrip(".")
    return s or "0"


def _region_item(r: Region) -> ET.Element:
    li = ET.Element(LI)
    attrs = {NAME: _clean(r.name), TYPE: "Face"}
    if r.face_id is not None:
        attrs[FACE_ID] = str(r.face_id)
    d = ET.SubElement(li, DESCRIPTION, attrs)
    ET.SubElement(d, AREA, {_q("stArea", "x"): _num(r.x), _q("stArea", "y"): _num(r.y),
                            _q("stArea", "w"): _num(r.w), _q("stArea", "h"): _num(r.h),
                            _q("stArea", "unit"): "normalized"})
    return li


def _find(descs: list[ET.Element], tag: str) -> tuple[ET.Element, ET.Element] | None:
    """The first property ``tag`` and the description holding it."""
    for d in descs:
        for c in _children(d):
            if c.tag == tag:
                return d, c
    return None


def _merge_regions(descs: list[ET.Element], target: ET.Element, tags: FaceTags | None) -> None:
    ours = tags.regions if tags is not None else ()
    names = set(tags.names) if tags is not None else set()
    found = _find(descs, REGIONS)
    kept: list[ET.Element] = []
    other: dict[str, ET.Element | str] = {}
    if found is not None:
        fields = _fields(found[1])
        for li in _items(fields.get(REGION_LIST)):
            name, kind, _, marked = _region(li)
            if not (marked or ((kind or "").strip() == "Face" and name in names)):
                kept.append(li)
        other = {k: v for k, v in fields.items() if k != REGION_LIST and not (ours and k == APPLIED)}
    if not kept and not ours:
        other.pop(APPLIED, None)  # the dimensions of regions that are gone
    if not kept and not ours and not other:
        if found is not None:
            found[0].remove(found[1])
        return
    new = ET.Element(REGIONS, {PARSE_TYPE: "Resource"})
    if ours and tags is not None:
        ET.SubElement(new, APPLIED, {_q("stDim", "w"): str(tags.width), _q("stDim", "h"): str(tags.height),
                                     _q("stDim", "unit"): "pixel"})
    for k, v in other.items():
        if isinstance(v, str):
            ET.SubElement(new, k).text = v
        else:
            new.append(deepcopy(v))
    if kept or ours:
        bag = ET.SubElement(ET.SubElement(new, REGION_LIST), BAG)
        bag.extend(deepcopy(li) for li in kept)
        bag.extend(_region_item(r) for r in ours)
    if found is None:
        target.append(new)
    else:
        parent, old = found
        parent.insert(list(parent).index(old), new)
        parent.remove(old)


def _merge_bag(descs: list[ET.Element], target: ET.Element, tag: str, drop: set[str], add: Iterable[str]) -> None:
    """Array property ``tag``: its items less the texts in ``drop``, then ``add`` (each once)."""
    found = _find(descs, tag)
    add = [_clean(a) for a in add]
    if found is None:
        if not add:
            return
        prop = ET.SubElement(target, tag)
        parent = target
    else:
        parent, prop = found
    container = _container(prop)
    if container is None:  # no array (a damaged file): its text, if any, becomes the first item
        text = (prop.text or "").strip()
        prop.text = None
        for c in _children(prop):
            prop.remove(c)
        container = ET.SubElement(prop, BAG)
        if text:
            ET.SubElement(container, LI).text = text
    kept: set[str] = set()
    for li in _children(container):
        if li.tag == LI and not _children(li) and (li.text or "") in drop:
            container.remove(li)
        elif li.tag == LI:
            kept.add(li.text or "")
    for a in add:
        if a not in kept:
            ET.SubElement(container, LI).text = a
            kept.add(a)
    if not _children(container):
        parent.remove(prop)


def _register_prefixes(prefixes: Iterable[tuple[str, str]]) -> None:
    """Serialise the document's namespaces with its own prefixes (ElementTree's registry is global: ours are
    registered last so that they always win)."""
    ours_uris = set(NS.values())
    for prefix, uri in prefixes:
        if prefix and uri not in ours_uris and prefix not in NS and not re.fullmatch(r"ns\d+", prefix):
            ET.register_namespace(prefix, uri)  # raises only for the ns0, ns1... that ElementTree makes up
    for prefix, uri in NS.items():
        ET.register_namespace(prefix, uri)


def _serialise(root: ET.Element, prefixes: Iterable[tuple[str, str]]) -> bytes:
    for e in root.iter():
        if len(e) and e.text is not None and not e.text.strip():
            e.text = None
        if e.tail is not None and not e.tail.strip():
            e.tail = None
    ET.indent(root, space=" ")
    with _serialise_lock:
        _register_prefixes(prefixes)
        body = ET.tostring(root, encoding="unicode")
    return f"{_XPACKET_BEGIN}\n{body}\n{_XPACKET_END}\n".encode()


def merge(existing: bytes | None, tags: FaceTags | None) -> bytes:
    """The sidecar with Organizer's face tags ``tags`` (None: with none of Organizer's content left).

    ``existing`` is the sidecar's current content (None or blank: there is none). Everything in it that is not
    Organizer's is kept; merging the result again with the same tags gives the same bytes.

    Raises:
        XmpError: ``existing`` is not well-formed XML, or not XMP: it must not be overwritten.
    """
    if existing is None or not existing.strip():
        root = ET.Element(XMPMETA)
        ET.SubElement(ET.SubElement(root, RDF), DESCRIPTION, {ABOUT: ""})
        prefixes: list[tuple[str, str]] = []
    else:
        root, prefixes = _parse(existing)
    rdf = _rdf(root)
    descs = _descriptions(rdf)
    if not descs:
        descs = [ET.SubElement(rdf, DESCRIPTION, {ABOUT: ""})]
    target = descs[0]
    names = tags.names if tags is not None else []
    found = _find(descs, PEOPLE)
    previous = {li.text or "" for li in _items(found[1])} if found is not None else set()
    ours = previous | set(names)
    _merge_regions(descs, target, tags)
    _merge_bag(descs, target, SUBJECT, ours, names)
    _merge_bag(descs, target, HIERARCHICAL, {f"{PEOPLE_ROOT}|{n}" for n in ours},
               [f"{PEOPLE_ROOT}|{n}" for n in names])
    _merge_bag(descs, target, PEOPLE, ours, names)
    return _serialise(root, prefixes)
