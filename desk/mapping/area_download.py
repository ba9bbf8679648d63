"""Saving an area of an organisation's own tile server as an MBTiles pack, for the field.

Public providers' usage policies forbid bulk download (the OpenStreetMap tile policy, Esri's
terms), so desk saves only from a server the reviewer's organisation runs, set up in the
settings, and refuses every public provider it ships or knows by host. The number of tiles
is worked out, and capped, before one is fetched. The pack is written as the tiles arrive
and committed every few of them, so a cancelled or broken download resumes where it stopped:
a tile already in the file is never asked for again.

The API key travels only in its header, only to the server's own origin (a redirect to
another host is refused, so the key cannot follow it), and never into the pack, a message or
a log: messages name the server by its host, and the key is left out of every repr.
"""

from __future__ import annotations

import functools
import hashlib
import html
import http.client
import math
import re
import sqlite3
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any
from urllib.parse import urlsplit

from desk import __version__
from desk.mapping.tilepacks import MAX_TILE_BYTES, TileRejected, check_tile

#: More tiles than this in one area is a mistake (a country at zoom 18), not a field pack:
#: about 5 GB of imagery at 20 KB a tile.
MAX_TILES = 250_000
#: Zoom levels a web map can show.
MAX_ZOOM = 24
#: Web Mercator stops here; tiles cover nothing nearer the poles.
MAX_LAT = 85.05112878
#: Tries for one tile that fails for a reason that may pass (a timeout, a 5xx, a 429).
RETRIES = 3
#: This many tiles failing in a row means the server is gone: stop, and let a rerun resume.
GIVE_UP_AFTER = 20
#: Tiles fetched at once: quick for a server of one's own, gentle on it.
WORKERS = 4
TIMEOUT_S = 15.0
#: Tiles written between commits (what a crash can lose, fetched again on the rerun).
COMMIT_EVERY = 64
USER_AGENT = f"desk/{__version__} (evidence review; saving an area for offline use)"

#: Hosts of the public providers the app ships (xyzservices' catalogue, of which the map
#: shows OpenStreetMap and Esri World Imagery): never bulk downloaded. A "{s}" label matches
#: any subdomain.
_SHIPPED_DOMAINS = ("openstreetmap.org", "arcgisonline.com", "arcgis.com")
#: Hosts of that catalogue that are shared hosting, not a provider (an organisation may keep
#: its own tiles there).
_SHARED_HOSTING = ("amazonaws.com",)
_PLACEHOLDER = re.compile(r"\{[^{}]*\}")
_HEADER_NAME = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,100}$")
#: Headers desk sets itself, or that would break the request if a reviewer set them.
_RESERVED = frozenset({"host", "content-length", "transfer-encoding", "connection",
                       "user-agent", "accept-encoding", "te", "upgrade", "keep-alive"})


class ServerSettingsError(ValueError):
    """A tile server setting that cannot work, said so the reviewer can fix it."""


class DownloadError(ValueError):
    """An area that is not saved (or not finished), said in plain words; nothing is lost:
    tiles saved before it stay in the pack and a rerun resumes."""


class KeyRefused(DownloadError):
    """The server answered 401 or 403: the API key (or its absence) is the problem."""


# --------------------------------------------------------------------------- the server


def check_template(text: str) -> str:
    """The URL template, stripped, if desk can fetch tiles with it; else ServerSettingsError."""
    template = text.strip()
    if not template:
        raise ServerSettingsError("Give the tile server's URL template, for example"
                                  " https://tiles.example.org/{z}/{x}/{y}.png")
    if len(template) > 2000:
        raise ServerSettingsError("The URL template is longer than 2,000 characters.")
    if any(c.isspace() or ord(c) < 32 for c in template):
        raise ServerSettingsError("The URL template contains spaces or line breaks.")
    parts = urlsplit(template.replace("{", "%7B").replace("}", "%7D"))
    if parts.scheme.lower() not in ("http", "https"):
        shown = f"“{parts.scheme}:”" if parts.scheme else "no scheme"
        raise ServerSettingsError("The URL template must start with https:// or http://"
                                  f" (it has {shown}).")
    if "%7B" in parts.netloc:
        raise ServerSettingsError("{z}, {x} and {y} belong in the path, not in the server's"
                                  " name.")
    if parts.username is not None or parts.password is not None:
        raise ServerSettingsError("Put no user name or password in the URL: give the API key"
                                  " as a header instead.")
    try:
        host = parts.hostname
        _ = parts.port
    except ValueError:
        raise ServerSettingsError("The URL template's server or port is not valid.") from None
    if not host:
        raise ServerSettingsError("The URL template names no server.")
    found = _PLACEHOLDER.findall(template)
    for name in ("{z}", "{x}", "{y}"):
        count = found.count(name)
        if count == 0:
            raise ServerSettingsError(f"The URL template lacks {name}: it needs {{z}}, {{x}}"
                                      " and {y}, which desk fills in for each tile.")
        if count > 1:
            raise ServerSettingsError(f"The URL template has {name} {count} times; once is"
                                      " enough.")
    others = sorted({p for p in found if p not in ("{z}", "{x}", "{y}")})
    if others:
        raise ServerSettingsError(f"desk fills in only {{z}}, {{x}} and {{y}}; the template"
                                  f" also has {', '.join(others)}.")
    if template.count("{") != 3 or template.count("}") != 3:
        raise ServerSettingsError("The URL template has a stray { or }.")
    return template


def check_header(name: str, value: str) -> tuple[str, str]:
    """The API key's header name and value (both empty: no key), checked."""
    name, value = name.strip(), value.strip()
    if not name and not value:
        return "", ""
    if not name:
        raise ServerSettingsError("Give the name of the header the API key goes in (for"
                                  " example X-Api-Key), or clear the key.")
    if not value:
        raise ServerSettingsError(f"Give the API key for the {name} header, or clear the"
                                  " header name.")
    if not _HEADER_NAME.match(name):
        raise ServerSettingsError("The header name may hold letters, digits and - only (for"
                                  " example X-Api-Key).")
    if name.lower() in _RESERVED:
        raise ServerSettingsError(f"desk sets the {name} header itself; give the header your"
                                  " server reads the key from.")
    if any(ord(c) < 32 or ord(c) == 127 or ord(c) > 255 for c in value):
        raise ServerSettingsError("The API key holds characters a header cannot carry (line"
                                  " breaks or letters outside Latin-1).")
    return name, value


def check_max_zoom(value: int) -> int:
    if not 0 <= int(value) <= MAX_ZOOM:
        raise ServerSettingsError(f"The highest zoom must be between 0 and {MAX_ZOOM}.")
    return int(value)


@functools.cache
def _public_patterns() -> tuple[re.Pattern[str], ...]:
    import xyzservices.providers as providers

    hosts: set[str] = set()
    for provider in providers.flatten().values():
        host = (urlsplit(str(provider.get("url", ""))).hostname or "").lower()
        if host and not host.endswith(_SHARED_HOSTING):
            hosts.add(host)
    return tuple(re.compile(re.escape(h).replace(re.escape("{s}"), "[a-z0-9-]+"))
                 for h in sorted(hosts))


def public_provider(template: str) -> str | None:
    """The host of a public provider `template` fetches from, None for any other server."""
    host = (urlsplit(template.replace("{", "%7B").replace("}", "%7D")).hostname or "").lower()
    if not host:
        return None
    if any(host == d or host.endswith("." + d) for d in _SHIPPED_DOMAINS):
        return host
    if any(pattern.fullmatch(host) for pattern in _public_patterns()):
        return host
    return None


@dataclass(frozen=True)
class OrgServer:
    """An organisation's own tile server, as set up in the settings (checked on creation)."""

    template: str
    header_name: str = ""
    #: The API key: sent in its header to the server, shown nowhere, left out of repr.
    header_value: str = field(default="", repr=False)
    attribution: str = ""
    max_zoom: int = 19

    def __post_init__(self) -> None:
        object.__setattr__(self, "template", check_template(self.template))
        name, value = check_header(self.header_name, self.header_value)
        object.__setattr__(self, "header_name", name)
        object.__setattr__(self, "header_value", value)
        object.__setattr__(self, "attribution", " ".join(self.attribution.split())[:300])
        object.__setattr__(self, "max_zoom", check_max_zoom(self.max_zoom))

    @property
    def host(self) -> str:
        parts = urlsplit(self.template.replace("{", "%7B").replace("}", "%7D"))
        return parts.netloc.rsplit("@", 1)[-1]

    @property
    def credit(self) -> str:
        """The attribution as configured, else the server's host (imagery is always credited)."""
        return self.attribution or self.host

    def headers(self) -> dict[str, str]:
        return {self.header_name: self.header_value} if self.header_name else {}

    def url(self, z: int, x: int, y: int) -> str:
        return (self.template.replace("{z}", str(z)).replace("{x}", str(x))
                .replace("{y}", str(y)))

    @property
    def source_id(self) -> str:
        """Names the server in a pack without writing its URL (which may hold a key)."""
        return hashlib.sha256(self.template.encode()).hexdigest()[:32]


# --------------------------------------------------------------------------- the area


@dataclass(frozen=True)
class Area:
    """A bounding box in degrees: south, west, north, east (west < east: no antimeridian)."""

    south: float
    west: float
    north: float
    east: float

    def __post_init__(self) -> None:
        values = (self.south, self.west, self.north, self.east)
        if not all(math.isfinite(v) for v in values):
            raise DownloadError("The area's edges must be numbers.")
        if not (-90 <= self.south <= 90 and -90 <= self.north <= 90):
            raise DownloadError("Latitudes (south and north) lie between -90 and 90.")
        if not (-180 <= self.west <= 180 and -180 <= self.east <= 180):
            raise DownloadError("Longitudes (west and east) lie between -180 and 180.")
        if self.south >= self.north:
            raise DownloadError("The area's south edge must lie south of its north edge.")
        if self.west >= self.east:
            raise DownloadError("The area's west edge must lie west of its east edge (an area"
                                " across the 180° meridian is saved as two).")

    @classmethod
    def parse(cls, text: str) -> Area:
        """S,W,N,E as the command line takes it."""
        parts = [p.strip() for p in text.split(",")]
        if len(parts) != 4:
            raise DownloadError(f"An area is four numbers, south,west,north,east (got"
                                f" “{text[:60]}”).")
        try:
            south, west, north, east = (float(p) for p in parts)
        except ValueError:
            raise DownloadError(f"An area is four numbers, south,west,north,east (got"
                                f" “{text[:60]}”).") from None
        return cls(south, west, north, east)

    def columns(self, z: int) -> tuple[int, int]:
        return _column(self.west, z), _column(self.east, z)

    def rows(self, z: int) -> tuple[int, int]:
        return _row(self.north, z), _row(self.south, z)


def _column(lon: float, z: int) -> int:
    n = 1 << z
    return min(n - 1, max(0, int((lon + 180.0) / 360.0 * n)))


def _row(lat: float, z: int) -> int:
    n = 1 << z
    clamped = math.radians(max(-MAX_LAT, min(MAX_LAT, lat)))
    value = (1.0 - math.asinh(math.tan(clamped)) / math.pi) / 2.0 * n
    return min(n - 1, max(0, int(value)))


def parse_zooms(text: str) -> tuple[int, int]:
    """"A-B" (or one level "A") as the command line takes it."""
    low_text, _, high_text = text.partition("-")
    try:
        low = int(low_text)
        high = int(high_text) if high_text else low
    except ValueError:
        raise DownloadError(f"A zoom range is two whole numbers, like 12-17 (got"
                            f" “{text[:30]}”).") from None
    return check_zooms(low, high)


def check_zooms(low: int, high: int, max_zoom: int = MAX_ZOOM) -> tuple[int, int]:
    if not 0 <= low <= high:
        raise DownloadError("The zoom range runs from a lower level to a higher one, from 0.")
    if high > max_zoom:
        raise DownloadError(f"The server has tiles up to zoom {max_zoom}; the range asks for"
                            f" {high}.")
    return low, high


def estimate(area: Area, low: int, high: int) -> int:
    """How many tiles the area holds from zoom `low` to `high`, counted, not fetched."""
    total = 0
    for z in range(low, high + 1):
        (x0, x1), (y0, y1) = area.columns(z), area.rows(z)
        total += (x1 - x0 + 1) * (y1 - y0 + 1)
    return total


def tiles(area: Area, low: int, high: int) -> Iterator[tuple[int, int, int]]:
    """The area's tiles (z, x, y in XYZ rows), the coarse levels first."""
    for z in range(low, high + 1):
        (x0, x1), (y0, y1) = area.columns(z), area.rows(z)
        for x in range(x0, x1 + 1):
            for y in range(y0, y1 + 1):
                yield z, x, y


def check_count(count: int, limit: int = MAX_TILES) -> int:
    if count > limit:
        raise DownloadError(f"The area holds {count:,} tiles at these zoom levels; desk saves"
                            f" at most {limit:,} at once. Choose a smaller area or fewer zoom"
                            " levels.")
    return count


# --------------------------------------------------------------------------- the pack


_SCHEMA = """
CREATE TABLE IF NOT EXISTS metadata (name TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS tiles (zoom_level INTEGER, tile_column INTEGER, tile_row INTEGER,
                                  tile_data BLOB);
CREATE UNIQUE INDEX IF NOT EXISTS tile_index ON tiles (zoom_level, tile_column, tile_row);
"""
_SOURCE_KEY = "desk_source"


class _Pack:
    """The MBTiles file being written: TMS rows as the specification says, metadata last."""

    def __init__(self, path: Path, server: OrgServer) -> None:
        self.path = path
        if path.exists() and path.stat().st_size:
            with open(path, "rb") as handle:
                if handle.read(16) != b"SQLite format 3\x00":
                    raise DownloadError(f"{path.name} exists and is not an MBTiles pack;"
                                        " choose another file.")
        try:
            self.conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        except sqlite3.Error as exc:
            raise DownloadError(f"{path.name} cannot be written ({exc}).") from None
        try:
            self.conn.execute("PRAGMA trusted_schema = OFF")
            self.conn.executescript(_SCHEMA)
            meta = dict(self.conn.execute("SELECT name, value FROM metadata").fetchall())
        except sqlite3.DatabaseError as exc:
            self.conn.close()
            raise DownloadError(f"{path.name} cannot be written as an MBTiles pack"
                                f" ({exc}); choose another file.") from None
        source = meta.get(_SOURCE_KEY)
        count = self.conn.execute("SELECT count(*) FROM tiles").fetchone()[0]
        if count and source != server.source_id:
            self.conn.close()
            raise DownloadError(f"{path.name} holds tiles from another server; choose"
                                " another file.")
        if count and meta.get("scheme", "tms") != "tms":
            self.conn.close()
            raise DownloadError(f"{path.name} numbers its rows another way; choose another"
                                " file.")
        self.meta = meta
        self.conn.execute("INSERT OR REPLACE INTO metadata VALUES (?, ?)",
                          (_SOURCE_KEY, server.source_id))
        self.conn.execute("BEGIN")
        self.pending = 0

    def has(self, z: int, x: int, y: int) -> bool:
        row = (1 << z) - 1 - y
        return self.conn.execute(
            "SELECT 1 FROM tiles WHERE zoom_level = ? AND tile_column = ? AND tile_row = ?",
            (z, x, row)).fetchone() is not None

    def put(self, z: int, x: int, y: int, data: bytes) -> None:
        self.conn.execute("INSERT OR REPLACE INTO tiles VALUES (?, ?, ?, ?)",
                          (z, x, (1 << z) - 1 - y, data))
        self.pending += 1
        if self.pending >= COMMIT_EVERY:
            self.commit()

    def commit(self) -> None:
        self.conn.execute("COMMIT")
        self.conn.execute("BEGIN")
        self.pending = 0

    def finish(self, server: OrgServer, area: Area) -> None:
        """State what the pack holds (name, credit, bounds, zooms, format), and close it."""
        zooms = self.conn.execute("SELECT min(zoom_level), max(zoom_level) FROM tiles"
                                  ).fetchone()
        first = self.conn.execute("SELECT tile_data FROM tiles LIMIT 1").fetchone()
        west, south, east, north = area.west, area.south, area.east, area.north
        try:
            old = [float(v) for v in str(self.meta.get("bounds", "")).split(",")]
        except ValueError:
            old = []
        if len(old) == 4 and all(math.isfinite(v) for v in old):
            west, south = min(west, old[0]), min(south, old[1])
            east, north = max(east, old[2]), max(north, old[3])
        kind = "png"
        if first is not None:
            data = bytes(first[0])
            kind = "jpg" if data.startswith(b"\xff\xd8") else (
                "webp" if data[8:12] == b"WEBP" else "png")
        # MBTiles metadata is HTML (the spec says so of attribution; readers strip tags
        # from names too): the reviewer's text is escaped, so "<team>" stays text.
        meta = {
            "name": self.meta.get("name") or html.escape(f"Saved area from {server.host}"),
            "attribution": html.escape(server.credit),
            "description": html.escape(f"Tiles of {server.host} saved by desk for offline"
                                       " use."),
            "type": "baselayer", "version": "1.3", "format": kind,
            "bounds": f"{west:.6f},{max(south, -MAX_LAT):.6f},{east:.6f},"
                      f"{min(north, MAX_LAT):.6f}",
        }
        if zooms[0] is not None:
            meta["minzoom"], meta["maxzoom"] = str(zooms[0]), str(zooms[1])
        self.conn.executemany("INSERT OR REPLACE INTO metadata VALUES (?, ?)",
                              list(meta.items()))
        self.conn.execute("COMMIT")
        self.conn.close()

    def abandon(self) -> None:
        """Keep what was fetched (a rerun resumes from it) and close."""
        try:
            self.conn.execute("COMMIT")
        finally:
            self.conn.close()


# --------------------------------------------------------------------------- fetching


@dataclass
class DownloadReport:
    """What one run did; a rerun of the same area counts earlier tiles as `already`."""

    path: Path
    total: int
    saved: int = 0  # fetched and written by this run
    already: int = 0  # in the pack before this run
    missing: int = 0  # the server has no such tile (404)
    failed: int = 0  # given up after RETRIES tries
    cancelled: bool = False
    problems: list[str] = field(default_factory=list)

    @property
    def done(self) -> int:
        return self.saved + self.already + self.missing + self.failed

    def summary(self) -> str:
        parts = [f"{self.saved:,} tiles saved"]
        if self.already:
            parts.append(f"{self.already:,} already in the pack")
        if self.missing:
            parts.append(f"{self.missing:,} the server does not have (404)")
        if self.failed:
            parts.append(f"{self.failed:,} failed (run again to retry them)")
        text = ", ".join(parts) + f", of {self.total:,}"
        if self.cancelled:
            text += "; stopped before the end (run again to resume)"
        return text + "."


class _Redirected(Exception):
    def __init__(self, host: str) -> None:
        super().__init__(host)
        self.host = host


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    return parts.scheme.lower(), (parts.hostname or "").lower(), parts.port


class _SameOriginRedirects(urllib.request.HTTPRedirectHandler):
    """Follows a redirect on the same server only: the key header must not follow it away."""

    def redirect_request(self, req: urllib.request.Request, fp: IO[bytes], code: int,
                         msg: str, headers: Any, newurl: str
                         ) -> urllib.request.Request | None:
        if _origin(newurl) != _origin(req.full_url):
            fp.close()
            raise _Redirected(urlsplit(newurl).hostname or "another server")
        return super().redirect_request(req, fp, code, msg, headers, newurl)


_OK, _MISSING, _FAILED = "ok", "missing", "failed"


def _fetch_tile(opener: urllib.request.OpenerDirector, server: OrgServer, z: int, x: int,
                y: int, retries: int, delay_s: float, timeout_s: float,
                stop: Callable[[], bool]) -> tuple[str, bytes | str]:
    """(_OK, image) / (_MISSING, "") / (_FAILED, why); KeyRefused or _Redirected stop all."""
    request = urllib.request.Request(server.url(z, x, y), headers={
        "User-Agent": USER_AGENT, "Accept": "image/*", **server.headers()})
    why = ""
    for attempt in range(max(1, retries)):
        if attempt:
            time.sleep(delay_s * (2 ** (attempt - 1)))
        if stop():
            return _FAILED, "stopped"
        try:
            with opener.open(request, timeout=timeout_s) as response:
                status = response.status
                body = response.read(MAX_TILE_BYTES + 1)
        except urllib.error.HTTPError as exc:
            status, body = exc.code, b""
            exc.close()
        except (urllib.error.URLError, http.client.HTTPException, OSError) as exc:
            reason = getattr(exc, "reason", None) or exc
            why = f"no answer ({type(reason).__name__}: {reason})"[:200]
            continue
        if status in (401, 403):
            what = "the API key" if server.header_name else "the request (it sent no API key)"
            raise KeyRefused(f"{server.host} refused {what} (HTTP {status}). Check the API key"
                             " and its header name in Settings › Organisation tile server.")
        if status in (204, 404, 410):
            return _MISSING, ""
        if status == 200:
            try:
                return _OK, check_tile(body, "image")
            except TileRejected as exc:
                if len(body) > MAX_TILE_BYTES:
                    return _FAILED, str(exc)
                why = "the answer is not an image"
                continue
        why = f"HTTP {status}"
    return _FAILED, why


def download_area(server: OrgServer, area: Area, low: int, high: int, out: Path, *,
                  progress: Callable[[int, int], None] | None = None,
                  cancelled: Callable[[], bool] | None = None, limit: int = MAX_TILES,
                  retries: int = RETRIES, retry_delay_s: float = 1.0,
                  workers: int = WORKERS, timeout_s: float = TIMEOUT_S) -> DownloadReport:
    """Save the tiles of `area` from zoom `low` to `high` into the MBTiles file `out`.

    Refused before any fetch: a public provider, a zoom past the server's, an area of more
    than `limit` tiles, a file that is not a pack of this server. Cancelled, it returns what
    it did (`cancelled` set); the pack keeps every tile written and a rerun resumes.
    """
    public = public_provider(server.template)
    if public is not None:
        raise DownloadError(f"{public} is a public tile provider: their usage policies forbid"
                            " bulk download. desk saves areas only from your organisation's"
                            " own tile server; public imagery is kept as you view it.")
    low, high = check_zooms(low, high, server.max_zoom)
    total = check_count(estimate(area, low, high), limit)
    stop = cancelled or (lambda: False)
    report = DownloadReport(Path(out), total)
    pack = _Pack(Path(out), server)
    opener = urllib.request.build_opener(_SameOriginRedirects())
    told = [0.0]

    def tell(force: bool = False) -> None:
        now = time.monotonic()
        if progress is not None and (force or now - told[0] >= 0.1):
            told[0] = now
            progress(report.done, total)

    in_a_row = 0
    pool = ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="area-tiles")
    running: dict[Future[tuple[str, bytes | str]], tuple[int, int, int]] = {}
    pending = tiles(area, low, high)
    try:
        exhausted = False
        while True:
            while not exhausted and not stop() and len(running) < 2 * max(1, workers):
                tile = next(pending, None)
                if tile is None:
                    exhausted = True
                    break
                if pack.has(*tile):
                    report.already += 1
                    tell()
                    continue
                future = pool.submit(_fetch_tile, opener, server, *tile, retries,
                                     retry_delay_s, timeout_s, stop)
                running[future] = tile
            if not running:
                break
            finished, _ = wait(running, timeout=0.2, return_when=FIRST_COMPLETED)
            for future in finished:
                z, x, y = running.pop(future)
                outcome, value = future.result()  # KeyRefused and _Redirected go up
                if outcome == _OK and isinstance(value, bytes):
                    pack.put(z, x, y, value)
                    report.saved += 1
                    in_a_row = 0
                elif outcome == _MISSING:
                    report.missing += 1
                    in_a_row = 0
                elif value != "stopped":
                    why = value if isinstance(value, str) else "failed"
                    report.failed += 1
                    in_a_row += 1
                    if len(report.problems) < 10:
                        report.problems.append(f"{z}/{x}/{y}: {why}")
                    if in_a_row >= GIVE_UP_AFTER:
                        raise DownloadError(
                            f"{server.host} stopped answering ({why}); {report.saved:,}"
                            " tiles were saved this time. Run again to resume.")
                tell()
            if stop() and not running:
                break
    except _Redirected as exc:
        pool.shutdown(wait=True, cancel_futures=True)
        pack.abandon()
        raise DownloadError(f"{server.host} sent desk to another server ({exc.host}); desk"
                            " does not send the API key elsewhere, so nothing more was"
                            " saved.") from None
    except BaseException:
        pool.shutdown(wait=True, cancel_futures=True)
        pack.abandon()
        raise
    pool.shutdown(wait=True)
    report.cancelled = stop() and report.done < total
    pack.finish(server, area)
    tell(force=True)
    return report
