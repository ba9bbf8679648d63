"""One movement finding: the window's Movement tab, `desk info --json` (the case summary) and
the dossier state the same sentence, word for word, for each way a movement gets a direction
on the ground: a frame arrow projected onto the map, a typed bearing, a track drawn on the map.

The case is built with the core's named commands only, as the window and the command line do.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from desk.core import commands, geo
from desk.core.casefile import CaseFile
from desk.core.intake import import_files
from desk.core.model import Claim, Geolocation, Horizon, Landmark, Movement, Track
from desk.core.movement import project_arrow, projected_track
from desk.core.report import case_summary
from desk.dossier.data import collect
from desk.ui.shell.main_window import MainWindow
from tests.ui.images import make_jpeg
from tests.ui.test_movement import show_frame

CAMERA = (49.7159, 37.5928)
CENTRE = (49.7097, 37.6156)  # 113° from the camera, 1.8 km away
PROJECTED, TYPED, DRAWN = "projected.jpg", "typed.jpg", "drawn.jpg"
#: The relation each frame's movement must have against the town centre.
EXPECTED = {PROJECTED: "away", TYPED: "toward", DRAWN: "across"}


def _created(case: CaseFile, command: commands.Command) -> int:
    command.apply(case)
    created = commands.created_id(command)
    assert created is not None
    return created


def build_case(folder: Path) -> tuple[Path, int]:
    """Three frames from one camera, each with one arrow, all linked to one claim."""
    files = [make_jpeg(folder / "src" / name, 1280, 720, seed=n)
             for n, name in enumerate(EXPECTED)]
    path = folder / "finding.deskcase"
    with CaseFile.create(path, "One finding") as case:
        report = import_files(case, files)
        assert len(report.imported) == len(files), report.to_json()
        ids = {e.name: e.id for e in case.list_evidence()}
        commands.add_landmark(case, Landmark(0, "Kupiansk centre", *CENTRE,
                                             kind="town centre", is_reference=True)).apply(case)
        for eid in ids.values():
            commands.set_geolocation(Geolocation(eid, *CAMERA, heading=262.0,
                                                 fov=62.0)).apply(case)
        claim_id = _created(case, commands.add_claim(case, Claim(0, "The group left town")))
        for eid in ids.values():
            commands.link_evidence(claim_id, eid, "supports").apply(case)

        # 1. An arrow drawn on the frame, projected onto the ground through the horizon.
        frame = ids[PROJECTED]
        commands.set_horizon(Horizon(frame, 0.46, 0.46)).apply(case)
        arrow_id = _created(case, commands.add_movement(case, Movement(
            0, frame, label="walkers", x1=0.45, y1=0.80, x2=0.52, y2=0.60)))
        (arrow,) = case.movements(frame)
        item, camera = case.get_evidence(frame), case.geolocation(frame)
        assert camera is not None
        track = projected_track(project_arrow(camera, case.horizon(frame), item.width,
                                              item.height, arrow))
        assert track is not None and arrow.id == arrow_id
        commands.draw_track(arrow, track, projected=True).apply(case)

        # 2. A typed bearing, straight at the town centre: judged from the camera position.
        frame = ids[TYPED]
        _created(case, commands.add_movement(case, Movement(
            0, frame, label="car", x1=0.3, y1=0.8, x2=0.4, y2=0.7)))
        (typed,) = case.movements(frame)
        commands.turn_track(typed, geo.initial_bearing(CAMERA, CENTRE)).apply(case)

        # 3. A track drawn on the map, square to the line to the town centre.
        frame = ids[DRAWN]
        _created(case, commands.add_movement(case, Movement(
            0, frame, label="truck", x1=0.6, y1=0.8, x2=0.7, y2=0.75)))
        (drawn,) = case.movements(frame)
        across = geo.initial_bearing(CAMERA, CENTRE) + 90.0
        commands.draw_track(drawn, Track(CAMERA, geo.destination(CAMERA, across, 40.0))
                            ).apply(case)
    return path, claim_id


def test_window_info_and_dossier_state_the_same_finding(
        qtbot: QtBot, window: MainWindow, tmp_path: Path) -> None:
    path, claim_id = build_case(tmp_path)
    with CaseFile.open(path, read_only=True) as case:
        names = {e.id: e.name for e in case.list_evidence()}
        summary: Any = case_summary(case)
        info = {names[m["evidence_id"]]: m for m in summary["movements"]}
        record = collect(case, claim_id, with_images=False).record
    dossier = {entry["name"]: entry["movements"] for entry in record["evidence"]}
    assert set(info) == set(dossier) == set(EXPECTED)

    with qtbot.waitSignal(window.frame_view.frameShown, timeout=10_000):
        assert window.open_case(path)
    panel = window.movement_panel
    for name, relation in EXPECTED.items():
        show_frame(qtbot, window, name)
        assert panel.finding is not None, panel.relation_line.text()
        shown = f"{panel.relation_line.text()} {panel.distance_label.text()}"
        (in_dossier,) = dossier[name]
        assert info[name]["finding"] is not None and in_dossier["finding"] is not None
        # Word for word, in all three places.
        assert shown == info[name]["finding"]["sentence"] == in_dossier["finding"]["sentence"]
        assert f"so the movement is {relation} " in shown
        assert panel.relation_label.text() == relation.upper()
        assert info[name]["relation"] == in_dossier["finding"]["relation"] == relation
        source = "typed" if name == TYPED else "track"
        assert info[name]["finding"]["bearing_source"] == source

    # A typed bearing has no distances; every view says so in the same words.
    show_frame(qtbot, window, TYPED)
    window.inspector.tabs.setCurrentWidget(panel)
    assert panel.distance_label.text() == (
        "The distance to Kupiansk centre is not known: a typed bearing has no track on the"
        " ground.")
    assert panel.distance_label.isVisible()


def test_without_a_reference_point_every_view_says_why_in_the_same_words(
        qtbot: QtBot, window: MainWindow, tmp_path: Path) -> None:
    path, claim_id = build_case(tmp_path)
    with CaseFile.open(path) as case:
        commands.clear_default_reference(case).apply(case)
        summary: Any = case_summary(case)
        (why,) = {m["no_finding"] for m in summary["movements"]}
        record = collect(case, claim_id, with_images=False).record
    assert {m["no_finding"] for e in record["evidence"] for m in e["movements"]} == {why}

    with qtbot.waitSignal(window.frame_view.frameShown, timeout=10_000):
        assert window.open_case(path)
    show_frame(qtbot, window, PROJECTED)
    panel = window.movement_panel
    assert panel.finding is None
    assert panel.relation_label.text() == "NO FINDING YET"
    assert panel.relation_line.text() == why
    assert not panel.distance_label.isVisibleTo(panel)


@pytest.mark.parametrize("name", list(EXPECTED))
def test_the_map_labels_the_track_with_the_same_relation(tmp_path: Path, name: str) -> None:
    from desk.mapping.scene import scene_for_case

    path, _ = build_case(tmp_path)
    with CaseFile.open(path, read_only=True) as case:
        eid = next(e.id for e in case.list_evidence() if e.name == name)
        arrows = [a for a in scene_for_case(case)["movements"] if a["evidence"] == eid]
        summary: Any = case_summary(case)
        finding = next(m["finding"] for m in summary["movements"] if m["evidence_id"] == eid)
    if name == TYPED:
        assert arrows == []  # no track on the ground: nothing to draw on the map
        return
    (arrow,) = arrows
    assert arrow["relation"] == finding["relation"] == EXPECTED[name]
    assert arrow["label"].endswith(f" · {EXPECTED[name]}")
