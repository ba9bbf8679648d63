"""A still picture of the map for one frame, rendered offscreen (for dossiers and self-tests).

Printing the live Leaflet page lays it out wrong, so the dossier embeds a PNG of the same map
the reviewer sees: the camera, its cone, the landmarks and sight lines, the movement tracks,
over the case's tile packs and reference overlays.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QBuffer, QByteArray, QEvent, QEventLoop, QIODevice, Qt, QTimer
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication

from desk.core.casefile import CaseFile
from desk.mapping.scene import scene_for_case

if TYPE_CHECKING:
    from desk.ui.map.map_view import MapView

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


def _page_says(view: MapView, expression: str) -> Callable[[], bool]:
    """A condition for `_wait`: asks the page for `expression` and holds once it answered
    true (the answer arrives on a later turn of the event loop)."""
    answered: dict[str, bool] = {}

    def holds() -> bool:
        view.evaluate(expression, lambda value: answered.__setitem__("done", bool(value)))
        return answered.get("done", False)

    return holds


def _fenced(image: QImage) -> bool:
    """The fence mark (desk_map.css, body.desk-fence) is in the picture's top-left corner."""
    if image.width() < 3 or image.height() < 3:
        return False
    colour = image.pixelColor(2, 2)
    return bool(colour.red() > 240 and colour.green() < 16 and colour.blue() > 240)


def _has_drawing(image: QImage) -> bool:
    """More than a handful of colours in a coarse copy: grid, labels and cone are painted."""
    small = image.scaled(48, 30)
    colours = {small.pixel(x, y) for x in range(small.width()) for y in range(small.height())}
    return len(colours) > 12


class MapSnapshotter:
    """One offscreen map page reused for every frame of an export (a page per frame is slow).

    Tiles are off by default: a dossier must not depend on (or leak requests to) a tile
    server, and the page's graticule and scale bar carry the geometry.
    """

    def __init__(self, case: CaseFile, *, timeout_s: float = 20.0, base_layers: tuple = ()
                 ) -> None:
        from desk.ui.export.pdf_printer import ensure_app
        from desk.ui.map.map_view import MapView

        ensure_app()
        self._case = case
        self._timeout_s = timeout_s
        self._view: MapView | None = MapView(base_layers=base_layers)
        # The case's tile packs this machine has: the pictures show the imagery the
        # reviewer saw (the dossier credits them under each picture).
        from desk.ui.map.case_imagery import CaseImagery

        self._imagery = CaseImagery()
        self._imagery.load(case)
        self._view.set_packs(self._imagery.packs, self._imagery.layers)
        # Its reference overlays too, drawn by the same page code as in the window.
        self._view.set_overlays(self._imagery.overlays)
        self._view.setAttribute(Qt.WidgetAttribute.WA_DontShowOnScreen, True)
        self._view.resize(*SIZE)
        self._view.show()

    def png(self, evidence_id: int) -> bytes | None:
        """PNG bytes of the map centred on one frame, or None when it cannot be drawn."""
        view = self._view
        if view is None:
            return None
        view.show_scene(scene_for_case(self._case, selected=evidence_id))
        if not _wait(lambda: view.is_ready, self._timeout_s):
            return None
        if view.pack_layers:  # the pack's tiles are part of the picture: wait for them
            _wait(_page_says(view, "deskMap.probe().tiles_loaded"), self._timeout_s)
        if view.overlays:  # and the overlays' images, decoded and drawn
            _wait(_page_says(view, "deskMap.probe().overlays_loaded"), self._timeout_s)
        # The page is ready before Chromium has composited it, and the picture a grab returns
        # may lag the page (a loaded machine delivers frames late): the zoom buttons still
        # there, the tiles not yet drawn. So fence it: show a mark, grab until the mark is
        # seen, take it away, and grab until it is gone; that picture is newer than every
        # change made before the mark.
        if not self._fence(view, True, _fenced):
            return None
        shot: dict[str, QImage] = {}

        def drawn(image: QImage) -> bool:
            if not _fenced(image) and _has_drawing(image):
                shot["image"] = image
                return True
            return False

        if not self._fence(view, False, drawn):
            return None
        image = shot["image"]
        data = QByteArray()
        buffer = QBuffer(data)
        buffer.open(QIODevice.OpenModeFlag.WriteOnly)
        image.save(buffer, "PNG")
        buffer.close()
        return bytes(data.data())

    def _fence(self, view: MapView, shown: bool, until: Callable[[QImage], bool]) -> bool:
        """Show (or take away) the fence mark, then grab until `until` holds for the
        picture (a grab newer than the change, whatever frames Chromium still owes)."""
        toggle = "add" if shown else "remove"
        view.evaluate(f"(document.body.classList.add('desk-snapshot'),"
                      f" document.body.classList.{toggle}('desk-fence'), 0)", lambda _value: None)

        def grabbed() -> bool:
            image = view.grab().toImage()
            return not image.isNull() and until(image)

        return _wait(grabbed, self._timeout_s)

    def close(self) -> None:
        if self._view is not None:
            self._view.dispose()
            self._view = None
            QApplication.processEvents()
            # The page must be gone before its profile is (at exit, or the next snapshotter's
            # profile), or Qt WebEngine warns and may crash: deleteLater is not enough alone.
            QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
        self._imagery.close()

    def __enter__(self) -> MapSnapshotter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def render_map_png(case: CaseFile, evidence_id: int, *, timeout_s: float = 20.0,
                   base_layers: tuple = ()) -> bytes | None:
    """PNG of the map for one frame (see MapSnapshotter for several)."""
    with MapSnapshotter(case, timeout_s=timeout_s, base_layers=base_layers) as snapshots:
        return snapshots.png(evidence_id)
