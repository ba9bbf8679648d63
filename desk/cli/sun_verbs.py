"""Sun verbs: sun (where the sun stood, and the day's sunrise, transit and sunset) and shadow
(record a shadow on a frame and say when the sun could have cast it).

A time without a UTC offset is read as the wall clock of the place's time zone (found offline)
and the assumption is said. Exit codes: 0 done; 1 shadow: the frame's shadows disagree (no
single sun casts them all; the shadow is kept); 2 usage errors or an unusable case, with
nothing written.
"""

from __future__ import annotations

import argparse
import sys
from datetime import date, datetime
from typing import TYPE_CHECKING

from desk.cli._common import (
    EXIT_OK,
    EXIT_PARTIAL,
    UsageError,
    add_json_flag,
    add_position_options,
    coordinates,
    number,
    open_for_writing,
    print_json,
    require_evidence,
    term,
)

if TYPE_CHECKING:
    from desk.core.model import TimeQuestion
    from desk.core.sun import DayEvents, Place
    from desk.core.timezones import Instant, LocalZone


def register(verbs: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    sun = verbs.add_parser(
        "sun", help="where the sun stood at a place and time, and the day's sunrise and sunset",
        description="Print the sun's azimuth (degrees clockwise from true north), apparent"
                    " elevation (refracted) and zenith angle at a place and time (NREL SPA),"
                    " and the local day's sunrise, transit, sunset and twilights. A time"
                    " without a UTC offset is read in the place's time zone, and that is"
                    " said.")
    add_position_options(sun, "the observer")
    sun.add_argument("--time", required=True, metavar="ISO8601",
                     help="the instant, e.g. 2025-11-20T08:00:00+02:00 (or without an offset:"
                          " the place's local time)")
    sun.add_argument("--elevation-m", metavar="M", help="the observer's height above sea level"
                                                        " (default 0)")
    sun.add_argument("--pressure-hpa", metavar="P",
                     help="air pressure for refraction (default: the standard atmosphere at"
                          " --elevation-m)")
    sun.add_argument("--temperature-c", metavar="T", help="air temperature (default 15)")
    sun.add_argument("--delta-t", metavar="SECONDS",
                     help="TT − UT1 in seconds (default: estimated for the date)")
    add_json_flag(sun, 'print {"azimuth", "elevation", "zenith", "sunrise", "transit",'
                       ' "sunset", ...} (degrees; times ISO 8601 with offset)')
    sun.set_defaults(func=cmd_sun)

    shadow = verbs.add_parser(
        "shadow", help="record a shadow on a frame and print when the sun could have cast it",
        description="Record a shadow seen on a frame (its bearing on the ground, base to tip)"
                    " and print the time windows in which the sun, seen from the frame's"
                    " geolocation, casts it and every other shadow of the frame, on a date or"
                    " over a range of dates; with --claimed-time, whether that time fits."
                    " The days and the claimed time are stored with the frame as its time"
                    " question (replacing an earlier one), which the window and the dossier's"
                    " chronolocation finding answer. The frame must be geolocated first"
                    " (desk geolocate).")
    shadow.add_argument("case", metavar="CASE")
    shadow.add_argument("--evidence", type=int, required=True, metavar="ID",
                        help="the frame the shadow is seen on")
    shadow.add_argument("--bearing", required=True, metavar="DEG",
                        help="where the shadow points on the ground, base to tip (degrees"
                             " clockwise from true north)")
    shadow.add_argument("--tolerance", metavar="DEG",
                        help="how far the bearing may be off, ± degrees (default 5)")
    shadow.add_argument("--label", default="", metavar="TEXT",
                        help="what casts it (a lamp post, a person)")
    shadow.add_argument("--object-height-m", metavar="M",
                        help="the object's height; with --shadow-length-m it gives the sun's"
                             " elevation")
    shadow.add_argument("--shadow-length-m", metavar="M", help="the shadow's length on the"
                                                                " ground")
    when = shadow.add_mutually_exclusive_group()
    when.add_argument("--date", metavar="YYYY-MM-DD", help="the day to solve (default: the"
                                                           " claimed time's local date);"
                                                           " stored as the frame's time"
                                                           " question")
    when.add_argument("--from", dest="first", metavar="DATE",
                      help="the first day of a range (with --to)")
    shadow.add_argument("--to", dest="last", metavar="DATE", help="the last day of the range")
    shadow.add_argument("--claimed-time", metavar="ISO8601",
                        help="a claimed time to test (without an offset: the place's local"
                             " time); stored with the days as the frame's time question")
    add_json_flag(shadow, 'print {"windows": [{"start", "end"}], "claimed": {"consistent",'
                          ' "sun_azimuth", "shadow_bearing"} | null, "time_question":'
                          ' {"first", "last", "claimed_at"}, ...}')
    shadow.set_defaults(func=cmd_shadow)


# --------------------------------------------------------------------------- values


def _place(lat: float, lon: float, args: argparse.Namespace) -> Place:
    from desk.core.sun import STANDARD_TEMPERATURE_C, Place

    elevation = number(args.elevation_m, "--elevation-m", "metres")
    pressure = number(args.pressure_hpa, "--pressure-hpa", "hPa")
    temperature = number(args.temperature_c, "--temperature-c", "°C")
    try:
        return Place(lat, lon, 0.0 if elevation is None else elevation, pressure,
                     STANDARD_TEMPERATURE_C if temperature is None else temperature)
    except ValueError as exc:
        raise UsageError(_lower(exc)) from None


def _zone(lat: float, lon: float) -> LocalZone:
    from desk.core.timezones import ZoneUnknown, zone_at

    try:
        return zone_at(lat, lon)
    except ZoneUnknown as exc:
        raise UsageError(_lower(exc)) from None


def _instant(text: str, option: str, zone: LocalZone) -> Instant:
    from desk.core.timezones import parse_instant

    try:
        return parse_instant(text, zone)
    except ValueError as exc:
        raise UsageError(f"{option}: {_lower(exc)}") from None


def _day(text: str, option: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise UsageError(f"{option} is a date as YYYY-MM-DD (got {text!r})") from None


def _lower(exc: Exception) -> str:
    text = str(exc).rstrip(".")
    return text[:1].lower() + text[1:]


def _degrees(value: float | None) -> float | None:
    return None if value is None else round(value, 6)


# --------------------------------------------------------------------------- sun


def cmd_sun(args: argparse.Namespace) -> int:
    from desk.core.sun import day_events, delta_t_estimate, julian_day, sun_position

    lat, lon = coordinates(args.lat, args.lon, args.at)
    place = _place(lat, lon, args)
    delta_t = number(args.delta_t, "--delta-t", "seconds")
    if delta_t is not None and not -1e5 <= delta_t <= 1e5:
        raise UsageError(f"--delta-t is seconds of TT − UT1, a few dozen today (got {delta_t:g})")
    zone = _zone(lat, lon)
    claimed = _instant(args.time, "--time", zone)
    estimated = delta_t is None
    dt = delta_t_estimate(julian_day(claimed.at)) if delta_t is None else delta_t
    sun = sun_position(claimed.at, place, dt)
    local = claimed.at.astimezone(zone.zone)
    events = day_events(place, local.date(), zone.zone, dt)
    if args.json:
        day = events.to_json()
        print_json({
            "azimuth": _degrees(sun.azimuth), "elevation": _degrees(sun.elevation),
            "zenith": _degrees(sun.zenith), "true_elevation": _degrees(sun.true_elevation),
            "shadow_bearing": _degrees(sun.shadow_bearing),
            "sunrise": day["sunrise"], "transit": day["transit"], "sunset": day["sunset"],
            "day": day, "time": claimed.at.isoformat(), "lat": lat, "lon": lon,
            "elevation_m": place.elevation_m, "pressure_hpa": round(place.pressure, 2),
            "temperature_c": place.temperature_c, "delta_t": round(dt, 3),
            "delta_t_estimated": estimated, "zone": zone.name,
            "assumption": claimed.assumption,
        })
        return EXIT_OK
    print(f"sun seen from {lat:.6f}, {lon:.6f} at {claimed.at.isoformat()}"
          f" ({local.isoformat(timespec='seconds')} {zone.name})")
    if claimed.assumption:
        print(f"           {claimed.assumption}")
    print(f"azimuth    {sun.azimuth:9.4f}°  clockwise from true north (shadows point"
          f" {sun.shadow_bearing:.4f}°)")
    print(f"elevation  {sun.elevation:9.4f}°  apparent, refracted by {place.pressure:.1f} hPa"
          f" at {place.temperature_c:g} °C (true {sun.true_elevation:.4f}°)")
    print(f"zenith     {sun.zenith:9.4f}°")
    print(f"ΔT         {dt:9.2f} s  {'estimated' if estimated else 'as given'}")
    _print_events(events)
    return EXIT_OK


def _print_events(events: DayEvents) -> None:
    def text(value: datetime | None) -> str:
        return "—" if value is None else value.isoformat(timespec="seconds")

    print(f"day        {events.day.isoformat()}"
          + ("  (the sun does not set)" if events.always_up else "")
          + ("  (the sun does not rise)" if events.always_down else ""))
    for label, value in (("sunrise", events.sunrise), ("transit", events.transit),
                         ("sunset", events.sunset)):
        print(f"{label:<10} {text(value)}")
    if events.transit_elevation is not None:
        print(f"{'':<10} at transit the sun stands {events.transit_elevation:.2f}° high")
    for label, dawn, dusk in (("civil", events.civil_dawn, events.civil_dusk),
                              ("nautical", events.nautical_dawn, events.nautical_dusk),
                              ("astronomical", events.astronomical_dawn,
                               events.astronomical_dusk)):
        print(f"{label + ' twilight':<22} dawn {text(dawn)}  dusk {text(dusk)}")


# --------------------------------------------------------------------------- shadow


def _question_json(question: TimeQuestion) -> dict[str, str]:
    return {"first": question.first.isoformat(), "last": question.last.isoformat(),
            "claimed_at": question.claimed_at}


def cmd_shadow(args: argparse.Namespace) -> int:
    from desk.core import chronolocation, commands
    from desk.core.model import Shadow, TimeQuestion

    bearing = number(args.bearing, "--bearing", "degrees")
    assert bearing is not None
    tolerance = number(args.tolerance, "--tolerance", "degrees")
    height = number(args.object_height_m, "--object-height-m", "metres")
    length = number(args.shadow_length_m, "--shadow-length-m", "metres")
    if (args.first is None) != (args.last is None):
        raise UsageError("a range of dates needs both --from and --to")
    with open_for_writing(args.case) as case:
        require_evidence(case, args.evidence)
        geolocation = case.geolocation(args.evidence)
        if geolocation is None:
            raise UsageError(
                f"evidence {args.evidence} has no geolocation, and the sun's place depends on"
                " where the frame was filmed; place the camera first (desk geolocate CASE"
                f" --evidence {args.evidence} --lat LAT --lon LON); nothing was written")
        zone = _zone(geolocation.lat, geolocation.lon)
        claimed = (None if args.claimed_time is None
                   else _instant(args.claimed_time, "--claimed-time", zone))
        if args.date is not None:
            first = last = _day(args.date, "--date")
        elif args.first is not None:
            first, last = _day(args.first, "--from"), _day(args.last, "--to")
        elif claimed is not None:
            first = last = claimed.at.astimezone(zone.zone).date()
        else:
            raise UsageError("give the day to solve: --date YYYY-MM-DD, --from DATE --to DATE,"
                             " or --claimed-time")
        days = (last - first).days + 1
        if not 1 <= days <= chronolocation.MAX_DAYS:
            raise UsageError(f"--from and --to give {days} days; a range runs forward and"
                             f" covers at most {chronolocation.MAX_DAYS} days")
        add = commands.add_shadow(case, Shadow(
            0, args.evidence, bearing, 5.0 if tolerance is None else tolerance,
            label=args.label, object_height_m=height, shadow_length_m=length))
        claimed_text = (args.claimed_time or "").strip()
        question = TimeQuestion(args.evidence, first, last, claimed_text)
        edits: list[commands.Command] = []
        if case.time_question(args.evidence) != question:
            edits.append(commands.set_time_question(case, args.evidence, first, last,
                                                    claimed_text))
        # The question and the shadow in one transaction: both are written, or neither.
        commands.Batch((*edits, add), "Add shadow").apply(case)
        shadow_id = commands.created_id(add)
        shadows = case.shadows(args.evidence)
    try:
        finding = chronolocation.chronolocate(geolocation, shadows, first, last, claimed,
                                              zone=zone)
    except chronolocation.ShadowsDisagree as exc:
        if args.json:
            print_json({"id": shadow_id, "evidence_id": args.evidence,
                        "shadows": [s.id for s in shadows], "windows": [], "claimed": None,
                        "disagreement": str(exc), "time_question": _question_json(question)})
        else:
            print(f"shadow {shadow_id} recorded on evidence {args.evidence}")
            print(f"desk: {term(exc)}", file=sys.stderr)
        return EXIT_PARTIAL
    if args.json:
        print_json({"id": shadow_id, "evidence_id": args.evidence,
                    "shadows": [s.id for s in shadows], **finding.to_json(),
                    "time_question": _question_json(question)})
        return EXIT_OK
    others = len(shadows) - 1
    print(f"shadow {shadow_id} recorded on evidence {args.evidence}"
          + (f" (combined with {others} other shadow{'s' if others != 1 else ''} of the frame)"
             if others else ""))
    for window in finding.windows:
        print(f"window     {window.start.isoformat()} – {window.end.isoformat()}")
    if not finding.windows:
        print("window     none")
    if finding.claim is not None:
        verdict = "consistent" if finding.claim.consistent else "inconsistent"
        print(f"claimed    {finding.claim.at.isoformat()}: {verdict}; sun at"
              f" {finding.claim.sun_azimuth:.1f}°, {finding.claim.sun_elevation:.1f}° high,"
              f" shadows would point {finding.claim.shadow_bearing:.1f}°")
        if finding.claim.assumption:
            print(f"           {finding.claim.assumption}")
    print(term(finding.sentence()))
    return EXIT_OK
