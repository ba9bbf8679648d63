"""The day chart: the sun over one local day at a place, with the times the shadows allow.

One picture a reader can check by eye: the sun's elevation (left axis) and azimuth (right
axis) over the local day (hours along the bottom), the horizon at elevation 0, the night
greyed, the windows in which the sun casts the frame's shadows shaded, the band of azimuths
the shadows ask of the sun, and the claimed time as a vertical line with its label.

It is a self-contained SVG (no scripts, no styles, no links, nothing outside itself; every
text escaped) made only of what Qt's SVG renderer and a browser both draw the same (rect,
line, polyline, text), so the window shows the picture the dossier prints.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta
from html import escape

from desk.core.chronolocation import Chronolocation, SunConstraint, Window, check_claim
from desk.core.sun import Place, SkyDay, julian_day, local_day_bounds
from desk.core.timezones import Instant, LocalZone

#: Minutes between the points of the curves.
SAMPLE_MIN = 10
#: How far below the horizon the elevation axis reaches (degrees).
BELOW_HORIZON_DEG = -20.0
FONT = "DejaVu Sans, Arial, Helvetica, sans-serif"
INK, MUTED, GRID = "#1d2025", "#5b6270", "#d5d9e0"
NIGHT = "#e9ecf1"
ELEVATION_COLOUR = "#1f4e99"
AZIMUTH_COLOUR = "#a8551b"
WINDOW_FILL, WINDOW_EDGE = "#2e9e5b", "#1f7a44"
BAND_FILL = "#e0a030"
CLAIM_CONSISTENT, CLAIM_INCONSISTENT = "#1f7a44", "#b3261e"


def _text(value: object) -> str:
    return escape(str(value), quote=True)


def _num(value: float) -> str:
    text = f"{value:.1f}"
    return "0" if text in ("-0.0", "0.0") else text.removesuffix(".0")


class _Frame:
    """The plot's geometry: instants and degrees to pixels."""

    def __init__(self, width: int, height: int, start: datetime, end: datetime,
                 elevation_range: tuple[float, float]) -> None:
        self.left, self.right = 46.0, width - 48.0
        self.top, self.bottom = 30.0, height - 36.0
        self.start, self.seconds = start, (end - start).total_seconds()
        self.low, self.high = elevation_range

    def x(self, instant: datetime) -> float:
        share = (instant - self.start).total_seconds() / self.seconds
        return self.left + (self.right - self.left) * min(max(share, 0.0), 1.0)

    def y_elevation(self, degrees: float) -> float:
        share = (degrees - self.low) / (self.high - self.low)
        return self.bottom - (self.bottom - self.top) * share

    def y_azimuth(self, degrees: float) -> float:
        return self.bottom - (self.bottom - self.top) * degrees / 360.0


def _label(x: float, y: float, text: str, colour: str, *, anchor: str = "start",
           size: int = 11, bold: bool = False, kind: str = "") -> list[str]:
    """A text on a pale backing, so it stays legible over curves and bands (the width is an
    estimate from the number of characters: the backing only has to be about right)."""
    width = len(text) * size * (0.6 if bold else 0.54) + 4
    x0 = {"start": x - 2, "middle": x - width / 2, "end": x - width + 2}[anchor]
    weight = ' font-weight="bold"' if bold else ""
    cls = f' class="{kind}"' if kind else ""
    return [f'<rect x="{_num(x0)}" y="{_num(y - size + 1)}" width="{_num(width)}"'
            f' height="{_num(size + 3)}" fill="#ffffff" fill-opacity="0.8"/>',
            f'<text{cls} x="{_num(x)}" y="{_num(y)}" text-anchor="{anchor}" fill="{colour}"'
            f' font-size="{size}"{weight}>{_text(text)}</text>']


def _polylines(points: Iterable[tuple[float, float] | None], colour: str, width: float,
               dash: str = "", opacity: float = 1.0, kind: str = "") -> list[str]:
    """Polylines through runs of points (None breaks a run)."""
    runs: list[list[tuple[float, float]]] = [[]]
    for point in points:
        if point is None:
            if runs[-1]:
                runs.append([])
        else:
            runs[-1].append(point)
    extra = f' stroke-dasharray="{dash}"' if dash else ""
    extra += f' stroke-opacity="{_num(opacity)}"' if opacity < 1 else ""
    extra += f' class="{kind}"' if kind else ""
    return [f'<polyline fill="none" stroke="{colour}" stroke-width="{_num(width)}"'
            f' stroke-linejoin="round"{extra} points="'
            + " ".join(f"{_num(x)},{_num(y)}" for x, y in run) + '"/>'
            for run in runs if len(run) > 1]


def _split(values: Sequence[tuple[datetime, float, float]], up: bool
           ) -> list[tuple[datetime, float, float] | None]:
    """The samples where the sun is up (or down), None between the runs."""
    return [v if (v[2] > 0.0) == up else None for v in values]


def day_chart_svg(place: Place, day: date, zone: LocalZone, windows: Sequence[Window],
                  claimed: Instant | None = None, constraint: SunConstraint | None = None,
                  width: int = 640, height: int = 300, delta_t: float | None = None) -> str:
    """The day chart of `day` (local, in `zone`) at `place`, as SVG text.

    Windows outside the day are left out (a range's windows may be passed whole); a claimed
    instant outside the day is named under the chart instead of drawn.
    """
    width, height = max(int(width), 320), max(int(height), 180)
    start, end = local_day_bounds(day, zone.zone)
    sky = SkyDay(place, start, end, delta_t)
    steps = max(1, math.ceil((end - start).total_seconds() / (SAMPLE_MIN * 60)))
    samples: list[tuple[datetime, float, float]] = []
    for k in range(steps + 1):
        at = start + (end - start) * k / steps
        azimuth, elevation, _ = sky.sky(julian_day(at))
        samples.append((at, azimuth, elevation))
    lowest = min(e for _, _, e in samples)
    highest = max(e for _, _, e in samples)
    # The night matters only near the horizon (twilight): the axis stops 20° below it.
    low = max(BELOW_HORIZON_DEG, min(-10.0, math.floor(lowest / 10.0) * 10.0))
    high = min(90.0, max(30.0, math.ceil(highest / 10.0) * 10.0))
    frame = _Frame(width, height, start, end, (low, high))
    out: list[str] = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}"'
        f' viewBox="0 0 {width} {height}" font-family="{FONT}" font-size="11">',
        f'<title>{_text(f"The sun on {day.isoformat()} at {place.lat:.4f}, {place.lon:.4f}")}'
        '</title>',
        f'<rect x="0" y="0" width="{width}" height="{height}" fill="#ffffff"/>',
    ]
    left, right, top, bottom = frame.left, frame.right, frame.top, frame.bottom
    # Night: where the sun's centre is below the horizon.
    for run in _runs([(t, e <= 0.0) for t, _, e in samples]):
        x0, x1 = frame.x(run[0]), frame.x(run[1])
        out.append(f'<rect class="night" x="{_num(x0)}" y="{_num(top)}"'
                   f' width="{_num(x1 - x0)}" height="{_num(bottom - top)}" fill="{NIGHT}"/>')
    # Grid: local hours, and elevations every 10° (labels every 30° on a tall axis).
    hour = start
    hours: list[datetime] = []
    while hour <= end:
        hours.append(hour)
        hour += timedelta(hours=1)
    for k, at in enumerate(hours):
        x = frame.x(at)
        major = at.astimezone(zone.zone).hour % 3 == 0
        out.append(f'<line class="hour" data-at="{_text(at.isoformat())}" x1="{_num(x)}"'
                   f' y1="{_num(top)}" x2="{_num(x)}" y2="{_num(bottom)}" stroke="{GRID}"'
                   f' stroke-width="{"1" if major else "0.5"}"/>')
        if major or k == len(hours) - 1:
            label = "24" if k == len(hours) - 1 and at == end else (
                f"{at.astimezone(zone.zone).hour:02d}")
            out.append(f'<text x="{_num(x)}" y="{_num(bottom + 14)}" text-anchor="middle"'
                       f' fill="{MUTED}">{_text(label)}</text>')
    step = 10 if high - low <= 60 else 30
    degrees = math.ceil(low / step) * step
    while degrees <= high + 1e-9:
        y = frame.y_elevation(degrees)
        if degrees != 0:
            out.append(f'<line x1="{_num(left)}" y1="{_num(y)}" x2="{_num(right)}"'
                       f' y2="{_num(y)}" stroke="{GRID}" stroke-width="0.5"/>')
        out.append(f'<text x="{_num(left - 5)}" y="{_num(y + 4)}" text-anchor="end"'
                   f' fill="{ELEVATION_COLOUR}">{_text(f"{degrees:.0f}°")}</text>')
        degrees += step
    for degrees, name in ((0, "N"), (90, "E"), (180, "S"), (270, "W"), (360, "N")):
        y = frame.y_azimuth(degrees)
        out.append(f'<text x="{_num(right + 5)}" y="{_num(y + 4)}" fill="{AZIMUTH_COLOUR}">'
                   f'{_text(f"{name} {degrees}°")}</text>')
    # The band of azimuths the shadows ask of the sun (and of elevations, when measured).
    labels: list[str] = []
    if constraint is not None:
        out += _band(frame, constraint, labels)
    # The consistent windows.
    shown: list[Window] = []
    for window in windows:
        a, b = max(window.start, start), min(window.end, end)
        if b < a:
            continue
        shown.append(window)
        x0, x1 = frame.x(a), frame.x(b)
        out.append(
            f'<rect class="window" data-start="{_text(window.start.isoformat())}"'
            f' data-end="{_text(window.end.isoformat())}" x="{_num(x0)}" y="{_num(top)}"'
            f' width="{_num(max(x1 - x0, 1.5))}" height="{_num(bottom - top)}"'
            f' fill="{WINDOW_FILL}" fill-opacity="0.28" stroke="{WINDOW_EDGE}"'
            ' stroke-width="1"/>')
    # The horizon and the curves: solid while the sun is up, faint below the horizon.
    y0 = frame.y_elevation(0.0)
    out.append(f'<line class="horizon" x1="{_num(left)}" y1="{_num(y0)}" x2="{_num(right)}"'
               f' y2="{_num(y0)}" stroke="{INK}" stroke-width="1.2"/>')
    out.append(f'<text x="{_num(left + 4)}" y="{_num(y0 + 13)}" fill="{INK}">horizon</text>')

    def elevation_point(v: tuple[datetime, float, float] | None) -> tuple[float, float] | None:
        if v is None or v[2] < low:
            return None
        return frame.x(v[0]), frame.y_elevation(v[2])

    # Below the horizon the elevation is drawn faint (twilight) and the azimuth not at all:
    # a sun that is down casts no shadow, wherever it stands.
    out += _polylines((elevation_point(v) for v in _with_edges(samples, False)),
                      ELEVATION_COLOUR, 1.2, "3 3", 0.6, "elevation-night")
    up = _with_edges(samples, True)
    out += _polylines((elevation_point(v) for v in up), ELEVATION_COLOUR, 2.2,
                      kind="elevation")
    out += _polylines(_azimuth_points(frame, up), AZIMUTH_COLOUR, 2.2, kind="azimuth")
    out.append(f'<rect x="{_num(left)}" y="{_num(top)}" width="{_num(right - left)}"'
               f' height="{_num(bottom - top)}" fill="none" stroke="{MUTED}"'
               ' stroke-width="1"/>')
    # Window labels above the plot's top edge, inside it.
    for window in shown:
        a, b = max(window.start, start), min(window.end, end)
        x = (frame.x(a) + frame.x(b)) / 2
        labels += _label(x, top + 13, window.clock_text(), WINDOW_EDGE, anchor="middle",
                         bold=True, kind="window-label")
    out += _claim(frame, place, zone, claimed, constraint, delta_t, start, end, height, labels)
    out += labels
    # Title, legend and the axis names.
    offset = zone.offset_text(start + (end - start) / 2)
    out.append(f'<text x="{_num(left)}" y="17" fill="{INK}" font-weight="bold">'
               f'{_text(f"The sun on {day.isoformat()}")}</text>')
    out.append(f'<text x="{_num(right)}" y="17" text-anchor="end" fill="{MUTED}">'
               f'<tspan fill="{ELEVATION_COLOUR}">━ elevation</tspan>  '
               f'<tspan fill="{AZIMUTH_COLOUR}">━ azimuth</tspan>  '
               f'<tspan fill="{WINDOW_EDGE}">▮ consistent with the shadows</tspan></text>')
    out.append(f'<text x="{_num((left + right) / 2)}" y="{_num(height - 6)}"'
               f' text-anchor="middle" fill="{MUTED}">'
               f'{_text(f"local time, {zone.name} ({offset})")}</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


def _runs(flags: Sequence[tuple[datetime, bool]]) -> list[tuple[datetime, datetime]]:
    """(start, end) of each run of samples whose flag is true (edges halfway between)."""
    runs: list[tuple[datetime, datetime]] = []
    begin: datetime | None = None
    for k, (at, flag) in enumerate(flags):
        if flag and begin is None:
            begin = at if k == 0 else flags[k - 1][0] + (at - flags[k - 1][0]) / 2
        elif not flag and begin is not None:
            runs.append((begin, flags[k - 1][0] + (at - flags[k - 1][0]) / 2))
            begin = None
    if begin is not None:
        runs.append((begin, flags[-1][0]))
    return runs


def _with_edges(samples: Sequence[tuple[datetime, float, float]], up: bool
                ) -> list[tuple[datetime, float, float] | None]:
    """The samples of one side of the horizon, each run carried one sample past its edge so
    the solid and the faint parts of a curve meet."""
    result: list[tuple[datetime, float, float] | None] = []
    for k, sample in enumerate(samples):
        near = [samples[j] for j in (k - 1, k, k + 1) if 0 <= j < len(samples)]
        result.append(sample if any((e > 0.0) == up for _, _, e in near) else None)
    return result


def _azimuth_points(frame: _Frame, samples: Sequence[tuple[datetime, float, float] | None]
                    ) -> list[tuple[float, float] | None]:
    """The azimuth curve's points, broken where it wraps through north (360° to 0°)."""
    points: list[tuple[float, float] | None] = []
    previous: float | None = None
    for sample in samples:
        if sample is None:
            points.append(None)
            previous = None
            continue
        azimuth = sample[1]
        if previous is not None and abs(azimuth - previous) > 180.0:
            points.append(None)
        points.append((frame.x(sample[0]), frame.y_azimuth(azimuth)))
        previous = azimuth
    return points


def _band(frame: _Frame, constraint: SunConstraint, labels: list[str]) -> list[str]:
    """The bands of azimuth (and elevation) the shadows allow; their labels go to `labels`,
    drawn last, over everything."""
    out: list[str] = []
    low = constraint.sun_azimuth - constraint.tolerance
    high = constraint.sun_azimuth + constraint.tolerance
    spans = [(low, high)]
    if low < 0.0:
        spans = [(0.0, high), (low + 360.0, 360.0)]
    elif high > 360.0:
        spans = [(low, 360.0), (0.0, high - 360.0)]
    for a, b in spans:
        y0, y1 = frame.y_azimuth(b), frame.y_azimuth(a)
        out.append(f'<rect class="azimuth-band" x="{_num(frame.left)}" y="{_num(y0)}"'
                   f' width="{_num(frame.right - frame.left)}" height="{_num(max(y1 - y0, 1))}"'
                   f' fill="{BAND_FILL}" fill-opacity="0.22"/>')
    label = (f"azimuth {constraint.sun_azimuth:.0f}° ± {constraint.tolerance:.0f}°: the sun"
             f" that casts shadows at {constraint.shadow_bearing:.0f}°")
    centre = frame.y_azimuth(constraint.sun_azimuth)
    half = frame.y_azimuth(0.0) - frame.y_azimuth(constraint.tolerance)
    labels += _label(frame.right - 4, _beside(frame, centre - half, centre + half), label,
                     AZIMUTH_COLOUR, anchor="end", size=10, kind="azimuth-band-label")
    if constraint.elevation is not None:
        a, b = constraint.elevation
        y0, y1 = frame.y_elevation(min(b, frame.high)), frame.y_elevation(max(a, frame.low))
        out.append(f'<rect class="elevation-band" x="{_num(frame.left)}" y="{_num(y0)}"'
                   f' width="{_num(frame.right - frame.left)}"'
                   f' height="{_num(max(y1 - y0, 1))}" fill="{ELEVATION_COLOUR}"'
                   ' fill-opacity="0.12"/>')
        labels += _label(frame.left + 4, _beside(frame, y0, y1), f"elevation {a:.0f}°–{b:.0f}°:"
                         " from the shadows' lengths", ELEVATION_COLOUR, size=10,
                         kind="elevation-band-label")
    return out


def _beside(frame: _Frame, upper: float, lower: float) -> float:
    """The baseline of a band's label: just above the band, else just below it, clear of the
    window and claim labels along the plot's top."""
    if upper - 3 >= frame.top + 44:
        return upper - 3
    if lower + 12 <= frame.bottom - 4:
        return max(lower + 12, frame.top + 44)
    return frame.top + 44


def _claim(frame: _Frame, place: Place, zone: LocalZone, claimed: Instant | None,
           constraint: SunConstraint | None, delta_t: float | None, start: datetime,
           end: datetime, height: int, labels: list[str]) -> list[str]:
    if claimed is None:
        return []
    local = claimed.at.astimezone(zone.zone)
    verdict = ""
    colour = INK
    if constraint is not None:
        test = check_claim(place, claimed, constraint, delta_t)
        verdict = " · consistent" if test.consistent else " · inconsistent"
        colour = CLAIM_CONSISTENT if test.consistent else CLAIM_INCONSISTENT
    if not start <= claimed.at <= end:
        text = f"claimed {local:%Y-%m-%d %H:%M} (not on this day){verdict}"
        return [f'<text class="claimed-elsewhere" x="{_num(frame.right)}"'
                f' y="{_num(height - 6)}" text-anchor="end" fill="{colour}">'
                f'{_text(text)}</text>']
    x = frame.x(claimed.at)
    label = f"claimed {local:%H:%M}{verdict}"
    right_side = x < (frame.left + frame.right) / 2 or x + 7 * len(label) < frame.right
    anchor = "start" if right_side else "end"
    tx = x + 4 if right_side else x - 4
    labels += _label(tx, frame.top + 28, label, colour, anchor=anchor, bold=True,
                     kind="claimed-label")
    return [f'<line class="claimed" data-at="{_text(claimed.at.isoformat())}" x1="{_num(x)}"'
            f' y1="{_num(frame.top)}" x2="{_num(x)}" y2="{_num(frame.bottom)}"'
            f' stroke="{colour}" stroke-width="2" stroke-dasharray="6 3"/>']


# --------------------------------------------------------------------------- a finding's chart


def chart_day(finding: Chronolocation) -> date:
    """The day a finding's chart shows: the claimed time's local day when it lies within the
    days asked about, else the first day with a window, else the first day."""
    if finding.claim is not None:
        local = finding.claim.at.astimezone(finding.zone.zone).date()
        if finding.first <= local <= finding.last:
            return local
    days = finding.days_with_windows
    return days[0] if days else finding.first


def finding_chart_svg(finding: Chronolocation, width: int = 640, height: int = 300,
                      delta_t: float | None = None) -> str:
    """The day chart of a frame's finding (its `chart_day`), windows, claim and shadows."""
    day = chart_day(finding)
    claimed = (None if finding.claim is None
               else Instant(finding.claim.at, finding.claim.assumption))
    windows = [w for w in finding.windows
               if w.start.astimezone(finding.zone.zone).date() <= day
               <= w.end.astimezone(finding.zone.zone).date()]
    return day_chart_svg(finding.place, day, finding.zone, windows, claimed,
                         finding.constraint, width, height, delta_t)

