"""The helpers the window edits movements with: a horizon from two points, a track's columns,
a typed bearing turning the track, and whether a track is still its arrow's projection."""

from __future__ import annotations

import pytest

from desk.core import geo
from desk.core.model import Geolocation, Horizon, Movement
from desk.core.movement import (
    horizon_through,
    project_arrow,
    projected_fields,
    same_track,
    track_fields,
    track_length_m,
    turned_track,
)

START = (49.7159, 37.5928)


def test_a_horizon_through_two_points_reaches_both_edges() -> None:
    horizon = horizon_through(3, 1000, 500, 0.2, 0.40, 0.8, 0.46)
    assert horizon is not None and horizon.evidence_id == 3
    assert horizon.y_left == pytest.approx(0.38)
    assert horizon.y_right == pytest.approx(0.48)
    assert horizon.y_at(0.2) == pytest.approx(0.40)
    level = horizon_through(3, 1000, 500, 0.9, 0.5, 0.1, 0.5)  # drawn right to left
    assert level == Horizon(3, 0.5, 0.5)


def test_a_steep_line_or_a_point_is_no_horizon() -> None:
    assert horizon_through(1, 1280, 720, 0.5, 0.2, 0.55, 0.8) is None
    assert horizon_through(1, 1280, 720, 0.5, 0.5, 0.5, 0.5) is None
    # 30° in pixels is the limit: the aspect ratio counts, not the normalized numbers.
    assert horizon_through(1, 1000, 1000, 0.0, 0.0, 1.0, 0.57) is not None
    assert horizon_through(1, 1000, 1000, 0.0, 0.0, 1.0, 0.59) is None


def test_track_fields_carry_the_bearing_of_the_track() -> None:
    end = geo.destination(START, 266.0, 15.0)
    fields = track_fields(START, end)
    assert fields["start_lat"] == START[0] and fields["end_lon"] == end[1]
    assert fields["bearing"] == pytest.approx(266.0)
    movement = Movement(1, 1, **fields)
    assert track_length_m(movement) == pytest.approx(15.0)
    assert track_length_m(Movement(2, 1)) is None


def test_a_typed_bearing_turns_the_track_about_its_start_across_north() -> None:
    end = geo.destination(START, 350.0, 40.0)
    movement = Movement(1, 1, **track_fields(START, end))
    fields = turned_track(movement, 370.0)  # typed past 360: 10°, across north
    assert fields["bearing"] == pytest.approx(10.0)
    turned = (fields["end_lat"], fields["end_lon"])
    assert geo.initial_bearing(START, turned) == pytest.approx(10.0)  # type: ignore[arg-type]
    assert geo.distance_m(START, turned) == pytest.approx(40.0)  # type: ignore[arg-type]
    assert turned_track(Movement(2, 1), -90.0) == {"bearing": 270.0}  # no track: bearing only


def test_a_track_is_the_projection_until_something_changes() -> None:
    camera = Geolocation(1, *START, heading=262.0, fov=62.0)
    horizon = Horizon(1, 0.46, 0.46)
    arrow = Movement(1, 1, x1=0.42, y1=0.86, x2=0.52, y2=0.58)
    track = project_arrow(camera, horizon, 1280, 720, arrow)
    fields = projected_fields(track)
    assert fields is not None
    placed = Movement(1, 1, x1=0.42, y1=0.86, x2=0.52, y2=0.58, **fields)
    assert same_track(placed, track)
    higher = Geolocation(1, *START, heading=262.0, fov=62.0, camera_height_m=3.0)
    assert not same_track(placed, project_arrow(higher, horizon, 1280, 720, arrow))
    # Only the distances scale with the camera height: the direction stays.
    assert project_arrow(higher, horizon, 1280, 720, arrow).bearing == pytest.approx(
        track.bearing, abs=0.01)
    assert projected_fields(project_arrow(camera, None, 1280, 720, arrow)) is None
