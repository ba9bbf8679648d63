"""Measuring on the map: a ruler (distance and bearing between two points) and an area tool.

The numbers come from desk.core.geo and geographiclib on the WGS84 ellipsoid, like every other
distance desk shows, so a measurement agrees with the sight lines, the dossier and any geodesic
calculator. The page only draws what this module returns (paths, labels). A measurement is not
part of the case: nothing here writes anything.

Precision: geographiclib's geodesics are accurate to about 15 nm and its polygon areas to about
0.1 m² on polygons of continental size (Karney 2013), far below what a click on a map can place;
the labels round to what a click can mean.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import pairwise
from typing import Any

from geographiclib.geodesic import Geodesic

from desk.core import geo

RULER = "ruler"
AREA = "area"
#: A polygon with more corners than this is refused (a measurement, not a survey).
MAX_CORNERS = 200
_SEGMENT_M = 2_000.0


def _ll(point: Sequence[float]) -> list[float]:
    return [round(float(point[0]), 7), round(float(point[1]), 7)]


def format_length(metres: float) -> str:
    """A measured length to the precision a click on a map can mean: "84.2 m", "1.224 km"."""
    if metres < 1000:
        return f"{metres:.1f} m"
    if metres < 100_000:
        return f"{metres / 1000:.3f} km"
    return f"{metres / 1000:,.1f} km"


def format_bearing(bearing: float) -> str:
    """ "262.4° W": degrees clockwise from true north, and the nearest of 16 compass points."""
    value = geo.normalize_bearing(round(bearing, 1))
    return f"{value:.1f}° {geo.compass_label(value, 16)}"


def format_area(square_metres: float) -> str:
    """ "8,420 m²" below a hectare, "3.42 ha" below a square kilometre, then "12.35 km²"."""
    if square_metres < 10_000:
        return f"{square_metres:,.0f} m²"
    if square_metres < 1_000_000:
        return f"{square_metres / 10_000:.2f} ha"
    return f"{square_metres / 1_000_000:,.2f} km²"


def ruler(start: Sequence[float], end: Sequence[float]) -> dict[str, Any]:
    """Distance and initial bearing from `start` to `end`, with the geodesic to draw."""
    a, b = geo.check_point(start), geo.check_point(end)
    distance = geo.distance_m(a, b)
    bearing = geo.initial_bearing(a, b)
    path = geo.geodesic_path(a, b, max_segment_m=_SEGMENT_M)
    text = format_length(distance)
    if distance > 0:
        text += f" · {format_bearing(bearing)}"
    return {
        "kind": RULER,
        "points": [list(a), list(b)],  # as given: the numbers are for these
        "paths": [[_ll(p) for p in path]],
        "distance_m": distance,
        "bearing": bearing,
        "label_at": _ll(path[len(path) // 2]),
        "label": text,
    }


def polygon_area(points: Sequence[Sequence[float]]) -> tuple[float, float]:
    """(area in m², perimeter in m) of the geodesic polygon through `points`, closed.

    The area is the smaller of the two regions the outline bounds, whichever way it was
    clicked round; a self-crossing outline gives the difference of its lobes, as in GIS tools.
    """
    corners = [geo.check_point(p) for p in points]
    polygon = Geodesic.WGS84.Polygon()
    for lat, lon in corners:
        polygon.AddPoint(lat, lon)
    _count, perimeter, area = polygon.Compute(False, True)
    return abs(float(area)), float(perimeter)


def area(points: Sequence[Sequence[float]], closed: bool = True) -> dict[str, Any]:
    """The area tool's outline so far: its geodesic edges and, from three corners, its area."""
    corners = [geo.check_point(p) for p in points]
    if len(corners) > MAX_CORNERS:
        raise ValueError(f"an area has at most {MAX_CORNERS} corners")
    ring = corners + corners[:1] if closed and len(corners) >= 3 else corners
    paths = [[_ll(p) for p in geo.geodesic_path(a, b, max_segment_m=_SEGMENT_M)]
             for a, b in pairwise(ring)]
    data: dict[str, Any] = {"kind": AREA, "points": [list(p) for p in corners], "paths": paths,
                            "area_m2": None, "perimeter_m": None, "label_at": None,
                            "label": "Click at least three corners"}
    if len(corners) >= 3:
        square_metres, perimeter = polygon_area(corners)
        data.update({
            "area_m2": square_metres,
            "perimeter_m": perimeter,
            "label_at": _ll((sum(p[0] for p in corners) / len(corners),
                             sum(p[1] for p in corners) / len(corners))),
            "label": f"{format_area(square_metres)} · perimeter {format_length(perimeter)}",
        })
    return data
