# SPDX-License-Identifier: MIT
"""Composition root of the desktop app: paths -> logging -> database -> services -> QApplication -> MainWindow.

The only module that wires concrete objects together; everything below it receives its dependencies.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

from organizer import APP_ID
from organizer import APP_NAME
from organizer import __version__
from organizer import config
from organizer import log as logsetup

if TYPE_CHECKING:
    from pathlib import Path

    from PySide6.QtCore import QSettings
    from PySide6.QtNetwork import QLocalServer
    from sqlalchemy.orm import Session
    from sqlalchemy.orm import sessionmaker

    from organizer.ui.main_window import MainWindow
    from organizer.vision.engine import FaceEngine

log = logging.getLogger(__name__)

#: After the window closed (it waits up to ~4.5 s for running work to stop), how long the pools get at most.
QUIT_GRACE_MS = 500


def log_file():
    return config.log_dir() / "organizer.log"


def _check_models(parent) -> None:
    """Verify the model files at start-up (sha256, ~0.1 s) so a broken install is named before any indexing."""
    from PySide6.QtWidgets import QMessageBox

    from organizer.core.errors import ModelError
    from organizer.vision.models import ModelStore

    try:
        ModelStore().verify_all()
    except ModelError as e:
        log.error("%s", e)
        QMessageBox.critical(parent, APP_NAME, f"{e}\n\nPhotos cannot be analyzed until this is fixed; "
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


def build_window(sessions: sessionmaker[Session], settings: QSettings | None = None,
                 engine: Callable[[], FaceEngine] | None = None) -> MainWindow:
    """The main window over one library, wired as the app runs it: the library's services, an indexer with the
    real face engine (loaded once, on first need) and the library's video sampling, and the desktop's QSettings."""
    from PySide6.QtCore import QSettings

    from organizer.services.index_service import library_indexer
    from organizer.ui.context import AppContext
    from organizer.ui.main_window import MainWindow
    from organizer.vision.engine import shared_engine_factory

    make_engine = engine or shared_engine_factory()

    def make_indexer(frames):
        return library_indexer(sessions, frames, make_engine)

    return MainWindow(AppContext.for_library(sessions, make_indexer, settings or QSettings(), make_engine))


#: Settings that Organizer 0.x kept in the desktop's QSettings and now keeps in the library: (QSettings key, field).
_OLD_DESKTOP_SETTINGS = (("cluster/threshold", "threshold"), ("cluster/min_faces", "min_faces"),
                         ("cluster/min_span_days", "min_span_days"), ("video/every_nth", "every_nth"),
                         ("video/per_second", "per_second"), ("video/max_frames", "max_frames"))


def carry_over_settings(desktop: QSettings, sessions: sessionmaker[Session]) -> None:
    """Move the settings an earlier Organizer kept on the desktop into the library, once (the library wins)."""
    from organizer.db.migrations.v005_face_embedding import carried_threshold
    from organizer.services.settings_service import SettingsService

    old = {field: desktop.value(key) for key, field in _OLD_DESKTOP_SETTINGS if desktop.contains(key)}
    if not old:
        return
    service = SettingsService(sessions)
    if not service.stored():
        try:
            kinds = {f: type(getattr(service.load(), f)) for f in old}
            if "threshold" in old:  # the desktop's threshold was one of the faceres-only space (schema < 5)
                old["threshold"] = carried_threshold(float(old["threshold"]))
            service.save(service.load().replace(**{f: kinds[f](v) for f, v in old.items()}))
            log.info("Library settings taken over from the desktop's: %s", old)
        except (TypeError, ValueError) as e:
            log.warning("Ignoring the desktop's old settings %s: %s", old, e)
    for key, _field in _OLD_DESKTOP_SETTINGS:
        desktop.remove(key)


def instance_name(db: Path) -> str:
    """The local-socket name of the window that has ``db`` open (per user and library)."""
    import hashlib

    uid = os.getuid() if hasattr(os, "getuid") else 0
    return f"organizer-{uid}-{hashlib.sha256(os.fsencode(db)).hexdigest()[:16]}"


def show_running_window(db: Path, timeout_ms: int = 1500) -> bool:
    """Ask the window that has ``db`` open to come forward; False when no window answers."""
    from PySide6.QtNetwork import QLocalSocket

    sock = QLocalSocket()
    sock.connectToServer(instance_name(db))
    if not sock.waitForConnected(timeout_ms):
        return False
    sock.write(b"show\n")
    ok = sock.waitForBytesWritten(timeout_ms)
    sock.disconnectFromServer()
    return bool(ok)


def listen_for_second_starts(db: Path, window: MainWindow) -> QLocalServer:
    """Bring ``window`` forward whenever Organizer is started again on the same library."""
    from PySide6.QtNetwork import QLocalServer

    name = instance_name(db)
    QLocalServer.removeServer(name)  # a socket left by a crash (this process holds the library's lock)
    server = QLocalServer(window)

    def come_forward() -> None:
        conn = server.nextPendingConnection()
        if conn is not None:
            conn.disconnected.connect(conn.deleteLater)
        if window.isMinimized():
            window.showNormal()
        window.show()
        window.raise_()
        window.activateWindow()

    server.newConnection.connect(come_forward)
    if not server.listen(name):
        log.warning("A second start of Organizer cannot reach this window: %s", server.errorString())
    return server


def main(argv: list[str] | None = None, log_level: int = logging.WARNING) -> int:
    """Runs the desktop app; ``log_level`` is the console's (``organizer -v``), the log file keeps INFO and up."""
    logsetup.setup(log_level, log_file())
    from organizer import platform_check

    missing = platform_check.missing_libraries()
    if missing:  # Qt would abort with a misleading message; say what to install instead (terminal and log)
        message = platform_check.install_message(missing)
        print(message, file=sys.stderr)
        log.error("%s", message)
        return 1
    from PySide6.QtGui import QGuiApplication
    from PySide6.QtGui import QIcon
    from PySide6.QtWidgets import QApplication

    from organizer import resources
    from organizer.db.engine import open_library
    from organizer.ui import crash

    app = QApplication(sys.argv if argv is None else [sys.argv[0], *argv])
    app.setApplicationName(APP_NAME)
    app.setOrganizationName(APP_NAME)
    app.setApplicationVersion(__version__)
    QGuiApplication.setDesktopFileName(APP_ID)
    app.setWindowIcon(QIcon(str(resources.icon_svg())))
    # The default style follows the system's light/dark colour scheme (Qt 6.5+); Fusion does so on every platform.
    app.setStyle("Fusion")
    crash.install(log_file(), app)  # sys.excepthook keeps the reporter referenced

    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QMessageBox

    from organizer.core.errors import LibraryError
    from organizer.db.lock import LibraryBusyError
    from organizer.db.lock import LibraryLock

    db = config.db_path()
    # One window per library: a second start brings the running window forward; an indexing run from the
    # command line holding the library is named (organizer.db.lock says why only one process writes).
    lock = LibraryLock(db, "the Organizer window")
    try:
        lock.acquire()
    except LibraryBusyError as e:
        if show_running_window(db):
            log.info("Organizer is already running on %s: its window was brought forward", db)
            return 0
        log.error("%s", e)
        QMessageBox.critical(None, APP_NAME, str(e))
        return e.exit_code
    try:
        engine, sessions = open_library(db)
    except LibraryError as e:
        lock.release()
        log.error("Cannot open the library: %s", e, exc_info=e)
        QMessageBox.critical(None, APP_NAME, f"The library cannot be opened:\n\n{e}")
        return e.exit_code
    log.info("Library %s", db)
    desktop = QSettings()
    carry_over_settings(desktop, sessions)
    window = build_window(sessions, desktop)
    server = listen_for_second_starts(db, window)
    window.show()
    _check_models(window)
    settle_gc()
    rc = app.exec()
    # The window stopped the running work before it closed; nothing is disposed under a live writer thread.
    if not window.pools.wait(QUIT_GRACE_MS):
        log.error("Background work did not stop in time; quitting without it (SQLite rolls back what it was writing)")
        logging.shutdown()
        os._exit(rc)
    server.close()
    engine.dispose()
    lock.release()
    return rc


if __name__ == "__main__":
    sys.exit(main())
