# SPDX-License-Identifier: MIT
"""Reading face regions that photo tools wrote into XMP: in a sidecar, or in the photo itself.

Pure functions on bytes (no database, no Qt); :mod:`organizer.media.xmp` writes sidecars with what is read
here. Two region schemas are read:

* the Metadata Working Group's ``mwg-rs:Regions`` (Lightroom, digiKam, Picasa, exiftool's ``-RegionInfo``):
  areas normalised to 0..1 with ``stArea:x, y`` the CENTRE of the box, a ``mwg-rs:Type`` (``Face``, ``Pet``,
  ``Focus``...), a ``mwg-rs:Name`` and ``mwg-rs:AppliedToDimensions``;
* Microsoft Photo's ``MP:RegionInfo/MPRI:Regions`` (Windows Photo Gallery, digiKam): ``MPReg:Rectangle`` is
  ``"x, y, w, h"`` normalised with ``x, y`` the TOP-LEFT corner, ``MPReg:PersonDisplayName`` the name; every
  such region is a person's face.

Both apply to the image as stored (the MWG guidelines 2.0, 5.9; Microsoft's rectangles are read the same way,
as digiKam reads them): :func:`organizer.media.regions.upright_area` turns them upright. A document may hold
both for the same faces (digiKam writes both): a Microsoft region is dropped when an MWG region has its name or
lies where it lies. Each area is checked: one reaching past the image is clipped to it, one that is not a box
in the image (no width, NaN, wholly outside) is refused; both with a warning in plain words, and the other
regions are still read.

The XMP packet of a photo (:func:`embedded_packets`) is found in JPEG's APP1 segments (the standard packet and
Adobe's ExtendedXMP, reassembled), and in any other container (HEIC, PNG, TIFF, WebP...) by the packet's
``<x:xmpmeta`` ... ``</x:xmpmeta>`` wrapper, which XMP requires to be stored uncompressed.

The XML is read with :mod:`xml.etree.ElementTree` (over expat >= 2.4, which refuses entity-expansion attacks;
ElementTree never fetches external entities).
"""

from __future__ import annotations

import io
import math
import re
import unicodedata
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from dataclasses import field

from organizer.media.regions import Area

#: Namespaces by their usual prefixes (the standard URIs of the MWG guidelines and Adobe's XMP).
NS: dict[str, str] = {
    "x": "adobe:ns:meta/",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "mwg-rs": "http://www.metadataworkinggroup.com/schemas/regions/",
    "stDim": "http://ns.adobe.com/xap/1.0/sType/Dimensions#",
    "stArea": "http://ns.adobe.com/xmp/sType/Area#",
    "dc": "http://purl.org/dc/elements/1.1/",
    "lr": "http://ns.adobe.com/lightroom/1.0/",
    #: Organizer's own marks (see :mod:`organizer.media.xmp`); other tools ignore properties they do not know.
    "organizer": "http://ns.organizer.invalid/xmp/1.0/",
}
#: Microsoft Photo's region namespaces (read only: Organizer writes MWG regions).
MP_NS: dict[str, str] = {
    "MP": "http://ns.microsoft.com/photo/1.2/",
    "MPRI": "http://ns.microsoft.com/photo/1.2/t/RegionInfo#",
    "MPReg": "http://ns.microsoft.com/photo/1.2/t/Region#",
}


def q(prefix: str, local: str) -> str:
    """The ElementTree name of ``prefix:local``."""
    return f"{{{(NS | MP_NS)[prefix]}}}{local}"


XMPMETA, RDF, DESCRIPTION, LI = q("x", "xmpmeta"), q("rdf", "RDF"), q("rdf", "Description"), q("rdf", "li")
BAG, SEQ, ALT = q("rdf", "Bag"), q("rdf", "Seq"), q("rdf", "Alt")
ABOUT, PARSE_TYPE, RESOURCE = q("rdf", "about"), q("rdf", "parseType"), q("rdf", "resource")
REGIONS, APPLIED, REGION_LIST = q("mwg-rs", "Regions"), q("mwg-rs", "AppliedToDimensions"), q("mwg-rs", "RegionList")
NAME, TYPE, AREA = q("mwg-rs", "Name"), q("mwg-rs", "Type"), q("mwg-rs", "Area")
SUBJECT, HIERARCHICAL = q("dc", "subject"), q("lr", "hierarchicalSubject")
FACE_ID, PEOPLE = q("organizer", "FaceId"), q("organizer", "People")
MP_INFO, MP_REGIONS = q("MP", "RegionInfo"), q("MPRI", "Regions")
MP_RECT, MP_NAME = q("MPReg", "Rectangle"), q("MPReg", "PersonDisplayName")
_XML_NS = "{http://www.w3.org/XML/1998/namespace}"
#: Writers round their numbers: an edge this little past the image is no reason for a warning.
_EDGE_SLACK = 1e-3


class XmpError(Exception):
    """A document that cannot be read as XMP; the message says what it is instead, in plain words ("not
    well-formed XML (...)"), to follow "the sidecar is"."""


@dataclass(frozen=True, slots=True)
class Region:
    """One face region: normalised to 0..1, ``x, y`` the centre of the box, in the image as stored."""

    name: str
    x: float
    y: float
    w: float
    h: float
    #: The library's face id: Organizer's mark on the regions it wrote (None for other tools' regions).
    face_id: int | None = None


@dataclass(frozen=True, slots=True)
class FoundRegion:
    """A region as another tool wrote it, checked: ``area`` is normalised, centre-based, in the image as stored
    and inside it (clipped)."""

    #: The name, NFC-normalised and stripped; None when the region has none.
    name: str | None
    #: ``mwg-rs:Type`` (``Face``, ``Pet``, ``Focus``, ``BarCode``...); Microsoft's regions are all ``Face``.
    kind: str
    area: Area
    #: ``"MWG"`` or ``"Microsoft Photo"`` (for messages).
    schema: str
    face_id: int | None = None


@dataclass(slots=True)
class DocumentRegions:
    """The regions of one XMP document and what was wrong with some of them."""

    regions: list[FoundRegion] = field(default_factory=list)
    #: ``mwg-rs:AppliedToDimensions`` in pixels, when given.
    dims: tuple[int, int] | None = None
    #: Plain-words problems (a region refused or clipped, regions in an unknown namespace).
    warnings: list[str] = field(default_factory=list)


def normal_name(name: str | None) -> str | None:
    """A person's name as names are compared: NFC-normalised, stripped; None when nothing is left."""
    if name is None:
        return None
    return unicodedata.normalize("NFC", name).strip() or None


# --- RDF, in any of its forms ----------------------------------------------------------------------------------

def parse_xml(data: bytes) -> tuple[ET.Element, list[tuple[str, str]]]:
    """The document's root element (comments kept) and its namespace prefixes.

    Raises:
        XmpError: not well-formed XML.
    """
    try:
        prefixes = [ns for _, ns in ET.iterparse(io.BytesIO(data), events=("start-ns",))]
        parser = ET.XMLParser(target=ET.TreeBuilder(insert_comments=True))
        parser.feed(data)
        root = parser.close()
    except ET.ParseError as e:
        raise XmpError(f"not well-formed XML ({e})") from e
    return root, [(str(p), str(u)) for p, u in prefixes]


def rdf_of(root: ET.Element) -> ET.Element:
    """The ``rdf:RDF`` element of an XMP document (raises :class:`XmpError` when there is none)."""
    if root.tag == RDF:
        return root
    if root.tag in (XMPMETA, q("x", "xapmeta")):
        rdf = root.find(RDF)
        if rdf is not None:
            return rdf
    raise XmpError("XML but not XMP (no x:xmpmeta with rdf:RDF)")


def descriptions(rdf: ET.Element) -> list[ET.Element]:
    return [d for d in rdf if d.tag == DESCRIPTION]


def children(el: ET.Element) -> list[ET.Element]:
    return [c for c in el if isinstance(c.tag, str)]  # not comments


def fields(el: ET.Element) -> dict[str, ET.Element | str]:
    """The fields of the struct that property (or array item) element ``el`` holds, in any of RDF's forms:
    ``rdf:parseType="Resource"``, a nested ``rdf:Description`` (fields as attributes or elements), or
    attributes of ``el`` itself."""
    holders = [el]
    if el.get(PARSE_TYPE) != "Resource":
        holders += [c for c in children(el) if c.tag == DESCRIPTION]
    out: dict[str, ET.Element | str] = {}
    for h in holders:
        for k, v in h.attrib.items():
            if not k.startswith((f"{{{NS['rdf']}}}", _XML_NS)):
                out.setdefault(k, v)
        for c in children(h):
            if c.tag != DESCRIPTION:
                out.setdefault(c.tag, c)
    return out


def text(v: ET.Element | str | None) -> str | None:
    if v is None or isinstance(v, str):
        return v
    return v.text if v.text is not None else v.get(RESOURCE)


def container(prop: ET.Element) -> ET.Element | None:
    return next((c for c in children(prop) if c.tag in (BAG, SEQ, ALT)), None)


def items(prop: ET.Element | str | None) -> list[ET.Element]:
    if prop is None or isinstance(prop, str):
        return []
    c = container(prop)
    return [] if c is None else [li for li in children(c) if li.tag == LI]


def _properties(rdf: ET.Element, tag: str) -> list[ET.Element]:
    return [p for d in descriptions(rdf) for p in children(d) if p.tag == tag]


# --- MWG regions -----------------------------------------------------------------------------------------------

def _mwg_area(li_fields: dict[str, ET.Element | str]) -> tuple[Area | None, str | None]:
    """A region item's area (None when absent or not normalised numbers) and its unit."""
    a = li_fields.get(AREA)
    if a is None or isinstance(a, str):
        return None, None
    af = fields(a)
    unit = text(af.get(q("stArea", "unit")))
    try:
        vals = tuple(float(text(af.get(q("stArea", k))) or "") for k in ("x", "y", "w", "h"))
    except ValueError:
        return None, unit
    if unit is not None and unit.strip() != "normalized":
        return None, unit
    return (vals[0], vals[1], vals[2], vals[3]), unit


def region_item(li: ET.Element) -> tuple[str | None, str | None, Area | None, bool]:
    """``(name, type, area, Organizer's mark)`` of one region list item; area None when absent or invalid."""
    f = fields(li)
    return text(f.get(NAME)), text(f.get(TYPE)), _mwg_area(f)[0], FACE_ID in f


def _face_id(li: ET.Element) -> int | None:
    v = text(fields(li).get(FACE_ID))
    return int(v) if v and v.isdigit() else None


def parse_regions(data: bytes) -> list[Region]:
    """The named face regions of an XMP document (any writer's), in the image as stored, unchecked.

    Raises:
        XmpError: not well-formed XML, or not XMP.
    """
    out: list[Region] = []
    for prop in _properties(rdf_of(parse_xml(data)[0]), REGIONS):
        for li in items(fields(prop).get(REGION_LIST)):
            name, kind, area, _ = region_item(li)
            if name and area is not None and (kind or "Face").strip() == "Face":
                out.append(Region(name, *area, face_id=_face_id(li)))
    return out


# --- every region of a document, checked ------------------------------------------------------------------------

def _label(name: str | None, schema: str) -> str:
    return f"the {schema} region {name!r}" if name else f"an unnamed {schema} region"


def checked_area(area: Area, label: str, warnings: list[str]) -> Area | None:
    """The part of a normalised, centre-based area inside the image (a warning when it had to be clipped);
    None, with a warning, when it is no box in the image."""
    x, y, w, h = area
    if not all(math.isfinite(v) for v in area) or w <= 0 or h <= 0:
        warnings.append(f"{label} has no usable area (x={x}, y={y}, w={w}, h={h}); it was not read")
        return None
    x0, x1, y0, y1 = x - w / 2, x + w / 2, y - h / 2, y + h / 2
    c0, c1, d0, d1 = max(0.0, x0), min(1.0, x1), max(0.0, y0), min(1.0, y1)
    if c1 <= c0 or d1 <= d0:
        warnings.append(f"{label} lies outside the photo (x={x}, y={y}, w={w}, h={h}); it was not read")
        return None
    if min(x0, y0) < -_EDGE_SLACK or max(x1, y1) > 1 + _EDGE_SLACK:
        warnings.append(f"{label} reaches outside the photo; only its part inside the photo was read")
    return ((c0 + c1) / 2, (d0 + d1) / 2, c1 - c0, d1 - d0)


def _dims(regions_fields: dict[str, ET.Element | str]) -> tuple[int, int] | None:
    d = regions_fields.get(APPLIED)
    if d is None or isinstance(d, str):
        return None
    df = fields(d)
    try:
        w, h = (int(float(text(df.get(q("stDim", k))) or "")) for k in ("w", "h"))
    except ValueError:
        return None
    return (w, h) if w > 0 and h > 0 else None


def _overlap(a: Area, b: Area) -> float:
    """Intersection over union of two centre-based areas."""
    ix = max(0.0, min(a[0] + a[2] / 2, b[0] + b[2] / 2) - max(a[0] - a[2] / 2, b[0] - b[2] / 2))
    iy = max(0.0, min(a[1] + a[3] / 2, b[1] + b[3] / 2) - max(a[1] - a[3] / 2, b[1] - b[3] / 2))
    union = a[2] * a[3] + b[2] * b[3] - ix * iy
    return ix * iy / union if union > 0 else 0.0


def document_regions(data: bytes) -> DocumentRegions:
    """Every MWG and Microsoft Photo region of an XMP document, checked (see the module's doc).

    Raises:
        XmpError: not well-formed XML, or not XMP.
    """
    root = parse_xml(data)[0]
    rdf = rdf_of(root)
    out = DocumentRegions()
    for prop in _properties(rdf, REGIONS):
        pf = fields(prop)
        out.dims = out.dims or _dims(pf)
        for li in items(pf.get(REGION_LIST)):
            f = fields(li)
            name, kind = normal_name(text(f.get(NAME))), (text(f.get(TYPE)) or "Face").strip()
            area, unit = _mwg_area(f)
            label = _label(name, "MWG")
            if area is None:
                if kind == "Face":
                    how = f"its area is in {unit!r}, not normalized" if unit and unit.strip() != "normalized" \
                        else "it has no readable area"
                    out.warnings.append(f"{label}: {how}; it was not read")
                continue
            if (ok := checked_area(area, label, out.warnings)) is not None:
                out.regions.append(FoundRegion(name, kind, ok, "MWG", _face_id(li)))
    mwg = list(out.regions)
    for prop in _properties(rdf, MP_INFO):
        for li in items(fields(prop).get(MP_REGIONS)):
            f = fields(li)
            name, rect = normal_name(text(f.get(MP_NAME))), text(f.get(MP_RECT))
            label = _label(name, "Microsoft Photo")
            try:
                x, y, w, h = (float(v) for v in (rect or "").split(","))
            except ValueError:
                out.warnings.append(f"{label} has no readable rectangle ({rect!r}); it was not read")
                continue
            area = checked_area((x + w / 2, y + h / 2, w, h), label, out.warnings)
            if area is None or any((name and r.name == name) or _overlap(r.area, area) >= 0.5 for r in mwg):
                continue  # refused, or the same face as an MWG region (digiKam writes both)
            out.regions.append(FoundRegion(name, "Face", area, "Microsoft Photo"))
    known = {NS["mwg-rs"], MP_NS["MP"], MP_NS["MPRI"]}
    for el in root.iter():
        if isinstance(el.tag, str) and el.tag.startswith("{") and el.tag.rsplit("}", 1)[1] in ("Regions",
                                                                                                "RegionInfo"):
            uri = el.tag[1:].rsplit("}", 1)[0]
            if uri not in known:
                out.warnings.append(f"regions in an unknown namespace ({uri}) were not read")
                known.add(uri)
    return out


# --- where XMP is -------------------------------------------------------------------------------------------------

_JPEG_XMP = b"http://ns.adobe.com/xap/1.0/\x00"
_JPEG_EXT = b"http://ns.adobe.com/xmp/extension/\x00"
_PACKET = re.compile(rb"<x:x[am]pmeta[\s>].*?</x:x[am]pmeta>", re.S)
_EXT_GUID = re.compile(rb"HasExtendedXMP\s*(?:=\s*[\"']|>)\s*([0-9A-Fa-f]{32})")


def _jpeg_packets(data: bytes) -> list[bytes]:
    """The XMP of a JPEG's APP1 segments: the standard packet, then the ExtendedXMP it names (reassembled)."""
    main: bytes | None = None
    parts: dict[bytes, dict[int, bytes]] = {}
    i = 2
    while i + 4 <= len(data) and data[i] == 0xFF:
        marker = data[i + 1]
        if marker == 0xFF:  # fill byte
            i += 1
            continue
        if marker in (0x01, 0xD8) or 0xD0 <= marker <= 0xD7:
            i += 2
            continue
        if marker in (0xDA, 0xD9):  # the image data starts: no metadata after it
            break
        end = i + 2 + int.from_bytes(data[i + 2:i + 4], "big")
        seg = data[i + 4:end]
        if marker == 0xE1 and seg.startswith(_JPEG_XMP) and main is None:
            main = seg[len(_JPEG_XMP):].rstrip(b"\x00")  # some writers pad the segment with NULs
        elif marker == 0xE1 and seg.startswith(_JPEG_EXT) and len(seg) >= len(_JPEG_EXT) + 40:
            body = seg[len(_JPEG_EXT):]
            parts.setdefault(body[:32], {})[int.from_bytes(body[36:40], "big")] = body[40:]
        i = end
    if main is None:
        return []
    out = [main]
    guid = _EXT_GUID.search(main)
    chunks = parts.get(guid.group(1)) if guid else None
    if chunks:
        out.append(b"".join(chunks[k] for k in sorted(chunks)))
    return out


def embedded_packets(data: bytes) -> list[bytes]:
    """The XMP a photo file holds (see the module's doc): none, one packet, or a JPEG's packet and its
    extension."""
    if data[:2] == b"\xff\xd8":
        return _jpeg_packets(data)
    m = _PACKET.search(data)
    return [m.group(0)] if m else []
