# SPDX-License-Identifier: MIT
"""When a photo was taken: EXIF dates (exifread), validated, with the file time as the last resort.

Times are returned as a naive local wall-clock ``datetime`` plus the UTC offset in minutes when known:
EXIF stores the local time where the photo was taken, and an offset only in the ``OffsetTime*`` tags
(EXIF 2.31). Values that cameras write when their clock was never set (0000:00:00, 1904/1970/1980
epochs) and dates in the future are rejected so that the next source is used.
"""

from __future__ import annotations

import io
import logging
import re
import warnings
from dataclasses import dataclass
from datetime import UTC
from datetime import date
from datetime import datetime
from datetime import timedelta
from datetime import timezone

import exifread

log = logging.getLogger(__name__)

#: Dates that mean "clock never set": the QuickTime/HFS, Unix and FAT epochs.
EPOCH_DEFAULTS = frozenset({date(1904, 1, 1), date(1970, 1, 1), date(1980, 1, 1)})
MIN_YEAR = 1826  # the oldest surviving photograph; older dates are garbage
#: Clock skew allowed when refusing future dates (an offset may be missing).
FUTURE_SLACK = timedelta(days=1)

#: (date tag, offset tag) in order of preference.
EXIF_DATE_TAGS = (
    ("EXIF DateTimeOriginal", "EXIF OffsetTimeOriginal"),
    ("EXIF DateTimeDigitized", "EXIF OffsetTimeDigitized"),
    ("Image DateTime", "EXIF OffsetTime"),
)

_DT_RE = re.compile(r"^\s*(\d{4})[:\-./](\d{1,2})[:\-./](\d{1,2})(?:[ T]+(\d{1,2}):(\d{1,2})(?::(\d{1,2}))?)?")
_OFFSET_RE = re.compile(r"^\s*([+-])(\d{2}):?(\d{2})\s*$")


@dataclass(frozen=True, slots=True)
class TakenAt:
    #: Local wall-clock time.
    local: datetime
    #: Offset from UTC in minutes, when known.
    offset_min: int | None
    #: Where it came from: "exif", "xmp", "video", "name" (the file name), "folder" (a year in the folder path)
    #: or "file" (the modification time: when the file was copied, not when the photo was taken).
    source: str

    def utc(self) -> datetime | None:
        if self.offset_min is None:
            return None
        return (self.local - timedelta(minutes=self.offset_min)).replace(tzinfo=UTC)


def parse_exif_datetime(value: str) -> datetime | None:
    """``YYYY:MM:DD HH:MM:SS`` (and common variants) to a naive datetime; None for garbage."""
    m = _DT_RE.match(value or "")
    if not m:
        return None
    y, mo, d, hh, mm, ss = (int(g) if g else 0 for g in m.groups())
    try:
        return datetime(y, mo, d, hh, mm, ss)
    except ValueError:
        return None


def parse_offset(value: str | None) -> int | None:
    """``+02:00`` / ``-0530`` to minutes; None when absent or invalid."""
    m = _OFFSET_RE.match(value or "")
    if not m:
        return None
    sign, hh, mm = m.groups()
    minutes = int(hh) * 60 + int(mm)
    if minutes > 14 * 60 or int(mm) >= 60:
        return None
    return -minutes if sign == "-" else minutes


def is_plausible(local: datetime, offset_min: int | None = None, now: datetime | None = None) -> bool:
    """False for clock-not-set defaults, impossible years and dates in the future."""
    if local.year < MIN_YEAR or local.date() in EPOCH_DEFAULTS:
        return False
    now_utc = now or datetime.now(UTC)
    if offset_min is not None:
        as_utc = (local - timedelta(minutes=offset_min)).replace(tzinfo=UTC)
    else:
        as_utc = local.replace(tzinfo=UTC)  # unknown offset: the slack below covers up to a day
    return as_utc <= now_utc + FUTURE_SLACK


def exif_taken_at(data: bytes, now: datetime | None = None) -> TakenAt | None:
    """The capture time from EXIF, trying DateTimeOriginal, DateTimeDigitized, then DateTime."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            # exifread logs every oddity of a corrupt file at WARNING; silence it, we report our own way.
            exif_log = logging.getLogger("exifread")
            old, exif_log.disabled = exif_log.disabled, True
            try:
                tags = exifread.process_file(io.BytesIO(data), details=False)
            finally:
                exif_log.disabled = old
    except Exception as e:  # exifread raises many types on corrupt data; a bad EXIF block is not fatal
        log.debug("Unreadable EXIF: %s", e)
        return None
    for date_tag, offset_tag in EXIF_DATE_TAGS:
        raw = tags.get(date_tag)
        if raw is None:
            continue
        local = parse_exif_datetime(str(raw))
        if local is None:
            continue
        off_raw = tags.get(offset_tag)
        offset = parse_offset(str(off_raw)) if off_raw is not None else None
        if is_plausible(local, offset, now):
            return TakenAt(local, offset, "exif")
    return None


def file_taken_at(mtime_ns: int) -> TakenAt:
    """The file's modification time, as local time of this machine."""
    aware = datetime.fromtimestamp(mtime_ns / 1e9, tz=UTC).astimezone()
    off = aware.utcoffset()
    return TakenAt(aware.replace(tzinfo=None), int(off.total_seconds() // 60) if off is not None else None, "file")


def from_aware(dt: datetime, source: str, keep_offset: bool = True) -> TakenAt:
    """A timezone-aware datetime to local wall-clock + offset.

    With ``keep_offset`` the wall clock of ``dt``'s own offset is kept (Apple's creationdate is the local
    time where the clip was shot); otherwise a UTC time is shown in this machine's zone.
    """
    if not keep_offset or dt.utcoffset() == timedelta(0):
        dt = dt.astimezone()
    off = dt.utcoffset()
    return TakenAt(dt.replace(tzinfo=None), int(off.total_seconds() // 60) if off is not None else None, source)


def parse_iso_datetime(value: str) -> datetime | None:
    """ISO 8601 as containers write it (``2019-05-04T13:45:10.000000Z``, ``2019-05-04T13:45:10+0200``).

    Returns an aware datetime (UTC when no offset is given); None for garbage.
    """
    s = (value or "").strip()
    if not s:
        return None
    s = re.sub(r"Z$", "+00:00", s)
    s = re.sub(r"([+-]\d{2})(\d{2})$", r"\1:\2", s)
    s = s.replace(" ", "T", 1) if "T" not in s else s
    try:
        dt = datetime.fromisoformat(s)
    except ValueError:
        local = parse_exif_datetime(value)
        if local is None:
            return None
        dt = local
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)  # noqa: UP017 - container times without zone are UTC by spec
    return dt


# ----------------------------------------------------------------------------------------------- other sources
#
# In order after EXIF (photos) or the container (videos): the XMP packet of the file, a date in the file name,
# a year in the folder path; the file's modification time only as the last resort. Only dates that say when
# the photo was taken (TRUSTED) feed ages and birth years; a file time says when it was copied.

#: Sources that say when a photo was taken (a folder year to within a year, the others to the day).
TRUSTED_SOURCES = frozenset({"exif", "xmp", "video", "name", "folder"})
#: Sources exact to the day (the day-span rule of persons uses only these).
DAY_SOURCES = frozenset({"exif", "xmp", "video", "name"})

_XMP_START, _XMP_END = b"<x:xmpmeta", b"</x:xmpmeta>"
#: XMP properties that hold the capture time, in order of preference (prefix-free local names).
_XMP_DATE_PROPS = ("DateTimeOriginal", "DateCreated", "CreateDate")
_XMP_PROP_RE = re.compile(
    rb"(?:exif|photoshop|xmp):(" + b"|".join(p.encode() for p in _XMP_DATE_PROPS) + rb")"
    rb"""(?:\s*=\s*["']([^"']+)["']|\s*>\s*([^<]+)<)""")


def xmp_taken_at(data: bytes, now: datetime | None = None) -> TakenAt | None:
    """The capture time from the file's XMP packet (``exif:DateTimeOriginal``, ``photoshop:DateCreated``,
    ``xmp:CreateDate``), as attribute or element; None when absent or implausible.

    XMP dates are ISO 8601, the offset optional (``2019-05-12T14:03:00+02:00``, ``2019-05-12``).
    """
    start = data.find(_XMP_START)
    if start < 0:
        return None
    end = data.find(_XMP_END, start)
    packet = data[start:end if end > 0 else start + 65536]
    found: dict[str, str] = {}
    for m in _XMP_PROP_RE.finditer(packet):
        name = m.group(1).decode()
        value = (m.group(2) or m.group(3) or b"").decode("utf-8", "replace").strip()
        found.setdefault(name, value)
    for name in _XMP_DATE_PROPS:
        value = found.get(name)
        if not value:
            continue
        taken = _iso_taken_at(value, "xmp", now)
        if taken is not None:
            return taken
    return None


def _iso_taken_at(value: str, source: str, now: datetime | None) -> TakenAt | None:
    local = parse_exif_datetime(value)
    if local is None:
        return None
    m = re.search(r"(?:T[\d:.]+)(Z|[+-]\d{2}:?\d{2})\s*$", value)
    offset = None if m is None else (0 if m.group(1) == "Z" else parse_offset(m.group(1)))
    return TakenAt(local, offset, source) if is_plausible(local, offset, now) else None


#: Dates in file names as phones and messengers write them: IMG_20190512_140305.jpg, 20190512_140305.mp4,
#: IMG-20190512-WA0001.jpg, PXL_20190512_140305123.jpg, Screenshot_2019-05-12-14-03-05.png, VID_20190512...
_NAME_RES = (
    re.compile(r"(?<!\d)(?P<y>(?:19|20)\d{2})(?P<m>\d{2})(?P<d>\d{2})[_-](?P<H>\d{2})(?P<M>\d{2})(?P<S>\d{2})"),
    re.compile(r"(?<!\d)(?P<y>(?:19|20)\d{2})-(?P<m>\d{2})-(?P<d>\d{2})"
               r"[ _-](?P<H>\d{2})[-.:](?P<M>\d{2})[-.:](?P<S>\d{2})"),
    re.compile(r"(?<!\d)(?P<y>(?:19|20)\d{2})-(?P<m>\d{2})-(?P<d>\d{2})(?!\d)"),
    re.compile(r"(?:IMG|VID|PXL|PANO|MVIMG|DSC|Screenshot|Photo|WhatsApp Image)[ _-]*"
               r"(?P<y>(?:19|20)\d{2})(?P<m>\d{2})(?P<d>\d{2})(?!\d{3})", re.IGNORECASE),
)
#: A year (and month) as a whole folder name or at the start of one: .../2009/..., .../2009-07 Holiday/...
_FOLDER_YEAR_RE = re.compile(r"^(?P<y>(?:19|20)\d{2})(?:[-_. ](?P<m>0[1-9]|1[0-2])(?!\d))?(?:$|[ _.-])")


def name_taken_at(path: str, now: datetime | None = None) -> TakenAt | None:
    """A date (and time, when given) in the file's name; None when there is none or it is implausible."""
    name = path.replace("\\", "/").rsplit("/", 1)[-1]
    for rx in _NAME_RES:
        m = rx.search(name)
        if m is None:
            continue
        g = m.groupdict()
        try:
            local = datetime(int(g["y"]), int(g["m"]), int(g["d"]), int(g.get("H") or 0), int(g.get("M") or 0),
                             int(g.get("S") or 0))
        except ValueError:
            continue
        if is_plausible(local, None, now):
            return TakenAt(local, None, "name")
    return None


def folder_taken_at(path: str, now: datetime | None = None) -> TakenAt | None:
    """A year (and month) in the folder path, the innermost folder named like one: the middle of that year (or
    month), never later than now."""
    parts = path.replace("\\", "/").split("/")[:-1]
    today = (now or datetime.now(UTC)).replace(tzinfo=None)
    for part in reversed(parts):
        m = _FOLDER_YEAR_RE.match(part)
        if m is None:
            continue
        y = int(m.group("y"))
        local = datetime(y, int(m.group("m")), 15) if m.group("m") else datetime(y, 7, 2)
        if y <= today.year:
            local = min(local, today)
        if is_plausible(local, None, now):
            return TakenAt(local, None, "folder")
    return None


def fallback_taken_at(path: str, mtime_ns: int, now: datetime | None = None) -> TakenAt:
    """When the file itself says nothing: its name, then its folder, then (marked as such) its file time."""
    return name_taken_at(path, now) or folder_taken_at(path, now) or file_taken_at(mtime_ns)
