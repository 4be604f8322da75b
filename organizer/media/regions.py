# SPDX-License-Identifier: MIT
"""Face areas as the Metadata Working Group's regions hold them: normalised, centre-based, in the image *as
stored* (MWG guidelines 2.0, 5.9: a viewer rotates regions with the EXIF orientation as it rotates the pixels),
from and to Organizer's boxes, which are in pixels of the upright image."""

from __future__ import annotations

from collections.abc import Sequence


def stored_size(width: int, height: int, orientation: int | None) -> tuple[int, int]:
    """The stored size of an image whose upright size is ``width`` × ``height`` (EXIF orientation 1..8)."""
    return (height, width) if orientation in (5, 6, 7, 8) else (width, height)


Area = tuple[float, float, float, float]


def stored_area(area: Area, orientation: int | None) -> Area:
    """A normalised, centre-based area of the upright image in the image as stored (EXIF orientation 1..8;
    the inverse of the rotation and flip that :mod:`organizer.media.decode` applies)."""
    x, y, w, h = area
    match orientation:
        case 2:
            return 1 - x, y, w, h
        case 3:
            return 1 - x, 1 - y, w, h
        case 4:
            return x, 1 - y, w, h
        case 5:
            return y, x, h, w
        case 6:
            return y, 1 - x, h, w
        case 7:
            return 1 - y, 1 - x, h, w
        case 8:
            return 1 - y, x, h, w
        case _:
            return x, y, w, h


def upright_area(area: Area, orientation: int | None) -> Area:
    """A normalised, centre-based area of the image as stored (as MWG regions are) in the upright image."""
    x, y, w, h = area
    match orientation:
        case 6:
            return 1 - y, x, h, w
        case 8:
            return y, 1 - x, h, w
        case _:  # the others are their own inverse
            return stored_area(area, orientation)


def face_area(box: Sequence[float], width: int, height: int, orientation: int | None = 1) -> Area | None:
    """The MWG area of a face box ``(x, y, w, h)`` in pixels of the upright image of ``width`` × ``height``.

    The box is clipped to the image (a detector's box may reach past its edge); None when nothing is left.
    """
    if width <= 0 or height <= 0:
        return None
    bx, by, bw, bh = (float(v) for v in box)
    x0, x1 = max(0.0, bx / width), min(1.0, (bx + bw) / width)
    y0, y1 = max(0.0, by / height), min(1.0, (by + bh) / height)
    if x1 <= x0 or y1 <= y0:
        return None
    return stored_area(((x0 + x1) / 2, (y0 + y1) / 2, x1 - x0, y1 - y0), orientation)
