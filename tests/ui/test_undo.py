"""Undo over core commands: the adapter alone, and provenance edits through the window."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLineEdit
from pytestqt.qtbot import QtBot

from desk.core import commands
from desk.core.casefile import CaseFile
from desk.ui.common.undo import CaseUndoStack
from desk.ui.shell.main_window import MainWindow
from tests.ui.conftest import DialogRecorder


def test_push_undo_redo_apply_the_core_command_and_its_inverse(qtbot: QtBot,
                                                               case: CaseFile) -> None:
    stack = CaseUndoStack()
    stack.set_case(case)
    item = case.list_evidence()[0]
    applied: list[object] = []
    stack.applied.connect(applied.append)
    entries = len(case.audit_entries())

    assert stack.push_command(commands.set_provenance(item.id, "uploader", "@convoy_watch"))
    assert case.get_evidence(item.id).provenance.uploader == "@convoy_watch"
    assert stack.undoText() == "Edit uploader"
    stack.undo()
    assert case.get_evidence(item.id).provenance.uploader == ""
    stack.redo()
    assert case.get_evidence(item.id).provenance.uploader == "@convoy_watch"
    stack.undo()
    stack.redo()
    assert case.get_evidence(item.id).provenance.uploader == "@convoy_watch"
    # Every step says what it changed, so views redraw only that item.
    assert len(applied) == 5
    assert all(commands.touched(c) == commands.Touched(evidence=frozenset({item.id}))
               for c in applied)
    assert len(case.audit_entries()) == entries + 5  # every step is in the custody log


def test_steps_of_one_gesture_merge_into_one_undo_step(qtbot: QtBot, case: CaseFile) -> None:
    stack = CaseUndoStack()
    stack.set_case(case)
    item = case.list_evidence()[0]
    gesture = object()
    for value in ("a", "ab", "abc"):
        stack.push_command(commands.set_provenance(item.id, "notes", value), merge_group=gesture)
    stack.push_command(commands.set_provenance(item.id, "notes", "abcd"))  # not in the gesture
    assert stack.count() == 2
    stack.undo()
    assert case.get_evidence(item.id).provenance.notes == "abc"
    stack.undo()
    assert case.get_evidence(item.id).provenance.notes == ""
    stack.redo()
    assert case.get_evidence(item.id).provenance.notes == "abc"


def test_a_refused_edit_is_reported_and_not_undoable(qtbot: QtBot, case: CaseFile) -> None:
    stack = CaseUndoStack()
    stack.set_case(case)
    with qtbot.waitSignal(stack.failed) as failed:
        # No evidence 9999: the core refuses to edit what is not there, in one plain line.
        assert not stack.push_command(commands.set_provenance(9999, "platform", "X"))
    assert "9999 does not exist" in failed.args[0] and "\n" not in failed.args[0]
    assert stack.count() == 0


def edit_field(qtbot: QtBot, window: MainWindow, field: str, text: str) -> None:
    """Type into a provenance field and press Enter, as a reviewer does."""
    edit = window.inspector.provenance[field]
    assert isinstance(edit, QLineEdit)
    window.inspector.tabs.setCurrentIndex(1)
    edit.setFocus()
    edit.selectAll()
    qtbot.keyClicks(edit, text)
    qtbot.keyClick(edit, Qt.Key.Key_Return)


def test_provenance_edit_undo_redo_and_reopen(qtbot: QtBot, window: MainWindow, case_path: Path,
                                              dialogs: DialogRecorder) -> None:
    with qtbot.waitSignal(window.frame_view.frameShown, timeout=10_000):
        assert window.open_case(case_path)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    item = window.inspector.evidence
    assert item is not None
    url = "https://t.me/example/1234"

    edit_field(qtbot, window, "source_url", url)
    assert window.case.get_evidence(item.id).provenance.source_url == url
    assert window.undo_action.isEnabled()
    assert window.undo_action.text() == "Undo Edit source url"
    assert "saved" in window.statusBar().currentMessage()

    qtbot.keyClick(window.evidence_list, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert window.case.get_evidence(item.id).provenance.source_url == ""
    assert window.inspector.field_value("source_url") == ""  # the form follows the undo

    qtbot.keyClick(window.evidence_list, Qt.Key.Key_Z,
                   Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert window.case.get_evidence(item.id).provenance.source_url == url
    assert window.inspector.field_value("source_url") == url

    # Leaving a field unchanged is not an edit.
    edit_field(qtbot, window, "source_url", url)
    assert window.undo_stack.count() == 1

    window.close_case()
    with CaseFile.open(case_path) as reopened:
        assert reopened.get_evidence(item.id).provenance.source_url == url
        actions = [e.action for e in reopened.audit_entries()]
        edit = commands.EDIT_PROVENANCE.name
        assert actions[-3:] == [edit, f"undo {edit}", edit]
    assert not dialogs.errors


def test_notes_commit_when_the_reviewer_moves_to_another_item(
        qtbot: QtBot, window: MainWindow, case_path: Path) -> None:
    with qtbot.waitSignal(window.frame_view.frameShown, timeout=10_000):
        assert window.open_case(case_path)
    first = window.inspector.evidence
    assert first is not None
    notes = window.inspector.provenance["notes"]
    notes.setPlainText("Mast matches the 2019 street view.")  # typed, not yet committed
    window.evidence_list.step(1)
    assert window.case.get_evidence(first.id).provenance.notes == \
        "Mast matches the 2019 street view."
    assert window.inspector.evidence.id != first.id
    window.undo_stack.undo()
    assert window.case.get_evidence(first.id).provenance.notes == ""
