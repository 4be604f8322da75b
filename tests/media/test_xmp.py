# SPDX-License-Identifier: MIT
"""XMP sidecars with Metadata Working Group face regions: writing, merging into what is there, reading; and
the same files read and written by an independent tool, exiftool (skipped with the reason when it is absent)."""

from __future__ import annotations

import gzip
import json
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from organizer.media import regions
from organizer.media import xmp
from organizer.media.decode import load_image

NS = {"x": "adobe:ns:meta/", "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
      "mwg-rs": "http://www.metadataworkinggroup.com/schemas/regions/",
      "stDim": "http://ns.adobe.com/xap/1.0/sType/Dimensions#", "stArea": "http://ns.adobe.com/xmp/sType/Area#",
      "dc": "http://purl.org/dc/elements/1.1/", "lr": "http://ns.adobe.com/lightroom/1.0/"}
HARD_NAMES = ['"<&>', "Zoë 王", "O'Brien & Söhne <jr>", "Ана-Мария"]


def _tags(*names: str, dims: tuple[int, int] = (4000, 3000)) -> xmp.FaceTags:
    regions = tuple(xmp.Region(n, 0.1 + 0.2 * k, 0.4, 0.1, 0.15, face_id=100 + k) for k, n in enumerate(names))
    return xmp.FaceTags(dims[0], dims[1], regions)


def _a(el: ET.Element, prefix: str, local: str) -> str | None:
    return el.get(f"{{{NS[prefix]}}}{local}")


def _bag(doc: ET.Element, prop: str) -> list[str]:
    return [li.text or "" for li in doc.findall(f".//{prop}/rdf:Bag/rdf:li", NS)]


# --- what is written --------------------------------------------------------------------------------------------

def test_new_sidecar_holds_mwg_regions_and_keywords() -> None:
    data = xmp.merge(None, _tags("Anna", "Ben"))
    doc = ET.fromstring(data)  # the xpacket wrapper is processing instructions around one root element
    assert doc.tag == "{adobe:ns:meta/}xmpmeta"
    regions = doc.find("rdf:RDF/rdf:Description/mwg-rs:Regions", NS)
    assert regions is not None
    dims = regions.find("mwg-rs:AppliedToDimensions", NS)
    assert (_a(dims, "stDim", "w"), _a(dims, "stDim", "h"), _a(dims, "stDim", "unit")) == ("4000", "3000", "pixel")
    items = regions.findall("mwg-rs:RegionList/rdf:Bag/rdf:li/rdf:Description", NS)
    assert [(_a(d, "mwg-rs", "Name"), _a(d, "mwg-rs", "Type")) for d in items] == [("Anna", "Face"), ("Ben", "Face")]
    area = items[1].find("mwg-rs:Area", NS)
    assert {k: _a(area, "stArea", k) for k in ("x", "y", "w", "h", "unit")} == {
        "x": "0.3", "y": "0.4", "w": "0.1", "h": "0.15", "unit": "normalized"}
    assert _bag(doc, "dc:subject") == ["Anna", "Ben"]
    assert _bag(doc, "lr:hierarchicalSubject") == ["People|Anna", "People|Ben"]
    assert data.startswith(b"<?xpacket begin=") and data.rstrip().endswith(b"<?xpacket end='w'?>")


def test_face_area_is_centre_based_normalised_and_clipped() -> None:
    assert regions.face_area((100, 200, 300, 400), 1000, 800) == pytest.approx((0.25, 0.5, 0.3, 0.5))
    # a detector's box past the left and bottom edges: clipped to the picture
    x, y, w, h = regions.face_area((-50, 700, 150, 200), 1000, 800)
    assert (x, y, w, h) == pytest.approx((0.05, 0.9375, 0.1, 0.125))
    assert all(0 <= v <= 1 for v in (x - w / 2, x + w / 2, y - h / 2, y + h / 2))
    assert regions.face_area((1200, 10, 50, 50), 1000, 800) is None
    assert regions.face_area((10, 10, 50, 50), 0, 800) is None


@pytest.mark.parametrize("orientation", range(1, 9))
def test_areas_are_in_the_stored_image_as_mwg_says(tmp_path: Path, orientation: int) -> None:
    """MWG regions apply to the image as stored (a viewer rotates them with the EXIF orientation): a face box in
    the upright image, as Organizer has it, lands where the face is in the stored pixels."""
    stored = np.zeros((60, 80, 3), np.uint8)
    stored[6:21, 12:33] = 255  # the "face": x 12..33, y 6..21 of the stored 80 x 60 pixels
    exif = Image.Exif()
    exif[0x0112] = orientation
    path = tmp_path / f"o{orientation}.jpg"
    Image.fromarray(stored).save(path, quality=95, exif=exif)
    img = load_image(path)
    ys, xs = np.nonzero(img.pixels[:, :, 0] > 128)
    box = (xs.min(), ys.min(), xs.max() + 1 - xs.min(), ys.max() + 1 - ys.min())
    area = regions.face_area(box, img.width, img.height, orientation)
    assert area == pytest.approx((22.5 / 80, 13.5 / 60, 21 / 80, 15 / 60), abs=1.5 / 60)
    assert regions.stored_size(img.width, img.height, orientation) == (80, 60)
    upright = regions.upright_area(area, orientation)
    assert upright == pytest.approx(((box[0] + box[2] / 2) / img.width, (box[1] + box[3] / 2) / img.height,
                                     box[2] / img.width, box[3] / img.height))


def test_sidecar_names() -> None:
    assert xmp.sidecar_path("/p/IMG_0001.JPG") == "/p/IMG_0001.JPG.xmp"
    assert xmp.sidecar_path("/p/IMG_0001.JPG", "lightroom") == "/p/IMG_0001.xmp"
    assert xmp.sidecar_path("/p/a.b/IMG.heic", "lightroom") == "/p/a.b/IMG.xmp"


def test_hard_names_round_trip_exactly() -> None:
    data = xmp.merge(None, _tags(*HARD_NAMES))
    assert [r.name for r in xmp.parse_regions(data)] == HARD_NAMES
    doc = ET.fromstring(data)
    assert _bag(doc, "dc:subject") == HARD_NAMES
    assert _bag(doc, "lr:hierarchicalSubject") == [f"People|{n}" for n in HARD_NAMES]
    assert "王".encode() in data  # UTF-8 text, not character references


def test_merging_again_gives_the_same_bytes() -> None:
    first = xmp.merge(None, _tags("Anna", "Zoë 王"))
    assert xmp.merge(first, _tags("Anna", "Zoë 王")) == first
    merged = xmp.merge(DIGIKAM_SIDECAR, _tags("Anna"))
    assert xmp.merge(merged, _tags("Anna")) == merged


# A sidecar as digiKam (exiv2, Adobe's toolkit) writes one: attributes, other namespaces, keywords, a pet region.
DIGIKAM_SIDECAR = """<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/" x:xmptk="XMP Core 4.4.0-Exiv2">
 <!-- written by hand -->
 <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about=""
    xmlns:xmp="http://ns.adobe.com/xap/1.0/"
    xmlns:digiKam="http://www.digikam.org/ns/1.0/"
    xmlns:dc="http://purl.org/dc/elements/1.1/"
    xmlns:lr="http://ns.adobe.com/lightroom/1.0/"
    xmlns:mwg-rs="http://www.metadataworkinggroup.com/schemas/regions/"
    xmlns:stDim="http://ns.adobe.com/xap/1.0/sType/Dimensions#"
    xmlns:stArea="http://ns.adobe.com/xmp/sType/Area#"
   xmp:Rating="4">
   <digiKam:TagsList>
    <rdf:Seq>
     <rdf:li>Places/Paris</rdf:li>
    </rdf:Seq>
   </digiKam:TagsList>
   <dc:subject>
    <rdf:Bag>
     <rdf:li>Paris</rdf:li>
    </rdf:Bag>
   </dc:subject>
   <lr:hierarchicalSubject>
    <rdf:Bag>
     <rdf:li>Places|Paris</rdf:li>
    </rdf:Bag>
   </lr:hierarchicalSubject>
   <mwg-rs:Regions rdf:parseType="Resource">
    <mwg-rs:AppliedToDimensions stDim:w="4000" stDim:h="3000" stDim:unit="pixel"/>
    <mwg-rs:RegionList>
     <rdf:Bag>
      <rdf:li>
       <rdf:Description mwg-rs:Name="Rex" mwg-rs:Type="Pet">
        <mwg-rs:Area stArea:x="0.8" stArea:y="0.7" stArea:w="0.2" stArea:h="0.2" stArea:unit="normalized"/>
       </rdf:Description>
      </rdf:li>
     </rdf:Bag>
    </mwg-rs:RegionList>
   </mwg-rs:Regions>
  </rdf:Description>
 </rdf:RDF>
</x:xmpmeta>
<?xpacket end="w"?>
""".encode()


def test_merge_keeps_everything_that_is_not_organizers() -> None:
    data = xmp.merge(DIGIKAM_SIDECAR, _tags("Anna", "Zoë 王"))
    doc = ET.fromstring(data)
    desc = doc.find("rdf:RDF/rdf:Description", NS)
    assert desc.get("{http://ns.adobe.com/xap/1.0/}Rating") == "4"
    assert [li.text for li in doc.iterfind(".//{http://www.digikam.org/ns/1.0/}TagsList/rdf:Seq/rdf:li", NS)] \
        == ["Places/Paris"]
    assert b"xmlns:digiKam=" in data and b"xmlns:xmp=" in data  # their own prefixes, not ns0, ns1
    assert b"<!-- written by hand -->" in data
    assert _bag(doc, "dc:subject") == ["Paris", "Anna", "Zoë 王"]
    assert _bag(doc, "lr:hierarchicalSubject") == ["Places|Paris", "People|Anna", "People|Zoë 王"]
    assert [(r.name, r.face_id) for r in xmp.parse_regions(data)] == [("Anna", 100), ("Zoë 王", 101)]
    names = [_a(d, "mwg-rs", "Name") for d in doc.iterfind(".//mwg-rs:RegionList/rdf:Bag/rdf:li/rdf:Description", NS)]
    assert names == ["Rex", "Anna", "Zoë 王"]

    # a person renamed (and one gone): Organizer's old regions and keywords go, the rest stays
    again = xmp.merge(data, _tags("Anna Karenina"))
    doc = ET.fromstring(again)
    assert _bag(doc, "dc:subject") == ["Paris", "Anna Karenina"]
    assert _bag(doc, "lr:hierarchicalSubject") == ["Places|Paris", "People|Anna Karenina"]
    assert [r.name for r in xmp.parse_regions(again)] == ["Anna Karenina"]
    assert b'mwg-rs:Name="Rex"' in again

    # no named face left: only Organizer's content is taken out
    cleared = xmp.merge(again, None)
    doc = ET.fromstring(cleared)
    assert _bag(doc, "dc:subject") == ["Paris"] and _bag(doc, "lr:hierarchicalSubject") == ["Places|Paris"]
    assert xmp.parse_regions(cleared) == [] and b'mwg-rs:Name="Rex"' in cleared
    assert doc.find(".//mwg-rs:AppliedToDimensions", NS) is not None  # still Rex's
    assert not xmp.has_marks(cleared)


def test_a_face_region_of_the_same_name_is_replaced_not_doubled() -> None:
    other = xmp.merge(None, xmp.FaceTags(4000, 3000, (xmp.Region("Anna", 0.5, 0.5, 0.1, 0.1),)))  # no mark
    data = xmp.merge(other, _tags("Anna"))
    assert [(r.name, r.face_id) for r in xmp.parse_regions(data)] == [("Anna", 100)]


@pytest.mark.parametrize("bad", [b"<x:xmpmeta xmlns:x='adobe:ns:meta/'><rdf:RDF>", b"not xml at all \x00",
                                 b"<html><body>hello</body></html>", "<a>Zoë</b>".encode()])
def test_a_sidecar_that_is_not_well_formed_xmp_is_refused(bad: bytes) -> None:
    with pytest.raises(xmp.XmpError) as e:
        xmp.merge(bad, _tags("Anna"))
    assert "XML" in str(e.value)
    with pytest.raises(xmp.XmpError):
        xmp.parse_regions(bad)


def test_an_empty_file_is_no_sidecar_yet() -> None:
    assert xmp.parse_regions(xmp.merge(b"  \n", _tags("Anna")))[0].name == "Anna"


def test_read_regions_of_a_missing_file_is_empty(tmp_path: Path) -> None:
    assert xmp.read_regions(tmp_path / "none.xmp") == []


# --- against exiftool -------------------------------------------------------------------------------------------

def _exiftool() -> str:
    exe = shutil.which("exiftool")
    if exe is None:
        pytest.skip("exiftool is not installed (Debian: apt-get install libimage-exiftool-perl; .ci/run does)")
    return exe


def _exiftool_read(exe: str, path: Path) -> dict:
    out = subprocess.run([exe, "-j", "-struct", "-RegionInfo", "-Subject", "-HierarchicalSubject", "-Title",
                          str(path)], capture_output=True, check=True, timeout=60)
    return json.loads(out.stdout)[0]


def _as_list(v) -> list:
    return v if isinstance(v, list) else [] if v is None else [v]


def test_exiftool_reads_what_we_write(tmp_path: Path) -> None:
    exe = _exiftool()
    tags = _tags(*HARD_NAMES, dims=(3024, 4032))
    path = tmp_path / "IMG_0001.JPG.xmp"
    path.write_bytes(xmp.merge(None, tags))
    info = _exiftool_read(exe, path)
    ri = info["RegionInfo"]
    assert ri["AppliedToDimensions"] == {"W": 3024, "H": 4032, "Unit": "pixel"}
    got = [(r["Name"], r["Type"], r["Area"]) for r in ri["RegionList"]]
    assert [g[:2] for g in got] == [(n, "Face") for n in HARD_NAMES]
    for (_, _, area), r in zip(got, tags.regions, strict=True):
        assert area["Unit"] == "normalized"
        assert (area["X"], area["Y"], area["W"], area["H"]) == pytest.approx((r.x, r.y, r.w, r.h), abs=1e-6)
    assert [str(s) for s in _as_list(info.get("Subject"))] == HARD_NAMES
    assert _as_list(info.get("HierarchicalSubject")) == [f"People|{n}" for n in HARD_NAMES]


def _struct_value(s: str) -> str:
    """A value inside exiftool's structure syntax (its special characters escaped with '|')."""
    return "".join("|" + c if c in ",]}|" else c for c in s)


def _exiftool_regions_arg(regions: list[tuple[str, str, float, float, float, float]], w: int, h: int) -> str:
    items = ",".join(f"{{Area={{X={x},Y={y},W={rw},H={rh},Unit=normalized}},Name={_struct_value(n)},Type={t}}}"
                     for n, t, x, y, rw, rh in regions)
    return f"-XMP-mwg-rs:RegionInfo={{AppliedToDimensions={{W={w},H={h},Unit=pixel}},RegionList=[{items}]}}"


def test_we_read_and_merge_what_exiftool_writes(tmp_path: Path) -> None:
    exe = _exiftool()
    regions = [('Zoë 王 "<&>', "Face", 0.5, 0.25, 0.1, 0.2), ("Ben, Jr.", "Face", 0.2, 0.6, 0.05, 0.08),
               ("Rex", "Pet", 0.9, 0.9, 0.1, 0.1)]
    path = tmp_path / "by_exiftool.xmp"
    cmd = [exe, "-q", "-o", str(path), _exiftool_regions_arg(regions, 4000, 3000),
           "-XMP-dc:Title=Holiday", "-XMP-dc:Subject=Paris", "-XMP-lr:HierarchicalSubject=Places|Paris"]
    subprocess.run(cmd, check=True, capture_output=True, timeout=60)
    assert xmp.read_regions(path) == [(n, x, y, w, h) for n, t, x, y, w, h in regions if t == "Face"]

    # our regions merged in, then read back by exiftool: its own content is still there
    merged = tmp_path / "merged.xmp"
    merged.write_bytes(xmp.merge(path.read_bytes(), _tags("Anna")))
    info = _exiftool_read(exe, merged)
    assert info["Title"] == "Holiday"
    assert _as_list(info["Subject"]) == ["Paris", "Anna"]
    assert _as_list(info["HierarchicalSubject"]) == ["Places|Paris", "People|Anna"]
    assert [r["Name"] for r in info["RegionInfo"]["RegionList"]] == ['Zoë 王 "<&>', "Ben, Jr.", "Rex", "Anna"]


#: exiftool's own rotation of MWG regions (Debian ships its config files as documentation).
ROTATE_REGIONS = Path("/usr/share/doc/libimage-exiftool-perl/config_files/rotate_regions.config.gz")


@pytest.mark.parametrize(("orientation", "turn"), [(3, "CW180"), (6, "CW90"), (8, "CW270")])
def test_exiftool_turns_our_regions_onto_the_upright_face(tmp_path: Path, orientation: int, turn: str) -> None:
    """The region written for a face found in the upright photo, turned by exiftool the way the photo's EXIF
    orientation turns its pixels (exiftool's rotate_regions.config), is the face's box in the upright photo."""
    exe = _exiftool()
    if not ROTATE_REGIONS.is_file():
        pytest.skip(f"exiftool's rotate_regions.config is not at {ROTATE_REGIONS}")
    config = tmp_path / "rotate_regions.config"
    config.write_bytes(gzip.decompress(ROTATE_REGIONS.read_bytes()))
    stored = np.zeros((60, 80, 3), np.uint8)
    stored[6:21, 12:33] = 255
    exif = Image.Exif()
    exif[0x0112] = orientation
    photo = tmp_path / "photo.jpg"
    Image.fromarray(stored).save(photo, quality=95, exif=exif)
    img = load_image(photo)
    ys, xs = np.nonzero(img.pixels[:, :, 0] > 128)
    box = (xs.min(), ys.min(), xs.max() + 1 - xs.min(), ys.max() + 1 - ys.min())
    w, h = regions.stored_size(img.width, img.height, orientation)
    region = xmp.Region("Anna", *regions.face_area(box, img.width, img.height, orientation))
    side = tmp_path / "photo.jpg.xmp"
    side.write_bytes(xmp.merge(None, xmp.FaceTags(w, h, (region,))))
    out = subprocess.run([exe, "-config", str(config), "-j", "-struct", f"-RotateMWGRegion{turn}", str(side)],
                         capture_output=True, check=True, timeout=60)
    area = json.loads(out.stdout)[0][f"RotateMWGRegion{turn}"]["RegionList"][0]["Area"]
    assert (area["X"], area["Y"], area["W"], area["H"]) == pytest.approx(
        ((box[0] + box[2] / 2) / img.width, (box[1] + box[3] / 2) / img.height, box[2] / img.width,
         box[3] / img.height), abs=1e-4)
