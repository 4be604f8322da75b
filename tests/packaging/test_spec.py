# SPDX-License-Identifier: MIT
"""The PyInstaller bundle's file list (packaging/bundle_files.py, read by packaging/organizer.spec), without a build."""

from __future__ import annotations

import ast
import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

from organizer import APP_ID
from organizer.cluster import distance
from organizer.vision.models import ALL_MODELS

REPO = Path(__file__).resolve().parents[2]
PACKAGING = REPO / "packaging"


def _load_bundle_files() -> ModuleType:
    # Loaded by path: "packaging" is also the name of a PyPI distribution, so it is not imported as a package.
    spec = importlib.util.spec_from_file_location("organizer_bundle_files", PACKAGING / "bundle_files.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def bundle_files() -> ModuleType:
    return _load_bundle_files()


@pytest.fixture(scope="module")
def datas(bundle_files: ModuleType) -> list[tuple[str, str]]:
    return bundle_files.datas(REPO)


def _bundled(datas: list[tuple[str, str]]) -> set[str]:
    """The bundle-relative paths of the data files, e.g. ``models/faceres.onnx``."""
    return {(Path(dest) / Path(src).name).as_posix() for src, dest in datas}


def test_every_source_exists(datas: list[tuple[str, str]]) -> None:
    assert datas
    missing = [src for src, _ in datas if not Path(src).is_file()]
    assert not missing, missing
    for src, dest in datas:
        assert not Path(dest).is_absolute(), dest
        assert Path(src).resolve().is_relative_to(REPO), src


def test_destinations_are_unique(datas: list[tuple[str, str]]) -> None:
    paths = [(Path(dest) / Path(src).name).as_posix() for src, dest in datas]
    assert len(paths) == len(set(paths))


def test_all_models_are_bundled(datas: list[tuple[str, str]]) -> None:
    bundled = _bundled(datas)
    for spec in ALL_MODELS:
        assert f"models/{spec.filename}" in bundled, spec.filename
    assert "models/MODELS.md" in bundled
    assert "models/SHA256SUMS" in bundled
    assert "models/faceplugin_recognition.LICENSE.txt" in bundled
    # dlib's ResNet, the second identity network before, stays in models/ for the benchmarks: not shipped
    assert "models/faceapi_recognition.onnx" not in bundled


def test_icon_and_desktop_entry_are_bundled(datas: list[tuple[str, str]]) -> None:
    bundled = _bundled(datas)
    assert f"resources/{APP_ID}.desktop" in bundled
    assert f"resources/icons/{APP_ID}.svg" in bundled
    pngs = [p for p in bundled if p.startswith("resources/icons/hicolor/") and p.endswith(f"/apps/{APP_ID}.png")]
    assert pngs, "no hicolor PNG icons"
    # The bundle's layout under resources/ mirrors the source tree, as organizer.resources expects.
    for src, dest in datas:
        if dest.startswith("resources"):
            rel = Path(src).resolve().relative_to(REPO)
            assert rel.parent.as_posix() == Path(dest).as_posix(), (src, dest)


def test_cluster_mean_embedding_is_bundled(datas: list[tuple[str, str]]) -> None:
    # distance.py loads it next to its own __file__, which is <_MEIPASS>/organizer/cluster/ when frozen.
    assert distance.MEAN_EMBEDDING_FILE.name == "mean_embedding.npy"
    assert "organizer/cluster/mean_embedding.npy" in _bundled(datas)


def test_spec_uses_bundle_files() -> None:
    """The spec parses, builds from the launcher, and takes its datas, hidden imports and excludes from bundle_files."""
    text = (PACKAGING / "organizer.spec").read_text(encoding="utf-8")
    tree = ast.parse(text)
    calls = {n.func.id: n for n in ast.walk(tree) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)}
    for name in ("Analysis", "PYZ", "EXE", "COLLECT"):
        assert name in calls, name
    analysis = {k.arg: ast.unparse(k.value) for k in calls["Analysis"].keywords}
    assert analysis["datas"] == "bundle_files.datas(ROOT)"
    assert "bundle_files.HIDDEN_IMPORTS" in analysis["hiddenimports"]
    assert "bundle_files.QT_EXCLUDES" in analysis["excludes"]
    assert "launcher.py" in ast.unparse(calls["Analysis"].args[0])
    assert (PACKAGING / "launcher.py").is_file()
    exe = {k.arg: ast.unparse(k.value) for k in calls["EXE"].keywords}
    assert exe["name"] == "'organizer'"
    assert exe["exclude_binaries"] == "True"  # one-folder: the binaries go to COLLECT
    assert "import organizer" in text


def test_hidden_imports_and_excludes_are_sane(bundle_files: ModuleType) -> None:
    for name in bundle_files.HIDDEN_IMPORTS:
        if name.startswith("organizer."):
            assert importlib.util.find_spec(name) is not None, name
    # Qt modules the app itself needs must never be excluded.
    for needed in ("PySide6.QtCore", "PySide6.QtGui", "PySide6.QtWidgets", "PySide6.QtSvg"):
        assert needed not in bundle_files.QT_EXCLUDES
