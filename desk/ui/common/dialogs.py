"""Every modal question the app asks goes through these functions.

Tests replace them (monkeypatch) so no real modal dialog ever blocks a test run, and messages
are always plain text: they often quote untrusted names from cases and files.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

CASE_FILTER = "desk cases (*.deskcase)"
IMAGE_FILTER = "Images (*.jpg *.jpeg *.png *.tif *.tiff *.webp *.heic *.heif);;All files (*)"


def _box(parent: QWidget | None, icon: QMessageBox.Icon, title: str, text: str,
         detail: str = "") -> QMessageBox:
    box = QMessageBox(icon, title, text, QMessageBox.StandardButton.Ok, parent)
    box.setTextFormat(Qt.TextFormat.PlainText)
    if detail:
        box.setInformativeText(detail)
    return box


def show_error(parent: QWidget | None, title: str, message: str, detail: str = "") -> None:
    """A problem the reviewer must know about, in their words; never a traceback."""
    _box(parent, QMessageBox.Icon.Warning, title, message, detail).exec()


def inform(parent: QWidget | None, title: str, message: str) -> None:
    _box(parent, QMessageBox.Icon.Information, title, message).exec()


def ask(parent: QWidget | None, title: str, question: str, yes: str = "OK",
        no: str = "Cancel") -> bool:
    box = QMessageBox(QMessageBox.Icon.Question, title, question,
                      QMessageBox.StandardButton.NoButton, parent)
    box.setTextFormat(Qt.TextFormat.PlainText)
    yes_button = box.addButton(yes, QMessageBox.ButtonRole.AcceptRole)
    box.addButton(no, QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(yes_button)
    box.exec()
    return box.clickedButton() is yes_button


def ask_text(parent: QWidget | None, title: str, label: str, text: str = "") -> str | None:
    from PySide6.QtWidgets import QInputDialog

    value, ok = QInputDialog.getText(parent, title, label, text=text)
    return value if ok else None


def choose_case_to_open(parent: QWidget | None, folder: str = "") -> Path | None:
    name, _ = QFileDialog.getOpenFileName(parent, "Open Case", folder, CASE_FILTER)
    return Path(name) if name else None


def choose_new_case_path(parent: QWidget | None, title: str, folder: str = "") -> Path | None:
    name, _ = QFileDialog.getSaveFileName(parent, title, folder, CASE_FILTER)
    if not name:
        return None
    path = Path(name)
    return path if path.suffix == ".deskcase" else path.with_name(path.name + ".deskcase")


def choose_files_to_import(parent: QWidget | None, folder: str = "") -> list[Path]:
    names, _ = QFileDialog.getOpenFileNames(parent, "Import Files", folder, IMAGE_FILTER)
    return [Path(n) for n in names]


def choose_folder_to_import(parent: QWidget | None, folder: str = "") -> Path | None:
    name = QFileDialog.getExistingDirectory(parent, "Import Folder", folder)
    return Path(name) if name else None


def choose_export_folder(parent: QWidget | None, folder: str = "") -> Path | None:
    """Where a dossier goes: the reviewer picks the folder its own folder is made in."""
    name = QFileDialog.getExistingDirectory(parent, "Export Dossier Into", folder)
    return Path(name) if name else None


def open_folder(path: Path) -> bool:
    """Show a folder in the system's file manager (not modal, but an outside effect tests
    replace too)."""
    from PySide6.QtCore import QUrl
    from PySide6.QtGui import QDesktopServices

    return QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))
