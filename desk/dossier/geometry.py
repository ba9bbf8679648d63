"""Distances and bearings for the dossier, through `desk.core.geo` (geodesic, WGS84).

Bearings are degrees clockwise from true north; distances are metres. A thin layer so the
dossier's few needs read plainly and every number matches what the map shows.
"""

from __future__ import annotations

import math
from functools import lru_cache

from geographiclib.geodesic import Geodesic

from desk.core import geo


@lru_cache(maxsize=4096)
def inverse(lat1: float, lon1: float, lat2: float, lon2: float) -> tuple[float, float]:
    """Distance (m) and initial bearing (0..360°) from the first point to the second.

    One geodesic solution for both numbers (as `geo.distance_m` and `geo.initial_bearing`
    would give), cached: a dossier asks for the same landmark pairs once per still.
    Raises ValueError for coordinates off the globe.
    """
    (lat1, lon1), (lat2, lon2) = geo.check_point((lat1, lon1)), geo.check_point((lat2, lon2))
    line = Geodesic.WGS84.Inverse(lat1, lon1, lat2, lon2,
                                  Geodesic.DISTANCE | Geodesic.AZIMUTH)
    distance = float(line["s12"])
    return distance, (geo.normalize_bearing(line["azi1"]) if distance > 0 else 0.0)


def local_xy(origin_lat: float, origin_lon: float, lat: float, lon: float) -> tuple[float, float]:
    """Metres east and north of an origin, along the geodesic (an azimuthal-equidistant plane).

    Good for a sketch of a few kilometres: distances and bearings from the origin are exact.
    """
    distance, bearing = inverse(origin_lat, origin_lon, lat, lon)
    rad = math.radians(bearing)
    return distance * math.sin(rad), distance * math.cos(rad)


def angle_between(bearing_a: float, bearing_b: float) -> float:
    """The smaller angle between two bearings, 0..180°."""
    return abs(geo.bearing_difference(bearing_a, bearing_b))
