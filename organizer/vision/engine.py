# SPDX-License-Identifier: MIT
"""The face engine as indexing sees it, built in one place for the app and the CLI.

:class:`FaceEngine` is what the indexer needs (so tests can fake it); :class:`AnalyzerEngine` adapts the real
:class:`~organizer.vision.analyzer.FaceAnalyzer` to it. Two identifiers are stored with every analyzed file:

* ``embedding_model`` names the space of the identity embeddings (the identity network's file and the crop
  that feeds it): embeddings of different spaces are never compared; ``second_model`` names the second identity
  network's space the same way (``face_embedding.model``);
* ``analysis_id`` covers everything that shapes a stored result: every model file (detector, both networks),
  the age calibration, the gender threshold, the crop and detector settings. Indexing re-analyzes every file
  whose ``analysis_id`` differs, so replacing any model or calibration leaves no stale age or gender behind.
  The expression network is left out (``models.ANALYSIS_MODELS``): a face analyzed before it has no expression.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import threading
from collections.abc import Callable
from collections.abc import Sequence
from typing import Protocol

from organizer.core.types import Box
from organizer.core.types import Face
from organizer.media.decode import DecodedImage
from organizer.vision import models
from organizer.vision.analyzer import AnalyzerSettings
from organizer.vision.analyzer import FaceAnalyzer

#: Settings that change how fast, not what: left out of the analysis id.
_SPEED_ONLY = {"batch_size"}


class FaceEngine(Protocol):
    """What indexing needs from the face analyzer."""

    #: The identity embedding space (stored with every embedding).
    embedding_model: str
    #: The second identity network's space (its embeddings are stored under this name), None if it has none.
    second_model: str | None
    #: Everything that shapes the stored faces (stored with every analyzed file).
    analysis_id: str
    #: JPEGs are decoded at reduced size as long as the longer side stays at least this long.
    crop_side: int

    def analyze_image(self, image: DecodedImage) -> list[Face]: ...


class BoxEngine(FaceEngine, Protocol):
    """An engine that also describes faces the user drew (see :mod:`organizer.services.drawn_faces`)."""

    def analyze_boxes(self, image: DecodedImage, boxes: Sequence[Box]) -> list[Face]: ...


def _digest(obj: object) -> str:
    return hashlib.sha256(json.dumps(obj, sort_keys=True, default=str).encode()).hexdigest()[:12]


def embedding_model_id(settings: AnalyzerSettings) -> str:
    """The identity space: the identity network's file and the crop that feeds it."""
    e = settings.embedder
    return f"faceres:{_digest([models.FACERES.sha256, e.margin, e.flip])}"


def second_model_id(settings: AnalyzerSettings) -> str:
    """The second identity network's space: its file and the chip that feeds it (``dlib:...`` until the
    ArcFace-type network replaced dlib's ResNet; those rows are no longer read)."""
    d = settings.identity
    return f"arcface:{_digest([models.FACEPLUGIN_RECOGNITION.sha256, 'arcface-112', d.flip])}"


def analysis_id(settings: AnalyzerSettings, specs: tuple[models.ModelSpec, ...] = models.ANALYSIS_MODELS) -> str:
    """An id of every model file and every setting and calibration that shapes a stored result."""
    described = {k: v for k, v in dataclasses.asdict(settings).items()}
    for part in ("embedder", "identity"):
        described[part] = {k: v for k, v in described[part].items() if k not in _SPEED_ONLY}
    return f"a:{_digest({'models': sorted(s.sha256 for s in specs), 'settings': described})}"


class AnalyzerEngine:
    """Adapts :class:`FaceAnalyzer` to :class:`FaceEngine`."""

    def __init__(self, analyzer: FaceAnalyzer) -> None:
        self._analyzer = analyzer
        self.crop_side = analyzer.settings.crop_side
        self.embedding_model = embedding_model_id(analyzer.settings)
        self.second_model: str | None = second_model_id(analyzer.settings)
        self.analysis_id = analysis_id(analyzer.settings)

    def analyze_image(self, image: DecodedImage) -> list[Face]:
        return self._analyzer.analyze_image(image)

    def analyze_boxes(self, image: DecodedImage, boxes: Sequence[Box]) -> list[Face]:
        """Faces the user drew (boxes in full-resolution pixels), described without detection."""
        return self._analyzer.analyze_boxes(image, boxes)


def load_engine() -> AnalyzerEngine:
    """The real engine, every model file verified first (raises ModelError naming a bad file)."""
    analyzer = FaceAnalyzer()
    analyzer.store.verify_all()
    return AnalyzerEngine(analyzer)


def shared_engine_factory(load: Callable[[], FaceEngine] = load_engine) -> Callable[[], FaceEngine]:
    """A factory that loads the engine on first use (behind a lock) and then returns the same one.

    The app indexes many times in one session; the models are loaded once, and only when something needs
    analysis (an unchanged library re-indexes without loading them).
    """
    lock = threading.Lock()
    cache: list[FaceEngine] = []

    def make() -> FaceEngine:
        with lock:
            if not cache:
                cache.append(load())
            return cache[0]

    return make


def current_analysis_id() -> str:
    """The analysis id of the engine :func:`load_engine` builds (computed without loading any model)."""
    return analysis_id(AnalyzerSettings())


def identity_space_id(settings: AnalyzerSettings) -> str:
    """The space the persons are clustered in: both identity networks' spaces."""
    return f"{embedding_model_id(settings)}+{second_model_id(settings)}"


def current_identity_space() -> str:
    """:func:`identity_space_id` of the engine :func:`load_engine` builds (no model loaded)."""
    return identity_space_id(AnalyzerSettings())


def current_second_model() -> str:
    """The second identity network's space of the engine :func:`load_engine` builds (no model loaded)."""
    return second_model_id(AnalyzerSettings())
