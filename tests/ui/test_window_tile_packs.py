"""Adding a tile pack from the window: hashed on a worker, recorded through the undo stack,
shown on the map; a pack the case expects but this machine lacks is named on the map; work
offline is remembered and reaches the map."""

from __future__ import annotations

from pathlib import Path

from pytestqt.qtbot import QtBot

from desk.core.casefile import CaseFile
from desk.ui.shell.main_window import MainWindow
from tests.mapping.packs import every_tile, write_mbtiles, write_pmtiles
from tests.ui.conftest import DialogRecorder
from tests.ui.map_fixtures import evaluate


def _open(window: MainWindow, path: Path) -> None:
    assert window.open_case(path)


def test_a_pack_added_from_the_window_is_on_the_map_and_one_undo_removes_it(
        map_window: MainWindow, qtbot: QtBot, case_path: Path, tmp_path: Path) -> None:
    pack = write_pmtiles(tmp_path / "drone survey.pmtiles", every_tile(3),
                         metadata={"name": "Drone survey", "type": "baselayer"})
    _open(map_window, case_path)
    panel = map_window.ensure_map()
    qtbot.waitUntil(lambda: panel.view.is_ready, timeout=15_000)
    with qtbot.waitSignal(map_window.tile_packs.added, timeout=15_000):
        map_window.tile_packs.add(pack)
    assert [p.name for p in map_window.case.tile_packs()] == ["Drone survey"]
    assert map_window.case.audit_entries()[-1].action == "add tile pack"
    qtbot.waitUntil(lambda: [layer.name for layer in panel.view.pack_layers] == ["Drone survey"],
                    timeout=5_000)
    qtbot.waitUntil(lambda: panel.view.is_ready, timeout=15_000)
    names = evaluate(qtbot, panel.view, "Array.from(document.querySelectorAll("
                                        "'.leaflet-control-layers-base label')).map(l =>"
                                        " l.textContent.trim())")
    assert names is not None and "Drone survey" in names
    map_window.undo_action.trigger()
    assert map_window.case.tile_packs() == []
    qtbot.waitUntil(lambda: panel.view.pack_layers == (), timeout=5_000)


def test_a_file_that_is_not_a_pack_is_refused_in_words(
        window: MainWindow, qtbot: QtBot, case_path: Path, tmp_path: Path,
        dialogs: DialogRecorder) -> None:
    other = tmp_path / "notes.mbtiles"
    other.write_text("meeting notes, not a pack")
    _open(window, case_path)
    with qtbot.waitSignal(window.tile_packs.failed, timeout=15_000) as failed:
        window.tile_packs.add(other)
    assert failed.args == ["notes.mbtiles is not a tile pack (MBTiles or PMTiles)"]
    assert window.case.tile_packs() == []


def test_a_pack_this_machine_lacks_is_named_on_the_map(
        map_window: MainWindow, qtbot: QtBot, case_path: Path, tmp_path: Path) -> None:
    from desk.core import commands
    from desk.mapping.tilepacks import reference_for

    pack = write_mbtiles(tmp_path / "colleague.mbtiles", every_tile(1),
                         metadata={"name": "Colleague's pack"})
    with CaseFile.open(case_path) as case:
        commands.add_tile_pack(case, reference_for(pack)).apply(case)
    pack.unlink()  # the case travelled; the pack did not
    _open(map_window, case_path)
    panel = map_window.ensure_map()
    qtbot.waitUntil(lambda: panel.imagery_message.isVisible(), timeout=5_000)
    text = panel.imagery_message.text()
    assert "Colleague's pack" in text and "no file at" in text and "SHA-256" in text


def test_work_offline_is_remembered_and_reaches_the_map(
        map_window: MainWindow, qtbot: QtBot, case_path: Path) -> None:
    from desk.ui.shell.tile_packs import work_offline

    _open(map_window, case_path)
    panel = map_window.ensure_map()
    map_window.tile_packs.offline_action.setChecked(True)
    assert work_offline() and panel.view.tiles.offline
    map_window.tile_packs.offline_action.setChecked(False)
    assert not work_offline() and not panel.view.tiles.offline
