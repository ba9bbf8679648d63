"""Edits return their inverse: undo and redo restore exactly, and each step is logged."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from desk.core import commands
from desk.core.casefile import CaseFile, CaseFileError
from desk.core.imagery import TilePackRef
from desk.core.model import (
    Claim,
    Confidence,
    Geolocation,
    Rating,
    Statement,
    Verdict,
)


def test_claim_add_undo_redo(case_path: Path) -> None:
    with CaseFile.create(case_path, "undo") as case:
        add = commands.add_claim(case, Claim(0, "Kupiansk captured", claimant="State TV"))
        undo = add.apply(case)
        assert [c.claimant for c in case.list_claims()] == ["State TV"]
        redo = undo.apply(case)
        assert case.list_claims() == []
        redo.apply(case)
        assert [c.text for c in case.list_claims()] == ["Kupiansk captured"]
        actions = [e.action for e in case.audit_entries()]
        assert actions[-3:] == ["add claim", "undo add claim", "add claim"]


def test_partial_edit_restores_only_what_it_changed(case_path: Path) -> None:
    with CaseFile.create(case_path, "edit") as case:
        commands.add_claim(case, Claim(0, "old text", claimant="A")).apply(case)
        inverse = commands.edit_claim(1, text="new text").apply(case)
        commands.edit_claim(1, claimant="B").apply(case)
        inverse.apply(case)
        claim = case.get_claim(1)
        assert (claim.text, claim.claimant) == ("old text", "B")


def test_delete_claim_takes_its_statements_and_undo_brings_them_back(case_path: Path) -> None:
    with CaseFile.create(case_path, "cascade") as case:
        commands.add_claim(case, Claim(0, "drones")).apply(case)
        commands.add_statement(case, Statement(0, 1, "Foreign minister", "91 drones")).apply(case)
        commands.add_statement(case, Statement(0, 1, "Governor", "41 drones")).apply(case)
        commands.set_verdict(Verdict(1, Rating.UNPROVEN, Confidence.HIGH, "no proof")).apply(case)
        undo = commands.delete_claim(case, 1).apply(case)
        assert case.list_claims() == [] and case.statements() == []
        assert case.verdict(1) is None
        undo.apply(case)
        assert [s.text for s in case.statements(1)] == ["91 drones", "41 drones"]
        verdict = case.verdict(1)
        assert verdict is not None and verdict.rating is Rating.UNPROVEN


def test_geolocation_set_and_cleared(case_path: Path) -> None:
    with CaseFile.create(case_path, "geo") as case:
        with case.edit("import") as conn:
            from desk.core.model import Metadata, Provenance

            case.insert_evidence(conn, sha256="cd" * 32, data=b"x", fmt="jpeg", width=1,
                                 height=1, metadata=Metadata(), provenance=Provenance(),
                                 thumbnail=b"", thumb_size=(1, 1))
        undo = commands.set_geolocation(Geolocation(1, 49.71, 37.61, heading=300.0)).apply(case)
        geo = case.geolocation(1)
        assert geo is not None and geo.heading == 300.0
        undo.apply(case)
        assert case.geolocation(1) is None


def test_provenance_edit_and_immutable_fields(case_path: Path) -> None:
    with CaseFile.create(case_path, "prov") as case:
        with pytest.raises(ValueError):
            commands.set_provenance(1, "sha256", "00")
        assert not hasattr(commands, "edit_row")  # no generic edit outside the core
        bad = commands._RowEdit("evidence", (("id", 1),), (("sha256", "00"),), "tamper")
        with pytest.raises(CaseFileError, match="cannot be edited"):
            bad.apply(case)


def test_drag_edits_merge(case_path: Path) -> None:
    a = commands.move_camera(1, 1.0, 2.0)
    b = commands.move_camera(1, 1.5, 2.5)
    c = commands.move_camera(2, 1.5, 2.5)
    assert a.mergeable_with(b)
    assert not a.mergeable_with(c)
    assert not a.mergeable_with(commands.set_view(1, 10.0, 60.0))


def test_a_verdict_draft_is_kept_in_the_case_and_becomes_the_verdict(case_path: Path) -> None:
    from desk.core.model import VerdictDraft

    with CaseFile.create(case_path, "draft") as case:
        commands.add_claim(case, Claim(0, "91 drones")).apply(case)
        draft = VerdictDraft(1, rationale="No images, no debris, no geolocation.",
                             checklist={"source": True, "movement": None})
        commands.save_verdict_draft(case, draft).apply(case)
        draft = VerdictDraft(1, Rating.UNPROVEN, None, draft.summary, draft.rationale,
                             draft.checklist)
        commands.save_verdict_draft(case, draft).apply(case)
    with CaseFile.open(case_path) as case:  # what a crash or a closed window leaves
        kept = case.verdict_draft(1)
        assert kept == draft and not kept.complete
        assert case.verdict(1) is None
        verdict = Verdict(1, Rating.UNPROVEN, Confidence.HIGH, "", kept.rationale,
                          kept.checklist)
        undo = commands.record_verdict(case, verdict).apply(case)
        assert case.verdict(1) == verdict and case.verdict_draft(1) is None
        undo.apply(case)
        assert case.verdict(1) is None and case.verdict_draft(1) == draft
        actions = [e.action for e in case.audit_entries()]
        assert actions.count("edit verdict draft") == 2


def test_an_emptied_draft_is_removed_and_deleting_the_claim_takes_its_draft(
        case_path: Path) -> None:
    from desk.core.model import VerdictDraft

    with CaseFile.create(case_path, "draft") as case:
        commands.add_claim(case, Claim(0, "claim")).apply(case)
        commands.save_verdict_draft(case, VerdictDraft(1, summary="first thoughts")).apply(case)
        commands.save_verdict_draft(case, VerdictDraft(1)).apply(case)
        assert case.verdict_draft(1) is None
        with pytest.raises(CaseFileError):
            commands.save_verdict_draft(case, VerdictDraft(1))
        commands.save_verdict_draft(case, VerdictDraft(1, Rating.FALSE)).apply(case)
        undo = commands.delete_claim(case, 1).apply(case)
        assert case.verdict_draft(1) is None
        undo.apply(case)
        assert case.verdict_draft(1) == VerdictDraft(1, Rating.FALSE)


# --------------------------------------------------------------------------- every named command

from collections.abc import Callable  # noqa: E402

from desk.core import schema  # noqa: E402
from desk.core.intake import import_files  # noqa: E402
from desk.core.model import Horizon, Landmark, Movement, Shadow, Track, VerdictDraft  # noqa: E402
from tests.core.imaging import make_jpeg  # noqa: E402

KUPIANSK = (49.7097, 37.6156)
MAST = (49.7156, 37.5899)


@pytest.fixture
def rich_case(tmp_path: Path) -> CaseFile:
    """Two frames, one claim with a statement, a link and a draft, a placed camera, a horizon,
    two landmarks (one the reference point) and two arrows (one with a ground track)."""
    for n in (1, 2):
        (tmp_path / f"frame{n}.jpg").write_bytes(make_jpeg(64 + n, 48))
    case = CaseFile.create(tmp_path / "rich.deskcase", "rich")
    report = import_files(case, [tmp_path / "frame1.jpg", tmp_path / "frame2.jpg"], workers=1)
    assert len(report.imported) == 2
    commands.apply_all(case, [
        commands.add_claim(case, Claim(0, "Kupiansk captured", claimant="State TV")),
    ])
    commands.apply_all(case, [
        commands.add_statement(case, Statement(0, 1, "Ministry", "The town is ours")),
        commands.link_evidence(1, 1, "supports"),
        commands.save_verdict_draft(case, VerdictDraft(1, summary="so far")),
        commands.set_geolocation(Geolocation(1, *MAST, heading=270.0, fov=60.0)),
        commands.set_horizon(Horizon(1, 0.4, 0.4)),
        commands.add_landmark(case, Landmark(0, "Centre", *KUPIANSK, is_reference=True)),
    ])
    commands.apply_all(case, [
        commands.add_landmark(case, Landmark(0, "TV mast", *MAST)),
    ])
    commands.apply_all(case, [
        commands.add_movement(case, Movement(0, 1, "column", x1=0.4, y1=0.8, x2=0.3, y2=0.7,
                                             start_lat=49.71585, start_lon=37.5924,
                                             end_lat=49.7156, end_lon=37.5899)),
    ])
    commands.apply_all(case, [commands.add_movement(case, Movement(0, 1, x2=0.2, y2=0.2))])
    commands.apply_all(case, [commands.add_shadow(case, Shadow(0, 1, 314.0, 4.0, label="post"))])
    commands.apply_all(case, [commands.add_tile_pack(case, TilePackRef(
        0, "/packs/kupiansk.mbtiles", "ab" * 32, 1_000_000, "mbtiles", "Kupiansk 2024"))])
    commands.apply_all(case, [commands.place_overlay(case, 1, _PAIRS)])
    commands.apply_all(case, [commands.set_time_question(case, 2, date(2025, 11, 1),
                                                         date(2025, 11, 30))])
    yield case
    case.close()


def _state(case: CaseFile) -> dict[str, list[tuple[object, ...]]]:
    """Every editable row of the case, to compare before, after and after undo."""
    return {table: case.conn.execute(f"SELECT * FROM {table} ORDER BY 1, 2").fetchall()
            for table in commands._EDITABLE}


def _movement(case: CaseFile, movement_id: int) -> Movement:
    return next(m for m in case.movements() if m.id == movement_id)


def _statement(case: CaseFile) -> Statement:
    return case.statements(1)[0]


# action name -> (build the command on the rich case, what must hold once it is applied)
Build = Callable[[CaseFile], commands.Command]
Check = Callable[[CaseFile], bool]
_PAIRS = [(0, 0, 49.716, 37.592), (60, 0, 49.716, 37.5935), (0, 40, 49.7155, 37.592)]
_PACK = TilePackRef(0, "/packs/drone.pmtiles", "cd" * 32, 5_000, "pmtiles", "Drone still",
                    role="overlay", opacity=0.7)

EVERY_COMMAND: dict[str, tuple[Build, Check]] = {
    "edit provenance": (lambda c: commands.set_provenance(1, "source_url", "https://t.me/x/1"),
                        lambda c: c.get_evidence(1).provenance.source_url == "https://t.me/x/1"),
    "add claim": (lambda c: commands.add_claim(c, Claim(0, "91 drones")),
                  lambda c: [k.text for k in c.list_claims()][-1] == "91 drones"),
    "edit claim": (lambda c: commands.edit_claim(1, claimant="Channel One"),
                   lambda c: c.get_claim(1).claimant == "Channel One"),
    "delete claim": (lambda c: commands.delete_claim(c, 1), lambda c: c.list_claims() == []),
    "add statement": (lambda c: commands.add_statement(c, Statement(0, 1, "Governor", "41")),
                      lambda c: len(c.statements(1)) == 2),
    "edit statement": (lambda c: commands.edit_statement(_statement(c), said_at="2025-12-29"),
                       lambda c: _statement(c).said_at == "2025-12-29"),
    "delete statement": (lambda c: commands.delete_statement(_statement(c)),
                         lambda c: c.statements(1) == []),
    "link evidence": (lambda c: commands.link_evidence(1, 2, "contradicts", "the mast"),
                      lambda c: len(c.claim_evidence(1)) == 2),
    "unlink evidence": (lambda c: commands.unlink_evidence(1, 1),
                        lambda c: c.claim_evidence(1) == []),
    "change stance": (lambda c: commands.change_stance(1, 1, "contradicts"),
                      lambda c: str(c.claim_evidence(1)[0].stance) == "contradicts"),
    "edit link note": (lambda c: commands.edit_link_note(1, 1, "frame 12"),
                       lambda c: c.claim_evidence(1)[0].note == "frame 12"),
    "record verdict": (lambda c: commands.record_verdict(c, Verdict(
        1, Rating.MISLEADING, Confidence.HIGH, "walking out of town")),
        lambda c: c.verdict(1) is not None and c.verdict_draft(1) is None),
    "clear verdict": (lambda c: _with_verdict(c, commands.clear_verdict(1)),
                      lambda c: c.verdict(1) is None),
    "edit verdict draft": (lambda c: commands.save_verdict_draft(
        c, VerdictDraft(1, Rating.MISLEADING, summary="so far")),
        lambda c: (d := c.verdict_draft(1)) is not None and d.rating is Rating.MISLEADING),
    "discard verdict draft": (lambda c: commands.discard_verdict_draft(1),
                              lambda c: c.verdict_draft(1) is None),
    "set checklist item": (lambda c: commands.set_checklist_item(c, 1, "location_checked", True),
                           lambda c: c.verdict_draft(1).checklist  # type: ignore[union-attr]
                           == {"location_checked": True}),
    "geolocate": (lambda c: commands.set_geolocation(Geolocation(2, *KUPIANSK)),
                  lambda c: c.geolocation(2) is not None),
    "remove geolocation": (lambda c: commands.clear_geolocation(1),
                           lambda c: c.geolocation(1) is None),
    "move camera": (lambda c: commands.move_camera(1, 49.7, 37.6),
                    lambda c: (c.geolocation(1).lat, c.geolocation(1).lon)  # type: ignore[union-attr]
                    == (49.7, 37.6)),
    "set camera view": (lambda c: commands.set_view(1, 90.0, 45.0),
                        lambda c: (c.geolocation(1).heading, c.geolocation(1).fov)  # type: ignore[union-attr]
                        == (90.0, 45.0)),
    "set camera height": (lambda c: commands.set_camera_height(1, 12.5),
                          lambda c: c.geolocation(1).camera_height_m == 12.5),  # type: ignore[union-attr]
    "set precision": (lambda c: commands.set_precision(1, 5.0),
                      lambda c: c.geolocation(1).precision_m == 5.0),  # type: ignore[union-attr]
    "set confidence": (lambda c: commands.set_geolocation_confidence(1, "high"),
                       lambda c: str(c.geolocation(1).confidence) == "high"),  # type: ignore[union-attr]
    "describe method": (lambda c: commands.describe_method(1, "matched the TV mast"),
                        lambda c: c.geolocation(1).method == "matched the TV mast"),  # type: ignore[union-attr]
    "mark horizon": (lambda c: commands.set_horizon(Horizon(2, 0.5, 0.52)),
                     lambda c: c.horizon(2) is not None),
    "adjust horizon": (lambda c: commands.adjust_horizon(Horizon(1, 0.45, 0.47)),
                       lambda c: c.horizon(1) == Horizon(1, 0.45, 0.47)),
    "remove horizon": (lambda c: commands.clear_horizon(1), lambda c: c.horizon(1) is None),
    "add landmark": (lambda c: commands.add_landmark(c, Landmark(0, "Bridge", 49.71, 37.62)),
                     lambda c: [lm.name for lm in c.landmarks()][-1] == "Bridge"),
    "move landmark": (lambda c: commands.move_landmark(2, 49.72, 37.59),
                      lambda c: (c.landmarks()[1].lat, c.landmarks()[1].lon) == (49.72, 37.59)),
    "rename landmark": (lambda c: commands.rename_landmark(2, "TV tower"),
                        lambda c: c.landmarks()[1].name == "TV tower"),
    "delete landmark": (lambda c: commands.delete_landmark(c, 2),
                        lambda c: [lm.id for lm in c.landmarks()] == [1]),
    "set reference point": (lambda c: commands.set_default_reference(c, 2),
                            lambda c: [lm.is_reference for lm in c.landmarks()] == [False, True]),
    "unset reference point": (lambda c: commands.clear_default_reference(c),
                              lambda c: not any(lm.is_reference for lm in c.landmarks())),
    "add movement": (lambda c: commands.add_movement(c, Movement(0, 2, x2=0.5, y2=0.5)),
                     lambda c: len(c.movements(2)) == 1),
    "move movement arrow": (lambda c: commands.move_arrow(_movement(c, 2), 0.1, 0.1, 0.3, 0.3),
                            lambda c: _movement(c, 2).x2 == 0.3),
    "reshape movement arrow": (lambda c: commands.move_arrow(_movement(c, 2), 0.0, 0.0, 0.6,
                                                             0.2, reshape=True),
                               lambda c: _movement(c, 2).x2 == 0.6),
    "label movement": (lambda c: commands.label_arrow(_movement(c, 2), "  5  soldiers "),
                       lambda c: _movement(c, 2).label == "5 soldiers"),
    "colour movement": (lambda c: commands.colour_arrow(_movement(c, 2), "#00ff00"),
                        lambda c: _movement(c, 2).color == "#00ff00"),
    "delete movement": (lambda c: commands.delete_arrow(_movement(c, 2)),
                        lambda c: [m.id for m in c.movements()] == [1]),
    "choose reference point": (lambda c: commands.choose_reference(_movement(c, 1), 2),
                               lambda c: _movement(c, 1).reference_id == 2),
    "draw ground track": (lambda c: commands.draw_track(_movement(c, 2), Track(MAST, KUPIANSK)),
                          lambda c: _movement(c, 2).track == Track(MAST, KUPIANSK)),
    "correct ground track": (lambda c: commands.draw_track(
        _movement(c, 1), Track((49.71585, 37.5924), MAST), correct=True),
        lambda c: _movement(c, 1).track == Track((49.71585, 37.5924), MAST)),
    "project movement": (lambda c: commands.draw_track(_movement(c, 2), Track(KUPIANSK, MAST),
                                                       projected=True),
                         lambda c: _movement(c, 2).track == Track(KUPIANSK, MAST)),
    "type bearing": (lambda c: commands.turn_track(_movement(c, 2), 90.0),
                     lambda c: _movement(c, 2).bearing == 90.0),
    "clear ground track": (lambda c: commands.clear_track(_movement(c, 1)),
                           lambda c: _movement(c, 1).track is None
                           and _movement(c, 1).bearing is None),
    "add shadow": (lambda c: commands.add_shadow(c, Shadow(0, 2, 40.0, 6.0)),
                   lambda c: [(s.evidence_id, s.bearing) for s in c.shadows()][-1] == (2, 40.0)),
    "move shadow": (lambda c: commands.move_shadow(c.shadows()[0], 0.5, 0.8, 0.4, 0.85),
                    lambda c: c.shadows()[0].drawn and c.shadows()[0].y2 == 0.85),
    "set shadow bearing": (lambda c: commands.set_shadow_bearing(c.shadows()[0], 300.0, 2.0),
                           lambda c: (c.shadows()[0].bearing, c.shadows()[0].tolerance)
                           == (300.0, 2.0)),
    "measure shadow": (lambda c: commands.measure_shadow(c.shadows()[0], 2.0, 9.0),
                       lambda c: c.shadows()[0].measured),
    "label shadow": (lambda c: commands.label_shadow(c.shadows()[0], " lamp  post "),
                     lambda c: c.shadows()[0].label == "lamp post"),
    "delete shadow": (lambda c: commands.delete_shadow(c.shadows()[0]),
                      lambda c: c.shadows() == []),
    "add tile pack": (lambda c: commands.add_tile_pack(c, _PACK),
                      lambda c: [p.sha256 for p in c.tile_packs()][-1] == _PACK.sha256),
    "set tile pack layer": (lambda c: commands.set_tile_pack_layer(1, "overlay", 0.5),
                            lambda c: (c.tile_packs()[0].role, c.tile_packs()[0].opacity)
                            == ("overlay", 0.5)),
    "remove tile pack": (lambda c: commands.remove_tile_pack(1),
                         lambda c: c.tile_packs() == []),
    "place overlay": (lambda c: commands.place_overlay(c, 2, _PAIRS, 0.5, "older still"),
                      lambda c: [(o.evidence_id, o.label) for o in c.overlays()][-1]
                      == (2, "older still")),
    "adjust overlay": (lambda c: commands.adjust_overlay(1, [*_PAIRS, (30, 30, 49.7158, 37.593)]),
                       lambda c: len(c.overlays()[0].pairs) == 4),
    "set overlay opacity": (lambda c: commands.set_overlay_opacity(1, 0.25),
                            lambda c: c.overlays()[0].opacity == 0.25),
    "remove overlay": (lambda c: commands.remove_overlay(1), lambda c: c.overlays() == []),
    "set time question": (
        lambda c: commands.set_time_question(c, 1, date(2025, 11, 20), date(2025, 11, 20),
                                             "2025-11-20T15:00:00+02:00"),
        lambda c: (tq := c.time_question(1)) is not None and tq.first == date(2025, 11, 20)),
    "clear time question": (lambda c: commands.clear_time_question(c, 2),
                            lambda c: c.time_question(2) is None),
    # The team desk: a merge writes whole rows as it decided them; a sign-off is its entry.
    "merge team edits": (lambda c: commands.MergeRows(
        (("claim", "[1]", _claim_row(c, text="Merged wording")),), {"merged": []}),
        lambda c: c.get_claim(1).text == "Merged wording"),
    "sign off verdict": (lambda c: _with_verdict(c, commands.SignOff(
        commands.SIGN_OFF.name, 1, {"note": ""})),
        lambda c: c.audit_entries()[-1].action == "sign off verdict"),
    "send back verdict": (lambda c: _with_verdict(c, commands.SignOff(
        commands.SEND_BACK.name, 1, {"note": "check the mast"})),
        lambda c: json.loads(c.audit_entries()[-1].detail)["note"] == "check the mast"),
    # The same id given by two copies: the later-made item moves, with all that points at it.
    "renumber items": (lambda c: commands.Renumber((("evidence", 1, 7), ("claim", 1, 4))),
                       lambda c: _moved_with_everything(c)),
    # A team-sync conflict settled by keeping one of its values (`desk team resolve`).
    "resolve conflict": (lambda c: commands.resolve_conflict(c, "claim", {"id": 1}, "text",
                                                             "Erin's wording"),
                         lambda c: c.get_claim(1).text == "Erin's wording"),
}


def _moved_with_everything(case: CaseFile) -> bool:
    """Evidence 1 is evidence 7 and claim 1 is claim 4, with their originals, geolocation,
    horizon, arrows, shadow, overlay, links, statement and draft."""
    conn = case.conn
    return (conn.execute("SELECT count(*) FROM evidence WHERE id = 1").fetchone()[0] == 0
            and len(case.original(7)) > 0 and case.horizon(7) is not None
            and case.geolocation(7) is not None and case.geolocation(1) is None
            and [m.evidence_id for m in case.movements()] == [7, 7]
            and conn.execute("SELECT evidence_id FROM shadow").fetchall() == [(7,)]
            and conn.execute("SELECT evidence_id FROM overlay").fetchall() == [(7,)]
            and [(link.claim_id, link.evidence_id) for link in case.claim_evidence()] == [(4, 7)]
            and [st.claim_id for st in case.statements()] == [4]
            and case.verdict_draft(4) is not None and case.verdict_draft(1) is None)


def _claim_row(case: CaseFile, **changed: object) -> tuple[object, ...]:
    """The claim row's values in column order, with some changed (what a merge writes)."""
    from desk.core import tracking

    table = next(t for t in tracking.tables() if t.name == "claim")
    row = case.conn.execute(f"SELECT {table.value_sql()} FROM claim WHERE id = 1").fetchone()
    values = dict(zip(table.columns, row, strict=True)) | changed
    return tuple(values[c] for c in table.columns)


def _with_verdict(case: CaseFile, command: commands.Command) -> commands.Command:
    """Record a verdict first (outside the step under test), for commands that need one."""
    commands.record_verdict(case, Verdict(1, Rating.FALSE, Confidence.LOW)).apply(case)
    return command


def test_every_action_the_core_names_is_covered_here() -> None:
    assert sorted(EVERY_COMMAND) == sorted(commands.ACTIONS)


@pytest.mark.parametrize("name", sorted(EVERY_COMMAND))
def test_each_named_command_applies_logs_and_undoes_exactly(rich_case: CaseFile,
                                                            name: str) -> None:
    build, check = EVERY_COMMAND[name]
    command = build(rich_case)
    before = _state(rich_case)
    seq = rich_case.audit_entries()[-1].seq
    inverse = command.apply(rich_case)
    assert check(rich_case), f"{name} did not do what it says"
    entries = [e for e in rich_case.audit_entries() if e.seq > seq]
    assert name in [e.action for e in entries]  # the custody log says what was done
    assert all(json.loads(e.detail)["command"] == e.action for e in entries)
    assert command.description  # what Edit ▸ Undo shows
    after = _state(rich_case)
    redo = inverse.apply(rich_case)
    assert _state(rich_case) == before
    undone = [e.action for e in rich_case.audit_entries() if e.seq > entries[-1].seq]
    assert undone and all(a.startswith("undo ") for a in undone)
    redo.apply(rich_case)
    assert _state(rich_case) == after
    assert rich_case.verify().ok


def test_touched_names_what_views_must_redraw(rich_case: CaseFile) -> None:
    move = commands.move_arrow(_movement(rich_case, 1), 0.1, 0.1, 0.2, 0.2)
    assert commands.touched(move) == commands.Touched(evidence=frozenset({1}),
                                                      movements=frozenset({1}))
    assert commands.touched(move.apply(rich_case)) == commands.touched(move)
    assert commands.touched(commands.delete_claim(rich_case, 1)).claims == {1}
    assert commands.touched(commands.set_default_reference(rich_case, 2)).landmarks
    add = commands.add_landmark(rich_case, Landmark(0, "Bridge", 49.71, 37.62))
    assert commands.created_id(add) == 3
    assert commands.created_id(commands.move_camera(1, 1.0, 1.0)) is None


# --------------------------------------------------------------------------- invariants


def _references(case: CaseFile) -> list[int]:
    return [lm.id for lm in case.landmarks() if lm.is_reference]


def test_one_default_reference_point_by_every_path(rich_case: CaseFile) -> None:
    case = rich_case
    assert _references(case) == [1]
    # Adding a landmark marked as the reference point takes the role over: one step.
    add = commands.add_landmark(case, Landmark(0, "Bridge", 49.71, 37.62, is_reference=True))
    undo = add.apply(case)
    assert _references(case) == [3]
    undo.apply(case)
    assert _references(case) == [1]
    commands.set_default_reference(case, 2).apply(case)
    assert _references(case) == [2]
    # No command edits the flag by hand, and the schema refuses a second one whatever writes it.
    assert not hasattr(commands, "edit_row")
    forged = commands._RowEdit("landmark", (("id", 1),), (("is_reference", 1),), "forged")
    with pytest.raises(CaseFileError):
        forged.apply(case)
    assert _references(case) == [2]
    assert "landmark_one_reference" in schema.INDEXES


def test_deleting_a_reference_landmark_lets_its_arrows_fall_back(rich_case: CaseFile) -> None:
    commands.choose_reference(_movement(rich_case, 1), 2).apply(rich_case)
    undo = commands.delete_landmark(rich_case, 2).apply(rich_case)
    assert _movement(rich_case, 1).reference_id is None
    undo.apply(rich_case)
    assert _movement(rich_case, 1).reference_id == 2


@pytest.mark.parametrize("build", [
    lambda c: commands.set_geolocation(Geolocation(1, 91.0, 0.0)),
    lambda c: commands.move_camera(1, 49.0, 181.0),
    lambda c: commands.move_camera(1, float("nan"), 0.0),
    lambda c: commands.set_view(1, 400.0, 60.0),
    lambda c: commands.set_view(1, 90.0, 0.0),
    lambda c: commands.set_camera_height(1, -2.0),
    lambda c: commands.set_precision(1, 0.0),
    lambda c: commands.set_geolocation_confidence(1, "certain"),
    lambda c: commands.link_evidence(1, 2, "proves"),
    lambda c: commands.record_verdict(c, Verdict(1, "Totally true", Confidence.HIGH)),  # type: ignore[arg-type]
    lambda c: commands.set_checklist_item(c, 1, "vibes_checked", True),
    lambda c: commands.add_landmark(c, Landmark(0, "  ", 1.0, 1.0)),
    lambda c: commands.add_claim(c, Claim(0, "")),
    lambda c: commands.colour_arrow(_movement(c, 1), "red; background: url(x)"),
    lambda c: commands.draw_track(_movement(c, 2), Track(MAST, MAST)),
    lambda c: commands.turn_track(_movement(c, 1), None),
    lambda c: commands.set_default_reference(c, 99),
    lambda c: commands.set_provenance(1, "sha256", "00"),
])
def test_bad_values_are_refused_with_a_plain_message_and_change_nothing(
        rich_case: CaseFile, build: Build) -> None:
    before, entries = _state(rich_case), len(rich_case.audit_entries())
    with pytest.raises(commands.CommandError) as refused:
        build(rich_case).apply(rich_case)
    message = str(refused.value)
    assert message and "\n" not in message and "Traceback" not in message
    assert _state(rich_case) == before and len(rich_case.audit_entries()) == entries


def test_editing_a_row_that_is_gone_says_so(rich_case: CaseFile) -> None:
    gone = _movement(rich_case, 2)
    commands.delete_arrow(gone).apply(rich_case)
    with pytest.raises(commands.CommandError, match="Movement arrow 2 does not exist"):
        commands.delete_arrow(gone).apply(rich_case)


def test_a_partial_edit_never_creates_a_half_row(rich_case: CaseFile) -> None:
    """Moving the camera of a frame that is not placed (an undo removed it) is refused."""
    for command in (commands.move_camera(2, 49.7, 37.6), commands.rename_landmark(9, "x"),
                    commands.edit_link_note(1, 2, "note"), commands.edit_claim(5, text="t")):
        with pytest.raises(commands.CommandError, match="does not exist"):
            command.apply(rich_case)


# --------------------------------------------------------------------------- team conflicts


@pytest.mark.parametrize(("table", "key", "field_name", "value", "says"), [
    ("original", {"evidence_id": 1}, "data", "x", "original rows cannot be edited"),
    ("evidence", {"id": 1}, "sha256", "00", "'sha256' of evidence cannot be edited"),
    ("claim", {"id": 1}, "id", 2, "'id' of claim cannot be edited"),
    ("claim", {"id": 9}, "text", "Gone", "Claim 9 does not exist"),
    ("claim", {"claim_id": 1}, "text", "x", "A row of claim is named by id"),
    ("claim", {"id": 1}, "text", {"sha256": "ab" * 32}, "A file's bytes cannot be chosen"),
    ("claim", {"id": 1}, "text", ["a"], "text, a number or empty"),
])
def test_resolving_a_conflict_refuses_what_it_cannot_set(
        rich_case: CaseFile, table: str, key: dict[str, object], field_name: str,
        value: object, says: str) -> None:
    before, entries = _state(rich_case), len(rich_case.audit_entries())
    with pytest.raises(commands.CommandError, match=says) as refused:
        commands.resolve_conflict(rich_case, table, key, field_name, value)
    assert "\n" not in str(refused.value)
    assert _state(rich_case) == before and len(rich_case.audit_entries()) == entries


def test_resolving_a_conflict_logs_the_field_it_sets_and_touches_its_item(
        rich_case: CaseFile) -> None:
    """The custody detail names table, key and values: what settles a listed conflict."""
    keep = commands.resolve_conflict(rich_case, "statement", {"id": 1}, "speaker", "Governor")
    assert commands.touched(keep) == commands.Touched(claims=frozenset({1}))
    undo = keep.apply(rich_case)
    detail = json.loads(rich_case.audit_entries()[-1].detail)
    assert (detail["command"], detail["table"], detail["key"], detail["values"]) == (
        "resolve conflict", "statement", {"id": 1}, {"speaker": "Governor"})
    assert rich_case.statements(1)[0].speaker == "Governor"
    undo.apply(rich_case)
    assert rich_case.statements(1)[0].speaker == "Ministry"
    moved = commands.resolve_conflict(rich_case, "movement", {"id": 1}, "evidence_id", 2)
    assert commands.touched(moved) == commands.Touched(evidence=frozenset({1, 2}),
                                                       movements=frozenset({1}))
    assert commands.touched(commands.resolve_conflict(
        rich_case, "landmark", {"id": 2}, "name", "Mast")).landmarks
    link = commands.resolve_conflict(rich_case, "claim_evidence",
                                     {"claim_id": 1, "evidence_id": 1}, "note", "")
    assert commands.touched(link) == commands.Touched(evidence=frozenset({1}),
                                                      claims=frozenset({1}))
    # A conflict's key lists values in the row digests' order: the same as the editable key.
    from desk.core import tracking

    editable = [t for t in tracking.tables() if t.name in ("claim", "claim_evidence",
                                                           "geolocation", "movement")]
    assert [commands.key_columns(t.name) for t in editable] == [t.keys for t in editable]




def _evidence_row(case: CaseFile, evidence_id: int, **changed: object) -> tuple[object, ...]:
    from desk.core import tracking

    table = next(t for t in tracking.tables() if t.name == "evidence")
    row = case.conn.execute(f"SELECT {table.value_sql()} FROM evidence WHERE id = ?",
                            (evidence_id,)).fetchone()
    values = dict(zip(table.columns, row, strict=True)) | changed
    return tuple(values[c] for c in table.columns)


def test_a_merge_that_puts_another_file_under_an_id_brings_its_bytes_or_is_refused(
        rich_case: CaseFile) -> None:
    """Another copy's evidence 2 stands here now (its item was made first): the original
    under id 2 must become that file, hashed on the way in, never stay the old bytes under
    the new SHA-256."""
    import hashlib

    other = make_jpeg(90, 60)
    sha = hashlib.sha256(other).hexdigest()
    row = _evidence_row(rich_case, 2, sha256=sha, size=len(other), original_name="theirs.jpg")
    before = _state(rich_case)
    wrong = commands.MergeRows((("evidence", "[2]", row),), {"merged": []},
                               lambda _eid, _sha, _size: iter([b"x" * len(other)]))
    with pytest.raises(CaseFileError, match="does not match its SHA-256"):
        wrong.apply(rich_case)
    assert _state(rich_case) == before and rich_case.verify().ok
    asked: list[tuple[int, str, int]] = []

    def source(eid: int, digest: str, size: int) -> list[bytes]:
        asked.append((eid, digest, size))
        return [other[:1000], other[1000:]]

    commands.MergeRows((("evidence", "[2]", row),), {"merged": []}, source).apply(rich_case)
    assert asked == [(2, sha, len(other))]
    assert rich_case.original(2) == other and rich_case.verify().ok


def test_renumbering_to_an_id_in_use_is_refused_and_changes_nothing(rich_case: CaseFile
                                                                    ) -> None:
    before = _state(rich_case)
    with pytest.raises(CaseFileError, match="exists already"):
        commands.Renumber((("evidence", 1, 2),)).apply(rich_case)
    with pytest.raises(CaseFileError, match="cannot be renumbered"):
        commands.Renumber((("verdict_draft", 1, 5),)).apply(rich_case)
    assert _state(rich_case) == before and rich_case.verify().ok
