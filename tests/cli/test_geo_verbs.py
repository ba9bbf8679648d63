"""`desk geo-export` and `desk geo-import` as a script calls them: files written whole and
never overwritten by surprise, landmarks added through the named command, exit codes and
--json keys as documented, hostile files refused in one line."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from desk.bundled import sample_cases_dir
from desk.core.casefile import CaseFile
from desk.core.identity import user_config_dir
from tests.cli.conftest import Desk
from tests.dossier.conftest import Built, build_case


@pytest.fixture
def fresh(desk: Desk, tmp_path: Path) -> Path:
    case = tmp_path / "fresh.deskcase"
    assert desk("new", case, "--title", "Fresh").code == 0
    return case


def _landmarks(path: Path) -> list[tuple[str, float, float, bool]]:
    with CaseFile.open(path, read_only=True) as case:
        return [(lm.name, lm.lat, lm.lon, lm.is_reference) for lm in case.landmarks()]


@pytest.mark.parametrize("fmt", ["kml", "geojson"])
def test_export_then_import_into_a_fresh_case(desk: Desk, built: Built, fresh: Path,
                                              tmp_path: Path, fmt: str) -> None:
    out = tmp_path / f"map.{fmt}"
    exported = desk("geo-export", built.path, "--format", fmt, "--out", out)
    assert exported.code == 0, exported.err
    assert exported.out.startswith(f"wrote {out} ({fmt.upper()}): 1 camera position, 1 view"
                                   " cone, 2 landmarks, 1 movement track")
    imported = desk("geo-import", fresh, out)
    assert imported.code == 0, imported.err
    assert imported.out.splitlines()[-1].startswith("2 landmarks imported, 1 camera position,"
                                                    " 1 view cone and 1 movement track skipped")
    assert _landmarks(fresh) == _landmarks(built.path)


def test_json_keys_of_both_verbs(desk: Desk, built: Built, fresh: Path, tmp_path: Path) -> None:
    out = tmp_path / "map.geojson"
    exported = desk("geo-export", built.path, "--out", out, "--json")  # format from the name
    assert exported.code == 0
    data = exported.json()
    assert set(data) == {"out", "format", "bytes", "replaced", "counts",
                         "arrows_without_track"}
    assert data["format"] == "geojson" and data["bytes"] == out.stat().st_size
    assert data["counts"] == {"cameras": 1, "view_cones": 1, "landmarks": 2, "tracks": 1}
    assert json.loads(out.read_text(encoding="utf-8"))["type"] == "FeatureCollection"

    imported = desk("geo-import", fresh, out, "--json")
    assert imported.code == 0
    report = imported.json()
    assert set(report) == {"case", "file", "sha256", "format", "imported", "landmarks",
                           "skipped", "details", "summary", "complete"}
    assert report["imported"] == 2 and report["complete"] is True
    assert report["sha256"] == hashlib.sha256(out.read_bytes()).hexdigest()
    assert [lm["name"] for lm in report["landmarks"]] == ["Mast", "Centre"]  # type: ignore
    again = desk("geo-import", fresh, out, "--json").json()
    assert again["imported"] == 0 and again["skipped"]["duplicates"] == 2  # type: ignore


def test_export_refuses_to_overwrite_without_replace(desk: Desk, built: Built,
                                                     tmp_path: Path) -> None:
    out = tmp_path / "mine.kml"
    out.write_text("my notes")
    refused = desk("geo-export", built.path, "--out", out)
    assert refused.code == 2 and "--replace" in refused.err and refused.out == ""
    assert out.read_text() == "my notes"
    replaced = desk("geo-export", built.path, "--out", out, "--replace", "--json")
    assert replaced.code == 0 and replaced.json()["replaced"] is True
    assert out.read_text(encoding="utf-8").startswith("<?xml")


@pytest.mark.parametrize(("args", "message"), [
    (["--out", "map.txt"], "give --format kml or --format geojson"),
    (["--out", "map.kml", "--format", "shapefile"], "invalid choice"),
    ([], "--out"),
])
def test_export_usage_errors_are_one_line(desk: Desk, built: Built, tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch, args: list[str],
                                          message: str) -> None:
    monkeypatch.chdir(tmp_path)
    ran = desk("geo-export", built.path, *args)
    assert ran.code == 2 and message in ran.err and len(ran.err.strip().splitlines()) == 1
    assert not (tmp_path / "map.kml").exists() and not (tmp_path / "map.txt").exists()


def test_export_of_something_not_a_case(desk: Desk, tmp_path: Path) -> None:
    junk = tmp_path / "junk.deskcase"
    junk.write_bytes(b"not sqlite at all")
    ran = desk("geo-export", junk, "--out", tmp_path / "x.kml")
    assert ran.code == 2 and "Traceback" not in ran.err
    assert not (tmp_path / "x.kml").exists()


def test_import_exit_1_when_points_were_left_out(desk: Desk, fresh: Path,
                                                 tmp_path: Path) -> None:
    features = [
        {"type": "Feature", "properties": {"name": "Mast"},
         "geometry": {"type": "Point", "coordinates": [37.5882, 49.7165]}},
        {"type": "Feature", "properties": {"name": "Road"},
         "geometry": {"type": "LineString", "coordinates": [[1, 2], [3, 4]]}},
        {"type": "Feature", "properties": {"name": "Quoted\u202e\x1b[31m"},
         "geometry": {"type": "Point", "coordinates": ["37.5", 49.5]}},
    ]
    source = tmp_path / "mixed.geojson"
    source.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    ran = desk("geo-import", fresh, source)
    assert ran.code == 1
    assert ran.out.splitlines()[-1] == (
        "1 landmark imported, 1 line skipped (only points become landmarks), 1 point with"
        " unusable coordinates skipped (not numbers, or off the globe) from mixed.geojson.")
    # Controls out of the name, and what a terminal would act on escaped when printed.
    assert "skipped  Quoted\\u202e[31m: the coordinates" in ran.err
    assert "\x1b" not in ran.err and "\u202e" not in ran.err
    assert _landmarks(fresh) == [("Mast", 49.7165, 37.5882, False)]
    with CaseFile.open(fresh, read_only=True) as case:
        actions = [e.action for e in case.audit_entries()]
    assert actions[-2:] == ["import landmarks", "add landmark"]


@pytest.mark.parametrize(("content", "message"), [
    (b'<?xml version="1.0"?><!DOCTYPE k [<!ENTITY a "aaaa">]><kml/>', "DOCTYPE"),
    (b"\xff\xfe\x00garbage", "not readable KML"),
    (b"{\"type\": ", "not valid JSON"),
])
def test_import_refuses_a_bad_file_in_one_line(desk: Desk, fresh: Path, tmp_path: Path,
                                               content: bytes, message: str) -> None:
    source = tmp_path / "bad.kml"
    source.write_bytes(content)
    before = fresh.read_bytes()
    ran = desk("geo-import", fresh, source, "--json")
    assert ran.code == 2 and message in ran.err and ran.out == ""
    assert len(ran.err.strip().splitlines()) == 1 and "Traceback" not in ran.err
    assert fresh.read_bytes() == before


def test_import_of_a_missing_file(desk: Desk, fresh: Path, tmp_path: Path) -> None:
    ran = desk("geo-import", fresh, tmp_path / "nowhere.kml")
    assert ran.code == 2 and "There is no file" in ran.err


def test_import_into_a_shipped_sample_writes_the_working_copy(desk: Desk, built: Built,
                                                              tmp_path: Path) -> None:
    sample = sample_cases_dir() / "valdai.deskcase"
    before = sample.read_bytes()
    other = build_case(tmp_path / "other.deskcase")
    out = tmp_path / "places.kml"
    assert desk("geo-export", other.path, "--out", out).code == 0
    ran = desk("geo-import", sample, out)
    assert ran.code == 0
    copy = user_config_dir() / "samples" / sample.name
    assert f"writes to your working copy {copy}" in ran.err
    assert sample.read_bytes() == before
    assert {"Mast", "Centre"} <= {name for name, *_ in _landmarks(copy)}
