"""Placing a reference image (an older drone still, a satellite crop) on the map from point
pairs: a reviewer clicks a spot on the image and the same spot on the map, three times or
more, and desk finds the affine map between them.

The fit is made in Web Mercator metres, the plane the map itself is drawn in, so the image
lands on the map exactly as the map shows places (an affine map of the plane is what the page
can draw with one CSS matrix). With more than three pairs it is a least-squares fit, and each
pair's residual (how far its map point lies from where the fit puts its image point) says
whether a click was careless. Pairs in a line, or so close that they fix nothing, are refused.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

#: WGS 84 semi-major axis: Web Mercator's sphere.
_R = 6378137.0
_MAX_LAT = 85.05112878
#: A placement whose pairs span less than this (as a triangle's area, square metres at the
#: map, or square pixels on the image) fixes nothing.
_MIN_AREA_M2 = 1.0
_MIN_AREA_PX2 = 25.0


class PlacementError(ValueError):
    """Pairs that cannot place an image, said for the reviewer."""


@dataclass(frozen=True)
class PointPair:
    """An image point (pixels from the top-left corner) and the map point it shows."""

    x: float
    y: float
    lat: float
    lon: float


def to_mercator(lat: float, lon: float) -> tuple[float, float]:
    clamped = max(-_MAX_LAT, min(_MAX_LAT, lat))
    return (math.radians(lon) * _R,
            math.log(math.tan(math.pi / 4 + math.radians(clamped) / 2)) * _R)


def from_mercator(mx: float, my: float) -> tuple[float, float]:
    lat = math.degrees(2 * math.atan(math.exp(my / _R)) - math.pi / 2)
    return lat, math.degrees(mx / _R)


def _triangle_area(points: Sequence[tuple[float, float]]) -> float:
    """Largest triangle any three of the points make (spread of the pairs)."""
    best = 0.0
    n = len(points)
    for i in range(n):
        for j in range(i + 1, n):
            for k in range(j + 1, n):
                (ax, ay), (bx, by), (cx, cy) = points[i], points[j], points[k]
                best = max(best, abs((bx - ax) * (cy - ay) - (cx - ax) * (by - ay)) / 2)
    return best


def _solve3(m: list[list[float]], v: list[float]) -> list[float]:
    """Solve a 3×3 system by Cramer's rule (the normal equations of the fit)."""
    def det(a: list[list[float]]) -> float:
        return (a[0][0] * (a[1][1] * a[2][2] - a[1][2] * a[2][1])
                - a[0][1] * (a[1][0] * a[2][2] - a[1][2] * a[2][0])
                + a[0][2] * (a[1][0] * a[2][1] - a[1][1] * a[2][0]))

    d = det(m)
    if abs(d) < 1e-12:
        raise PlacementError("the image points lie in a line, so they do not fix a placement")
    out = []
    for col in range(3):
        replaced = [[v[r] if c == col else m[r][c] for c in range(3)] for r in range(3)]
        out.append(det(replaced) / d)
    return out


@dataclass(frozen=True)
class Placement:
    """mx = a·x + b·y + c, my = d·x + e·y + f (image pixels to Web Mercator metres)."""

    a: float
    b: float
    c: float
    d: float
    e: float
    f: float
    residuals_m: tuple[float, ...]

    def to_map(self, x: float, y: float) -> tuple[float, float]:
        """The (lat, lon) an image point lands on."""
        return from_mercator(self.a * x + self.b * y + self.c, self.d * x + self.e * y + self.f)

    def corners(self, width: int, height: int) -> list[tuple[float, float]]:
        """(lat, lon) of the image's top-left, top-right and bottom-left corners: the three
        points the map page places the image by."""
        return [self.to_map(0, 0), self.to_map(width, 0), self.to_map(0, height)]

    @property
    def worst_residual_m(self) -> float:
        return max(self.residuals_m, default=0.0)

    @property
    def metres_per_pixel(self) -> float:
        """Scale at the image (mean of its axes), in Mercator metres (ground metres × sec φ)."""
        return (math.hypot(self.a, self.d) + math.hypot(self.b, self.e)) / 2


def fit(pairs: Sequence[PointPair]) -> Placement:
    """The affine placement that best maps the image points onto the map points."""
    if len(pairs) < 3:
        raise PlacementError(f"placing an image needs three point pairs or more (there are"
                             f" {len(pairs)})")
    for pair in pairs:
        values = (pair.x, pair.y, pair.lat, pair.lon)
        if not all(math.isfinite(v) for v in values):
            raise PlacementError("a point pair holds a value that is not a number")
        if not (-_MAX_LAT <= pair.lat <= _MAX_LAT and -180 <= pair.lon <= 180):
            raise PlacementError(f"{pair.lat:g}, {pair.lon:g} is not a place the map shows")
    image = [(p.x, p.y) for p in pairs]
    ground = [to_mercator(p.lat, p.lon) for p in pairs]
    if _triangle_area(image) < _MIN_AREA_PX2:
        raise PlacementError("the image points lie in a line or on top of each other; pick"
                             " points spread over the image")
    if _triangle_area(ground) < _MIN_AREA_M2:
        raise PlacementError("the map points lie in a line or on top of each other; pick"
                             " points spread over the area")
    # Normal equations of least squares, shared by both output coordinates; centred on the
    # first pair so that metres in the millions do not swamp the arithmetic.
    x0, y0 = image[0]
    gx0, gy0 = ground[0]
    sxx = sxy = syy = sx = sy = 0.0
    n = float(len(pairs))
    bx = [0.0, 0.0, 0.0]
    by = [0.0, 0.0, 0.0]
    for (x, y), (gx, gy) in zip(image, ground, strict=True):
        u, v = x - x0, y - y0
        tx, ty = gx - gx0, gy - gy0
        sxx += u * u
        sxy += u * v
        syy += v * v
        sx += u
        sy += v
        for acc, t in ((bx, tx), (by, ty)):
            acc[0] += u * t
            acc[1] += v * t
            acc[2] += t
    normal = [[sxx, sxy, sx], [sxy, syy, sy], [sx, sy, n]]
    a, b, c = _solve3(normal, bx)
    d, e, f = _solve3(normal, by)
    # Back from centred coordinates: m = a(x - x0) + b(y - y0) + c + gx0.
    c_full = c + gx0 - a * x0 - b * y0
    f_full = f + gy0 - d * x0 - e * y0
    residuals = []
    for (x, y), (gx, gy) in zip(image, ground, strict=True):
        mx = a * x + b * y + c_full
        my = d * x + e * y + f_full
        # Mercator metres to ground metres at that latitude.
        scale = math.cos(math.radians(from_mercator(gx, gy)[0]))
        residuals.append(math.hypot(mx - gx, my - gy) * scale)
    if abs(a * e - b * d) < 1e-18:
        raise PlacementError("the pairs fold the image onto a line")
    return Placement(a, b, c_full, d, e, f_full, tuple(residuals))
