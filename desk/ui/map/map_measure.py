"""The map's ruler and area tool: holds the clicked points, asks desk.mapping.measure for the
numbers and hands the page what to draw. Nothing is written to the case: a measurement lives
while its tool is on and goes when the reviewer presses Esc or turns the tool off."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject, Signal

from desk.mapping import measure
from desk.ui.map.map_view import MapView

_HINTS = {
    measure.RULER: ("Ruler: click the first point · Esc stops",
                    "Ruler: click the second point · Esc stops",
                    "{label} · click to measure again · Esc stops"),
    measure.AREA: ("Area: click the first corner · Esc stops",
                   "Area: click the next corner, double-click or Enter to close · Esc stops",
                   "{label} · click to start another · Esc stops"),
}


class MeasureTool(QObject):
    """One measurement at a time, ruler or area, shown on `view`."""

    #: The readout changed (a sentence; empty when no tool is on).
    changed = Signal(str)

    def __init__(self, view: MapView) -> None:
        super().__init__(view)
        self._view = view
        self.kind = ""
        self._points: list[tuple[float, float]] = []
        self._closed = False
        self.result: dict[str, Any] | None = None
        self.text = ""  # the measurement's numbers, once there are some
        self.hint = ""  # what the map says to do next (or the numbers, when done)
        events = view.events
        events.measure_added.connect(self._add)
        events.measure_hovered.connect(self._hover)
        events.measure_finished.connect(self._finish)

    @property
    def active(self) -> bool:
        return bool(self.kind)

    def start(self, kind: str) -> None:
        if kind not in (measure.RULER, measure.AREA):
            raise ValueError(f"not a measuring tool: {kind!r}")
        self.kind = kind
        self._reset()
        self._show(None)

    def stop(self) -> None:
        """Turn the tool off; the measurement goes with it."""
        if not self.kind:
            return
        self.kind = ""
        self._reset()
        self.text = self.hint = ""
        self._view.call("showMeasure", None, "")
        self.changed.emit("")

    def _reset(self) -> None:
        self._points = []
        self._closed = False
        self.result = None

    def _complete(self) -> bool:
        return (len(self._points) == 2 if self.kind == measure.RULER
                else self._closed)

    def _add(self, lat: float, lon: float) -> None:
        if not self.kind:
            return
        if self._complete():
            self._reset()
        if self.kind == measure.AREA and len(self._points) >= measure.MAX_CORNERS:
            return
        if self._points and self._points[-1] == (lat, lon):
            return  # the two clicks of a double click
        self._points.append((lat, lon))
        self._show(self._data(self._points))

    def _hover(self, lat: float, lon: float) -> None:
        if not self.kind or not self._points or self._complete():
            return
        self._show(self._data([*self._points, (lat, lon)]), preview=True)

    def _finish(self) -> None:
        if self.kind == measure.AREA and len(self._points) >= 3 and not self._closed:
            self._closed = True
            self._show(self._data(self._points))

    def _data(self, points: list[tuple[float, float]]) -> dict[str, Any]:
        if self.kind == measure.RULER:
            if len(points) == 1:
                return {"kind": measure.RULER, "points": [list(points[0])], "paths": [],
                        "label": "", "label_at": None}
            return measure.ruler(points[0], points[1])
        return measure.area(points)

    def _show(self, data: dict[str, Any] | None, preview: bool = False) -> None:
        first, middle, done = _HINTS[self.kind]
        count = len(self._points)
        if data is not None and not preview:
            self.result = data
        label = data["label"] if data else ""
        if self._complete():
            hint = done.format(label=label)
        elif count == 0:
            hint = first
        else:
            hint = (f"{label} · " if label and (preview or count >= 3) else "") + middle
        self.text = label if data is not None and (self._complete() or preview
                                                   or count >= 3) else ""
        self.hint = hint
        self._view.call("showMeasure", data, hint)
        self.changed.emit(hint)
