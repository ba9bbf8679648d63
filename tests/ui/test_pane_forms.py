"""Issue 19 on the map pane: its height shared with the forms by a splitter the window
remembers, the geolocation and landmark forms in reading order, a multi-line Method, and a
search message that never squeezes the search field."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from desk.ui.shell.main_window import MainWindow
from tests.ui.conftest import OFFLINE_MAP
from tests.ui.map_fixtures import (
    kupiansk_fixture,  # noqa: F401 - fixture
    panel_factory_fixture,  # noqa: F401 - fixture
)
from tests.ui.test_forms import tab_walk
from tests.ui.test_window_map import open_with_map, sample_copy


def test_the_map_height_is_the_reviewers_and_is_remembered(
        qtbot: QtBot, map_window: MainWindow, tmp_path: Path) -> None:
    map_window.resize(1366, 768)
    panel = open_with_map(qtbot, map_window, sample_copy(tmp_path))
    QApplication.processEvents()
    splitter = panel.splitter
    assert splitter.indexOf(panel.view) == 0 and splitter.indexOf(panel.tabs) == 1
    assert panel.view.height() > panel.tabs.height()  # the map first, at 1366×768
    splitter.setSizes([250, 350])
    chosen = splitter.sizes()
    map_window.close()  # the window remembers how the pane was shared

    again = MainWindow(map_options=OFFLINE_MAP, map_delay_ms=None)
    qtbot.addWidget(again)
    again.resize(1366, 768)
    again.show()
    qtbot.waitExposed(again)
    try:
        again_folder = tmp_path / "again"
        again_folder.mkdir()
        assert again.open_case(sample_copy(again_folder))
        splitter = again.ensure_map().splitter
        QApplication.processEvents()
        restored = splitter.sizes()
        # As the reviewer left it, not the default (the map first).
        assert restored[0] < restored[1]
        assert abs(restored[0] / sum(restored) - chosen[0] / sum(chosen)) < 0.05, restored
    finally:
        again.close()
        again.deleteLater()


def test_geolocation_and_landmark_forms_tab_in_reading_order(
        qtbot: QtBot, kupiansk: Any, panel_factory: Any) -> None:
    case, ids = kupiansk
    panel = panel_factory(case)
    panel.show_evidence(ids["f1"])
    geolocation = [panel.position_field, panel.place_button, panel.heading_spin,
                   panel.fov_spin, panel.precision_spin, panel.confidence_combo,
                   panel.method_field, panel.remove_button]
    assert tab_walk(qtbot, geolocation[0], len(geolocation) - 1) == geolocation
    panel.tabs.setCurrentIndex(1)
    landmark = [panel.landmark_name, panel.landmark_position, panel.pick_button,
                panel.landmark_kind, panel.landmark_reference, panel.add_landmark_button]
    assert tab_walk(qtbot, landmark[0], len(landmark) - 1) == landmark


def test_method_takes_several_lines(qtbot: QtBot, kupiansk: Any, panel_factory: Any) -> None:
    case, ids = kupiansk
    panel = panel_factory(case)
    panel.show_evidence(ids["f1"])
    field = panel.method_field
    assert field.height() >= 2 * field.fontMetrics().lineSpacing()
    field.setFocus()
    field.selectAll()
    qtbot.keyClicks(field, "Matched the TV mast")
    qtbot.keyClick(field, Qt.Key.Key_Return)
    qtbot.keyClicks(field, "and the roofline")
    qtbot.keyClick(field, Qt.Key.Key_Tab)  # leaves the field: saved
    assert case.geolocation(ids["f1"]).method == "Matched the TV mast\nand the roofline"


def test_a_search_message_does_not_squeeze_the_search_field(
        qtbot: QtBot, kupiansk: Any, panel_factory: Any) -> None:
    case, _ = kupiansk
    panel = panel_factory(case)
    before = panel.search_field.width()
    panel.search_field.setText("Zzyzxqwv nowhere at all")
    panel.search_button.click()
    qtbot.waitUntil(lambda: "Nothing found" in panel.search_message.text()
                    or "nothing found" in panel.search_message.text(), timeout=10_000)
    QApplication.processEvents()
    message = panel.search_message.text()
    assert message.endswith(".") and "Error" not in message
    assert panel.search_field.width() >= before
    assert isinstance(panel.search_message.parentWidget(), QWidget)
