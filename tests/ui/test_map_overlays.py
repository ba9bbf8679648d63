"""Reference overlays on the real map page: a still placed by three point pairs lands where the
synthetic geometry says (coloured marks found in a grab, within a pixel at zoom 18), and stays
there after reopening the case and through undo and redo; swipe shows it on one side of the
divider only, the show key and flicker turn it off and on; a still that cannot be decoded is
said in words, and the map stays usable."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest

from desk.core import commands
from desk.core.casefile import CaseFile
from desk.ui.map.overlay_compare import OverlayCompare
from tests.ui.map_fixtures import (
    add_evidence,
    evaluate,
    panel_factory_fixture,  # noqa: F401 - fixture
    wait_probe,
)
from tests.ui.overlay_fixtures import (
    BACKGROUND,
    MARKS,
    PAIR_POINTS,
    Truth,
    add_png,
    centroid,
    near,
    pixels,
    still_png,
    world_pixel,
)

ZOOM = 18


def like_the_window(panel: Any) -> Any:
    """Refresh the panel with each applied command, as the window does (the shared fixture
    refreshes it without saying what changed)."""
    panel.stack.applied.disconnect()
    panel.stack.applied.connect(panel.refresh)
    return panel


def painted(qtbot: Any, view: Any) -> None:
    """Wait for two animation frames of the page: what it drew is on screen after them."""
    evaluate(qtbot, view, "(window.__overlayPainted = false, requestAnimationFrame(() =>"
                          " requestAnimationFrame(() => { window.__overlayPainted = true; })), 0)")
    qtbot.waitUntil(lambda: evaluate(qtbot, view, "window.__overlayPainted === true"),
                    timeout=5_000)


def look_at(qtbot: Any, view: Any, lat: float, lon: float, zoom: int = ZOOM) -> dict[str, Any]:
    evaluate(qtbot, view, f"(deskMap.setView({lat!r}, {lon!r}, {zoom}), 0)")
    state = wait_probe(qtbot, view, lambda p: p["zoom"] == zoom and p["overlays_loaded"])
    painted(qtbot, view)
    return state


def expected_pixel(view: Any, state: dict[str, Any], lat: float, lon: float
                   ) -> tuple[float, float]:
    """Where Leaflet puts a place: its world pixel less the view's (rounded) pixel origin."""
    cx, cy = world_pixel(*state["centre"], state["zoom"])
    ox = math.floor(cx - view.width() / 2 + 0.5)
    oy = math.floor(cy - view.height() / 2 + 0.5)
    px, py = world_pixel(lat, lon, state["zoom"])
    return px - ox, py - oy


def mark_offsets(qtbot: Any, view: Any, truth: Truth) -> dict[str, tuple[float, float, int]]:
    """For each coloured mark of the still: (found − predicted) in x and y, and its size."""
    middle = truth.place(215, 145)
    state = look_at(qtbot, view, *middle)
    found: dict[str, tuple[float, float, int]] = {}

    def grab() -> bool:
        array = pixels(view.grab().toImage())
        for name, (colour, (x, y)) in MARKS.items():
            fx, fy, count = centroid(near(array, colour))
            ex, ey = expected_pixel(view, state, *truth.place(x, y))
            found[name] = (fx - ex, fy - ey, count)
        return all(count > 20 for _, _, count in found.values())

    qtbot.waitUntil(grab, timeout=5_000)
    return found


def no_marks(qtbot: Any, view: Any, truth: Truth) -> bool:
    look_at(qtbot, view, *truth.place(215, 145))
    array = pixels(view.grab().toImage())
    return not any(near(array, colour).any() for colour, _ in MARKS.values()) and not near(
        array, BACKGROUND, 10).any()


@pytest.fixture(name="overlay_case")
def overlay_case_fixture(tmp_path: Path) -> Any:
    case = CaseFile.create(tmp_path / "overlay.deskcase", "Overlay test")
    still = add_png(case, "older_drone_still_2020.png", still_png())
    yield case, still
    case.close()


def test_an_overlay_placed_by_three_pairs_lands_within_a_pixel_and_survives_reopening(
        qtbot: Any, panel_factory: Any, overlay_case: Any) -> None:
    case, still = overlay_case
    truth = Truth()
    panel = like_the_window(panel_factory(case))
    placed = commands.place_overlay(case, still, truth.pairs(PAIR_POINTS), 1.0, "drone 2020")
    assert panel.stack.push_command(placed)
    for name, (dx, dy, _count) in mark_offsets(qtbot, panel.view, truth).items():
        assert abs(dx) <= 1.0 and abs(dy) <= 1.0, (name, dx, dy)
    assert [line.startswith("drone 2020") for line in
            (panel.overlay_list.list.item(i).text()
             for i in range(panel.overlay_list.list.count()))] == [True]

    panel.stack.undo()
    wait_probe(qtbot, panel.view, lambda p: p["overlays"] == [])
    assert no_marks(qtbot, panel.view, truth)
    assert case.overlays() == []
    panel.stack.redo()
    wait_probe(qtbot, panel.view, lambda p: len(p["overlays"]) == 1)
    for name, (dx, dy, _count) in mark_offsets(qtbot, panel.view, truth).items():
        assert abs(dx) <= 1.0 and abs(dy) <= 1.0, (name, dx, dy)
    assert [e.action for e in case.audit_entries()][-3:] == [
        "place overlay", "undo place overlay", "place overlay"]

    path = case.path
    panel.set_case(None)
    case.close()
    with CaseFile.open(path) as again:
        reopened = panel_factory(again)
        for name, (dx, dy, _count) in mark_offsets(qtbot, reopened.view, truth).items():
            assert abs(dx) <= 1.0 and abs(dy) <= 1.0, (name, dx, dy)
        reopened.set_case(None)


def _covering(case: CaseFile, still: int) -> Truth:
    """A placement that covers the whole view at zoom 18 round the image's middle."""
    truth = Truth(ground_m=1.5)
    commands.place_overlay(case, still, truth.pairs(PAIR_POINTS), 1.0).apply(case)
    return truth


def _overlay_columns(view: Any) -> list[float]:
    """Per column of the view, the share of its pixels that show the overlay's colour."""
    mask = near(pixels(view.grab().toImage()), BACKGROUND, 12)
    return [float(v) for v in mask.mean(axis=0)]


def test_swipe_shows_the_overlay_left_of_the_divider_only(
        qtbot: Any, panel_factory: Any, overlay_case: Any) -> None:
    case, still = overlay_case
    truth = _covering(case, still)
    panel = panel_factory(case)
    compare = OverlayCompare(panel, lambda _create: panel)
    compare.apply()
    view = panel.view
    look_at(qtbot, view, *truth.place(200, 150))
    qtbot.waitUntil(lambda: min(_overlay_columns(view)[20:-20]) > 0.5, timeout=5_000)

    assert compare.swipe_action.shortcut().toString() == "W"
    compare.swipe_action.trigger()
    width = view.width()
    wait_probe(qtbot, view, lambda p: p["swipe"] == round(width / 2))
    painted(qtbot, view)
    columns = _overlay_columns(view)
    assert min(columns[20: width // 2 - 12]) > 0.5  # left: the overlay
    assert max(columns[width // 2 + 12: -20]) == 0.0  # right: the map alone

    # The reviewer drags the divider to a quarter of the width.
    target = view.focusProxy()
    start = QPoint(width // 2, 60)
    end = QPoint(width // 4, 60)
    QTest.mouseMove(target, start)
    QTest.mousePress(target, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, start)
    for i in range(1, 7):
        QTest.mouseMove(target, QPoint(start.x() + (end.x() - start.x()) * i // 6, 60), 16)
    QTest.mouseRelease(target, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, end,
                       16)
    state = wait_probe(qtbot, view, lambda p: abs(p["swipe"] - width // 4) <= 2)
    assert abs(state["centre"][1] - truth.place(200, 150)[1]) < 1e-9  # the map did not pan
    painted(qtbot, view)
    columns = _overlay_columns(view)
    assert min(columns[20: width // 4 - 12]) > 0.5
    assert max(columns[width // 4 + 12: -20]) == 0.0

    compare.swipe_action.trigger()  # swipe off: the overlay everywhere again
    compare.show_action.trigger()  # O: hidden
    wait_probe(qtbot, view, lambda p: p["swipe"] is None and not p["overlays_visible"])
    painted(qtbot, view)
    assert max(_overlay_columns(view)) == 0.0
    compare.show_action.trigger()
    wait_probe(qtbot, view, lambda p: p["overlays_visible"])

    compare.flicker_action.trigger()  # twice a second: seen on and off
    seen = set()
    qtbot.waitUntil(lambda: seen.add(evaluate(qtbot, view, "deskMap.probe().overlays_visible"))
                    or seen == {True, False}, timeout=3_000)
    compare.flicker_action.trigger()
    wait_probe(qtbot, view, lambda p: not p["flicker"] and p["overlays_visible"])


def test_the_opacity_slider_previews_then_saves_one_undoable_step(
        qtbot: Any, panel_factory: Any, overlay_case: Any) -> None:
    case, still = overlay_case
    truth = _covering(case, still)
    panel = like_the_window(panel_factory(case))
    tab = panel.overlay_list
    assert tab.opacity_slider.value() == 100
    evaluate(qtbot, panel.view, "(window.__samePage = true, 0)")
    tab.opacity_slider.setSliderDown(True)  # a drag: previewed, not saved
    tab.opacity_slider.setValue(40)
    state = wait_probe(qtbot, panel.view, lambda p: p["overlays"][0]["opacity"] == 0.4)
    assert case.overlays()[0].opacity == 1.0
    tab.opacity_slider.setSliderDown(False)  # let go: saved
    assert case.overlays()[0].opacity == 0.4
    assert state["overlays"][0]["loaded"]
    # Redrawn in place: an overlay's edit reloads neither the page nor its tiles.
    assert evaluate(qtbot, panel.view, "window.__samePage === true")
    look_at(qtbot, panel.view, *truth.place(200, 150))
    centre = pixels(panel.view.grab().toImage())[panel.view.height() // 2, panel.view.width() // 2]
    assert not near(centre[None, None, :], BACKGROUND, 12).any()  # blended with the grid now
    panel.stack.undo()
    assert case.overlays()[0].opacity == 1.0
    wait_probe(qtbot, panel.view, lambda p: p["overlays"][0]["opacity"] == 1.0)
    tab.remove()
    assert case.overlays() == []
    wait_probe(qtbot, panel.view, lambda p: p["overlays"] == [])


def test_a_still_that_cannot_be_decoded_is_said_and_the_map_still_works(
        qtbot: Any, panel_factory: Any, overlay_case: Any) -> None:
    case, _still = overlay_case
    broken = add_evidence(case, "<b>not really</b> an image.jpg")
    commands.place_overlay(case, broken, Truth().pairs(PAIR_POINTS)).apply(case)
    panel = panel_factory(case)
    text = panel.imagery_message.text()
    assert "Overlay “<b>not really</b> an image.jpg” not shown: its image could not be decoded" \
        in text
    assert panel.imagery_message.textFormat() == Qt.TextFormat.PlainText
    state = wait_probe(qtbot, panel.view, lambda p: p["painted"])
    assert state["overlays"] == []
