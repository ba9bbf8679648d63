"""Pasting coordinates: every form reviewers copy reads the same point; anything else is
refused with a message that shows a form that works."""

from __future__ import annotations

import pytest

from desk.core.coords import parse_coordinates

POINT = (49.71, 37.61)
DMS_POINT = (49.71, 37.615)  # 49°42'36"N 37°36'54"E


@pytest.mark.parametrize("text", [
    "49.71, 37.61",
    "49.71,37.61",
    "49.71 37.61",
    "  49.71;37.61 ",
    "(49.71, 37.61)",
    "49,71 37,61",
    "49.71N 37.61E",
    "N49.71 E37.61",
    "49.71° N, 37.61° E",
    "37.61E 49.71N",
    "49.71 north, 37.61 east",
])
def test_decimal_forms(text: str) -> None:
    assert parse_coordinates(text) == pytest.approx(POINT)


@pytest.mark.parametrize("text", [
    "49°42'36\"N 37°36'54\"E",
    "49°42'36\"N, 37°36'54\"E",
    "49° 42' 36\" N 37° 36' 54\" E",
    "49°42′36″N 37°36′54″E",
    "49º42’36”N 37º36’54”E",
    "N 49°42'36\" E 37°36'54\"",
    "49 42 36 N 37 36 54 E",
    "N 49° 42.6' E 37° 36.9'",
    "49°42.6'N 37°36.9'E",
    "49°42'36'' N 37°36'54'' E",
])
def test_degrees_minutes_seconds(text: str) -> None:
    assert parse_coordinates(text) == pytest.approx(DMS_POINT)


def test_southern_and_western_hemispheres() -> None:
    assert parse_coordinates("33°52'08\"S 151°12'33\"E") == pytest.approx((-33.86889, 151.20917),
                                                                         abs=1e-5)
    assert parse_coordinates("40.7128 S, 74.0060 W") == pytest.approx((-40.7128, -74.006))
    assert parse_coordinates("-33.8688 −151.2093") == pytest.approx((-33.8688, -151.2093))


@pytest.mark.parametrize("url", [
    "https://www.google.com/maps/@49.71,37.61,15z",
    "https://www.google.com/maps?q=49.71,37.61",
    "https://maps.google.com/?q=49.71%2C37.61&z=15",
    "https://www.google.com/maps/search/?api=1&query=49.71%2C37.61",
    "https://www.google.com/maps/place/49%C2%B042'36.0%22N+37%C2%B036'36.0%22E/@49.7,37.6,17z",
    "https://www.google.com/maps/place/Kupiansk+TV/@49.7,37.6,13z/data=!3m1!4b1!4m6!3m5!1s0x0:0x0"
    "!8m2!3d49.71!4d37.61",
    "https://www.openstreetmap.org/#map=15/49.71/37.61",
    "https://www.openstreetmap.org/?mlat=49.71&mlon=37.61#map=17/49.70/37.60",
    "https://maps.apple.com/?ll=49.71,37.61&q=Dropped%20Pin",
    "https://www.bing.com/maps?cp=49.71~37.61&lvl=15",
    "https://yandex.ru/maps/?ll=37.61%2C49.71&z=15",
    "https://yandex.com/maps/?pt=37.61,49.71&z=17&l=map",
    "geo:49.71,37.61",
    "geo:49.71,37.61;u=35",
    "geo:0,0?q=49.71,37.61(TV mast)",
])
def test_map_links(url: str) -> None:
    lat, lon = parse_coordinates(url)
    assert lat == pytest.approx(49.71)
    assert lon == pytest.approx(37.61)


def test_google_pin_wins_over_the_viewport() -> None:
    url = "https://www.google.com/maps/place/X/@10,20,13z/data=!4m2!3d49.71!4d37.61"
    assert parse_coordinates(url) == pytest.approx(POINT)


def test_yandex_puts_longitude_first() -> None:
    assert parse_coordinates("https://yandex.ru/maps/?ll=37.61,49.71") == pytest.approx(POINT)


@pytest.mark.parametrize(("text", "why"), [
    ("", "Paste or type coordinates first"),
    ("Kupiansk", "Could not read coordinates from “Kupiansk”"),
    ("95, 37.61", "latitude 95 is beyond ±90; desk reads latitude first"),
    ("49.71, 190", "longitude 190 is beyond ±180"),
    ("49.71N 37.61N", "both coordinates are latitudes"),
    ("49°72'N 37°36'E", "72 is not a valid number of minutes"),
    ("49.71, 37.61, 12.5", "expected exactly two coordinates"),
    ("-49.71 S, 37.61", "ambiguous"),
    ("https://maps.app.goo.gl/Xyz123", "short link"),
    ("https://www.google.com/maps/place/Kupiansk", "no coordinates"),
])
def test_unreadable_text_gets_a_clear_message(text: str, why: str) -> None:
    with pytest.raises(ValueError) as info:
        parse_coordinates(text)
    message = str(info.value)
    assert why in message
    assert "49.71, 37.61" in message  # always shows a form that works


def test_hostile_text_is_quoted_short() -> None:
    payload = "<img src=x onerror=alert(1)>" * 10
    with pytest.raises(ValueError) as info:
        parse_coordinates(payload)
    assert len(str(info.value)) < 200
