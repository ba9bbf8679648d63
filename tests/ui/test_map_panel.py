"""The map panel with the real QtWebEngine page (offscreen, so offline: no tiles).

Every gesture goes the way a reviewer's does: a real click or drag on the page, through the
page's script and the QWebChannel bridge, to a core command on the undo stack.
"""

from __future__ import annotations

from typing import Any

import pytest

from desk.core import commands
from tests.ui.map_fixtures import (
    CAMERA,
    METHOD,
    TV_MAST,
    click_map,
    drag_map,
    evaluate,
    kupiansk_fixture,  # noqa: F401 - fixture
    panel_factory_fixture,  # noqa: F401 - fixture
    wait_probe,
)


def _actions(case: Any) -> list[str]:
    return [entry.action for entry in case.audit_entries()]


def test_offline_map_still_shows_everything(kupiansk: Any, panel_factory: Any, qtbot: Any
                                            ) -> None:
    case, _ = kupiansk
    panel = panel_factory(case)
    state = wait_probe(qtbot, panel.view, lambda s: s["painted"])
    assert state["offline"] is True
    assert state["notice"] == "offline: no map tiles"
    assert state["grid"] is True
    # Two geolocated frames and one claimed (EXIF GPS) position.
    assert state["points"] == 3
    assert sorted(state["landmarks"]) == ["Kupiansk centre", "TV mast"]
    # The bearing of the track itself (the stored 260° is a rounded figure) and the relation.
    assert state["movements"] == ["group of 6 soldiers · 261° W · away"]


def test_selecting_a_frame_shows_camera_cone_and_sight_lines(kupiansk: Any, panel_factory: Any,
                                                             qtbot: Any) -> None:
    case, ids = kupiansk
    panel = panel_factory(case)
    panel.show_evidence(ids["f1"])
    state = wait_probe(qtbot, panel.view, lambda s: s["selected"] == ids["f1"])
    assert state["camera"] == pytest.approx(list(CAMERA))
    assert state["cone"] is True
    assert "338 m · 281° W · in view" in state["sights"]
    assert "1.8 km · 113° SE · out of view" in state["sights"]
    assert state["centre"] == pytest.approx(list(CAMERA), abs=0.005)
    assert state["zoom"] >= 16
    assert panel.title_label.text() == "state_tv_clip_frame_0012.jpg"
    assert panel.heading_spin.value() == pytest.approx(262)
    assert panel.fov_spin.value() == pytest.approx(62)
    assert panel.method_field.text() == METHOD
    qtbot.waitUntil(lambda: panel.where_label.text() == "1.8 km W of Kupyansk centre")


def test_claimed_position_is_marked_as_metadata(kupiansk: Any, panel_factory: Any, qtbot: Any
                                                ) -> None:
    case, ids = kupiansk
    panel = panel_factory(case)
    panel.show_evidence(ids["drone"])
    state = wait_probe(qtbot, panel.view, lambda s: s["selected"] == ids["drone"])
    assert state["claims"] == ["Claimed by metadata (EXIF GPS)"]
    assert state["camera"] is None
    assert panel.claim_label.text().startswith("EXIF GPS claims 49.716500, 37.588111")


def test_click_places_the_camera_and_undo_removes_it(kupiansk: Any, panel_factory: Any,
                                                     qtbot: Any) -> None:
    case, ids = kupiansk
    panel = panel_factory(case)
    panel.show_evidence(ids["new"])
    wait_probe(qtbot, panel.view, lambda s: s["selected"] == ids["new"])
    assert case.geolocation(ids["new"]) is None
    target = (49.7150, 37.5950)
    click_map(qtbot, panel.view, *target)
    qtbot.waitUntil(lambda: case.geolocation(ids["new"]) is not None)
    placed = case.geolocation(ids["new"])
    assert (placed.lat, placed.lon) == pytest.approx(target, abs=2e-5)  # within a pixel
    assert _actions(case)[-1] == commands.GEOLOCATE.name
    state = wait_probe(qtbot, panel.view, lambda s: s["camera"] is not None)
    assert state["camera"] == pytest.approx([placed.lat, placed.lon])
    panel.stack.undo()
    assert case.geolocation(ids["new"]) is None
    assert _actions(case)[-1] == f"undo {commands.GEOLOCATE.name}"
    wait_probe(qtbot, panel.view, lambda s: s["camera"] is None)


def test_a_click_does_not_move_a_placed_camera_unless_asked(kupiansk: Any, panel_factory: Any,
                                                            qtbot: Any) -> None:
    case, ids = kupiansk
    panel = panel_factory(case)
    panel.show_evidence(ids["f1"])
    wait_probe(qtbot, panel.view, lambda s: s["selected"] == ids["f1"])
    with qtbot.waitSignal(panel.view.events.clicked, timeout=5_000):  # the panel has heard it
        click_map(qtbot, panel.view, 49.7150, 37.5950)
    assert (case.geolocation(ids["f1"]).lat, case.geolocation(ids["f1"]).lon) == CAMERA
    panel.place_button.click()
    assert wait_probe(qtbot, panel.view, lambda s: s["mode"] == "place")
    click_map(qtbot, panel.view, 49.7150, 37.5950)
    qtbot.waitUntil(lambda: case.geolocation(ids["f1"]).lat != CAMERA[0])
    assert not panel.place_button.isChecked()
    panel.stack.undo()
    assert (case.geolocation(ids["f1"]).lat, case.geolocation(ids["f1"]).lon) == CAMERA


def test_picking_a_point_on_the_map_selects_its_evidence(kupiansk: Any, panel_factory: Any,
                                                         qtbot: Any) -> None:
    case, ids = kupiansk
    panel = panel_factory(case)
    with qtbot.waitSignal(panel.evidenceSelected, timeout=5_000) as picked:
        click_map(qtbot, panel.view, 49.716500, 37.588111)  # the drone still's EXIF position
    assert picked.args == [ids["drone"]]
    assert panel.selected == ids["drone"]
    assert case.geolocation(ids["drone"]) is None  # picking is not placing


def test_dragging_the_camera_saves_once_and_undoes_in_one_step(kupiansk: Any,
                                                               panel_factory: Any,
                                                               qtbot: Any) -> None:
    case, ids = kupiansk
    panel = panel_factory(case)
    panel.show_evidence(ids["f1"])
    wait_probe(qtbot, panel.view, lambda s: s["selected"] == ids["f1"])
    before = len(case.audit_entries())
    with qtbot.waitSignal(panel.view.events.camera_dragged, timeout=5_000,
                          check_params_cb=lambda *args: args[-1] is True):  # the drop
        drag_map(qtbot, panel.view, CAMERA, (49.7162, 37.5940))
    # The page sends drag moves once a frame: two frames on, it has sent all it will.
    evaluate(qtbot, panel.view, "(window.__settled = false, requestAnimationFrame(() =>"
                                " requestAnimationFrame(() => { window.__settled = true; })), 0)")
    qtbot.waitUntil(lambda: evaluate(qtbot, panel.view, "window.__settled") is True)
    moved = case.geolocation(ids["f1"])
    assert (moved.lat, moved.lon) == pytest.approx((49.7162, 37.5940), abs=5e-5)
    assert moved.heading == 262.0  # only the position changed
    assert [e.action for e in case.audit_entries()[before:]] == [commands.MOVE_CAMERA.name]
    panel.stack.undo()
    assert (case.geolocation(ids["f1"]).lat, case.geolocation(ids["f1"]).lon) == CAMERA


def test_dragging_the_heading_handle_turns_the_camera(kupiansk: Any, panel_factory: Any,
                                                      qtbot: Any) -> None:
    case, ids = kupiansk
    panel = panel_factory(case)
    panel.show_evidence(ids["f1"])
    wait_probe(qtbot, panel.view, lambda s: s["selected"] == ids["f1"])
    from desk.core import geo

    handle = geo.destination(CAMERA, 262, 423)
    drag_map(qtbot, panel.view, handle, geo.destination(CAMERA, 300, 423))
    qtbot.waitUntil(lambda: case.geolocation(ids["f1"]).heading != 262.0)
    assert case.geolocation(ids["f1"]).heading == pytest.approx(300, abs=1.5)
    assert case.geolocation(ids["f1"]).fov == 62.0
    panel.stack.undo()
    assert case.geolocation(ids["f1"]).heading == 262.0


def test_typing_heading_and_fov_is_one_undoable_edit(kupiansk: Any, panel_factory: Any,
                                                     qtbot: Any) -> None:
    case, ids = kupiansk
    panel = panel_factory(case)
    panel.show_evidence(ids["f1"])
    panel.heading_spin.setValue(270.5)
    panel.fov_spin.setValue(50)
    panel.heading_spin.editingFinished.emit()
    qtbot.waitUntil(lambda: case.geolocation(ids["f1"]).fov == 50.0)
    assert case.geolocation(ids["f1"]).heading == 270.5
    assert _actions(case)[-1] == commands.SET_VIEW.name
    state = wait_probe(qtbot, panel.view, lambda s: any("out of view" in t for t in s["sights"])
                       and "338 m · 281° W · in view" in s["sights"])
    assert state["cone"] is True
    panel.stack.undo()
    assert (case.geolocation(ids["f1"]).heading, case.geolocation(ids["f1"]).fov) == (262, 62)
    qtbot.waitUntil(lambda: panel.heading_spin.value() == 262)


def test_confidence_and_method_are_saved(kupiansk: Any, panel_factory: Any, qtbot: Any) -> None:
    case, ids = kupiansk
    panel = panel_factory(case)
    panel.show_evidence(ids["f2"])
    panel.confidence_combo.setCurrentIndex(panel.confidence_combo.findData("high"))
    panel.confidence_combo.activated.emit(panel.confidence_combo.currentIndex())
    panel.method_field.setText("Matched TV tower and roofline against 2020 drone footage")
    panel.method_field.editingFinished.emit()
    location = case.geolocation(ids["f2"])
    assert str(location.confidence) == "high"
    assert location.method == "Matched TV tower and roofline against 2020 drone footage"
    assert _actions(case)[-2:] == [commands.SET_GEO_CONFIDENCE.name,
                                   commands.DESCRIBE_METHOD.name]


def test_pasting_coordinates_moves_the_camera(kupiansk: Any, panel_factory: Any, qtbot: Any
                                              ) -> None:
    case, ids = kupiansk
    panel = panel_factory(case)
    panel.show_evidence(ids["new"])
    panel.position_field.setText("49°42'57.6\"N 37°35'34.1\"E")
    panel.position_field.returnPressed.emit()
    placed = case.geolocation(ids["new"])
    assert (placed.lat, placed.lon) == pytest.approx((49.716, 37.592806), abs=1e-6)
    panel.position_field.setText("https://www.openstreetmap.org/#map=17/49.7158/37.5930")
    panel.position_field.returnPressed.emit()
    assert (case.geolocation(ids["new"]).lat, case.geolocation(ids["new"]).lon) == (49.7158,
                                                                                     37.593)
    panel.position_field.setText("somewhere near the mast")
    panel.position_field.returnPressed.emit()
    assert panel.position_error.isVisibleTo(panel)
    assert "Could not read coordinates" in panel.position_error.text()
    assert "49.71, 37.61" in panel.position_error.text()


def test_adding_a_landmark_draws_it_with_a_sight_line(kupiansk: Any, panel_factory: Any,
                                                      qtbot: Any) -> None:
    case, ids = kupiansk
    panel = panel_factory(case)
    panel.show_evidence(ids["f1"])
    panel.landmark_name.setText("Water tower")
    panel.landmark_position.setText("49.7170, 37.5900")
    panel.landmark_kind.setText("tower")
    panel.add_landmark_button.click()
    assert [lm.name for lm in case.landmarks()][-1] == "Water tower"
    state = wait_probe(qtbot, panel.view, lambda s: "Water tower" in s["landmarks"])
    assert any(text.startswith("236 m · 301° NW") for text in state["sights"]), state["sights"]
    panel.stack.undo()
    wait_probe(qtbot, panel.view, lambda s: "Water tower" not in s["landmarks"])
    panel.landmark_position.setText("49.7170")
    panel.landmark_name.setText("Broken")
    panel.add_landmark_button.click()
    assert "Could not read coordinates" in panel.landmark_error.text()


def test_two_reference_landmarks_added_on_the_map_leave_one_reference_point(
        kupiansk: Any, panel_factory: Any, qtbot: Any) -> None:
    case, _ = kupiansk
    panel = panel_factory(case)
    wait_probe(qtbot, panel.view, lambda s: s["painted"])

    def add_reference(name: str, position: str) -> None:
        panel.landmark_name.setText(name)
        panel.landmark_position.setText(position)
        panel.landmark_reference.setChecked(True)
        panel.add_landmark_button.click()
        assert not panel.landmark_error.isVisibleTo(panel)

    def references_on_map() -> int:
        """Reference markers the reviewer sees on the map."""
        return int(evaluate(qtbot, panel.view,
                            'document.querySelectorAll(".desk-landmark.desk-reference").length'))

    assert [lm.name for lm in case.landmarks() if lm.is_reference] == ["Kupiansk centre"]
    add_reference("Railway station", "49.7070, 37.6230")
    add_reference("Water tower", "49.7170, 37.5900")
    # The second takes the role from the first (and from the case's own reference point).
    assert [lm.name for lm in case.landmarks() if lm.is_reference] == ["Water tower"]
    wait_probe(qtbot, panel.view, lambda s: "Water tower" in s["landmarks"])
    qtbot.waitUntil(lambda: references_on_map() == 1)
    assert not panel.landmark_reference.isChecked()  # the form is ready for the next one
    # One undo step takes the tower back and gives the station its role again.
    panel.stack.undo()
    assert [lm.name for lm in case.landmarks() if lm.is_reference] == ["Railway station"]


def test_pick_on_map_fills_the_landmark_position(kupiansk: Any, panel_factory: Any, qtbot: Any
                                                 ) -> None:
    case, _ = kupiansk
    panel = panel_factory(case)
    panel.pick_button.click()
    wait_probe(qtbot, panel.view, lambda s: s["mode"] == "pick")
    click_map(qtbot, panel.view, *TV_MAST)
    qtbot.waitUntil(lambda: panel.landmark_position.text() != "")
    lat, lon = (float(v) for v in panel.landmark_position.text().split(","))
    assert (lat, lon) == pytest.approx(TV_MAST, abs=5e-5)


def test_offline_search_uses_the_gazetteer_and_says_so(kupiansk: Any, panel_factory: Any,
                                                       qtbot: Any) -> None:
    case, _ = kupiansk
    panel = panel_factory(case)
    panel.search_field.setText("Kupiansk")
    panel.search_button.click()
    qtbot.waitUntil(lambda: "list of towns" in panel.search_message.text(), timeout=10_000)
    assert panel.search_results.currentText().startswith("Kupyansk")
    state = wait_probe(qtbot, panel.view, lambda s: s["search"] == ["Kupyansk"])
    assert state["centre"] == pytest.approx([49.71003, 37.61581], abs=1e-4)
    assert panel.landmark_name.text() == "Kupyansk"  # one click from a landmark


def test_removing_a_geolocation_is_undoable(kupiansk: Any, panel_factory: Any, qtbot: Any
                                            ) -> None:
    case, ids = kupiansk
    panel = panel_factory(case)
    panel.show_evidence(ids["f2"])
    panel.remove_button.click()
    assert case.geolocation(ids["f2"]) is None
    wait_probe(qtbot, panel.view, lambda s: s["points"] == 2 and s["camera"] is None)
    panel.stack.undo()
    assert case.geolocation(ids["f2"]).heading == 262.0
    wait_probe(qtbot, panel.view, lambda s: s["points"] == 3)


def test_without_a_case_the_map_is_empty_and_the_form_idle(panel_factory: Any, qtbot: Any
                                                           ) -> None:
    panel = panel_factory(None)
    state = wait_probe(qtbot, panel.view, lambda s: s["painted"])
    assert state["points"] == 0 and state["landmarks"] == []
    assert panel.title_label.text() == "No frame selected"
    assert not panel.position_field.isEnabled()
    panel.landmark_name.setText("TV mast")
    panel.landmark_position.setText("49.7165, 37.5882")
    panel.add_landmark_button.click()
    assert panel.landmark_error.text() == "Open a case first."
