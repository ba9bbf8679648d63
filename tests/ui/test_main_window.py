"""The window as a reviewer uses it: open, browse, inspect, navigate, refuse bad files."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

from desk.core.casefile import CaseFile
from desk.ui.shell import settings
from desk.ui.shell.main_window import MainWindow
from tests.ui.conftest import HOSTILE_MAKE, HOSTILE_NAME, DialogRecorder


def open_case(qtbot: QtBot, window: MainWindow, path: Path) -> None:
    """Open a case and wait for the first item's full-resolution frame."""
    with qtbot.waitSignal(window.frame_view.frameShown, timeout=10_000):
        assert window.open_case(path)


def select(qtbot: QtBot, window: MainWindow, name: str) -> None:
    model = window.model
    row = next(r for r in range(model.rowCount()) if model.evidence(r).name == name)
    if window.evidence_list.current_evidence_id() == model.evidence(row).id:
        return
    with qtbot.waitSignal(window.frame_view.frameShown, timeout=10_000):
        window.evidence_list.select_evidence(model.evidence(row).id)


def test_no_case_shows_the_welcome_panel(window: MainWindow) -> None:
    assert window.pages.currentWidget() is window.welcome
    assert window.windowTitle() == "desk"
    assert not window.import_files_action.isEnabled()


def test_open_case_lists_items_and_selection_shows_metadata_and_frame(
        qtbot: QtBot, window: MainWindow, case_path: Path) -> None:
    open_case(qtbot, window, case_path)
    assert window.pages.currentWidget() is window.workspace
    assert window.windowTitle() == "Template case — desk"
    assert window.saved_label.text() == "All changes saved to case.deskcase"
    assert window.evidence_panel.proxy.rowCount() == 6
    assert window.evidence_panel.count.text() == "6 items · 2 flagged"

    select(qtbot, window, "road_gps.jpg")
    item = window.inspector.evidence
    assert item is not None and item.name == "road_gps.jpg"
    assert window.inspector.name.text() == "road_gps.jpg"
    assert window.inspector.fields["captured"].text() == "2024-04-12 07:41"
    assert window.inspector.fields["gps"].text() == "49.710500, 37.615600"
    assert window.inspector.fields["camera"].text() == "Apple iPhone 12"
    assert window.inspector.sha256.text().replace(" ", "").replace("\n", "") == item.sha256
    assert window.frame_view.is_full_resolution
    assert window.frame_view.image_size().width() == 640

    window.inspector.copy_sha256()
    from PySide6.QtGui import QGuiApplication

    assert QGuiApplication.clipboard().text() == item.sha256


def test_flags_are_explained_in_plain_words(qtbot: QtBot, window: MainWindow,
                                            case_path: Path) -> None:
    open_case(qtbot, window, case_path)
    select(qtbot, window, "edited.jpg")
    texts = [label.text() for label in window.inspector.findChildren(QLabel)
             if label.isVisibleTo(window.inspector)]
    assert "Saved by editing software" in texts
    assert any("not straight from a camera" in t for t in texts)
    select(qtbot, window, "stripped.jpg")
    texts = [label.text() for label in window.inspector.findChildren(QLabel)
             if label.isVisibleTo(window.inspector)]
    assert "Metadata stripped" in texts
    assert "Saved by editing software" not in texts


def test_untrusted_names_and_exif_are_shown_literally(qtbot: QtBot, window: MainWindow,
                                                      case_path: Path) -> None:
    open_case(qtbot, window, case_path)
    select(qtbot, window, HOSTILE_NAME)
    inspector = window.inspector
    assert inspector.name.text() == HOSTILE_NAME
    assert inspector.name.textFormat() == Qt.TextFormat.PlainText
    assert inspector.fields["camera"].text() == HOSTILE_MAKE
    assert inspector.fields["camera"].textFormat() == Qt.TextFormat.PlainText
    assert inspector.original_name.text() == HOSTILE_NAME
    exif_values = [inspector.exif_model.item(r, 1).text()
                   for r in range(inspector.exif_model.rowCount())]
    assert HOSTILE_MAKE in exif_values
    for label in inspector.findChildren(QLabel):
        if "<" in label.text():
            assert label.textFormat() == Qt.TextFormat.PlainText, label.text()
    assert window.evidence_list.currentIndex().data() == HOSTILE_NAME


def test_keyboard_moves_to_next_and_previous_evidence(qtbot: QtBot, window: MainWindow,
                                                      case_path: Path) -> None:
    open_case(qtbot, window, case_path)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    assert window.evidence_list.currentIndex().row() == 0
    with qtbot.waitSignal(window.frame_view.frameShown, timeout=10_000):
        qtbot.keyClick(window.evidence_list, Qt.Key.Key_J)
    assert window.evidence_list.currentIndex().row() == 1
    assert window.inspector.evidence == window.model.evidence(1)
    qtbot.keyClick(window.evidence_list, Qt.Key.Key_Down)
    assert window.evidence_list.currentIndex().row() == 2
    qtbot.keyClick(window.evidence_list, Qt.Key.Key_K)
    qtbot.keyClick(window.evidence_list, Qt.Key.Key_K)
    assert window.evidence_list.currentIndex().row() == 0
    qtbot.keyClick(window.evidence_list, Qt.Key.Key_K)  # stays on the first item
    assert window.evidence_list.currentIndex().row() == 0
    assert window.position_label.text() == "Item 1 of 6"


def test_filter_menu_narrows_the_list(qtbot: QtBot, window: MainWindow,
                                      case_path: Path) -> None:
    open_case(qtbot, window, case_path)
    panel = window.evidence_panel
    panel.flagged_action.trigger()
    assert panel.proxy.rowCount() == 2
    assert panel.count.text() == "2 of 6 · 2 flagged"
    assert panel.filter_button.text().startswith("Flagged")
    panel.clear_filters()
    assert panel.proxy.rowCount() == 6
    claim_action = next(a for a in panel.claim_group.actions() if a.data() is not None)
    claim_action.trigger()
    assert [panel.proxy.index(r, 0).data() for r in range(panel.proxy.rowCount())] == [
        "edited.jpg"]


def test_corrupt_file_gives_a_clear_error_and_the_app_stays_usable(
        qtbot: QtBot, window: MainWindow, tmp_path: Path, dialogs: DialogRecorder,
        case_path: Path) -> None:
    bad = tmp_path / "x.deskcase"
    bad.write_bytes(os.urandom(4096))
    assert not window.open_case(bad)
    assert dialogs.errors == [("Cannot open case", "x.deskcase is not a desk case file.")]
    assert window.case is None
    assert window.pages.currentWidget() is window.welcome
    open_case(qtbot, window, case_path)
    assert window.case is not None


def test_damaged_case_gives_a_clear_error(window: MainWindow, case_path: Path,
                                          dialogs: DialogRecorder) -> None:
    data = bytearray(case_path.read_bytes())
    data[40_000:200_000] = os.urandom(160_000)[: len(data[40_000:200_000])]
    case_path.write_bytes(bytes(data))
    assert not window.open_case(case_path)
    assert len(dialogs.errors) == 1
    title, message = dialogs.errors[0]
    assert title == "Cannot open case"
    assert "case.deskcase" in message and "Traceback" not in message


def test_newer_case_is_refused_with_a_clear_message(qtbot: QtBot, window: MainWindow,
                                                    case_path: Path,
                                                    dialogs: DialogRecorder) -> None:
    with sqlite3.connect(case_path) as conn:  # tests may build bad files by hand
        conn.execute("PRAGMA user_version = 2000")
    conn.close()
    assert not window.open_case(case_path)
    ((title, message),) = dialogs.errors
    assert title == "Cannot open case"
    assert "newer desk" in message and "Update desk" in message
    assert window.case is None


def test_a_case_already_open_stays_open_when_another_fails(
        qtbot: QtBot, window: MainWindow, case_path: Path, tmp_path: Path,
        dialogs: DialogRecorder) -> None:
    open_case(qtbot, window, case_path)
    assert not window.open_case(tmp_path / "missing.deskcase")
    assert "There is no case file" in dialogs.errors[0][1]
    assert window.case is not None and window.model.rowCount() == 6


def test_recent_cases_and_window_geometry_are_remembered(
        qtbot: QtBot, window: MainWindow, case_path: Path) -> None:
    open_case(qtbot, window, case_path)
    window.show_map_action.trigger()  # hidden: the window may then be as narrow as before
    window.resize(777, 701)  # within the 800 x 800 offscreen screen
    window.close_case()
    assert settings.recent_cases() == [case_path.resolve()]
    assert window.welcome.recent.count() == 1
    window.close()

    again = MainWindow(map_delay_ms=None)
    qtbot.addWidget(again)
    assert (again.width(), again.height()) == (777, 701)
    assert not again.show_map_action.isChecked() and again.map_holder.isHidden()
    with qtbot.waitSignal(again.caseOpened):
        again.welcome.recent.itemClicked.emit(again.welcome.recent.item(0))
    assert again.case is not None and again.case.path == case_path
    again.close()


def test_new_case_starts_empty_with_a_drop_hint(qtbot: QtBot, window: MainWindow,
                                                tmp_path: Path,
                                                dialogs: DialogRecorder) -> None:
    dialogs.save_path = tmp_path / "fresh.deskcase"
    dialogs.text_answer = "Bridge collapse"
    window.new_action.trigger()
    assert window.case is not None and window.case.title == "Bridge collapse"
    assert window.windowTitle() == "Bridge collapse — desk"
    assert window.model.rowCount() == 0
    assert window.evidence_list.empty_title == "No evidence yet"
    assert "Drop" in window.evidence_list.empty_hint


def test_save_copy_as_makes_a_complete_copy(qtbot: QtBot, window: MainWindow,
                                            case_path: Path, tmp_path: Path,
                                            dialogs: DialogRecorder) -> None:
    open_case(qtbot, window, case_path)
    dialogs.save_path = tmp_path / "copy.deskcase"
    with qtbot.waitSignal(window.copySaved, timeout=10_000):
        window.save_copy_action.trigger()
    assert not dialogs.errors
    with CaseFile.open(dialogs.save_path) as copy:
        assert len(copy.list_evidence()) == 6
        assert copy.audit_entries()[-1].action == "save copy"  # recorded in the copy
    with CaseFile.open(case_path) as original:
        assert original.audit_entries()[-1].action != "save copy"  # the source is untouched


def test_close_case_returns_to_the_welcome_panel(qtbot: QtBot, window: MainWindow,
                                                 case_path: Path) -> None:
    open_case(qtbot, window, case_path)
    with qtbot.waitSignal(window.caseClosed):
        window.close_action.trigger()
    assert window.case is None
    assert window.model.rowCount() == 0
    assert window.pages.currentWidget() is window.welcome
    assert window.inspector.evidence is None


def test_sample_case_opens_as_a_working_copy(window: MainWindow, case_path: Path) -> None:
    from desk.core.identity import user_config_dir

    before = case_path.read_bytes()
    window.open_sample(case_path)
    assert window.case is not None
    assert window.case.path == user_config_dir() / "samples" / case_path.name
    assert case_path.read_bytes() == before
