"""An import the case stops part-way, in the window: the panel says "Import stopped" and why
in a sentence, counts what was not stored, lists those files with their reason, and the
stored items are in the list; links and special files in a folder are listed as rejected with
intake's own reason."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from desk.core import intake
from desk.core.casefile import CaseFile
from desk.core.intake import IntakeReport
from desk.core.sources import LINK_IN_FOLDER
from desk.ui.shell.main_window import MainWindow
from tests.ui.conftest import DialogRecorder
from tests.ui.images import make_jpeg

EXTRA = 6  # files after the first batch, which the case refuses


@pytest.fixture
def locked_after_first_batch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                             ) -> Iterator[tuple[Path, Path]]:
    """A case and a folder of BATCH_FILES + EXTRA photos; during the import another
    connection takes the write lock once the first batch is committed, and holds it.

    The hook is the import's own `stored` callback (it runs on the import's worker thread),
    and a short busy timeout spares the test SQLite's ten-second wait for the lock."""
    case = tmp_path / "c.deskcase"
    CaseFile.create(case, "Partial").close()
    folder = tmp_path / "in"
    for i in range(intake.BATCH_FILES + EXTRA):
        make_jpeg(folder / f"{i:02}.jpg", 80, 60, seed=300 + i)
    locker = sqlite3.connect(case, isolation_level=None, check_same_thread=False)
    real = intake.import_files

    def lock(_items: object) -> None:
        if not locker.in_transaction:
            locker.execute("BEGIN IMMEDIATE")

    def import_files(case_file: CaseFile, paths: object, **options: object) -> object:
        case_file.conn.execute("PRAGMA busy_timeout = 100")
        return real(case_file, paths, stored=lock, **options)  # type: ignore[arg-type]

    monkeypatch.setattr(intake, "import_files", import_files)
    yield case, folder
    if locker.in_transaction:
        locker.execute("ROLLBACK")
    locker.close()


def import_and_wait(qtbot: QtBot, window: MainWindow, paths: list[Path]) -> IntakeReport:
    with qtbot.waitSignal(window.importFinished, timeout=60_000) as finished:
        assert window.import_paths(paths)
    report = finished.args[0]
    assert isinstance(report, IntakeReport)
    return report


def test_a_stopped_import_says_so_and_lists_what_was_not_stored(
        qtbot: QtBot, window: MainWindow, locked_after_first_batch: tuple[Path, Path],
        dialogs: DialogRecorder) -> None:
    case, folder = locked_after_first_batch
    assert window.open_case(case)
    report = import_and_wait(qtbot, window, [folder])
    assert report.stopped
    panel = window.import_panel
    stored = intake.BATCH_FILES
    assert panel.title.text() == "Import stopped"
    assert panel.summary.text() == f"{stored} imported · {EXTRA} not stored"
    assert panel.stopped.isVisible()
    assert panel.stopped.textFormat() == Qt.TextFormat.PlainText
    sentence = panel.stopped.text()
    assert sentence.startswith(f"The import stopped after {stored} files were stored:"
                               " c.deskcase is in use by another program")
    assert sentence.endswith(f"The {EXTRA} files listed as not stored are not in the case;"
                             " the same import run again adds them (what is stored then shows"
                             " as a duplicate).")
    assert "Error" not in sentence and "sqlite" not in sentence.lower()

    rows = panel.rows()
    not_stored = rows[:EXTRA]  # what the reviewer must act on comes first
    assert [r[1] for r in not_stored] == [f"{i:02}.jpg" for i in range(stored, stored + EXTRA)]
    assert {(r[0], r[2]) for r in not_stored} == {
        ("Not stored", "the case is in use by another program")}
    # The reason is the panel's sentence: no line of its own under each of them.
    assert all(panel.results.topLevelItem(i).childCount() == 0 for i in range(EXTRA))
    assert [r[0] for r in rows[EXTRA:]] == ["Imported"] * stored
    assert panel.results.isVisible()

    message = window.statusBar().currentMessage()
    assert message == (f"Import stopped: {stored} imported, 0 duplicates, 0 rejected,"
                       f" {EXTRA} not stored")
    assert window.model.rowCount() == stored
    assert not dialogs.errors  # the panel tells it; what was stored is in the list


def test_the_next_import_clears_the_stopped_sentence(
        qtbot: QtBot, window: MainWindow, locked_after_first_batch: tuple[Path, Path],
        tmp_path: Path) -> None:
    case, folder = locked_after_first_batch
    assert window.open_case(case)
    import_and_wait(qtbot, window, [folder])
    assert window.import_panel.stopped.isVisible()
    window.import_panel.start("one more")
    assert not window.import_panel.stopped.isVisible()


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs and symbolic links")
def test_links_and_special_files_in_a_folder_are_rejected_with_their_reason(
        qtbot: QtBot, window: MainWindow, tmp_path: Path, dialogs: DialogRecorder) -> None:
    case = tmp_path / "c.deskcase"
    CaseFile.create(case, "Links").close()
    folder = tmp_path / "in"
    make_jpeg(folder / "real.jpg", seed=7)
    outside = make_jpeg(tmp_path / "outside.jpg", seed=8)
    (folder / "link.jpg").symlink_to(outside)
    os.mkfifo(folder / "pipe.jpg")
    assert window.open_case(case)
    report = import_and_wait(qtbot, window, [folder])
    assert not report.stopped
    panel = window.import_panel
    assert panel.title.text() == "Import finished"
    assert not panel.stopped.isVisible()
    rows = {name: (result, detail) for result, name, detail in panel.rows()}
    assert rows["link.jpg"] == ("Rejected", LINK_IN_FOLDER)
    assert rows["pipe.jpg"] == ("Rejected", "not a regular file (FIFO)")
    assert rows["real.jpg"][0] == "Imported"
    reasons = {panel.results.topLevelItem(i).child(0).text(0)
               for i in range(panel.results.topLevelItemCount())
               if panel.results.topLevelItem(i).childCount()}
    assert reasons == {LINK_IN_FOLDER, "not a regular file (FIFO)"}

    # In the narrow evidence column the link's reason wraps onto more lines, all of it shown.
    flush = panel.results.viewport()
    qtbot.waitUntil(lambda: flush.width() > 0)
    tops = [panel.results.topLevelItem(i) for i in range(panel.results.topLevelItemCount())]
    link_row = next(row for row in tops if row.text(1) == "link.jpg")
    metrics = panel.results.fontMetrics()
    assert metrics.horizontalAdvance(LINK_IN_FOLDER) > flush.width()  # it must wrap here
    qtbot.waitUntil(lambda: panel.results.visualItemRect(link_row.child(0)).height()
                    >= 2 * metrics.lineSpacing())
    assert window.model.rowCount() == 1  # the linked file outside the folder was not read
    assert not dialogs.errors
