"""Offline imagery from tile packs: MBTiles (SQLite) and PMTiles (one file, a Hilbert index).

A pack is untrusted input like any file a reviewer is handed: it may not be SQLite, may hold
a billion rows, a tile that is a web page, offsets past its end or directories that point at
themselves. Every read here is bounded (bytes, SQLite steps, directory depth), every tile is
checked to be the raster image the pack says it holds before the map sees it, and every
failure is a `TilePackError` whose message a reviewer can act on.
"""

from __future__ import annotations

import html
import json
import math
import os
import re
import sqlite3
import struct
import zlib
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO
from urllib.parse import quote

from desk.core.imagery import BASE, OVERLAY, TilePackRef, hash_file

#: No raster tile of 256 or 512 pixels needs more (a 512 px PNG of noise is about 1 MB).
MAX_TILE_BYTES = 4 * 1024 * 1024
#: Zoom levels a web map can show.
MAX_ZOOM = 24
#: SQLite virtual-machine steps one metadata query may take before it is given up (a count
#: over tens of millions of rows; a crafted view runs out of steps instead of hanging).
QUERY_STEPS = 20_000_000
#: Steps one tile lookup may take: an indexed lookup takes tens; a scan of a table without
#: its index is given up (a blank tile) rather than freezing the map.
TILE_STEPS = 200_000
#: PMTiles directories: the root must sit in the first 16 KiB (the spec); leaves are capped.
_PM_HEADER = 127
_PM_ROOT_MAX = 16384 - _PM_HEADER
_PM_LEAF_MAX = 8 * 1024 * 1024
_PM_METADATA_MAX = 1024 * 1024
#: Root, then at most this many levels of leaf directories (writers use one or two).
_PM_MAX_DEPTH = 4
_PM_LEAF_CACHE = 64

MBTILES, PMTILES = "mbtiles", "pmtiles"
#: Raster tile types desk shows, by the name a pack gives them.
_RASTER = {"png": "png", "jpg": "jpeg", "jpeg": "jpeg", "webp": "webp", "avif": "avif"}
_MIME = {"png": "image/png", "jpeg": "image/jpeg", "webp": "image/webp", "avif": "image/avif"}
#: PMTiles tile type codes (spec v3), and its compression codes.
_PM_TYPES = {0: "unknown", 1: "mvt", 2: "png", 3: "jpeg", 4: "webp", 5: "avif"}
_PM_COMPRESSION = {0: "unknown", 1: "none", 2: "gzip", 3: "brotli", 4: "zstd"}


class TilePackError(ValueError):
    """A pack desk cannot use, said in plain words (the message names the file)."""


class TileRejected(ValueError):
    """One tile of a usable pack that is not the image it should be; the map leaves it blank."""


@dataclass(frozen=True)
class PackInfo:
    """What a pack says about itself, checked; shown in `desk tiles info` and the layer list."""

    path: str
    format: str  # MBTILES or PMTILES
    name: str
    tile_type: str  # png, jpeg, webp, avif
    bounds: tuple[float, float, float, float] | None  # west, south, east, north
    min_zoom: int
    max_zoom: int
    tile_count: int | None  # None: more than desk counts in a bounded time
    attribution: str  # plain text (tags of an HTML attribution removed)
    description: str = ""
    layer_type: str = "baselayer"  # or "overlay", as the pack states
    row_order: str = "xyz"  # how the pack numbers rows: MBTiles "tms" (the spec) or "xyz"
    notes: tuple[str, ...] = ()

    @property
    def mime_type(self) -> str:
        return _MIME[self.tile_type]

    def to_json(self) -> dict[str, object]:
        west_south_east_north = None if self.bounds is None else list(self.bounds)
        return {
            "path": self.path, "format": self.format, "name": self.name,
            "tile_type": self.tile_type, "bounds": west_south_east_north,
            "min_zoom": self.min_zoom, "max_zoom": self.max_zoom,
            "tile_count": self.tile_count, "attribution": self.attribution,
            "description": self.description, "layer_type": self.layer_type,
            "row_order": self.row_order, "notes": list(self.notes),
        }


_TAG = re.compile(r"<[^>]*>")


def plain_text(value: str) -> str:
    """A pack's HTML text ("<a href=...>© OpenStreetMap</a>") as the text a reader sees."""
    plain = html.unescape(_TAG.sub("", value))
    return " ".join(plain.split())[:500]


def _sniff_tile(data: bytes) -> str | None:
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    if data[4:8] == b"ftyp" and data[8:12] in (b"avif", b"avis"):
        return "avif"
    return None


def check_tile(data: bytes, expected: str) -> bytes:
    """The tile's bytes if they are a raster image of a type the map can show (not
    necessarily the type the pack declares: packs from MOBAC mix PNG and JPEG)."""
    if len(data) > MAX_TILE_BYTES:
        raise TileRejected(f"a tile of {len(data) / 1e6:.0f} MB is larger than any map tile")
    kind = _sniff_tile(data)
    if kind is None:
        raise TileRejected(f"a tile is not a {expected.upper()} image")
    return data


def _check_zxy(z: int, x: int, y: int) -> bool:
    return 0 <= z <= MAX_ZOOM and 0 <= x < (1 << z) and 0 <= y < (1 << z)


def _bounds(west: float, south: float, east: float, north: float
            ) -> tuple[float, float, float, float] | None:
    values = (west, south, east, north)
    if not all(math.isfinite(v) for v in values):
        return None
    if not (-180 <= west <= 180 and -180 <= east <= 180 and -90 <= south < north <= 90):
        return None
    return values


# --------------------------------------------------------------------------- MBTiles


class MBTilesPack:
    """An MBTiles file, opened read-only; tiles are read by z/x/y in the map's (XYZ) rows."""

    def __init__(self, path: Path) -> None:
        self.path = path
        uri = f"file:{quote(str(path.resolve()))}?mode=ro"
        try:
            self._conn = sqlite3.connect(uri, uri=True, check_same_thread=False)
        except sqlite3.Error as exc:
            raise TilePackError(f"{path.name} cannot be opened: {exc}") from None
        try:
            self._conn.execute("PRAGMA query_only = ON")
            self._conn.execute("PRAGMA trusted_schema = OFF")
            self.info = self._read_info()
        except sqlite3.DatabaseError as exc:
            self._conn.close()
            raise TilePackError(f"{path.name} is not a readable MBTiles pack: {exc}") from None
        except TilePackError:
            self._conn.close()
            raise
        self._tms = self.info.row_order == "tms"

    def close(self) -> None:
        self._conn.close()

    def _bounded(self, sql: str, args: tuple[object, ...] = (),
                 steps: int = QUERY_STEPS) -> list[tuple[object, ...]]:
        """Run a query that must finish within `steps` SQLite steps (else OperationalError
        "interrupted"): a crafted view or a table without its index cannot hang the map."""
        taken = [0]

        def tick() -> int:
            taken[0] += 1000
            return 1 if taken[0] > steps else 0

        self._conn.set_progress_handler(tick, 1000)
        try:
            return self._conn.execute(sql, args).fetchall()
        finally:
            self._conn.set_progress_handler(None, 0)

    def _read_info(self) -> PackInfo:
        name = self.path.name
        objects = {str(r[0]): str(r[1]) for r in self._bounded(
            "SELECT name, type FROM sqlite_master WHERE name IN ('tiles', 'metadata')")}
        if "tiles" not in objects:
            raise TilePackError(f"{name} is SQLite but holds no tiles table: not an MBTiles"
                                " pack")
        columns = {str(r[1]) for r in self._bounded("PRAGMA table_info(tiles)")}
        missing = {"zoom_level", "tile_column", "tile_row", "tile_data"} - columns
        if missing:
            raise TilePackError(f"{name}: its tiles table lacks {', '.join(sorted(missing))}:"
                                " not an MBTiles pack")
        meta: dict[str, str] = {}
        if "metadata" in objects:
            for key, value in self._bounded("SELECT name, value FROM metadata LIMIT 1000"):
                if isinstance(key, str) and isinstance(value, str | int | float):
                    meta[key.strip().lower()] = str(value)[:10_000]
        notes: list[str] = []
        declared = meta.get("format", "").strip().lower()
        if declared in ("pbf", "mvt"):
            raise TilePackError(f"{name} holds vector tiles (pbf); desk shows raster packs"
                                " (PNG, JPEG, WebP)")
        tile_type = _RASTER.get(declared)
        if tile_type is None:
            tile_type = self._sniff_first_tile(name)
            notes.append("the pack does not state its tile format; read from its first tile")
        low, high = self._zoom_range(meta)
        min_zoom = _int(meta.get("minzoom"), low)
        max_zoom = _int(meta.get("maxzoom"), high)
        if not (0 <= min_zoom <= max_zoom <= MAX_ZOOM):
            min_zoom, max_zoom = max(0, low), min(MAX_ZOOM, high)
            notes.append("its stated zoom range is not usable; the range of its tiles is used")
        bounds = _parse_bounds(meta.get("bounds", ""))
        if bounds is None and meta.get("bounds"):
            notes.append("its stated bounds are not usable coordinates")
        scheme = meta.get("scheme", "tms").strip().lower()
        row_order = "xyz" if scheme == "xyz" else "tms"
        count = self._count()
        if count is None:
            notes.append("too many tiles to count in a moment; not counted")
        layer_type = meta.get("type", "").strip().lower()
        return PackInfo(
            path=str(self.path), format=MBTILES,
            name=plain_text(meta.get("name", "")) or self.path.stem,
            tile_type=tile_type, bounds=bounds, min_zoom=min_zoom, max_zoom=max_zoom,
            tile_count=count, attribution=plain_text(meta.get("attribution", "")),
            description=plain_text(meta.get("description", "")),
            layer_type="overlay" if layer_type == "overlay" else "baselayer",
            row_order=row_order, notes=tuple(notes),
        )

    def _zoom_range(self, meta: dict[str, str]) -> tuple[int, int]:
        """The zooms of its tiles (an indexed pack answers at once), else what it states."""
        try:
            zooms = self._bounded("SELECT MIN(zoom_level), MAX(zoom_level) FROM tiles")
        except sqlite3.OperationalError as exc:
            if "interrupt" not in str(exc):
                raise
            stated = _int(meta.get("minzoom"), -1), _int(meta.get("maxzoom"), -1)
            if min(stated) < 0:
                raise TilePackError(f"{self.path.name} takes too long to read (its tiles have"
                                    " no index) and states no zoom range") from None
            return stated
        found = zooms[0] if zooms else (None, None)
        if not isinstance(found[0], int) or not isinstance(found[1], int):
            raise TilePackError(f"{self.path.name} holds no tiles")
        return found[0], found[1]

    def _count(self) -> int | None:
        try:
            rows = self._bounded("SELECT COUNT(*) FROM tiles")
        except sqlite3.OperationalError as exc:
            if "interrupt" in str(exc):
                return None
            raise
        value = rows[0][0] if rows else None
        return value if isinstance(value, int) else None

    def _sniff_first_tile(self, name: str) -> str:
        rows = self._bounded("SELECT tile_data FROM tiles LIMIT 1")
        data = rows[0][0] if rows else None
        kind = _sniff_tile(data) if isinstance(data, bytes) else None
        if kind is None:
            raise TilePackError(f"{name}: its tiles are not PNG, JPEG or WebP images")
        return kind

    def tile(self, z: int, x: int, y: int) -> bytes | None:
        """The image at z/x/y (XYZ rows, as Leaflet asks), None where the pack has none."""
        if not _check_zxy(z, x, y):
            return None
        row = (1 << z) - 1 - y if self._tms else y
        try:
            # length() of a blob reads its size, not its pages: a 100 MB tile is never loaded.
            found = self._bounded(
                "SELECT length(tile_data), CASE WHEN length(tile_data) <= ? THEN tile_data END"
                " FROM tiles WHERE zoom_level = ? AND tile_column = ? AND tile_row = ? LIMIT 1",
                (MAX_TILE_BYTES, z, x, row), TILE_STEPS)
        except sqlite3.OperationalError as exc:
            if "interrupt" in str(exc):
                raise TileRejected("finding a tile takes too long (the pack has no index on"
                                   " its tiles)") from None
            raise TileRejected(f"the tile could not be read: {exc}") from None
        except sqlite3.DatabaseError as exc:
            raise TileRejected(f"the tile could not be read: {exc}") from None
        if not found:
            return None
        size, data = found[0]
        if isinstance(size, int) and size > MAX_TILE_BYTES:
            raise TileRejected(f"a tile of {size / 1e6:.0f} MB is larger than any map tile")
        if not isinstance(data, bytes):
            raise TileRejected("a tile is not image data")
        return check_tile(data, self.info.tile_type)


def _int(text: str | None, default: int) -> int:
    try:
        return int(float(text)) if text is not None else default
    except ValueError:
        return default


def _parse_bounds(text: str) -> tuple[float, float, float, float] | None:
    parts = text.split(",")
    if len(parts) != 4:
        return None
    try:
        west, south, east, north = (float(p) for p in parts)
    except ValueError:
        return None
    return _bounds(west, south, east, north)


# --------------------------------------------------------------------------- PMTiles


def tile_id(z: int, x: int, y: int) -> int:
    """PMTiles v3 tile id: the tiles of every lower zoom, then the Hilbert index of (x, y)."""
    acc = ((1 << (2 * z)) - 1) // 3
    d = 0
    s = 1 << (z - 1) if z else 0
    while s > 0:
        rx = 1 if x & s else 0
        ry = 1 if y & s else 0
        d += s * s * ((3 * rx) ^ ry)
        if ry == 0:
            if rx == 1:
                x = s - 1 - (x & (s - 1))
                y = s - 1 - (y & (s - 1))
            x, y = y, x
        s >>= 1
    return acc + d


@dataclass(frozen=True)
class _Entry:
    tile_id: int
    offset: int
    length: int
    run_length: int  # 0: a leaf directory


@dataclass
class _PmHeader:
    root: tuple[int, int]
    metadata: tuple[int, int]
    leaves: tuple[int, int]
    data: tuple[int, int]
    addressed: int
    internal_compression: str
    tile_compression: str
    tile_type: str
    min_zoom: int
    max_zoom: int
    bounds: tuple[float, float, float, float] | None


def _varint(buf: bytes, pos: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        if pos >= len(buf):
            raise TilePackError("a directory ends in the middle of a number")
        byte = buf[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        if byte < 0x80:
            return value, pos
        shift += 7
        if shift > 63:
            raise TilePackError("a directory holds a number of more than 64 bits")


def _directory(buf: bytes) -> list[_Entry]:
    count, pos = _varint(buf, 0)
    if count > len(buf):  # every entry takes at least four bytes
        raise TilePackError(f"a directory claims {count} entries in {len(buf)} bytes")
    ids: list[int] = []
    last = 0
    for _ in range(count):
        delta, pos = _varint(buf, pos)
        last += delta
        ids.append(last)
    runs: list[int] = []
    lengths: list[int] = []
    offsets: list[int] = []
    for _ in range(count):
        value, pos = _varint(buf, pos)
        runs.append(value)
    for _ in range(count):
        value, pos = _varint(buf, pos)
        lengths.append(value)
    for i in range(count):
        value, pos = _varint(buf, pos)
        if value == 0 and i > 0:
            offsets.append(offsets[i - 1] + lengths[i - 1])
        else:
            offsets.append(value - 1 if value else 0)
    return [_Entry(ids[i], offsets[i], lengths[i], runs[i]) for i in range(count)]


def _find(entries: list[_Entry], wanted: int) -> _Entry | None:
    low, high = 0, len(entries) - 1
    while low <= high:
        mid = (low + high) // 2
        if entries[mid].tile_id < wanted:
            low = mid + 1
        elif entries[mid].tile_id > wanted:
            high = mid - 1
        else:
            return entries[mid]
    if high >= 0:
        entry = entries[high]
        if entry.run_length == 0 or wanted - entry.tile_id < entry.run_length:
            return entry
    return None


def _gunzip(data: bytes, limit: int) -> bytes:
    inflate = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        out = inflate.decompress(data, limit)
    except zlib.error as exc:
        raise TilePackError(f"compressed data is damaged ({exc})") from None
    if inflate.unconsumed_tail:
        raise TilePackError(f"compressed data unpacks to more than {limit // 1024} KB")
    return out


@dataclass
class PMTilesPack:
    """A PMTiles v3 file: a header, a root directory, leaves and tile data, read by offset."""

    path: Path
    info: PackInfo = field(init=False)
    _file: BinaryIO = field(init=False, repr=False)
    _size: int = field(init=False)
    _header: _PmHeader = field(init=False, repr=False)
    _root: list[_Entry] = field(init=False, repr=False)
    _leaves: OrderedDict[tuple[int, int], list[_Entry]] = field(
        init=False, repr=False, default_factory=OrderedDict)

    def __post_init__(self) -> None:
        try:
            self._file = open(self.path, "rb")  # noqa: SIM115 - closed by close()
        except OSError as exc:
            raise TilePackError(f"{self.path.name} cannot be opened: {exc.strerror}") from None
        try:
            self._size = os.fstat(self._file.fileno()).st_size
            self._header = self._read_header()
            self._root = self._read_directory(self._header.root, _PM_ROOT_MAX)
            self.info = self._read_info()
        except TilePackError as exc:
            self._file.close()
            raise TilePackError(f"{self.path.name}: {exc}") from None
        except (OSError, struct.error) as exc:
            self._file.close()
            raise TilePackError(f"{self.path.name} cannot be read: {exc}") from None

    def close(self) -> None:
        self._file.close()

    def _read(self, offset: int, length: int) -> bytes:
        data = os.pread(self._file.fileno(), length, offset)
        if len(data) != length:
            raise TilePackError("the file is shorter than its index says (cut short?)")
        return data

    def _span(self, offset: int, length: int, what: str) -> tuple[int, int]:
        if offset < 0 or length < 0 or offset + length > self._size:
            raise TilePackError(f"its {what} lies outside the file (offset {offset}, length"
                                f" {length}, file {self._size} bytes)")
        return offset, length

    def _read_header(self) -> _PmHeader:
        raw = os.pread(self._file.fileno(), _PM_HEADER, 0)
        if len(raw) < _PM_HEADER or raw[:7] != b"PMTiles":
            raise TilePackError("not a PMTiles file")
        if raw[7] != 3:
            raise TilePackError(f"PMTiles version {raw[7]}; desk reads version 3")
        numbers = struct.unpack_from("<11Q", raw, 8)
        (root_o, root_n, meta_o, meta_n, leaf_o, leaf_n, data_o, data_n,
         addressed, _entries, _contents) = numbers
        internal = _PM_COMPRESSION.get(raw[97], "unknown")
        tiles = _PM_COMPRESSION.get(raw[98], "unknown")
        kind = _PM_TYPES.get(raw[99], "unknown")
        if kind == "mvt":
            raise TilePackError("it holds vector tiles (MVT); desk shows raster packs")
        if kind not in _MIME:
            raise TilePackError(f"its tile type ({kind}) is not a raster image type")
        for name, value in (("index", internal), ("tile", tiles)):
            if value not in ("none", "gzip"):
                raise TilePackError(f"its {name} compression ({value}) is one desk cannot"
                                    " read (none and gzip are)")
        min_zoom, max_zoom = raw[100], raw[101]
        if not min_zoom <= max_zoom <= MAX_ZOOM:
            raise TilePackError(f"its zoom range {min_zoom}–{max_zoom} is not usable")
        west, south, east, north = (v / 1e7 for v in struct.unpack_from("<4i", raw, 102))
        if root_n > _PM_ROOT_MAX:
            raise TilePackError("its root directory is larger than the format allows")
        return _PmHeader(
            root=self._span(root_o, root_n, "root directory"),
            metadata=self._span(meta_o, meta_n, "metadata"),
            leaves=self._span(leaf_o, leaf_n, "leaf directories"),
            data=self._span(data_o, data_n, "tile data"),
            addressed=addressed, internal_compression=internal, tile_compression=tiles,
            tile_type=kind, min_zoom=min_zoom, max_zoom=max_zoom,
            bounds=_bounds(west, south, east, north),
        )

    def _unpack(self, raw: bytes, limit: int) -> bytes:
        return _gunzip(raw, limit) if self._header.internal_compression == "gzip" else raw

    def _read_directory(self, span: tuple[int, int], limit: int) -> list[_Entry]:
        offset, length = span
        if length > limit:
            raise TilePackError(f"a directory of {length} bytes is larger than desk reads")
        return _directory(self._unpack(self._read(offset, length), _PM_LEAF_MAX))

    def _read_info(self) -> PackInfo:
        header = self._header
        meta: dict[str, object] = {}
        notes: list[str] = []
        offset, length = header.metadata
        if length > _PM_METADATA_MAX:
            notes.append("its metadata is too large to read; not shown")
        elif length:
            try:
                parsed = json.loads(self._unpack(self._read(offset, length), _PM_METADATA_MAX))
            except (ValueError, RecursionError):
                parsed = None
            if isinstance(parsed, dict):
                meta = parsed
            else:
                notes.append("its metadata is not a JSON object; not shown")
        if header.bounds is None:
            notes.append("its stated bounds are not usable coordinates")

        def text(key: str) -> str:
            value = meta.get(key)
            return plain_text(value) if isinstance(value, str) else ""

        addressed = header.addressed if header.addressed <= 4 ** (header.max_zoom + 1) else None
        return PackInfo(
            path=str(self.path), format=PMTILES, name=text("name") or self.path.stem,
            tile_type=header.tile_type, bounds=header.bounds, min_zoom=header.min_zoom,
            max_zoom=header.max_zoom, tile_count=addressed or None,
            attribution=text("attribution"), description=text("description"),
            layer_type="overlay" if text("type").lower() == "overlay" else "baselayer",
            row_order="xyz", notes=tuple(notes),
        )

    def _leaf(self, offset: int, length: int) -> list[_Entry]:
        key = (offset, length)
        cached = self._leaves.get(key)
        if cached is not None:
            self._leaves.move_to_end(key)
            return cached
        base, size = self._header.leaves
        if offset + length > size:
            raise TilePackError("a leaf directory lies outside the leaf section")
        entries = self._read_directory((base + offset, length), _PM_LEAF_MAX)
        self._leaves[key] = entries
        if len(self._leaves) > _PM_LEAF_CACHE:
            self._leaves.popitem(last=False)
        return entries

    def tile(self, z: int, x: int, y: int) -> bytes | None:
        """The image at z/x/y, None where the pack has none."""
        if not _check_zxy(z, x, y) or not self._header.min_zoom <= z <= self._header.max_zoom:
            return None
        wanted = tile_id(z, x, y)
        entries = self._root
        try:
            for _ in range(_PM_MAX_DEPTH):
                entry = _find(entries, wanted)
                if entry is None:
                    return None
                if entry.run_length:
                    return self._tile_data(entry)
                entries = self._leaf(entry.offset, entry.length)
        except TilePackError as exc:
            raise TileRejected(str(exc)) from None
        raise TileRejected("its directories nest deeper than the format allows")

    def _tile_data(self, entry: _Entry) -> bytes:
        base, size = self._header.data
        if entry.length > MAX_TILE_BYTES:
            raise TileRejected(f"a tile of {entry.length / 1e6:.0f} MB is larger than any map"
                               " tile")
        if entry.offset + entry.length > size:
            raise TileRejected("a tile lies outside the tile data section")
        data = self._read(base + entry.offset, entry.length)
        if self._header.tile_compression == "gzip":
            try:
                data = _gunzip(data, MAX_TILE_BYTES)
            except TilePackError as exc:
                raise TileRejected(str(exc)) from None
        return check_tile(data, self.info.tile_type)


TilePack = MBTilesPack | PMTilesPack


def open_pack(path: str | os.PathLike[str]) -> TilePack:
    """The pack at `path`, by its content (never its name); TilePackError if unusable."""
    where = Path(path)
    try:
        with open(where, "rb") as handle:
            head = handle.read(16)
    except OSError as exc:
        raise TilePackError(f"{where.name} cannot be read: {exc.strerror}") from None
    if head.startswith(b"SQLite format 3\x00"):
        return MBTilesPack(where)
    if head.startswith(b"PMTiles"):
        return PMTilesPack(where)
    return _not_a_pack(where, head)


def _not_a_pack(where: Path, head: bytes) -> TilePack:
    if not head:
        raise TilePackError(f"{where.name} is empty")
    raise TilePackError(f"{where.name} is not a tile pack (MBTiles or PMTiles)")


def pack_info(path: str | os.PathLike[str]) -> PackInfo:
    pack = open_pack(path)
    try:
        return pack.info
    finally:
        pack.close()


def reference_for(path: str | os.PathLike[str], role: str | None = None, opacity: float = 1.0,
                  progress: Callable[[int, int], None] | None = None,
                  cancelled: Callable[[], bool] | None = None) -> TilePackRef:
    """What a case records of the pack at `path`: read first (an unusable pack is refused
    before gigabytes are hashed), then hashed whole. `role` defaults to what the pack says."""
    where = Path(path).resolve()
    info = pack_info(where)
    try:
        digest, size = hash_file(where, progress, cancelled)
    except OSError as exc:
        raise TilePackError(f"{where.name} cannot be read: {exc.strerror}") from None
    chosen = role or (OVERLAY if info.layer_type == "overlay" else BASE)
    return TilePackRef(0, str(where), digest, size, info.format, info.name, info.attribution,
                       chosen, opacity)
