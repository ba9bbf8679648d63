"""The review verbs as a newsroom script uses them: each prints the new id, records the same
named command the window records, and refuses a bad value in one line with nothing written."""

from __future__ import annotations

from pathlib import Path

import pytest

from desk.core import commands
from desk.core.casefile import CaseFile
from desk.core.model import Confidence, Rating
from tests.cli.conftest import Desk
from tests.dossier.conftest import Built


def _actions(path: Path) -> list[str]:
    with CaseFile.open(path, read_only=True) as case:
        return [e.action for e in case.audit_entries()]


@pytest.fixture
def fresh(desk: Desk, tmp_path: Path) -> Path:
    case = tmp_path / "fresh.deskcase"
    desk("new", case, "--title", "Fresh")
    assert desk("claim", case, "--text", "Drones hit the residence").out == "1\n"
    return case


def test_statement_prints_its_id_and_keeps_every_field(desk: Desk, fresh: Path) -> None:
    first = desk("statement", fresh, "--claim", 1, "--speaker", "Foreign minister",
                 "--text", "91 drones", "--said-at", "2025-12-29",
                 "--source-url", "https://example.org/a", "--venue", "Briefing")
    assert first.code == 0 and first.out == "1\n"
    second = desk("statement", fresh, "--claim", 1, "--speaker", "Governor", "--text",
                  "41 drones", "--said-at", "2025-12-30T09:15:00+03:00", "--json")
    assert second.json()["id"] == 2 and second.json()["claim_id"] == 1
    with CaseFile.open(fresh, read_only=True) as case:
        statements = case.statements(1)
    assert [(s.speaker, s.text, s.said_at, s.source_url, s.venue) for s in statements] == [
        ("Foreign minister", "91 drones", "2025-12-29", "https://example.org/a", "Briefing"),
        ("Governor", "41 drones", "2025-12-30T09:15:00+03:00", "", "")]
    assert _actions(fresh)[-2:] == [commands.ADD_STATEMENT.name] * 2


@pytest.mark.parametrize(("args", "message"), [
    (["--claim", "9", "--speaker", "a", "--text", "b"], "there is no claim 9"),
    (["--claim", "1", "--speaker", " ", "--text", "b"], "the speaker is empty"),
    (["--claim", "1", "--speaker", "a", "--text", "b", "--said-at", "29/12/2025"],
     "--said-at is a date as YYYY-MM-DD or a full ISO time"),
    (["--claim", "1", "--speaker", "a", "--text", "b", "--said-at", "2025-02-30"],
     "--said-at is a date as YYYY-MM-DD"),
    (["--claim", "x", "--speaker", "a", "--text", "b"], "invalid int value"),
])
def test_statement_refusals_are_one_line_and_write_nothing(desk: Desk, fresh: Path,
                                                           args: list[str], message: str) -> None:
    before = fresh.read_bytes()
    ran = desk("statement", fresh, *args)
    assert ran.code == 2 and message in ran.err
    assert len(ran.err.strip().splitlines()) == 1 and ran.out == ""
    assert fresh.read_bytes() == before


def test_link_links_changes_and_reports_what_changed(desk: Desk, built: Built) -> None:
    ran = desk("link", built.path, "--claim", 1, "--evidence", 1, 2, "--stance", "supports",
               "--json")
    assert ran.code == 0
    assert ran.json()["links"] == [{"evidence_id": 1, "stance": "supports", "changed": True},
                                   {"evidence_id": 2, "stance": "supports", "changed": True}]
    assert _actions(built.path)[-2:] == [commands.CHANGE_STANCE.name] * 2
    again = desk("link", built.path, "--claim", 1, "--evidence", 2, "--stance", "supports")
    assert again.code == 0 and "unchanged" in again.out
    with CaseFile.open(built.path, read_only=True) as case:
        assert {str(link.stance) for link in case.claim_evidence(1)} == {"supports"}
    before = built.path.read_bytes()
    missing = desk("link", built.path, "--claim", 1, "--evidence", 2, 77, "--stance", "context")
    assert missing.code == 2 and "there is no evidence 77" in missing.err
    assert built.path.read_bytes() == before  # evidence 2 was not changed either


def test_a_new_link_is_the_windows_link_action(desk: Desk, built: Built) -> None:
    assert desk("claim", built.path, "--text", "Another claim").out == "2\n"
    ran = desk("link", built.path, "--claim", 2, "--evidence", 1, "--stance", "context")
    assert ran.code == 0 and ran.out == "linked    evidence 1 context claim 2\n"
    assert _actions(built.path)[-1] == commands.LINK_EVIDENCE.name


def test_verdict_records_rating_confidence_checks_reviewer_and_utc_time(
        desk: Desk, fresh: Path) -> None:
    desk("verdict", fresh, "--claim", 1, "--rating", "misleading", "--confidence", "low",
         "--summary", "First take", "--check", "source_identified=yes")
    ran = desk("verdict", fresh, "--claim", 1, "--rating", "UNPROVEN", "--confidence",
               "Moderate", "--summary", "Two counts contradict each other",
               "--rationale", "No imagery exists", "--check", "original_found=no",
               "movement_checked=na", "--json")
    assert ran.code == 0
    report = ran.json()
    assert report["rating"] == "Unproven" and report["confidence"] == "moderate"
    assert report["open_items"] == ["Original found", "Date checked", "Location checked",
                                    "Alternative explanations considered"]
    with CaseFile.open(fresh, read_only=True) as case:
        verdict = case.verdict(1)
    assert verdict is not None
    assert (verdict.rating, verdict.confidence) == (Rating.UNPROVEN, Confidence.MODERATE)
    assert verdict.rationale == "No imagery exists"
    # The earlier check stays; the new ones are added; N/A is recorded as None.
    assert verdict.checklist == {"source_identified": True, "original_found": False,
                                 "movement_checked": None}
    assert verdict.reviewer == "Test Reviewer"
    assert verdict.decided_at.endswith("Z") and verdict.decided_at == report["decided_at"]
    assert _actions(fresh)[-1] == commands.RECORD_VERDICT.name


def test_every_rating_the_window_names_is_accepted(desk: Desk, fresh: Path) -> None:
    for rating in Rating:
        ran = desk("verdict", fresh, "--claim", 1, "--rating", str(rating).lower(),
                   "--confidence", "high", "--summary", "s", "--json")
        assert ran.code == 0 and ran.json()["rating"] == str(rating)


@pytest.mark.parametrize(("args", "message"), [
    (["--rating", "Mostly true"], '--rating is one of "False", "Misleading", "Unproven"'),
    (["--rating", "Unproven", "--check", "vibes_checked=yes"], "KEY one of source_identified"),
    (["--rating", "Unproven", "--check", "date_checked=maybe"], "takes yes, no or na"),
    (["--rating", "Unproven", "--confidence", "certain"], "invalid choice: 'certain'"),
])
def test_verdict_refusals(desk: Desk, fresh: Path, args: list[str], message: str) -> None:
    before = fresh.read_bytes()
    base = {"--confidence": "high"}
    pairs = dict(zip(args[::2], args[1::2], strict=True))
    argv = [*args, *(x for k, v in base.items() if k not in pairs for x in (k, v))]
    ran = desk("verdict", fresh, "--claim", 1, "--summary", "s", *argv)
    assert ran.code == 2 and message in ran.err and len(ran.err.strip().splitlines()) == 1
    assert fresh.read_bytes() == before


def test_geolocate_takes_every_form_the_window_accepts(desk: Desk, built: Built) -> None:
    eid = built.evidence_ids[1]
    forms = [
        ["--lat", "49.7159", "--lon", "37.5928"],
        ["--lat", "49°42'57.24\"N", "--lon", "37°35'34.08\"E"],
        ["--at", "49.7159, 37.5928"],
        ["--at", "https://www.google.com/maps/place/@49.7159,37.5928,17z"],
        ["--at", "geo:49.7159,37.5928"],
    ]
    for form in forms:
        ran = desk("geolocate", built.path, "--evidence", eid, *form, "--json")
        assert ran.code == 0, ran.err
        report = ran.json()
        assert report["id"] == eid
        assert (round(float(report["lat"]), 4), round(float(report["lon"]), 4)) == (  # type: ignore[arg-type]
            49.7159, 37.5928), form


def test_geolocate_again_keeps_what_is_not_given(desk: Desk, built: Built) -> None:
    eid = built.evidence_ids[0]  # geolocated with heading 262, fov 62, precision 40
    ran = desk("geolocate", built.path, "--evidence", eid, "--at", "49.716, 37.593",
               "--method", "Re-matched the mast", "--confidence", "HIGH")
    assert ran.code == 0 and "geolocated evidence" in ran.out
    with CaseFile.open(built.path, read_only=True) as case:
        geo = case.geolocation(eid)
    assert geo is not None
    assert (geo.lat, geo.lon, geo.heading, geo.fov, geo.precision_m) == (
        49.716, 37.593, 262.0, 62.0, 40.0)
    assert geo.method == "Re-matched the mast" and geo.confidence == Confidence.HIGH
    assert _actions(built.path)[-1] == commands.GEOLOCATE.name


@pytest.mark.parametrize(("args", "message"), [
    (["--lat", "95", "--lon", "37"], "latitude 95 is beyond ±90"),
    (["--lat", "abc", "--lon", "37"], "could not read coordinates"),
    (["--lat", "49"], "give the position as --lat LAT --lon LON"),
    (["--at", "49, 37", "--lat", "49"], "either as --at or as --lat and --lon"),
    (["--at", "49, 37", "--heading", "north"], "--heading takes a number of degrees"),
    (["--at", "49, 37", "--heading", "400"], "0 to 360"),
    (["--at", "49, 37", "--fov", "0"], "field of view is between 1 and 179"),
    (["--at", "49, 37", "--precision-m", "-5"], "precision must be more than 0"),
    (["--at", "49, 37", "--precision-m", "nan"], "--precision-m takes a number"),
])
def test_geolocate_refusals(desk: Desk, built: Built, args: list[str], message: str) -> None:
    before = built.path.read_bytes()
    ran = desk("geolocate", built.path, "--evidence", built.evidence_ids[1], *args)
    assert ran.code == 2 and message in ran.err and len(ran.err.strip().splitlines()) == 1
    assert built.path.read_bytes() == before
    unknown = desk("geolocate", built.path, "--evidence", 99, "--at", "49, 37")
    assert unknown.code == 2 and "there is no evidence 99" in unknown.err


def test_a_reference_landmark_takes_the_role_from_the_other(desk: Desk, built: Built) -> None:
    ran = desk("landmark", built.path, "--name", "Railway station", "--at", "49.7050, 37.6000",
               "--reference", "--json")
    assert ran.code == 0
    report = ran.json()
    assert report == {"id": 3, "name": "Railway station", "lat": 49.705, "lon": 37.6,
                      "reference": True}
    assert desk("landmark", built.path, "--name", "Bridge", "--lat", "49.71",
                "--lon", "37.58").out == "4\n"
    with CaseFile.open(built.path, read_only=True) as case:
        assert [lm.id for lm in case.landmarks() if lm.is_reference] == [3]
    assert _actions(built.path)[-3:] == [commands.UNSET_REFERENCE.name,
                                        commands.ADD_LANDMARK.name, commands.ADD_LANDMARK.name]
    empty = desk("landmark", built.path, "--name", "  ", "--at", "49, 37")
    assert empty.code == 2 and "the landmark name is empty" in empty.err


def test_movement_prints_its_id_and_the_one_finding(desk: Desk, built: Built) -> None:
    eid = built.evidence_ids[0]  # geolocated west of the centre (the reference point)
    ran = desk("movement", built.path, "--evidence", eid, "--bearing", "95", "--label",
               "convoy", "--json")
    assert ran.code == 0
    report = ran.json()
    finding = report["finding"]
    assert isinstance(finding, dict)
    assert report["id"] == 2 and finding["relation"] == "toward"
    assert finding["bearing_source"] == "typed" and finding["reference_name"] == "Centre"
    info = desk("info", built.path, "--json").json()
    [item] = [e for e in info["evidence"] if e["id"] == eid]  # type: ignore[attr-defined]
    assert [m["finding"] for m in item["movements"] if m["id"] == 2] == [finding]
    plain = desk("movement", built.path, "--evidence", eid, "--bearing", "270°",
                 "--reference", 1)
    assert plain.out == "3\n" and "so the movement is" in plain.err and "Mast" in plain.err
    with CaseFile.open(built.path, read_only=True) as case:
        placed = {m.id: m for m in case.movements()}
    assert (placed[3].x1, placed[3].y1, placed[3].x2, placed[3].y2) == (0.5, 0.5, 0.5, 0.5)
    assert placed[3].bearing == 270.0 and placed[3].reference_id == 1
    assert _actions(built.path)[-1] == commands.ADD_ARROW.name


def test_a_movement_on_an_unplaced_frame_says_why_it_has_no_finding(desk: Desk,
                                                                    built: Built) -> None:
    ran = desk("movement", built.path, "--evidence", built.evidence_ids[1], "--bearing", "10",
               "--json")
    assert ran.code == 0 and ran.json()["finding"] is None
    assert ran.json()["no_finding"] == ("A typed bearing needs the camera's position:"
                                        " geolocate the frame first.")


@pytest.mark.parametrize(("args", "message"), [
    (["--evidence", "1", "--bearing", "361"], "0 to 360"),
    (["--evidence", "1", "--bearing", "east"], "--bearing takes a number of degrees"),
    (["--evidence", "1", "--bearing", "90", "--reference", "9"], "there is no landmark 9"),
    (["--evidence", "9", "--bearing", "90"], "there is no evidence 9"),
])
def test_movement_refusals(desk: Desk, built: Built, args: list[str], message: str) -> None:
    before = built.path.read_bytes()
    ran = desk("movement", built.path, *args)
    assert ran.code == 2 and message in ran.err and len(ran.err.strip().splitlines()) == 1
    assert built.path.read_bytes() == before


def test_claim_links_its_evidence_in_one_step(desk: Desk, built: Built) -> None:
    ran = desk("claim", built.path, "--text", "A second claim", "--claimant", "Someone",
               "--evidence", 1, 2, "--stance", "supports")
    assert ran.code == 0 and ran.out.strip() == "2"
    with CaseFile.open(built.path) as case:
        assert case.get_claim(2).claimant == "Someone"
        assert [(c.evidence_id, str(c.stance)) for c in case.claim_evidence(2)] == [
            (1, "supports"), (2, "supports")]
    assert desk("claim", built.path, "--text", "Third", "--json").json() == {"id": 3}
    claims = desk("info", built.path, "--json").json()["claims"]
    assert [c["id"] for c in claims] == [1, 2, 3]  # type: ignore[attr-defined]


def test_claim_refuses_unknown_evidence_and_empty_text(desk: Desk, built: Built) -> None:
    ran = desk("claim", built.path, "--text", "x", "--evidence", 99)
    assert ran.code == 2 and "there is no evidence 99" in ran.err
    assert desk("claim", built.path, "--text", "  ").code == 2
    with CaseFile.open(built.path) as case:
        assert [c.id for c in case.list_claims()] == [1]


def test_a_verdict_finishes_the_draft_begun_in_the_window(desk: Desk, fresh: Path) -> None:
    from desk.core.model import VerdictDraft

    with CaseFile.open(fresh) as case:
        commands.save_verdict_draft(case, VerdictDraft(
            1, rationale="Begun in the window", checklist={"date_checked": True})).apply(case)
    ran = desk("verdict", fresh, "--claim", 1, "--rating", "unproven", "--confidence", "low",
               "--summary", "Finished on the command line", "--check", "original_found=no")
    assert ran.code == 0
    with CaseFile.open(fresh, read_only=True) as case:
        verdict = case.verdict(1)
        assert case.verdict_draft(1) is None
    assert verdict is not None and verdict.rationale == "Begun in the window"
    assert verdict.checklist == {"date_checked": True, "original_found": False}
    assert _actions(fresh)[-2:] == [commands.RECORD_VERDICT.name,
                                   commands.DISCARD_VERDICT_DRAFT.name]
