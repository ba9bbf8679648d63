"""The map's ruler and area tool give desk's geodesic numbers (WGS84), in words a reader uses."""

from __future__ import annotations

import math

import pytest

from desk.core import geo
from desk.mapping import measure

CAMERA = (49.7159, 37.5928)
CENTRE = (49.7097, 37.6156)


def _vincenty(a: tuple[float, float], b: tuple[float, float]) -> tuple[float, float]:
    """Vincenty's inverse formula on WGS84: distance in metres and initial bearing."""
    f = 1 / 298.257223563
    semi_major = 6_378_137.0
    semi_minor = semi_major * (1 - f)
    u1 = math.atan((1 - f) * math.tan(math.radians(a[0])))
    u2 = math.atan((1 - f) * math.tan(math.radians(b[0])))
    lon = math.radians(b[1] - a[1])
    lam = lon
    for _ in range(200):
        sin_sigma = math.hypot(math.cos(u2) * math.sin(lam), math.cos(u1) * math.sin(u2)
                               - math.sin(u1) * math.cos(u2) * math.cos(lam))
        cos_sigma = math.sin(u1) * math.sin(u2) + math.cos(u1) * math.cos(u2) * math.cos(lam)
        sigma = math.atan2(sin_sigma, cos_sigma)
        sin_alpha = math.cos(u1) * math.cos(u2) * math.sin(lam) / sin_sigma
        cos2_alpha = 1 - sin_alpha ** 2
        cos_2sm = cos_sigma - 2 * math.sin(u1) * math.sin(u2) / cos2_alpha
        c = f / 16 * cos2_alpha * (4 + f * (4 - 3 * cos2_alpha))
        previous = lam
        lam = lon + (1 - c) * f * sin_alpha * (
            sigma + c * sin_sigma * (cos_2sm + c * cos_sigma * (-1 + 2 * cos_2sm ** 2)))
        if abs(lam - previous) < 1e-13:
            break
    u_sq = cos2_alpha * (semi_major ** 2 - semi_minor ** 2) / semi_minor ** 2
    big_a = 1 + u_sq / 16384 * (4096 + u_sq * (-768 + u_sq * (320 - 175 * u_sq)))
    big_b = u_sq / 1024 * (256 + u_sq * (-128 + u_sq * (74 - 47 * u_sq)))
    delta = big_b * sin_sigma * (cos_2sm + big_b / 4 * (
        cos_sigma * (-1 + 2 * cos_2sm ** 2)
        - big_b / 6 * cos_2sm * (-3 + 4 * sin_sigma ** 2) * (-3 + 4 * cos_2sm ** 2)))
    distance = semi_minor * big_a * (sigma - delta)
    bearing = math.degrees(math.atan2(math.cos(u2) * math.sin(lam), math.cos(u1) * math.sin(u2)
                                      - math.sin(u1) * math.cos(u2) * math.cos(lam)))
    return distance, bearing % 360


def test_the_ruler_gives_the_core_s_distance_and_initial_bearing() -> None:
    result = measure.ruler(CAMERA, CENTRE)
    assert result["distance_m"] == geo.distance_m(CAMERA, CENTRE)
    assert result["bearing"] == geo.initial_bearing(CAMERA, CENTRE)
    # An independent method (Vincenty's) agrees to the millimetre and the arc-second.
    distance, bearing = _vincenty(CAMERA, CENTRE)
    assert result["distance_m"] == pytest.approx(distance, abs=1e-3)
    assert result["bearing"] == pytest.approx(bearing, abs=1 / 3600)
    assert result["label"] == (f"{measure.format_length(result['distance_m'])} · "
                               f"{measure.format_bearing(result['bearing'])}")
    assert result["label"] == "1.783 km · 112.7° ESE"
    path = result["paths"][0]
    assert path[0] == pytest.approx(list(CAMERA)) and path[-1] == pytest.approx(list(CENTRE))


def test_one_degree_of_longitude_on_the_equator() -> None:
    result = measure.ruler((0.0, 0.0), (0.0, 1.0))
    assert result["distance_m"] == pytest.approx(111_319.491, abs=0.001)  # WGS84 a·π/180
    assert result["label"] == "111.3 km · 90.0° E"


def test_a_ruler_of_no_length_has_no_bearing_to_show() -> None:
    assert measure.ruler(CAMERA, CAMERA)["label"] == "0.0 m"


def test_points_off_the_globe_are_refused() -> None:
    with pytest.raises(ValueError):
        measure.ruler((91.0, 0.0), CAMERA)
    with pytest.raises(ValueError):
        measure.area([(0, 0), (0, 1), (float("nan"), 1)])


def test_a_small_field_has_the_area_of_its_sides() -> None:
    north = geo.destination(CAMERA, 0.0, 100.0)
    corner = geo.destination(north, 90.0, 200.0)
    east = geo.destination(CAMERA, 90.0, 200.0)
    result = measure.area([CAMERA, north, corner, east])
    assert result["area_m2"] == pytest.approx(20_000.0, rel=1e-4)
    assert result["perimeter_m"] == pytest.approx(600.0, rel=1e-4)
    assert result["label"] == "2.00 ha · perimeter 600.0 m"
    # Clicked the other way round, the same field (not the rest of the Earth).
    assert measure.area([east, corner, north, CAMERA])["area_m2"] == pytest.approx(
        result["area_m2"])
    assert len(result["paths"]) == 4  # closed: the last corner joins the first


def test_a_one_degree_square_on_the_equator_agrees_with_the_authalic_sphere() -> None:
    square = [(0, 0), (0, 1), (1, 1), (1, 0)]
    ellipsoid, _ = measure.polygon_area(square)
    # Spherical excess on the sphere of equal area (R = 6371007.18 m): within 0.5 %.
    radius = 6_371_007.18
    sphere = radius ** 2 * math.radians(1.0) * math.sin(math.radians(1.0))
    assert ellipsoid == pytest.approx(sphere, rel=5e-3)
    assert ellipsoid == pytest.approx(12_308_778_361.47, rel=1e-9)  # geographiclib's own value


def test_fewer_than_three_corners_have_no_area_yet() -> None:
    result = measure.area([CAMERA, CENTRE])
    assert result["area_m2"] is None and result["label"] == "Click at least three corners"
    assert len(result["paths"]) == 1


@pytest.mark.parametrize(("square_metres", "text"), [
    (8420.4, "8,420 m²"), (34_200.0, "3.42 ha"), (12_345_678.0, "12.35 km²")])
def test_areas_read_in_the_unit_that_fits(square_metres: float, text: str) -> None:
    assert measure.format_area(square_metres) == text
