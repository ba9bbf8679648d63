"""Importing by drop and by dialog: off the GUI thread, with progress, results and cancel."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from desk.core.casefile import CaseFile
from desk.core.intake import IntakeReport
from desk.ui.shell.main_window import MainWindow
from tests.ui.conftest import DialogRecorder
from tests.ui.images import make_jpeg, make_many


@pytest.fixture
def empty_case(tmp_path: Path) -> Path:
    path = tmp_path / "empty.deskcase"
    CaseFile.create(path, "Empty case").close()
    return path


def drag_enter(window: MainWindow, mime: QMimeData) -> bool:
    event = QDragEnterEvent(QPointF(200, 200), Qt.DropAction.CopyAction, mime,
                            Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(window, event)
    return event.isAccepted()


def drop(window: MainWindow, paths: list[Path]) -> None:
    """What the window receives when files are dragged from a file manager and dropped."""
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    assert drag_enter(window, mime)
    assert window.overlay.isVisible()
    event = QDropEvent(QPointF(200, 200), Qt.DropAction.CopyAction, mime,
                       Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(window, event)
    assert event.isAccepted()
    assert not window.overlay.isVisible()


def test_drop_imports_good_files_and_lists_the_rejected_one_with_its_reason(
        qtbot: QtBot, window: MainWindow, empty_case: Path, tmp_path: Path,
        dialogs: DialogRecorder) -> None:
    assert window.open_case(empty_case)
    good = [make_jpeg(tmp_path / "in" / f"good-{i}.jpg", seed=100 + i) for i in range(3)]
    corrupt = tmp_path / "in" / "corrupt.jpg"
    corrupt.write_bytes(b"\xff\xd8\xff\xe0" + b"\x00" * 64)
    progress: list[int] = []
    window.import_panel.bar.valueChanged.connect(progress.append)

    with qtbot.waitSignal(window.importFinished, timeout=30_000) as finished:
        drop(window, [*good, corrupt])
        qtbot.waitUntil(window.import_panel.isVisible)  # started once the drop has returned
    report: IntakeReport = finished.args[0]

    assert sorted(progress) == [1, 2, 3, 4]
    assert len(report.imported) == 3 and len(report.rejected) == 1
    rows = window.import_panel.rows()
    assert rows[0][0] == "Rejected" and rows[0][1] == "corrupt.jpg" and rows[0][2]
    assert rows[0][2] == report.rejected[0].reason
    assert sorted(r[1] for r in rows if r[0] == "Imported") == [p.name for p in good]
    assert window.import_panel.title.text() == "Import finished"
    assert "3 imported · 1 rejected" in window.import_panel.summary.text()
    assert window.model.rowCount() == 3
    assert window.evidence_list.current_evidence_id() is not None  # first item shown
    assert not dialogs.errors


def test_dropped_folders_import_recursively(qtbot: QtBot, window: MainWindow,
                                            empty_case: Path, tmp_path: Path) -> None:
    assert window.open_case(empty_case)
    make_jpeg(tmp_path / "folder" / "a.jpg", seed=1)
    make_jpeg(tmp_path / "folder" / "deeper" / "b.jpg", seed=2)
    with qtbot.waitSignal(window.importFinished, timeout=30_000) as finished:
        drop(window, [tmp_path / "folder"])
    assert len(finished.args[0].imported) == 2
    assert sorted(window.model.evidence(r).name for r in range(2)) == ["a.jpg", "b.jpg"]


def test_drops_of_text_or_web_links_are_not_imports(window: MainWindow,
                                                    empty_case: Path) -> None:
    assert window.open_case(empty_case)
    text = QMimeData()
    text.setText("just some words")
    assert not drag_enter(window, text)
    link = QMimeData()
    link.setUrls([QUrl("https://example.org/photo.jpg")])
    assert not drag_enter(window, link)
    assert not window.importing


def test_dropping_a_case_file_opens_it(qtbot: QtBot, window: MainWindow,
                                       case_path: Path) -> None:
    with qtbot.waitSignal(window.caseOpened):
        drop(window, [case_path])
    assert window.case is not None and window.case.path == case_path


def test_import_by_dialog_and_duplicates_are_reported(qtbot: QtBot, window: MainWindow,
                                                     case_path: Path, tmp_path: Path,
                                                     dialogs: DialogRecorder) -> None:
    assert window.open_case(case_path)
    with CaseFile.open(case_path) as case:
        known = case.list_evidence()[0]
    fresh = make_jpeg(tmp_path / "fresh.jpg", seed=500)
    copy = tmp_path / "copy_of_known.jpg"
    with CaseFile.open(case_path) as case:
        copy.write_bytes(case.original(known.id))
    dialogs.import_files = [fresh, copy]
    with qtbot.waitSignal(window.importFinished, timeout=30_000) as finished:
        window.import_files_action.trigger()
    report = finished.args[0]
    assert len(report.imported) == 1 and len(report.duplicates) == 1
    rows = window.import_panel.rows()
    assert ("Duplicate", "copy_of_known.jpg", f"already in the case as evidence #{known.id}") \
        in rows
    assert window.model.rowCount() == 7


def test_cancel_stops_an_import_of_many_files(qtbot: QtBot, window: MainWindow,
                                              empty_case: Path, tmp_path: Path) -> None:
    files = make_many(tmp_path / "many", 600, 96, 64)  # many: still going when it is stopped
    assert window.open_case(empty_case)
    panel = window.import_panel

    def cancel_on_first_progress(value: int) -> None:
        if value > 0 and panel.cancel_button.isEnabled():
            panel.cancel_button.click()

    panel.bar.valueChanged.connect(cancel_on_first_progress)
    with qtbot.waitSignal(window.importFinished, timeout=60_000) as finished:
        assert window.import_paths([tmp_path / "many"])
    report = finished.args[0]
    assert report.cancelled
    assert len(report.imported) < len(files)
    assert panel.title.text() == "Import cancelled"
    assert "not looked at" in panel.summary.text()
    qtbot.waitUntil(lambda: not window.importing)
    with CaseFile.open(empty_case) as case:
        assert len(case.list_evidence()) == len(report.imported) == window.model.rowCount()


def test_a_second_import_waits_for_the_first(qtbot: QtBot, window: MainWindow,
                                             empty_case: Path, tmp_path: Path,
                                             dialogs: DialogRecorder) -> None:
    assert window.open_case(empty_case)
    first = [make_jpeg(tmp_path / f"{i}.jpg", seed=i) for i in range(3)]
    with qtbot.waitSignal(window.importFinished, timeout=30_000):
        assert window.import_paths(first)
        assert not window.import_paths(first)
    assert dialogs.infos and dialogs.infos[0][0] == "Import running"


def test_dropping_files_with_no_case_open_explains_why_nothing_happens(
        qtbot: QtBot, window: MainWindow, tmp_path: Path, dialogs: DialogRecorder) -> None:
    photo = make_jpeg(tmp_path / "a.jpg")
    drop(window, [photo])
    qtbot.waitUntil(lambda: bool(dialogs.infos))
    assert dialogs.infos[0][0] == "No case open"


def test_closing_the_window_during_an_import_stops_it_and_leaves_a_whole_case(
        qtbot: QtBot, window: MainWindow, empty_case: Path, tmp_path: Path,
        dialogs: DialogRecorder) -> None:
    import time

    files = make_many(tmp_path / "many", 600, 96, 64)  # many: still going when it closes
    assert window.open_case(empty_case)
    heard: list[IntakeReport] = []
    window.importFinished.connect(heard.append)
    assert window.import_paths([tmp_path / "many"])
    qtbot.waitUntil(lambda: window.import_panel.bar.value() > 0, timeout=30_000)
    started = time.monotonic()
    window.close()
    assert time.monotonic() - started < 10  # it stops between two files, then the window shuts
    assert window.case is None and not window.importing
    QApplication.processEvents()
    assert heard == [] and not dialogs.errors  # nothing reaches the closed window
    with CaseFile.open(empty_case) as case:
        stored = case.list_evidence()
        assert 0 < len(stored) < len(files)
        assert all(case.original(item.id) for item in stored)


def test_a_writable_case_has_its_parser_workers_started_before_any_import(
        qtbot: QtBot, window: MainWindow, empty_case: Path) -> None:
    from desk.core.isolation import LANES

    LANES.close()
    window._warm_timer.setInterval(10)  # a few seconds in use; the test need not wait them
    assert window.open_case(empty_case)
    qtbot.waitUntil(lambda: LANES.idle >= 1, timeout=10_000)
    assert all(lane.alive for _, lane in LANES._idle)
