# SPDX-License-Identifier: MIT
"""The person page's model: the person's whole photos (and video frames), oldest first, previews loaded lazily."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import IntEnum

from PySide6.QtCore import QAbstractListModel
from PySide6.QtCore import QMimeData
from PySide6.QtCore import QModelIndex
from PySide6.QtCore import QPersistentModelIndex
from PySide6.QtCore import QSize
from PySide6.QtCore import Qt
from PySide6.QtCore import QTimer
from PySide6.QtGui import QColor
from PySide6.QtGui import QImage
from PySide6.QtGui import QPixmap

from organizer.services.browse_service import BrowseService
from organizer.services.browse_service import PhotoOfPerson
from organizer.ui.images import HIGHLIGHT  # noqa: F401 (re-exported: the colour of the person's face)
from organizer.ui.images import draw_face_boxes
from organizer.ui.images import read_image
from organizer.ui.images import read_video_frame
from organizer.ui.models.lru import LruCache
from organizer.ui.models.person_model import FACES_MIME
from organizer.ui.workers import Pools

PREVIEW_SIDE = 200
#: A face smaller than this share of its photo's longer side is shown with its region, not in the whole photo.
SMALL_FACE = 0.1
#: The region shown around a small face: this many face sides wide (the face with its context), 4:3.
REGION_FACES = 5
#: The largest decode for a region (a face region of a 40 MP photo is cut from at most this longer side).
REGION_DECODE = 4096
#: Previews rendered per io-pool task.
FETCH_BATCH = 4
OTHER = QColor(255, 255, 255, 200)
#: Where a doubt's first clause ends: the caption shows that much ("far from Anna's other faces").
REASON_END = re.compile(r" \(|; ")


class PhotoRole(IntEnum):
    FaceId = Qt.ItemDataRole.UserRole + 1
    MediaId = Qt.ItemDataRole.UserRole + 2
    Path = Qt.ItemDataRole.UserRole + 3
    Taken = Qt.ItemDataRole.UserRole + 4
    AgeAtPhoto = Qt.ItemDataRole.UserRole + 5
    Photo = Qt.ItemDataRole.UserRole + 6
    #: Why the face may not belong to the person (the page's Check mode, organizer.ui.person_check); empty: it does.
    Doubts = Qt.ItemDataRole.UserRole + 7


@dataclass(frozen=True, slots=True)
class PhotoRow:
    photo: PhotoOfPerson
    age_at_photo: float | None
    doubts: tuple[str, ...] = ()


def preview_region(p: PhotoOfPerson) -> tuple[float, float, float, float] | None:
    """The part of the photo its preview shows, in full-resolution pixels, or None for the whole photo.

    On a large photo with a small face the whole photo would show a face of a few pixels: the preview shows the
    face's region then (the face with about two face sides of context around it), 4:3 like most photos.
    """
    full_w, full_h = p.width or 0, p.height or 0
    x, y, w, h = p.box
    if p.kind == "video" or not full_w or not full_h or max(w, h) >= SMALL_FACE * max(full_w, full_h):
        return None
    rw = min(float(full_w), max(w, h) * REGION_FACES)
    rh = min(float(full_h), rw * 3 / 4)
    rx = min(max(0.0, x + w / 2 - rw / 2), full_w - rw)
    ry = min(max(0.0, y + h / 2 - rh / 2), full_h - rh)
    return rx, ry, rw, rh


def preview_size(p: PhotoOfPerson, side: int = PREVIEW_SIDE) -> QSize:
    """The size of the preview :func:`render_preview` makes, known without decoding anything."""
    region = preview_region(p)
    w, h = (region[2], region[3]) if region else (p.width or 4, p.height or 3)
    s = side / max(w, h, 1)
    return QSize(max(1, round(w * s)), max(1, round(h * s)))


def _region_preview(p: PhotoOfPerson, region: tuple[float, float, float, float], side: int) -> QImage:
    full_w, full_h = p.width or 0, p.height or 0
    rx, ry, rw, rh = region
    decode_side = min(REGION_DECODE, round(side * max(full_w, full_h) / max(rw, rh)))
    img = read_image(p.path, decode_side)
    if img.isNull():
        return img
    img = draw_face_boxes(img, p.faces, p.face_id, (full_w, full_h), OTHER)
    s = img.width() / full_w
    crop = img.copy(round(rx * s), round(ry * s), max(1, round(rw * s)), max(1, round(rh * s)))
    return crop.scaled(side, side, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation)


def render_preview(browse: BrowseService, p: PhotoOfPerson, side: int = PREVIEW_SIDE,
                   frames: dict[tuple[str, float], QImage] | None = None) -> QImage:
    """A preview of the whole photo with every face box, the person's face highlighted (runs on a pool thread);
    of the face's region when the face is small on a large photo (:func:`preview_region`).

    Videos show the frame in which the person appears, with that frame's face boxes; when the frame cannot be
    decoded any more (file moved, codec gone), the face crop stored at indexing stands in for it.
    """
    if p.kind == "video":
        # Several faces of one frame share one decode (``frames``: a memo for the batch being rendered).
        key = (p.path, p.frame_s or 0.0)
        img = frames.get(key) if frames is not None else None
        if img is None:
            img = read_video_frame(p.path, key[1], side)
            if frames is not None:
                frames[key] = img
        if img.isNull():
            data = browse.face_thumbnails([p.face_id]).get(p.face_id)
            img = QImage.fromData(data) if data else QImage()
            return img.scaled(side, side, Qt.AspectRatioMode.KeepAspectRatio) if not img.isNull() else img
    else:
        region = preview_region(p)
        if region is not None:
            return _region_preview(p, region, side)
        img = read_image(p.path, side)
    return draw_face_boxes(img, p.faces, p.face_id, (p.width or 0, p.height or 0), OTHER)


def photo_date(taken, source: str | None) -> str:
    """A photo's date as the captions show it, saying where it came from unless the photo itself said it."""
    if taken is None:
        return "no date"
    day = taken.strftime("%Y-%m-%d")
    if source == "folder":
        return f"{taken.year} (from the folder)"
    if source == "name":
        return f"{day} (from the file name)"
    if source == "file":
        return f"{day} (file date)"
    return day  # EXIF, XMP or the video's own date


def caption(row: PhotoRow) -> str:
    p = row.photo
    when = photo_date(p.taken, p.date_source)
    age = f" \u00b7 age {row.age_at_photo:.0f}" if row.age_at_photo is not None else ""
    if row.doubts:  # the first reason takes the second line (the tooltip has every reason)
        return f"{when}{age}\n\u26a0 {REASON_END.split(row.doubts[0])[0]}"
    video = f"\n\u25b6 video at {p.frame_s:.1f} s" if p.kind == "video" and p.frame_s is not None else ""
    return f"{when}{age}{video}"


class PhotoGridModel(QAbstractListModel):
    """Rows are :class:`PhotoRow`; previews come from a small LRU cache filled by the io pool."""

    def __init__(self, browse: BrowseService, pools: Pools, capacity: int = 600, parent=None) -> None:
        super().__init__(parent)
        self._browse = browse
        self._pools = pools
        self._rows: list[PhotoRow] = []
        self._cache: LruCache[int, QPixmap] = LruCache(capacity)
        self._wanted: set[int] = set()
        self._in_flight: set[int] = set()
        self._generation = 0
        self._timer = QTimer(self, singleShot=True, interval=0)
        self._timer.timeout.connect(self._fetch)
        self._placeholder = QPixmap(PREVIEW_SIDE, PREVIEW_SIDE * 3 // 4)
        self._placeholder.fill(QColor(128, 128, 128, 60))

    def set_rows(self, rows: Sequence[PhotoRow]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self._generation += 1  # previews of the previous person arriving late are dropped
        self._wanted.clear()
        self._in_flight.clear()
        self.endResetModel()

    def row(self, i: int) -> PhotoRow:
        return self._rows[i]

    def rows(self) -> list[PhotoRow]:
        return list(self._rows)

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        r = self._rows[index.row()]
        p = r.photo
        if role == Qt.ItemDataRole.DisplayRole:
            return caption(r)
        if role == Qt.ItemDataRole.DecorationRole:
            return self._preview(p.face_id)
        if role == Qt.ItemDataRole.ToolTipRole:
            return "\n".join([p.path, *(f"\u26a0 {d}" for d in r.doubts)])
        return {PhotoRole.FaceId: p.face_id, PhotoRole.MediaId: p.media_id, PhotoRole.Path: p.path,
                PhotoRole.Taken: p.taken, PhotoRole.AgeAtPhoto: r.age_at_photo, PhotoRole.Photo: p,
                PhotoRole.Doubts: r.doubts}.get(role)

    def flags(self, index: QModelIndex | QPersistentModelIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsDragEnabled

    def mimeTypes(self) -> list[str]:
        return [FACES_MIME]

    def mimeData(self, indexes) -> QMimeData:
        ids = sorted({self._rows[i.row()].photo.face_id for i in indexes if i.isValid()})
        md = QMimeData()
        md.setData(FACES_MIME, json.dumps(ids).encode())
        return md

    def supportedDragActions(self) -> Qt.DropAction:
        return Qt.DropAction.MoveAction

    # -- previews

    def _preview(self, face_id: int) -> QPixmap:
        pm = self._cache.get(face_id)
        if pm is not None:
            return pm
        if face_id not in self._in_flight:
            self._wanted.add(face_id)
            self._timer.start()
        return self._placeholder

    def _fetch(self) -> None:
        by_face = {r.photo.face_id: r.photo for r in self._rows}
        todo = [by_face[f] for f in sorted(self._wanted) if f in by_face]
        self._wanted.clear()
        if not todo:
            return
        self._in_flight.update(p.face_id for p in todo)
        gen, browse = self._generation, self._browse
        # Small batches, so previews appear as they are made and the io pool's threads share the work; the faces
        # of one video frame stay in one batch (sorted next to each other) to share its decode.
        todo.sort(key=lambda p: (p.path, p.frame_s or 0.0))
        for i in range(0, len(todo), FETCH_BATCH):
            batch = todo[i:i + FETCH_BATCH]

            def work(batch=batch) -> dict[int, QImage]:
                frames: dict[tuple[str, float], QImage] = {}
                return {p.face_id: render_preview(browse, p, frames=frames) for p in batch}

            self._pools.run(self._pools.io, work, lambda res, g=gen: self._arrived(g, res))

    def _arrived(self, generation: int, images: dict[int, QImage]) -> None:
        if generation != self._generation:
            return
        for fid, img in images.items():
            self._in_flight.discard(fid)
            self._cache.put(fid, QPixmap.fromImage(img) if not img.isNull() else self._placeholder)
        rows = [i for i, r in enumerate(self._rows) if r.photo.face_id in images]
        if rows:
            self.dataChanged.emit(self.index(min(rows), 0), self.index(max(rows), 0),
                                  [Qt.ItemDataRole.DecorationRole])
