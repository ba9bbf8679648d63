"""A shadow drawn on a frame is laid on the ground by the camera model: synthetic frames are
drawn by projecting known ground points into the picture with the same model (its inverse,
`frame_point`), and the bearing comes back within the tolerance desk gives it; that tolerance
grows with a worse geolocation and a shorter shadow, and a line that is not on the ground
gets no bearing, with the reason."""

from __future__ import annotations

import math
import random
from dataclasses import replace

import pytest

from desk.core import geo
from desk.core.model import Confidence, Geolocation, Horizon
from desk.core.movement import project_point
from desk.core.shadow_projection import (
    ProjectedShadow,
    frame_point,
    heading_uncertainty,
    project_shadow,
)

W, H = 1280, 720
CAMERA = Geolocation(1, 49.7159, 37.5928, precision_m=40.0, heading=262.0, fov=62.0,
                     camera_height_m=1.7, confidence=Confidence.MODERATE)
LEVEL = Horizon(1, 0.46, 0.46)


def _drawn(camera: Geolocation, horizon: Horizon, off: float, distance: float,
           bearing: float, length: float) -> tuple[float, float, float, float]:
    """A shadow on the ground (base `distance` m from the camera, `off` degrees from its
    heading; tip `length` m from the base at `bearing`), as the frame shows it."""
    ends = _maybe_drawn(camera, horizon, off, distance, bearing, length)
    assert ends is not None
    return ends


def _maybe_drawn(camera: Geolocation, horizon: Horizon, off: float, distance: float,
                 bearing: float, length: float) -> tuple[float, float, float, float] | None:
    """`_drawn`, or None when the shadow does not lie inside the frame."""
    assert camera.heading is not None
    base = geo.destination((camera.lat, camera.lon), camera.heading + off, distance)
    tip = geo.destination(base, bearing, length)
    a = frame_point(camera, horizon, W, H, *base)
    b = frame_point(camera, horizon, W, H, *tip)
    if a is None or b is None or not all(0 <= v <= 1 for v in (*a, *b)):
        return None
    return (*a, *b)


def test_frame_point_is_the_inverse_of_the_projection() -> None:
    rng = random.Random(5)
    for _ in range(200):
        camera = replace(CAMERA, heading=rng.uniform(0, 360), fov=rng.uniform(30, 100),
                         camera_height_m=rng.uniform(1.0, 30.0))
        horizon = Horizon(1, rng.uniform(0.3, 0.6), rng.uniform(0.3, 0.6))
        assert camera.heading is not None and camera.fov is not None
        point = geo.destination((camera.lat, camera.lon),
                                camera.heading + rng.uniform(-0.45, 0.45) * camera.fov,
                                rng.uniform(5, 300))
        xy = frame_point(camera, horizon, W, H, *point)
        assert xy is not None
        back = project_point(camera, horizon, W, H, *xy)
        assert back.lat is not None and back.lon is not None
        assert geo.distance_m(point, (back.lat, back.lon)) < 1e-3


def test_a_synthetic_shadow_comes_back_with_its_bearing_and_length() -> None:
    rng = random.Random(15)
    for _ in range(300):
        camera = replace(CAMERA, heading=rng.uniform(0, 360), fov=rng.uniform(40, 90),
                         camera_height_m=rng.uniform(1.2, 10.0),
                         confidence=rng.choice(list(Confidence)),
                         precision_m=rng.uniform(5, 200))
        tilt = rng.uniform(-0.05, 0.05)
        horizon = Horizon(1, 0.45 - tilt, 0.45 + tilt)
        true = rng.uniform(0, 360)
        length = rng.uniform(3, 12)
        ends = _maybe_drawn(camera, horizon, rng.uniform(-15, 15), rng.uniform(8, 25), true,
                            length)
        if ends is None:
            continue
        found = project_shadow(camera, horizon, W, H, *ends)
        assert found.bearing is not None and found.tolerance is not None
        assert abs(geo.bearing_difference(true, found.bearing)) < 1e-5
        assert found.tolerance >= heading_uncertainty(camera)
        if found.reliable:
            assert found.length_m == pytest.approx(length, abs=1e-3)


def test_a_sloppy_drawing_and_a_turned_camera_stay_within_the_tolerance() -> None:
    """Ends drawn up to `drawing_px` pixels off, the horizon too, the heading off by as much
    as the geolocation allows: the true bearing stays inside bearing ± tolerance."""
    rng = random.Random(27)
    checked = 0
    for _ in range(400):
        true = rng.uniform(0, 360)
        ends = _maybe_drawn(CAMERA, LEVEL, rng.uniform(-20, 20), rng.uniform(8, 20), true,
                            rng.uniform(4, 10))
        if ends is None:
            continue
        x1, y1, x2, y2 = ends
        px = 3.0
        jitter = []
        for _end in range(2):
            angle, radius = rng.uniform(0, 2 * math.pi), px * math.sqrt(rng.random())
            jitter += [radius * math.cos(angle) / W, radius * math.sin(angle) / H]
        lift = rng.uniform(-px, px) / H
        assert CAMERA.heading is not None
        turned = replace(CAMERA, heading=CAMERA.heading + rng.uniform(-1, 1)
                         * heading_uncertainty(CAMERA))
        drawn = project_shadow(turned, Horizon(1, LEVEL.y_left + lift, LEVEL.y_right + lift),
                               W, H, x1 + jitter[0], y1 + jitter[1], x2 + jitter[2],
                               y2 + jitter[3], drawing_px=px)
        assert drawn.bearing is not None and drawn.tolerance is not None
        assert abs(geo.bearing_difference(true, drawn.bearing)) <= drawn.tolerance
        checked += 1
    assert checked > 250


def _tolerance(found: ProjectedShadow) -> float:
    assert found.tolerance is not None
    return found.tolerance


def test_the_tolerance_grows_with_a_worse_geolocation() -> None:
    ends = _drawn(CAMERA, LEVEL, -18.0, 12.0, 314.0, 9.0)
    good = replace(CAMERA, precision_m=5.0, confidence=Confidence.HIGH)
    fair = replace(CAMERA, precision_m=40.0, confidence=Confidence.MODERATE)
    poor = replace(CAMERA, precision_m=250.0, confidence=Confidence.LOW)
    tolerances = [_tolerance(project_shadow(c, LEVEL, W, H, *ends)) for c in (good, fair, poor)]
    assert tolerances == sorted(tolerances) and tolerances[0] < tolerances[2] - 3
    vaguer = _tolerance(project_shadow(replace(CAMERA, precision_m=400.0), LEVEL, W, H, *ends))
    assert vaguer > tolerances[1]


def test_the_tolerance_grows_with_a_shorter_or_more_carelessly_drawn_shadow() -> None:
    tolerances = [_tolerance(project_shadow(CAMERA, LEVEL, W, H,
                                            *_drawn(CAMERA, LEVEL, -18.0, 12.0, 314.0, m)))
                  for m in (12.0, 6.0, 2.0, 0.7)]
    assert tolerances == sorted(tolerances) and tolerances[-1] > tolerances[0] + 5
    ends = _drawn(CAMERA, LEVEL, -18.0, 12.0, 314.0, 6.0)
    careful = _tolerance(project_shadow(CAMERA, LEVEL, W, H, *ends, drawing_px=1.0))
    careless = _tolerance(project_shadow(CAMERA, LEVEL, W, H, *ends, drawing_px=8.0))
    assert careless > careful


def test_a_tiny_shadow_is_projected_but_not_relied_on() -> None:
    ends = _drawn(CAMERA, LEVEL, -18.0, 12.0, 314.0, 0.15)
    found = project_shadow(CAMERA, LEVEL, W, H, *ends)
    assert found.bearing is not None and not found.reliable
    assert "too short" in found.note


@pytest.mark.parametrize("camera, horizon, ends, words", [
    (replace(CAMERA, heading=None), LEVEL, (0.4, 0.8, 0.3, 0.85), "no camera heading"),
    (replace(CAMERA, fov=None), LEVEL, (0.4, 0.8, 0.3, 0.85), "field of view"),
    (CAMERA, None, (0.4, 0.8, 0.3, 0.85), "horizon is not marked"),
    (CAMERA, LEVEL, (0.4, 0.40, 0.3, 0.85), "base is on or above the horizon"),
    (CAMERA, LEVEL, (0.4, 0.8, 0.3, 0.30), "tip is on or above the horizon"),
    (CAMERA, LEVEL, (0.4, 0.8, 0.4, 0.8), "no length"),
    (CAMERA, LEVEL, (0.4, float("nan"), 0.3, 0.8), "not numbers"),
])
def test_a_line_that_is_not_on_the_ground_gets_no_bearing_and_says_why(
        camera: Geolocation, horizon: Horizon | None, ends: tuple[float, float, float, float],
        words: str) -> None:
    found = project_shadow(camera, horizon, W, H, *ends)
    assert found.bearing is None and found.tolerance is None and not found.reliable
    assert words in found.note


def test_an_end_near_the_horizon_gives_no_length_and_is_not_reliable() -> None:
    # The tip lies 1.5 px below the horizon: far away and within the drawing's precision of it.
    found = project_shadow(CAMERA, LEVEL, W, H, 0.4, 0.8, 0.45, LEVEL.y_left + 1.5 / H)
    assert found.bearing is not None and not found.reliable and found.length_m is None
    assert "horizon" in found.note
