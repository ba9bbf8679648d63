"""Export of a case that fails verification: refused with its findings listed, nothing written;
exported only on a second, deliberate choice, and then marked as failed verification.
Also: a dossier is out of date only when something its claim's dossier shows has changed."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from desk.core import commands
from desk.core.model import Claim
from desk.dossier import verify_dossier
from desk.ui.export.export_dialog import EXPORT_ANYWAY, ExportDialog
from desk.ui.export.export_job import CANCELLED
from desk.ui.shell.main_window import MainWindow
from tests.ui.conftest import HOSTILE_NAME, DialogRecorder
from tests.ui.test_export_dialog import open_export, record_verdict


def edit_outside_desk(case_path: Path, sql: str, *args: object) -> None:
    """A row changed behind desk's back, as a tool other than desk would."""
    conn = sqlite3.connect(case_path)
    try:
        with conn:
            conn.execute(sql, args)
    finally:
        conn.close()


def refused_dialog(qtbot: QtBot, window: MainWindow, case_path: Path) -> ExportDialog:
    """The export dialog after Export was refused because the claim's text was edited
    outside desk."""
    edit_outside_desk(case_path, "UPDATE claim SET text = ? WHERE id = 1", HOSTILE_NAME)
    dialog = open_export(qtbot, window, case_path)
    record_verdict(window)
    dialog.folder.setText(str(case_path.parent / "dossier"))
    dialog.set_formats({"html"})
    with qtbot.waitSignal(dialog.refused, timeout=30_000):
        qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.exporting, timeout=30_000)
    return dialog


def exports_logged(window: MainWindow) -> list[dict[str, object]]:
    assert window.case is not None
    return [json.loads(e.detail) for e in window.case.audit_entries()
            if e.action == "export dossier"]


def test_a_case_that_fails_verification_is_refused_with_its_findings_and_nothing_written(
        qtbot: QtBot, window: MainWindow, case_path: Path, dialogs: DialogRecorder) -> None:
    dialog = refused_dialog(qtbot, window, case_path)
    out = case_path.parent / "dossier"
    assert dialog.refusal_box.isVisible()
    assert dialog.refusal_title.text().startswith("Not exported: the case fails verification")
    assert "Nothing was written." in dialog.refusal_title.text()
    findings = dialog.findings.findings()
    assert findings and any("claim" in f for f in findings), findings
    assert not dialog.error.isVisible() and not dialog.result_box.isVisible()
    assert dialog.result is None
    assert not out.exists()
    assert [p.name for p in case_path.parent.iterdir() if p.name.startswith(".dossier")] == []
    assert exports_logged(window) == []

    # The second choice is there, but not what Enter does.
    anyway = dialog.export_anyway_button
    assert anyway.text() == EXPORT_ANYWAY and anyway.isVisible() and anyway.isEnabled()
    assert not anyway.isDefault() and not anyway.autoDefault()
    assert dialog.export_button.isDefault()

    # Closing here leaves nothing behind either.
    dialog.reject()
    qtbot.waitUntil(lambda: window.claims_mode.export_dialog is None)
    assert not out.exists() and exports_logged(window) == []
    assert not dialogs.errors


def test_export_anyway_writes_a_dossier_marked_as_failed_and_says_so(
        qtbot: QtBot, window: MainWindow, case_path: Path, dialogs: DialogRecorder) -> None:
    dialog = refused_dialog(qtbot, window, case_path)
    asked = len(dialogs.questions)
    with qtbot.waitSignal(dialog.exported, timeout=60_000):
        qtbot.mouseClick(dialog.export_anyway_button, Qt.MouseButton.LeftButton)
    assert len(dialogs.questions) == asked  # answered already for this very export
    result = dialog.result
    out = case_path.parent / "dossier"
    assert result is not None and result.out_dir == out
    assert verify_dossier(out) == []  # signed as any dossier is; its content says the rest
    record = json.loads((out / "dossier.json").read_text(encoding="utf-8"))
    assert record["case_verification"]["ok"] is False
    page = (out / "dossier.html").read_text(encoding="utf-8")
    assert "THE CASE FAILED VERIFICATION WHEN THIS DOSSIER WAS EXPORTED." in page
    assert not dialog.refusal_box.isVisible()
    assert dialog.result_box.isVisible()
    assert "marked as failed verification" in dialog.result_title.text()
    assert dialog.result_warnings.isVisible()
    assert dialog.result_warnings.text().startswith("The case failed verification")
    assert [d["case_verified"] for d in exports_logged(window)] == [False]


def test_changing_a_choice_takes_the_refusal_back(qtbot: QtBot, window: MainWindow,
                                                   case_path: Path) -> None:
    dialog = refused_dialog(qtbot, window, case_path)
    dialog.folder.setText(str(case_path.parent / "elsewhere"))
    assert not dialog.refusal_box.isVisible()
    assert not dialog.export_anyway()  # nothing refused for these choices
    assert not (case_path.parent / "elsewhere").exists()
    dialog.reject()


def test_cancelling_export_anyway_writes_nothing(qtbot: QtBot, window: MainWindow,
                                                 case_path: Path) -> None:
    dialog = refused_dialog(qtbot, window, case_path)
    out = case_path.parent / "dossier"
    dialog.set_formats({"html", "pdf"})  # a new request: refused again, then forced
    with qtbot.waitSignal(dialog.refused, timeout=30_000):
        assert dialog.start_export()
    qtbot.waitUntil(lambda: not dialog.exporting, timeout=30_000)
    with qtbot.waitSignal(dialog.exportFailed, timeout=30_000) as failed:
        assert dialog.export_anyway()  # the PDF waits for the GUI thread: Cancel wins
        qtbot.mouseClick(dialog.cancel_button, Qt.MouseButton.LeftButton)
    assert failed.args == [CANCELLED]
    qtbot.waitUntil(lambda: not dialog.exporting)
    assert not out.exists()
    assert [p.name for p in case_path.parent.iterdir() if p.name.startswith(".dossier")] == []
    assert exports_logged(window) == []
    dialog.reject()


def test_findings_quote_case_text_literally(qtbot: QtBot, window: MainWindow,
                                            case_path: Path) -> None:
    # edited.jpg (evidence 3) is linked to the claim: its original is re-hashed on export.
    edit_outside_desk(case_path, "UPDATE evidence SET original_name = ? WHERE id = 3",
                      "<b>x</b>\nsecond line")
    edit_outside_desk(case_path, "UPDATE original SET data = zeroblob(64) WHERE evidence_id = 3")
    dialog = refused_dialog(qtbot, window, case_path)
    shown = dialog.findings.findings()
    assert any("(<b>x</b> second line)" in f for f in shown), shown
    assert all("\n" not in f for f in shown)
    # A QListWidget row is never rich text; copying gives the same words.
    assert dialog.findings.copy_all() == "\n".join(shown)
    assert QApplication.clipboard().text() == "\n".join(shown)
    dialog.reject()


def test_edits_of_another_claim_leave_this_claims_dossier_up_to_date(
        qtbot: QtBot, window: MainWindow, case_path: Path) -> None:
    dialog = open_export(qtbot, window, case_path)
    dialog.reject()
    qtbot.waitUntil(lambda: window.claims_mode.export_dialog is None)
    case = window.case
    assert case is not None
    other = commands.add_claim(case, Claim(0, "A second, unrelated claim"))
    assert window.undo_stack.push_command(other)
    other_id = commands.created_id(other)
    assert other_id is not None and other_id != 1
    case.log("export dossier", ["claim:1"], {"folder": "case-claim-1-dossier"})
    assert window.undo_stack.push_command(commands.edit_claim(other_id, claimant="Someone"))
    case.log("verify case", [], {"ok": True})

    dialog = window.claims_mode.open_export(1)
    assert dialog is not None
    assert not dialog.stale_note.isVisible()  # the other claim's edit is not in this dossier
    other_index = dialog.claim_box.findData(other_id)
    dialog.claim_box.setCurrentIndex(other_index)
    assert not dialog.stale_note.isVisible()  # never exported
    dialog.reject()
    qtbot.waitUntil(lambda: window.claims_mode.export_dialog is None)

    assert window.undo_stack.push_command(commands.edit_claim(1, claimant="MoD"))
    dialog = window.claims_mode.open_export(1)
    assert dialog is not None
    assert dialog.stale_note.isVisible()
    assert "1 later change" in dialog.stale_note.text()
    dialog.reject()
