"""Direction of movement in the window: arrows drawn on the frame with the mouse, the horizon,
the arrow projected onto the map, and the finding (toward / away / across) as the reviewer
reads it in the Movement tab and on the map.

Works on a copy of the Kupiansk sample: real 1280 x 720 stills, both clip frames geolocated
(camera 49.7159, 37.5928, heading 262°, FOV 62°) with the horizon marked 46% down; frame 12
has the arrow "group of 6 soldiers", measured against the reference point "Kupiansk centre".
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest
from pytestqt.qtbot import QtBot

from desk.core import commands, geo
from desk.core.model import Landmark, Movement
from desk.core.movement import project_arrow, why_no_finding
from desk.ui.frame.frame_view import FrameView
from desk.ui.shell.main_window import MainWindow
from tests.ui.map_fixtures import click_map, drag_map, wait_probe
from tests.ui.test_window_map import open_with_map, sample_copy

FRAME_12 = "state_tv_clip_frame_0012.jpg"
FRAME_47 = "state_tv_clip_frame_0047.jpg"
CTRL = Qt.KeyboardModifier.ControlModifier
SHIFT = Qt.KeyboardModifier.ShiftModifier


# ----------------------------------------------------------------------------- helpers


def show_frame(qtbot: QtBot, window: MainWindow, name: str) -> int:
    """Select a frame in the list and wait for its full-resolution image."""
    assert window.case is not None
    evidence_id = next(e.id for e in window.case.list_evidence() if e.name == name)
    if window.evidence_list.current_evidence_id() != evidence_id:
        with qtbot.waitSignal(window.frame_view.frameShown, timeout=10_000):
            window.evidence_list.select_evidence(evidence_id)
    elif not window.frame_view.is_full_resolution:
        qtbot.waitUntil(lambda: window.frame_view.is_full_resolution, timeout=10_000)
    return evidence_id


def open_sample(qtbot: QtBot, window: MainWindow, tmp_path: Path, name: str = FRAME_47
                ) -> int:
    with qtbot.waitSignal(window.frame_view.frameShown, timeout=10_000):
        assert window.open_case(sample_copy(tmp_path))
    return show_frame(qtbot, window, name)


def at(view: FrameView, x: float, y: float) -> QPoint:
    """Where normalized image position (x, y) is on the frame view's viewport."""
    return view.mapFromScene(view.from_normalized(x, y))


def drag_frame(view: FrameView, start: tuple[float, float], end: tuple[float, float],
               steps: int = 6) -> None:
    """Press, move in steps and release on the frame, as a reviewer's mouse would."""
    viewport = view.viewport()
    a, b = at(view, *start), at(view, *end)
    QTest.mousePress(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, a)
    for i in range(1, steps + 1):
        QTest.mouseMove(viewport, QPoint(a.x() + (b.x() - a.x()) * i // steps,
                                         a.y() + (b.y() - a.y()) * i // steps))
    QTest.mouseRelease(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, b)


def pixel(view: FrameView) -> float:
    """One screen pixel in normalized image units (the precision of a mouse gesture)."""
    return 1.0 / (view.zoom * min(view.image_size().width(), view.image_size().height()))


def ends(movement: Movement) -> tuple[float, float, float, float]:
    return movement.x1, movement.y1, movement.x2, movement.y2


def actions(window: MainWindow) -> list[str]:
    assert window.case is not None
    return [entry.action for entry in window.case.audit_entries()]


# ----------------------------------------------------------------------------- on the frame


def test_an_arrow_drawn_with_the_mouse_is_saved_labelled_and_undone_in_steps(
        qtbot: QtBot, window: MainWindow, tmp_path: Path) -> None:
    frame = open_sample(qtbot, window, tmp_path)
    case = window.case
    assert case is not None and case.movements(frame) == []
    view = window.frame_view
    qtbot.keyClick(view, Qt.Key.Key_M)
    assert view.tool == "movement" and window.movement_tool_action.isChecked()
    assert window.inspector.tabs.currentWidget() is window.movement_panel

    drag_frame(view, (0.30, 0.85), (0.40, 0.62))
    (arrow,) = case.movements(frame)
    assert ends(arrow) == pytest.approx((0.30, 0.85, 0.40, 0.62), abs=2 * pixel(view))
    assert actions(window)[-1] == commands.ADD_ARROW.name
    # The new arrow is on the frame, selected, and its label editor is open and focused.
    assert set(view.annotator.arrows) == {arrow.id}
    assert view.annotator.selected == arrow.id
    editor = view.annotator.editor
    assert editor.isVisible() and editor.field.hasFocus()
    qtbot.keyClicks(editor.field, "<b>vehicle</b>")
    qtbot.keyClick(editor.field, Qt.Key.Key_Return)
    assert not editor.isVisible()
    assert case.movements(frame)[0].label == "<b>vehicle</b>"
    label = view.annotator.arrows[arrow.id].label
    assert label.text == "<b>vehicle</b>"  # plain text: the tags show, nothing is bold
    assert window.movement_panel.arrow_list.item(0).text().startswith("<b>vehicle</b> — ")

    qtbot.keyClick(view, Qt.Key.Key_Z, CTRL)  # the label goes...
    assert case.movements(frame)[0].label == ""
    qtbot.keyClick(view, Qt.Key.Key_Z, CTRL)  # ...then the arrow
    assert case.movements(frame) == []
    assert view.annotator.arrows == {}
    assert window.movement_panel.arrow_list.count() == 0
    qtbot.keyClick(view, Qt.Key.Key_Z, CTRL | SHIFT)
    (back,) = case.movements(frame)
    assert ends(back) == pytest.approx(ends(arrow))
    assert set(view.annotator.arrows) == {back.id}
    qtbot.keyClick(view, Qt.Key.Key_Z, CTRL | SHIFT)
    assert case.movements(frame)[0].label == "<b>vehicle</b>"
    add, label_ = commands.ADD_ARROW.name, commands.LABEL_ARROW.name
    assert actions(window)[-4:] == [f"undo {label_}", f"undo {add}", add, label_]

    qtbot.keyClick(view, Qt.Key.Key_Escape)
    assert view.tool == "pan" and window.pan_tool_action.isChecked()


def test_a_click_is_not_an_arrow(qtbot: QtBot, window: MainWindow, tmp_path: Path) -> None:
    frame = open_sample(qtbot, window, tmp_path)
    view = window.frame_view
    window.movement_tool_action.trigger()
    drag_frame(view, (0.5, 0.8), (0.5, 0.8), steps=1)
    assert window.case is not None and window.case.movements(frame) == []
    assert "Drag from where the movement starts" in window.statusBar().currentMessage()


def test_dragging_the_arrow_moves_it_and_dragging_an_end_reshapes_it_each_one_undo_step(
        qtbot: QtBot, window: MainWindow, tmp_path: Path) -> None:
    frame = open_sample(qtbot, window, tmp_path, FRAME_12)
    case = window.case
    assert case is not None
    view = window.frame_view
    (arrow,) = case.movements(frame)
    assert view.tool == "pan"  # arrows are selected and moved with the pan tool
    middle = ((arrow.x1 + arrow.x2) / 2, (arrow.y1 + arrow.y2) / 2)
    drag_frame(view, middle, (middle[0] - 0.1, middle[1] - 0.05), steps=8)
    moved = case.movements(frame)[0]
    tolerance = 2 * pixel(view)
    assert ends(moved) == pytest.approx((arrow.x1 - 0.1, arrow.y1 - 0.05, arrow.x2 - 0.1,
                                         arrow.y2 - 0.05), abs=tolerance)
    assert view.annotator.selected == arrow.id
    assert window.movement_panel.selected == arrow.id

    drag_frame(view, (moved.x2, moved.y2), (0.70, 0.55))  # the head's handle
    reshaped = case.movements(frame)[0]
    assert (reshaped.x1, reshaped.y1) == pytest.approx((moved.x1, moved.y1))
    assert (reshaped.x2, reshaped.y2) == pytest.approx((0.70, 0.55), abs=tolerance)
    assert actions(window)[-2:] == [commands.MOVE_ARROW.name, commands.RESHAPE_ARROW.name]

    window.undo_action.trigger()
    assert ends(case.movements(frame)[0]) == pytest.approx(ends(moved))
    window.undo_action.trigger()
    assert ends(case.movements(frame)[0]) == pytest.approx(ends(arrow))
    # The ground track stays where it was: moving an arrow does not move its track silently.
    assert case.movements(frame)[0].end_lat == arrow.end_lat


def test_delete_removes_the_selected_arrow(qtbot: QtBot, window: MainWindow,
                                           tmp_path: Path) -> None:
    frame = open_sample(qtbot, window, tmp_path, FRAME_12)
    case = window.case
    assert case is not None
    view = window.frame_view
    (arrow,) = case.movements(frame)
    QTest.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                     at(view, (arrow.x1 + arrow.x2) / 2, (arrow.y1 + arrow.y2) / 2))
    assert view.annotator.selected == arrow.id
    qtbot.keyClick(view, Qt.Key.Key_Delete)
    assert case.movements(frame) == []
    assert window.movement_panel.arrow_list.count() == 0
    window.undo_action.trigger()
    assert [m.label for m in case.movements(frame)] == ["group of 6 soldiers"]


def test_the_horizon_is_marked_by_dragging_along_it_and_extended_to_the_edges(
        qtbot: QtBot, window: MainWindow, tmp_path: Path) -> None:
    frame = open_sample(qtbot, window, tmp_path)
    case = window.case
    assert case is not None
    view = window.frame_view
    window.movement_panel.remove_horizon_button.click()
    assert case.horizon(frame) is None
    assert "Horizon not marked" in window.movement_panel.horizon_label.text()
    qtbot.keyClick(view, Qt.Key.Key_H)
    assert view.tool == "horizon"
    drag_frame(view, (0.2, 0.40), (0.8, 0.46))  # tilted: 0.1 of the height per width
    horizon = case.horizon(frame)
    assert horizon is not None
    tolerance = 3 * pixel(view)
    assert horizon.y_left == pytest.approx(0.38, abs=tolerance)
    assert horizon.y_right == pytest.approx(0.48, abs=tolerance)
    assert view.annotator.horizon_item is not None
    assert "tilted" in window.movement_panel.horizon_label.text()
    # Its right end's handle adjusts it (one undo step).
    drag_frame(view, (1.0, horizon.y_right), (1.0, 0.40))
    adjusted = case.horizon(frame)
    assert adjusted is not None and adjusted.y_left == pytest.approx(horizon.y_left)
    assert adjusted.y_right == pytest.approx(0.40, abs=tolerance)
    # A steep line is no horizon: refused, with the reason in the status bar.
    drag_frame(view, (0.5, 0.2), (0.55, 0.8))
    assert case.horizon(frame) == adjusted
    assert "too steep" in window.statusBar().currentMessage()
    window.undo_action.trigger()
    assert case.horizon(frame) == horizon
    window.undo_action.trigger()
    assert case.horizon(frame) is None


# ----------------------------------------------------------------------------- on the map


def test_projecting_the_arrow_puts_its_track_on_the_map_and_the_reference_decides(
        qtbot: QtBot, map_window: MainWindow, tmp_path: Path) -> None:
    window = map_window
    panel = open_with_map(qtbot, window, sample_copy(tmp_path))
    frame = show_frame(qtbot, window, FRAME_47)
    case = window.case
    assert case is not None
    item = case.get_evidence(frame)
    movements = window.movement_panel
    # A new arrow on frame 47: walkers going up the road, not yet on the map.
    window.movement_tool_action.trigger()
    drag_frame(window.frame_view, (0.45, 0.80), (0.52, 0.60))
    window.frame_view.annotator.editor.dismiss()
    (arrow,) = case.movements(frame)
    assert movements.selected == arrow.id
    assert movements.track_status.text().startswith("Not on the map yet. Projected, it would")
    assert movements.relation_label.text() == "NO FINDING YET"
    assert movements.relation_line.text() == why_no_finding(arrow, case.landmarks(),
                                                            case.geolocation(frame))

    movements.project_button.click()
    placed = case.movements(frame)[0]
    track = project_arrow(case.geolocation(frame), case.horizon(frame), item.width,
                          item.height, arrow)
    assert (placed.start_lat, placed.start_lon) == pytest.approx((track.start.lat,
                                                                  track.start.lon))
    assert (placed.end_lat, placed.end_lon) == pytest.approx((track.end.lat, track.end.lon))
    assert placed.bearing == pytest.approx(track.bearing)
    assert actions(window)[-1] == commands.PROJECT_TRACK.name
    compass = f"{track.bearing:.0f}° {geo.compass_label(track.bearing)}"
    assert movements.track_status.text().startswith(f"Projected onto the map: {compass}, ")
    # The finding, big and with its numbers: the default reference is the town centre.
    assert movements.relation_label.text() == "AWAY"
    assert movements.finding is not None and movements.finding.angle >= 135
    assert movements.relation_line.text() == movements.finding.relation_sentence()
    assert movements.relation_line.text().endswith(
        "so the movement is away (toward ≤ 45°, away ≥ 135°).")
    assert movements.distance_label.text().startswith("Distance to Kupiansk centre grows from")
    # The map shows the track with its bearing and relation, and the line to the reference.
    # (The new arrow has no label: on the map, as on the frame, it is the frame's "Arrow 1".)
    state = wait_probe(qtbot, panel.view,
                       lambda s: f"Arrow 1 · {compass} · away" in s["movements"])
    assert state["references"] and state["references"][0].endswith("° to Kupiansk centre")
    assert {t["id"] for t in state["tracks"]} == {arrow.id}

    # A landmark ahead of the track, chosen as the reference: now it goes toward it.
    ahead = geo.destination((placed.end_lat, placed.end_lon), track.bearing, 400.0)
    window.undo_stack.push_command(commands.add_landmark(case, Landmark(
        0, "road exit", *ahead, kind="road")))
    exit_id = max(lm.id for lm in case.landmarks())
    combo = movements.reference_combo
    combo.setCurrentIndex(combo.findData(exit_id))
    assert case.movements(frame)[0].reference_id == exit_id
    assert movements.relation_label.text() == "TOWARD"
    assert movements.finding is not None and movements.finding.angle <= 45
    assert movements.distance_label.text().startswith("Distance to road exit shrinks from")
    wait_probe(qtbot, panel.view, lambda s: f"Arrow 1 · {compass} · toward" in s["movements"])
    window.undo_action.trigger()  # back to the town centre
    assert movements.relation_label.text() == "AWAY"
    wait_probe(qtbot, panel.view, lambda s: f"Arrow 1 · {compass} · away" in s["movements"])


def test_a_track_drawn_on_the_map_with_two_clicks_and_corrected_by_dragging_its_end(
        qtbot: QtBot, map_window: MainWindow, tmp_path: Path) -> None:
    window = map_window
    panel = open_with_map(qtbot, window, sample_copy(tmp_path))
    frame = show_frame(qtbot, window, FRAME_47)
    case = window.case
    assert case is not None
    window.undo_stack.push_command(commands.add_movement(case, Movement(
        0, frame, label="vehicle", x1=0.5, y1=0.9, x2=0.6, y2=0.7)))
    (arrow,) = case.movements(frame)
    movements = window.movement_panel
    assert movements.selected == arrow.id
    movements.draw_on_map_button.click()
    state = wait_probe(qtbot, panel.view, lambda s: s["mode"] == "track")
    assert state["hint"] == "Click where the movement starts on the ground"
    start, end = (49.7158, 37.5915), (49.7162, 37.5935)
    click_map(qtbot, panel.view, *start)
    wait_probe(qtbot, panel.view, lambda s: s["hint"] == "Now click where it ends")
    click_map(qtbot, panel.view, *end)
    qtbot.waitUntil(lambda: case.movements(frame)[0].end_lat is not None)
    drawn = case.movements(frame)[0]
    assert (drawn.start_lat, drawn.start_lon) == pytest.approx(start, abs=3e-5)
    assert (drawn.end_lat, drawn.end_lon) == pytest.approx(end, abs=3e-5)
    assert drawn.bearing == pytest.approx(geo.initial_bearing(
        (drawn.start_lat, drawn.start_lon), (drawn.end_lat, drawn.end_lon)))
    assert drawn.bearing == pytest.approx(geo.initial_bearing(start, end), abs=2)  # pixels
    assert not movements.draw_on_map_button.isChecked()
    assert movements.track_status.text().startswith("On the map (drawn or corrected by hand)")
    state = wait_probe(qtbot, panel.view, lambda s: s["mode"] == "none" and len(s["tracks"]) == 2)
    assert any(label.startswith("vehicle · ") for label in state["movements"])

    # Drag the track's head to correct it: one undoable edit, the bearing follows.
    moved_to = (49.7165, 37.5932)
    drag_map(qtbot, panel.view, (drawn.end_lat, drawn.end_lon), moved_to)
    qtbot.waitUntil(lambda: case.movements(frame)[0].end_lat != drawn.end_lat)
    corrected = case.movements(frame)[0]
    assert (corrected.end_lat, corrected.end_lon) == pytest.approx(moved_to, abs=3e-5)
    assert (corrected.start_lat, corrected.start_lon) == (drawn.start_lat, drawn.start_lon)
    assert corrected.bearing == pytest.approx(geo.initial_bearing(
        (drawn.start_lat, drawn.start_lon), (corrected.end_lat, corrected.end_lon)))
    assert actions(window)[-1] == commands.CORRECT_TRACK.name
    window.undo_action.trigger()
    assert case.movements(frame)[0].end_lat == drawn.end_lat


def test_a_typed_bearing_turns_the_track_and_the_camera_height_is_editable(
        qtbot: QtBot, window: MainWindow, tmp_path: Path) -> None:
    frame = open_sample(qtbot, window, tmp_path, FRAME_12)
    case = window.case
    assert case is not None
    movements = window.movement_panel
    (arrow,) = case.movements(frame)
    assert movements.relation_label.text() == "AWAY"
    length = geo.distance_m((arrow.start_lat, arrow.start_lon), (arrow.end_lat, arrow.end_lon))
    movements.bearing_spin.setValue(113.0)  # straight at the town centre
    turned = case.movements(frame)[0]
    assert (turned.start_lat, turned.start_lon) == (arrow.start_lat, arrow.start_lon)
    assert geo.initial_bearing((turned.start_lat, turned.start_lon),
                               (turned.end_lat, turned.end_lon)) == pytest.approx(113.0)
    assert geo.distance_m((turned.start_lat, turned.start_lon),
                          (turned.end_lat, turned.end_lon)) == pytest.approx(length, abs=0.01)
    assert movements.relation_label.text() == "TOWARD"
    window.undo_action.trigger()
    assert movements.relation_label.text() == "AWAY"

    assert movements.height_spin.value() == pytest.approx(1.7)
    movements.height_spin.setValue(3.0)
    geolocation = case.geolocation(frame)
    assert geolocation is not None and geolocation.camera_height_m == pytest.approx(3.0)
    # The projection now differs from the track on the map, and the panel says so.
    assert movements.track_status.text().startswith("On the map (drawn or corrected by hand)")
    assert "Projecting the arrow now gives" in movements.track_warning.text()
    window.undo_action.trigger()
    assert movements.track_status.text().startswith("Projected onto the map: ")


def test_the_kupiansk_sample_reads_away_at_a_glance(qtbot: QtBot, window: MainWindow,
                                                     tmp_path: Path) -> None:
    open_sample(qtbot, window, tmp_path, FRAME_12)
    movements = window.movement_panel
    window.inspector.tabs.setCurrentWidget(movements)
    assert movements.relation_label.text() == "AWAY"
    assert movements.relation_label.isVisible()
    assert movements.relation_label.font().pointSizeF() >= 20
    finding: Any = movements.finding
    assert finding.reference_name == "Kupiansk centre" and finding.angle >= 135
    assert movements.angle_label.text() == f"{finding.angle:.0f}°"
    # The core's sentences, word for word: what the dossier and `desk info` say.
    assert movements.relation_line.text() == finding.relation_sentence()
    assert movements.relation_line.text().startswith(
        "Moving at 266° (W); the bearing to Kupiansk centre is ")
    assert "so the movement is away (toward ≤ 45°, away ≥ 135°)." in movements.relation_line.text()
    assert movements.distance_label.text() == finding.distance_sentence()
    assert movements.distance_label.text().startswith(
        "Distance to Kupiansk centre grows from 1.79 km to 1.80 km")
    assert movements.track_status.text().startswith("Projected onto the map: 266° W, ")
    assert movements.arrow_list.item(0).text() == "group of 6 soldiers — 266° W · away"


def test_names_in_the_movement_tab_are_plain_text(qtbot: QtBot, window: MainWindow,
                                                  tmp_path: Path) -> None:
    frame = open_sample(qtbot, window, tmp_path, FRAME_12)
    case = window.case
    assert case is not None
    hostile = '<img src=x onerror="alert(1)"><b>centre</b>'
    window.undo_stack.push_command(commands.add_landmark(case, Landmark(
        0, hostile, 49.7097, 37.6156)))
    movements = window.movement_panel
    combo = movements.reference_combo
    combo.setCurrentIndex(combo.findData(max(lm.id for lm in case.landmarks())))
    assert case.movements(frame)[0].reference_id == max(lm.id for lm in case.landmarks())
    assert movements.finding is not None
    assert movements.relation_line.text() == movements.finding.relation_sentence()
    assert f"the bearing to {hostile} is " in movements.relation_line.text()
    assert movements.distance_label.text().startswith(f"Distance to {hostile} ")
    assert combo.currentText() == hostile
    from PySide6.QtWidgets import QLabel

    assert all(label.textFormat() == Qt.TextFormat.PlainText
               for label in movements.findChildren(QLabel) if label.text() and "<" in label.text())


def test_a_landmark_is_made_the_case_reference_point_in_one_undo_step(
        qtbot: QtBot, window: MainWindow, tmp_path: Path) -> None:
    frame = open_sample(qtbot, window, tmp_path, FRAME_12)
    case = window.case
    assert case is not None
    movements = window.movement_panel
    combo = movements.reference_combo
    assert combo.currentText() == "Kupiansk centre · default"
    assert movements.default_button.isHidden()  # it is the default already
    mast = next(lm for lm in case.landmarks() if lm.name == "TV mast")
    combo.setCurrentIndex(combo.findData(mast.id))
    assert case.movements(frame)[0].reference_id == mast.id
    assert movements.finding is not None and movements.finding.reference_name == "TV mast"
    assert not movements.default_button.isHidden()
    movements.default_button.click()
    assert {lm.name: lm.is_reference for lm in case.landmarks()} == {
        "TV mast": True, "Kupiansk centre": False}
    assert combo.currentText() == "TV mast · default"
    window.undo_action.trigger()
    assert {lm.name: lm.is_reference for lm in case.landmarks()} == {
        "TV mast": False, "Kupiansk centre": True}
