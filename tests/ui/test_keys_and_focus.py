"""Issue 19, the keyboard: redo by key, window shortcuts from a focused text field, undo that
says what it undid and where."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QKeyEvent, QKeySequence
from PySide6.QtWidgets import QApplication, QLineEdit
from pytestqt.qtbot import QtBot

from desk.ui.claims.claims_mode import CLAIMS, EVIDENCE
from desk.ui.shell.main_window import MainWindow, key_sequences
from tests.ui.conftest import DialogRecorder

CTRL = Qt.KeyboardModifier.ControlModifier
SHIFT = Qt.KeyboardModifier.ShiftModifier
ALT = Qt.KeyboardModifier.AltModifier


def open_case(qtbot: QtBot, window: MainWindow, path: Path) -> None:
    with qtbot.waitSignal(window.frame_view.frameShown, timeout=10_000):
        assert window.open_case(path)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)


def type_into(qtbot: QtBot, field: QLineEdit, text: str) -> None:
    field.setFocus()
    field.selectAll()
    qtbot.keyClicks(field, text)
    qtbot.keyClick(field, Qt.Key.Key_Return)


def test_each_key_is_bound_once_in_the_window(window: MainWindow) -> None:
    owners: dict[str, str] = {}
    for action in window.actions():
        for key in action.shortcuts():
            text = key.toString(QKeySequence.SequenceFormat.PortableText)
            assert text not in owners, f"{text} is bound to {owners[text]} and {action.text()}"
            owners[text] = action.text()
    assert {"Ctrl+Shift+Z", "Ctrl+Y"} <= {
        k.toString(QKeySequence.SequenceFormat.PortableText)
        for k in window.redo_action.shortcuts()}


def test_key_sequences_names_each_key_once() -> None:
    keys = key_sequences(("Ctrl+Shift+Z", "Ctrl+Y", "Ctrl+Shift+Z", QKeySequence.StandardKey.Redo))
    texts = [k.toString(QKeySequence.SequenceFormat.PortableText) for k in keys]
    assert texts[:2] == ["Ctrl+Shift+Z", "Ctrl+Y"]
    assert len(texts) == len(set(texts))


def test_redo_by_keyboard(qtbot: QtBot, window: MainWindow, case_path: Path,
                          dialogs: DialogRecorder) -> None:
    open_case(qtbot, window, case_path)
    item = window.inspector.evidence
    assert item is not None
    window.inspector.tabs.setCurrentIndex(1)
    url = "https://t.me/example/1"
    type_into(qtbot, window.inspector.provenance["source_url"], url)  # type: ignore[arg-type]
    window.evidence_list.setFocus()

    def source() -> str:
        assert window.case is not None
        return window.case.get_evidence(item.id).provenance.source_url

    for redo in ((Qt.Key.Key_Z, CTRL | SHIFT), (Qt.Key.Key_Y, CTRL)):
        qtbot.keyClick(window, Qt.Key.Key_Z, CTRL)
        assert source() == ""
        qtbot.keyClick(window, *redo)
        assert source() == url, f"{redo} did not redo"
    assert not dialogs.errors


def test_window_shortcuts_work_from_a_focused_text_field(
        qtbot: QtBot, window: MainWindow, case_path: Path, dialogs: DialogRecorder) -> None:
    open_case(qtbot, window, case_path)
    window.inspector.tabs.setCurrentIndex(1)
    field = window.inspector.provenance["platform"]
    assert isinstance(field, QLineEdit)
    field.setFocus()
    qtbot.keyClicks(field, "Telegram")
    assert QApplication.focusWidget() is field

    qtbot.keyClick(field, Qt.Key.Key_2, ALT)
    assert window.claims_mode.mode == CLAIMS
    assert window.case is not None
    item = window.inspector.evidence
    assert item is not None
    # Switching mode saved what was typed.
    assert window.case.get_evidence(item.id).provenance.platform == "Telegram"

    claim_field = window.claims_mode.page.claim_editor.fields["claimant"]
    claim_field.setFocus()
    qtbot.keyClick(claim_field, Qt.Key.Key_1, ALT)
    assert window.claims_mode.mode == EVIDENCE

    search = window.evidence_panel.search
    search.setFocus()
    qtbot.keyClick(search, Qt.Key.Key_E, CTRL)
    dialog = window.claims_mode.export_dialog
    assert dialog is not None, "Ctrl+E from a text field did not open the export dialog"
    dialog.reject()
    qtbot.waitUntil(lambda: window.claims_mode.export_dialog is None)
    assert not dialogs.errors


class GreedyField(QLineEdit):
    """A text field that claims every Ctrl and Alt key before the window's shortcuts, as
    X11's QLineEdit does with Ctrl+E (end of line) and its other Emacs keys."""

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ShortcutOverride and isinstance(event, QKeyEvent) \
                and event.modifiers() & (CTRL | ALT):
            event.accept()
            return True
        return super().event(event)


def test_window_shortcuts_beat_a_field_that_claims_the_key(
        qtbot: QtBot, window: MainWindow, case_path: Path, dialogs: DialogRecorder) -> None:
    open_case(qtbot, window, case_path)
    field = GreedyField()
    window.evidence_panel.layout().addWidget(field)
    field.show()
    field.setFocus()
    qtbot.waitUntil(field.hasFocus)
    qtbot.keyClick(field, Qt.Key.Key_Q, CTRL | ALT)  # not a window key: the field keeps it
    qtbot.keyClick(field, Qt.Key.Key_2, ALT)
    assert window.claims_mode.mode == CLAIMS
    window.claims_mode.set_mode(EVIDENCE)
    field.setFocus()
    qtbot.keyClick(field, Qt.Key.Key_E, CTRL)
    dialog = window.claims_mode.export_dialog
    assert dialog is not None, "Ctrl+E was taken by the text field"
    dialog.reject()
    qtbot.waitUntil(lambda: window.claims_mode.export_dialog is None)
    assert not dialogs.errors


def test_undo_says_what_it_undid_and_brings_it_into_view(
        qtbot: QtBot, window: MainWindow, case_path: Path, dialogs: DialogRecorder) -> None:
    open_case(qtbot, window, case_path)
    window.claims_mode.set_mode(CLAIMS)
    page = window.claims_mode.page
    claimant = page.claim_editor.fields["claimant"]
    assert isinstance(claimant, QLineEdit)
    type_into(qtbot, claimant, "Ministry of Defence")
    claim_id = page.current_claim_id()

    window.claims_mode.set_mode(EVIDENCE)
    window.evidence_list.setFocus()
    qtbot.keyClick(window, Qt.Key.Key_Z, CTRL)
    assert window.case is not None and claim_id is not None
    assert window.case.get_claim(claim_id).claimant == ""
    assert window.claims_mode.mode == CLAIMS  # the undone edit is shown, not hidden
    message = window.statusBar().currentMessage()
    assert message.startswith("Undone: Edit claimant")
    assert f"claim #{claim_id}" in message and "Claims & verdicts" in message

    window.claims_mode.set_mode(EVIDENCE)
    qtbot.keyClick(window, Qt.Key.Key_Z, CTRL | SHIFT)
    assert window.case.get_claim(claim_id).claimant == "Ministry of Defence"
    assert window.statusBar().currentMessage().startswith("Redone: Edit claimant")
    assert not dialogs.errors
