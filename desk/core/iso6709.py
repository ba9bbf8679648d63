"""Positions written as ISO 6709 strings ("+49.7100+037.6000+105.2/"), as video containers
store them: QuickTime's `©xyz` and `com.apple.quicktime.location.ISO6709`, Android's
`location`, 3GPP's `loci` as FFmpeg reports it.

The parser is strict on purpose: a container's text is untrusted, and a lenient reader would
turn "+12-34" typed by anyone into a place on the map. Accepted: a signed latitude of 2, 4 or
6 integer digits (degrees, degrees and minutes, or degrees, minutes and seconds, the last unit
optionally with a decimal fraction), then a signed longitude of 3, 5 or 7 digits in the same
way, an optional signed altitude in metres, an optional WGS 84 reference system, and the
closing "/" (optional, since some writers drop it). Nothing else, and no value out of range.
"""

from __future__ import annotations

import math
import re

from desk.core.model import Gps

#: Longest string looked at; anything longer is not a position.
_MAX_LENGTH = 64
_PATTERN = re.compile(
    r"(?P<lat>[+-]\d{2}(?:\d{2}(?:\d{2})?)?(?:\.\d{1,10})?)"
    r"(?P<lon>[+-]\d{3}(?:\d{2}(?:\d{2})?)?(?:\.\d{1,10})?)"
    r"(?P<alt>[+-]\d{1,6}(?:\.\d{1,6})?)?"
    r"(?:CRS(?P<crs>[A-Za-z0-9_]{1,16}))?"
    r"/?",
    re.ASCII,
)
#: Reference systems that are the GPS one (ISO 6709 defaults to WGS 84 when none is named).
_WGS84 = frozenset({"WGS_84", "WGS84", "EPSG4326"})


def parse_iso6709(text: str) -> Gps | None:
    """The position an ISO 6709 string states, or None when it is not a valid one."""
    value = text.strip()
    if len(value) > _MAX_LENGTH:
        return None
    match = _PATTERN.fullmatch(value)
    if match is None:
        return None
    crs = match["crs"]
    if crs is not None and crs.upper() not in _WGS84:
        return None
    lat = _angle(match["lat"], 2)
    lon = _angle(match["lon"], 3)
    if lat is None or lon is None or abs(lat) > 90 or abs(lon) > 180:
        return None
    altitude = float(match["alt"]) if match["alt"] else None
    return Gps(lat=lat, lon=lon, altitude=altitude)


def _angle(text: str, degree_digits: int) -> float | None:
    """A signed DD[D][MM[SS]][.fff] angle in decimal degrees; None for minutes or seconds >= 60."""
    sign = -1.0 if text[0] == "-" else 1.0
    whole, _, fraction = text[1:].partition(".")
    parts = [int(whole[:degree_digits])]
    parts.extend(int(whole[i : i + 2]) for i in range(degree_digits, len(whole), 2))
    last = float(f"{parts[-1]}.{fraction}") if fraction else float(parts[-1])
    values = [float(p) for p in parts[:-1]] + [last]
    if any(v >= 60 for v in values[1:]):
        return None
    degrees = sum(v / 60**i for i, v in enumerate(values))
    return math.copysign(degrees, sign) if degrees else 0.0
