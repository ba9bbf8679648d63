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


def test_arrow_label_says_toward_or_away_from_the_reference() -> None:
    start = geo.destination((CENTRE.lat, CENTRE.lon), 293.0, 1790.0)
    end = geo.destination(start, 266.0, 15.0)
    movement = Movement(4, 7, "group", start_lat=start[0], start_lon=start[1], end_lat=end[0],
                        end_lon=end[1], bearing=266.0)
    away = scene.movement_data(movement, CENTRE)
    assert away is not None and away["label"] == "266° W · away"
    assert away["relation"] == "away"
    # The scene measures against the movement's own reference, else the case's default one.
    data = scene.build_scene([scene.Item(7, "frame", None)], [FRAME], [MAST, CENTRE],
                             [movement])
    assert data["movements"][0]["label"] == "266° W · away"
    chosen = Movement(**{**movement.__dict__, "reference_id": MAST.id})
    data = scene.build_scene([scene.Item(7, "frame", None)], [FRAME], [MAST, CENTRE], [chosen])
    assert data["movements"][0]["label"] == "266° W · toward"  # the mast lies ahead, west
    assert scene.reference_for(chosen, [MAST, CENTRE]) is MAST


def test_the_selected_frames_tracks_have_ends_and_a_line_to_the_reference() -> None:
    end = geo.destination(CAMERA, 266.0, 15.0)
    movement = Movement(4, 7, "group", start_lat=CAMERA[0], start_lon=CAMERA[1],
                        end_lat=end[0], end_lon=end[1])
    other_frame = Movement(5, 8, "elsewhere", start_lat=CAMERA[0], start_lon=CAMERA[1],
                           end_lat=end[0], end_lon=end[1])
    detail = scene.selection_detail(scene.Item(7, "frame", None), FRAME, [MAST, CENTRE],
                                    [movement, other_frame])
    (track,) = detail["tracks"]
    assert track["id"] == 4
    assert track["start"] == list(CAMERA) and track["end"] == pytest.approx(list(end))
    reference = track["reference"]
    assert reference["id"] == CENTRE.id
    assert reference["path"][0] == list(CAMERA)
    assert reference["path"][-1] == [CENTRE.lat, CENTRE.lon]
    assert reference["label"] == "113° to Kupiansk centre"
    # No reference point in the case: the track has its ends but no line.
    (alone,) = scene.selection_detail(scene.Item(7, "frame", None), FRAME, [MAST],
                                      [movement])["tracks"]
    assert alone["reference"] is None
