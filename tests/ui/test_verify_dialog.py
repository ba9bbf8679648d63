"""File › Verify Case… as a reviewer uses it: the check runs without freezing the window, says
what passed or lists what failed, names the signing keys, and is recorded in the custody log
like `desk verify` records it; a damaged case is named in a sentence when it cannot be opened."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

from PySide6.QtGui import QKeySequence
from pytestqt.qtbot import QtBot

from desk.core.casefile import CaseFile
from desk.ui.shell.main_window import MainWindow
from desk.ui.shell.verify_dialog import VerifyDialog, grouped
from tests.ui.conftest import DialogRecorder
from tests.ui.test_main_window import open_case


def verify_from_menu(qtbot: QtBot, window: MainWindow) -> VerifyDialog:
    assert window.verify_action.isEnabled()
    window.verify_action.trigger()
    dialog = window.verify_dialog
    assert dialog is not None and dialog.isVisible()
    if dialog.running:
        assert dialog.busy.isVisible() and dialog.bar.maximum() == 0  # busy, not frozen
        with qtbot.waitSignal(dialog.verified, timeout=30_000):
            pass
    return dialog


def verify_entries(window: MainWindow) -> list[dict[str, object]]:
    assert window.case is not None
    return [json.loads(e.detail) for e in window.case.audit_entries()
            if e.action == "verify case"]


def test_verify_case_is_in_the_file_menu_with_a_key_and_only_with_a_case(
        window: MainWindow) -> None:
    assert not window.verify_action.isEnabled()
    file_menu = window.menuBar().actions()[0].menu()
    assert window.verify_action in file_menu.actions()
    assert window.verify_action.text() == "Verify Case…"
    assert window.verify_action.shortcut() == QKeySequence("Ctrl+Shift+V")
    others = [a for a in window.findChildren(type(window.verify_action))
              if a is not window.verify_action]
    assert all(QKeySequence("Ctrl+Shift+V") not in a.shortcuts() for a in others)


def test_an_intact_case_verifies_with_counts_signers_and_a_custody_entry(
        qtbot: QtBot, window: MainWindow, case_path: Path) -> None:
    open_case(qtbot, window, case_path)
    assert window.case is not None
    before = window.case.audit_entries()[-1].seq
    dialog = verify_from_menu(qtbot, window)
    check = dialog.check
    assert check is not None and check.report.ok and check.recorded
    assert dialog.result_box.isVisible() and not dialog.findings.isVisible()
    assert dialog.result_title.text() == "The case verifies."
    summary = dialog.summary.text()
    assert "6 originals match their SHA-256" in summary
    assert f"Custody log of {before} entries intact" in summary
    assert "Database intact" in summary

    (fingerprint, seqs), = check.report.signers.items()
    assert dialog.signers.text() == (f"Entries {seqs[0]}–{seqs[-1]} ({len(seqs)}) by the key"
                                     f"\n{grouped(fingerprint)}")
    assert all(len(group) == 4 for group in grouped(fingerprint).split())
    assert dialog.head.text().startswith(f"#{before}  ")
    assert dialog.recorded.text() == "Recorded “verify case” in the custody log."

    entries = verify_entries(window)
    assert entries == [{"ok": True, "originals": 6, "custody_entries": before,
                        "problems": []}]
    assert window.case.audit_entries()[-1].seq == before + 1
    dialog.reject()
    qtbot.waitUntil(lambda: not dialog.isVisible())


def test_a_case_edited_outside_desk_lists_its_findings_and_records_them(
        qtbot: QtBot, window: MainWindow, case_path: Path, dialogs: DialogRecorder) -> None:
    open_case(qtbot, window, case_path)
    conn = sqlite3.connect(case_path)
    try:
        with conn:
            conn.execute("UPDATE claim SET text = 'x'")
    finally:
        conn.close()
    dialog = verify_from_menu(qtbot, window)
    check = dialog.check
    assert check is not None and not check.report.ok
    assert dialog.result_title.text().startswith("The case fails verification: 1 finding")
    shown = dialog.findings.findings()
    assert len(shown) == 1 and "claim 1 was changed outside desk" in shown[0]
    assert dialog.findings.isVisible() and dialog.copy_button.isVisible()
    assert dialog.signers.isVisible()  # who signed what is shown either way
    (entry,) = verify_entries(window)
    assert entry["ok"] is False and entry["problems"] == check.report.problems

    # Verify again after closing: the dialog reopens and checks the file as it is now.
    dialog.reject()
    qtbot.waitUntil(lambda: not dialog.isVisible())
    again = verify_from_menu(qtbot, window)
    assert again is not dialog
    assert [e["ok"] for e in verify_entries(window)] == [False, False]
    again.reject()
    assert not dialogs.errors


def test_a_read_only_case_is_verified_and_nothing_is_recorded(
        qtbot: QtBot, window: MainWindow, case_path: Path) -> None:
    with CaseFile.open(case_path, read_only=True) as case:
        dialog = VerifyDialog(case, window)
    qtbot.addWidget(dialog)
    dialog.open()
    with qtbot.waitSignal(dialog.verified, timeout=30_000):
        assert dialog.start()
    assert dialog.check is not None and dialog.check.report.ok
    assert not dialog.check.recorded
    assert dialog.recorded.text() == ("Verified read-only (the case file is read-only);"
                                      " nothing was recorded in the custody log.")
    with CaseFile.open(case_path, read_only=True) as case:
        assert not any(e.action == "verify case" for e in case.audit_entries())
    dialog.reject()


def test_a_case_damaged_after_it_was_opened_is_reported_not_refused(
        qtbot: QtBot, window: MainWindow, case_path: Path) -> None:
    with CaseFile.open(case_path) as case:
        dialog = VerifyDialog(case, window)  # a writable case, as the window had it
    qtbot.addWidget(dialog)
    size = case_path.stat().st_size
    with case_path.open("r+b") as fh:
        fh.truncate(size - 1000)  # cut off mid-page, as a bad copy would
    dialog.open()
    with qtbot.waitSignal(dialog.verified, timeout=30_000):
        assert dialog.start()
    check = dialog.check
    assert check is not None and not check.report.ok and not check.recorded
    assert any("cut off" in f for f in dialog.findings.findings())
    assert "(the case is damaged)" in dialog.recorded.text()
    assert case_path.stat().st_size == size - 1000  # nothing was written into it
    dialog.reject()


def test_closing_the_case_closes_the_dialog_and_a_running_check_records_nothing(
        qtbot: QtBot, window: MainWindow, case_path: Path) -> None:
    open_case(qtbot, window, case_path)
    window.verify_action.trigger()
    dialog = window.verify_dialog
    assert dialog is not None and dialog.running
    dialog.reject()  # abandoned: it looks once more before recording, and records nothing
    window.close_case()
    with CaseFile.open(case_path, read_only=True) as case:
        assert not any(e.action == "verify case" for e in case.audit_entries())

    open_case(qtbot, window, case_path)
    window.verify_action.trigger()
    dialog = window.verify_dialog
    assert dialog is not None and dialog.isVisible()
    window.close_case()
    assert not dialog.isVisible()


def test_opening_a_cut_off_case_says_so_in_a_sentence(
        window: MainWindow, case_path: Path, tmp_path: Path,
        dialogs: DialogRecorder) -> None:
    cut = tmp_path / "cut.deskcase"
    shutil.copyfile(case_path, cut)
    with cut.open("r+b") as fh:
        fh.truncate(cut.stat().st_size - 1000)
    assert not window.open_case(cut)
    ((title, message),) = dialogs.errors
    assert title == "Cannot open case"
    assert message.startswith("cut.deskcase is damaged (the file is cut off:")
    assert "it was not opened, so nothing can be written into it." in message
    assert "Traceback" not in message and "CaseCorrupt" not in message
    assert "\n" not in message
    assert window.case is None and window.pages.currentWidget() is window.welcome
