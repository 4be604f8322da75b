# SPDX-License-Identifier: MIT
"""Dates beyond EXIF: the XMP packet, the file name, the folder's year; the file time only as the last resort.

Real JPEG files are written and indexed; each one's date and its source are checked in the library.
"""

from __future__ import annotations

import os
import struct
import sys
from datetime import UTC
from datetime import datetime
from pathlib import Path

import cv2
import numpy as np
import pytest
from sqlalchemy import select

from organizer.core.progress import drive
from organizer.db.models import Media
from organizer.media import dates

sys.path.insert(0, str(Path(__file__).parents[1] / "services"))


def _jpeg(seed: int) -> bytes:
    img = np.random.default_rng(seed).integers(0, 255, (48, 64, 3), dtype=np.uint8)
    ok, buf = cv2.imencode(".jpg", img)
    assert ok
    return buf.tobytes()


def with_xmp(jpeg: bytes, packet: str) -> bytes:
    """The JPEG with an XMP APP1 segment right after SOI, as cameras and editors write it."""
    payload = b"http://ns.adobe.com/xap/1.0/\x00" + packet.encode()
    return jpeg[:2] + b"\xff\xe1" + struct.pack(">H", len(payload) + 2) + payload + jpeg[2:]


XMP = ('<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?><x:xmpmeta xmlns:x="adobe:ns:meta/">'
       '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description rdf:about="" '
       'xmlns:xmp="http://ns.adobe.com/xap/1.0/" xmp:CreateDate="2014-08-09T10:11:12+02:00"/></rdf:RDF>'
       '</x:xmpmeta><?xpacket end="w"?>')


@pytest.mark.parametrize(("name", "expected"), [
    ("IMG_20190512_140305.jpg", datetime(2019, 5, 12, 14, 3, 5)),
    ("20190512_140305.mp4", datetime(2019, 5, 12, 14, 3, 5)),
    ("IMG-20190512-WA0001.jpg", datetime(2019, 5, 12)),
    ("PXL_20190512_140305123.jpg", datetime(2019, 5, 12, 14, 3, 5)),
    ("Screenshot_2019-05-12-14-03-05.png", datetime(2019, 5, 12, 14, 3, 5)),
    ("holiday.jpg", None),
    ("DSC01234.JPG", None),
    ("IMG_20991231_000000.jpg", None),  # in the future: a wrong clock, not a date
])
def test_name_dates(name: str, expected: datetime | None) -> None:
    got = dates.name_taken_at(f"/photos/{name}")
    assert (got.local if got else None) == expected
    assert got is None or got.source == "name"


def test_folder_years() -> None:
    assert dates.folder_taken_at("/p/2009/a.jpg").local == datetime(2009, 7, 2)
    assert dates.folder_taken_at("/p/2009-07 Holiday/a.jpg").local == datetime(2009, 7, 15)
    assert dates.folder_taken_at("/p/2009/Rome/a.jpg").local.year == 2009  # the innermost year wins
    assert dates.folder_taken_at("/p/1234/a.jpg") is None
    assert dates.folder_taken_at("/p/Family/a.jpg") is None
    now = datetime(2026, 3, 1, tzinfo=UTC)
    assert dates.folder_taken_at("/p/2026/a.jpg", now=now).local <= now.replace(tzinfo=None)  # never in the future


def test_xmp_dates() -> None:
    t = dates.xmp_taken_at(with_xmp(_jpeg(1), XMP))
    assert (t.local, t.offset_min, t.source) == (datetime(2014, 8, 9, 10, 11, 12), 120, "xmp")
    element = '<x:xmpmeta><exif:DateTimeOriginal>2017-01-02T03:04:05Z</exif:DateTimeOriginal></x:xmpmeta>'
    assert dates.xmp_taken_at(with_xmp(_jpeg(1), element)).local == datetime(2017, 1, 2, 3, 4, 5)
    assert dates.xmp_taken_at(_jpeg(1)) is None
    assert dates.xmp_taken_at(with_xmp(_jpeg(1), XMP.replace("2014-08-09", "0000-00-00"))) is None


def test_indexing_takes_each_source_in_order(tmp_path: Path, library) -> None:
    from index_fakes import FakeEngine

    from organizer.services.index_service import IndexService
    from organizer.services.index_service import IndexSettings

    album = tmp_path / "album"
    (album / "2009").mkdir(parents=True)
    (album / "IMG_20190512_140305.jpg").write_bytes(_jpeg(1))
    (album / "2009" / "beach.jpg").write_bytes(_jpeg(2))
    (album / "2009" / "IMG_20110101_120000.jpg").write_bytes(_jpeg(3))  # the name is more precise than the folder
    (album / "2009" / "edited.jpg").write_bytes(with_xmp(_jpeg(4), XMP))  # the file's own XMP first
    (album / "copied.jpg").write_bytes(_jpeg(5))
    os.utime(album / "copied.jpg", (1_600_000_000, 1_600_000_000))
    drive(IndexService(library, FakeEngine, IndexSettings(isolate_videos=False)).run([str(album)]))
    with library() as s:
        got = {os.path.relpath(m.path, album): (m.date_source, m.taken_at) for m in s.scalars(select(Media))}
    assert got["IMG_20190512_140305.jpg"] == ("name", datetime(2019, 5, 12, 14, 3, 5))
    assert got[os.path.join("2009", "beach.jpg")] == ("folder", datetime(2009, 7, 2))
    assert got[os.path.join("2009", "IMG_20110101_120000.jpg")] == ("name", datetime(2011, 1, 1, 12))
    assert got[os.path.join("2009", "edited.jpg")] == ("xmp", datetime(2014, 8, 9, 10, 11, 12))
    assert got["copied.jpg"][0] == "file"
