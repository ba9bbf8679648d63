"""File › Export Dossier…: open items named before exporting, a locked-down preview, an
export that leaves the window responsive and a folder that verifies."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

from desk.core import commands
from desk.core.model import Confidence, Rating, Verdict
from desk.dossier import verify_dossier
from desk.ui.common import dialogs as dialogs_module
from desk.ui.export.export_dialog import ExportDialog, grouped
from desk.ui.shell.main_window import MainWindow
from tests.ui.conftest import DialogRecorder
from tests.ui.test_claims_page import open_claims

CHECKS = {"source_identified": True, "original_found": False, "date_checked": True,
          "location_checked": True, "movement_checked": None,
          "alternatives_considered": True}


def record_verdict(window: MainWindow) -> None:
    verdict = Verdict(1, Rating.MISLEADING, Confidence.MODERATE, "Real footage, wrong story",
                      "Walks away from the centre", dict(CHECKS), "Test Reviewer",
                      "2025-11-21T10:00:00Z")
    assert window.undo_stack.push_command(commands.set_verdict(verdict))


def open_export(qtbot: QtBot, window: MainWindow, case_path: Path) -> ExportDialog:
    open_claims(qtbot, window, case_path)
    window.claims_mode.export_action.trigger()
    dialog = window.claims_mode.export_dialog
    assert dialog is not None and dialog.isVisible()
    return dialog


def warnings_shown(dialog: ExportDialog) -> list[str]:
    return [label.text() for label in dialog.findChildren(QLabel, "PreflightWarning")
            if not label.isHidden()]


def test_open_items_are_named_before_exporting_and_na_items_are_not(
        qtbot: QtBot, window: MainWindow, case_path: Path, dialogs: DialogRecorder) -> None:
    with qtbot.waitSignal(window.frame_view.frameShown, timeout=10_000):
        window.open_case(case_path)
    record_verdict(window)
    dialog = window.claims_mode.open_export()
    assert dialog is not None
    assert dialog.claim_id == 1
    assert warnings_shown(dialog) == ["•  Checklist item open: Original found."]
    assert not any("Movement" in w for w in warnings_shown(dialog))

    dialogs.answer = False  # "Go back"
    dialog.folder.setText(str(case_path.parent / "out"))
    assert not dialog.start_export()
    assert "Checklist item open: Original found." in dialogs.questions[-1]
    assert "Movement" not in dialogs.questions[-1]
    assert not (case_path.parent / "out").exists()


def test_a_claim_without_verdict_warns_that_the_dossier_is_a_draft(
        qtbot: QtBot, window: MainWindow, case_path: Path) -> None:
    dialog = open_export(qtbot, window, case_path)
    shown = warnings_shown(dialog)
    assert shown[0].startswith("•  No verdict is recorded for this claim")
    assert len(shown) == 7  # and all six checklist items are open


def test_export_through_the_dialog_writes_a_folder_that_verifies(
        qtbot: QtBot, window: MainWindow, case_path: Path, dialogs: DialogRecorder,
        monkeypatch: pytest.MonkeyPatch) -> None:
    dialog = open_export(qtbot, window, case_path)
    record_verdict(window)
    with qtbot.waitSignal(dialog.previewShown, timeout=30_000):
        dialog.refresh_preview()
    text: list[str] = []
    dialog.preview.page().toPlainText(text.append)
    qtbot.waitUntil(lambda: bool(text), timeout=5_000)
    assert "A convoy left town" in text[0] and "Misleading" in text[0]
    assert dialog.preview.url().isLocalFile()
    assert Path(dialog.preview.url().toLocalFile()).parent == dialog.preview.folder
    assert dialog.preview.requests.blocked == []  # the dossier asks for nothing else

    out = case_path.parent / "dossier"
    dialog.folder.setText(str(out))
    dialog.set_formats({"html", "json", "pdf"})
    with qtbot.waitSignal(dialog.exported, timeout=60_000):
        qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
        assert dialog.progress_area.isVisible()  # exporting, and the window is not frozen
    assert dialogs.questions[-1].startswith("The dossier will say so")
    result = dialog.result
    assert result is not None and result.out_dir == out
    assert {"dossier.html", "dossier.json", "dossier.pdf", "manifest.json",
            "manifest.sig"} <= set(result.files)
    assert verify_dossier(out) == []
    record = hashlib.sha256((out / "dossier.json").read_bytes()).hexdigest()
    assert dialog.result_hash.text() == grouped(record)
    assert dialog.result_key.text() == grouped(result.fingerprint)
    assert dialog.result_box.isVisible() and not dialog.error.isVisible()
    assert any(e.action == "export dossier" for e in window.case.audit_entries())

    with qtbot.waitSignal(dialog.checked, timeout=30_000):
        qtbot.mouseClick(dialog.verify_button, Qt.MouseButton.LeftButton)
    assert dialog.verify_result.text().startswith("✓ Intact")

    opened: list[Path] = []
    monkeypatch.setattr(dialogs_module, "open_folder", opened.append)
    qtbot.mouseClick(dialog.open_button, Qt.MouseButton.LeftButton)
    assert opened == [out]

    # A changed file is reported by Verify, naming the file.
    (out / "dossier.html").write_text("tampered", encoding="utf-8")
    with qtbot.waitSignal(dialog.checked, timeout=30_000):
        qtbot.mouseClick(dialog.verify_button, Qt.MouseButton.LeftButton)
    assert "dossier.html: changed" in dialog.verify_result.text()

    preview_folder = dialog.preview.folder
    dialog.reject()
    assert window.claims_mode.export_dialog is None
    assert not preview_folder.exists()


def test_an_unusable_folder_is_refused_in_words(qtbot: QtBot, window: MainWindow,
                                                case_path: Path) -> None:
    dialog = open_export(qtbot, window, case_path)
    busy = case_path.parent / "busy"
    busy.mkdir()
    (busy / "notes.txt").write_text("mine", encoding="utf-8")
    dialog.folder.setText(str(busy))
    dialog.set_formats({"json"})
    with qtbot.waitSignal(dialog.exportFailed, timeout=30_000):
        assert dialog.start_export()
    qtbot.waitUntil(lambda: not dialog.exporting, timeout=30_000)
    assert dialog.error.isVisible()
    assert "not empty" in dialog.error.text()
    assert (busy / "notes.txt").read_text(encoding="utf-8") == "mine"
    assert dialog.result is None


def test_choose_folder_goes_through_dialogs(qtbot: QtBot, window: MainWindow, case_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    dialog = open_export(qtbot, window, case_path)
    monkeypatch.setattr(dialogs_module, "choose_export_folder", lambda *a: case_path.parent)
    qtbot.mouseClick(dialog.choose_button, Qt.MouseButton.LeftButton)
    assert dialog.target() == case_path.parent / "case-claim-1-dossier"
    dialog.url.setText("javascript:alert(1)")
    assert not dialog.start_export()
    assert "http(s)" in dialog.error.text()


def test_closing_the_window_closes_the_export_dialog(qtbot: QtBot, window: MainWindow,
                                                     case_path: Path) -> None:
    dialog = open_export(qtbot, window, case_path)
    preview_folder = dialog.preview.folder
    window.close_case()
    assert window.claims_mode.export_dialog is None
    assert not dialog.isVisible()
    assert not preview_folder.exists()


def test_cancel_stops_the_export_and_writes_nothing(qtbot: QtBot, window: MainWindow,
                                                    case_path: Path) -> None:
    from desk.ui.export.export_job import CANCELLED

    dialog = open_export(qtbot, window, case_path)
    record_verdict(window)
    out = case_path.parent / "dossier"
    dialog.folder.setText(str(out))
    dialog.set_formats({"html", "pdf"})  # the PDF waits for the GUI thread: Cancel wins
    with qtbot.waitSignal(dialog.exportFailed, timeout=30_000) as failed:
        assert dialog.start_export()
        qtbot.mouseClick(dialog.cancel_button, Qt.MouseButton.LeftButton)
    assert failed.args == [CANCELLED]
    qtbot.waitUntil(lambda: not dialog.exporting)
    assert dialog.error.text() == CANCELLED
    assert dialog.export_button.isEnabled()
    assert not out.exists()
    assert [p.name for p in case_path.parent.iterdir() if p.name.startswith(".dossier")] == []
    assert not any(e.action == "export dossier" for e in window.case.audit_entries())


def test_closing_the_window_during_an_export_neither_hangs_nor_leaves_half_a_dossier(
        qtbot: QtBot, window: MainWindow, case_path: Path, dialogs: DialogRecorder) -> None:
    dialog = open_export(qtbot, window, case_path)
    record_verdict(window)
    out = case_path.parent / "dossier"
    dialog.folder.setText(str(out))
    dialog.set_formats({"html", "pdf"})
    assert dialog.start_export()
    qtbot.waitUntil(lambda: dialog.progress.value() > 0, timeout=30_000)
    window.close()
    assert window.claims_mode.export_dialog is None and not dialog.isVisible()
    assert not out.exists() or verify_dossier(out) == []  # all of it, or nothing
    assert [p.name for p in case_path.parent.iterdir() if p.name.startswith(".dossier")] == []
    assert not dialogs.errors
