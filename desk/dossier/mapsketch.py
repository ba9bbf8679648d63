"""An offline map sketch of one geolocation: camera, view cone, landmarks, tracks, scale, north.

Used when no map renderer is supplied (or it has nothing), so a dossier always shows the
geometry a reader needs to follow the finding. Drawn as SVG in a local tangent plane around
the camera (distances and bearings from the camera are geodesic), deterministic text, every
label XML-escaped because landmark names are case data.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

from desk.core.arrow_style import arrow_styles
from desk.core.model import Geolocation, Landmark, Movement
from desk.dossier.geometry import inverse, local_xy

WIDTH, HEIGHT = 600, 340
PAD = 26
#: The sketch shows at least this many metres across, so a lone camera is not a full-frame dot.
MIN_SPAN_M = 300.0
#: Landmarks within this distance are drawn to scale; farther ones as arrows at the edge.
NEAR_M = 1500.0
#: Landmarks farther than this from the camera are left off the sketch (listed in the text).
MAX_LANDMARK_M = 25_000.0

_INK = "#1f2933"
_MUTED = "#6b7480"
_CAMERA = "#1f5fbf"
_REFERENCE = "#b3261e"
_CASING = "#1d2025"
_SHADOW = "#3b3a36"
_SUN = "#c77800"


@dataclass(frozen=True)
class SunSketch:
    """A frame's sun on its sketch, from the camera: each shadow's direction (bearing, ±
    tolerance) and the sun's azimuth at one instant, named by `label` ("claimed 15:00")."""

    shadows: tuple[tuple[float, float], ...]
    sun_azimuth: float | None = None
    label: str = ""


@dataclass(frozen=True)
class _Point:
    """Metres east (x) and north (y) of the camera."""

    x: float
    y: float


def _f(value: float) -> str:
    """Coordinates with one decimal: stable text, so the same case gives the same bytes."""
    return f"{value:.1f}"


def _nice_length(target: float) -> float:
    """The largest 1-2-5 × 10^k length not above `target` (for the scale bar)."""
    if target <= 0:
        return 1.0
    power: float = 10 ** math.floor(math.log10(target))  # int from 1 m: grid_m reads 500
    for step in (5, 2, 1):
        if step * power <= target:
            return step * power
    return power


def _label_length(metres: float) -> str:
    return f"{metres / 1000:g} km" if metres >= 1000 else f"{metres:g} m"


def sketch_svg(
    geo: Geolocation,
    landmarks: list[Landmark],
    movements: list[Movement],
    exif_gps: tuple[float, float] | None = None,
    sun: SunSketch | None = None,
) -> tuple[str, float]:
    """The sketch as a standalone SVG document, and its grid step in metres (for the caption).

    Centred on the camera at a scale that shows what is near it (tracks, landmarks within
    NEAR_M); landmarks farther away, like a town centre used as the movement reference, are
    drawn as arrows at the edge with their distance and bearing, so the near geometry stays
    readable.
    """
    near: list[tuple[Landmark, _Point]] = []
    far: list[tuple[Landmark, float, float]] = []  # landmark, distance, bearing
    for landmark in landmarks:
        try:
            distance, bearing = inverse(geo.lat, geo.lon, landmark.lat, landmark.lon)
        except ValueError:
            continue
        if distance <= NEAR_M:
            near.append((landmark, _Point(*local_xy(geo.lat, geo.lon, landmark.lat,
                                                    landmark.lon))))
        elif distance <= MAX_LANDMARK_M:
            far.append((landmark, distance, bearing))
    tracks: list[tuple[Movement, _Point, _Point]] = []
    for move in movements:
        track = move.track
        if track is None:
            continue
        try:
            start = _Point(*local_xy(geo.lat, geo.lon, *track.start))
            end = _Point(*local_xy(geo.lat, geo.lon, *track.end))
        except ValueError:
            continue
        tracks.append((move, start, end))
    exif_point = _Point(*local_xy(geo.lat, geo.lon, *exif_gps)) if exif_gps else None
    if exif_point is not None and math.hypot(exif_point.x, exif_point.y) > NEAR_M:
        exif_point = None

    reach_m = max([MIN_SPAN_M / 2, geo.precision_m * 1.5]
                  + [math.hypot(p.x, p.y) for _, p in near]
                  + [math.hypot(p.x, p.y) for _, s, e in tracks for p in (s, e)]
                  + ([math.hypot(exif_point.x, exif_point.y)] if exif_point else []))
    plot_h = HEIGHT - 2 * PAD
    scale = min((WIDTH - 2 * PAD) / 2, plot_h / 2) / (reach_m * 1.15)
    cx, cy = WIDTH / 2, HEIGHT / 2

    def px(p: _Point) -> tuple[float, float]:
        return cx + p.x * scale, cy - p.y * scale

    out: list[str] = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}"'
        f' viewBox="0 0 {WIDTH} {HEIGHT}" font-family="DejaVu Sans, Helvetica, Arial,'
        ' sans-serif" font-size="15">',
        f'<rect x="0" y="0" width="{WIDTH}" height="{HEIGHT}" fill="#f4f1ea"/>',
    ]
    # A faint grid at the scale bar's step, so distances can be read anywhere on the sketch.
    step = _nice_length(WIDTH / scale / 5)
    grid = step * scale
    k = -math.floor(cx / grid)
    while cx + k * grid <= WIDTH:
        x = cx + k * grid
        out.append(f'<line x1="{_f(x)}" y1="0" x2="{_f(x)}" y2="{HEIGHT}" stroke="#e2ddd1"/>')
        k += 1
    k = -math.floor(cy / grid)
    while cy + k * grid <= HEIGHT:
        y = cy + k * grid
        out.append(f'<line x1="0" y1="{_f(y)}" x2="{WIDTH}" y2="{_f(y)}" stroke="#e2ddd1"/>')
        k += 1

    taken: list[_Box] = []  # label boxes drawn so far, for placing the tracks' labels
    # View cone: heading ± half the field of view.
    if geo.heading is not None:
        reach = min(WIDTH, HEIGHT) * 0.46
        half = (geo.fov or 10.0) / 2
        pts = [(cx, cy)]
        for k in range(0, 13):
            bearing = math.radians(geo.heading - half + k * (2 * half) / 12)
            pts.append((cx + reach * math.sin(bearing), cy - reach * math.cos(bearing)))
        poly = " ".join(f"{_f(x)},{_f(y)}" for x, y in pts)
        out.append(f'<polygon points="{poly}" fill="{_CAMERA}" fill-opacity="0.12"'
                   f' stroke="{_CAMERA}" stroke-opacity="0.5" stroke-width="1"/>')
        hx = cx + reach * math.sin(math.radians(geo.heading))
        hy = cy - reach * math.cos(math.radians(geo.heading))
        out.append(f'<line x1="{_f(cx)}" y1="{_f(cy)}" x2="{_f(hx)}" y2="{_f(hy)}"'
                   f' stroke="{_CAMERA}" stroke-dasharray="5 4" stroke-width="1.2"/>')
        view_y = hy + (16 if hy > cy else -8)
        view_text = f"view {geo.heading:.0f}°"
        taken.append(_box(hx, view_y, view_text, "middle", bold=False))
        out.append(_text(hx, view_y, view_text, _CAMERA, "middle"))

    if sun is not None:
        out += _sun_lines(sun, cx, cy, min(WIDTH, HEIGHT) * 0.46, taken)

    radius = max(geo.precision_m * scale, 3.0)
    out.append(f'<circle cx="{_f(cx)}" cy="{_f(cy)}" r="{_f(radius)}" fill="{_CAMERA}"'
               f' fill-opacity="0.10" stroke="{_CAMERA}" stroke-opacity="0.6"'
               ' stroke-dasharray="3 3"/>')

    # Landmarks too far for this scale: an arrow at the edge, pointing at them.
    for landmark, distance, bearing in far:
        colour = _REFERENCE if landmark.is_reference else _INK
        rad = math.radians(bearing)
        dx, dy = math.sin(rad), -math.cos(rad)
        room_x = (WIDTH / 2 - 22) / abs(dx) if dx else math.inf
        room_y = (HEIGHT / 2 - 22) / abs(dy) if dy else math.inf
        length = min(room_x, room_y)
        ex, ey = cx + dx * length, cy + dy * length
        sx, sy = cx + dx * (length - 40), cy + dy * (length - 40)
        out.append(f'<line x1="{_f(sx)}" y1="{_f(sy)}" x2="{_f(ex)}" y2="{_f(ey)}"'
                   f' stroke="{colour}" stroke-width="2.5"/>')
        out.append(_arrowhead(sx, sy, ex, ey, colour))
        name = landmark.name[:40] + (" (reference)" if landmark.is_reference else "")
        anchor = "end" if dx > 0.3 else ("start" if dx < -0.3 else "middle")
        lx = ex - dx * 30 + (-6 if anchor == "end" else 6 if anchor == "start" else 0)
        ly = ey - dy * 30 + (26 if dy < 0 else -34)
        far_text = f"{_label_length(round(distance, -1))} at {bearing:.0f}°"
        taken.extend((_box(lx, ly, name, anchor), _box(lx, ly + 18, far_text, anchor, bold=False)))
        out.append(_text(lx, ly, name, colour, anchor, bold=True))
        out.append(_text(lx, ly + 18, far_text, colour, anchor))

    # Each track in its arrow's colour and under its label, as on the frame and the map; a dark
    # casing keeps pale colours visible on the paper-coloured sketch.
    styles = arrow_styles(movements)
    # The names drawn after the tracks, so a track's label can keep clear of them.
    taken.extend((_box(cx + 10, cy + 18, "camera", "start"), (cx - 9, cy - 9, cx + 9, cy + 9)))
    for landmark, point in near:
        x, y = px(point)
        anchor = "end" if x > WIDTH - 190 else "start"
        taken.append(_box(x + (-10 if anchor == "end" else 10), y - 9, _landmark_name(landmark),
                          anchor))
    for move, start, end in tracks:
        x1, y1 = px(start)
        x2, y2 = px(end)
        style = styles[move.id]
        colour = quoteattr(style.colour)
        out.append(f'<g class="track" data-movement="{move.id}">')
        out.append(f'<line x1="{_f(x1)}" y1="{_f(y1)}" x2="{_f(x2)}" y2="{_f(y2)}"'
                   f' stroke="{_CASING}" stroke-width="6" stroke-linecap="round"/>')
        out.append(f'<line x1="{_f(x1)}" y1="{_f(y1)}" x2="{_f(x2)}" y2="{_f(y2)}"'
                   f' stroke={colour} stroke-width="3.5" stroke-linecap="round"/>')
        out.append(_arrowhead(x1, y1, x2, y2, style.colour, outline=_CASING))
        label = style.short_label + (f" · moving {move.bearing:.0f}°"
                                     if move.bearing is not None else "")
        label_x, label_y = _free_place(taken, (x1 + x2) / 2, min(y1, y2), max(y1, y2),
                                       "\u25a0\u00a0" + label)
        taken.append(_box(label_x, label_y, "\u25a0\u00a0" + label, "middle"))
        out.append(_text(label_x, label_y, label, _INK, "middle", bold=True,
                         swatch=style.colour))
        out.append("</g>")

    for landmark, point in near:
        x, y = px(point)
        colour = _REFERENCE if landmark.is_reference else _INK
        if landmark.is_reference:
            out.append(f'<circle cx="{_f(x)}" cy="{_f(y)}" r="9" fill="none"'
                       f' stroke="{colour}" stroke-width="2"/>')
        out.append(f'<rect x="{_f(x - 4.5)}" y="{_f(y - 4.5)}" width="9" height="9"'
                   f' fill="{colour}"/>')
        anchor = "end" if x > WIDTH - 190 else "start"
        out.append(_text(x + (-10 if anchor == "end" else 10), y - 9, _landmark_name(landmark),
                         colour, anchor, bold=True))

    if exif_point is not None:
        x, y = px(exif_point)
        out.append(f'<path d="M{_f(x - 5)},{_f(y - 5)} L{_f(x + 5)},{_f(y + 5)}'
                   f' M{_f(x - 5)},{_f(y + 5)} L{_f(x + 5)},{_f(y - 5)}" stroke="{_MUTED}"'
                   ' stroke-width="2"/>')
        out.append(_text(x + 9, y + 14, "EXIF GPS", _MUTED, "start"))

    out.append(f'<circle cx="{_f(cx)}" cy="{_f(cy)}" r="6" fill="{_CAMERA}" stroke="#fff"'
               ' stroke-width="2"/>')
    out.append(_text(cx + 10, cy + 18, "camera", _CAMERA, "start", bold=True))

    # North arrow (top right) and scale bar (bottom left).
    nx, ny = WIDTH - 26, 14
    out.append(f'<polygon points="{nx},{ny} {nx - 8},{ny + 24} {nx},{ny + 18} {nx + 8},{ny + 24}"'
               f' fill="{_INK}"/>')
    out.append(_text(nx, ny + 40, "N", _INK, "middle", bold=True))
    bar = step * scale
    bx, by = 18, HEIGHT - 16
    out.append(f'<rect x="{bx - 8}" y="{by - 16}" width="{_f(bar + 76)}" height="26"'
               ' fill="#f4f1ea" fill-opacity="0.9"/>')
    out.append(f'<path d="M{bx},{by - 7} L{bx},{by} L{_f(bx + bar)},{by} L{_f(bx + bar)},'
               f'{by - 7}" fill="none" stroke="{_INK}" stroke-width="1.8"/>')
    out.append(_text(bx + bar + 7, by, _label_length(step), _INK, "start"))
    out.append("</svg>")
    return "\n".join(out), step


_Box = tuple[float, float, float, float]  # left, top, right, bottom


def _inside(x: float, y: float, text: str, anchor: str, *, bold: bool) -> tuple[float, float]:
    """A label's anchor moved so its whole text stays on the sketch (above the scale bar)."""
    left, _, right, _ = _box(x, y, text, anchor, bold=bold, size=13)
    x += max(0.0, 8.0 - left) - max(0.0, right - (WIDTH - 8.0))
    return x, min(max(y, 18.0), HEIGHT - 34.0)


def _sun_lines(sun: SunSketch, cx: float, cy: float, reach: float, taken: list[_Box]
               ) -> list[str]:
    """Shadow directions as dark fans and the sun's azimuth as an amber ray with a disc,
    each labelled: the same lines the window's map draws, without a base map."""
    out: list[str] = []

    def end(bearing: float, length: float) -> tuple[float, float]:
        rad = math.radians(bearing)
        return cx + length * math.sin(rad), cy - length * math.cos(rad)

    for bearing, tolerance in sun.shadows:
        half = min(max(tolerance, 0.0), 90.0)
        fan = [(cx, cy)] + [end(bearing - half + 2 * half * k / 12, reach * 0.7)
                            for k in range(13)]
        out.append('<polygon class="shadow-fan" points="'
                   + " ".join(f"{_f(x)},{_f(y)}" for x, y in fan)
                   + f'" fill="{_SHADOW}" fill-opacity="0.10" stroke="none"/>')
        x, y = end(bearing, reach * 0.7)
        out.append(f'<line class="shadow-line" x1="{_f(cx)}" y1="{_f(cy)}" x2="{_f(x)}"'
                   f' y2="{_f(y)}" stroke="{_SHADOW}" stroke-width="2" stroke-dasharray="7 4"/>')
        text = f"shadow {bearing:.0f}° ± {tolerance:.0f}°"
        lx, ly = end(bearing, reach * 0.7 + 14)
        anchor = "start" if lx > cx + 8 else "end" if lx < cx - 8 else "middle"
        lx, ly = _inside(lx, ly + 5, text, anchor, bold=False)
        taken.append(_box(lx, ly, text, anchor, bold=False, size=13))
        out.append(_text(lx, ly, text, _SHADOW, anchor, size=13))
    if sun.sun_azimuth is not None:
        x, y = end(sun.sun_azimuth, reach * 0.92)
        out.append(f'<line class="sun-ray" x1="{_f(cx)}" y1="{_f(cy)}" x2="{_f(x)}"'
                   f' y2="{_f(y)}" stroke="{_SUN}" stroke-width="2.5"/>')
        out.append(f'<circle cx="{_f(x)}" cy="{_f(y)}" r="7" fill="{_SUN}" stroke="#fff"'
                   ' stroke-width="1.5"/>')
        text = f"sun {sun.sun_azimuth:.0f}°" + (f" at {sun.label}" if sun.label else "")
        lx, ly = end(sun.sun_azimuth, reach * 0.92 + 16)
        anchor = "start" if lx > cx + 8 else "end" if lx < cx - 8 else "middle"
        lx, ly = _inside(lx, ly + 5, text, anchor, bold=True)
        taken.append(_box(lx, ly, text, anchor, size=13))
        out.append(_text(lx, ly, text, _SUN, anchor, bold=True, size=13))
    return out


def _landmark_name(landmark: Landmark) -> str:
    return landmark.name[:40] + (" (reference)" if landmark.is_reference else "")


def _box(x: float, y: float, text: str, anchor: str, *, bold: bool = True,
         size: int = 15) -> _Box:
    """Roughly where a label's text lies (DejaVu Sans: about 0.6 em a character, bold 0.65)."""
    width = len(text) * size * (0.65 if bold else 0.6)
    left = x - width / 2 if anchor == "middle" else x - width if anchor == "end" else x
    return left, y - size * 0.8, left + width, y + size * 0.25


def _free_place(taken: list[_Box], x: float, top: float, bottom: float, text: str
                ) -> tuple[float, float]:
    """Below the track, else above it, else further out: the first place no other label
    covers and the sketch holds (below the track when there is none)."""
    candidates = [bottom + 22, top - 10, bottom + 40, top - 28, bottom + 58, top - 46]
    for y in candidates:
        left, upper, right, lower = _box(x, y, text, "middle")
        inside = left >= 4 and right <= WIDTH - 4 and upper >= 4 and lower <= HEIGHT - 30
        if inside and not any(left < box[2] and box[0] < right and upper < box[3]
                              and box[1] < lower for box in taken):
            return x, y
    return x, candidates[0]


def _text(x: float, y: float, text: str, colour: str, anchor: str, *, bold: bool = False,
          size: int = 15, swatch: str | None = None) -> str:
    """A label; `swatch` puts a square of that colour before it, as the window's tags wear it."""
    weight = ' font-weight="bold"' if bold else ""
    body = escape(text)
    if swatch is not None:
        body = (f'<tspan fill={quoteattr(swatch)} stroke="{_CASING}" stroke-width="1">'
                f'\u25a0</tspan>\u00a0{body}')
    return (f'<text x="{_f(x)}" y="{_f(y)}" fill={quoteattr(colour)} text-anchor="{anchor}"'
            f' font-size="{size}"{weight} paint-order="stroke" stroke="#f4f1ea"'
            f' stroke-width="3">{body}</text>')


def _arrowhead(x1: float, y1: float, x2: float, y2: float, colour: str,
               outline: str | None = None) -> str:
    angle = math.atan2(y2 - y1, x2 - x1)
    size = 11.0
    left = (x2 - size * math.cos(angle - 0.45), y2 - size * math.sin(angle - 0.45))
    right = (x2 - size * math.cos(angle + 0.45), y2 - size * math.sin(angle + 0.45))
    stroke = f' stroke={quoteattr(outline)} stroke-width="1.5"' if outline else ""
    return (f'<polygon points="{_f(x2)},{_f(y2)} {_f(left[0])},{_f(left[1])}'
            f' {_f(right[0])},{_f(right[1])}" fill={quoteattr(colour)}{stroke}/>')
