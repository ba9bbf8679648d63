"""`desk sun` and `desk shadow` as a script calls them: the contract's keys, the paper's numbers,
the time-zone assumption said, and a bad value refused in one line with nothing written."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from desk.core.casefile import CaseFile
from desk.core.sun import Place, sun_position
from tests.cli.conftest import Desk
from tests.dossier.conftest import Built

KUPIANSK = Place(49.7159, 37.5928)


def test_sun_prints_the_papers_example(desk: Desk) -> None:
    args = ("sun", "--lat", "39.742476", "--lon", "-105.1786", "--time",
            "2003-10-17T12:30:30-07:00", "--elevation-m", "1830.14", "--pressure-hpa", "820",
            "--temperature-c", "11", "--delta-t", "67")
    ran = desk(*args, "--json")
    assert ran.code == 0, ran.err
    data = ran.json()
    assert data["zenith"] == pytest.approx(50.11162, abs=0.0005)
    assert data["azimuth"] == pytest.approx(194.34024, abs=0.0005)
    assert data["elevation"] == pytest.approx(39.88838, abs=0.0005)
    for key in ("sunrise", "transit", "sunset"):
        value = data[key]
        assert isinstance(value, str) and datetime.fromisoformat(value).utcoffset() is not None
    sunrise = datetime.fromisoformat(str(data["sunrise"]))
    assert sunrise.isoformat().startswith("2003-10-17T07:12:4")  # 06:12:4x MST, in MDT
    assert data["delta_t"] == 67 and data["delta_t_estimated"] is False
    text = desk(*args)
    assert text.code == 0
    assert "azimuth     194.3402°" in text.out and "zenith       50.1116°" in text.out
    assert "sunrise    2003-10-17T07:12:4" in text.out and "sunset " in text.out


def test_sun_reads_a_time_without_offset_in_the_places_zone_and_says_so(desk: Desk) -> None:
    ran = desk("sun", "--lat", "49.7159", "--lon", "37.5928", "--time", "2025-11-20T08:00",
               "--json")
    data = ran.json()
    assert data["assumption"] == "local time assumed Europe/Kyiv, UTC+2 in winter"
    assert data["time"] == "2025-11-20T08:00:00+02:00"
    expected = sun_position(datetime.fromisoformat("2025-11-20T08:00:00+02:00"), KUPIANSK)
    assert data["azimuth"] == pytest.approx(expected.azimuth, abs=1e-5)
    assert "local time assumed Europe/Kyiv" in desk("sun", "--lat", "49.7159", "--lon",
                                                    "37.5928", "--time", "2025-11-20T08:00").out


@pytest.mark.parametrize("extra, words", [
    (("--time", "at dawn"), "--time"),
    (("--time", "2025-03-30T03:30"), "does not exist"),
    (("--time", "2025-11-20T08:00Z", "--pressure-hpa", "lots"), "--pressure-hpa takes a number"),
    (("--time", "2025-11-20T08:00Z", "--pressure-hpa", "5000"), "air pressure"),
])
def test_sun_refuses_a_bad_value_in_one_line(desk: Desk, extra: tuple[str, ...],
                                             words: str) -> None:
    ran = desk("sun", "--lat", "49.7159", "--lon", "37.5928", *extra)
    assert ran.code == 2 and ran.out == ""
    assert words in ran.err and len(ran.err.strip().splitlines()) == 1
    assert "Traceback" not in ran.err


def _bearing_at(text: str) -> float:
    return sun_position(datetime.fromisoformat(text), KUPIANSK).shadow_bearing


def _shadows(path: Path) -> list[object]:
    with CaseFile.open(path, read_only=True) as case:
        return list(case.shadows())


def test_shadow_records_the_observation_and_prints_the_windows(desk: Desk, built: Built
                                                               ) -> None:
    bearing = _bearing_at("2025-11-20T08:00:00+02:00")
    ran = desk("shadow", built.path, "--evidence", 1, "--bearing", f"{bearing:.2f}",
               "--tolerance", "4", "--date", "2025-11-20", "--claimed-time",
               "2025-11-20T15:00", "--label", "lamp post", "--json")
    assert ran.code == 0, ran.err
    data = ran.json()
    windows = data["windows"]
    assert isinstance(windows, list) and len(windows) == 1
    start = datetime.fromisoformat(windows[0]["start"])
    end = datetime.fromisoformat(windows[0]["end"])
    assert start.utcoffset() is not None
    assert start <= datetime.fromisoformat("2025-11-20T08:00:00+02:00") <= end
    claimed = data["claimed"]
    assert isinstance(claimed, dict) and claimed["consistent"] is False
    then = sun_position(datetime.fromisoformat("2025-11-20T15:00:00+02:00"), KUPIANSK)
    assert claimed["sun_azimuth"] == pytest.approx(then.azimuth, abs=1e-3)
    assert claimed["shadow_bearing"] == pytest.approx(then.shadow_bearing, abs=1e-3)
    with CaseFile.open(built.path, read_only=True) as case:
        (shadow,) = case.shadows(1)
        assert shadow.label == "lamp post" and shadow.tolerance == 4.0
        assert case.audit_entries()[-1].action == "add shadow"
        assert case.verify().ok
    text = desk("shadow", built.path, "--evidence", 1, "--bearing", f"{bearing:.2f}",
                "--date", "2025-11-20")
    assert text.code == 0 and "combined with 1 other shadow of the frame" in text.out
    assert "window     2025-11-20T07:" in text.out
    assert "consistent with 07:" in text.out


def test_shadow_over_a_range_of_dates_and_without_a_claim(desk: Desk, built: Built) -> None:
    bearing = _bearing_at("2025-11-20T08:00:00+02:00")
    ran = desk("shadow", built.path, "--evidence", 1, "--bearing", f"{bearing:.2f}",
               "--from", "2025-11-01", "--to", "2025-11-07", "--json")
    data = ran.json()
    assert data["claimed"] is None
    days = {str(w["start"])[:10] for w in data["windows"]}  # type: ignore[union-attr]
    assert days == {f"2025-11-0{d}" for d in range(1, 8)}


def test_a_frame_without_a_geolocation_is_a_usage_error_and_nothing_is_written(
        desk: Desk, built: Built) -> None:
    with CaseFile.open(built.path, read_only=True) as case:
        entries = len(case.audit_entries())
    ran = desk("shadow", built.path, "--evidence", 2, "--bearing", "310", "--date",
               "2025-11-20")
    assert ran.code == 2 and ran.out == ""
    assert "evidence 2 has no geolocation" in ran.err and "desk geolocate" in ran.err
    with CaseFile.open(built.path, read_only=True) as case:
        assert case.shadows() == [] and len(case.audit_entries()) == entries


@pytest.mark.parametrize("extra, words", [
    (("--from", "2025-11-01"), "both --from and --to"),
    ((), "give the day to solve"),
    (("--date", "20/11/2025"), "--date is a date"),
    (("--from", "2025-11-02", "--to", "2025-11-01"), "runs forward"),
    (("--date", "2025-11-20", "--tolerance", "0"), "more than 0"),
    (("--date", "2025-11-20", "--claimed-time", "2025-10-26T03:30"), "happened twice"),
])
def test_shadow_refuses_bad_values_with_nothing_written(desk: Desk, built: Built,
                                                        extra: tuple[str, ...],
                                                        words: str) -> None:
    ran = desk("shadow", built.path, "--evidence", 1, "--bearing", "310", *extra)
    assert ran.code == 2, ran.out
    assert words in ran.err and "Traceback" not in ran.err
    assert _shadows(built.path) == []


def test_shadows_that_disagree_are_kept_and_said(desk: Desk, built: Built) -> None:
    assert desk("shadow", built.path, "--evidence", 1, "--bearing", "310", "--date",
                "2025-11-20").code == 0
    ran = desk("shadow", built.path, "--evidence", 1, "--bearing", "40", "--date",
               "2025-11-20", "--json")
    assert ran.code == 1
    assert "no single sun" in str(ran.json()["disagreement"])
    assert len(_shadows(built.path)) == 2


def test_shadow_stores_the_days_and_the_claimed_time_as_the_frames_question(
        desk: Desk, built: Built) -> None:
    from datetime import date

    from desk.core.frame_time import chronolocation_for
    from desk.core.model import TimeQuestion

    bearing = _bearing_at("2025-11-20T08:00:00+02:00")
    ran = desk("shadow", built.path, "--evidence", 1, "--bearing", f"{bearing:.2f}",
               "--claimed-time", "2025-11-20T15:00", "--json")
    assert ran.code == 0, ran.err
    assert ran.json()["time_question"] == {"first": "2025-11-20", "last": "2025-11-20",
                                           "claimed_at": "2025-11-20T15:00"}
    with CaseFile.open(built.path, read_only=True) as case:
        assert case.time_question(1) == TimeQuestion(1, date(2025, 11, 20), date(2025, 11, 20),
                                                     "2025-11-20T15:00")
        finding = chronolocation_for(case, 1)
        assert finding is not None and finding.claim is not None
        assert not finding.claim.consistent
        assert [e.action for e in case.audit_entries()[-2:]] == ["set time question",
                                                                 "add shadow"]
    # The same question again is not written again; a new range replaces it.
    desk("shadow", built.path, "--evidence", 1, "--bearing", f"{bearing:.2f}",
         "--claimed-time", "2025-11-20T15:00")
    assert desk("shadow", built.path, "--evidence", 1, "--bearing", f"{bearing:.2f}",
                "--from", "2025-11-01", "--to", "2025-11-30").code == 0
    with CaseFile.open(built.path, read_only=True) as case:
        actions = [e.action for e in case.audit_entries()]
        assert actions.count("set time question") == 2 and actions.count("add shadow") == 3
        assert case.time_question(1) == TimeQuestion(1, date(2025, 11, 1), date(2025, 11, 30))
        assert case.verify().ok
    assert "stored as the frame's time question" in " ".join(desk("shadow", "--help").out.split())
