"""`desk tiles download`: an area of an organisation's tile server (on 127.0.0.1) saved as a
pack and added to the case; the key taken from the environment stays out of the case."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from desk.cli import main
from desk.core.casefile import CaseFile
from tests.mapping.org_tiles import KEY, KEY_HEADER, OrgTileServer


@pytest.fixture
def case_file(tmp_path: Path) -> Path:
    path = tmp_path / "field.deskcase"
    CaseFile.create(path, "Field case").close()
    return path


def test_download_saves_the_area_and_adds_the_pack(
        case_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    server = OrgTileServer()
    monkeypatch.setenv("DESK_TILE_KEY", KEY)
    out = tmp_path / "area.mbtiles"
    try:
        code = main(["tiles", "download", str(case_file), "--url", server.template,
                     "--bbox", "49.705,37.585,49.72,37.62", "--zoom", "12-14",
                     "--header", KEY_HEADER, "--attribution", "© Org imagery",
                     "--out", str(out), "--json"])
    finally:
        server.stop()
    assert code == 0
    result = json.loads(capsys.readouterr().out)
    assert result["saved"] == result["total"] == len(server.asked) > 0
    assert result["pack"]["attribution"] == "© Org imagery"
    assert main(["tiles", "list", str(case_file), "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)["packs"]
    assert [p["path"] for p in listed] == [str(out.resolve())]
    assert KEY.encode() not in case_file.read_bytes()


def test_download_refuses_public_providers_and_bad_templates(
        case_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    common = ["--bbox", "49.70,37.58,49.72,37.62", "--zoom", "12-13", "--out",
              str(tmp_path / "a.mbtiles")]
    assert main(["tiles", "download", str(case_file), "--url",
                 "https://tile.openstreetmap.org/{z}/{x}/{y}.png", *common]) == 2
    assert "usage policies forbid bulk download" in capsys.readouterr().err
    assert main(["tiles", "download", str(case_file), "--url",
                 "https://tiles.example.org/{z}/{x}.png", *common]) == 2
    assert "lacks {y}" in capsys.readouterr().err
    assert not (tmp_path / "a.mbtiles").exists()
