"""When a frame could have been filmed, with the sun as the witness.

Shadows on level ground point away from the sun: a shadow bearing B (base to tip, ± a
tolerance) says the sun stood at azimuth B + 180° (± the same), above the horizon; an
object's height and its shadow's length say how high (tan e = height / length). Several
shadows in one frame share one sun, so their ranges are intersected.

The answer is the set of times at which the sun fits: on a date, the windows found by a scan
at one-minute steps, each edge refined to a second by bisection (a window shorter than a
minute between two steps can be missed; the tolerances reviewers give make such windows rare
and say little); over a range of dates, the same for every day. A claimed time is tested
directly. Every view states the result in the words of `Chronolocation.sentence`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from desk.core.model import Geolocation, Shadow
from desk.core.sun import (
    SECOND,
    Place,
    SkyDay,
    bisect_crossing,
    instant_of,
    julian_day,
    local_day_bounds,
    sun_position,
)
from desk.core.timezones import Instant, LocalZone, zone_at

#: The scan's step: windows are found to the minute, then their edges to the second.
STEP_S = 60.0
#: The Earth turns the sky by 15.04° an hour: no elevation of the sun changes faster (degrees
#: per minute), and its azimuth no faster than this times (|sin φ| + cos φ tan h_max).
_SKY_RATE_PER_MIN = 0.2507
#: Headroom on those bounds (the declination's own drift, parallax, rounding).
_RATE_MARGIN = 1.05
#: The longest range of dates one answer covers (ten years of days).
MAX_DAYS = 3660


class ShadowsDisagree(ValueError):
    """The shadows of one frame cannot have been cast by one sun (said for the reviewer)."""


def _offset(a: float, b: float) -> float:
    """Signed difference a - b in degrees, -180..180."""
    return (a - b + 180.0) % 360.0 - 180.0


def _degrees(value: float) -> str:
    return f"{value:.0f}°" if abs(value - round(value)) < 0.05 else f"{value:.1f}°"


def elevation_range(shadow: Shadow) -> tuple[float, float] | None:
    """The sun's elevation (degrees) that the object's height and shadow's length allow, each
    measurement off by up to ± the shadow's size tolerance; None when either is unknown."""
    h, length = shadow.object_height_m, shadow.shadow_length_m
    if h is None or length is None or h <= 0 or length <= 0:
        return None
    u = min(max(shadow.size_tolerance, 0.0), 0.99)
    low = math.degrees(math.atan2(h * (1 - u), length * (1 + u)))
    high = math.degrees(math.atan2(h * (1 + u), length * (1 - u)))
    return low, high


@dataclass(frozen=True)
class SunConstraint:
    """What a frame's shadows ask of the sun, all shadows combined."""

    shadow_bearing: float
    tolerance: float
    elevation: tuple[float, float] | None = None
    shadow_ids: tuple[int, ...] = ()

    @property
    def sun_azimuth(self) -> float:
        return (self.shadow_bearing + 180.0) % 360.0

    def admits(self, azimuth: float, elevation: float) -> bool:
        """Whether a sun at this azimuth and apparent elevation casts these shadows."""
        if elevation <= 0.0:
            return False
        if abs(_offset(azimuth, self.sun_azimuth)) > self.tolerance:
            return False
        return self.elevation is None or self.elevation[0] <= elevation <= self.elevation[1]

    def describe(self) -> str:
        """'shadows point 312° ± 4°' (and the elevation they give, when measured)."""
        text = (f"shadows point {_degrees(self.shadow_bearing)} ± {_degrees(self.tolerance)}")
        if self.elevation is not None:
            low, high = self.elevation
            text += f", sun {_degrees(low)}–{_degrees(high)} high"
        return text

    def to_json(self) -> dict[str, object]:
        return {"shadow_bearing": round(self.shadow_bearing, 4),
                "tolerance": round(self.tolerance, 4),
                "sun_azimuth": round(self.sun_azimuth, 4),
                "sun_elevation_range": (None if self.elevation is None
                                        else [round(v, 4) for v in self.elevation]),
                "shadows": list(self.shadow_ids)}


def combine(shadows: Sequence[Shadow]) -> SunConstraint:
    """One constraint from every shadow of a frame: the overlap of their bearing ranges and of
    their elevation ranges. Raises ShadowsDisagree when they do not overlap."""
    if not shadows:
        raise ValueError("A frame needs at least one shadow to be dated by the sun.")
    first = shadows[0]
    # Each range as [start, start + width] clockwise; widths are at most 180°, so two of them
    # overlap in at most one range.
    start, width = (first.bearing - first.tolerance) % 360.0, 2 * first.tolerance
    for shadow in shadows[1:]:
        other = (shadow.bearing - shadow.tolerance - start) % 360.0
        other_width = 2 * shadow.tolerance
        best: tuple[float, float] | None = None
        for shift in (other, other - 360.0):
            low, high = max(0.0, shift), min(width, shift + other_width)
            if high >= low and (best is None or high - low > best[1] - best[0]):
                best = (low, high)
        if best is None:
            raise ShadowsDisagree(
                f"The shadows disagree: {_degrees(shadow.bearing)} ± {_degrees(shadow.tolerance)}"
                f" does not overlap {_degrees((start + width / 2) % 360)} ±"
                f" {_degrees(width / 2)}, so no single sun cast them all.")
        start, width = (start + best[0]) % 360.0, best[1] - best[0]
    elevation: tuple[float, float] | None = None
    for shadow in shadows:
        span = elevation_range(shadow)
        if span is None:
            continue
        if elevation is not None:
            span = (max(span[0], elevation[0]), min(span[1], elevation[1]))
            if span[0] > span[1]:
                raise ShadowsDisagree(
                    "The shadows disagree: their lengths ask for different heights of the sun.")
        elevation = span
    return SunConstraint((start + width / 2) % 360.0, width / 2, elevation,
                         tuple(s.id for s in shadows))


# --------------------------------------------------------------------------- windows


@dataclass(frozen=True)
class Window:
    """A stretch of time in which the sun casts the shadows (local times, to the second)."""

    start: datetime
    end: datetime

    def to_json(self) -> dict[str, str]:
        return {"start": self.start.isoformat(timespec="seconds"),
                "end": self.end.isoformat(timespec="seconds")}

    def contains(self, instant: datetime) -> bool:
        return self.start <= instant <= self.end

    def clock_text(self) -> str:
        """'07:40–08:20' (the local wall clock)."""
        return f"{self.start:%H:%M}–{self.end:%H:%M}"


def _local_second(jd: float, zone: LocalZone) -> datetime:
    moment = instant_of(jd) + timedelta(microseconds=500_000)
    return moment.astimezone(zone.zone).replace(microsecond=0)


def rate_bounds(sky: SkyDay) -> tuple[float, float]:
    """How fast the sun's azimuth and elevation can change over `sky` (degrees per minute):
    the bounds that let a scan step over time in which nothing can change."""
    phi = math.radians(sky.place.lat)
    low, high = sky.declination_range()
    lat = sky.place.lat
    nearest = 0.0 if low <= lat <= high else min(abs(lat - low), abs(lat - high))
    highest = 90.0 - nearest
    elevation_rate = _SKY_RATE_PER_MIN * max(math.cos(phi), 0.01) * _RATE_MARGIN
    if highest >= 89.0:
        return math.inf, elevation_rate  # the sun passes (nearly) overhead: no useful bound
    azimuth_rate = _SKY_RATE_PER_MIN * (abs(math.sin(phi)) + math.cos(phi)
                                        * math.tan(math.radians(highest))) * _RATE_MARGIN
    return azimuth_rate, elevation_rate


def _steady_minutes(azimuth: float, elevation: float, constraint: SunConstraint,
                    azimuth_rate: float, elevation_rate: float) -> float:
    """For how many minutes, at most, whether the constraint holds cannot change."""
    margins = [abs(elevation) / elevation_rate]
    if constraint.elevation is not None:
        margins += [abs(elevation - v) / elevation_rate for v in constraint.elevation]
    if azimuth_rate != math.inf:
        off = abs(_offset(azimuth, constraint.sun_azimuth))
        margins.append(abs(off - constraint.tolerance) / azimuth_rate)
    else:
        margins.append(0.0)
    return min(margins)


def scan(sky: SkyDay, jd0: float, jd1: float, constraint: SunConstraint,
         step_s: float = STEP_S) -> list[tuple[float, float]]:
    """The (start, end) Julian Days within [jd0, jd1] when the constraint holds.

    A scan at `step_s`, each edge refined by bisection to a second. Where the sun is far from
    any edge of the constraint (the night, a morning with the sun far from the shadows'
    bearing) the scan steps over whole minutes in which, by the bounds on how fast the sun
    moves (`rate_bounds`), nothing can change: it finds what a plain scan finds, faster.
    """
    step = step_s / 86400.0
    admits = constraint.admits
    sky_at = sky.sky
    azimuth_rate, elevation_rate = rate_bounds(sky)

    def holds(jd: float) -> bool:
        azimuth, elevation, _ = sky_at(jd)
        return admits(azimuth, elevation)

    runs: list[tuple[float, float]] = []
    jd = run_start = jd0
    azimuth, elevation, _ = sky_at(jd)
    prev = admits(azimuth, elevation)
    while jd < jd1:
        steady = _steady_minutes(azimuth, elevation, constraint, azimuth_rate, elevation_rate)
        jump = max(1, int(steady * 60.0 / step_s)) * step
        nxt = min(jd + jump, jd1)
        azimuth, elevation, _ = sky_at(nxt)
        cur = admits(azimuth, elevation)
        if cur != prev:
            if cur:
                run_start = bisect_crossing(holds, nxt, jd)
            else:
                runs.append((run_start, bisect_crossing(holds, jd, nxt)))
        jd, prev = nxt, cur
    if prev:
        runs.append((run_start, jd1))
    return runs


def windows_on(place: Place, day: date, zone: LocalZone, constraint: SunConstraint,
               delta_t: float | None = None) -> list[Window]:
    """The windows of one local calendar day."""
    start, end = local_day_bounds(day, zone.zone)
    sky = SkyDay(place, start, end, delta_t)
    jd0, jd1 = julian_day(start), julian_day(end)
    return [Window(_local_second(a, zone), _local_second(b, zone))
            for a, b in scan(sky, jd0, jd1 - SECOND, constraint)]


def windows_between(place: Place, first: date, last: date, zone: LocalZone,
                    constraint: SunConstraint, delta_t: float | None = None) -> list[Window]:
    """The windows of every local day from `first` to `last` (inclusive), in order."""
    days = (last - first).days + 1
    if days < 1:
        raise ValueError(f"The range of dates ends ({last}) before it begins ({first}).")
    if days > MAX_DAYS:
        raise ValueError(f"A range of dates covers at most {MAX_DAYS} days (got {days}).")
    result: list[Window] = []
    for k in range(days):
        result.extend(windows_on(place, first + timedelta(days=k), zone, constraint, delta_t))
    return result


# --------------------------------------------------------------------------- a claimed time


@dataclass(frozen=True)
class ClaimTest:
    """A claimed time against the shadows: where the sun was, and where shadows would point."""

    at: datetime
    consistent: bool
    sun_azimuth: float
    sun_elevation: float
    shadow_bearing: float
    reason: str = ""
    assumption: str = ""

    def to_json(self) -> dict[str, object]:
        return {"at": self.at.isoformat(timespec="seconds"), "consistent": self.consistent,
                "sun_azimuth": round(self.sun_azimuth, 4),
                "sun_elevation": round(self.sun_elevation, 4),
                "shadow_bearing": round(self.shadow_bearing, 4), "reason": self.reason,
                "assumption": self.assumption}


def check_claim(place: Place, claimed: Instant, constraint: SunConstraint,
                delta_t: float | None = None) -> ClaimTest:
    """Whether the sun at the claimed instant casts the frame's shadows, and if not, why."""
    sun = sun_position(claimed.at, place, delta_t)
    consistent = constraint.admits(sun.azimuth, sun.elevation)
    reason = ""
    if sun.elevation <= 0.0:
        reason = f"the sun was below the horizon ({sun.elevation:.1f}°)"
    elif not consistent:
        off = abs(_offset(sun.shadow_bearing, constraint.shadow_bearing))
        if off > constraint.tolerance:
            reason = (f"the sun was at {_degrees(sun.azimuth)}, the shadows would point"
                      f" {_degrees(sun.shadow_bearing)}, {_degrees(off)} from"
                      f" {_degrees(constraint.shadow_bearing)}")
        elif constraint.elevation is not None:
            low, high = constraint.elevation
            reason = (f"the sun stood {sun.elevation:.1f}° high; the shadows' lengths ask for"
                      f" {_degrees(low)}–{_degrees(high)}")
    return ClaimTest(claimed.at, consistent, sun.azimuth, sun.elevation, sun.shadow_bearing,
                     reason, claimed.assumption)


# --------------------------------------------------------------------------- the finding


def place_of(geolocation: Geolocation) -> Place:
    """Where the sun is seen from: the camera's position (ground elevation unknown, taken as
    sea level, which moves the sun by under 0.001°)."""
    return Place(geolocation.lat, geolocation.lon)


@dataclass(frozen=True)
class Chronolocation:
    """The answer for one frame: the shadows, the days asked about, the windows and the verdict
    on a claimed time."""

    place: Place
    zone: LocalZone
    constraint: SunConstraint
    first: date
    last: date
    windows: tuple[Window, ...]
    claim: ClaimTest | None = None

    @property
    def days_with_windows(self) -> list[date]:
        return sorted({w.start.date() for w in self.windows})

    def window_text(self) -> str:
        if self.first == self.last:
            if not self.windows:
                return (f"inconsistent with every time on {self.first.isoformat()} (the sun"
                        f" never stood at {_degrees(self.constraint.sun_azimuth)} ±"
                        f" {_degrees(self.constraint.tolerance)} above the horizon)")
            spans = ", ".join(w.clock_text() for w in self.windows)
            return f"consistent with {spans} local on {self.first.isoformat()}"
        days = (self.last - self.first).days + 1
        period = f"{self.first.isoformat()} to {self.last.isoformat()}"
        if not self.windows:
            return f"inconsistent with every time from {period}"
        earliest = min(w.start.time() for w in self.windows)
        latest = max(w.end.time() for w in self.windows)
        return (f"consistent on {len(self.days_with_windows)} of the {days} days from"
                f" {period}, between {earliest:%H:%M} and {latest:%H:%M} local")

    def claim_text(self) -> str:
        claim = self.claim
        if claim is None:
            return ""
        local = claim.at.astimezone(self.zone.zone)
        when = (f"{local:%H:%M}" if self.first <= local.date() <= self.last
                and self.first == self.last else f"{local:%Y-%m-%d %H:%M}")
        if claim.consistent:
            return (f"the claimed {when} is consistent (the sun was at"
                    f" {_degrees(claim.sun_azimuth)}, the shadows would point"
                    f" {_degrees(claim.shadow_bearing)})")
        return f"the claimed {when} is inconsistent ({claim.reason})"

    def sentence(self) -> str:
        """'shadows point 312° ± 4°: consistent with 07:40–08:20 local on 2025-11-20; the
        claimed 15:00 is inconsistent (the sun was at 218°, the shadows would point 38°, …)'"""
        text = f"{self.constraint.describe()}: {self.window_text()}"
        claim = self.claim_text()
        return f"{text}; {claim}" if claim else text

    def to_json(self) -> dict[str, object]:
        return {
            "place": {"lat": self.place.lat, "lon": self.place.lon},
            "zone": self.zone.name,
            "first": self.first.isoformat(), "last": self.last.isoformat(),
            "constraint": self.constraint.to_json(),
            "windows": [w.to_json() for w in self.windows],
            "claimed": None if self.claim is None else self.claim.to_json(),
            "sentence": self.sentence(),
        }


def chronolocate(geolocation: Geolocation, shadows: Sequence[Shadow], first: date,
                 last: date | None = None, claimed: Instant | None = None,
                 delta_t: float | None = None, zone: LocalZone | None = None
                 ) -> Chronolocation:
    """The finding for a frame from its geolocation and shadows, over `first`..`last`."""
    place = place_of(geolocation)
    zone = zone or zone_at(place.lat, place.lon)
    constraint = combine(shadows)
    end = last or first
    windows = windows_between(place, first, end, zone, constraint, delta_t)
    claim = None if claimed is None else check_claim(place, claimed, constraint, delta_t)
    return Chronolocation(place, zone, constraint, first, end, tuple(windows), claim)
