# SPDX-License-Identifier: MIT
"""The data files of the frozen bundle: one list, read by ``organizer.spec`` and checked by the tests.

Each entry is ``(source, destination folder inside the bundle)``, the form of PyInstaller's ``datas``. The app finds
them under ``sys._MEIPASS``: ``models/`` (organizer.vision.models.default_models_dir), ``resources/``
(organizer.resources.resources_dir) and ``organizer/cluster/`` (organizer.cluster.distance and .fusion load their
``.npy`` and ``.npz`` files next to their own ``__file__``, which a frozen module has under ``sys._MEIPASS``).
"""

from __future__ import annotations

from pathlib import Path

#: Qt modules the app never loads (directly or through pyqtgraph), left out of the bundle to save space.
QT_EXCLUDES = (
    "PySide6.QtConcurrent",
    "PySide6.QtDBus",
    "PySide6.QtDesigner",
    "PySide6.QtHelp",
    "PySide6.QtNetwork",
    "PySide6.QtPrintSupport",
    "PySide6.QtQml",
    "PySide6.QtQuick",
    "PySide6.QtQuickControls2",
    "PySide6.QtQuickTest",
    "PySide6.QtQuickWidgets",
    "PySide6.QtSql",
    "PySide6.QtSvgWidgets",
    "PySide6.QtUiTools",
    "PySide6.QtXml",
)

#: Python packages that are installed (dev tools, other Qt bindings) but not used by the app.
#: Several are optional imports of scipy, pyqtgraph or onnxruntime (torch alone would add gigabytes).
PY_EXCLUDES = (
    "tkinter",
    "PyQt5",
    "PyQt6",
    "PySide2",
    "IPython",
    "matplotlib",
    "pandas",
    "torch",
    "tensorflow",
    "jax",
    "cupy",
    "dask",
    "sympy",
    "mpmath",
    "networkx",
    "sklearn",
    "joblib",
    "cloudpickle",
    "numba",
    "h5py",
    "onnx",
    "ml_dtypes",
    "jinja2",
    "fsspec",
    "narwhals",
    "rich",
    "pygments",
    "click",
    "pytest",
    "pytestqt",
    "grimp",
    "importlinter",
    "pyqtgraph.examples",
    "pyqtgraph.jupyter",
    "pyqtgraph.opengl",
)

#: Modules imported lazily (inside functions) or by name that PyInstaller's analysis may not see.
HIDDEN_IMPORTS = (
    "organizer.app",
    "organizer.cli.analyze",
    "organizer.cli.desktop",
    "organizer.cli.index",
    "organizer.cli.people",
    "organizer.cli.status",
    "sqlalchemy.dialects.sqlite",
    "sqlalchemy.dialects.sqlite.pysqlite",
    "av",
    "pillow_heif",
    "PySide6.QtSvg",
)


def datas(repo_root: Path | str) -> list[tuple[str, str]]:
    """The ``(source file, bundle folder)`` pairs of the app's data files, sources under ``repo_root``."""
    root = Path(repo_root)
    models = root / "models"
    out: list[tuple[str, str]] = []
    # the app's model files (not every .onnx: dlib's ResNet stays in models/ for the benchmarks only)
    from organizer.vision.models import ALL_MODELS

    for name in sorted(spec.filename for spec in ALL_MODELS):
        out.append((str(models / name), "models"))
    for name in ("MODELS.md", "SHA256SUMS"):
        out.append((str(models / name), "models"))
    for f in sorted(models.glob("*.LICENSE.txt")):  # the licence texts the model packages ship
        out.append((str(f), "models"))
    resources = root / "resources"
    for f in sorted(p for p in resources.rglob("*") if p.is_file()):
        out.append((str(f), str(Path("resources") / f.parent.relative_to(resources))))
    for f in sorted(p for p in (root / "organizer" / "cluster").iterdir() if p.suffix in (".npy", ".npz")):
        out.append((str(f), "organizer/cluster"))
    return out
