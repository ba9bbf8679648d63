"""The placement dialog, driven like a reviewer: a still picked by name (a hostile one shown as
plain text), point pairs clicked on the image and then on the dialog's own map, residuals per
pair in metres and pixels, a careless pair deleted, and Place: one undoable, logged command,
drawn on the window's map. Adjusting reopens the pairs; pairs that fix nothing are refused in
words."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from desk.core import geo
from desk.core.casefile import CaseFile
from tests.ui.conftest import HOSTILE_NAME
from tests.ui.map_fixtures import (
    click_map,
    evaluate,
    panel_factory_fixture,  # noqa: F401 - fixture
    wait_probe,
)
from tests.ui.overlay_fixtures import PAIR_POINTS, Truth, add_png, still_png

ZOOM = 18


@pytest.fixture(name="stills")
def stills_fixture(tmp_path: Path) -> Iterator[tuple[CaseFile, int, int]]:
    case = CaseFile.create(tmp_path / "placing.deskcase", "Placing test")
    hostile = add_png(case, HOSTILE_NAME, still_png(marks={}))
    still = add_png(case, "older_drone_still_2020.png", still_png())
    yield case, still, hostile
    case.close()


def _open(qtbot: Any, panel: Any, overlay_id: int | None = None) -> Any:
    dialog = panel.place_overlay(overlay_id)
    assert dialog is not None
    qtbot.waitUntil(lambda: dialog.map.is_ready, timeout=15_000)
    return dialog


def _choose(qtbot: Any, dialog: Any, evidence_id: int, truth: Truth) -> None:
    dialog.image_combo.setCurrentIndex(dialog.image_combo.findData(evidence_id))
    qtbot.waitUntil(lambda: dialog.image_ready, timeout=10_000)
    lat, lon = truth.place(200, 150)
    dialog.map.call("setView", lat, lon, ZOOM)
    wait_probe(qtbot, dialog.map, lambda p: p["zoom"] == ZOOM)


def _click_pair(qtbot: Any, dialog: Any, x: float, y: float, at: tuple[float, float]) -> None:
    """A click on the image at (x, y), then one on the dialog's map at `at`."""
    before = len(dialog.pairs)
    viewport = dialog.image_view.viewport()
    QTest.mouseClick(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                     dialog.image_view.view_point_of(x, y))
    assert dialog.pending is not None
    assert "now click the same spot on the map" in dialog.step_label.text()
    click_map(qtbot, dialog.map, *at)
    qtbot.waitUntil(lambda: len(dialog.pairs) == before + 1, timeout=5_000)


def test_the_reviewer_places_a_still_by_clicking_pairs(
        qtbot: Any, panel_factory: Any, stills: Any) -> None:
    case, still, _hostile = stills
    truth = Truth()
    panel = panel_factory(case)
    dialog = _open(qtbot, panel)
    try:
        names = [dialog.image_combo.itemText(i) for i in range(dialog.image_combo.count())]
        assert HOSTILE_NAME in names  # literally: a combo box reads no markup
        _choose(qtbot, dialog, still, truth)
        assert not dialog.place_button.isEnabled()
        for x, y in PAIR_POINTS:
            _click_pair(qtbot, dialog, x, y, truth.place(x, y))
        assert dialog.place_button.isEnabled()
        assert "Three pairs always fit exactly" in dialog.fit_label.text()
        # A careless fourth pair: its map point 12 m off.
        lat, lon = truth.place(330, 250)
        _click_pair(qtbot, dialog, 330, 250, geo.destination((lat, lon), 90.0, 12.0))
        residuals = [dialog.table.item(row, 3).text() for row in range(4)]
        assert all(" m · " in text and text.split(" · ")[1].split()[0] for text in residuals)
        assert residuals[3].endswith("(worst)"), residuals
        worst_m = float(residuals[3].split(" m")[0])
        assert 4.0 < worst_m < 12.0, residuals
        worst_px = float(residuals[3].split(" · ")[1].split(" px")[0])
        assert worst_px == pytest.approx(worst_m / 0.3, rel=0.05)  # 0.3 m per image pixel
        assert "Worst pair: 4" in dialog.fit_label.text()
        state = wait_probe(qtbot, dialog.map, lambda p: p["pairs"] == 4)
        assert len(state["overlays"]) == 1  # the placement is previewed on the dialog's map

        dialog.table.selectRow(3)
        dialog.delete_button.click()
        assert len(dialog.pairs) == 3
        dialog.label_field.setText("  drone   still 2020 ")
        dialog.opacity_slider.setValue(60)
        dialog.place_button.click()
    finally:
        if dialog.isVisible():
            dialog.reject()

    [overlay] = case.overlays()
    assert (overlay.evidence_id, overlay.label, overlay.opacity) == (still, "drone still 2020",
                                                                     0.6)
    for x, y, lat, lon in overlay.pairs:  # clicked within a few decimetres of the truth
        assert geo.distance_m((lat, lon), truth.place(x, y)) < 0.6
    assert case.audit_entries()[-1].action == "place overlay"
    wait_probe(qtbot, panel.view, lambda p: len(p["overlays"]) == 1 and p["overlays_loaded"])
    assert panel.overlay_list.list.count() == 1
    panel.stack.undo()
    assert case.overlays() == []
    wait_probe(qtbot, panel.view, lambda p: p["overlays"] == [])


def test_adjusting_reopens_the_pairs_and_saves_one_step(
        qtbot: Any, panel_factory: Any, stills: Any) -> None:
    from desk.core import commands

    case, still, _hostile = stills
    truth = Truth()
    panel = panel_factory(case)
    assert panel.stack.push_command(commands.place_overlay(case, still, truth.pairs(PAIR_POINTS)))
    overlay = case.overlays()[0]
    dialog = _open(qtbot, panel, overlay.id)
    try:
        qtbot.waitUntil(lambda: dialog.image_ready, timeout=10_000)
        assert not dialog.image_combo.isEnabled()
        assert dialog.table.rowCount() == 3
        lat, lon = truth.place(200, 150)
        dialog.map.call("setView", lat, lon, ZOOM)
        wait_probe(qtbot, dialog.map, lambda p: p["zoom"] == ZOOM and p["pairs"] == 3)
        _click_pair(qtbot, dialog, 330, 250, truth.place(330, 250))
        dialog.opacity_slider.setValue(45)
        dialog.place_button.click()
    finally:
        if dialog.isVisible():
            dialog.reject()
    adjusted = case.overlays()[0]
    assert (len(adjusted.pairs), adjusted.opacity) == (4, 0.45)
    panel.stack.undo()  # pairs and opacity: one step
    assert case.overlays()[0] == overlay


def test_pairs_that_fix_nothing_are_refused_in_words(
        qtbot: Any, panel_factory: Any, stills: Any) -> None:
    case, still, _hostile = stills
    truth = Truth()
    panel = panel_factory(case)
    dialog = _open(qtbot, panel)
    try:
        _choose(qtbot, dialog, still, truth)
        dialog.add_map_point(*truth.place(10, 10))  # the map first: told to start on the image
        assert "Click a spot on the image first" in dialog.message.text()
        for x in (50.0, 150.0, 250.0):  # three points on one line
            dialog.add_image_point(x, 100.0)
            dialog.add_map_point(*truth.place(x, 100.0))
        assert not dialog.place_button.isEnabled()
        assert "Not placed yet: the image points lie in a line" in dialog.fit_label.text()
        assert evaluate(qtbot, dialog.map, "deskMap.probe().overlays") == []
    finally:
        dialog.reject()
    assert case.overlays() == []
