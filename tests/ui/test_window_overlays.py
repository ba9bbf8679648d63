"""Reference overlays from the window: the compare actions are in the View menu with their
keys, the keys reach the map, and Tools › Place Reference Overlay… opens the placement dialog
(closed with the window)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtTest import QTest
from pytestqt.qtbot import QtBot

from desk.core import commands
from desk.core.casefile import CaseFile
from desk.ui.shell.main_window import MainWindow
from tests.ui.map_fixtures import wait_probe
from tests.ui.overlay_fixtures import PAIR_POINTS, Truth, add_png, still_png


def _menu_entries(window: MainWindow, title: str) -> dict[str, str]:
    menu = next(a.menu() for a in window.menuBar().actions() if a.text() == title)
    return {a.text(): a.shortcut().toString(QKeySequence.SequenceFormat.PortableText)
            for a in menu.actions() if not a.isSeparator()}


def test_compare_keys_are_in_the_menu_and_reach_the_map(
        map_window: MainWindow, qtbot: QtBot, case_path: Path) -> None:
    with CaseFile.open(case_path) as case:
        still = add_png(case, "older_still.png", still_png())
        commands.place_overlay(case, still, Truth().pairs(PAIR_POINTS)).apply(case)
    assert map_window.open_case(case_path)
    panel = map_window.ensure_map()
    qtbot.waitUntil(lambda: panel.view.is_ready, timeout=15_000)
    wait_probe(qtbot, panel.view, lambda p: len(p["overlays"]) == 1 and p["overlays_loaded"])

    view_menu = _menu_entries(map_window, "&View")
    assert {name: view_menu[name] for name in ("Show Reference Overlays", "Flicker Overlays",
                                               "Swipe Overlays")} == {
        "Show Reference Overlays": "O", "Flicker Overlays": "Shift+O", "Swipe Overlays": "W"}
    assert _menu_entries(map_window, "&Tools")["Place Reference Overlay…"] == "Ctrl+Shift+O"
    compare = map_window.overlay_compare
    assert all(action.isEnabled() for action in compare.compare_actions())

    map_window.evidence_list.setFocus()
    QTest.keyClick(map_window.evidence_list, Qt.Key.Key_W)
    wait_probe(qtbot, panel.view, lambda p: p["swipe"] is not None)
    QTest.keyClick(map_window.evidence_list, Qt.Key.Key_O)
    wait_probe(qtbot, panel.view, lambda p: not p["overlays_visible"])
    assert compare.swipe_action.isChecked() and not compare.show_action.isChecked()

    compare.place_action.trigger()
    dialog = panel.placement
    assert dialog is not None and dialog.isVisible()
    assert dialog.windowTitle() == "Place reference overlay"
    qtbot.waitUntil(lambda: dialog.map.is_ready, timeout=15_000)
    # Closing the window closes the dialog and its map (the fixture checks nothing is left).
