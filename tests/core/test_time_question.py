"""The time question of a frame (the days to solve, the claimed time to test) is set and
cleared through named commands that undo; with a geolocation and shadows it gives the frame's
chronolocation, and without one of them the reason, in words."""

from __future__ import annotations

import hashlib
import sqlite3
from datetime import date, datetime
from pathlib import Path

import pytest

from desk.core import commands
from desk.core.casefile import CaseFile
from desk.core.chronolocation import MAX_DAYS
from desk.core.commands import CommandError
from desk.core.frame_time import chronolocation_for, why_no_chronolocation
from desk.core.model import Geolocation, Metadata, Provenance, Shadow, TimeQuestion
from desk.core.sun import Place, sun_position
from desk.core.timezones import zone_at

KUPIANSK = (49.7159, 37.5928)
DAY = date(2025, 11, 20)


def _frame(case: CaseFile, geolocated: bool = True) -> int:
    with case.edit("import", ["evidence:1"]) as conn:
        eid = case.insert_evidence(conn, sha256=hashlib.sha256(b"frame").hexdigest(),
                                   data=b"frame", fmt="jpeg", width=1, height=1,
                                   metadata=Metadata(),
                                   provenance=Provenance(original_name="frame.jpg"),
                                   thumbnail=b"t", thumb_size=(1, 1))
    if geolocated:
        commands.set_geolocation(Geolocation(eid, *KUPIANSK)).apply(case)
    return eid


def _shadow_at(hour: int, minute: int = 0) -> float:
    """Where an upright object's shadow pointed in Kupiansk at that local time on DAY."""
    zone = zone_at(*KUPIANSK)
    return sun_position(datetime(2025, 11, 20, hour, minute, tzinfo=zone.zone),
                        Place(*KUPIANSK)).shadow_bearing


def test_the_question_is_set_read_undone_and_cleared(case_path: Path) -> None:
    with CaseFile.create(case_path, "question") as case:
        frame = _frame(case)
        undo = commands.set_time_question(case, frame, DAY, DAY, " 2025-11-20T15:00 ").apply(case)
        assert case.time_question(frame) == TimeQuestion(frame, DAY, DAY, "2025-11-20T15:00")
        redo = undo.apply(case)
        assert case.time_question(frame) is None
        redo.apply(case)
        wider = commands.set_time_question(case, frame, date(2025, 11, 1), date(2025, 11, 30))
        back = wider.apply(case)
        assert case.time_question(frame) == TimeQuestion(frame, date(2025, 11, 1),
                                                         date(2025, 11, 30), "")
        back.apply(case)
        assert case.time_question(frame) == TimeQuestion(frame, DAY, DAY, "2025-11-20T15:00")
        restore = commands.clear_time_question(case, frame).apply(case)
        assert case.time_question(frame) is None
        restore.apply(case)
        assert case.time_question(frame) is not None
        actions = [e.action for e in case.audit_entries()]
        for name in ("set time question", "undo set time question", "clear time question",
                     "undo clear time question"):
            assert name in actions
        assert commands.touched(wider).evidence == {frame}
        assert case.verify().ok


@pytest.mark.parametrize("first, last, claimed, words", [
    (date(2025, 11, 21), DAY, "", r"end \(2025-11-20\) before they begin"),
    (date(2000, 1, 1), date(2025, 1, 1), "", f"at most {MAX_DAYS} days"),
    (DAY, DAY, "at dawn", "not a time such as"),
    # Europe/Kyiv skipped 03:00-04:00 on 2025-03-30.
    (DAY, DAY, "2025-03-30T03:30", "clocks skipped it"),
])
def test_a_question_that_cannot_be_asked_is_refused_and_nothing_written(
        case_path: Path, first: date, last: date, claimed: str, words: str) -> None:
    with CaseFile.create(case_path, "refusals") as case:
        frame = _frame(case)
        entries = len(case.audit_entries())
        with pytest.raises(CommandError, match=words):
            commands.set_time_question(case, frame, first, last, claimed).apply(case)
        assert case.time_question(frame) is None and len(case.audit_entries()) == entries


def test_a_question_about_missing_evidence_is_refused(case_path: Path) -> None:
    with CaseFile.create(case_path, "none") as case:
        with pytest.raises(CommandError, match="no evidence 4"):
            commands.set_time_question(case, 4, DAY, DAY)
        with pytest.raises(CommandError, match="does not exist"):
            commands.clear_time_question(case, 4).apply(case)


def test_a_claimed_time_without_a_geolocation_is_checked_for_its_form_only(
        case_path: Path) -> None:
    with CaseFile.create(case_path, "no place") as case:
        frame = _frame(case, geolocated=False)
        commands.set_time_question(case, frame, DAY, DAY, "2025-11-20 15:00").apply(case)
        with pytest.raises(CommandError, match="not a time"):
            commands.set_time_question(case, frame, DAY, DAY, "15h")
        assert "No geolocation" in why_no_chronolocation(case, frame)
        assert chronolocation_for(case, frame) is None


def test_a_shadow_of_eight_oclock_dates_the_frame_to_the_morning(case_path: Path) -> None:
    with CaseFile.create(case_path, "dated") as case:
        frame = _frame(case)
        assert "No shadows" in why_no_chronolocation(case, frame)
        commands.add_shadow(case, Shadow(0, frame, _shadow_at(8), 4.0)).apply(case)
        assert "No days to test" in why_no_chronolocation(case, frame)
        commands.set_time_question(case, frame, DAY, DAY, "2025-11-20T15:00").apply(case)
        assert why_no_chronolocation(case, frame) == ""
        finding = chronolocation_for(case, frame)
        assert finding is not None
        (window,) = finding.windows
        eight = datetime(2025, 11, 20, 8, 0, tzinfo=finding.zone.zone)
        assert window.contains(eight) and window.end.hour < 12
        assert finding.claim is not None and not finding.claim.consistent
        assert "the claimed 15:00 is inconsistent" in finding.sentence()
        assert finding.claim.assumption.startswith("local time assumed Europe/Kyiv")
        commands.set_time_question(case, frame, DAY, DAY, "2025-11-20T08:00").apply(case)
        morning = chronolocation_for(case, frame)
        assert morning is not None and morning.claim is not None and morning.claim.consistent


def test_shadows_that_disagree_are_the_reason_there_is_no_answer(case_path: Path) -> None:
    with CaseFile.create(case_path, "disagree") as case:
        frame = _frame(case)
        commands.add_shadow(case, Shadow(0, frame, _shadow_at(8), 3.0)).apply(case)
        commands.add_shadow(case, Shadow(0, frame, _shadow_at(14), 3.0)).apply(case)
        commands.set_time_question(case, frame, DAY, DAY).apply(case)
        assert chronolocation_for(case, frame) is None
        assert "The shadows disagree" in why_no_chronolocation(case, frame)


def test_a_question_edited_outside_desk_reads_as_none_or_as_the_reason(
        case_path: Path) -> None:
    with CaseFile.create(case_path, "tamper") as case:
        frame = _frame(case)
        commands.add_shadow(case, Shadow(0, frame, _shadow_at(8), 4.0)).apply(case)
        commands.set_time_question(case, frame, DAY, DAY).apply(case)
    conn = sqlite3.connect(case_path)
    conn.execute("UPDATE time_question SET first_day = 'yesterday'")
    conn.commit()
    conn.close()
    with CaseFile.open(case_path, read_only=True) as case:
        assert case.time_question(frame) is None
        assert "No days to test" in why_no_chronolocation(case, frame)
        assert any("changed outside desk" in p for p in case.verify().problems)
    conn = sqlite3.connect(case_path)
    conn.execute("UPDATE time_question SET first_day = '2025-11-20', claimed_at = 'noonish'")
    conn.commit()
    conn.close()
    with CaseFile.open(case_path, read_only=True) as case:
        assert "The claimed time cannot be read" in why_no_chronolocation(case, frame)
