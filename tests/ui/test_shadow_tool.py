"""Shadows in the window: drawn on the frame with the mouse (base to tip), laid on the ground
by the camera model, edited, undone, and the Sun tab's answer with its day chart.

Works on a copy of the Kupiansk sample: 1280 x 720 stills; frames 12 and 47 are geolocated
(heading 262°, FOV 62°) with the horizon marked; frame 12 has a fence post's shadow; the
reference drone still has no geolocation at all.
"""

from __future__ import annotations

import threading
from datetime import date
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from pytestqt.qtbot import QtBot

from desk.core import commands
from desk.core.day_chart import finding_chart_svg
from desk.core.frame_time import chronolocation_for
from desk.core.model import Shadow
from desk.core.shadow_projection import project_shadow
from desk.ui.frame.frame_annotations import saved_tolerance, shadow_ends
from desk.ui.frame.shadow_panel import degrees_text
from desk.ui.shell.main_window import MainWindow
from tests.ui.test_movement import (
    CTRL,
    FRAME_12,
    FRAME_47,
    SHIFT,
    actions,
    at,
    drag_frame,
    open_sample,
    pixel,
    show_frame,
)

DRONE = "reference_drone_2020.jpg"


def projected(window: MainWindow, frame: int, shadow: Shadow) -> tuple[float, float]:
    """What the camera model says of the shadow's drawing, as the tool saves it."""
    case = window.case
    assert case is not None
    location, horizon = case.geolocation(frame), case.horizon(frame)
    ends = shadow_ends(shadow)
    assert location is not None and ends is not None
    result = project_shadow(location, horizon, 1280, 720, *ends,
                            drawing_px=window.frame_view.annotator.drawing_px())
    assert result.bearing is not None
    return round(result.bearing, 2), saved_tolerance(result.tolerance)


def type_into(qtbot: QtBot, field: object, text: str) -> None:
    """Replace a field's text as a reviewer would, then leave it (Return)."""
    field.setFocus()  # type: ignore[attr-defined]
    field.selectAll()  # type: ignore[attr-defined]
    qtbot.keyClicks(field, text)
    qtbot.keyClick(field, Qt.Key.Key_Return)


def test_a_shadow_drawn_with_the_mouse_points_where_the_camera_model_says_and_undoes(
        qtbot: QtBot, window: MainWindow, tmp_path: Path) -> None:
    frame = open_sample(qtbot, window, tmp_path, FRAME_47)
    case = window.case
    assert case is not None and case.shadows(frame) == []
    view = window.frame_view
    qtbot.keyClick(view, Qt.Key.Key_S)
    assert view.tool == "shadow" and window.shadow_tool_action.isChecked()
    assert window.inspector.tabs.currentWidget() is window.shadow_panel

    drag_frame(view, (0.35, 0.82), (0.55, 0.74))
    (shadow,) = case.shadows(frame)
    assert shadow_ends(shadow) == pytest.approx((0.35, 0.82, 0.55, 0.74), abs=2 * pixel(view))
    assert (shadow.bearing, shadow.tolerance) == pytest.approx(projected(window, frame, shadow))
    assert actions(window)[-1] == commands.ADD_SHADOW.name
    # On the frame, selected, and listed in the Sun tab with its bearing.
    assert set(view.annotator.shadow_items) == {shadow.id}
    assert view.annotator.selected_shadow == shadow.id
    panel = window.shadow_panel
    assert panel.selected == shadow.id
    assert panel.shadow_list.item(0).text() == (f"Shadow 1 — {degrees_text(shadow.bearing)} ±"
                                                f" {degrees_text(shadow.tolerance)}")
    assert panel.source_label.text().startswith("From the drawing and the camera model")

    qtbot.keyClick(view, Qt.Key.Key_Z, CTRL)
    assert case.shadows(frame) == []
    assert view.annotator.shadow_items == {}
    assert panel.shadow_list.count() == 0
    qtbot.keyClick(view, Qt.Key.Key_Z, CTRL | SHIFT)
    (back,) = case.shadows(frame)
    assert back.bearing == shadow.bearing and shadow_ends(back) == shadow_ends(shadow)

    qtbot.keyClick(view, Qt.Key.Key_Escape)
    assert view.tool == "pan" and window.pan_tool_action.isChecked()


def test_dragging_a_shadows_tip_turns_its_bearing_with_it_in_one_undo_step(
        qtbot: QtBot, window: MainWindow, tmp_path: Path) -> None:
    frame = open_sample(qtbot, window, tmp_path, FRAME_47)
    case = window.case
    assert case is not None
    view = window.frame_view
    window.shadow_tool_action.trigger()
    drag_frame(view, (0.35, 0.82), (0.55, 0.74))
    (drawn,) = case.shadows(frame)
    qtbot.keyClick(view, Qt.Key.Key_V)  # pan and select: shadows are moved with it
    drag_frame(view, (0.55, 0.74), (0.60, 0.85))
    (moved,) = case.shadows(frame)
    assert (moved.x1, moved.y1) == pytest.approx((drawn.x1, drawn.y1))
    assert (moved.x2, moved.y2) == pytest.approx((0.60, 0.85), abs=2 * pixel(view))
    assert abs(moved.bearing - drawn.bearing) > 5
    assert (moved.bearing, moved.tolerance) == pytest.approx(projected(window, frame, moved))

    window.undo_action.trigger()  # the drawing and the bearing come back together
    (undone,) = case.shadows(frame)
    assert shadow_ends(undone) == shadow_ends(drawn) and undone.bearing == drawn.bearing


def test_delete_removes_the_selected_shadow(qtbot: QtBot, window: MainWindow,
                                            tmp_path: Path) -> None:
    frame = open_sample(qtbot, window, tmp_path, FRAME_12)
    case = window.case
    assert case is not None
    view = window.frame_view
    (post,) = case.shadows(frame)
    assert post.x1 is not None and post.x2 is not None
    assert post.y1 is not None and post.y2 is not None
    QTest.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                     at(view, (post.x1 + post.x2) / 2, (post.y1 + post.y2) / 2))
    assert view.annotator.selected_shadow == post.id
    assert window.inspector.tabs.currentWidget() is window.shadow_panel
    qtbot.keyClick(view, Qt.Key.Key_Delete)
    assert case.shadows(frame) == []
    window.undo_action.trigger()
    assert [s.label for s in case.shadows(frame)] == [post.label]


def test_on_a_frame_without_a_camera_model_the_drawing_waits_for_a_typed_bearing(
        qtbot: QtBot, window: MainWindow, tmp_path: Path) -> None:
    open_sample(qtbot, window, tmp_path, FRAME_47)
    frame = show_frame(qtbot, window, DRONE)
    case = window.case
    assert case is not None
    view, panel = window.frame_view, window.shadow_panel
    assert "not geolocated" in panel.model_hint.text()
    window.shadow_tool_action.trigger()
    drag_frame(view, (0.30, 0.80), (0.45, 0.70))
    assert case.shadows(frame) == []  # nothing saved without a bearing...
    assert view.annotator.pending_item is not None  # ...but the drawing stays
    assert panel.pending_card.isVisible()
    assert "not saved" in panel.pending_text.text()

    type_into(qtbot, panel.pending_bearing, "north")
    assert case.shadows(frame) == []
    assert "not a number" in panel.pending_error.text()
    type_into(qtbot, panel.pending_bearing, "312")
    (shadow,) = case.shadows(frame)
    assert (shadow.bearing, shadow.tolerance) == (312.0, 5.0)
    assert shadow_ends(shadow) == pytest.approx((0.30, 0.80, 0.45, 0.70), abs=2 * pixel(view))
    assert view.annotator.pending_item is None and not panel.pending_card.isVisible()
    assert set(view.annotator.shadow_items) == {shadow.id}
    assert panel.source_label.text().startswith("Typed")


def test_a_typed_bearing_and_sizes_are_checked_and_saved(
        qtbot: QtBot, window: MainWindow, tmp_path: Path) -> None:
    frame = open_sample(qtbot, window, tmp_path, FRAME_12)
    case = window.case
    assert case is not None
    panel = window.shadow_panel
    window.inspector.tabs.setCurrentWidget(panel)
    (post,) = case.shadows(frame)
    type_into(qtbot, panel.bearing_field, "400")
    assert "0 to 360" in panel.shadow_error.text() and panel.shadow_error.isVisible()
    assert case.shadows(frame)[0].bearing == post.bearing
    type_into(qtbot, panel.bearing_field, "310,5")
    assert case.shadows(frame)[0].bearing == 310.5
    assert not panel.shadow_error.isVisible()
    type_into(qtbot, panel.height_field, "-2")
    assert "object's height" in panel.shadow_error.text()
    type_into(qtbot, panel.height_field, "2")
    assert case.shadows(frame)[0].object_height_m == 2.0
    assert "sun" in panel.elevation_label.text()
    type_into(qtbot, panel.label_field, "<b>post</b>")
    assert case.shadows(frame)[0].label == "<b>post</b>"
    assert panel.shadow_list.item(0).text().startswith("<b>post</b> — ")  # plain text


def test_the_sun_tab_states_the_core_sentence_and_shows_the_day_chart(
        qtbot: QtBot, window: MainWindow, tmp_path: Path) -> None:
    frame = open_sample(qtbot, window, tmp_path, FRAME_12)
    case = window.case
    assert case is not None
    panel = window.shadow_panel
    window.inspector.tabs.setCurrentWidget(panel)
    if case.time_question(frame) is not None:  # the sample asks about a day already
        panel.clear_question_button.click()
    assert case.time_question(frame) is None
    assert panel.sentence_label.text().startswith("No days to test")
    assert not panel.chart.isVisible()
    type_into(qtbot, panel.first_field, "2025-11-20")
    type_into(qtbot, panel.claimed_field, "2025-11-20 15:00")
    question = case.time_question(frame)
    assert question is not None
    assert (question.first, question.last, question.claimed_at) == (
        date(2025, 11, 20), date(2025, 11, 20), "2025-11-20 15:00")
    answer = chronolocation_for(case, frame)
    assert answer is not None and answer.claim is not None and not answer.claim.consistent
    assert panel.sentence_label.text() == answer.sentence()
    assert "the claimed 15:00 is inconsistent" in panel.sentence_label.text()
    assert "Europe/Kyiv" in panel.assumption_label.text()
    assert panel.chart.svg == finding_chart_svg(answer)
    qtbot.waitUntil(lambda: panel.chart.isVisible() and panel.chart.height() > 100)
    panel.chart.grab()
    assert panel.chart.paints > 0
    qtbot.mouseClick(panel.chart, Qt.MouseButton.LeftButton)  # too small to read: enlarge
    larger = panel.chart_window
    assert larger is not None and larger.isVisible()
    assert larger.chart.svg == panel.chart.svg and larger.chart.width() > panel.chart.width()
    assert larger.caption.text() == f"{FRAME_12}: The sun over 2025-11-20 (the claimed day)"
    larger.close()
    window.undo_action.trigger()
    window.undo_action.trigger()
    assert case.time_question(frame) is None
    assert panel.sentence_label.text().startswith("No days to test")
    assert not panel.chart.isVisible()


def test_a_year_is_solved_in_the_background_and_a_solve_can_be_cancelled(
        qtbot: QtBot, window: MainWindow, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    frame = open_sample(qtbot, window, tmp_path, FRAME_12)
    case = window.case
    assert case is not None
    panel = window.shadow_panel
    window.inspector.tabs.setCurrentWidget(panel)
    panel.clear_question_button.click()
    type_into(qtbot, panel.first_field, "2025-01-01")
    type_into(qtbot, panel.last_field, "2025-12-31")
    assert panel.solving and panel.progress.isVisible() and panel.cancel_button.isVisible()
    qtbot.waitUntil(lambda: not panel.solving, timeout=60_000)
    answer = chronolocation_for(case, frame)
    assert answer is not None
    assert panel.sentence_label.text() == answer.sentence()
    assert "days from 2025-01-01 to 2025-12-31" in answer.sentence()
    assert panel.chart.has_chart and not panel.progress.isVisible()

    # Ten years take about two seconds here, less than a loaded machine may spend between
    # Return and the click: hold the solve after its first few days until Cancel is pressed.
    import desk.core.frame_time as frame_time

    solve_days = frame_time.frame_chronolocation
    pressed = threading.Event()

    def held(*args: object, **kwargs: object) -> object:
        answer = solve_days(*args, **kwargs)  # type: ignore[arg-type]
        pressed.wait(30)
        return answer

    monkeypatch.setattr(frame_time, "frame_chronolocation", held)
    type_into(qtbot, panel.first_field, "2016-01-01")  # ten years
    assert panel.solving
    panel.cancel_button.click()
    pressed.set()
    qtbot.waitUntil(lambda: not panel.solving, timeout=60_000)
    assert panel.sentence_label.text().startswith("Stopped")
    assert panel.answer is None and panel.solve_button.isVisible()
