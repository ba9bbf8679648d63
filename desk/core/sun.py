"""Where the sun stands for a place and an instant, and when it rises, culminates and sets.

NREL's Solar Position Algorithm (Reda & Andreas, Solar Energy 76 (2004), corrected 2008), whose
stated uncertainty is ±0.0003° from the year -2000 to 6000, in pure Python: the answer a
reviewer puts in a dossier must not depend on a web page, and the installer has no room for a
numerical stack. Azimuths are degrees clockwise from true north, like every bearing in desk;
elevations are apparent (refracted by the given pressure and temperature) unless named true.

The work is split where the cost is: `geocentric` (the Earth's heliocentric series and the
nutation, a few hundred cosines) depends only on the instant; `topocentric` turns it into a
place's sky with a dozen trigonometric calls. `SkyDay` evaluates the expensive half three
times over a stretch of a day or two and interpolates it, which is what a scan of a day at
one-minute steps needs; the interpolation adds under 1e-6° (see the tests).

Instants are aware datetimes (proleptic Gregorian calendar, as Python counts days).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from desk.core.spa_terms import B_TERMS, L_TERMS, NUTATION, R_TERMS

_J2000 = 2451545.0
_UNIX_EPOCH_JD = 2440587.5
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
#: The mean sidereal rate of the Earth, degrees per day (SPA eq. 28).
SIDEREAL_RATE = 360.98564736629

#: The sun's apparent radius and the refraction at the horizon that SPA assumes for sunrise.
SUN_RADIUS_DEG = 0.26667
HORIZON_REFRACTION_DEG = 0.5667
#: True (unrefracted) elevations of the sun's centre that mark the day's events.
SUNRISE_ELEVATION = -(SUN_RADIUS_DEG + HORIZON_REFRACTION_DEG)
CIVIL_TWILIGHT = -6.0
NAUTICAL_TWILIGHT = -12.0
ASTRONOMICAL_TWILIGHT = -18.0

STANDARD_PRESSURE_HPA = 1013.25
STANDARD_TEMPERATURE_C = 15.0
_EARTH_RADIUS_M = 6378140.0
_POLAR_RATIO = 0.99664719


# --------------------------------------------------------------------------- time


def julian_day(instant: datetime) -> float:
    """The Julian Day (UT) of an aware instant."""
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError("An instant needs its UTC offset (a local time alone is ambiguous).")
    return _UNIX_EPOCH_JD + (instant - _EPOCH).total_seconds() / 86400.0


def instant_of(jd: float) -> datetime:
    """The UTC instant of a Julian Day, to the microsecond."""
    return _EPOCH + timedelta(microseconds=round((jd - _UNIX_EPOCH_JD) * 86400e6))


def delta_t_estimate(jd: float) -> float:
    """ΔT = TT − UT1 in seconds, from Espenak & Meeus's polynomials (NASA, 2006).

    Accurate to a second or so for 1950-2025 and a prediction after that; an error of a few
    seconds moves the sun by under 0.0001°, since ΔT enters only the slow orbital terms.
    """
    y = 2000.0 + (jd - _J2000) / 365.25
    if y < 1900 or y >= 2150:
        u = (y - 1820) / 100
        return -20 + 32 * u * u
    if y < 1920:
        t = y - 1900
        return -2.79 + 1.494119 * t - 0.0598939 * t**2 + 0.0061966 * t**3 - 0.000197 * t**4
    if y < 1941:
        t = y - 1920
        return 21.20 + 0.84493 * t - 0.076100 * t**2 + 0.0020936 * t**3
    if y < 1961:
        t = y - 1950
        return 29.07 + 0.407 * t - t**2 / 233 + t**3 / 2547
    if y < 1986:
        t = y - 1975
        return 45.45 + 1.067 * t - t**2 / 260 - t**3 / 718
    if y < 2005:
        t = y - 2000
        return (63.86 + 0.3345 * t - 0.060374 * t**2 + 0.0017275 * t**3
                + 0.000651814 * t**4 + 0.00002373599 * t**5)
    if y < 2050:
        t = y - 2000
        return 62.92 + 0.32217 * t + 0.005589 * t**2
    return -20 + 32 * ((y - 1820) / 100) ** 2 - 0.5628 * (2150 - y)


# --------------------------------------------------------------------------- the place


@dataclass(frozen=True)
class Place:
    """Where the observer stands, and the air the light comes through.

    Without a pressure the standard atmosphere at the observer's elevation is assumed; the
    air only bends the light (under 0.6° even at the horizon), it never moves the azimuth.
    """

    lat: float
    lon: float
    elevation_m: float = 0.0
    pressure_hpa: float | None = None
    temperature_c: float = STANDARD_TEMPERATURE_C

    def __post_init__(self) -> None:
        checks: list[tuple[str, object, float, float]] = [
            ("latitude", self.lat, -90.0, 90.0), ("longitude", self.lon, -180.0, 180.0),
            ("elevation", self.elevation_m, -1000.0, 10000.0),
            ("temperature", self.temperature_c, -90.0, 70.0)]
        if self.pressure_hpa is not None:
            checks.append(("air pressure", self.pressure_hpa, 1.0, 1200.0))
        for name, value, low, high in checks:
            if not (isinstance(value, int | float) and not isinstance(value, bool)
                    and math.isfinite(value) and low <= value <= high):
                raise ValueError(f"The {name} lies between {low:g} and {high:g}"
                                 f" (got {value!r}).")

    @property
    def pressure(self) -> float:
        """The pressure given, or the standard atmosphere's at the observer's elevation."""
        if self.pressure_hpa is not None:
            return float(self.pressure_hpa)
        return float(STANDARD_PRESSURE_HPA * (1 - 2.25577e-5 * self.elevation_m) ** 5.25588)


@dataclass(frozen=True)
class SunPosition:
    """The sun seen from a place at an instant (degrees)."""

    azimuth: float
    elevation: float
    zenith: float
    true_elevation: float
    declination: float
    hour_angle: float

    @property
    def shadow_bearing(self) -> float:
        """Where the shadow of an upright object falls on level ground."""
        return (self.azimuth + 180.0) % 360.0

    @property
    def up(self) -> bool:
        """The sun's centre above the horizon, as seen (with refraction)."""
        return self.elevation > 0.0


# --------------------------------------------------------------------------- geocentric


@dataclass(frozen=True)
class Geocentric:
    """The sun's apparent place for an instant, the same for every observer (degrees, AU)."""

    right_ascension: float
    declination: float
    sidereal_time: float
    radius_au: float


def _series(terms: tuple[tuple[tuple[float, float, float], ...], ...], jme: float) -> float:
    cos = math.cos
    total = 0.0
    power = 1.0
    for group in terms:
        total += power * sum(a * cos(b + c * jme) for a, b, c in group)
        power *= jme
    return total / 1e8


def geocentric(jd: float, delta_t: float | None = None) -> Geocentric:
    """SPA steps 3.1-3.10 for the Julian Day `jd` (UT); ΔT in seconds (estimated if None)."""
    dt = delta_t_estimate(jd) if delta_t is None else delta_t
    jde = jd + dt / 86400.0
    jc = (jd - _J2000) / 36525.0
    jce = (jde - _J2000) / 36525.0
    jme = jce / 10.0
    lon_earth = math.degrees(_series(L_TERMS, jme)) % 360.0
    lat_earth = math.degrees(_series(B_TERMS, jme))
    radius = _series(R_TERMS, jme)
    theta = (lon_earth + 180.0) % 360.0
    beta = -lat_earth
    jce2, jce3 = jce * jce, jce * jce * jce
    x = (
        math.radians(297.85036 + 445267.111480 * jce - 0.0019142 * jce2 + jce3 / 189474),
        math.radians(357.52772 + 35999.050340 * jce - 0.0001603 * jce2 - jce3 / 300000),
        math.radians(134.96298 + 477198.867398 * jce + 0.0086972 * jce2 + jce3 / 56250),
        math.radians(93.27191 + 483202.017538 * jce - 0.0036825 * jce2 + jce3 / 327270),
        math.radians(125.04452 - 1934.136261 * jce + 0.0020708 * jce2 + jce3 / 450000),
    )
    d_psi = d_eps = 0.0
    for y0, y1, y2, y3, y4, a, b, c, d in NUTATION:
        arg = y0 * x[0] + y1 * x[1] + y2 * x[2] + y3 * x[3] + y4 * x[4]
        d_psi += (a + b * jce) * math.sin(arg)
        d_eps += (c + d * jce) * math.cos(arg)
    d_psi /= 36e6
    d_eps /= 36e6
    u = jme / 10.0
    eps0 = 84381.448 + u * (-4680.93 + u * (-1.55 + u * (1999.25 + u * (-51.38 + u * (
        -249.67 + u * (-39.05 + u * (7.12 + u * (27.87 + u * (5.79 + u * 2.45)))))))))
    eps = eps0 / 3600.0 + d_eps
    aberration = -20.4898 / (3600.0 * radius)
    lam = math.radians(theta + d_psi + aberration)
    eps_r, beta_r = math.radians(eps), math.radians(beta)
    nu0 = (280.46061837 + SIDEREAL_RATE * (jd - _J2000) + 0.000387933 * jc * jc
           - jc**3 / 38710000.0) % 360.0
    nu = (nu0 + d_psi * math.cos(eps_r)) % 360.0
    alpha = math.degrees(math.atan2(
        math.sin(lam) * math.cos(eps_r) - math.tan(beta_r) * math.sin(eps_r),
        math.cos(lam))) % 360.0
    delta = math.degrees(math.asin(
        math.sin(beta_r) * math.cos(eps_r)
        + math.cos(beta_r) * math.sin(eps_r) * math.sin(lam)))
    return Geocentric(alpha, delta, nu, radius)


# --------------------------------------------------------------------------- topocentric


class _Site:
    """A place's terms that every position there shares (parallax factors, refraction)."""

    __slots__ = ("cos_lat", "lon", "refraction", "sin_lat", "x", "y")

    def __init__(self, place: Place) -> None:
        phi = math.radians(place.lat)
        u = math.atan(_POLAR_RATIO * math.tan(phi))
        h = place.elevation_m / _EARTH_RADIUS_M
        self.sin_lat, self.cos_lat = math.sin(phi), math.cos(phi)
        self.x = math.cos(u) + h * self.cos_lat
        self.y = _POLAR_RATIO * math.sin(u) + h * self.sin_lat
        self.lon = place.lon
        self.refraction = (place.pressure / 1010.0) * (283.0 / (273.0 + place.temperature_c))

    def sky(self, alpha: float, delta: float, nu: float, radius: float
            ) -> tuple[float, float, float, float, float]:
        """(azimuth, apparent elevation, true elevation, topocentric declination, hour angle)
        from the geocentric place (SPA steps 3.11-3.15)."""
        sin, cos, atan2 = math.sin, math.cos, math.atan2
        h = math.radians(nu + self.lon - alpha)
        dr = math.radians(delta)
        sin_xi = sin(math.radians(8.794 / (3600.0 * radius)))
        cos_h, sin_h, cos_d = cos(h), sin(h), cos(dr)
        d_alpha = atan2(-self.x * sin_xi * sin_h, cos_d - self.x * sin_xi * cos_h)
        dp = atan2((sin(dr) - self.y * sin_xi) * cos(d_alpha), cos_d - self.x * sin_xi * cos_h)
        hp = h - d_alpha
        cos_hp, sin_dp, cos_dp = cos(hp), sin(dp), cos(dp)
        e0 = math.degrees(math.asin(self.sin_lat * sin_dp + self.cos_lat * cos_dp * cos_hp))
        gamma = math.degrees(atan2(sin(hp), cos_hp * self.sin_lat
                                   - sin_dp / cos_dp * self.cos_lat))
        elevation = e0
        if e0 >= SUNRISE_ELEVATION:
            elevation += self.refraction * 1.02 / (
                60.0 * math.tan(math.radians(e0 + 10.3 / (e0 + 5.11))))
        hour = (math.degrees(hp) + 180.0) % 360.0 - 180.0
        return (gamma + 180.0) % 360.0, elevation, e0, math.degrees(dp), hour


def topocentric(g: Geocentric, place: Place) -> SunPosition:
    azimuth, elevation, true_elevation, decl, hour = _Site(place).sky(
        g.right_ascension, g.declination, g.sidereal_time, g.radius_au)
    return SunPosition(azimuth, elevation, 90.0 - elevation, true_elevation, decl, hour)


def sun_position(instant: datetime, place: Place, delta_t: float | None = None) -> SunPosition:
    """The sun seen from `place` at `instant` (ΔT in seconds; estimated if None)."""
    return topocentric(geocentric(julian_day(instant), delta_t), place)


# --------------------------------------------------------------------------- a day's sky


def _wrap(degrees: float) -> float:
    return (degrees + 180.0) % 360.0 - 180.0


def _quadratic(f0: float, fm: float, f1: float) -> tuple[float, float, float]:
    """Coefficients of the parabola through (0, f0), (0.5, fm), (1, f1)."""
    return f0, 4 * fm - 3 * f0 - f1, 2 * f1 + 2 * f0 - 4 * fm


class SkyDay:
    """The sun over one stretch of time (up to a few days) at one place, cheaply.

    The geocentric terms are computed at the start, middle and end and interpolated by a
    parabola (right ascension and sidereal time unwrapped), so a position costs one
    topocentric step: what a scan of a day at one-minute steps needs.
    """

    def __init__(self, place: Place, start: datetime, end: datetime,
                 delta_t: float | None = None) -> None:
        self.place = place
        self.jd0 = julian_day(start)
        self.jd1 = julian_day(end)
        if not self.jd1 > self.jd0:
            raise ValueError("A stretch of sky needs an end after its start.")
        self.span = self.jd1 - self.jd0
        points = [geocentric(jd, delta_t)
                  for jd in (self.jd0, self.jd0 + self.span / 2, self.jd1)]
        ra = [points[0].right_ascension]
        nu = [points[0].sidereal_time]
        for k, g in enumerate(points[1:], start=1):
            ra.append(ra[-1] + _wrap(g.right_ascension - ra[-1]))
            linear = SIDEREAL_RATE * self.span * k / 2
            nu.append(nu[0] + linear + _wrap(g.sidereal_time - nu[0] - linear))
        self._ra = _quadratic(*ra)
        self._dec = _quadratic(*(g.declination for g in points))
        self._radius = _quadratic(*(g.radius_au for g in points))
        self._nu = _quadratic(*(nu[k] - SIDEREAL_RATE * self.span * k / 2 for k in range(3)))
        self._site = _Site(place)

    def _terms(self, jd: float) -> tuple[float, float, float, float]:
        s = (jd - self.jd0) / self.span
        a, b, c = self._ra
        alpha = a + s * (b + s * c)
        a, b, c = self._dec
        delta = a + s * (b + s * c)
        a, b, c = self._radius
        radius = a + s * (b + s * c)
        a, b, c = self._nu
        nu = a + s * (b + s * c) + SIDEREAL_RATE * (jd - self.jd0)
        return alpha, delta, nu, radius

    def sky(self, jd: float) -> tuple[float, float, float]:
        """(azimuth, apparent elevation, true elevation) at the Julian Day `jd`."""
        azimuth, elevation, true_elevation, _, _ = self._site.sky(*self._terms(jd))
        return azimuth, elevation, true_elevation

    def position(self, jd: float) -> SunPosition:
        azimuth, elevation, true_elevation, decl, hour = self._site.sky(*self._terms(jd))
        return SunPosition(azimuth, elevation, 90.0 - elevation, true_elevation, decl, hour)

    def declination_range(self) -> tuple[float, float]:
        """The least and greatest declination over the stretch (degrees)."""
        a, b, c = self._dec
        values = [a, a + 0.5 * (b + 0.5 * c), a + b + c]
        if c and 0.0 < -b / (2 * c) < 1.0:
            s = -b / (2 * c)
            values.append(a + s * (b + s * c))
        return min(values), max(values)

    def hour_angle(self, jd: float) -> float:
        """The geocentric local hour angle, -180..180 (0 at the meridian)."""
        alpha, _, nu, _ = self._terms(jd)
        return _wrap(nu + self.place.lon - alpha)


# --------------------------------------------------------------------------- the day's events


@dataclass(frozen=True)
class DayEvents:
    """Sunrise, transit, sunset and the twilights of one local calendar day.

    An event that does not happen that day (the sun does not set in a polar summer) is None;
    `always_up` and `always_down` say why. Times are in the day's own zone.
    """

    day: date
    sunrise: datetime | None
    transit: datetime | None
    sunset: datetime | None
    transit_elevation: float | None
    civil_dawn: datetime | None
    civil_dusk: datetime | None
    nautical_dawn: datetime | None
    nautical_dusk: datetime | None
    astronomical_dawn: datetime | None
    astronomical_dusk: datetime | None
    always_up: bool = False
    always_down: bool = False

    def to_json(self) -> dict[str, object]:
        def text(value: datetime | None) -> str | None:
            return None if value is None else value.isoformat(timespec="seconds")

        return {
            "date": self.day.isoformat(), "sunrise": text(self.sunrise),
            "transit": text(self.transit), "sunset": text(self.sunset),
            "transit_elevation": (None if self.transit_elevation is None
                                  else round(self.transit_elevation, 4)),
            "civil_dawn": text(self.civil_dawn), "civil_dusk": text(self.civil_dusk),
            "nautical_dawn": text(self.nautical_dawn), "nautical_dusk": text(self.nautical_dusk),
            "astronomical_dawn": text(self.astronomical_dawn),
            "astronomical_dusk": text(self.astronomical_dusk),
            "always_up": self.always_up, "always_down": self.always_down,
        }


def local_day_bounds(day: date, zone: tzinfo) -> tuple[datetime, datetime]:
    """The instants (UTC) at which a local calendar day begins and ends (23 to 25 hours)."""
    start = datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone).astimezone(UTC)
    return start, end


#: One second, as a fraction of a day: how finely crossings are refined.
SECOND = 1.0 / 86400.0


def bisect_crossing(f: Callable[[float], bool], inside: float, outside: float,
                    tolerance: float = SECOND / 2) -> float:
    """The edge between `inside` (f true) and `outside` (f false), to `tolerance` days;
    returns the last instant known to be inside."""
    while abs(outside - inside) > tolerance:
        middle = (inside + outside) / 2
        if f(middle):
            inside = middle
        else:
            outside = middle
    return inside


def day_events(place: Place, day: date, zone: tzinfo, delta_t: float | None = None,
               sky: SkyDay | None = None) -> DayEvents:
    """The day's events by scanning the sun's true elevation at 10-minute steps and refining
    each crossing to a second (a day's sky is cheap; SPA's own interpolation of three days
    gives the same times within a second or two)."""
    start, end = local_day_bounds(day, zone)
    sky = sky or SkyDay(place, start, end, delta_t)
    jd0, jd1 = julian_day(start), julian_day(end)
    steps = max(1, math.ceil((jd1 - jd0) * 144))
    grid = [jd0 + (jd1 - jd0) * k / steps for k in range(steps + 1)]
    heights = [sky.sky(jd)[2] for jd in grid]

    def crossings(level: float) -> tuple[datetime | None, datetime | None]:
        rise: float | None = None
        fall: float | None = None
        for k in range(steps):
            below, above = heights[k] < level, heights[k + 1] < level
            if below == above:
                continue

            def over(jd: float, lv: float = level) -> bool:
                return sky.sky(jd)[2] >= lv

            if below and rise is None:
                rise = bisect_crossing(over, grid[k + 1], grid[k])
            elif not below:
                fall = bisect_crossing(over, grid[k], grid[k + 1])
        return _local(rise, zone), _local(fall, zone)

    sunrise, sunset = crossings(SUNRISE_ELEVATION)
    civil = crossings(CIVIL_TWILIGHT)
    nautical = crossings(NAUTICAL_TWILIGHT)
    astronomical = crossings(ASTRONOMICAL_TWILIGHT)
    transit_jd = _transit(sky, grid)
    transit_elevation = None if transit_jd is None else sky.position(transit_jd).elevation
    up = [h >= SUNRISE_ELEVATION for h in heights]
    return DayEvents(day, sunrise, _local(transit_jd, zone), sunset, transit_elevation,
                     *civil, *nautical, *astronomical,
                     always_up=all(up), always_down=not any(up))


def _transit(sky: SkyDay, grid: list[float]) -> float | None:
    """When the hour angle passes 0 (the sun due south or north), by Newton's method from the
    grid step that brackets it."""
    angles = [sky.hour_angle(jd) for jd in grid]
    for k in range(len(grid) - 1):
        if angles[k] < 0.0 <= angles[k + 1] and angles[k + 1] - angles[k] < 180.0:
            jd = grid[k]
            for _ in range(6):
                jd -= sky.hour_angle(jd) / (SIDEREAL_RATE - 1.0)
            return jd if grid[0] <= jd < grid[-1] else None
    return None


def _local(jd: float | None, zone: tzinfo) -> datetime | None:
    if jd is None:
        return None
    moment = instant_of(jd) + timedelta(microseconds=500_000)
    return moment.astimezone(zone).replace(microsecond=0)
