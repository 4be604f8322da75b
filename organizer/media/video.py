# SPDX-License-Identifier: MIT
"""Videos through PyAV (FFmpeg): container metadata, capture date and sampled frames.

Files are opened as Python file objects, never by name, so names that are not valid UTF-8 work.
FFmpeg parses hostile input in C: the index service calls :func:`read_video` in a worker process
(see ``organizer.services.index_service``), so a crash there costs one file, not the scan.
"""

from __future__ import annotations

import contextlib
import logging
import math
import os
from collections.abc import Iterator
from dataclasses import dataclass
from dataclasses import field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from organizer.core.errors import MediaError
from organizer.media.dates import TakenAt
from organizer.media.dates import from_aware
from organizer.media.dates import is_plausible
from organizer.media.dates import parse_iso_datetime
from organizer.media.decode import open_media

log = logging.getLogger(__name__)

#: Metadata keys with a capture time, best first. Apple's key is the local time with its offset;
#: ``creation_time`` is UTC (and often the 1904 epoch or an encode time when a camera has no clock).
DATE_KEYS = ("com.apple.quicktime.creationdate", "creation_time", "date")


@dataclass(frozen=True, slots=True)
class FramePolicy:
    """Which frames of a clip are analyzed (following the paper: every few frames, capped for long clips).

    Attributes:
        every_nth: in short clips, every n-th frame.
        short_clip_s: clips up to this long use ``every_nth``.
        per_second: longer clips get about this many frames per second...
        max_frames: ...but never more than this many frames per clip.
        max_side: frames are scaled so their longer side is at most this (the detector needs no more).
    """

    every_nth: int = 4
    short_clip_s: float = 10.0
    per_second: float = 1.5
    max_frames: int = 60
    max_side: int = 1280


@dataclass(frozen=True, slots=True)
class VideoInfo:
    #: Upright size of the frames at full resolution.
    width: int
    height: int
    duration_s: float
    fps: float
    #: Display rotation in degrees (counter-clockwise), as the container says.
    rotation: int
    taken_at: TakenAt | None


@dataclass(frozen=True, slots=True)
class VideoFrames:
    info: VideoInfo
    #: ``(seconds from start, upright RGB pixels at reduced size)``.
    frames: list[tuple[float, NDArray[np.uint8]]] = field(repr=False)


def container_taken_at(*metadata: dict[str, str]) -> TakenAt | None:
    """The capture time from container/stream metadata dictionaries, or None."""
    for key in DATE_KEYS:
        for md in metadata:
            raw = md.get(key)
            if not raw:
                continue
            dt = parse_iso_datetime(raw)
            if dt is None:
                continue
            apple = key.startswith("com.apple")
            t = from_aware(dt, "video", keep_offset=apple)
            if is_plausible(t.local, t.offset_min):
                return t
    return None


def sample_times(duration_s: float, fps: float, policy: FramePolicy) -> list[float]:
    """The times (s) of the frames to analyze."""
    if duration_s <= 0 or fps <= 0:
        return [0.0]
    step = policy.every_nth / fps
    if duration_s > policy.short_clip_s:
        step = max(step, 1.0 / policy.per_second)
    n = math.floor(duration_s / step) + 1
    if n > policy.max_frames:
        step = duration_s / policy.max_frames
        n = policy.max_frames
    return [i * step for i in range(n) if i * step < duration_s] or [0.0]


def _upright(rgb: NDArray[np.uint8], rotation: int) -> NDArray[np.uint8]:
    k = round(rotation / 90) % 4
    return np.ascontiguousarray(np.rot90(rgb, k)) if k else rgb


def read_video(path: str | bytes | os.PathLike[str], policy: FramePolicy | None = None,
               with_frames: bool = True) -> VideoFrames:
    """Open a video, read its metadata and decode the sampled frames.

    Raises:
        MediaError: the file cannot be opened or has no decodable video stream.
    """
    policy = policy or FramePolicy()
    with _video_stream(path) as (container, stream):
        fps = float(stream.average_rate or stream.guessed_rate or 25.0)
        if container.duration:
            duration = container.duration / 1e6
        elif stream.duration and stream.time_base:
            duration = float(stream.duration * stream.time_base)
        else:
            duration = stream.frames / fps if stream.frames else 0.0
        taken = container_taken_at(dict(container.metadata), dict(stream.metadata))
        frames: list[tuple[float, NDArray[np.uint8]]] = []
        rotation = 0
        w, h = stream.codec_context.width, stream.codec_context.height
        if with_frames:
            frames, rotation, (w, h) = _decode_samples(container, stream, sample_times(duration, fps, policy),
                                                       policy.max_side)
            if not frames:
                raise MediaError("No picture of this video could be decoded")
        if rotation % 180:
            w, h = h, w
        info = VideoInfo(width=w, height=h, duration_s=duration, fps=fps, rotation=rotation, taken_at=taken)
        return VideoFrames(info=info, frames=frames)


@contextlib.contextmanager
def _video_stream(path: str | bytes | os.PathLike[str]) -> Iterator[tuple[Any, Any]]:
    """The opened container and its first video stream; any failure, on opening or inside the block, is a
    :class:`MediaError`."""
    import av  # imported here: the worker process needs it, the GUI process may not

    f = open_media(path)  # a file object: FFmpeg's own file names must be UTF-8
    try:
        try:
            container = av.open(f, mode="r", metadata_errors="replace")
        except av.FFmpegError as e:
            raise MediaError("Not a video Organizer can read", str(e)) from e
        with container:
            if not container.streams.video:
                raise MediaError("This file has no pictures (sound only?)")
            stream = container.streams.video[0]
            stream.thread_type = "AUTO"
            yield container, stream
    except MediaError:
        raise
    except Exception as e:  # FFmpeg errors of every kind, mid-stream corruption
        raise MediaError("The video is damaged", str(e)) from e
    finally:
        f.close()


def _frame_rgb(frame, max_side: int) -> tuple[NDArray[np.uint8], int]:
    """A decoded frame as upright RGB, longer side at most ``max_side``, and its rotation in degrees."""
    fw, fh = frame.width, frame.height
    s = min(1.0, max_side / max(fw, fh))
    rgb = frame.to_ndarray(format="rgb24", width=max(2, round(fw * s)), height=max(2, round(fh * s)))
    rotation = int(getattr(frame, "rotation", 0) or 0)
    return _upright(rgb, rotation), rotation


def _decode_samples(container, stream, times: list[float], max_side: int):
    """Decode in one pass, keeping the first frame at or after each wanted time."""
    out: list[tuple[float, NDArray[np.uint8]]] = []
    rotation = 0
    size = (stream.codec_context.width, stream.codec_context.height)
    seek = len(times) > 1 and times[1] - times[0] > 2.0  # sparse samples: seeking beats decoding everything
    it = iter(times)
    want = next(it, None)

    def keep(frame, t: float) -> None:
        nonlocal rotation, size
        size = (frame.width, frame.height)
        rgb, rotation = _frame_rgb(frame, max_side)
        out.append((t, rgb))

    if seek:
        for t in times:
            container.seek(int(t * 1e6), backward=True, any_frame=False)  # in AV_TIME_BASE (microseconds)
            for frame in container.decode(stream):
                ft = float(frame.time) if frame.time is not None else t
                if ft + 1e-3 >= t:
                    keep(frame, ft)
                    break
        return out, rotation, size
    try:
        for frame in container.decode(stream):
            if want is None:
                break
            ft = float(frame.time) if frame.time is not None else want
            if ft + 1e-3 >= want:
                keep(frame, ft)
                want = next(it, None)
                while want is not None and want <= ft:
                    want = next(it, None)
    except Exception as e:  # a clip corrupt past some point: keep the frames decoded so far
        if not out:
            raise
        log.info("Video decoding stopped early: %s", e)
    return out, rotation, size


def read_frame(path: str | bytes | os.PathLike[str], t: float, max_side: int = 1280) -> NDArray[np.uint8]:
    """The upright RGB frame shown at ``t`` seconds (the first one at or after it), longer side at most ``max_side``.

    Seeks to the key frame before ``t`` and decodes from there, so a frame late in a long clip costs about one
    group of pictures, not the whole clip. A ``t`` past the end gives the last frame.

    Raises:
        MediaError: the file cannot be opened or no frame can be decoded.
    """
    with _video_stream(path) as (container, stream):
        if t > 0:
            container.seek(int(t * 1e6), backward=True, any_frame=False)  # in AV_TIME_BASE (microseconds)
        last = None
        for frame in container.decode(stream):
            last = frame
            if frame.time is None or float(frame.time) + 1e-3 >= t:
                break
        if last is None:
            raise MediaError("No picture of this video could be decoded")
        return _frame_rgb(last, max_side)[0]
