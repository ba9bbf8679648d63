"""File ▸ Export map data… and File ▸ Import landmarks from KML/GeoJSON… in the window: the
file written in the format the dialog's filter chose, the import said in the status bar, and
one Edit ▸ Undo taking the whole import back."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PySide6.QtGui import QAction
from pytestqt.qtbot import QtBot

from desk.ui.shell import geo_exchange
from desk.ui.shell.geo_exchange import GEOJSON_FILTER, KML_FILTER, export_target
from desk.ui.shell.main_window import MainWindow
from tests.ui.conftest import DialogRecorder

PLACES = """<?xml version="1.0" encoding="UTF-8"?>
<kml xmlns="http://www.opengis.net/kml/2.2"><Document><Folder><name>Survey</name>
<Placemark><name>Water tower</name><Point><coordinates>37.6101,49.7112,0</coordinates></Point>
</Placemark>
<Placemark><name>&lt;b&gt;Church&lt;/b&gt;</name><description><![CDATA[<i>gold</i> dome]]>
</description><Point><coordinates>37.6190,49.7090</coordinates></Point></Placemark>
<Placemark><name>Bridge</name><Point><coordinates>37.6000,49.7000</coordinates></Point>
</Placemark>
<Placemark><name>Main road</name><LineString><coordinates>37.60,49.70 37.62,49.72
</coordinates></LineString></Placemark>
</Folder></Document></kml>
"""


def _file_action(window: MainWindow, text: str) -> QAction:
    (menu,) = [a.menu() for a in window.menuBar().actions() if a.text() == "&File"]
    matches = [a for a in menu.actions() if a.text() == text]
    assert len(matches) == 1, [a.text() for a in menu.actions()]
    return matches[0]


def test_import_adds_the_points_says_so_and_one_undo_removes_them(
        qtbot: QtBot, window: MainWindow, case_path: Path, tmp_path: Path,
        dialogs: DialogRecorder, monkeypatch: pytest.MonkeyPatch) -> None:
    source = tmp_path / "places.kml"
    source.write_text(PLACES, encoding="utf-8")
    monkeypatch.setattr(geo_exchange, "choose_import_file", lambda *a, **k: source)
    action = _file_action(window, "Import landmarks from KML/GeoJSON…")
    assert not action.isEnabled()  # no case open yet
    assert window.open_case(case_path)
    assert action.isEnabled()
    assert window.case is not None and window.case.landmarks() == []

    with qtbot.waitSignal(window.geo_exchange.imported, timeout=10_000):
        action.trigger()
    assert dialogs.errors == []
    names = [lm.name for lm in window.case.landmarks()]
    assert names == ["Water tower", "<b>Church</b>", "Bridge"]
    church = window.case.landmarks()[1]
    assert (church.lat, church.lon, church.notes) == (49.709, 37.619, "gold dome")
    message = window.statusBar().currentMessage()
    assert message.startswith("3 landmarks imported, 1 line skipped (only points become"
                              " landmarks) from places.kml.")
    assert window.undo_stack.undoText() == "Import 3 landmarks from places.kml"

    window.undo_action.trigger()
    assert window.case.landmarks() == []
    assert "Import 3 landmarks from places.kml" in window.statusBar().currentMessage()
    window.redo_action.trigger()
    assert [lm.name for lm in window.case.landmarks()] == names


def test_an_unusable_file_is_a_dialog_in_words_and_changes_nothing(
        qtbot: QtBot, window: MainWindow, case_path: Path, tmp_path: Path,
        dialogs: DialogRecorder, monkeypatch: pytest.MonkeyPatch) -> None:
    source = tmp_path / "laughs.kml"
    source.write_text('<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "a">]><kml/>')
    monkeypatch.setattr(geo_exchange, "choose_import_file", lambda *a, **k: source)
    assert window.open_case(case_path)
    with qtbot.waitSignal(window.geo_exchange.failed, timeout=10_000):
        _file_action(window, "Import landmarks from KML/GeoJSON…").trigger()
    assert len(dialogs.errors) == 1
    title, message = dialogs.errors[0]
    assert title == "Landmarks not imported" and "DOCTYPE" in message
    assert window.case is not None and window.case.landmarks() == []
    assert not window.undo_stack.canUndo()


def test_export_writes_the_format_the_filter_chose(
        qtbot: QtBot, window: MainWindow, case_path: Path, tmp_path: Path,
        dialogs: DialogRecorder, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "out" / "map"
    target.parent.mkdir()
    monkeypatch.setattr(geo_exchange, "choose_export_file",
                        lambda *a, **k: export_target(target, GEOJSON_FILTER))
    action = _file_action(window, "Export map data…")
    assert window.open_case(case_path)
    with qtbot.waitSignal(window.geo_exchange.exported, timeout=10_000):
        action.trigger()
    assert dialogs.errors == []
    written = target.with_name("map.geojson")
    data = json.loads(written.read_text(encoding="utf-8"))
    assert data["type"] == "FeatureCollection"
    assert [f["properties"]["kind"] for f in data["features"]] == ["camera"]
    assert window.statusBar().currentMessage() == (
        "Exported map data to map.geojson: 1 camera position, 0 view cones, 0 landmarks,"
        " 0 movement tracks.")


def test_the_name_wins_over_the_filter_when_it_names_a_format() -> None:
    assert export_target(Path("a/map"), KML_FILTER) == (Path("a/map.kml"), "kml")
    assert export_target(Path("a/map"), GEOJSON_FILTER) == (Path("a/map.geojson"), "geojson")
    assert export_target(Path("a/map.geojson"), KML_FILTER) == (Path("a/map.geojson"),
                                                                "geojson")
    assert export_target(Path("a/map.KML"), GEOJSON_FILTER) == (Path("a/map.KML"), "kml")
