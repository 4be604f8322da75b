# SPDX-License-Identifier: MIT
"""The ONNX model files: where they are, what they must hash to, and loading them once."""

from __future__ import annotations

import hashlib
import logging
import os
import sys
import threading
from dataclasses import dataclass
from pathlib import Path

import onnxruntime as ort

from organizer.core.errors import ModelError
from organizer.vision.session import RuntimeOptions
from organizer.vision.session import create_session

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ModelSpec:
    """One ONNX file in ``models/`` and the sha256 it must have (see ``models/MODELS.md``)."""

    key: str
    filename: str
    sha256: str


FACERES = ModelSpec(
    "faceres", "faceres.onnx", "820b1e3af97f08a11c2c497f18b911eaa1bfb5877707fe3df920e5c67aad11ce"
)
#: The same network fine-tuned for age and gender; only its age and gender outputs are used (averaged with faceres').
FACERES_DEEP = ModelSpec(
    "faceres_deep", "faceres-deep.onnx", "4a9ded2ee97f08894ddd8e332d624804c91c9d16c4deb72b4d5fea5118541001"
)
#: dlib's face recognition ResNet as ported by face-api.js (vision/dlib_resnet.py): the second identity network
#: until FACEPLUGIN_RECOGNITION replaced it; the app no longer runs it (the benchmarks still do).
FACEAPI_RECOGNITION = ModelSpec(
    "faceapi_recognition", "faceapi_recognition.onnx",
    "e7da5caeff1d2baa8785fa9efd4ded050bec42226870703f964f0e31996bff40",
)
#: Faceplugin's ArcFace-type face feature network: the second identity network (vision/arcface.py).
FACEPLUGIN_RECOGNITION = ModelSpec(
    "faceplugin_recognition", "faceplugin_recognition.onnx",
    "a3482859ac045910e68528ec01a7b78d5b446f626ad1d0a5f8876ac5a56a09c8",
)
MTCNN_PNET = ModelSpec(
    "mtcnn_pnet", "mtcnn_pnet.onnx", "9719517fe1b46591cd49264d1f15e0495e5dab053eca500c5899bf0c204e20bb"
)
MTCNN_RNET = ModelSpec(
    "mtcnn_rnet", "mtcnn_rnet.onnx", "6e749bab4c9fee948173d352e0e4fd58fc68ffa56dff065c7ed27723ead1c607"
)
MTCNN_ONET = ModelSpec(
    "mtcnn_onet", "mtcnn_onet.onnx", "5f198ce03bd5400f0f6d5be00af990393b680cbbe32e762b18629a4a8893bca1"
)
#: face-api.js's expression network: seven expression probabilities per face (vision/expression.py).
FACEAPI_EXPRESSION = ModelSpec(
    "faceapi_expression", "faceapi_expression.onnx",
    "e2a53f17d3e3d04236a518519349eaaed3faa9a275279777c51a5d9af0da69cd",
)

#: The models whose files make the analysis id (vision/engine.py): replacing one re-analyzes every file.
ANALYSIS_MODELS = (FACERES, FACERES_DEEP, FACEPLUGIN_RECOGNITION, MTCNN_PNET, MTCNN_RNET, MTCNN_ONET)
#: Every model file (verified at start-up, bundled). The expression network is left out of the analysis id: it
#: came after libraries were indexed, and a face analyzed before it shows no expression until its file is
#: re-analyzed, rather than every library re-analyzing every file for it.
ALL_MODELS = (*ANALYSIS_MODELS, FACEAPI_EXPRESSION)


def default_models_dir() -> Path:
    """Where the model files are: ``$ORGANIZER_MODELS_DIR``, the frozen bundle, or ``models/`` of the source tree."""
    env = os.environ.get("ORGANIZER_MODELS_DIR")
    if env:
        return Path(env)
    frozen = getattr(sys, "_MEIPASS", None)
    if frozen:
        return Path(frozen) / "models"
    return Path(__file__).resolve().parents[2] / "models"


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def read_verified(spec: ModelSpec, models_dir: Path) -> bytes:
    """Read a model file and check its sha256.

    Raises:
        ModelError: naming the file, when it is missing, unreadable or not the expected file.
    """
    path = models_dir / spec.filename
    try:
        data = path.read_bytes()
    except FileNotFoundError as e:
        raise ModelError(f"model file missing: {path} (reinstall Organizer, or run models/convert/convert_all.py)") \
            from e
    except OSError as e:
        raise ModelError(f"cannot read model file {path}: {e}") from e
    digest = sha256_of(data)
    if digest != spec.sha256:
        raise ModelError(
            f"model file corrupt or wrong version: {path} has sha256 {digest[:16]}..., "
            f"expected {spec.sha256[:16]}... (reinstall Organizer or re-run the conversion)"
        )
    return data


class ModelStore:
    """Loads each model once, lazily and thread-safely, and keeps its session for the run."""

    def __init__(self, models_dir: Path | None = None, options: RuntimeOptions | None = None) -> None:
        self.models_dir = models_dir or default_models_dir()
        self.options = options or RuntimeOptions()
        self._sessions: dict[str, ort.InferenceSession] = {}
        self._lock = threading.Lock()

    def session(self, spec: ModelSpec) -> ort.InferenceSession:
        with self._lock:
            sess = self._sessions.get(spec.key)
            if sess is None:
                data = read_verified(spec, self.models_dir)
                sess = create_session(data, spec.filename, self.options)
                self._sessions[spec.key] = sess
            return sess

    def verify_all(self) -> None:
        """Check every model file now (for start-up), raising :class:`ModelError` on the first bad one."""
        for spec in ALL_MODELS:
            read_verified(spec, self.models_dir)
