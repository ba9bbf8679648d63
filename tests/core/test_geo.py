"""Geodesy against values a reviewer could check elsewhere: published WGS84 figures and an
independent Vincenty implementation (not geographiclib, which desk.core.geo uses)."""

from __future__ import annotations

import math

import pytest

from desk.core import geo

A = 6378137.0
F = 1 / 298.257223563
B = A * (1 - F)

CAMERA = (49.7159, 37.5928)
TV_MAST = (49.7165, 37.5882)
CENTRE = (49.7097, 37.6156)


def vincenty(p1: tuple[float, float], p2: tuple[float, float]) -> tuple[float, float]:
    """Distance (m) and initial bearing (deg) by Vincenty's 1975 inverse formula on WGS84."""
    lat1, lon1, lat2, lon2 = map(math.radians, (*p1, *p2))
    u1 = math.atan((1 - F) * math.tan(lat1))
    u2 = math.atan((1 - F) * math.tan(lat2))
    big_l = lon2 - lon1
    lam = big_l
    for _ in range(200):
        sin_lam, cos_lam = math.sin(lam), math.cos(lam)
        sin_sigma = math.hypot(math.cos(u2) * sin_lam,
                               math.cos(u1) * math.sin(u2) - math.sin(u1) * math.cos(u2) * cos_lam)
        cos_sigma = math.sin(u1) * math.sin(u2) + math.cos(u1) * math.cos(u2) * cos_lam
        sigma = math.atan2(sin_sigma, cos_sigma)
        sin_alpha = math.cos(u1) * math.cos(u2) * sin_lam / sin_sigma
        cos2_alpha = 1 - sin_alpha**2
        cos_2sm = cos_sigma - 2 * math.sin(u1) * math.sin(u2) / cos2_alpha if cos2_alpha else 0.0
        c = F / 16 * cos2_alpha * (4 + F * (4 - 3 * cos2_alpha))
        previous = lam
        lam = big_l + (1 - c) * F * sin_alpha * (
            sigma + c * sin_sigma * (cos_2sm + c * cos_sigma * (-1 + 2 * cos_2sm**2)))
        if abs(lam - previous) < 1e-13:
            break
    u_sq = cos2_alpha * (A**2 - B**2) / B**2
    k_a = 1 + u_sq / 16384 * (4096 + u_sq * (-768 + u_sq * (320 - 175 * u_sq)))
    k_b = u_sq / 1024 * (256 + u_sq * (-128 + u_sq * (74 - 47 * u_sq)))
    delta_sigma = k_b * sin_sigma * (cos_2sm + k_b / 4 * (
        cos_sigma * (-1 + 2 * cos_2sm**2)
        - k_b / 6 * cos_2sm * (-3 + 4 * sin_sigma**2) * (-3 + 4 * cos_2sm**2)))
    distance = B * k_a * (sigma - delta_sigma)
    bearing = math.degrees(math.atan2(math.cos(u2) * math.sin(lam),
                                      math.cos(u1) * math.sin(u2)
                                      - math.sin(u1) * math.cos(u2) * math.cos(lam)))
    return distance, bearing % 360


def test_quarter_meridian_is_the_published_wgs84_value() -> None:
    assert geo.distance_m((0, 0), (90, 0)) == pytest.approx(10_001_965.729, abs=0.001)


def test_one_degree_along_the_equator_is_the_equatorial_arc() -> None:
    assert geo.distance_m((0, 0), (0, 1)) == pytest.approx(A * math.pi / 180, abs=0.001)


@pytest.mark.parametrize(("a", "b"), [
    (CAMERA, TV_MAST),
    (CAMERA, CENTRE),
    ((52.2296756, 21.0122287), (41.8919300, 12.5113300)),  # Warsaw to Rome
    ((40.64, -73.78), (1.36, 103.99)),  # JFK to Singapore
    ((-33.8688, 151.2093), (-41.2865, 174.7762)),  # Sydney to Wellington
])
def test_distance_and_bearing_agree_with_vincenty(a: tuple[float, float],
                                                  b: tuple[float, float]) -> None:
    distance, bearing = vincenty(a, b)
    assert geo.distance_m(a, b) == pytest.approx(distance, abs=0.001)
    assert geo.initial_bearing(a, b) == pytest.approx(bearing, abs=1e-6)


def test_tv_mast_seen_from_the_camera() -> None:
    """The Kupiansk sample: the mast is about 338 m away, a little north of west, in view."""
    assert geo.distance_m(CAMERA, TV_MAST) == pytest.approx(338.4, abs=0.1)
    bearing = geo.initial_bearing(CAMERA, TV_MAST)
    assert bearing == pytest.approx(281.38, abs=0.01)
    assert geo.compass_label(bearing) == "W"
    assert geo.in_view(262, 62, bearing)
    assert not geo.in_view(262, 62, geo.initial_bearing(CAMERA, CENTRE))


def test_across_the_antimeridian() -> None:
    fiji, samoa = (-17.7134, 178.065), (-13.759, -172.1046)
    distance, bearing = vincenty(fiji, samoa)
    assert geo.distance_m(fiji, samoa) == pytest.approx(distance, abs=0.001)
    assert distance < 1_300_000  # the short way, not round the world
    assert geo.initial_bearing(fiji, samoa) == pytest.approx(bearing, abs=1e-6)
    lat, lon = geo.destination((0, 179.5), 90, 111_319.49)
    assert lat == pytest.approx(0, abs=1e-9)
    assert lon == pytest.approx(-179.5, abs=1e-6)


def test_destination_inverts_distance_and_bearing() -> None:
    point = geo.destination(CAMERA, 262, 500)
    assert geo.distance_m(CAMERA, point) == pytest.approx(500, abs=1e-6)
    assert geo.initial_bearing(CAMERA, point) == pytest.approx(262, abs=1e-6)


def test_bearing_difference_wraps_across_north() -> None:
    assert geo.bearing_difference(350, 10) == pytest.approx(20)
    assert geo.bearing_difference(10, 350) == pytest.approx(-20)
    assert geo.bearing_difference(0, 180) == pytest.approx(180)
    assert geo.bearing_difference(262, 281.4) == pytest.approx(19.4)
    assert geo.normalize_bearing(-10) == pytest.approx(350)
    assert geo.normalize_bearing(720) == 0


def test_compass_labels() -> None:
    assert [geo.compass_label(b) for b in (0, 44, 46, 90, 200, 262, 337.6, 359)] == [
        "N", "NE", "NE", "E", "S", "W", "N", "N"]
    assert geo.compass_label(67.5, points=16) == "ENE"


def test_view_cone_spans_the_field_of_view() -> None:
    cone = geo.view_cone(CAMERA, 262, 62, 400, steps=8)
    assert cone[0] == CAMERA and cone[-1] == CAMERA
    arc = cone[1:-1]
    assert len(arc) == 9
    assert geo.initial_bearing(CAMERA, arc[0]) == pytest.approx(231, abs=1e-6)
    assert geo.initial_bearing(CAMERA, arc[-1]) == pytest.approx(293, abs=1e-6)
    assert all(geo.distance_m(CAMERA, p) == pytest.approx(400, abs=1e-6) for p in arc)


def test_view_cone_across_north() -> None:
    arc = geo.view_cone(CAMERA, 350, 40, 1000, steps=4)[1:-1]
    bearings = [geo.initial_bearing(CAMERA, p) for p in arc]
    assert bearings == pytest.approx([330, 340, 350, 0, 10], abs=1e-6)


def test_geodesic_path_follows_the_geodesic() -> None:
    path = geo.geodesic_path((40.64, -73.78), (1.36, 103.99), max_segment_m=500_000)
    assert len(path) > 10
    total = sum(geo.distance_m(a, (b[0], geo.normalize_lon(b[1])))
                for a, b in zip([(p[0], geo.normalize_lon(p[1])) for p in path], path[1:],
                                strict=False))
    assert total == pytest.approx(geo.distance_m((40.64, -73.78), (1.36, 103.99)), rel=1e-9)


def test_out_of_range_points_are_refused() -> None:
    with pytest.raises(ValueError, match="latitude"):
        geo.distance_m((91, 0), (0, 0))
    with pytest.raises(ValueError, match="finite"):
        geo.destination((float("nan"), 0), 0, 1)


def test_distances_read_like_a_reviewer_writes_them() -> None:
    assert geo.format_distance(338.4) == "338 m"
    assert geo.format_distance(2149) == "2.1 km"
    assert geo.format_distance(118_400) == "118 km"
