"""One arrow, one look: the frame in the window, the map, and the dossier's still and map sketch
show a movement under the same label and in the same colour, both taken from the case."""

from __future__ import annotations

import base64
import re
from pathlib import Path
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from desk.core import commands
from desk.core.casefile import CaseFile
from desk.core.model import Movement
from desk.dossier import render_preview
from desk.ui.frame.frame_view import FrameView
from tests.dossier.conftest import build_case
from tests.ui.map_fixtures import panel_factory_fixture, wait_probe  # noqa: F401 - fixture

RED = "#d62728"
COLUMN = "column of 5 soldiers"


@pytest.fixture
def case(tmp_path: Path) -> Any:
    """The dossier test case (its first still geolocated, one arrow "group") plus a red arrow
    labelled "column of 5 soldiers" and an unlabelled one, both with ground tracks."""
    built = build_case(tmp_path / "arrows.deskcase")
    with CaseFile.open(built.path) as opened:
        frame = built.evidence_ids[0]
        for label, colour in ((COLUMN, "#D62728"), ("", "#3bceac")):
            commands.add_movement(opened, Movement(
                0, frame, label=label, color=colour, x1=0.2, y1=0.3, x2=0.35, y2=0.4,
                start_lat=49.7157, start_lon=37.5921, end_lat=49.7152, end_lon=37.5900,
                bearing=250.0, reference_id=2)).apply(opened)
        ids = [m.id for m in opened.movements(frame)]
        yield opened, built, frame, ids


def _svg_arrows(svg: str, group: str) -> dict[int, tuple[str, str]]:
    """(colour, label) of every arrow group in an SVG, read as a reader's browser gets them."""
    found = {}
    for match in re.finditer(rf'<g class="{group}" data-movement="(\d+)">(.*?)</g>', svg, re.S):
        body = match.group(2)
        strokes = re.findall(r'<line [^>]*stroke="(#[0-9a-f]{6})"', body)
        text = re.sub(r"<tspan.*?</tspan>", "", re.search(r"<text[^>]*>(.*?)</text>", body,
                                                           re.S).group(1))
        found[int(match.group(1))] = (strokes[-1], text.replace("\u00a0", " ").strip())
    return found


def test_the_window_and_the_dossier_show_one_arrow_alike(qtbot: QtBot, case: Any,
                                                         panel_factory: Any) -> None:
    opened, built, frame, ids = case
    first, column, unlabelled = ids
    expected = {first: ("#e4572e", "group"), column: (RED, COLUMN),
                unlabelled: ("#3bceac", "Arrow 3")}

    # The frame in the window.
    view = FrameView()
    qtbot.addWidget(view, before_close_func=lambda v: v.shutdown())
    view.resize(700, 420)
    view.show()
    item = next(e for e in opened.list_evidence() if e.id == frame)
    with qtbot.waitSignal(view.frameShown, timeout=10_000):
        view.show_evidence(opened, item)
    window = {mid: (arrow.colour.name(), arrow.label.text)
              for mid, arrow in view.annotator.arrows.items()}
    assert window == expected

    # The map in the window: each ground track's tag names the arrow and wears its colour.
    panel = panel_factory(opened)
    shown = wait_probe(qtbot, panel.view, lambda p: len(p["movements"]) == 3)
    tags = {int(t["id"]): (t["colour"], t["text"]) for t in shown["movementTags"]}
    for mid, (colour, label) in expected.items():
        assert tags[mid][0] == colour
        assert tags[mid][1].startswith(label + " · ")

    # The dossier: the still's overlay and the map sketch.
    html = render_preview(opened, built.claim_id)
    assert _svg_arrows(html, "arrow") == expected
    sketch = next(base64.b64decode(m).decode("utf-8") for m in
                  re.findall(r"data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)", html))
    on_sketch = _svg_arrows(sketch, "track")
    assert {mid: colour for mid, (colour, _) in on_sketch.items()} == {
        mid: colour for mid, (colour, _) in expected.items()}
    for mid, (_, label) in expected.items():
        assert on_sketch[mid][1].startswith(label)
    assert "M2" not in re.sub(r"<[^>]+>", " ", html).split()  # the old per-view name is gone
    assert "#ffdd33" not in html


def test_arrow_labels_are_escaped_in_the_dossier_svg(qtbot: QtBot, tmp_path: Path) -> None:
    built = build_case(tmp_path / "hostile.deskcase", hostile=True)
    with CaseFile.open(built.path) as opened:
        html = render_preview(opened, built.claim_id)
    overlay = re.search(r'<g class="arrow".*?</g>', html, re.S).group(0)
    assert "<script>" not in overlay and "&lt;script&gt;" in overlay
    sketch = next(base64.b64decode(m).decode("utf-8") for m in
                  re.findall(r"data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)", html))
    track = re.search(r'<g class="track".*?</g>', sketch, re.S).group(0)
    assert "<script>" not in track and "&lt;script&gt;" in track
