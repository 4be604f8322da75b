# SPDX-License-Identifier: MIT
"""Reading other tools' face regions: MWG and Microsoft Photo regions in XMP documents, the XMP packet inside
JPEG (ExtendedXMP too) and other containers, and bad input (areas outside the photo, wrong namespaces, broken
XML); files written by exiftool where it is installed (skipped with the reason where it is not)."""

from __future__ import annotations

import subprocess
import uuid
from pathlib import Path
from xml.sax.saxutils import escape

import numpy as np
import pytest
from PIL import Image
from test_xmp import _exiftool
from test_xmp import _exiftool_regions_arg
from test_xmp import _struct_value

from organizer.media import xmp
from organizer.media import xmp_read

HARD = 'Zoë 王 "<&>'

_HEAD = ("<x:xmpmeta xmlns:x='adobe:ns:meta/'><rdf:RDF xmlns:rdf='http://www.w3.org/1999/02/22-rdf-syntax-ns#'>"
         "<rdf:Description rdf:about='' xmlns:mwg-rs='http://www.metadataworkinggroup.com/schemas/regions/' "
         "xmlns:stArea='http://ns.adobe.com/xmp/sType/Area#' "
         "xmlns:stDim='http://ns.adobe.com/xap/1.0/sType/Dimensions#' "
         "xmlns:MP='http://ns.microsoft.com/photo/1.2/' xmlns:MPRI='http://ns.microsoft.com/photo/1.2/t/RegionInfo#' "
         "xmlns:MPReg='http://ns.microsoft.com/photo/1.2/t/Region#'>")
_TAIL = "</rdf:Description></rdf:RDF></x:xmpmeta>"


def _mwg(*regions: tuple[str | None, str, tuple[float, float, float, float]], dims: str = "") -> str:
    items = "".join(
        "<rdf:li rdf:parseType='Resource'>" + (f"<mwg-rs:Name>{n}</mwg-rs:Name>" if n is not None else "")
        + f"<mwg-rs:Type>{t}</mwg-rs:Type><mwg-rs:Area stArea:x='{a[0]}' stArea:y='{a[1]}' stArea:w='{a[2]}' "
          f"stArea:h='{a[3]}' stArea:unit='normalized'/></rdf:li>" for n, t, a in regions)
    return f"<mwg-rs:Regions rdf:parseType='Resource'>{dims}<mwg-rs:RegionList><rdf:Bag>{items}</rdf:Bag>" \
           "</mwg-rs:RegionList></mwg-rs:Regions>"


def _mp(*regions: tuple[str, str]) -> str:
    items = "".join(f"<rdf:li rdf:parseType='Resource'><MPReg:PersonDisplayName>{n}</MPReg:PersonDisplayName>"
                    f"<MPReg:Rectangle>{r}</MPReg:Rectangle></rdf:li>" for n, r in regions)
    return f"<MP:RegionInfo rdf:parseType='Resource'><MPRI:Regions><rdf:Bag>{items}</rdf:Bag></MPRI:Regions>" \
           "</MP:RegionInfo>"


def _doc(*props: str) -> bytes:
    return (_HEAD + "".join(props) + _TAIL).encode()


def _named(doc: xmp_read.DocumentRegions) -> list[tuple[str | None, str, tuple[float, ...], str]]:
    return [(r.name, r.kind, tuple(round(v, 6) for v in r.area), r.schema) for r in doc.regions]


def test_mwg_and_microsoft_regions_are_read_and_one_face_is_read_once() -> None:
    data = _doc(_mwg(("Anna", "Face", (0.5, 0.5, 0.2, 0.2)), ("Rex", "Pet", (0.1, 0.1, 0.1, 0.1)),
                     (None, "Face", (0.8, 0.8, 0.1, 0.1)),
                     dims="<mwg-rs:AppliedToDimensions stDim:w='400' stDim:h='300' stDim:unit='pixel'/>"),
                _mp(("Anna", "0.4, 0.4, 0.2, 0.2"),  # digiKam writes the same face in both schemas
                    ("Bob", "0.41, 0.39, 0.2, 0.2"),  # where Anna's MWG region is: the same face
                    ("O&apos;Brien", "0.05, 0.6, 0.1, 0.2")))
    doc = xmp_read.document_regions(data)
    assert _named(doc) == [("Anna", "Face", (0.5, 0.5, 0.2, 0.2), "MWG"), ("Rex", "Pet", (0.1, 0.1, 0.1, 0.1), "MWG"),
                           (None, "Face", (0.8, 0.8, 0.1, 0.1), "MWG"),
                           ("O'Brien", "Face", (0.1, 0.7, 0.1, 0.2), "Microsoft Photo")]  # top-left to centre
    assert doc.dims == (400, 300) and doc.warnings == []


def test_areas_outside_the_photo_are_clipped_or_refused_with_a_warning() -> None:
    data = _doc(_mwg(("Edge", "Face", (0.95, 0.5, 0.2, 0.2)), ("Gone", "Face", (1.5, 0.5, 0.2, 0.2)),
                     ("Flat", "Face", (0.5, 0.5, 0.0, 0.2)), ("Rounded", "Face", (0.5, 0.9, 0.2, 0.2000001)),
                     ("Nan", "Face", (float("nan"), 0.5, 0.1, 0.1))),
                _mp(("Broken", "0.1, 0.2"), ("Negative", "-0.1, -0.1, 0.3, 0.3")))
    doc = xmp_read.document_regions(data)
    assert _named(doc) == [("Edge", "Face", (0.925, 0.5, 0.15, 0.2), "MWG"),
                           ("Rounded", "Face", (0.5, 0.9, 0.2, 0.2), "MWG"),
                           ("Negative", "Face", (0.1, 0.1, 0.2, 0.2), "Microsoft Photo")]
    text = "\n".join(doc.warnings)
    assert len(doc.warnings) == 6, text
    assert "'Edge' reaches outside the photo" in text and "'Gone' lies outside the photo" in text
    assert "'Flat' has no usable area" in text and "'Nan' has no usable area" in text
    assert "'Broken' has no readable rectangle" in text and "'Negative' reaches outside" in text
    assert "'Rounded'" not in text  # a writer's rounding is no reason for a warning


def test_wrong_namespaces_and_broken_xml() -> None:
    wrong = _doc(_mwg(("Anna", "Face", (0.5, 0.5, 0.2, 0.2)))).replace(
        b"http://www.metadataworkinggroup.com/schemas/regions/", b"http://example.com/not-mwg/")
    doc = xmp_read.document_regions(wrong)
    assert doc.regions == [] and doc.warnings == ["regions in an unknown namespace (http://example.com/not-mwg/) "
                                                  "were not read"]
    with pytest.raises(xmp.XmpError, match="not well-formed XML"):
        xmp_read.document_regions(_doc(_mwg(("A <&> B", "Face", (0.5, 0.5, 0.2, 0.2)))))  # unescaped: broken
    with pytest.raises(xmp.XmpError, match="not XMP"):
        xmp_read.document_regions(b"<html><body>not xmp</body></html>")


def test_names_are_read_exactly_and_compared_normalised() -> None:
    escaped = "Zoë 王 &quot;&lt;&amp;&gt; &apos;O&apos;Brien&apos;"
    doc = xmp_read.document_regions(_doc(_mwg((f"  {escaped} ", "Face", (0.5, 0.5, 0.2, 0.2)))))
    assert [r.name for r in doc.regions] == [f"{HARD} 'O'Brien'"]
    decomposed = "Zoe\u0308"  # e + combining diaeresis
    assert xmp_read.normal_name(f" {decomposed}\n") == "Zoë" and xmp_read.normal_name("  ") is None


def _jpeg(tmp_path: Path, name: str = "photo.jpg") -> Path:
    path = tmp_path / name
    Image.fromarray(np.full((30, 40, 3), 90, np.uint8)).save(path, quality=90)
    return path


def _with_app1(jpeg: bytes, *payloads: bytes) -> bytes:
    segs = b"".join(b"\xff\xe1" + (len(p) + 2).to_bytes(2, "big") + p for p in payloads)
    return jpeg[:2] + segs + jpeg[2:]


def test_jpeg_packet_and_its_extended_xmp_are_found(tmp_path: Path) -> None:
    guid = uuid.uuid4().hex.upper().encode()
    main = (_HEAD.replace("<rdf:Description rdf:about=''", "<rdf:Description rdf:about='' "
                          "xmlns:xmpNote='http://ns.adobe.com/xmp/note/' xmpNote:HasExtendedXMP='" + guid.decode()
                          + "'") + _TAIL).encode()
    ext = _doc(_mwg((escape(HARD), "Face", (0.5, 0.5, 0.2, 0.2))))
    head = b"http://ns.adobe.com/xmp/extension/\x00" + guid + len(ext).to_bytes(4, "big")
    half = len(ext) // 2
    chunks = [head + (0).to_bytes(4, "big") + ext[:half], head + half.to_bytes(4, "big") + ext[half:]]
    data = _with_app1(_jpeg(tmp_path).read_bytes(), b"http://ns.adobe.com/xap/1.0/\x00" + main, chunks[1], chunks[0])
    packets = xmp_read.embedded_packets(data)
    assert packets == [main, ext]
    assert [r.name for r in xmp_read.document_regions(packets[1]).regions] == [HARD]
    assert xmp_read.embedded_packets(_jpeg(tmp_path, "plain.jpg").read_bytes()) == []


def test_exiftool_regions_in_a_jpeg_and_a_png_are_found(tmp_path: Path) -> None:
    exe = _exiftool()
    mp = f"-XMP-MP:RegionInfoMP={{Regions=[{{Rectangle={_struct_value('0.6, 0.1, 0.2, 0.3')}," \
         f"PersonDisplayName={_struct_value(HARD)}}}]}}"
    mwg = _exiftool_regions_arg([("Ana-Мария", "Face", 0.25, 0.5, 0.2, 0.3), ("Rex", "Pet", 0.9, 0.9, 0.1, 0.1)],
                                40, 30)
    for photo in (_jpeg(tmp_path), tmp_path / "photo.png"):
        if photo.suffix == ".png":
            Image.fromarray(np.full((30, 40, 3), 90, np.uint8)).save(photo)
        subprocess.run([exe, "-q", "-overwrite_original", mwg, mp, str(photo)], check=True, capture_output=True,
                       timeout=60)
        packets = xmp_read.embedded_packets(photo.read_bytes())
        assert len(packets) == 1, photo
        doc = xmp_read.document_regions(packets[0])
        assert _named(doc) == [("Ana-Мария", "Face", (0.25, 0.5, 0.2, 0.3), "MWG"),
                               ("Rex", "Pet", (0.9, 0.9, 0.1, 0.1), "MWG"),
                               (HARD, "Face", (0.7, 0.25, 0.2, 0.3), "Microsoft Photo")], photo
        assert doc.dims == (40, 30)
