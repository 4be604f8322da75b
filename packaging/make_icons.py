# SPDX-License-Identifier: MIT
"""Render the app icon's PNG sizes from its SVG (run after editing the SVG; the PNGs are committed).

    QT_QPA_PLATFORM=offscreen python packaging/make_icons.py

Writes ``resources/icons/hicolor/<N>x<N>/apps/<app id>.png`` for the sizes desktops look for.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from organizer import APP_ID
from organizer import resources

SIZES = (16, 24, 32, 48, 64, 128, 256, 512)


def main() -> int:
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QGuiApplication
    from PySide6.QtGui import QImage
    from PySide6.QtGui import QPainter
    from PySide6.QtSvg import QSvgRenderer

    app = QGuiApplication.instance() or QGuiApplication([])
    renderer = QSvgRenderer(str(resources.icon_svg()))
    for n in SIZES:
        img = QImage(n, n, QImage.Format.Format_ARGB32)
        img.fill(Qt.GlobalColor.transparent)
        p = QPainter(img)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        renderer.render(p)
        p.end()
        out = resources.path(f"icons/hicolor/{n}x{n}/apps/{APP_ID}.png")
        out.parent.mkdir(parents=True, exist_ok=True)
        img.save(str(out))
        print(out)
    del app
    return 0


if __name__ == "__main__":
    sys.exit(main())
