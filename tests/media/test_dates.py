# SPDX-License-Identifier: MIT
"""Capture dates: EXIF order and offsets, garbage rejected, container times."""

from __future__ import annotations

import io
from datetime import UTC
from datetime import datetime

import pytest
from PIL import Image

from organizer.media import dates
from organizer.media.video import FramePolicy
from organizer.media.video import container_taken_at
from organizer.media.video import sample_times

NOW = datetime(2026, 6, 1, tzinfo=UTC)


def jpeg_with_exif(**tags) -> bytes:
    """A tiny JPEG with the given EXIF tags (names as in PIL.ExifTags)."""
    im = Image.new("RGB", (16, 16), (120, 90, 60))
    exif = Image.Exif()
    ids = {"DateTime": 0x0132, "DateTimeOriginal": 0x9003, "DateTimeDigitized": 0x9004,
           "OffsetTime": 0x9010, "OffsetTimeOriginal": 0x9011, "OffsetTimeDigitized": 0x9012}
    ifd = exif.get_ifd(0x8769)
    for k, v in tags.items():
        if k == "DateTime":
            exif[ids[k]] = v
        else:
            ifd[ids[k]] = v
    buf = io.BytesIO()
    im.save(buf, "JPEG", exif=exif)
    return buf.getvalue()


def test_exif_order_and_offset():
    data = jpeg_with_exif(DateTimeOriginal="2020:07:14 10:11:12", OffsetTimeOriginal="+02:00",
                          DateTimeDigitized="2021:01:01 00:00:00", DateTime="2022:01:01 00:00:00")
    t = dates.exif_taken_at(data, now=NOW)
    assert (t.local, t.offset_min, t.source) == (datetime(2020, 7, 14, 10, 11, 12), 120, "exif")
    assert t.utc() == datetime(2020, 7, 14, 8, 11, 12, tzinfo=UTC)


@pytest.mark.parametrize("garbage", ["0000:00:00 00:00:00", "1904:01:01 00:00:00", "1970:01:01 00:00:00",
                                     "2099:01:01 10:00:00", "    :  :     :  :  ", "2020:13:45 99:99:99",
                                     "\x00\x00\xff garbage"])
def test_garbage_falls_back_to_next_tag(garbage):
    data = jpeg_with_exif(DateTimeOriginal=garbage, DateTimeDigitized="2019:03:04 05:06:07")
    assert dates.exif_taken_at(data, now=NOW).local == datetime(2019, 3, 4, 5, 6, 7)
    assert dates.exif_taken_at(jpeg_with_exif(DateTimeOriginal=garbage), now=NOW) is None


def test_no_exif_and_corrupt_exif():
    assert dates.exif_taken_at(b"not a jpeg") is None
    data = bytearray(jpeg_with_exif(DateTimeOriginal="2020:07:14 10:11:12"))
    i = data.find(b"Exif")
    data[i + 10:i + 40] = b"\xff" * 30  # smash the TIFF header and IFD
    dates.exif_taken_at(bytes(data))  # must not raise


def test_file_time_fallback():
    t = dates.file_taken_at(1_600_000_000 * 10**9)
    assert t.source == "file" and t.local.year == 2020


def test_exif_test_images(faces_dir):
    d = faces_dir / "_exif_no_face"
    t = dates.exif_taken_at((d / "immich_date-priority-test.jpg").read_bytes())
    assert t.local == datetime(2023, 2, 2, 2, 0, 0)  # DateTimeOriginal wins over DateTimeDigitized
    assert dates.exif_taken_at((d / "immich_datetimeoriginal-gps.jpg").read_bytes()).local == datetime(
        2025, 12, 1, 11, 30)


def test_container_dates():
    apple = container_taken_at({"com.apple.quicktime.creationdate": "2019-05-04T13:45:10+0200",
                                "creation_time": "2019-05-04T11:45:10.000000Z"})
    assert (apple.local, apple.offset_min, apple.source) == (datetime(2019, 5, 4, 13, 45, 10), 120, "video")
    utc = container_taken_at({"creation_time": "2019-05-04T11:45:10.000000Z"})
    assert utc.utc() == datetime(2019, 5, 4, 11, 45, 10, tzinfo=UTC)
    assert container_taken_at({"creation_time": "1904-01-01T00:00:00.000000Z"}) is None
    assert container_taken_at({"creation_time": "garbage"}, {}) is None


def test_sample_times():
    p = FramePolicy()
    short = sample_times(4.0, 25.0, p)
    assert short[1] == pytest.approx(4 / 25) and len(short) == 25
    long = sample_times(600.0, 30.0, p)
    assert len(long) == p.max_frames
    mid = sample_times(20.0, 30.0, p)
    assert mid[1] == pytest.approx(1 / p.per_second)
