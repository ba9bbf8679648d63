"""Which reference overlays a frame's rendered map picture shows, named for its caption.

The picture (desk.ui.map.map_snapshot) draws every overlay of the case with the window's page
code, and frames the selected camera, its view cone, the landmarks it sees and a margin of
its precision (desk_map.js centreOn). An overlay whose placed outline meets that framed area
is certainly in the picture, so the caption names it; one that only reaches the picture's
edges may go unnamed, never the other way round. Pure: the same case gives the same caption.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from desk.core.casefile import CaseFile
from desk.core.imagery import ReferenceOverlay
from desk.core.model import Geolocation
from desk.core.overlay_fit import PlacementError, PointPair, fit, to_mercator

#: The least margin the map keeps round the camera, in metres (desk_map.js centreOn).
MIN_PAD_M = 60.0
_EARTH_CIRCUMFERENCE_M = 40075017.0

Point = tuple[float, float]


def framed_area(case: CaseFile, location: Geolocation) -> list[Point]:
    """Web Mercator corners of the area the picture frames round a geolocated frame."""
    from desk.mapping.scene import item_of, selection_detail

    evidence = case.get_evidence(location.evidence_id)
    detail = selection_detail(item_of(evidence), location, case.landmarks(), [], [], None)
    points: list[Sequence[float]] = [(location.lat, location.lon)]
    points += detail.get("cone") or []
    points += [s["path"][-1] for s in detail.get("sights", ()) if s.get("in_view")]
    pad = max(location.precision_m or 0.0, MIN_PAD_M)
    dlat = 180.0 * pad / _EARTH_CIRCUMFERENCE_M  # as Leaflet's LatLng.toBounds(2 × pad)
    dlon = dlat / math.cos(math.radians(location.lat))
    lats = [p[0] for p in points] + [location.lat - dlat, location.lat + dlat]
    lons = [p[1] for p in points] + [location.lon - dlon, location.lon + dlon]
    south_west = to_mercator(min(lats), min(lons))
    north_east = to_mercator(max(lats), max(lons))
    return [south_west, (north_east[0], south_west[1]), north_east,
            (south_west[0], north_east[1])]


def _outline(overlay: ReferenceOverlay, width: int, height: int) -> list[Point] | None:
    try:
        placement = fit([PointPair(*pair) for pair in overlay.pairs])
    except PlacementError:
        return None
    corners = [(0, 0), (width, 0), (width, height), (0, height)]
    return [to_mercator(*placement.to_map(x, y)) for x, y in corners]


def _meet(a: Sequence[Point], b: Sequence[Point]) -> bool:
    """Whether two convex polygons overlap (separating axis test)."""
    for polygon in (a, b):
        for i, (x1, y1) in enumerate(polygon):
            x2, y2 = polygon[(i + 1) % len(polygon)]
            nx, ny = y1 - y2, x2 - x1
            pa = [nx * x + ny * y for x, y in a]
            pb = [nx * x + ny * y for x, y in b]
            if max(pa) < min(pb) or max(pb) < min(pa):
                return False
    return True


def overlays_shown(case: CaseFile, location: Geolocation) -> list[tuple[ReferenceOverlay, str]]:
    """The overlays a frame's map picture certainly shows, with their names, in drawing order."""
    overlays = case.overlays()
    if not overlays:
        return []
    area = framed_area(case, location)
    shown = []
    for overlay in overlays:
        try:
            still = case.get_evidence(overlay.evidence_id)
        except KeyError:
            continue
        outline = _outline(overlay, still.width, still.height)
        if outline is not None and _meet(outline, area):
            shown.append((overlay, overlay.label or still.name))
    return shown


def overlay_credit(case: CaseFile, location: Geolocation) -> str:
    """"Reference overlay: <name> (placed by 3 point pairs)" for the caption, or ""."""
    shown = overlays_shown(case, location)
    if not shown:
        return ""
    parts = [f"{name} (placed by {len(overlay.pairs)} point pairs)" for overlay, name in shown]
    noun = "Reference overlay" if len(parts) == 1 else "Reference overlays"
    return f"{noun}: " + "; ".join(parts)


def join_credits(*credits: str) -> str:
    """The picture's credits in one caption line (the template ends it with a full stop)."""
    return ". ".join(c for c in credits if c)
