"""The day chart is a self-contained SVG that a browser and Qt both read: the windows shaded
where their times fall on the hour axis, the claimed time marked where it falls, the band of
azimuths the shadows ask for, and every text escaped."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import date, datetime

from desk.core.chronolocation import SunConstraint, Window, chronolocate, windows_on
from desk.core.day_chart import chart_day, day_chart_svg, finding_chart_svg
from desk.core.model import Geolocation, Shadow
from desk.core.sun import Place
from desk.core.timezones import Instant, LocalZone, parse_instant, zone_at, zone_named

SVG = "{http://www.w3.org/2000/svg}"
KUPIANSK = Place(49.7159, 37.5928)
DAY = date(2025, 11, 20)
MORNING = SunConstraint(314.0, 4.0)


def _zone() -> LocalZone:
    return zone_at(KUPIANSK.lat, KUPIANSK.lon)


def _parse(svg: str) -> ET.Element:
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg"
    return root


def _by_class(root: ET.Element, kind: str, tag: str = "*") -> list[ET.Element]:
    return [e for e in root.iter(f"{SVG}{tag}" if tag != "*" else tag)
            if e.get("class") == kind]


def _x_of(root: ET.Element, instant: datetime) -> float:
    """Where an instant falls on the chart, read from the chart's own hour lines."""
    hours = _by_class(root, "hour", "line")
    first, last = hours[0], hours[-1]
    t0 = datetime.fromisoformat(str(first.get("data-at")))
    t1 = datetime.fromisoformat(str(last.get("data-at")))
    x0, x1 = float(str(first.get("x1"))), float(str(last.get("x1")))
    return x0 + (x1 - x0) * (instant - t0).total_seconds() / (t1 - t0).total_seconds()


def test_the_chart_is_self_contained_svg_of_the_requested_size() -> None:
    zone = _zone()
    svg = day_chart_svg(KUPIANSK, DAY, zone, windows_on(KUPIANSK, DAY, zone, MORNING),
                        parse_instant("2025-11-20T15:00", zone), MORNING)
    root = _parse(svg)
    assert (root.get("width"), root.get("height")) == ("640", "300")
    assert root.get("viewBox") == "0 0 640 300"
    lowered = svg.lower()
    for banned in ("<script", "href", "<style", "url(", "<image", "<foreignobject", "@import",
                   "http://www.w3.org/1999"):
        assert banned not in lowered
    assert _by_class(root, "elevation", "polyline") and _by_class(root, "azimuth", "polyline")
    assert len(_by_class(root, "horizon", "line")) == 1
    assert len(_by_class(root, "hour", "line")) == 25
    labels = [t.text for t in root.iter(f"{SVG}text")]
    assert "local time, Europe/Kyiv (UTC+2)" in labels
    bigger = _parse(day_chart_svg(KUPIANSK, DAY, zone, [], width=900, height=400))
    assert bigger.get("viewBox") == "0 0 900 400"


def test_the_windows_are_shaded_at_their_times() -> None:
    zone = _zone()
    windows = windows_on(KUPIANSK, DAY, zone, MORNING)
    root = _parse(day_chart_svg(KUPIANSK, DAY, zone, windows, constraint=MORNING))
    rects = _by_class(root, "window", "rect")
    assert len(rects) == len(windows) == 1
    (window,), (rect,) = windows, rects
    x = float(str(rect.get("x")))
    right = x + float(str(rect.get("width")))
    assert abs(x - _x_of(root, window.start)) < 0.15
    assert abs(right - _x_of(root, window.end)) < 0.15
    # Morning: the shaded window lies between the chart's 07:00 and 09:00 lines.
    assert _x_of(root, datetime(2025, 11, 20, 7, tzinfo=zone.zone)) < x
    assert right < _x_of(root, datetime(2025, 11, 20, 9, tzinfo=zone.zone))
    label = [t.text for t in root.iter(f"{SVG}text") if t.get("class") == "window-label"]
    assert label == [window.clock_text()]
    assert _by_class(root, "azimuth-band", "rect")


def test_windows_of_other_days_are_left_out() -> None:
    zone = _zone()
    elsewhere = Window(datetime(2025, 11, 21, 8, tzinfo=zone.zone),
                       datetime(2025, 11, 21, 9, tzinfo=zone.zone))
    root = _parse(day_chart_svg(KUPIANSK, DAY, zone, [elsewhere]))
    assert _by_class(root, "window", "rect") == []


def test_the_claimed_time_is_marked_with_its_verdict() -> None:
    zone = _zone()
    claimed = parse_instant("2025-11-20T15:00", zone)
    root = _parse(day_chart_svg(KUPIANSK, DAY, zone, [], claimed, MORNING))
    (line,) = _by_class(root, "claimed", "line")
    assert abs(float(str(line.get("x1"))) - _x_of(root, claimed.at)) < 0.15
    texts = [t.text for t in root.iter(f"{SVG}text") if t.get("class") == "claimed-label"]
    assert texts == ["claimed 15:00 · inconsistent"]
    at_eight = parse_instant("2025-11-20T08:00", zone)
    root = _parse(day_chart_svg(KUPIANSK, DAY, zone, [], at_eight, MORNING))
    texts = [t.text for t in root.iter(f"{SVG}text") if t.get("class") == "claimed-label"]
    assert texts == ["claimed 08:00 · consistent"]


def test_a_claimed_time_on_another_day_is_named_not_drawn() -> None:
    zone = _zone()
    root = _parse(day_chart_svg(KUPIANSK, DAY, zone, [],
                                parse_instant("2025-11-22T08:00", zone), MORNING))
    assert _by_class(root, "claimed", "line") == []
    (note,) = [t for t in root.iter(f"{SVG}text") if t.get("class") == "claimed-elsewhere"]
    assert "2025-11-22 08:00 (not on this day)" in str(note.text)


def test_hostile_text_is_escaped() -> None:
    hostile = LocalZone('<script>alert("x")</script>&amp;', zone_named("Europe/Kyiv"))
    svg = day_chart_svg(KUPIANSK, DAY, hostile, [], Instant(
        datetime(2025, 11, 20, 8, tzinfo=hostile.zone), "<b>assumed</b>"), MORNING)
    root = _parse(svg)
    assert "<script" not in svg and "&lt;script&gt;" in svg and "&amp;amp;" in svg
    assert any('<script>alert("x")</script>&amp;' in (t.text or "")
               for t in root.iter(f"{SVG}text"))


def test_a_band_across_north_is_drawn_on_both_edges_and_a_southern_noon_splits_the_curve(
        ) -> None:
    # Wellington in January: the sun passes north at noon, so its azimuth wraps 360 -> 0.
    wellington = Place(-41.29, 174.78)
    zone = zone_at(wellington.lat, wellington.lon)
    north = SunConstraint(178.0, 5.0)  # the sun at 358° ± 5°
    root = _parse(day_chart_svg(wellington, date(2025, 1, 15), zone,
                                windows_on(wellington, date(2025, 1, 15), zone, north),
                                constraint=north))
    assert len(_by_class(root, "azimuth-band", "rect")) == 2
    assert len(_by_class(root, "azimuth", "polyline")) == 2
    assert len(_by_class(root, "window", "rect")) == 1


def test_a_polar_night_and_a_day_of_25_hours_still_chart() -> None:
    tromso = Place(69.65, 18.96)
    zone = zone_at(tromso.lat, tromso.lon)
    root = _parse(day_chart_svg(tromso, date(2025, 12, 21), zone, []))
    assert _by_class(root, "azimuth", "polyline") == []
    assert _by_class(root, "elevation-night", "polyline")
    kyiv = _zone()
    root = _parse(day_chart_svg(KUPIANSK, date(2025, 10, 26), kyiv, []))
    assert len(_by_class(root, "hour", "line")) == 26


def test_a_findings_chart_shows_its_claimed_day() -> None:
    geolocation = Geolocation(1, KUPIANSK.lat, KUPIANSK.lon)
    zone = _zone()
    finding = chronolocate(geolocation, [Shadow(1, 1, 314.0, 4.0)], date(2025, 11, 18),
                           date(2025, 11, 22), parse_instant("2025-11-21T15:00", zone),
                           zone=zone)
    assert chart_day(finding) == date(2025, 11, 21)
    root = _parse(finding_chart_svg(finding))
    (rect,) = _by_class(root, "window", "rect")
    assert str(rect.get("data-start")).startswith("2025-11-21T07:")
    assert _by_class(root, "claimed", "line")
    no_claim = chronolocate(geolocation, [Shadow(1, 1, 314.0, 4.0)], date(2025, 11, 18),
                            date(2025, 11, 22), zone=zone)
    assert chart_day(no_claim) == date(2025, 11, 18)
