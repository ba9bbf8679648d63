"""The one object the map page can reach through QWebChannel.

The page shows untrusted text, so it is treated as untrusted too: it may only report gestures
as numbers and ids. Every slot checks types and ranges and ignores anything else; there are no
paths, no HTML, no strings and no eval. The Qt signals desk listens to live on a separate
object (`events`) that is not published to the page.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from PySide6.QtCore import QEvent, QObject, Signal, Slot


class MapEvents(QObject):
    """What the reviewer did on the map, after checking (not visible to the page)."""

    ready = Signal()
    painted = Signal(float)
    clicked = Signal(float, float)  # lat, lon
    point_picked = Signal(int)  # evidence id
    camera_dragged = Signal(int, float, float, bool)  # evidence id, lat, lon, final
    view_dragged = Signal(int, float, float, bool)  # evidence id, heading, fov, final
    track_drawn = Signal(float, float, float, float)  # start lat, lon, end lat, lon
    track_moved = Signal(int, int, float, float)  # movement id, 0 start / 1 end, lat, lon
    measure_added = Signal(float, float)  # a ruler end or an area corner: lat, lon
    measure_hovered = Signal(float, float)  # the pointer while measuring: lat, lon
    measure_finished = Signal()  # an area outline is complete (double click, Enter)
    measure_cancelled = Signal()  # Esc in the page


def _finite(*values: object) -> bool:
    return all(isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)
               for v in values)


def valid_position(lat: object, lon: object) -> bool:
    return _finite(lat, lon) and -90.0 <= lat <= 90.0 and -180.0 <= lon <= 180.0  # type: ignore[operator]


class MapBridge(QObject):
    """Published to the page as `bridge`; its slots are the page's whole vocabulary."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.events = MapEvents()
        self._known: frozenset[int] = frozenset()
        self._movements: frozenset[int] = frozenset()
        self.rejected = 0  # calls refused; a test or a log can notice a misbehaving page

    def event(self, event: QEvent) -> bool:
        """QWebChannel also publishes QObject.deleteLater; a page must not delete the bridge.

        (Deleting the bridge with its parent does not go through this deferred path.)
        """
        if event.type() == QEvent.Type.DeferredDelete:
            self._reject()
            return True
        return super().event(event)

    def set_known_ids(self, ids: Iterable[int]) -> None:
        """Evidence ids the page may name (those it was given)."""
        self._known = frozenset(int(i) for i in ids)

    def set_known_movements(self, ids: Iterable[int]) -> None:
        """Movement ids whose ground tracks the page may move (those it was given)."""
        self._movements = frozenset(int(i) for i in ids)

    def _id_ok(self, evidence_id: object) -> bool:
        ok = (isinstance(evidence_id, int) and not isinstance(evidence_id, bool)
              and evidence_id > 0 and evidence_id in self._known)
        if not ok:
            self.rejected += 1
        return ok

    def _reject(self) -> None:
        self.rejected += 1

    @Slot()
    def ready(self) -> None:
        self.events.ready.emit()

    @Slot(float)
    def painted(self, milliseconds: float) -> None:
        if _finite(milliseconds) and milliseconds >= 0:
            self.events.painted.emit(float(milliseconds))
        else:
            self._reject()

    @Slot(float, float)
    def mapClicked(self, lat: float, lon: float) -> None:  # noqa: N802 - the page's name
        if valid_position(lat, lon):
            self.events.clicked.emit(float(lat), float(lon))
        else:
            self._reject()

    @Slot(int)
    def pointSelected(self, evidence_id: int) -> None:  # noqa: N802
        if self._id_ok(evidence_id):
            self.events.point_picked.emit(evidence_id)

    @Slot(int, float, float, bool)
    def cameraMoved(self, evidence_id: int, lat: float, lon: float,  # noqa: N802
                    final: bool) -> None:
        if not self._id_ok(evidence_id):
            return
        if valid_position(lat, lon) and isinstance(final, bool):
            self.events.camera_dragged.emit(evidence_id, float(lat), float(lon), final)
        else:
            self._reject()

    @Slot(int, float, float, bool)
    def headingChanged(self, evidence_id: int, heading: float, fov: float,  # noqa: N802
                       final: bool) -> None:
        if not self._id_ok(evidence_id):
            return
        if (_finite(heading, fov) and 0.0 <= heading <= 360.0 and 1.0 <= fov <= 179.0
                and isinstance(final, bool)):
            self.events.view_dragged.emit(evidence_id, float(heading) % 360.0, float(fov), final)
        else:
            self._reject()

    @Slot(float, float, float, float)
    def trackDrawn(self, start_lat: float, start_lon: float, end_lat: float,  # noqa: N802
                   end_lon: float) -> None:
        """Two clicks in track mode: where a movement starts and ends on the ground."""
        if (valid_position(start_lat, start_lon) and valid_position(end_lat, end_lon)
                and (start_lat, start_lon) != (end_lat, end_lon)):
            self.events.track_drawn.emit(float(start_lat), float(start_lon), float(end_lat),
                                         float(end_lon))
        else:
            self._reject()

    @Slot(int, int, float, float)
    def trackMoved(self, movement_id: int, end: int, lat: float, lon: float) -> None:  # noqa: N802
        """An end of a ground track was dragged to a new position (the drag is over)."""
        known = (isinstance(movement_id, int) and not isinstance(movement_id, bool)
                 and movement_id in self._movements)
        if (known and isinstance(end, int) and not isinstance(end, bool) and end in (0, 1)
                and valid_position(lat, lon)):
            self.events.track_moved.emit(movement_id, end, float(lat), float(lon))
        else:
            self._reject()

    @Slot(float, float)
    def measureAdd(self, lat: float, lon: float) -> None:  # noqa: N802
        """A click while measuring: the next ruler end or area corner (nothing is saved)."""
        if valid_position(lat, lon):
            self.events.measure_added.emit(float(lat), float(lon))
        else:
            self._reject()

    @Slot(float, float)
    def measureHover(self, lat: float, lon: float) -> None:  # noqa: N802
        if valid_position(lat, lon):
            self.events.measure_hovered.emit(float(lat), float(lon))
        else:
            self._reject()

    @Slot()
    def measureFinish(self) -> None:  # noqa: N802
        self.events.measure_finished.emit()

    @Slot()
    def measureCancel(self) -> None:  # noqa: N802
        self.events.measure_cancelled.emit()
