# SPDX-License-Identifier: MIT
"""Face thumbnails loaded lazily, in batches, off the GUI thread, and kept in a bounded LRU cache.

Views ask for a face only when they paint it (``data(DecorationRole)``), so a grid of 5 000 persons loads the few
dozen visible faces, not all of them. Requests made during one paint are gathered and fetched in one query on the
io pool; JPEGs are decoded to QImage there (safe off the GUI thread) and turned into QPixmaps on arrival.
"""

from __future__ import annotations

from PySide6.QtCore import QObject
from PySide6.QtCore import Qt
from PySide6.QtCore import QTimer
from PySide6.QtCore import Signal
from PySide6.QtGui import QColor
from PySide6.QtGui import QImage
from PySide6.QtGui import QPixmap

from organizer.services.browse_service import BrowseService
from organizer.ui.models.lru import LruCache
from organizer.ui.workers import Pools

THUMB_SIDE = 96


def _decode_all(browse: BrowseService, face_ids: list[int]) -> dict[int, QImage]:
    out = {}
    for fid, data in browse.face_thumbnails(face_ids).items():
        img = QImage.fromData(data)
        if not img.isNull():
            out[fid] = img
    for fid in face_ids:
        out.setdefault(fid, QImage())  # no thumbnail: remembered, so it is not asked for again
    return out


class ThumbnailCache(QObject):
    """``get(face_id)`` returns a QPixmap or a placeholder and schedules the load; ``loaded`` tells who arrived."""

    loaded = Signal(list)

    def __init__(self, browse: BrowseService, pools: Pools, capacity: int = 4000, parent: QObject | None = None):
        super().__init__(parent)
        self._browse = browse
        self._pools = pools
        self._cache: LruCache[int, QPixmap] = LruCache(capacity)
        self._wanted: set[int] = set()
        self._in_flight: set[int] = set()
        self._timer = QTimer(self, singleShot=True, interval=0)
        self._timer.timeout.connect(self._fetch)
        self.placeholder = QPixmap(THUMB_SIDE, THUMB_SIDE)
        self.placeholder.fill(QColor(128, 128, 128, 60))

    def get(self, face_id: int | None) -> QPixmap:
        if face_id is None:
            return self.placeholder
        pm = self._cache.get(face_id)
        if pm is not None:
            return pm if not pm.isNull() else self.placeholder
        if face_id not in self._in_flight:
            self._wanted.add(face_id)
            self._timer.start()
        return self.placeholder

    def cached(self, face_id: int) -> bool:
        return face_id in self._cache

    def clear(self) -> None:
        self._cache.clear()

    def _fetch(self) -> None:
        ids = sorted(self._wanted)
        self._wanted.clear()
        if not ids:
            return
        self._in_flight.update(ids)
        self._pools.run(self._pools.io, lambda: _decode_all(self._browse, ids), self._arrived,
                        lambda _e: self._in_flight.difference_update(ids))

    def _arrived(self, images: dict[int, QImage]) -> None:
        for fid, img in images.items():
            self._in_flight.discard(fid)
            pm = QPixmap.fromImage(img.scaled(THUMB_SIDE, THUMB_SIDE, Qt.AspectRatioMode.KeepAspectRatio,
                                              Qt.TransformationMode.SmoothTransformation)) if not img.isNull() \
                else QPixmap()
            self._cache.put(fid, pm)
        self.loaded.emit(list(images))
