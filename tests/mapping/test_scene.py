"""What the map shows, computed in Python: geodesic sight lines, cone, claim, arrows."""

from __future__ import annotations

import pytest

from desk.core import geo
from desk.core.model import Confidence, Geolocation, Gps, Landmark, Movement
from desk.mapping import scene

CAMERA = (49.7159, 37.5928)
MAST = Landmark(1, "TV mast", 49.7165, 37.5882, "tower")
CENTRE = Landmark(2, "Kupiansk centre", 49.7097, 37.6156, is_reference=True)
FRAME = Geolocation(7, *CAMERA, precision_m=40, heading=262, fov=62,
                    confidence=Confidence.HIGH)


def test_points_are_columns_with_kinds() -> None:
    items = [scene.Item(7, "frame", Gps(49.72, 37.58)), scene.Item(8, "no place", None)]
    data = scene.build_scene(items, [FRAME], [MAST])
    points = data["points"]
    assert points["id"] == [7, 7]
    assert points["kind"] == [scene.CLAIMED, 1]
    assert points["heading"] == [None, 262]
    assert data["names"] == {"7": "frame"}
    assert data["selected"] is None


def test_sight_lines_carry_geodesic_distance_and_bearing() -> None:
    detail = scene.selection_detail(scene.Item(7, "frame", None), FRAME, [MAST, CENTRE])
    mast, centre = detail["sights"]
    assert mast["distance_m"] == pytest.approx(geo.distance_m(CAMERA, (MAST.lat, MAST.lon)),
                                               abs=0.1)
    assert mast["bearing"] == pytest.approx(281.38, abs=0.01)
    assert mast["in_view"] is True
    assert mast["label"] == "338 m · 281° W · in view"
    assert centre["in_view"] is False
    assert centre["label"] == "1.8 km · 113° SE · out of view"


def test_cone_reaches_past_the_landmark_in_view() -> None:
    detail = scene.selection_detail(scene.Item(7, "frame", None), FRAME, [MAST, CENTRE])
    assert detail["range_m"] == pytest.approx(338.4 * 1.25, abs=0.2)
    cone = detail["cone"]
    assert cone[0] == list(CAMERA) and cone[-1] == list(CAMERA)
    assert geo.initial_bearing(CAMERA, cone[1]) == pytest.approx(231, abs=1e-3)
    assert geo.initial_bearing(CAMERA, cone[-2]) == pytest.approx(293, abs=1e-3)
    handles = detail["handles"]
    assert geo.initial_bearing(CAMERA, handles["heading"]) == pytest.approx(262, abs=1e-3)


def test_frame_without_heading_has_a_camera_but_no_cone() -> None:
    location = Geolocation(7, *CAMERA)
    detail = scene.selection_detail(scene.Item(7, "frame", None), location, [MAST])
    assert detail["camera"] == list(CAMERA)
    assert detail["cone"] is None
    assert detail["handles"]["heading_set"] is False
    assert detail["sights"][0]["label"] == "338 m · 281° W"


def test_claimed_position_says_how_far_it_is_from_the_camera() -> None:
    item = scene.Item(7, "frame", Gps(49.7199, 37.58))
    detail = scene.selection_detail(item, FRAME, [])
    assert detail["claimed"]["label"] == ("Claimed by metadata (EXIF GPS) · 1.0 km from the"
                                          " camera")
    alone = scene.selection_detail(item, None, [])
    assert alone["camera"] is None
    assert alone["claimed"]["label"] == "Claimed by metadata (EXIF GPS)"


def test_movement_arrow_and_hostile_colour() -> None:
    movement = Movement(1, 7, "group", color="red;background:url(x)", start_lat=49.71585,
                        start_lon=37.5924, end_lat=49.7156, end_lon=37.5899, bearing=260)
    arrow = scene.movement_data(movement)
    assert arrow is not None
    assert arrow["colour"] == "#e4572e"
    assert arrow["label"] == "260° W"
    assert arrow["head"][1] == [49.7156, 37.5899]
    assert scene.movement_data(Movement(2, 7)) is None  # not yet placed on the ground


def test_out_of_range_rows_are_left_out() -> None:
    bad = Geolocation(9, 123.0, 37.0)
    data = scene.build_scene([scene.Item(9, "bad", Gps(float("nan"), 0))], [bad],
                             [Landmark(3, "bad", 0, 500)])
    assert data["points"]["id"] == [] and data["landmarks"] == []
