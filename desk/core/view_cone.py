"""How far a camera's view cone is drawn: one rule for the map and for exported map data, so a
cone reaches as far in Google Earth or QGIS as in the window."""

from __future__ import annotations

from collections.abc import Sequence

from desk.core import geo
from desk.core.model import Geolocation, Landmark

#: A field of view not recorded is drawn at this width.
DEFAULT_FOV = 60.0
DEFAULT_RANGE_M = 500.0
MIN_RANGE_M = 250.0
MAX_RANGE_M = 20_000.0


def cone_range(location: Geolocation, landmarks: Sequence[Landmark]) -> float:
    """A little past the farthest landmark in view (within limits), else a fixed length."""
    if location.heading is None:
        return DEFAULT_RANGE_M
    fov = location.fov or DEFAULT_FOV
    camera = (location.lat, location.lon)
    seen = [
        geo.distance_m(camera, (lm.lat, lm.lon)) for lm in landmarks
        if geo.in_view(location.heading, fov, geo.initial_bearing(camera, (lm.lat, lm.lon)))
    ]
    seen = [d for d in seen if d <= MAX_RANGE_M]
    if not seen:
        return DEFAULT_RANGE_M
    return min(MAX_RANGE_M, max(MIN_RANGE_M, max(seen) * 1.25))
