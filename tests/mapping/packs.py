"""Tile packs made in the tests: MBTiles in TMS or XYZ rows and PMTiles v3, with tiles of
known colours, written the way the formats' specifications describe (not with desk's code)."""

from __future__ import annotations

import gzip
import io
import json
import sqlite3
import struct
from collections.abc import Callable, Iterable
from pathlib import Path

from PIL import Image

Zxy = tuple[int, int, int]


def colour_of(z: int, x: int, y: int) -> tuple[int, int, int]:
    """A colour that names its tile: red from x, green from y, blue from z."""
    return ((x * 37 + 11) % 256, (y * 53 + 23) % 256, (z * 19 + 5) % 256)


def tile_png(z: int, x: int, y: int, size: int = 256) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (size, size), colour_of(z, x, y)).save(out, "PNG")
    return out.getvalue()


def every_tile(max_zoom: int) -> list[Zxy]:
    return [(z, x, y) for z in range(max_zoom + 1) for x in range(1 << z) for y in range(1 << z)]


def write_mbtiles(path: Path, tiles: Iterable[Zxy], scheme: str = "tms",
                  metadata: dict[str, str] | None = None,
                  data: Callable[[int, int, int], bytes] = tile_png) -> Path:
    """MBTiles 1.3: rows counted from the south (TMS), or from the north with scheme=xyz."""
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE metadata (name TEXT, value TEXT)")
    conn.execute("CREATE TABLE tiles (zoom_level INTEGER, tile_column INTEGER,"
                 " tile_row INTEGER, tile_data BLOB)")
    conn.execute("CREATE UNIQUE INDEX tile_index ON tiles (zoom_level, tile_column, tile_row)")
    listed = list(tiles)
    meta = {"name": "Test pack", "format": "png", "attribution": "© Test imagery",
            "minzoom": str(min(z for z, _, _ in listed)),
            "maxzoom": str(max(z for z, _, _ in listed)),
            "bounds": "-180,-85.0511,180,85.0511", "type": "baselayer"}
    if scheme == "xyz":
        meta["scheme"] = "xyz"
    meta.update(metadata or {})
    conn.executemany("INSERT INTO metadata VALUES (?, ?)", list(meta.items()))
    for z, x, y in listed:
        row = y if scheme == "xyz" else (1 << z) - 1 - y
        conn.execute("INSERT INTO tiles VALUES (?, ?, ?, ?)", (z, x, row, data(z, x, y)))
    conn.commit()
    conn.close()
    return path


# --------------------------------------------------------------------------- PMTiles v3


def hilbert_id(z: int, x: int, y: int) -> int:
    """The spec's tile id (the pyramid below z, then the Hilbert distance), written here from
    the curve's definition; checked against ids of the reference implementation."""
    n = 1 << z
    d = 0
    s = n // 2
    while s > 0:
        rx = int(x & s > 0)
        ry = int(y & s > 0)
        d += s * s * ((3 * rx) ^ ry)
        if ry == 0:
            if rx == 1:
                x, y = n - 1 - x, n - 1 - y
            x, y = y, x
        s //= 2
    return (4 ** z - 1) // 3 + d


def _varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def _directory(entries: list[tuple[int, int, int, int]]) -> bytes:
    """(tile_id, offset, length, run_length) sorted by id, in the spec's column order."""
    out = bytearray(_varint(len(entries)))
    last = 0
    for tid, _, _, _ in entries:
        out += _varint(tid - last)
        last = tid
    for _, _, _, run in entries:
        out += _varint(run)
    for _, _, length, _ in entries:
        out += _varint(length)
    for i, (_, offset, _, _) in enumerate(entries):
        previous = entries[i - 1] if i else None
        if previous is not None and offset == previous[1] + previous[2]:
            out += _varint(0)
        else:
            out += _varint(offset + 1)
    return bytes(out)


def write_pmtiles(path: Path, tiles: Iterable[Zxy], leaf_size: int = 0,
                  metadata: dict[str, object] | None = None, gzip_index: bool = True,
                  data: Callable[[int, int, int], bytes] = tile_png,
                  bounds: tuple[float, float, float, float] = (-180, -85, 180, 85)) -> Path:
    """A PMTiles v3 file; leaf_size > 0 puts the entries in leaf directories of that many."""
    listed = sorted(tiles, key=lambda t: hilbert_id(*t))
    blob = bytearray()
    entries: list[tuple[int, int, int, int]] = []
    for z, x, y in listed:
        tile = data(z, x, y)
        entries.append((hilbert_id(z, x, y), len(blob), len(tile), 1))
        blob += tile
    pack = gzip.compress if gzip_index else (lambda b: b)
    leaves = bytearray()
    if leaf_size:
        root_entries = []
        for start in range(0, len(entries), leaf_size):
            chunk = entries[start:start + leaf_size]
            leaf = pack(_directory(chunk))
            root_entries.append((chunk[0][0], len(leaves), len(leaf), 0))
            leaves += leaf
        root = pack(_directory(root_entries))
    else:
        root = pack(_directory(entries))
    meta = pack(json.dumps({"name": "PM test pack", "attribution": "<a href='x'>© PM</a>",
                            "type": "overlay", **(metadata or {})}).encode())
    zooms = [z for z, _, _ in listed]
    root_offset = 127
    meta_offset = root_offset + len(root)
    leaf_offset = meta_offset + len(meta)
    data_offset = leaf_offset + len(leaves)
    header = b"PMTiles" + bytes([3]) + struct.pack(
        "<11Q", root_offset, len(root), meta_offset, len(meta), leaf_offset, len(leaves),
        data_offset, len(blob), len(entries), len(entries), len(entries))
    header += bytes([1, 2 if gzip_index else 1, 1, 2, min(zooms), max(zooms)])
    west, south, east, north = bounds
    header += struct.pack("<4i", *(round(v * 1e7) for v in (west, south, east, north)))
    header += bytes([min(zooms)]) + struct.pack("<2i", 0, 0)
    assert len(header) == 127
    path.write_bytes(header + root + meta + bytes(leaves) + bytes(blob))
    return path
