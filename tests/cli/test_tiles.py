"""`desk tiles info`: what a pack holds, as other tools read it (--json keys are a contract)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from desk.cli import main
from tests.mapping.packs import every_tile, write_mbtiles, write_pmtiles


def test_tiles_info_json_names_format_bounds_zooms_count_attribution(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pack = write_mbtiles(tmp_path / "survey.mbtiles", every_tile(2), metadata={
        "name": "Survey", "bounds": "37.55,49.68,37.68,49.74",
        "attribution": "<a href='https://example.org'>© Survey team</a>"})
    assert main(["tiles", "info", str(pack), "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert {k: info[k] for k in ("format", "name", "tile_type", "bounds", "min_zoom",
                                 "max_zoom", "tile_count", "attribution")} == {
        "format": "mbtiles", "name": "Survey", "tile_type": "png",
        "bounds": [37.55, 49.68, 37.68, 49.74], "min_zoom": 0, "max_zoom": 2,
        "tile_count": 21, "attribution": "© Survey team"}


def test_tiles_info_reads_pmtiles_and_prints_plain_text(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pack = write_pmtiles(tmp_path / "area.pmtiles", every_tile(3), leaf_size=10,
                         metadata={"name": "Area \x1b[2J cleared"})
    assert main(["tiles", "info", str(pack)]) == 0
    out = capsys.readouterr().out
    assert "PMTILES, PNG tiles" in out and "0–3" in out and "85" in out
    assert "\x1b" not in out  # a pack's text cannot drive the terminal


def test_tiles_info_on_a_file_that_is_not_a_pack_is_one_line_exit_2(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    other = tmp_path / "photo.mbtiles"
    other.write_bytes(b"\xff\xd8\xff\xe0 not a pack")
    assert main(["tiles", "info", str(other)]) == 2
    err = capsys.readouterr().err
    assert err == "desk: photo.mbtiles is not a tile pack (MBTiles or PMTiles)\n"
