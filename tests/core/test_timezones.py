"""A wall-clock time becomes an instant through the zone at the camera, and says so."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from desk.core.timezones import parse_instant, utc_offset_text, zone_at, zone_named

KUPIANSK = (49.7159, 37.5928)


def test_the_zone_at_a_geolocation_is_found_offline() -> None:
    assert zone_at(*KUPIANSK).name == "Europe/Kyiv"
    assert zone_at(39.742476, -105.1786).name == "America/Denver"
    assert zone_at(-33.87, 151.21).name == "Australia/Sydney"
    assert zone_at(35.68, 139.69).name == "Asia/Tokyo"


def test_a_time_without_offset_is_read_in_the_places_zone_and_the_assumption_said() -> None:
    kyiv = zone_at(*KUPIANSK)
    winter = parse_instant("2025-11-20T08:00:00", kyiv)
    assert winter.at.astimezone(UTC) == datetime(2025, 11, 20, 6, 0, tzinfo=UTC)
    assert winter.assumption == "local time assumed Europe/Kyiv, UTC+2 in winter"
    summer = parse_instant("2025-07-20 08:00", kyiv)
    assert summer.at.astimezone(UTC) == datetime(2025, 7, 20, 5, 0, tzinfo=UTC)
    assert summer.assumption == "local time assumed Europe/Kyiv, UTC+3 in summer"
    tokyo = parse_instant("2025-07-20T08:00:00", zone_at(35.68, 139.69))
    assert tokyo.assumption == "local time assumed Asia/Tokyo, UTC+9 all year"
    # The southern winter is June: standard time there too.
    sydney = parse_instant("2025-06-20T08:00:00", zone_at(-33.87, 151.21))
    assert sydney.assumption == "local time assumed Australia/Sydney, UTC+10 in winter"


def test_an_offset_in_the_text_or_the_file_stands_as_given() -> None:
    kyiv = zone_at(*KUPIANSK)
    given = parse_instant("2025-11-20T08:00:00+03:00", kyiv)
    assert given.at.utcoffset() == timedelta(hours=3) and given.assumption == ""
    assert parse_instant("2025-11-20T05:00:00Z", kyiv).at == given.at
    exif = parse_instant("2025:11:20 08:00:00", kyiv, offset="+03:00")
    assert exif.at == given.at
    assert exif.assumption == "local time read with the file's own offset +03:00"


def test_hours_the_clocks_skipped_or_repeated_are_refused() -> None:
    kyiv = zone_at(*KUPIANSK)
    with pytest.raises(ValueError, match="does not exist"):
        parse_instant("2025-03-30T03:30:00", kyiv)
    with pytest.raises(ValueError, match="happened twice"):
        parse_instant("2025-10-26T03:30:00", kyiv)


def test_a_time_without_offset_or_place_or_sense_is_refused_in_words() -> None:
    with pytest.raises(ValueError, match="no UTC offset"):
        parse_instant("2025-11-20T08:00:00")
    with pytest.raises(ValueError, match="is not a time"):
        parse_instant("at dawn", zone_at(*KUPIANSK))


def test_offsets_read_the_way_a_reader_says_them() -> None:
    assert utc_offset_text(timedelta(hours=2)) == "UTC+2"
    assert utc_offset_text(timedelta(hours=-3, minutes=-30)) == "UTC−3:30"
    assert utc_offset_text(timedelta(hours=5, minutes=45)) == "UTC+5:45"
    assert utc_offset_text(timedelta(0)) == "UTC"


def test_zone_rules_come_from_the_tzdata_package_when_installed() -> None:
    pytest.importorskip("tzdata")
    zone = zone_named("Europe/Kyiv")
    assert zone.key == "Europe/Kyiv"
    assert datetime(2025, 1, 1, 12, tzinfo=zone).utcoffset() == timedelta(hours=2)
