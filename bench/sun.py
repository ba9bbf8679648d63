"""How fast desk places the sun and solves a frame's shadows for time windows.

    python bench/sun.py [N]      (default 5,000 positions)

Three figures, on random places (latitudes -60..65) and instants 1950-2050:
- sun positions per second through the full algorithm (NREL SPA in pure Python; no C
  implementation is at hand to give a ratio), and through a day's interpolated sky (what the
  window solver scans);
- a day's window solve for one shadow (± 4°): one-minute scan, edges refined to a second;
  target under 50 ms;
- a year's solve (which days and hours of 365 fit the shadow); target under 2 s;
- a drawn shadow laid on the ground with its tolerance (what the shadow tool does on every
  step of a drag), and a day chart drawn (what the Sun tab and the dossier show).
Prints `RESULT shadow_projection_ms` and `RESULT day_chart_ms`, and ends with
`RESULT sun_positions_per_s`, `RESULT sun_day_solve_ms` and `RESULT sun_year_solve_s`.
"""

from __future__ import annotations

import random
import statistics
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from desk.core import geo
from desk.core.chronolocation import SunConstraint, combine, windows_between, windows_on
from desk.core.day_chart import day_chart_svg
from desk.core.model import Geolocation, Horizon, Shadow
from desk.core.shadow_projection import frame_point, project_shadow
from desk.core.sun import (
    Place,
    SkyDay,
    julian_day,
    local_day_bounds,
    sun_position,
)
from desk.core.timezones import zone_at

DAY_TARGET_MS = 50.0
YEAR_TARGET_S = 2.0


def _place(rng: random.Random) -> Place:
    return Place(rng.uniform(-60.0, 65.0), rng.uniform(-180.0, 180.0))


def positions_per_second(count: int, rng: random.Random) -> float:
    start = datetime(1950, 1, 1, tzinfo=UTC)
    cases = [(start + timedelta(days=rng.uniform(0, 36525)), _place(rng)) for _ in range(count)]
    began = time.perf_counter()
    for instant, place in cases:
        sun_position(instant, place)
    return count / (time.perf_counter() - began)


def interpolated_per_second(count: int, rng: random.Random) -> float:
    place = _place(rng)
    start = datetime(2025, 6, 1, tzinfo=UTC)
    sky = SkyDay(place, start, start + timedelta(days=1))
    jd0 = julian_day(start)
    jds = [jd0 + rng.random() for _ in range(count)]
    began = time.perf_counter()
    for jd in jds:
        sky.sky(jd)
    return count / (time.perf_counter() - began)


def _problem(rng: random.Random) -> tuple[Place, date, Shadow]:
    """A place, a day and the shadow the sun cast there at a random daylight hour."""
    while True:
        place = _place(rng)
        day = date(1950, 1, 1) + timedelta(days=rng.randrange(36525))
        zone = zone_at(place.lat, place.lon)
        start, _ = local_day_bounds(day, zone.zone)
        sun = sun_position(start + timedelta(hours=rng.uniform(6, 18)), place)
        if sun.elevation > 5:
            return place, day, Shadow(1, 1, sun.shadow_bearing, 4.0)


def day_solve_ms(runs: int, rng: random.Random) -> list[float]:
    times = []
    for _ in range(runs):
        place, day, shadow = _problem(rng)
        zone = zone_at(place.lat, place.lon)
        began = time.perf_counter()
        windows = windows_on(place, day, zone, combine([shadow]))
        times.append((time.perf_counter() - began) * 1000)
        assert windows, "the shadow's own time must fit"
    return times


def year_solve_s(runs: int, rng: random.Random) -> list[float]:
    times = []
    for _ in range(runs):
        place, day, shadow = _problem(rng)
        zone = zone_at(place.lat, place.lon)
        first = date(day.year, 1, 1)
        began = time.perf_counter()
        windows_between(place, first, date(day.year, 12, 31), zone, combine([shadow]))
        times.append(time.perf_counter() - began)
    return times


def projection_ms(runs: int, rng: random.Random) -> list[float]:
    """Random shadows on a 1280 x 720 frame, drawn with the camera model's inverse."""
    times: list[float] = []
    horizon = Horizon(1, 0.46, 0.46)
    while len(times) < runs:
        camera = Geolocation(1, rng.uniform(-60, 65), rng.uniform(-180, 180), heading=262.0,
                             fov=62.0, precision_m=rng.uniform(5, 200))
        base = geo.destination((camera.lat, camera.lon), 262.0 + rng.uniform(-20, 20),
                               rng.uniform(8, 25))
        tip = geo.destination(base, rng.uniform(0, 360), rng.uniform(3, 10))
        a = frame_point(camera, horizon, 1280, 720, *base)
        b = frame_point(camera, horizon, 1280, 720, *tip)
        if a is None or b is None:
            continue
        began = time.perf_counter()
        project_shadow(camera, horizon, 1280, 720, *a, *b)
        times.append((time.perf_counter() - began) * 1000)
    return times


def chart_ms(runs: int, rng: random.Random) -> list[float]:
    times: list[float] = []
    for _ in range(runs):
        place, day, shadow = _problem(rng)
        zone = zone_at(place.lat, place.lon)
        constraint = SunConstraint(shadow.bearing, shadow.tolerance)
        windows = windows_on(place, day, zone, constraint)
        began = time.perf_counter()
        day_chart_svg(place, day, zone, windows, constraint=constraint)
        times.append((time.perf_counter() - began) * 1000)
    return times


def main() -> int:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 5000
    rng = random.Random(2026)
    full = positions_per_second(count, rng)
    fast = interpolated_per_second(count * 10, rng)
    days = day_solve_ms(30, rng)
    years = year_solve_s(5, rng)
    projections = projection_ms(200, rng)
    charts = chart_ms(30, rng)
    day_ms = statistics.median(days)
    year_s = statistics.median(years)
    print(f"sun positions (full SPA, pure Python): {full:,.0f} positions/s"
          f" ({1e6 / full:.0f} µs each); no C implementation at hand for a ratio")
    print(f"sun positions (a day's interpolated sky, the solver's scan): {fast:,.0f} positions/s")
    print(f"day window solve, 30 random days: median {day_ms:.1f} ms, worst {max(days):.1f} ms"
          f" (target < {DAY_TARGET_MS:g} ms: {'met' if max(days) < DAY_TARGET_MS else 'MISSED'})")
    print(f"year solve, 5 random places: median {year_s:.2f} s, worst {max(years):.2f} s"
          f" (target < {YEAR_TARGET_S:g} s: {'met' if max(years) < YEAR_TARGET_S else 'MISSED'})")
    print(f"shadow projection with its tolerance, 200 random shadows: median"
          f" {statistics.median(projections):.2f} ms, worst {max(projections):.2f} ms")
    print(f"day chart, 30 random days: median {statistics.median(charts):.1f} ms,"
          f" worst {max(charts):.1f} ms")
    print(f"RESULT shadow_projection_ms {statistics.median(projections):.3f} ms")
    print(f"RESULT day_chart_ms {statistics.median(charts):.2f} ms")
    print(f"RESULT sun_positions_per_s {full:.0f} positions/s")
    print(f"RESULT sun_day_solve_ms {day_ms:.2f} ms")
    print(f"RESULT sun_year_solve_s {year_s:.3f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
