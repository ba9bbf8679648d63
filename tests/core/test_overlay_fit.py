"""Reference images placed by point pairs land where the geometry says, to a pixel at zoom 18,
and placements that fix nothing are refused in words."""

from __future__ import annotations

import math

import pytest

from desk.core.overlay_fit import PlacementError, PointPair, fit, from_mercator, to_mercator

#: One pixel of the map at zoom 18, in Web Mercator metres.
ZOOM18_PX_M = 2 * math.pi * 6378137.0 / (256 * 2 ** 18)
TOWER = (49.7159, 37.5928)


def _true_place(x: float, y: float, turn_deg: float = 17.0, m_per_px: float = 0.12
                ) -> tuple[float, float]:
    """A drone still 2000 × 1500 px, turned and scaled, its corner near the TV tower."""
    ox, oy = to_mercator(*TOWER)
    t = math.radians(turn_deg)
    scale = m_per_px / math.cos(math.radians(TOWER[0]))  # ground metres to Mercator metres
    mx = ox + scale * (x * math.cos(t) + y * math.sin(t))
    my = oy + scale * (x * math.sin(t) - y * math.cos(t))
    return from_mercator(mx, my)


def _pairs(points: list[tuple[float, float]]) -> list[PointPair]:
    return [PointPair(x, y, *_true_place(x, y)) for x, y in points]


def _pixels_apart(a: tuple[float, float], b: tuple[float, float]) -> float:
    (ax, ay), (bx, by) = to_mercator(*a), to_mercator(*b)
    return math.hypot(ax - bx, ay - by) / ZOOM18_PX_M


def test_three_pairs_place_every_corner_within_a_pixel_at_zoom_18() -> None:
    placement = fit(_pairs([(120, 80), (1850, 300), (900, 1400)]))
    for corner, truth in zip(placement.corners(2000, 1500),
                             [_true_place(0, 0), _true_place(2000, 0), _true_place(0, 1500)],
                             strict=True):
        assert _pixels_apart(corner, truth) < 1.0
    assert _pixels_apart(placement.to_map(2000, 1500), _true_place(2000, 1500)) < 1.0
    assert placement.worst_residual_m < 0.01
    assert placement.metres_per_pixel * math.cos(math.radians(TOWER[0])) == pytest.approx(
        0.12, rel=1e-6)


def test_more_pairs_are_fitted_and_a_careless_click_shows_in_its_residual() -> None:
    pairs = _pairs([(100, 100), (1900, 120), (1000, 1450), (300, 1300), (1700, 1200)])
    careless = pairs[4]
    lat, lon = careless.lat, careless.lon + 0.0002  # about 14 m east of the true spot
    pairs[4] = PointPair(careless.x, careless.y, lat, lon)
    placement = fit(pairs)
    assert max(range(5), key=lambda i: placement.residuals_m[i]) == 4
    assert placement.residuals_m[4] > 5.0


@pytest.mark.parametrize(("pairs", "message"), [
    ([PointPair(0, 0, *TOWER), PointPair(100, 100, 49.72, 37.6)], "three point pairs"),
    (_pairs([(0, 0), (500, 500), (1000, 1000)]), "image points lie in a line"),
    ([PointPair(0, 0, *TOWER), PointPair(900, 0, *TOWER), PointPair(0, 900, *TOWER)],
     "map points lie in a line"),
    ([PointPair(0, 0, *TOWER), PointPair(10, 0, 91.0, 37.0), PointPair(0, 10, 49.7, 37.6)],
     "not a place the map shows"),
    ([PointPair(0, 0, *TOWER), PointPair(float("nan"), 0, *TOWER), PointPair(0, 9, *TOWER)],
     "not a number"),
])
def test_placements_that_fix_nothing_are_refused(pairs: list[PointPair], message: str) -> None:
    with pytest.raises(PlacementError, match=message):
        fit(pairs)
