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
    #: "exif", "video" or "file".
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
