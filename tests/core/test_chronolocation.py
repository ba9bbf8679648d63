"""Shadows date a frame: the windows hold the true time and exclude the rest, claimed times are
judged in words, several shadows narrow the answer, and disagreeing ones are said to."""

from __future__ import annotations

import math
import random
from datetime import UTC, date, datetime, timedelta

import pytest

from desk.core.chronolocation import (
    ShadowsDisagree,
    chronolocate,
    combine,
    elevation_range,
    windows_on,
)
from desk.core.model import Geolocation, Shadow
from desk.core.sun import Place, local_day_bounds, sun_position
from desk.core.timezones import Instant, parse_instant, zone_at

KUPIANSK = Geolocation(1, 49.7159, 37.5928)
PLACE = Place(KUPIANSK.lat, KUPIANSK.lon)
ZONE = zone_at(KUPIANSK.lat, KUPIANSK.lon)
DAY = date(2025, 11, 20)
EIGHT = datetime(2025, 11, 20, 8, 0, tzinfo=ZONE.zone)


def _shadow_at(instant: datetime, tolerance: float = 4.0, place: Place = PLACE, **kw: object
               ) -> Shadow:
    return Shadow(1, 1, sun_position(instant, place).shadow_bearing, tolerance, **kw)  # type: ignore[arg-type]


def test_a_shadow_of_8_oclock_gives_a_morning_window_holding_8_and_no_afternoon() -> None:
    finding = chronolocate(KUPIANSK, [_shadow_at(EIGHT)], DAY)
    assert len(finding.windows) == 1
    window = finding.windows[0]
    assert window.contains(EIGHT)
    assert window.end < datetime(2025, 11, 20, 12, 0, tzinfo=ZONE.zone)
    assert timedelta(minutes=20) < window.end - window.start < timedelta(hours=2)
    assert window.start.utcoffset() == timedelta(hours=2)  # local, with its offset
    assert window.to_json()["start"].endswith("+02:00")


def test_a_claimed_15_oclock_is_inconsistent_with_the_sun_it_names() -> None:
    claimed = parse_instant("2025-11-20T15:00:00", ZONE)
    finding = chronolocate(KUPIANSK, [_shadow_at(EIGHT)], DAY, claimed=claimed)
    claim = finding.claim
    assert claim is not None and not claim.consistent
    then = sun_position(claimed.at, PLACE)
    assert claim.sun_azimuth == pytest.approx(then.azimuth)
    assert claim.shadow_bearing == pytest.approx((then.azimuth + 180) % 360)
    sentence = finding.sentence()
    assert sentence.startswith("shadows point ")
    assert "local on 2025-11-20; the claimed 15:00 is inconsistent (the sun was at" in sentence
    assert f"the shadows would point {claim.shadow_bearing:.1f}°" in sentence
    assert claim.assumption == "local time assumed Europe/Kyiv, UTC+2 in winter"
    at_eight = chronolocate(KUPIANSK, [_shadow_at(EIGHT)], DAY,
                            claimed=Instant(EIGHT)).claim
    assert at_eight is not None and at_eight.consistent


def test_window_edges_are_found_to_the_second() -> None:
    constraint = combine([_shadow_at(EIGHT)])
    (window,) = windows_on(PLACE, DAY, ZONE, constraint)
    for edge, outward in ((window.start, -1), (window.end, 1)):
        inside = sun_position(edge - outward * timedelta(seconds=2), PLACE)
        outside = sun_position(edge + outward * timedelta(seconds=2), PLACE)
        assert constraint.admits(inside.azimuth, inside.elevation)
        assert not constraint.admits(outside.azimuth, outside.elevation)


def _brute_force(place: Place, day: date, constraint: object) -> list[datetime]:
    """Every minute of the day at which the full algorithm says the constraint holds."""
    zone = zone_at(place.lat, place.lon).zone
    start, end = local_day_bounds(day, zone)
    minutes = []
    t = start
    while t < end:
        p = sun_position(t, place)
        if constraint.admits(p.azimuth, p.elevation):  # type: ignore[attr-defined]
            minutes.append(t)
        t += timedelta(minutes=1)
    return minutes


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_scans_shortcuts_miss_nothing_a_plain_minute_scan_finds(seed: int) -> None:
    """The scan steps over minutes in which the sun cannot reach an edge; a structurally
    different search (the full algorithm at every minute) finds the same windows."""
    rng = random.Random(seed)
    lat = rng.choice([rng.uniform(-60, 65), rng.uniform(-23, 23)])  # the tropics: near zenith
    place = Place(lat, rng.uniform(-180, 180))
    zone = zone_at(place.lat, place.lon)
    day = date(2025, 1, 1) + timedelta(days=rng.randrange(365))
    start, _ = local_day_bounds(day, zone.zone)
    noonish = start + timedelta(hours=rng.uniform(7, 17))
    position = sun_position(noonish, place)
    shadows = [Shadow(1, 1, position.shadow_bearing, rng.uniform(2, 15))]
    if rng.random() < 0.5 and position.elevation > 5:
        length = 2.0 / math.tan(math.radians(position.true_elevation))
        shadows.append(Shadow(2, 1, position.shadow_bearing, 20.0, object_height_m=2.0,
                              shadow_length_m=length))
    constraint = combine(shadows)
    windows = windows_on(place, day, zone, constraint)
    expected = _brute_force(place, day, constraint)
    for minute in expected:
        assert any(w.start - timedelta(seconds=2) <= minute <= w.end + timedelta(seconds=2)
                   for w in windows), minute
    for window in windows:
        inside = [m for m in expected if window.start <= m <= window.end]
        assert inside or window.end - window.start < timedelta(minutes=1)


def test_several_shadows_combine_to_the_overlap_of_their_bearings() -> None:
    a = Shadow(1, 1, 310.0, 5.0)
    b = Shadow(2, 1, 318.0, 5.0)
    both = combine([a, b])
    assert both.shadow_bearing == pytest.approx(314.0)
    assert both.tolerance == pytest.approx(1.0)
    assert both.shadow_ids == (1, 2)
    wrap = combine([Shadow(1, 1, 358.0, 4.0), Shadow(2, 1, 3.0, 4.0)])
    assert wrap.shadow_bearing == pytest.approx(0.5) and wrap.tolerance == pytest.approx(1.5)
    one = chronolocate(KUPIANSK, [_shadow_at(EIGHT, 6.0)], DAY).windows[0]
    two = chronolocate(KUPIANSK, [_shadow_at(EIGHT, 6.0),
                                  _shadow_at(EIGHT + timedelta(minutes=10), 6.0)], DAY).windows[0]
    assert one.start < two.start and two.end <= one.end
    assert two.contains(EIGHT + timedelta(minutes=5))


def test_shadows_no_single_sun_casts_are_said_to_disagree() -> None:
    with pytest.raises(ShadowsDisagree, match="no single sun"):
        combine([Shadow(1, 1, 310.0, 4.0), Shadow(2, 1, 40.0, 4.0)])
    with pytest.raises(ShadowsDisagree, match="different heights"):
        combine([Shadow(1, 1, 310.0, 4.0, object_height_m=2, shadow_length_m=1),
                 Shadow(2, 1, 310.0, 4.0, object_height_m=1, shadow_length_m=10)])


def test_an_objects_height_and_shadow_length_narrow_the_window_by_the_suns_height() -> None:
    sun = sun_position(EIGHT, PLACE)
    length = 2.0 / math.tan(math.radians(sun.elevation))
    measured = _shadow_at(EIGHT, 10.0, object_height_m=2.0, shadow_length_m=length,
                          size_tolerance=0.05)
    low, high = elevation_range(measured) or (0.0, 0.0)
    assert low < sun.elevation < high
    plain = chronolocate(KUPIANSK, [_shadow_at(EIGHT, 10.0)], DAY).windows[0]
    narrowed = chronolocate(KUPIANSK, [measured], DAY)
    (window,) = narrowed.windows
    assert window.contains(EIGHT)
    assert window.end - window.start < plain.end - plain.start
    assert "high" in narrowed.constraint.describe()
    too_long = _shadow_at(EIGHT, 10.0, object_height_m=2.0, shadow_length_m=length * 3)
    claim = chronolocate(KUPIANSK, [too_long], DAY, claimed=Instant(EIGHT)).claim
    assert claim is not None and not claim.consistent and "lengths ask for" in claim.reason


def test_a_range_of_dates_says_which_days_and_hours_fit() -> None:
    shadow = _shadow_at(EIGHT)
    finding = chronolocate(KUPIANSK, [shadow], date(2025, 11, 1), date(2025, 11, 30),
                           claimed=parse_instant("2025-11-20T15:00:00", ZONE))
    assert len(finding.days_with_windows) == 30
    assert all(w.end.hour < 12 for w in finding.windows)
    assert any(w.contains(EIGHT) for w in finding.windows)
    assert "consistent on 30 of the 30 days from 2025-11-01 to 2025-11-30" in finding.sentence()
    assert "the claimed 2025-11-20 15:00 is inconsistent" in finding.sentence()


def test_a_shadow_pointing_toward_the_sun_fits_no_time_and_says_so() -> None:
    sun = sun_position(EIGHT, PLACE)
    toward = Shadow(1, 1, sun.azimuth, 4.0)  # pointing at the sun: at noon it is north-ish
    finding = chronolocate(KUPIANSK, [Shadow(1, 1, 180.0, 4.0)], DAY)
    assert finding.windows == ()  # a shadow pointing south: the sun never stands north
    assert "inconsistent with every time on 2025-11-20" in finding.sentence()
    assert chronolocate(KUPIANSK, [toward], DAY).windows == ()


def test_the_answer_as_json_carries_windows_and_the_claim() -> None:
    finding = chronolocate(KUPIANSK, [_shadow_at(EIGHT)], DAY,
                           claimed=Instant(datetime(2025, 11, 20, 13, 0, tzinfo=UTC)))
    data = finding.to_json()
    assert set(data["windows"][0]) == {"start", "end"}  # type: ignore[index]
    claimed = data["claimed"]
    assert isinstance(claimed, dict) and claimed["consistent"] is False
    assert {"sun_azimuth", "shadow_bearing"} <= set(claimed)
    assert data["zone"] == "Europe/Kyiv"


def test_the_kupiansk_samples_shadow_dates_its_frame_to_a_morning() -> None:
    from pathlib import Path

    from desk.core.casefile import CaseFile

    sample = Path(__file__).resolve().parents[2] / "sample_cases" / "kupiansk.deskcase"
    with CaseFile.open(sample, read_only=True) as case:
        (shadow,) = case.shadows()
        geolocation = case.geolocation(shadow.evidence_id)
        published = case.get_evidence(shadow.evidence_id).provenance.published_at
    assert "illustrative reconstruction" in shadow.label and shadow.drawn and shadow.measured
    assert geolocation is not None
    broadcast = parse_instant(published, ZONE)
    finding = chronolocate(geolocation, [shadow], DAY, claimed=broadcast)
    (window,) = finding.windows
    assert window.contains(EIGHT)
    assert finding.claim is not None and not finding.claim.consistent
    assert "below the horizon" in finding.claim.reason  # broadcast at 19:00, after dark
