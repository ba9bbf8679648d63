"""Measuring on the map: the ruler and the area tool, by mouse and keyboard, with desk's
geodesic numbers, a clear on/off state, and nothing written to the case."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from desk.core import geo
from desk.mapping import measure
from tests.ui.map_fixtures import (
    CAMERA,
    TV_MAST,
    click_map,
    kupiansk_fixture,  # noqa: F401 - fixture
    panel_factory_fixture,  # noqa: F401 - fixture
    pixel_of,
    wait_probe,
)


def _custody(case: Any) -> list[str]:
    return [entry.hash for entry in case.audit_entries()]


def _press(qtbot: Any, panel: Any, key: Qt.Key,
           modifier: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier) -> None:
    """A key press where the reviewer's focus is (the window must be the active one)."""
    panel.activateWindow()
    qtbot.waitUntil(lambda: panel.isActiveWindow())
    from PySide6.QtWidgets import QApplication

    QTest.keyClick(QApplication.focusWidget() or panel, key, modifier)


def test_the_ruler_by_keyboard_and_two_clicks_gives_desk_s_distance_and_bearing(
        kupiansk: Any, panel_factory: Any, qtbot: Any) -> None:
    case, ids = kupiansk
    panel = panel_factory(case)
    panel.show_evidence(ids["new"])  # a frame not placed yet: a plain click would place it
    wait_probe(qtbot, panel.view, lambda s: s["selected"] == ids["new"])
    before = _custody(case)
    panel.search_field.setFocus()
    _press(qtbot, panel, Qt.Key.Key_R)  # typed in the search field: a letter, not the ruler
    assert panel.mode == "none" and panel.search_field.text() == "r"
    panel.tabs.setFocus()
    _press(qtbot, panel, Qt.Key.Key_R)
    assert panel.mode == measure.RULER and panel.ruler_button.isChecked()
    wait_probe(qtbot, panel.view, lambda s: s["mode"] == "ruler"
               and s["hint"].startswith("Ruler: click the first point"))

    click_map(qtbot, panel.view, *CAMERA)
    click_map(qtbot, panel.view, *TV_MAST)
    qtbot.waitUntil(lambda: panel.measure.result is not None
                    and len(panel.measure.result["points"]) == 2)
    result = panel.measure.result
    start, end = result["points"]
    # The numbers are desk's geodesy for the two positions the page reported...
    assert result["distance_m"] == geo.distance_m(start, end)
    assert result["bearing"] == geo.initial_bearing(start, end)
    # ...which are where the reviewer clicked, to within a pixel of the map.
    metres_per_pixel = geo.distance_m(CAMERA, TV_MAST) / abs(
        pixel_of(qtbot, panel.view, *CAMERA).x() - pixel_of(qtbot, panel.view, *TV_MAST).x())
    assert result["distance_m"] == pytest.approx(geo.distance_m(CAMERA, TV_MAST),
                                                 abs=3 * metres_per_pixel)
    assert result["bearing"] == pytest.approx(geo.initial_bearing(CAMERA, TV_MAST), abs=2.0)
    text = f"{measure.format_length(result['distance_m'])} · " \
           f"{measure.format_bearing(result['bearing'])}"
    state = wait_probe(qtbot, panel.view, lambda s: s["measure"] == [text])
    assert state["hint"].startswith(text)
    assert panel.measure.text == text

    # Measuring is not an edit: no camera placed, nothing in the custody log.
    assert case.geolocation(ids["new"]) is None
    assert _custody(case) == before
    assert not panel.stack.canUndo()

    # Esc (focus is on the map now) ends it: the tool is off and the measurement gone.
    _press(qtbot, panel, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: panel.mode == "none")
    assert not panel.ruler_button.isChecked()
    wait_probe(qtbot, panel.view, lambda s: s["mode"] == "none" and s["measure"] == []
               and s["hint"] == "")
    # R again turns it on, and R once more turns it off.
    _press(qtbot, panel, Qt.Key.Key_R)
    assert panel.mode == measure.RULER
    _press(qtbot, panel, Qt.Key.Key_R)
    assert panel.mode == "none" and not panel.ruler_button.isChecked()


def test_the_area_tool_measures_the_outline_clicked(kupiansk: Any, panel_factory: Any,
                                                    qtbot: Any) -> None:
    case, _ids = kupiansk
    panel = panel_factory(case)
    before = _custody(case)
    panel.tabs.setFocus()
    _press(qtbot, panel, Qt.Key.Key_R, Qt.KeyboardModifier.ShiftModifier)
    assert panel.mode == measure.AREA and panel.area_button.isChecked()
    assert not panel.ruler_button.isChecked()
    corners = [geo.destination(CAMERA, bearing, 150.0) for bearing in (0, 120, 240)]
    for corner in corners:
        click_map(qtbot, panel.view, *corner)
    qtbot.waitUntil(lambda: panel.measure.result is not None
                    and len(panel.measure.result["points"]) == 3)
    _press(qtbot, panel, Qt.Key.Key_Return)  # closes the outline
    qtbot.waitUntil(lambda: "click to start another" in panel.measure.hint)
    result = panel.measure.result
    square_metres, perimeter = measure.polygon_area(result["points"])
    assert result["area_m2"] == square_metres and result["perimeter_m"] == perimeter
    # An equilateral triangle in a 150 m circle: 3·√3/4·r², to within the clicks' pixels.
    assert square_metres == pytest.approx(3 * 3 ** 0.5 / 4 * 150.0 ** 2, rel=0.05)
    text = f"{measure.format_area(square_metres)} · perimeter {measure.format_length(perimeter)}"
    wait_probe(qtbot, panel.view, lambda s: s["measure"] == [text])
    assert _custody(case) == before
    # The button turns it off as the key does.
    panel.area_button.click()
    assert panel.mode == "none"
    wait_probe(qtbot, panel.view, lambda s: s["measure"] == [])
