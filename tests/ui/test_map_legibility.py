"""What a reviewer can read on the map: the selected camera in its confidence colour (selection
is a ring), a view cone that is brought back into view, labels clear of each other, of the Key
and of the map's edge."""

from __future__ import annotations

from typing import Any

from desk.core import commands
from desk.core.model import Confidence, Landmark
from tests.ui.map_fixtures import (
    CAMERA,
    evaluate,
    kupiansk_fixture,  # noqa: F401 - fixture
    panel_factory_fixture,  # noqa: F401 - fixture
    probe,
    wait_probe,
)

#: The key's colours (desk_map.js KIND_COLOURS), by confidence.
KEY = {Confidence.HIGH: "#2e9e6a", Confidence.MODERATE: "#4f8cff", Confidence.LOW: "#d9534f"}
RING = "rgb(255, 224, 102)"


def test_the_selected_camera_keeps_its_confidence_colour_and_wears_a_ring(
        kupiansk: Any, panel_factory: Any, qtbot: Any) -> None:
    case, ids = kupiansk
    for confidence in (Confidence.HIGH, Confidence.LOW):
        commands.set_geolocation_confidence(ids["f1"], confidence.value).apply(case)
    commands.set_geolocation_confidence(ids["f2"], Confidence.MODERATE.value).apply(case)
    panel = panel_factory(case)
    for key, confidence in (("f1", Confidence.LOW), ("f2", Confidence.MODERATE)):
        panel.show_evidence(ids[key])
        state = wait_probe(qtbot, panel.view, lambda s, k=key: s["selected"] == ids[k]
                           and s["camera_style"] is not None)
        assert state["camera_style"]["fill"] == KEY[confidence]
        assert RING in state["camera_style"]["ring"]
    # Changing the confidence recolours the selected camera at once.
    panel.stack.push_command(commands.set_geolocation_confidence(ids["f2"], "high"))
    state = wait_probe(qtbot, panel.view,
                       lambda s: (s["camera_style"] or {}).get("fill") == KEY[Confidence.HIGH])
    assert RING in state["camera_style"]["ring"]


def test_a_view_cone_that_runs_off_the_map_is_brought_back_into_view(
        kupiansk: Any, panel_factory: Any, qtbot: Any) -> None:
    case, ids = kupiansk
    panel = panel_factory(case)
    panel.show_evidence(ids["f1"])
    state = wait_probe(qtbot, panel.view, lambda s: s["selected"] == ids["f1"])
    assert state["coneVisible"] is True
    # The reviewer zooms in close to the camera: the cone runs off the map.
    evaluate(qtbot, panel.view, f"map_desk.setView({list(CAMERA)}, 19, {{animate: false}}) && 1")
    state = wait_probe(qtbot, panel.view, lambda s: s["zoom"] == 19)
    assert state["coneVisible"] is False
    # ...then turns the camera: the whole new cone comes into view.
    panel.stack.push_command(commands.set_view(ids["f1"], 40.0, 62.0))
    state = wait_probe(qtbot, panel.view, lambda s: s["coneVisible"] is True)
    assert state["zoom"] < 19
    # Picking the other frame on the map (which does not centre it) shows its cone whole too.
    evaluate(qtbot, panel.view, f"map_desk.setView({list(CAMERA)}, 19, {{animate: false}}) && 1")
    wait_probe(qtbot, panel.view, lambda s: s["zoom"] == 19 and s["coneVisible"] is False)
    panel.show_evidence(ids["f2"], centre=False)
    wait_probe(qtbot, panel.view, lambda s: s["selected"] == ids["f2"] and s["coneVisible"])


def _overlap(a: dict[str, float], b: dict[str, float]) -> bool:
    return (a["left"] < b["right"] - 0.5 and b["left"] < a["right"] - 0.5
            and a["top"] < b["bottom"] - 0.5 and b["top"] < a["bottom"] - 0.5)


def test_labels_keep_clear_of_each_other_the_key_and_the_edge(
        kupiansk: Any, panel_factory: Any, qtbot: Any) -> None:
    case, ids = kupiansk
    # A cluster of landmarks with long names around the camera, on a narrow map.
    for n, (dlat, dlon) in enumerate(((0.0004, 0.0), (0.0004, 0.0003), (-0.0003, 0.0002),
                                      (0.0001, -0.0004), (0.0, 0.0005))):
        commands.add_landmark(case, Landmark(
            0, f"Landmark {n} with a long descriptive name", CAMERA[0] + dlat,
            CAMERA[1] + dlon)).apply(case)
    panel = panel_factory(case)
    panel.resize(520, 700)
    panel.show_evidence(ids["f1"])
    state = wait_probe(qtbot, panel.view, lambda s: s["selected"] == ids["f1"]
                       and len(s["landmarks"]) == 7)
    state = wait_probe(qtbot, panel.view, lambda s: s["labelsPlaced"] and s["labels"])
    state = _settled(qtbot, panel.view)
    width, height = evaluate(qtbot, panel.view,
                             "[map_desk.getSize().x, map_desk.getSize().y]")
    shown = [b for b in state["labels"] if not b["hidden"] and _on_map(b, width, height)]
    assert len(shown) >= 5  # most of them find a place
    key = next(c for c in state["controls"] if "desk-legend" in c["className"])
    for n, box in enumerate(shown):
        assert box["left"] >= 0 and box["top"] >= 0, box
        assert box["right"] <= width and box["bottom"] <= height, box
        assert not _overlap(box, key), box
        for other in shown[n + 1:]:
            assert not _overlap(box, other), (box, other)


def _settled(qtbot: Any, view: Any) -> dict[str, Any]:
    """The page once its layout stops moving: the view fits the cone and the key takes its
    size after the first placement, and placement runs again after each."""
    last: dict[str, Any] = {}

    def still() -> bool:
        now = probe(qtbot, view)
        steady = bool(last) and now["labels"] == last["labels"] and (
            now["controls"] == last["controls"]) and now["zoom"] == last["zoom"]
        last.clear()
        last.update(now)
        qtbot.wait(150)
        return steady

    qtbot.waitUntil(still, timeout=8_000)
    return last


def _on_map(box: dict[str, float], width: float, height: float) -> bool:
    """Labels of places outside the view stay where they are (outside), and are not judged."""
    return box["right"] > 0 and box["bottom"] > 0 and box["left"] < width and box["top"] < height

