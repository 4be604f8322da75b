# SPDX-License-Identifier: MIT
"""A fake face engine and a small-JPEG writer for the indexing tests and bench/gui_stall.py.

A module of its own (not the conftest) so that tests import it by a name no other test folder uses.
"""

from __future__ import annotations

import time

import cv2
import numpy as np

from organizer.core.types import Box
from organizer.core.types import Detection
from organizer.core.types import Face
from organizer.core.types import FaceAttributes
from organizer.media.decode import DecodedImage


class FakeEngine:
    """One face per image, its embedding derived from the pixels (so identical images match)."""

    embedding_model = "fake:1"
    second_model: str | None = None
    analysis_id = "fake-analysis:1"
    crop_side = 256

    def __init__(self, delay_s: float = 0.0) -> None:
        self.delay_s = delay_s
        self.calls = 0

    def analyze_image(self, image: DecodedImage) -> list[Face]:
        self.calls += 1
        if self.delay_s:
            time.sleep(self.delay_s)
        v = image.pixels.reshape(-1, 3)[:8].astype(np.float32).ravel() + 1.0
        emb = (v / np.linalg.norm(v)).astype(np.float32)
        w, h = image.width, image.height
        det = Detection(Box(w * 0.25, h * 0.25, w * 0.5, h * 0.5), 0.99, tuple((w * 0.5, h * 0.5) for _ in range(5)))
        probs = np.full(100, 0.01, np.float32)
        return [Face(det, FaceAttributes(embedding=emb, p_male=0.3, age=30.0, age_probs=probs))]


def write_jpeg(path, seed: int, size=(64, 48)) -> None:
    rng = np.random.default_rng(seed)
    img = rng.integers(0, 255, (size[1], size[0], 3), dtype=np.uint8)
    ok, buf = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, 90])
    assert ok
    with open(path, "wb") as f:
        f.write(buf.tobytes())


def misbehaving_video_reader(path, policy):
    """Runs in the video worker process: dies on a path with "crash", hangs on one with "hang"."""
    import os

    from organizer.media.video import read_video

    name = os.path.basename(path)
    if "crash" in name:
        os._exit(3)
    if "hang" in name:
        time.sleep(600)
    return read_video(path, policy)
