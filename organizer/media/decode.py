# SPDX-License-Identifier: MIT
"""Image files to upright RGB arrays, safely.

Files are read as bytes and decoded from memory: OpenCV's path-based readers crash the process on
file names that are not valid UTF-8, and reading once lets us check the header before the pixels.
The header (through Pillow, which reads only the first bytes) gives the size and EXIF orientation,
so a decompression bomb is refused before any pixel buffer is allocated.
"""

from __future__ import annotations

import io
import logging
import os
import warnings
from dataclasses import dataclass
from dataclasses import field
from typing import Any
from typing import BinaryIO
from typing import cast

import cv2
import numpy as np
from numpy.typing import NDArray
from PIL import Image
from PIL import ImageOps
from PIL import UnidentifiedImageError

from organizer.core.errors import MediaError
from organizer.core.errors import pixels

log = logging.getLogger(__name__)

#: Refuse images with more pixels than this (a 200 MP photo is larger than any phone or DSLR makes).
MAX_PIXELS = 200_000_000
# Pillow's own decompression-bomb check would refuse a huge image at Image.open without saying its size;
# probe() reads every header first and refuses more than MAX_PIXELS, naming the size, before any pixel buffer
# exists (decode() and the previews only ever run after it). Pillow's limit is therefore ours, checked by us.
Image.MAX_IMAGE_PIXELS = None
#: Files larger than this are not images we want to read into memory.
MAX_FILE_BYTES = 512 * 1024 * 1024

PHOTO_EXTENSIONS = frozenset({".jpg", ".jpeg", ".png", ".webp", ".bmp", ".tif", ".tiff", ".heic", ".heif"})

_heif_registered = False


def _register_heif() -> None:
    """Teach Pillow to open HEIC/HEIF (most phone photos) the first time it is needed."""
    global _heif_registered
    if not _heif_registered:
        try:
            from pillow_heif import register_heif_opener

            register_heif_opener()
        except ImportError:  # pragma: no cover - pillow-heif is a declared dependency
            log.warning("pillow-heif is not installed: HEIC/HEIF photos cannot be read")
        _heif_registered = True


@dataclass(frozen=True, slots=True)
class ImageHeader:
    """What the header of an image file says, before decoding."""

    format: str
    #: Size of the stored pixels (before EXIF orientation).
    stored_width: int
    stored_height: int
    #: EXIF orientation tag, 1..8 (1 = upright).
    orientation: int

    @property
    def width(self) -> int:
        """Width of the upright image."""
        return self.stored_height if self.orientation in (5, 6, 7, 8) else self.stored_width

    @property
    def height(self) -> int:
        """Height of the upright image."""
        return self.stored_width if self.orientation in (5, 6, 7, 8) else self.stored_height


@dataclass(frozen=True, slots=True)
class DecodedImage:
    """An upright RGB image, possibly decoded at reduced size."""

    pixels: NDArray[np.uint8] = field(repr=False)
    #: Size of the full-resolution upright image.
    width: int
    height: int
    header: ImageHeader

    @property
    def scale(self) -> float:
        """Decoded pixels per full-resolution pixel (1.0 when decoded at full size)."""
        return int(self.pixels.shape[1]) / self.width


def open_media(path: str | bytes | os.PathLike[str]) -> BinaryIO:
    """Open a media file for reading, turning OS errors into a :class:`MediaError` with a plain message.

    Also refuses empty files. Any file name works (bytes or surrogate-escaped text): the caller passes the
    file object on instead of the path.
    """
    try:
        f = open(path, "rb")  # noqa: SIM115 - returned to the caller, who closes it
    except FileNotFoundError as e:
        raise MediaError("The file was moved or deleted while Organizer was reading it") from e
    except PermissionError as e:
        raise MediaError("Organizer is not allowed to read this file (its permissions)", str(e)) from e
    except IsADirectoryError as e:
        raise MediaError("This is a folder, not a file") from e
    except OSError as e:
        raise MediaError("The file cannot be read", str(e.strerror or e)) from e
    if os.fstat(f.fileno()).st_size == 0:
        f.close()
        raise MediaError("The file is empty (0 bytes)")
    return f


def read_bytes(path: str | bytes | os.PathLike[str]) -> bytes:
    """Read a whole file (see :func:`open_media` for the errors), refusing files over ``MAX_FILE_BYTES``."""
    with open_media(path) as f:
        size = os.fstat(f.fileno()).st_size
        if size > MAX_FILE_BYTES:
            raise MediaError(f"The file is too large to open ({size / 2**20:.0f} MiB)")
        try:
            return f.read()
        except OSError as e:
            raise MediaError("The file cannot be read", str(e.strerror or e)) from e


def probe(data: bytes) -> ImageHeader:
    """Read format, size and EXIF orientation from the header of an encoded image."""
    _register_heif()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # bomb warnings and "Corrupt EXIF data": both handled here
            with Image.open(io.BytesIO(data)) as im:
                fmt = (im.format or "").upper()
                w, h = im.size
                try:
                    orientation = int(im.getexif().get(0x0112, 1))
                except Exception:  # corrupt EXIF must not make the photo unreadable
                    orientation = 1
    except Image.DecompressionBombError as e:
        raise MediaError("The image is too large to open safely", str(e)) from e
    except UnidentifiedImageError as e:
        raise MediaError("Not a photo Organizer can read", str(e)) from e
    except Exception as e:
        raise MediaError("The file is damaged (its header cannot be read)", str(e)) from e
    if orientation not in range(1, 9):
        orientation = 1
    if w <= 0 or h <= 0:
        raise MediaError(f"The file is damaged (it gives its size as {w} × {h} pixels)")
    if w * h > MAX_PIXELS:
        raise MediaError(f"The image is too large to open safely ({pixels(w, h)})",
                         f"limit {MAX_PIXELS // 1_000_000} megapixels")
    return ImageHeader(format=fmt, stored_width=w, stored_height=h, orientation=orientation)


_JPEG_FORMATS = frozenset({"JPEG", "MPO"})
#: Formats decoded by Pillow rather than OpenCV (HEIF through pillow-heif).
_PILLOW_FORMATS = frozenset({"HEIF", "HEIC", "AVIF", "GIF"})


def _jpeg_truncated(data: bytes) -> bool:
    """True when no end-of-image marker follows the last start-of-scan marker.

    0xFF bytes inside entropy-coded data are always stuffed (FF 00), so markers are unambiguous.
    Trailers after the end marker (MPO, maker data) are fine: only a missing end counts.
    """
    last_sos = data.rfind(b"\xff\xda")
    return last_sos < 0 or data.find(b"\xff\xd9", last_sos) < 0


def _reduction_for(header: ImageHeader, min_side: int | None) -> int:
    """The largest JPEG DCT reduction (1, 2, 4, 8) that keeps the longer side at least ``min_side``."""
    if not min_side or header.format not in _JPEG_FORMATS:
        return 1
    longer = max(header.stored_width, header.stored_height)
    for r in (8, 4, 2):
        if longer / r >= min_side:
            return r
    return 1


_REDUCED_FLAGS = {1: cv2.IMREAD_COLOR, 2: cv2.IMREAD_REDUCED_COLOR_2, 4: cv2.IMREAD_REDUCED_COLOR_4,
                  8: cv2.IMREAD_REDUCED_COLOR_8}


def _cvt_color(img: NDArray[np.uint8], code: int) -> NDArray[np.uint8]:
    # cv2's stubs type every result as MatLike (any dtype); converting 8-bit pixels gives 8-bit pixels.
    return cast("NDArray[np.uint8]", cv2.cvtColor(img, code))


def _to_rgb8(img: NDArray[Any]) -> NDArray[np.uint8]:
    """Any OpenCV decode (grey, BGR, BGRA, 16-bit) to 8-bit RGB; transparency is composited on white."""
    if img.dtype == np.uint16:
        img = (img >> 8).astype(np.uint8)
    elif img.dtype != np.uint8:
        img = cv2.normalize(img, None, 0, 255, cv2.NORM_MINMAX).astype(np.uint8)
    if img.ndim == 2:
        return _cvt_color(img, cv2.COLOR_GRAY2RGB)
    if img.shape[2] == 4:
        alpha = img[:, :, 3:4].astype(np.float32) / 255.0
        bgr = img[:, :, :3].astype(np.float32) * alpha + 255.0 * (1.0 - alpha)
        return _cvt_color(bgr.astype(np.uint8), cv2.COLOR_BGR2RGB)
    return _cvt_color(img, cv2.COLOR_BGR2RGB)


def _apply_orientation(rgb: NDArray[np.uint8], orientation: int) -> NDArray[np.uint8]:
    """Rotate/flip stored pixels so that the image is upright (EXIF orientation 1..8)."""
    ops = {
        2: lambda a: a[:, ::-1],
        3: lambda a: a[::-1, ::-1],
        4: lambda a: a[::-1, :],
        5: lambda a: a.transpose(1, 0, 2),
        6: lambda a: a.transpose(1, 0, 2)[:, ::-1],
        7: lambda a: a.transpose(1, 0, 2)[::-1, ::-1],
        8: lambda a: a.transpose(1, 0, 2)[::-1, :],
    }
    op = ops.get(orientation)
    return rgb if op is None else np.ascontiguousarray(op(rgb))


def _decode_with_pillow(data: bytes) -> NDArray[np.uint8]:
    """Fallback decoder (HEIC/HEIF and what OpenCV cannot read); returns upright RGB."""
    _register_heif()
    try:
        with Image.open(io.BytesIO(data)) as src:
            im = ImageOps.exif_transpose(src)
            if im.mode in ("RGBA", "LA", "PA") or (im.mode == "P" and "transparency" in im.info):
                im = im.convert("RGBA")
                bg = Image.new("RGBA", im.size, (255, 255, 255, 255))
                im = Image.alpha_composite(bg, im)
            return np.asarray(im.convert("RGB"), dtype=np.uint8).copy()
    except Exception as e:
        raise MediaError("The file is damaged and cannot be decoded", str(e)) from e


def decode(data: bytes, min_side: int | None = None, header: ImageHeader | None = None) -> DecodedImage:
    """Decode an encoded image to upright RGB.

    Args:
        data: the whole encoded file.
        min_side: when given, a JPEG may be decoded at 1/2, 1/4 or 1/8 size (much faster) as long as
            its longer side stays at least this long. Other formats decode at full size.
        header: the result of :func:`probe`, if already known.

    Returns:
        The upright RGB pixels and the full-resolution upright size.

    Raises:
        MediaError: the data is not a readable image, is truncated beyond use or is too large.
    """
    header = header or probe(data)
    if header.format in _JPEG_FORMATS and _jpeg_truncated(data):
        raise MediaError("The file is damaged or incomplete (it ends before the picture does)",
                         "truncated JPEG")
    if header.format in _PILLOW_FORMATS:
        rgb = _decode_with_pillow(data)
    else:
        buf = np.frombuffer(data, dtype=np.uint8)
        reduction = _reduction_for(header, min_side)
        if reduction > 1:
            flags = _REDUCED_FLAGS[reduction] | cv2.IMREAD_IGNORE_ORIENTATION
        elif header.format in ("PNG", "WEBP", "TIFF"):
            flags = cv2.IMREAD_UNCHANGED | cv2.IMREAD_IGNORE_ORIENTATION
        else:
            flags = cv2.IMREAD_COLOR | cv2.IMREAD_IGNORE_ORIENTATION
        img = cv2.imdecode(buf, flags)
        if img is None or img.size == 0:
            # OpenCV lacks some codecs and variants (e.g. some TIFF compressions); Pillow may have them.
            rgb = _decode_with_pillow(data)
        else:
            rgb = _apply_orientation(_to_rgb8(img), header.orientation)
    if rgb.ndim != 3 or rgb.shape[0] == 0 or rgb.shape[1] == 0:
        raise MediaError("The file is damaged and cannot be decoded", "the decoded image is empty")
    return DecodedImage(pixels=rgb, width=header.width, height=header.height, header=header)


def load_image(path: str | bytes | os.PathLike[str], min_side: int | None = None) -> DecodedImage:
    """Read and decode an image file (see :func:`decode`)."""
    return decode(read_bytes(path), min_side=min_side)
