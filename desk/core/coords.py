"""Read coordinates the way reviewers paste them: decimal, DMS, and the links of common maps.

Pasted text is untrusted and often sloppy (typographic primes, hemisphere letters before or
after, a map link with a viewport and a pin in it). Anything that is not clearly one position
is refused with a message that shows a form that works, rather than guessed at.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from urllib.parse import parse_qs, unquote, urlsplit

EXAMPLES = "try 49.71, 37.61 or 49°42'36\"N 37°36'54\"E"

_NUMBER = r"[-+]?\d+(?:\.\d+)?"
_PAIR = re.compile(rf"^\s*\(?\s*({_NUMBER})\s*[,;\s]\s*({_NUMBER})\s*\)?\s*$")
_DECIMAL_COMMA_PAIR = re.compile(r"^\s*([-+]?\d+,\d+)\s*[;\s]\s*([-+]?\d+,\d+)\s*$")

_TOKEN = re.compile(
    r"""
    (?P<num>[-+]?(?:\d+(?:\.\d+)?|\.\d+))
    |(?P<sec>''|")
    |(?P<deg>°)
    |(?P<min>')
    |(?P<hemi>north|south|east|west|[NSEW])(?![A-Z])
    |(?P<sep>[,;/])
    |(?P<ws>\s+)
    """,
    re.VERBOSE | re.IGNORECASE,
)

# Typographic look-alikes reviewers paste from web pages and PDFs.
_TRANSLATE = str.maketrans({
    "º": "°", "˚": "°", "⁰": "°",
    "′": "'", "’": "'", "‘": "'", "´": "'", "`": "'", "ʹ": "'", "ꞌ": "'",
    "″": '"', "”": '"', "“": '"', "ʺ": '"', "〃": '"',
    "−": "-", "–": "-", "—": "-",
    "\u00a0": " ", "\u2009": " ", "\u202f": " ",
})


def parse_coordinates(text: str) -> tuple[float, float]:
    """(lat, lon) from pasted text or a map link; ValueError with a reviewer-readable message."""
    raw = (text or "").strip()
    if not raw:
        raise ValueError(f"Paste or type coordinates first; {EXAMPLES}.")
    if len(raw) > 4000:
        raise ValueError(f"That text is too long to be coordinates; {EXAMPLES}.")
    try:
        if _looks_like_link(raw):
            return _from_link(raw)
        return _from_text(raw)
    except _Unreadable as exc:
        shown = raw if len(raw) <= 60 else raw[:57] + "…"
        reason = f" ({exc})" if str(exc) else ""
        raise ValueError(
            f"Could not read coordinates from “{shown}”{reason}; {EXAMPLES}.") from None


class _Unreadable(Exception):
    """Internal: the text is not one readable position (the reason, if any, is the message)."""


# --------------------------------------------------------------------------- plain text


@dataclass
class _Group:
    parts: list[tuple[float, str]] = field(default_factory=list)
    hemisphere: str = ""
    negative: bool = False


def _from_text(text: str) -> tuple[float, float]:
    text = text.translate(_TRANSLATE).strip()
    match = _DECIMAL_COMMA_PAIR.match(text)
    if match:  # "49,71 37,61": decimal commas, the numbers apart by a space or semicolon
        return _checked(float(match[1].replace(",", ".")), float(match[2].replace(",", ".")))
    match = _PAIR.match(text)
    if match:
        return _checked(float(match[1]), float(match[2]))
    return _from_tokens(text)


def _tokens(text: str) -> list[tuple[str, str]]:
    body = text.strip().strip("()[]{}").strip()
    tokens: list[tuple[str, str]] = []
    pos = 0
    while pos < len(body):
        match = _TOKEN.match(body, pos)
        if match is None:
            raise _Unreadable(f"unexpected “{body[pos]}”")
        kind = match.lastgroup or ""
        tokens.append((kind, match.group()))
        pos = match.end()
    return tokens


def _from_tokens(text: str) -> tuple[float, float]:
    tokens = _tokens(text)
    kinds = {kind for kind, _ in tokens}
    has_units = bool(kinds & {"deg", "min", "sec"})
    has_letters = "hemi" in kinds
    has_separator = "sep" in kinds
    meaningful = [t for t in tokens if t[0] != "ws"]
    prefix_style = bool(meaningful) and meaningful[0][0] == "hemi"
    one_number_each = not (has_units or has_letters or has_separator)

    groups: list[_Group] = []
    current = _Group()

    def close() -> None:
        nonlocal current
        if current.parts:
            groups.append(current)
        elif current.hemisphere:
            raise _Unreadable(f"nothing follows “{current.hemisphere}”")
        current = _Group()

    i = 0
    while i < len(tokens):
        kind, value = tokens[i]
        i += 1
        if kind == "ws":
            continue
        if kind == "sep":
            close()
        elif kind == "hemi":
            letter = value[0].upper()
            if prefix_style:
                close()
                current.hemisphere = letter
            elif current.parts:
                current.hemisphere = letter
                close()
            elif groups and not groups[-1].hemisphere:  # "49.71, N" style: belongs to the last
                groups[-1].hemisphere = letter
            else:
                raise _Unreadable(f"“{value}” stands alone")
        elif kind == "num":
            unit = ""
            j = i
            while j < len(tokens) and tokens[j][0] == "ws":
                j += 1
            if j < len(tokens) and tokens[j][0] in ("deg", "min", "sec"):
                unit = tokens[j][0]
                i = j + 1
            if one_number_each or (unit == "deg" and current.parts):
                close()
            _add_part(current, float(value), unit)
        else:
            raise _Unreadable(f"“{value}” without a number before it")
    close()

    if len(groups) != 2:
        raise _Unreadable("expected exactly two coordinates" if groups else "")
    values = [_group_value(g) for g in groups]
    letters = [g.hemisphere for g in groups]
    axes = ["lat" if h in "NS" and h else "lon" if h else "" for h in letters]
    if axes[0] and axes[0] == axes[1]:
        raise _Unreadable("both coordinates are " + ("latitudes" if axes[0] == "lat"
                                                      else "longitudes"))
    if axes[0] == "lon" or axes[1] == "lat":
        values.reverse()
    return _checked(values[0], values[1])


_ORDER = {"deg": 0, "min": 1, "sec": 2}


def _add_part(group: _Group, number: float, unit: str) -> None:
    if not unit:
        unit = ("deg", "min", "sec")[len(group.parts)] if len(group.parts) < 3 else ""
        if not unit:
            raise _Unreadable("too many numbers in one coordinate")
    if group.parts and _ORDER[unit] <= _ORDER[group.parts[-1][1]]:
        raise _Unreadable("degrees, minutes and seconds are out of order")
    if group.parts and number < 0:
        raise _Unreadable("only the degrees may carry a sign")
    if number < 0 or (not group.parts and str(number).startswith("-")):
        group.negative = True
    group.parts.append((abs(number), unit))


def _group_value(group: _Group) -> float:
    total = 0.0
    for index, (number, unit) in enumerate(group.parts):
        if unit != "deg" and number >= 60:
            what = "minutes" if unit == "min" else "seconds"
            raise _Unreadable(f"{number:g} is not a valid number of {what}")
        if index < len(group.parts) - 1 and number != int(number):
            raise _Unreadable("only the last of degrees, minutes and seconds may have decimals")
        total += number / (60.0 ** _ORDER[unit])
    if group.parts[0][1] != "deg":
        raise _Unreadable("minutes or seconds without degrees")
    if group.negative and group.hemisphere:
        raise _Unreadable("a minus sign and a hemisphere letter together are ambiguous")
    if group.negative or group.hemisphere in ("S", "W"):
        total = -total
    return total


def _checked(lat: float, lon: float) -> tuple[float, float]:
    if not (math.isfinite(lat) and math.isfinite(lon)):
        raise _Unreadable("not a number")
    if abs(lat) > 90:
        if abs(lon) <= 90 and abs(lat) <= 180:
            raise _Unreadable(f"latitude {lat:g} is beyond ±90; desk reads latitude first")
        raise _Unreadable(f"latitude {lat:g} is beyond ±90")
    if abs(lon) > 180:
        raise _Unreadable(f"longitude {lon:g} is beyond ±180")
    return lat, lon


# --------------------------------------------------------------------------- links


def _looks_like_link(text: str) -> bool:
    lowered = text.lower()
    return (lowered.startswith(("geo:", "www.", "maps.", "http:", "https:"))
            or "://" in lowered or "openstreetmap.org" in lowered or "google." in lowered)


_GOOGLE_PIN = re.compile(rf"!3d({_NUMBER})!4d({_NUMBER})")
_AT_VIEW = re.compile(rf"@({_NUMBER}),({_NUMBER})(?:,|$|/|\?)")
_OSM_MAP = re.compile(rf"map=\d+(?:\.\d+)?/({_NUMBER})/({_NUMBER})")
_SHORT_HOSTS = ("goo.gl", "maps.app.goo.gl", "g.co", "osm.org/go", "yandex.ru/maps/-",
                "yandex.com/maps/-", "bit.ly")
_LAT_FIRST_KEYS = ("q", "query", "ll", "sll", "center", "daddr", "destination", "saddr",
                   "cbll", "coordinates", "latlng")


def _from_link(text: str) -> tuple[float, float]:
    if text.lower().startswith("geo:"):
        return _from_geo_uri(text)
    url = text if "://" in text else "https://" + text
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    query = parse_qs(parts.query, keep_blank_values=False)
    fragment_query = parse_qs(parts.fragment) if "=" in parts.fragment else {}

    pin = _GOOGLE_PIN.search(unquote(text))
    if pin:
        return _checked(float(pin[1]), float(pin[2]))

    if "yandex." in host:
        for key in ("pt", "whatshere[point]", "ll"):
            for value in query.get(key, []):
                lon_lat = _decimal_pair(value.split("~")[0])
                if lon_lat:
                    return _checked(lon_lat[1], lon_lat[0])

    for source in (query, fragment_query):
        if "mlat" in source and "mlon" in source:
            return _checked(_number(source["mlat"][0]), _number(source["mlon"][0]))
    osm = _OSM_MAP.search(parts.fragment) or _OSM_MAP.search(parts.query)
    if osm:
        return _checked(float(osm[1]), float(osm[2]))

    for value in query.get("cp", []):  # Bing: cp=lat~lon
        pair = _decimal_pair(value.replace("~", ","))
        if pair:
            return _checked(*pair)

    if "lat" in query and ("lon" in query or "lng" in query):
        return _checked(_number(query["lat"][0]),
                        _number((query.get("lon") or query["lng"])[0]))

    for key in _LAT_FIRST_KEYS:
        for value in query.get(key, []):
            try:
                return _from_text(value)
            except (_Unreadable, ValueError):
                continue

    path = unquote(parts.path).replace("+", " ")
    for marker in ("/place/", "/search/", "/dir/"):
        if marker in path:
            segment = path.split(marker, 1)[1].split("/")[0]
            try:
                return _from_text(segment)
            except (_Unreadable, ValueError):
                pass
    view = _AT_VIEW.search(path) or _AT_VIEW.search(unquote(text))
    if view:
        return _checked(float(view[1]), float(view[2]))

    if any(short in f"{host}{parts.path}" for short in _SHORT_HOSTS):
        raise _Unreadable("a short link hides its coordinates: open it in a browser and paste"
                          " the full address")
    raise _Unreadable("this link has no coordinates in it")


def _from_geo_uri(text: str) -> tuple[float, float]:
    """RFC 5870 geo: URIs, and Android's geo:0,0?q=lat,lon(label)."""
    body = text[4:]
    head, _, query = body.partition("?")
    coords = head.split(";")[0]
    pair = _decimal_pair(",".join(coords.split(",")[:2]))
    if query:
        q = parse_qs(query).get("q", [])
        if q:
            inner = _decimal_pair(q[0].split("(")[0].strip())
            if inner and (pair is None or pair == (0.0, 0.0)):
                return _checked(*inner)
    if pair is None:
        raise _Unreadable("this geo: link has no coordinates in it")
    return _checked(*pair)


def _decimal_pair(value: str) -> tuple[float, float] | None:
    match = _PAIR.match(value.replace("+", " ") if "," in value else value)
    return (float(match[1]), float(match[2])) if match else None


def _number(value: str) -> float:
    try:
        return float(value.strip())
    except ValueError:
        raise _Unreadable(f"“{value[:20]}” is not a number") from None
