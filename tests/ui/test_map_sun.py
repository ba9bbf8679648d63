"""The sun on the map: for the selected frame, its shadows' directions from the camera and the
sun's azimuth ray at the claimed time (or in the middle of the first window that fits), with
labels that say what each line is, as plain text.

Uses a copy of the Kupiansk sample: frame 12 is geolocated with a fence post's shadow.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from desk.core import commands
from desk.core.frame_time import chronolocation_for
from desk.core.sun import sun_position
from desk.mapping.scene import scene_for_case
from desk.ui.shell.main_window import MainWindow
from tests.ui.map_fixtures import wait_probe
from tests.ui.test_movement import FRAME_12, show_frame
from tests.ui.test_window_map import open_with_map, sample_copy


def test_the_map_draws_the_sun_ray_at_the_claimed_time_and_the_shadow_directions(
        qtbot: QtBot, map_window: MainWindow, tmp_path: Path) -> None:
    panel = open_with_map(qtbot, map_window, sample_copy(tmp_path))
    frame = show_frame(qtbot, map_window, FRAME_12)
    case = map_window.case
    assert case is not None
    (post,) = case.shadows(frame)
    if case.time_question(frame) is not None:  # the sample asks about a day already
        assert map_window.undo_stack.push_command(commands.clear_time_question(case, frame))
    # Shadows alone: their directions from the camera, no sun yet (no day asked about).
    shown = wait_probe(qtbot, panel.view, lambda p: bool(p["shadows"]) and not p["sun"])
    assert shown["sunRay"] == 0 and shown["shadowLines"] == 1
    numbers = f"{post.bearing:.0f}° NW ± {post.tolerance:.0f}°"
    assert shown["shadows"][0].startswith(f"Shadow {numbers} · fence post")

    assert map_window.undo_stack.push_command(commands.set_time_question(
        case, frame, date(2025, 11, 20), date(2025, 11, 20), "2025-11-20 15:00"))
    answer = chronolocation_for(case, frame)
    assert answer is not None and answer.claim is not None
    sun = sun_position(answer.claim.at, answer.place)
    ray = panel.sun()["ray"]
    assert ray["azimuth"] == pytest.approx(sun.azimuth, abs=0.01)
    assert ray["why"] == "claimed" and ray["consistent"] is False
    shown = wait_probe(qtbot, panel.view, lambda p: bool(p["sun"]))
    assert shown["sunRay"] == 1
    assert shown["sun"][0].startswith(f"Sun {sun.azimuth:.0f}°")
    assert "claimed 15:00: inconsistent" in shown["sun"][0]
    assert shown["sunCast"] == [f"shadows then point {sun.shadow_bearing:.0f}°"
                                f" {ray['cast_label'].split()[-1]}"]
    # The dossier's map (drawn from the case alone) carries the same ray.
    selected = scene_for_case(case, frame)["selected"]
    assert selected["sun"]["ray"]["azimuth"] == ray["azimuth"]

    # Without a claimed time the ray stands in the middle of the first window that fits.
    assert map_window.undo_stack.push_command(commands.set_time_question(
        case, frame, date(2025, 11, 20), date(2025, 11, 20)))
    answer = chronolocation_for(case, frame)
    assert answer is not None and answer.windows
    window = answer.windows[0]
    middle = window.start + (window.end - window.start) / 2
    shown = wait_probe(qtbot, panel.view,
                       lambda p: bool(p["sun"]) and "middle of the first window" in p["sun"][0])
    assert f"{middle:%H:%M}, middle of the first window" in shown["sun"][0]
    assert panel.sun()["ray"]["consistent"] is True


def test_shadow_labels_reach_the_map_as_plain_text(
        qtbot: QtBot, map_window: MainWindow, tmp_path: Path) -> None:
    panel = open_with_map(qtbot, map_window, sample_copy(tmp_path))
    frame = show_frame(qtbot, map_window, FRAME_12)
    case = map_window.case
    assert case is not None
    (post,) = case.shadows(frame)
    hostile = "<img src=x onerror=alert(1)>`${x}`"
    assert map_window.undo_stack.push_command(commands.label_shadow(post, hostile))
    shown = wait_probe(qtbot, panel.view,
                       lambda p: bool(p["shadows"]) and "<img" in p["shadows"][0])
    numbers = f"{post.bearing:.0f}° NW ± {post.tolerance:.0f}°"
    assert shown["shadows"][0].startswith(f"Shadow {numbers} · <img src=x")
    images = []
    panel.view.evaluate("document.querySelectorAll('img[src=x]').length", images.append)
    qtbot.waitUntil(lambda: bool(images))
    assert images == [0]
