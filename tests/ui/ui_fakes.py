# SPDX-License-Identifier: MIT
"""Fakes for the window tests: a slow face engine (runs long enough to steer), an album of noise JPEGs, and a
count of the library's media."""

from __future__ import annotations

import threading
import time

import cv2
import numpy as np
from sqlalchemy import func
from sqlalchemy import select

from organizer.core.types import Box
from organizer.core.types import Detection
from organizer.core.types import Face
from organizer.core.types import FaceAttributes
from organizer.db.models import Media


class SlowEngine:
    """One face per image after a short sleep, so that a run of a few dozen files lasts long enough to steer."""

    embedding_model = "fake:slow"
    second_model = None
    analysis_id = "fake-analysis:slow"
    crop_side = 64

    def __init__(self, delay_s: float = 0.03) -> None:
        self.delay_s = delay_s
        self._lock = threading.Lock()
        self.calls = 0

    def analyze_image(self, image) -> list[Face]:
        time.sleep(self.delay_s)
        with self._lock:
            self.calls += 1
        # 1024 dims like the real embedder, so the live clustering can centre them with the stored mean.
        v = np.random.default_rng(int(image.pixels[:4].sum())).standard_normal(1024).astype(np.float32)
        w, h = image.width, image.height
        det = Detection(Box(w * 0.25, h * 0.25, w * 0.5, h * 0.5), 0.99, tuple((w * 0.5, h * 0.5) for _ in range(5)))
        attrs = FaceAttributes(embedding=(v / np.linalg.norm(v)).astype(np.float32), p_male=0.3, age=30.0,
                               age_probs=np.full(100, 0.01, np.float32))
        return [Face(det, attrs)]


def make_album(root, n: int):
    root.mkdir()
    rng = np.random.default_rng(0)
    for i in range(n):
        cv2.imwrite(str(root / f"{i:03d}.jpg"), rng.integers(0, 255, (48, 64, 3), dtype=np.uint8))
    return root


def n_media(library, status=None) -> int:
    q = select(func.count()).select_from(Media)
    if status is not None:
        q = q.where(Media.status == status)
    with library() as s:
        return int(s.scalar(q))
