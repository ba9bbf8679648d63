"""The organisation's own tile server in the window: set up in Edit › Settings… (checked, the
key masked), painted on the real map through desk's tile scheme with its key header (the page
itself reaches no host), and an area of it saved for offline use and added to the case as a
pack, stopped and resumed, without the key ever reaching the case file."""

from __future__ import annotations

import math
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QLabel, QLineEdit
from pytestqt.qtbot import QtBot

from desk.mapping import scene
from desk.mapping.area_download import OrgServer
from desk.mapping.page import DEFAULT_CENTER
from desk.ui.map import map_settings
from desk.ui.map.map_view import MapView
from desk.ui.map.settings_dialog import MapSettingsDialog
from desk.ui.shell.main_window import MainWindow
from tests.mapping.org_tiles import KEY, KEY_HEADER, OrgTileServer
from tests.mapping.packs import colour_of
from tests.ui.conftest import DialogRecorder
from tests.ui.map_fixtures import evaluate, flush_deletes

Z = 15
SIZE = (640, 420)
CREDIT = "© Org imagery <team> 2025"


@pytest.fixture
def server() -> Iterator[OrgTileServer]:
    running = OrgTileServer()
    yield running
    running.stop()


def _configure(server: OrgTileServer) -> OrgServer:
    org = OrgServer(server.template, KEY_HEADER, KEY, CREDIT, 18)
    map_settings.save_org_server(org)
    return org


def _centre_tile(zoom: int = Z) -> tuple[int, int, float]:
    lat, lon = DEFAULT_CENTER
    n = 1 << zoom
    fx = (lon + 180.0) / 360.0 * n
    fy = (1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n
    return int(fx), int(fy), fx - int(fx)


def _pixel(view: MapView, x: int, y: int) -> tuple[int, int, int]:
    colour = view.grab().toImage().pixelColor(x, y)
    return colour.red(), colour.green(), colour.blue()


def test_settings_refuse_a_template_that_cannot_work_and_mask_the_key(qtbot: QtBot) -> None:
    dialog = MapSettingsDialog()
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.template_field.setText("tiles.example.org/{z}/{x}/{y}.png")
    dialog.header_name_field.setText(KEY_HEADER)
    dialog.key_field.setText(KEY)
    dialog.buttons.button(dialog.buttons.StandardButton.Ok).click()
    assert dialog.isVisible() and dialog.error.isVisible()
    assert "must start with https:// or http://" in dialog.error.text()
    assert map_settings.org_server() is None  # nothing was saved
    dialog.template_field.setText("https://tiles.example.org/{z}/{x}.png")
    dialog.save()
    assert "lacks {y}" in dialog.error.text() and dialog.isVisible()

    # Every field is reached by its Alt+letter, and the key is masked unless asked.
    assert dialog.key_field.echoMode() == QLineEdit.EchoMode.Password
    buddies = {label.buddy() for label in dialog.findChildren(QLabel) if label.buddy()}
    assert {dialog.cache_spin, dialog.template_field, dialog.header_name_field,
            dialog.key_field, dialog.attribution_field, dialog.max_zoom_spin} <= buddies
    dialog.activateWindow()
    dialog.template_field.setFocus()
    qtbot.waitUntil(lambda: dialog.template_field.hasFocus(), timeout=2_000)
    qtbot.keyClick(dialog.template_field, Qt.Key.Key_K, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: dialog.key_field.hasFocus(), timeout=2_000)
    dialog.show_key.setChecked(True)
    assert dialog.key_field.echoMode() == QLineEdit.EchoMode.Normal

    dialog.template_field.setText("https://tiles.example.org/{z}/{x}/{y}.png")
    dialog.attribution_field.setText(CREDIT)
    dialog.max_zoom_spin.setValue(17)
    dialog.cache_spin.setValue(750)
    with qtbot.waitSignal(dialog.saved):
        dialog.buttons.button(dialog.buttons.StandardButton.Ok).click()
    assert not dialog.isVisible()
    stored = map_settings.org_server()
    assert stored == OrgServer("https://tiles.example.org/{z}/{x}/{y}.png", KEY_HEADER, KEY,
                               CREDIT, 17)
    assert map_settings.cache_limit_mb() == 750
    assert os.stat(QSettings().fileName()).st_mode & 0o077 == 0  # the owner's only

    again = MapSettingsDialog()
    qtbot.addWidget(again)
    assert again.template_field.text() == stored.template
    assert again.key_field.echoMode() == QLineEdit.EchoMode.Password
    again.template_field.clear()
    again.header_name_field.clear()
    again.key_field.clear()
    again.save()
    assert map_settings.org_server() is None


def test_the_map_paints_the_servers_tiles_sent_with_its_key(
        qtbot: QtBot, server: OrgTileServer) -> None:
    _configure(server)
    view = MapView(base_layers=map_settings.web_layers(()))
    qtbot.addWidget(view)
    view.resize(*SIZE)
    view.show()
    data = scene.build_scene([], [], [])
    data["zoom"] = Z
    try:
        view.show_scene(data)
        qtbot.waitUntil(lambda: view.is_ready, timeout=15_000)
        cx, cy, ox = _centre_tile()
        middle = (SIZE[0] // 2, SIZE[1] // 2)
        east = middle[0] + round((1 - ox) * 256) + 20
        qtbot.waitUntil(lambda: _pixel(view, *middle) == colour_of(Z, cx, cy)
                        and _pixel(view, east, middle[1]) == colour_of(Z, cx + 1, cy),
                        timeout=15_000)
        assert server.keys_seen and set(server.keys_seen) == {KEY}
        attribution = evaluate(qtbot, view, "document.querySelector("
                                            "'.leaflet-control-attribution').textContent")
        assert CREDIT in attribution
        page = (view.folder / "index.html").read_text(encoding="utf-8")
        policy = re.search(r'Content-Security-Policy" content="([^"]*)"', page)
        assert policy is not None
        assert re.search(r"img-src file: data: desk-tiles:\s*;", policy.group(1))
        # The page names the server (its layer) but reaches no host and never sees the key.
        assert "http://127.0.0.1" not in page and KEY not in page and KEY_HEADER not in page
        assert not view.requests.blocked
    finally:
        view.dispose()
        flush_deletes()


def test_the_map_follows_no_redirect_that_would_take_the_key_away(qtbot: QtBot) -> None:
    other = OrgTileServer(key="")
    away = OrgTileServer(redirect_to=f"http://localhost:{other.port}")
    map_settings.save_org_server(OrgServer(
        f"http://127.0.0.1:{away.port}/away/{{z}}/{{x}}/{{y}}.png", KEY_HEADER, KEY))
    view = MapView(base_layers=map_settings.web_layers(()))
    qtbot.addWidget(view)
    view.resize(*SIZE)
    view.show()
    data = scene.build_scene([], [], [])
    data["zoom"] = Z
    try:
        view.show_scene(data)
        qtbot.waitUntil(lambda: view.is_ready and away.redirected >= 4, timeout=15_000)
        qtbot.wait(300)
        assert other.asked.total() == 0 and other.keys_seen == []
    finally:
        view.dispose()
        flush_deletes()
        other.stop()
        away.stop()


def test_save_area_needs_the_organisations_server(
        window: MainWindow, qtbot: QtBot, case_path: Path, dialogs: DialogRecorder) -> None:
    assert window.open_case(case_path)
    window.org_imagery.save_area_action.trigger()
    assert window.org_imagery.area_dialog is None
    assert dialogs.errors and "forbid bulk download" in dialogs.errors[-1][1]


def _area_dialog(window: MainWindow, qtbot: QtBot) -> Any:
    window.org_imagery.save_area_action.trigger()
    qtbot.waitUntil(lambda: window.org_imagery.area_dialog is not None, timeout=10_000)
    return window.org_imagery.area_dialog


def test_an_area_saved_from_the_window_is_added_to_the_case_without_the_key(
        map_window: MainWindow, qtbot: QtBot, case_path: Path, tmp_path: Path) -> None:
    slow = OrgTileServer(delay_s=0.05)
    try:
        _configure(slow)
        assert map_window.open_case(case_path)
        panel = map_window.ensure_map()
        qtbot.waitUntil(lambda: panel.view.is_ready, timeout=15_000)
        state = evaluate(qtbot, panel.view, "deskMap.probe()")
        lat, lon = state["centre"]
        dialog = _area_dialog(map_window, qtbot)
        area = dialog.area()  # what the map shows
        assert area.south < lat < area.north and area.west < lon < area.east
        dialog.zoom_from.setValue(12)
        dialog.zoom_to.setValue(16)
        count = dialog.count()
        assert f"{count:,} tiles at zooms 12–16" in dialog.estimate_label.text()
        dialog.zoom_to.setValue(18)
        dialog.zoom_from.setValue(0)
        dialog.edges["west"].setValue(-180)
        dialog.edges["east"].setValue(180)
        assert "desk saves at most 250,000" in dialog.estimate_label.text()
        assert not dialog.start_button.isEnabled()
        for name in ("south", "west", "north", "east"):
            dialog.edges[name].setValue(getattr(area, name))
        dialog.zoom_from.setValue(12)
        dialog.zoom_to.setValue(16)
        out = tmp_path / "saved area.mbtiles"
        dialog.out_field.setText(str(out))

        # Stopped halfway: the tiles so far stay, and Resume fetches only the rest.
        dialog.start_button.click()
        qtbot.waitUntil(lambda: slow.asked.total() >= 4, timeout=10_000)
        dialog.cancel_button.click()
        qtbot.waitUntil(lambda: dialog.job is None, timeout=15_000)
        first = dialog.report
        assert first is not None and first.cancelled and first.saved < count
        assert "Resume" in dialog.start_button.text()
        assert map_window.case.tile_packs() == []
        with qtbot.waitSignal(map_window.tile_packs.added, timeout=30_000):
            dialog.start_button.click()
        second = dialog.report
        assert second is not None and not second.cancelled
        assert (second.already, second.saved) == (first.saved, count - first.saved)
    finally:
        slow.stop()
    packs = map_window.case.tile_packs()
    assert len(packs) == 1 and packs[0].attribution == CREDIT
    assert Path(packs[0].path) == out.resolve()
    qtbot.waitUntil(lambda: any(layer.pack_key for layer in panel.view.pack_layers),
                    timeout=5_000)
    raw = case_path.read_bytes()
    assert KEY.encode() not in raw and slow.template.encode() not in raw
    assert KEY.encode() not in out.read_bytes()


def test_settings_saved_from_the_menu_reach_the_open_map(
        map_window: MainWindow, qtbot: QtBot, case_path: Path, server: OrgTileServer) -> None:
    assert map_window.open_case(case_path)
    panel = map_window.ensure_map()
    qtbot.waitUntil(lambda: panel.view.is_ready, timeout=15_000)
    assert panel.view.base_layers == ()  # no tile server yet: the map says it is offline
    map_window.org_imagery.settings_action.trigger()
    dialog = map_window.org_imagery.settings_dialog
    assert dialog is not None and dialog.isVisible()
    dialog.template_field.setText(server.template)
    dialog.header_name_field.setText(KEY_HEADER)
    dialog.key_field.setText(KEY)
    dialog.attribution_field.setText(CREDIT)
    dialog.cache_spin.setValue(300)
    dialog.buttons.button(dialog.buttons.StandardButton.Ok).click()
    assert map_window.org_imagery.settings_dialog is None
    assert [layer.attribution for layer in panel.view.base_layers] == [CREDIT]
    assert panel.view.tile_cache is not None
    assert panel.view.tile_cache.limit_bytes == 300 * 2**20
    qtbot.waitUntil(lambda: panel.view.is_ready, timeout=15_000)
    qtbot.waitUntil(lambda: bool(server.keys_seen), timeout=15_000)
    assert set(server.keys_seen) == {KEY}
    attribution = evaluate(qtbot, panel.view, "document.querySelector("
                                              "'.leaflet-control-attribution').textContent")
    assert CREDIT in attribution


def test_an_area_saved_again_into_the_same_pack_replaces_its_reference(
        window: MainWindow, qtbot: QtBot, case_path: Path, tmp_path: Path,
        server: OrgTileServer) -> None:
    _configure(server)
    assert window.open_case(case_path)
    dialog = _area_dialog(window, qtbot)  # no map: the area is typed in
    assert not dialog.start_button.isEnabled()
    for name, value in (("north", 49.72), ("south", 49.705), ("west", 37.585),
                        ("east", 37.62)):
        dialog.edges[name].setValue(value)
    dialog.zoom_from.setValue(12)
    dialog.zoom_to.setValue(13)
    out = tmp_path / "grown.mbtiles"
    dialog.out_field.setText(str(out))
    with qtbot.waitSignal(window.tile_packs.added, timeout=30_000):
        dialog.start_button.click()
    first = window.case.tile_packs()
    qtbot.waitUntil(lambda: dialog.job is None, timeout=5_000)
    dialog.zoom_to.setValue(15)  # the same area, deeper
    with qtbot.waitSignal(window.tile_packs.added, timeout=30_000):
        dialog.start_button.click()
    qtbot.waitUntil(lambda: len(window.case.tile_packs()) == 1
                    and window.case.tile_packs()[0].sha256 != first[0].sha256, timeout=5_000)
    assert dialog.report is not None and dialog.report.already == dialog.count() - (
        dialog.report.saved) > 0
    actions = [entry.action for entry in window.case.audit_entries()]
    assert actions[-3:] == ["add tile pack", "add tile pack", "remove tile pack"]
