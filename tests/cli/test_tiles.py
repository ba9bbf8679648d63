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


def _case(tmp_path: Path) -> Path:
    path = tmp_path / "case.deskcase"
    assert main(["new", str(path), "--title", "Imagery"]) == 0
    return path


def test_a_pack_added_to_a_case_is_referred_to_by_path_and_hash_and_logged(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import hashlib

    from desk.core.casefile import CaseFile

    case = _case(tmp_path)
    pack = write_pmtiles(tmp_path / "drone.pmtiles", every_tile(2))
    capsys.readouterr()
    assert main(["tiles", "add", str(case), str(pack), "--opacity", "0.6", "--json"]) == 0
    added = json.loads(capsys.readouterr().out)
    assert added["sha256"] == hashlib.sha256(pack.read_bytes()).hexdigest()
    assert (added["role"], added["opacity"], added["format"]) == ("overlay", 0.6, "pmtiles")
    assert added["path"] == str(pack.resolve())
    with CaseFile.open(case, read_only=True) as opened:
        entry = opened.audit_entries()[-1]
        assert entry.action == "add tile pack" and added["sha256"] in entry.detail
        assert opened.verify().ok
    # The same pack twice is refused in one line; the case keeps one reference.
    assert main(["tiles", "add", str(case), str(pack)]) == 2
    assert "already in the case" in capsys.readouterr().err


def test_tiles_list_says_which_packs_this_machine_lacks_or_has_in_another_version(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    case = _case(tmp_path)
    base = write_mbtiles(tmp_path / "base.mbtiles", every_tile(1))
    over = write_pmtiles(tmp_path / "over.pmtiles", every_tile(1))
    for pack in (base, over):
        assert main(["tiles", "add", str(case), str(pack)]) == 0
    capsys.readouterr()
    assert main(["tiles", "list", str(case), "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)["packs"]
    assert [(p["format"], p["role"], p["presence"]["state"]) for p in listed] == [
        ("mbtiles", "base", "found"), ("pmtiles", "overlay", "found")]
    # A colleague's machine: one pack absent, the other replaced by another version.
    base.unlink()
    write_pmtiles(over, every_tile(2))
    assert main(["tiles", "list", str(case)]) == 1
    out = capsys.readouterr().out
    assert "missing: no file at" in out and "different:" in out


def test_a_file_that_is_not_a_pack_is_never_added(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    case = _case(tmp_path)
    other = tmp_path / "notes.pmtiles"
    other.write_text("PMTiles? no")
    capsys.readouterr()
    assert main(["tiles", "add", str(case), str(other)]) == 2
    assert "notes.pmtiles" in capsys.readouterr().err
    assert main(["tiles", "list", str(case), "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == {"packs": []}
