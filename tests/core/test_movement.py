"""Movement geometry against hand-checked values: projection, wrap-around, thresholds."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from desk.core import geo
from desk.core.casefile import CaseFile
from desk.core.model import Geolocation, Horizon, Landmark, Movement
from desk.core.movement import (
    ACROSS,
    AWAY,
    TOWARD,
    assess,
    case_findings,
    focal_length_px,
    project_point,
    relation_for_angle,
)

SAMPLES = Path(__file__).resolve().parents[2] / "sample_cases"


def _camera(heading: float = 90.0, fov: float = 60.0, height: float = 1.7) -> Geolocation:
    return Geolocation(1, 49.7, 37.6, heading=heading, fov=fov, camera_height_m=height)


LEVEL = Horizon(1, 0.5, 0.5)


def test_focal_length_from_field_of_view() -> None:
    # 90° horizontal FOV: the half-width subtends 45°, so f equals half the width.
    assert focal_length_px(1000, 90.0) == pytest.approx(500.0)


def test_point_on_the_centre_line_lands_on_the_heading() -> None:
    point = project_point(_camera(heading=262.0), LEVEL, 1280, 720, 0.5, 0.8)
    assert point.bearing == pytest.approx(262.0)
    assert point.reliable
    assert geo.initial_bearing((49.7, 37.6), (point.lat, point.lon)) == pytest.approx(262.0,
                                                                                      abs=1e-6)


def test_distance_follows_the_formula_and_halves_when_twice_as_far_below() -> None:
    width, height = 1000, 800
    camera = _camera(fov=90.0, height=2.0)
    f = 500.0
    near = project_point(camera, LEVEL, width, height, 0.5, 0.5 + 100 / height)
    nearer = project_point(camera, LEVEL, width, height, 0.5, 0.5 + 200 / height)
    assert near.distance_m == pytest.approx(2.0 / math.tan(math.atan(100 / f)))  # 10 m
    assert near.distance_m == pytest.approx(10.0)
    assert nearer.distance_m == pytest.approx(5.0)
    assert geo.distance_m((camera.lat, camera.lon), (near.lat, near.lon)) == pytest.approx(10.0)


def test_horizontal_offset_turns_the_bearing() -> None:
    # 90° FOV, f = 500 px: a point 500 px right of centre lies 45° right of the heading.
    point = project_point(_camera(heading=100.0, fov=90.0), LEVEL, 1000, 800, 1.0, 0.9)
    assert point.bearing == pytest.approx(145.0)


def test_bearings_wrap_across_north() -> None:
    right = project_point(_camera(heading=350.0, fov=90.0), LEVEL, 1000, 800, 1.0, 0.9)
    left = project_point(_camera(heading=10.0, fov=90.0), LEVEL, 1000, 800, 0.0, 0.9)
    assert right.bearing == pytest.approx(35.0)
    assert left.bearing == pytest.approx(325.0)


def test_a_tilted_horizon_is_read_at_the_point() -> None:
    tilted = Horizon(1, 0.4, 0.6)
    camera = _camera(fov=90.0, height=2.0)
    left = project_point(camera, tilted, 1000, 800, 0.0, 0.4 + 100 / 800)
    right = project_point(camera, tilted, 1000, 800, 1.0, 0.6 + 100 / 800)
    assert left.distance_m == pytest.approx(right.distance_m)
    assert project_point(camera, None, 1000, 800, 0.5, 0.9).note == (
        "the horizon is not marked on the frame")


def test_unreliable_projections_say_why() -> None:
    above = project_point(_camera(), LEVEL, 1000, 800, 0.5, 0.4)
    assert above.lat is None and not above.reliable and "horizon" in above.note
    grazing = project_point(_camera(fov=90.0), LEVEL, 1000, 800, 0.5, 0.5 + 5 / 800)
    assert grazing.lat is not None and not grazing.reliable
    assert "very uncertain" in grazing.note
    blind = project_point(Geolocation(1, 49.7, 37.6), LEVEL, 1000, 800, 0.5, 0.9)
    assert blind.lat is None and "heading" in blind.note


@pytest.mark.parametrize(
    ("angle", "relation"),
    [(0, TOWARD), (45, TOWARD), (45.1, ACROSS), (90, ACROSS), (134.9, ACROSS), (135, AWAY),
     (180, AWAY)],
)
def test_thresholds(angle: float, relation: str) -> None:
    assert relation_for_angle(angle) == relation


def test_track_away_from_reference_and_distances() -> None:
    centre = Landmark(7, "town centre", 49.70, 37.62)
    start = geo.destination((centre.lat, centre.lon), 270.0, 2100.0)
    end = geo.destination((centre.lat, centre.lon), 270.0, 2160.0)
    movement = Movement(1, 1, start_lat=start[0], start_lon=start[1], end_lat=end[0],
                        end_lon=end[1], reference_id=7)
    finding = assess(movement, centre)
    assert finding is not None
    assert finding.relation == AWAY
    assert finding.angle == pytest.approx(180.0, abs=0.01)
    assert finding.start_distance_m == pytest.approx(2100.0, abs=0.01)
    assert finding.end_distance_m == pytest.approx(2160.0, abs=0.01)
    assert "grows from 2.10 km to 2.16 km" in finding.sentence()
    reverse = assess(Movement(2, 1, start_lat=end[0], start_lon=end[1], end_lat=start[0],
                              end_lon=start[1]), centre)
    assert reverse is not None and reverse.relation == TOWARD
    assert "shrinks" in reverse.sentence()


def test_typed_bearing_uses_the_camera_as_start() -> None:
    centre = Landmark(1, "centre", 49.70, 37.62)
    camera = Geolocation(3, 49.70, 37.60)  # due west of the centre
    across = assess(Movement(1, 3, bearing=0.0), centre, camera)
    assert across is not None and across.relation == ACROSS
    assert across.start_distance_m is None
    assert assess(Movement(1, 3), centre, camera) is None


def test_kupiansk_sample_reads_away() -> None:
    with CaseFile.open(SAMPLES / "kupiansk.deskcase", read_only=True) as case:
        found = case_findings(case.movements(), case.landmarks(),
                              {g.evidence_id: g for g in case.geolocations()})
    assert len(found) == 1
    assert found[0]["relation"] == AWAY
    assert found[0]["reference"]["name"] == "Kupiansk centre"  # type: ignore[index]
    assert found[0]["end_distance_m"] > found[0]["start_distance_m"]  # type: ignore[operator]
