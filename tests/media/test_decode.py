# SPDX-License-Identifier: MIT
"""Decoding: orientation, odd pixel formats, reduced decode and hostile files."""

from __future__ import annotations

import io
import os
import struct
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from organizer.core.errors import MediaError
from organizer.media.decode import decode
from organizer.media.decode import load_image
from organizer.media.decode import probe


def _gradient(w: int, h: int) -> np.ndarray:
    """An RGB test card: red grows to the right, green grows downwards, a blue block top-left."""
    x = np.linspace(0, 255, w, dtype=np.float32)[None, :].repeat(h, 0)
    y = np.linspace(0, 255, h, dtype=np.float32)[:, None].repeat(w, 1)
    img = np.stack([x, y, np.zeros_like(x)], axis=2).astype(np.uint8)
    img[: h // 4, : w // 4, 2] = 255
    return img


def _jpeg(img: np.ndarray, orientation: int = 1, quality: int = 95) -> bytes:
    im = Image.fromarray(img)
    exif = Image.Exif()
    if orientation != 1:
        exif[0x0112] = orientation
    buf = io.BytesIO()
    im.save(buf, "JPEG", quality=quality, exif=exif.tobytes())
    return buf.getvalue()


@pytest.mark.parametrize("orientation", range(1, 9))
def test_exif_orientation_gives_the_upright_image(orientation: int) -> None:
    upright = _gradient(64, 40)
    # Store the pixels the way a camera would for this orientation, so decoding must undo it.
    im = Image.fromarray(upright)
    inverse = {2: Image.Transpose.FLIP_LEFT_RIGHT, 3: Image.Transpose.ROTATE_180, 4: Image.Transpose.FLIP_TOP_BOTTOM,
               5: Image.Transpose.TRANSPOSE, 6: Image.Transpose.ROTATE_90, 7: Image.Transpose.TRANSVERSE,
               8: Image.Transpose.ROTATE_270}
    stored = np.asarray(im.transpose(inverse[orientation])) if orientation != 1 else upright
    out = decode(_jpeg(stored, orientation))
    assert (out.width, out.height) == (64, 40)
    assert out.pixels.shape == (40, 64, 3)
    assert np.abs(out.pixels.astype(int) - upright.astype(int)).mean() < 6


def test_greyscale_and_alpha_and_16bit_png() -> None:
    grey = Image.fromarray(np.full((10, 12), 200, np.uint8), "L")
    buf = io.BytesIO()
    grey.save(buf, "PNG")
    assert decode(buf.getvalue()).pixels.shape == (10, 12, 3)

    rgba = np.zeros((8, 8, 4), np.uint8)
    rgba[..., 0] = 255
    rgba[:4, :, 3] = 255  # top half opaque red, bottom half fully transparent
    buf = io.BytesIO()
    Image.fromarray(rgba, "RGBA").save(buf, "PNG")
    px = decode(buf.getvalue()).pixels
    assert tuple(px[0, 0]) == (255, 0, 0)
    assert tuple(px[7, 7]) == (255, 255, 255)

    deep = (np.arange(16 * 16, dtype=np.uint16).reshape(16, 16) * 256)
    buf = io.BytesIO()
    Image.fromarray(deep).save(buf, "PNG")
    assert decode(buf.getvalue()).pixels.dtype == np.uint8


def test_reduced_decode_keeps_the_minimum_side() -> None:
    data = _jpeg(_gradient(1600, 1200), quality=90)
    full = decode(data)
    reduced = decode(data, min_side=400)
    assert full.pixels.shape == (1200, 1600, 3)
    assert reduced.pixels.shape == (300, 400, 3)
    assert reduced.scale == pytest.approx(0.25)
    assert (reduced.width, reduced.height) == (1600, 1200)


def test_heic_is_decoded(tmp_path: Path) -> None:
    pillow_heif = pytest.importorskip("pillow_heif")
    img = _gradient(64, 48)
    path = tmp_path / "phone.heic"
    try:
        pillow_heif.from_pillow(Image.fromarray(img)).save(path, quality=95)
    except Exception as e:  # pragma: no cover - depends on the wheel's encoders
        pytest.skip(f"this pillow-heif cannot encode HEIC: {e}")
    out = load_image(path)
    assert out.pixels.shape == (48, 64, 3)
    assert np.abs(out.pixels.astype(int) - img.astype(int)).mean() < 12


def _png_header_only(w: int, h: int) -> bytes:
    ihdr = struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)
    chunk = b"IHDR" + ihdr
    end = struct.pack(">I", 0) + b"IEND" + struct.pack(">I", zlib.crc32(b"IEND"))
    return b"\x89PNG\r\n\x1a\n" + struct.pack(">I", len(ihdr)) + chunk + struct.pack(">I", zlib.crc32(chunk)) + end


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty"),
        (b"hello, this is a text file and not a photo\n" * 3, "Not a photo Organizer can read"),
        (_png_header_only(30000, 30000), "too large"),
    ],
)
def test_bad_files_give_clear_errors(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "bad.jpg"
    path.write_bytes(content)
    with pytest.raises(MediaError, match=message):
        load_image(path)


def test_truncated_jpeg_is_an_error() -> None:
    data = _jpeg(_gradient(200, 200))
    with pytest.raises(MediaError, match="damaged or incomplete"):
        decode(data[: len(data) // 2])


def test_missing_and_unreadable_files(tmp_path: Path) -> None:
    with pytest.raises(MediaError, match="moved or deleted"):
        load_image(tmp_path / "gone.jpg")
    locked = tmp_path / "locked.jpg"
    locked.write_bytes(_jpeg(_gradient(16, 16)))
    locked.chmod(0)
    try:
        if os.access(locked, os.R_OK):
            pytest.skip("running as a user who can read anything (root): permissions cannot be tested")
        with pytest.raises(MediaError, match="permission"):
            load_image(locked)
    finally:
        locked.chmod(0o644)


def test_wrong_extension_is_still_decoded(tmp_path: Path) -> None:
    buf = io.BytesIO()
    Image.fromarray(_gradient(20, 10)).save(buf, "PNG")
    path = tmp_path / "really_a_png.jpg"
    path.write_bytes(buf.getvalue())
    assert probe(path.read_bytes()).format == "PNG"
    assert load_image(path).pixels.shape == (10, 20, 3)


def test_non_utf8_file_name_is_read(tmp_path: Path) -> None:
    name = os.fsencode(tmp_path) + b"/caf\xe9_\xff.jpg"
    with open(name, "wb") as f:
        f.write(_jpeg(_gradient(32, 24)))
    assert load_image(name).pixels.shape == (24, 32, 3)
    assert load_image(os.fsdecode(name)).pixels.shape == (24, 32, 3)
