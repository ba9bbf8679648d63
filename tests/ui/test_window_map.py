"""The map in the window: beside the frame, following the list, and the list following it.

A real QtWebEngine page (offscreen, offline) over a copy of the Kupiansk sample case.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from desk.core import commands
from desk.ui.shell.main_window import MainWindow
from tests.ui.conftest import flush_events
from tests.ui.map_fixtures import click_map, wait_probe

SAMPLE = Path(__file__).resolve().parents[2] / "sample_cases" / "kupiansk.deskcase"
#: Where the Kupiansk sample's camera stood (both clip frames).
CAMERA = (49.7159, 37.5928)
#: The 2020 drone still's EXIF position (49°42'52.6"N 37°35'19"E).
DRONE_GPS = (49 + 42 / 60 + 52.6 / 3600, 37 + 35 / 60 + 19 / 3600)


def sample_copy(tmp_path: Path) -> Path:
    target = tmp_path / "kupiansk.deskcase"
    shutil.copyfile(SAMPLE, target)
    return target


def ids_by_name(window: MainWindow) -> dict[str, int]:
    assert window.case is not None
    return {e.name: e.id for e in window.case.list_evidence()}


def open_with_map(qtbot: QtBot, window: MainWindow, path: Path) -> Any:
    """Open a case and wait for the map the window starts for it."""
    assert window.open_case(path)
    qtbot.waitUntil(lambda: window.map_panel is not None and window.map_panel.view.is_ready,
                    timeout=15_000)
    return window.map_panel


def test_frame_and_map_sit_side_by_side_and_show_map_toggles(
        qtbot: QtBot, map_window: MainWindow, tmp_path: Path) -> None:
    open_with_map(qtbot, map_window, sample_copy(tmp_path))
    frame = map_window.frame_view
    holder = map_window.map_holder
    # The frame (or, for a video, the player in its place) left, the map right.
    assert map_window.centre_stack.currentWidget() is frame
    assert map_window.centre_splitter.indexOf(map_window.centre_stack) == 0
    assert map_window.centre_splitter.indexOf(holder) == 1
    # Side by side and both visible: the map's left edge is right of the frame's right edge.
    left_of_map = holder.mapTo(map_window, holder.rect().topLeft()).x()
    right_of_frame = frame.mapTo(map_window, frame.rect().topRight()).x()
    assert left_of_map > right_of_frame and frame.width() > 300 and holder.width() > 300
    assert map_window.show_map_action.isChecked()
    qtbot.keyClick(map_window.evidence_list, Qt.Key.Key_M, Qt.KeyboardModifier.ControlModifier)
    assert holder.isHidden() and not map_window.show_map_action.isChecked()
    qtbot.keyClick(map_window.evidence_list, Qt.Key.Key_M, Qt.KeyboardModifier.ControlModifier)
    assert holder.isVisible()


def test_selecting_in_the_list_centres_the_map_and_picking_on_the_map_selects_in_the_list(
        qtbot: QtBot, map_window: MainWindow, tmp_path: Path) -> None:
    panel = open_with_map(qtbot, map_window, sample_copy(tmp_path))
    ids = ids_by_name(map_window)
    frame = ids["state_tv_clip_frame_0047.jpg"]
    map_window.evidence_list.select_evidence(frame)
    state = wait_probe(qtbot, panel.view, lambda s: s["selected"] == frame)
    assert state["camera"] == pytest.approx(list(CAMERA))
    assert state["centre"] == pytest.approx(list(CAMERA), abs=0.005)
    assert state["zoom"] >= 15

    drone = ids["reference_drone_2020.jpg"]
    click_map(qtbot, panel.view, *DRONE_GPS)  # the drone still's claimed position
    qtbot.waitUntil(lambda: map_window.evidence_list.current_evidence_id() == drone)
    assert map_window.inspector.name.text() == "reference_drone_2020.jpg"
    state = wait_probe(qtbot, panel.view, lambda s: s["selected"] == drone)
    assert state["claims"] == ["Claimed by metadata (EXIF GPS)"]


def test_geolocating_by_a_map_click_is_undone_by_ctrl_z_and_the_map_follows(
        qtbot: QtBot, map_window: MainWindow, tmp_path: Path) -> None:
    panel = open_with_map(qtbot, map_window, sample_copy(tmp_path))
    case = map_window.case
    assert case is not None
    drone = ids_by_name(map_window)["reference_drone_2020.jpg"]
    map_window.evidence_list.select_evidence(drone)
    wait_probe(qtbot, panel.view, lambda s: s["selected"] == drone and s["camera"] is None)
    assert case.geolocation(drone) is None

    target = (49.7140, 37.5900)  # in view, clear of the drone still's own point
    click_map(qtbot, panel.view, *target)
    qtbot.waitUntil(lambda: case.geolocation(drone) is not None)
    placed = case.geolocation(drone)
    assert (placed.lat, placed.lon) == pytest.approx(target, abs=3e-5)  # within a pixel
    state = wait_probe(qtbot, panel.view, lambda s: s["camera"] is not None)
    assert state["camera"] == pytest.approx([placed.lat, placed.lon])
    assert map_window.inspector.geolocated.text().startswith(f"{placed.lat:.5f}, ")

    qtbot.keyClick(map_window.evidence_list, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert case.geolocation(drone) is None
    assert case.audit_entries()[-1].action == f"undo {commands.GEOLOCATE.name}"
    wait_probe(qtbot, panel.view, lambda s: s["camera"] is None)  # the map refreshed on undo
    qtbot.keyClick(map_window.evidence_list, Qt.Key.Key_Z,
                   Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    state = wait_probe(qtbot, panel.view, lambda s: s["camera"] is not None)  # and on redo
    assert state["camera"] == pytest.approx([placed.lat, placed.lon])


def test_the_map_waits_until_the_case_is_open_and_closes_with_the_window(
        qtbot: QtBot, window: MainWindow, tmp_path: Path) -> None:
    # The default test window never starts the map by itself (start-up stays quick)...
    assert window.open_case(sample_copy(tmp_path))
    flush_events(qtbot)  # what opening the case queued has run
    assert not window._map_timer.isActive()  # and nothing is set to start it later
    assert window.map_panel is None
    assert window.map_placeholder.isVisible()
    # ...but asking for it (Show Map, Draw on map) does.
    panel = window.ensure_map()
    qtbot.waitUntil(lambda: panel.view.is_ready, timeout=15_000)
    assert window.map_placeholder.isHidden()
    window.close()
    assert window.map_panel is None
