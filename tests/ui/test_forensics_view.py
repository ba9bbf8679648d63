"""The Forensics tab: the chosen aid for the selected item, the still's size, labelled as an
aid everywhere it shows (the tab, the frame), recomputed for another aid or item."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QSize
from pytestqt.qtbot import QtBot

from desk.core.forensic_aids import AID_NOTE, ELA, LEVELS, NOISE
from desk.ui.frame.forensics_view import ForensicsPanel
from desk.ui.shell.main_window import MainWindow

NOTE = "an aid that needs interpretation, not a verdict"
TIMEOUT = 30_000


@pytest.fixture
def panel(qtbot: QtBot, window: MainWindow, case_path: Path) -> ForensicsPanel:
    assert window.open_case(case_path)
    window.evidence_list.select_evidence(_id(window, "edited.jpg"))
    qtbot.waitUntil(lambda: window.frame_view.is_full_resolution, timeout=TIMEOUT)
    window.forensics_action.trigger()
    return window.forensics_panel


def _id(window: MainWindow, name: str) -> int:
    assert window.case is not None
    return next(e.id for e in window.case.list_evidence() if e.name == name)


def _wait_for_aid(qtbot: QtBot, panel: ForensicsPanel, kind: str) -> None:
    qtbot.waitUntil(lambda: panel.result is not None and panel.result.request.kind == kind
                    and not panel.computing, timeout=TIMEOUT)


def test_opening_the_tab_computes_ela_of_the_selected_item(
        qtbot: QtBot, window: MainWindow, panel: ForensicsPanel) -> None:
    assert window.inspector.tabs.currentWidget() is panel
    _wait_for_aid(qtbot, panel, ELA)
    result = panel.result
    assert result is not None and (result.width, result.height) == (800, 450)
    assert panel.shown_for == _id(window, "edited.jpg")
    assert AID_NOTE in panel.note.text()
    assert NOTE in panel.caption.text() and "not proof of editing" in panel.caption.text()
    assert "800 × 450 px" in panel.summary.text()
    assert not panel.preview.pixmap().isNull()


def test_noise_and_levels_are_the_still_size_and_labelled(
        qtbot: QtBot, panel: ForensicsPanel) -> None:
    _wait_for_aid(qtbot, panel, ELA)
    for index, kind in ((1, NOISE), (2, LEVELS)):
        panel.aid_box.setCurrentIndex(index)
        _wait_for_aid(qtbot, panel, kind)
        result = panel.result
        assert result is not None and result.image().size == (800, 450)
        assert NOTE in panel.caption.text()


def test_a_changed_parameter_recomputes_with_it(qtbot: QtBot, panel: ForensicsPanel) -> None:
    _wait_for_aid(qtbot, panel, ELA)
    panel.quality.setValue(60)
    qtbot.waitUntil(lambda: panel.result is not None and panel.result.request.quality == 60,
                    timeout=TIMEOUT)
    assert "quality 60" in panel.caption.text()


def test_shown_on_the_frame_at_full_size_with_the_note(
        qtbot: QtBot, window: MainWindow, panel: ForensicsPanel) -> None:
    _wait_for_aid(qtbot, panel, ELA)
    panel.on_frame.setChecked(True)
    assert panel.overlay_visible()
    assert panel.overlay.pixmap().size() == window.frame_view.image_size() == QSize(800, 450)
    assert panel.banner.isVisible() and NOTE in panel.banner.text().lower()
    # Another item: the aid of the first never lies over it.
    window.evidence_list.select_evidence(_id(window, "stripped.jpg"))
    assert not panel.overlay_visible() and not panel.banner.isVisible()
    assert panel.result is None
    _wait_for_aid(qtbot, panel, ELA)
    qtbot.waitUntil(lambda: window.frame_view.is_full_resolution, timeout=TIMEOUT)
    qtbot.waitUntil(panel.overlay_visible, timeout=TIMEOUT)
    assert panel.overlay.pixmap().size() == QSize(640, 360)


def test_cancel_stops_the_aid(qtbot: QtBot, panel: ForensicsPanel) -> None:
    _wait_for_aid(qtbot, panel, ELA)
    panel.aid_box.setCurrentIndex(1)
    panel.compute()
    assert panel.computing and panel.cancel_button.isEnabled()
    panel.cancel_button.click()
    assert not panel.computing
    qtbot.waitUntil(lambda: panel.status.text() == "Cancelled.", timeout=TIMEOUT)
    assert panel.result is not None and panel.result.request.kind == ELA  # the last one shown


def test_nothing_is_computed_while_the_tab_is_out_of_view(
        qtbot: QtBot, window: MainWindow, case_path: Path) -> None:
    assert window.open_case(case_path)
    window.evidence_list.select_evidence(_id(window, "edited.jpg"))
    panel = window.forensics_panel
    assert not panel.isVisible() and not panel.computing and panel.result is None
