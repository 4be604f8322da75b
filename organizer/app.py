# SPDX-License-Identifier: MIT
"""Composition root of the desktop app: paths -> logging -> database -> services -> QApplication -> MainWindow.

The only module that wires concrete objects together; everything below it receives its dependencies.
"""

from __future__ import annotations

import logging
import sys
import threading
from collections.abc import Callable

from organizer import APP_ID
from organizer import APP_NAME
from organizer import __version__
from organizer import config
from organizer import log as logsetup

log = logging.getLogger(__name__)


def _engine_factory() -> Callable:
    """One face analyser for the whole session, loaded on first use (behind a lock) and then reused."""
    lock = threading.Lock()
    cache: dict = {}

    def make():
        with lock:
            if "engine" not in cache:
                from organizer.services.index_service import AnalyzerEngine
                from organizer.vision.analyzer import FaceAnalyzer

                analyzer = FaceAnalyzer()
                analyzer.store.verify_all()
                cache["engine"] = AnalyzerEngine(analyzer)
            return cache["engine"]

    return make


def _check_models(parent) -> None:
    """Verify the model files at start-up (sha256, ~0.1 s) so a broken install is named before any indexing."""
    from PySide6.QtWidgets import QMessageBox

    from organizer.core.errors import ModelError
    from organizer.vision.models import ModelStore

    try:
        ModelStore().verify_all()
    except ModelError as e:
        log.error("%s", e)
        QMessageBox.critical(parent, APP_NAME, f"{e}\n\nPhotos cannot be analysed until this is fixed; "
                                               "the library can still be browsed.")


def settle_gc() -> None:
    """Move everything loaded at start-up out of the garbage collector's reach.

    Qt, numpy, scipy, SQLAlchemy and the models leave a large object graph behind; a full collection walks
    it all while holding the GIL, and the GUI thread then stalls for ~100 ms (bench/gui_stall.py --real:
    max gap 109 ms before, 43 ms after). Objects made later are collected as usual.
    """
    import gc

    gc.collect()
    gc.freeze()


def main(argv: list[str] | None = None) -> int:
    logsetup.setup(logging.WARNING, config.log_dir() / "organizer.log")
    from PySide6.QtCore import QSettings
    from PySide6.QtGui import QGuiApplication
    from PySide6.QtWidgets import QApplication

    from organizer.db.engine import open_library
    from organizer.services.browse_service import BrowseService
    from organizer.services.index_service import IndexService
    from organizer.services.index_service import IndexSettings
    from organizer.services.people_service import PeopleService
    from organizer.ui.main_window import AppContext
    from organizer.ui.main_window import MainWindow

    db = config.db_path()
    engine, sessions = open_library(db)
    log.info("Library %s", db)
    make_engine = _engine_factory()

    def make_indexer(frames):
        return IndexService(sessions, make_engine, IndexSettings(frames=frames))

    app = QApplication(sys.argv if argv is None else [sys.argv[0], *argv])
    app.setApplicationName(APP_NAME)
    app.setOrganizationName(APP_NAME)
    app.setApplicationVersion(__version__)
    QGuiApplication.setDesktopFileName(APP_ID)
    from PySide6.QtGui import QIcon

    from organizer import resources

    app.setWindowIcon(QIcon(str(resources.icon_svg())))
    # The default style follows the system's light/dark colour scheme (Qt 6.5+); Fusion does so on every platform.
    app.setStyle("Fusion")

    def excepthook(etype, value, tb) -> None:
        log.critical("Unhandled exception", exc_info=(etype, value, tb))

    sys.excepthook = excepthook
    ctx = AppContext(people=PeopleService(sessions), browse=BrowseService(sessions), make_indexer=make_indexer,
                     settings=QSettings())
    window = MainWindow(ctx)
    window.show()
    _check_models(window)
    settle_gc()
    try:
        return app.exec()
    finally:
        engine.dispose()


if __name__ == "__main__":
    sys.exit(main())
