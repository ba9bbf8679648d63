"""Issue 19, the export dialog on a small screen and an export made before later edits."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QPoint, QRect, QSize
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from desk.core import commands
from desk.ui.export.export_dialog import ExportDialog, fitted_geometry
from desk.ui.shell.main_window import MainWindow
from tests.ui.test_claims_page import open_claims

#: A 1366×768 laptop screen less a 40 px panel, and a full HD one.
LAPTOP = QRect(0, 0, 1366, 728)
FULL_HD = QRect(0, 0, 1920, 1040)


def open_export(qtbot: QtBot, window: MainWindow, case_path: Path) -> ExportDialog:
    open_claims(qtbot, window, case_path)
    window.claims_mode.export_action.trigger()
    dialog = window.claims_mode.export_dialog
    assert dialog is not None and dialog.isVisible()
    return dialog


def in_view(dialog: ExportDialog, widget: QWidget) -> bool:
    """The whole widget lies inside the dialog (nothing of it cut off or pushed out)."""
    top_left = widget.mapTo(dialog, QPoint(0, 0))
    return widget.isVisible() and dialog.rect().contains(QRect(top_left, widget.size()))


def test_fitted_geometry_fits_the_screen_it_is_given() -> None:
    laptop = fitted_geometry(LAPTOP, QSize(1240, 820), QSize(700, 500))
    assert LAPTOP.contains(laptop) and laptop.height() < 820
    assert laptop.center() == LAPTOP.center()
    assert fitted_geometry(FULL_HD, QSize(1240, 820)).size() == QSize(1240, 820)
    tiny = QRect(0, 0, 640, 480)
    assert tiny.contains(fitted_geometry(tiny, QSize(1240, 820), QSize(700, 500)))


def test_the_export_dialog_fits_a_1366x768_screen_and_keeps_its_buttons_in_view(
        qtbot: QtBot, window: MainWindow, case_path: Path) -> None:
    dialog = open_export(qtbot, window, case_path)
    minimum = dialog.minimumSizeHint()
    assert minimum.width() <= LAPTOP.width() and minimum.height() <= LAPTOP.height()
    rect = dialog.fit_to_screen(LAPTOP)
    assert LAPTOP.contains(rect)
    QApplication.processEvents()
    assert dialog.size() == rect.size()
    assert in_view(dialog, dialog.export_button) and in_view(dialog, dialog.close_button)

    # After an export the result box opens; it scrolls with the form, the buttons stay put.
    dialog.result_box.show()
    dialog.error.setText("A long message " * 40)
    dialog.error.show()
    QApplication.processEvents()
    assert in_view(dialog, dialog.export_button) and in_view(dialog, dialog.close_button)
    dialog.reject()


def test_a_dossier_exported_before_later_edits_is_marked_out_of_date(
        qtbot: QtBot, window: MainWindow, case_path: Path) -> None:
    dialog = open_export(qtbot, window, case_path)
    assert not dialog.stale_note.isVisible()  # never exported: nothing to be out of date
    dialog.reject()
    qtbot.waitUntil(lambda: window.claims_mode.export_dialog is None)
    case = window.case
    assert case is not None
    claim_id = case.list_claims()[0].id
    case.log("export dossier", [f"claim:{claim_id}"], {"folder": "case-claim-1-dossier"})

    window.claims_mode.export_action.trigger()
    dialog = window.claims_mode.export_dialog
    assert dialog is not None
    assert not dialog.stale_note.isVisible()  # exported, nothing changed since
    dialog.reject()
    qtbot.waitUntil(lambda: window.claims_mode.export_dialog is None)

    claim = case.get_claim(claim_id)
    assert window.undo_stack.push_command(commands.edit_claim(claim.id, claimant="MoD"))
    window.claims_mode.export_action.trigger()
    dialog = window.claims_mode.export_dialog
    assert dialog is not None
    assert dialog.stale_note.isVisible()
    text = dialog.stale_note.text()
    assert text.startswith("The case changed after this claim's dossier was exported")
    assert "case-claim-1-dossier" in text and "1 later change" in text
    dialog.reject()
