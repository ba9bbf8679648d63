"""Geodesy on the WGS84 ellipsoid: distances, bearings, destinations and view cones.

Everything goes through geographiclib (which geopy uses too), never flat-earth arithmetic, so a
distance in a dossier is the same number a reader gets from any geodesic calculator. Points are
``(lat, lon)`` in degrees; bearings are degrees clockwise from true north in ``[0, 360)``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from geographiclib.geodesic import Geodesic

LatLon = tuple[float, float]

_WGS84 = Geodesic.WGS84

_COMPASS_16 = ("N", "NNE", "NE", "ENE", "E", "ESE", "SE", "SSE",
               "S", "SSW", "SW", "WSW", "W", "WNW", "NW", "NNW")
_COMPASS_8 = ("N", "NE", "E", "SE", "S", "SW", "W", "NW")


def check_point(point: Sequence[float]) -> LatLon:
    """The point as a (lat, lon) tuple; ValueError for anything not on the globe."""
    lat, lon = float(point[0]), float(point[1])
    if not (math.isfinite(lat) and math.isfinite(lon)):
        raise ValueError("coordinates must be finite numbers")
    if not -90.0 <= lat <= 90.0:
        raise ValueError(f"latitude {lat} is outside -90..90")
    if not -180.0 <= lon <= 180.0:
        raise ValueError(f"longitude {lon} is outside -180..180")
    return lat, lon


def normalize_bearing(bearing: float) -> float:
    """Any angle as a bearing in [0, 360)."""
    value = math.fmod(float(bearing), 360.0)
    if value < 0:
        value += 360.0
    return 0.0 if value >= 360.0 else value


def normalize_lon(lon: float) -> float:
    """A longitude in [-180, 180)."""
    value = math.fmod(float(lon) + 180.0, 360.0)
    if value < 0:
        value += 360.0
    return value - 180.0


def distance_m(a: Sequence[float], b: Sequence[float]) -> float:
    """Geodesic distance in metres between two points."""
    (lat1, lon1), (lat2, lon2) = check_point(a), check_point(b)
    return float(_WGS84.Inverse(lat1, lon1, lat2, lon2, Geodesic.DISTANCE)["s12"])


def initial_bearing(a: Sequence[float], b: Sequence[float]) -> float:
    """Bearing at `a` of the geodesic to `b` (0 when the points coincide)."""
    (lat1, lon1), (lat2, lon2) = check_point(a), check_point(b)
    result = _WGS84.Inverse(lat1, lon1, lat2, lon2, Geodesic.DISTANCE | Geodesic.AZIMUTH)
    if result["s12"] == 0.0:
        return 0.0
    return normalize_bearing(result["azi1"])


def final_bearing(a: Sequence[float], b: Sequence[float]) -> float:
    """Bearing of the geodesic as it arrives at `b` (for arrows drawn at their end)."""
    (lat1, lon1), (lat2, lon2) = check_point(a), check_point(b)
    result = _WGS84.Inverse(lat1, lon1, lat2, lon2, Geodesic.DISTANCE | Geodesic.AZIMUTH)
    if result["s12"] == 0.0:
        return 0.0
    return normalize_bearing(result["azi2"])


def destination(point: Sequence[float], bearing: float, distance: float) -> LatLon:
    """The point `distance` metres from `point` along the geodesic that starts at `bearing`."""
    lat, lon = check_point(point)
    if not (math.isfinite(bearing) and math.isfinite(distance)):
        raise ValueError("bearing and distance must be finite numbers")
    result = _WGS84.Direct(lat, lon, float(bearing), float(distance))
    return float(result["lat2"]), normalize_lon(result["lon2"])


def bearing_difference(a: float, b: float) -> float:
    """Signed angle from bearing `a` to bearing `b` in (-180, 180]; positive is clockwise."""
    diff = math.fmod(float(b) - float(a), 360.0)
    if diff <= -180.0:
        diff += 360.0
    elif diff > 180.0:
        diff -= 360.0
    return diff


def compass_label(bearing: float, points: int = 8) -> str:
    """The compass point nearest to a bearing: "NE" (8 points) or "ENE" (16 points)."""
    names = _COMPASS_16 if points == 16 else _COMPASS_8
    sector = 360.0 / len(names)
    return names[int((normalize_bearing(bearing) + sector / 2) // sector) % len(names)]


def in_view(heading: float, fov: float, bearing: float) -> bool:
    """Whether a bearing lies inside a horizontal field of view centred on `heading`."""
    return abs(bearing_difference(heading, bearing)) <= fov / 2.0


def view_cone(camera: Sequence[float], heading: float, fov: float, range_m: float,
              steps: int = 16) -> list[LatLon]:
    """A closed polygon: the camera, then the far arc from the left edge to the right edge.

    The arc points are geodesic destinations, so the cone stays right near the poles and
    across the antimeridian (longitudes are returned in [-180, 180)).
    """
    origin = check_point(camera)
    if not 0.0 < fov < 360.0:
        raise ValueError(f"field of view {fov} must be between 0 and 360 degrees")
    if range_m <= 0:
        raise ValueError("the cone's range must be positive")
    steps = max(2, int(steps))
    start = heading - fov / 2.0
    arc = [destination(origin, normalize_bearing(start + fov * i / steps), range_m)
           for i in range(steps + 1)]
    return [origin, *arc, origin]


def geodesic_path(a: Sequence[float], b: Sequence[float], max_segment_m: float = 20_000.0
                  ) -> list[LatLon]:
    """Points along the geodesic from `a` to `b`, so long lines bend as they should on a map."""
    (lat1, lon1), (lat2, lon2) = check_point(a), check_point(b)
    line = _WGS84.InverseLine(lat1, lon1, lat2, lon2)
    count = max(1, math.ceil(line.s13 / max_segment_m))
    points = []
    for i in range(count + 1):
        position = line.Position(line.s13 * i / count,
                                 Geodesic.LATITUDE | Geodesic.LONGITUDE | Geodesic.LONG_UNROLL)
        points.append((float(position["lat2"]), float(position["lon2"])))
    return points


def format_distance(metres: float) -> str:
    """Distances the way reviewers read them: "340 m", "2.1 km", "118 km"."""
    if metres < 1000:
        return f"{metres:.0f} m"
    if metres < 100_000:
        return f"{metres / 1000:.1f} km"
    return f"{metres / 1000:.0f} km"
