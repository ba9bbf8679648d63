"""The sun's position agrees with the SPA paper's worked example and with an independent SPA
implementation at many places and times; the day's events are where the sun says they are."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from desk.core import sun
from desk.core.sun import Place, SkyDay, day_events, geocentric, julian_day, sun_position
from desk.core.timezones import zone_named

#: Reda & Andreas (2004), table A4.1: Golden, Colorado, 2003-10-17 12:30:30 local (UTC−7).
GOLDEN = Place(39.742476, -105.1786, 1830.14, 820.0, 11.0)
MST = timezone(timedelta(hours=-7))
EXAMPLE = datetime(2003, 10, 17, 12, 30, 30, tzinfo=MST)


def test_the_papers_worked_example() -> None:
    position = sun_position(EXAMPLE, GOLDEN, delta_t=67.0)
    assert position.zenith == pytest.approx(50.11162, abs=0.0005)
    assert position.azimuth == pytest.approx(194.34024, abs=0.0005)
    assert position.elevation == pytest.approx(90 - 50.11162, abs=0.0005)
    assert position.shadow_bearing == pytest.approx(14.34024, abs=0.0005)
    # The intermediate values the paper prints for the same instant.
    assert julian_day(EXAMPLE) == pytest.approx(2452930.312847, abs=1e-6)
    g = geocentric(julian_day(EXAMPLE), 67.0)
    assert g.right_ascension == pytest.approx(202.22741, abs=1e-5)
    assert g.declination == pytest.approx(-9.31434, abs=1e-5)
    assert g.sidereal_time == pytest.approx(318.5119, abs=1e-4)
    assert g.radius_au == pytest.approx(0.9965422974, abs=1e-9)


def test_sunrise_and_sunset_match_nrels_tester() -> None:
    """spa_tester prints sunrise 06:12:43 and sunset 17:20:19 for the example. SPA solves the
    UT day (2003-10-17 00:00 to 24:00 UTC), whose sunset is at 00:20 UTC: the evening of the
    16th in Golden. desk solves the local day, so that sunset is the 16th's."""
    events = day_events(GOLDEN, date(2003, 10, 17), MST, delta_t=67.0)
    assert events.sunrise is not None and events.sunset is not None
    assert abs(events.sunrise - EXAMPLE.replace(hour=6, minute=12, second=43)) <= timedelta(
        seconds=2)
    evening_before = day_events(GOLDEN, date(2003, 10, 16), MST, delta_t=67.0).sunset
    assert evening_before is not None
    assert abs(evening_before - datetime(2003, 10, 16, 17, 20, 19, tzinfo=MST)) <= timedelta(
        seconds=2)
    # The 17th's own sunset comes earlier: the days are getting shorter.
    assert events.sunset < datetime(2003, 10, 17, 17, 20, 19, tzinfo=MST)
    assert events.sunrise < events.transit < events.sunset  # type: ignore[operator]


def test_an_independent_spa_implementation_agrees_at_1000_places_and_times() -> None:
    np = pytest.importorskip("numpy")
    sunposition = pytest.importorskip("sunposition")
    rng = random.Random(15)
    start = datetime(1950, 1, 1, tzinfo=UTC)
    span = (datetime(2050, 12, 31, tzinfo=UTC) - start).total_seconds()
    cases = []
    for _ in range(1000):
        place = Place(rng.uniform(-89.0, 89.0), rng.uniform(-180.0, 180.0),
                      rng.uniform(0.0, 4000.0), rng.uniform(600.0, 1050.0),
                      rng.uniform(-30.0, 40.0))
        instant = start + timedelta(seconds=rng.uniform(0.0, span))
        cases.append((place, instant, rng.uniform(29.0, 90.0)))
    times = np.array([i.replace(tzinfo=None) for _, i, _ in cases], dtype="datetime64[us]")
    azimuth, zenith, *_ = sunposition.sunposition(
        times, np.array([p.lat for p, _, _ in cases]), np.array([p.lon for p, _, _ in cases]),
        np.array([p.elevation_m for p, _, _ in cases]),
        np.array([p.temperature_c for p, _, _ in cases]),
        np.array([p.pressure for p, _, _ in cases]), sun.HORIZON_REFRACTION_DEG,
        np.array([dt for _, _, dt in cases]))
    worst_zenith = worst_azimuth = 0.0
    for k, (place, instant, dt) in enumerate(cases):
        ours = sun_position(instant, place, dt)
        worst_zenith = max(worst_zenith, abs(ours.zenith - float(zenith[k])))
        worst_azimuth = max(worst_azimuth,
                            abs((ours.azimuth - float(azimuth[k]) + 180) % 360 - 180))
    assert worst_zenith < 0.01
    assert worst_azimuth < 0.01


def test_a_days_interpolated_sky_is_the_sun_itself() -> None:
    rng = random.Random(7)
    zone = zone_named("Europe/Kyiv")
    for _ in range(5):
        place = Place(rng.uniform(-60, 70), rng.uniform(-180, 180))
        day = date(2025, 1, 1) + timedelta(days=rng.randrange(365))
        start, end = sun.local_day_bounds(day, zone)
        sky = SkyDay(place, start, end)
        for _ in range(20):
            instant = start + (end - start) * rng.random()
            direct = sun_position(instant, place)
            fast = sky.position(julian_day(instant))
            assert fast.azimuth == pytest.approx(direct.azimuth, abs=1e-4)
            assert fast.elevation == pytest.approx(direct.elevation, abs=1e-4)


def test_events_lie_where_the_sun_crosses_their_heights() -> None:
    kyiv = zone_named("Europe/Kyiv")
    place = Place(49.7159, 37.5928)
    events = day_events(place, date(2025, 11, 20), kyiv)
    for when, height in ((events.sunrise, sun.SUNRISE_ELEVATION),
                         (events.sunset, sun.SUNRISE_ELEVATION),
                         (events.civil_dawn, sun.CIVIL_TWILIGHT),
                         (events.nautical_dusk, sun.NAUTICAL_TWILIGHT),
                         (events.astronomical_dawn, sun.ASTRONOMICAL_TWILIGHT)):
        assert when is not None and when.date() == date(2025, 11, 20)
        assert sun_position(when, place).true_elevation == pytest.approx(height, abs=0.01)
    assert events.transit is not None
    at_noon = sun_position(events.transit, place)
    assert abs(at_noon.hour_angle) < 0.01 and at_noon.azimuth == pytest.approx(180, abs=0.1)
    order = [events.astronomical_dawn, events.nautical_dawn, events.civil_dawn,
             events.sunrise, events.transit, events.sunset, events.civil_dusk,
             events.nautical_dusk, events.astronomical_dusk]
    assert order == sorted(order)  # type: ignore[type-var]


def test_polar_days_and_nights_are_said_not_invented() -> None:
    oslo = zone_named("Europe/Oslo")
    svalbard = Place(78.22, 15.65)
    summer = day_events(svalbard, date(2025, 6, 21), oslo)
    assert summer.always_up and summer.sunrise is None and summer.sunset is None
    assert summer.transit is not None
    winter = day_events(svalbard, date(2025, 12, 21), oslo)
    assert winter.always_down and winter.sunrise is None and winter.sunset is None


def test_a_local_time_without_offset_is_not_an_instant() -> None:
    with pytest.raises(ValueError, match="UTC offset"):
        julian_day(datetime(2025, 11, 20, 8, 0))


@pytest.mark.parametrize("kwargs, word", [
    ({"lat": 91.0, "lon": 0.0}, "latitude"),
    ({"lat": 0.0, "lon": 181.0}, "longitude"),
    ({"lat": 0.0, "lon": 0.0, "pressure_hpa": 0.0}, "pressure"),
    ({"lat": 0.0, "lon": 0.0, "temperature_c": float("nan")}, "temperature"),
])
def test_a_place_out_of_range_is_refused_in_words(kwargs: dict[str, float], word: str) -> None:
    with pytest.raises(ValueError, match=word):
        Place(**kwargs)


def test_pressure_defaults_to_the_standard_atmosphere_at_the_observers_height() -> None:
    assert Place(0, 0).pressure == pytest.approx(1013.25)
    assert Place(0, 0, elevation_m=1830.0).pressure == pytest.approx(813, abs=2)
    low = sun_position(EXAMPLE, Place(39.742476, -105.1786))
    high = sun_position(EXAMPLE, Place(39.742476, -105.1786, 1830.14))
    assert low.true_elevation == pytest.approx(high.true_elevation, abs=0.001)
    assert low.elevation > high.elevation  # thinner air bends the light less
