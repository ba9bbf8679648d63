"""A still picture of the map for one frame, rendered offscreen (for dossiers and self-tests).

Printing the live Leaflet page lays it out wrong, so the dossier embeds a PNG of the same map
the reviewer sees: the camera, its cone, the landmarks and sight lines, the movement tracks.
"""

from __future__ import annotations

import time

from PySide6.QtCore import QBuffer, QByteArray, QEventLoop, QIODevice, Qt, QTimer
from PySide6.QtWidgets import QApplication

from desk.core.casefile import CaseFile
from desk.mapping.scene import scene_for_case

#: Pixels of the picture; the dossier shows it at about half this width.
SIZE = (960, 600)


def _wait(condition: object, timeout_s: float) -> bool:
    deadline = time.monotonic() + timeout_s
    loop = QEventLoop()
    while not condition():  # type: ignore[operator]
        if time.monotonic() > deadline:
            return False
        QTimer.singleShot(20, loop.quit)
        loop.exec()
    return True


def render_map_png(case: CaseFile, evidence_id: int, *, timeout_s: float = 20.0,
                   base_layers: tuple = ()) -> bytes | None:
    """PNG bytes of the map centred on one frame, or None when it cannot be drawn in time.

    Tiles are off by default: a dossier must not depend on (or leak requests to) a tile
    server, and the page's graticule and scale bar carry the geometry.
    """
    from desk.ui.map_view import MapView
    from desk.ui.pdf_printer import ensure_app

    ensure_app()
    view = MapView(base_layers=base_layers)
    try:
        view.setAttribute(Qt.WidgetAttribute.WA_DontShowOnScreen, True)
        view.resize(*SIZE)
        view.show()
        view.show_scene(scene_for_case(case, selected=evidence_id))
        if not _wait(lambda: view.is_ready, timeout_s):
            return None
        painted: dict[str, bool] = {}
        # Two animation frames after the data is drawn, the canvas is on screen.
        view.evaluate("new Promise(r => requestAnimationFrame(() => requestAnimationFrame("
                      "() => r(true))))", lambda value: painted.setdefault("done", True))
        _wait(lambda: painted.get("done"), 5.0)
        QApplication.processEvents()
        image = view.grab().toImage()
        if image.isNull():
            return None
        data = QByteArray()
        buffer = QBuffer(data)
        buffer.open(QIODevice.OpenModeFlag.WriteOnly)
        image.save(buffer, "PNG")
        buffer.close()
        return bytes(data.data())
    finally:
        view.dispose()
        QApplication.processEvents()
