"""The undo stack over core commands: every edit a reviewer makes goes through `push`.

A core command applies itself in one transaction (with its custody-log entry) and returns its
inverse; the QUndoCommand here only keeps the pair and swaps them. Views never refresh
themselves after an edit: they listen to `applied`, which also fires on undo and redo, and
ask `desk.core.commands.touched(command)` what it changed, so each redraws only that.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoCommand, QUndoStack

if TYPE_CHECKING:
    from desk.core.casefile import CaseFile
    from desk.core.commands import Command

#: QUndoStack only offers to merge commands that share an id other than -1.
_MERGE_ID = 0x4445


class CoreCommand(QUndoCommand):
    """One undo step: a core command and, once applied, its inverse."""

    def __init__(self, stack: CaseUndoStack, command: Command, inverse: Command,
                 merge_group: object | None = None) -> None:
        super().__init__(command.description)
        self._stack = stack
        self._command = command
        self._inverse = inverse
        self._merge_group = merge_group
        self._applied_on_push = True

    def redo(self) -> None:
        if self._applied_on_push:  # QUndoStack.push calls redo(); push_command applied it already
            self._applied_on_push = False
            return
        inverse = self._stack.apply(self._command)
        if inverse is None:
            self.setObsolete(True)
        else:
            self._inverse = inverse
            self._stack.stepped.emit("redo", self._command, self.text())

    def undo(self) -> None:
        applied = self._inverse
        command = self._stack.apply(applied)
        if command is None:
            self.setObsolete(True)
        else:
            self._command = command
            self._stack.stepped.emit("undo", applied, self.text())

    def id(self) -> int:
        return _MERGE_ID if self._merge_group is not None else -1

    def mergeWith(self, other: QUndoCommand) -> bool:  # noqa: N802 - Qt's name
        """Steps of one gesture (a drag) become one step: redo to the last, undo to the first."""
        if (
            not isinstance(other, CoreCommand)
            or other._merge_group is not self._merge_group
            or not self._command.mergeable_with(other._command)
        ):
            return False
        self._command = other._command
        return True


class CaseUndoStack(QUndoStack):
    """The undo history of the open case; cleared when the case closes."""

    #: A core command was applied (push, undo or redo); views refresh what it touched.
    applied = Signal(object)
    #: An edit could not be made; the message is written for the reviewer.
    failed = Signal(str)
    #: Undo or redo went through: ("undo" or "redo", the command applied, the step's name),
    #: so the window can say what changed and where (it may be out of sight).
    stepped = Signal(str, object, str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._case: CaseFile | None = None

    @property
    def case(self) -> CaseFile | None:
        return self._case

    def set_case(self, case: CaseFile | None) -> None:
        self.clear()
        self._case = case

    def push_command(self, command: Command, merge_group: object | None = None) -> bool:
        """Apply an edit now and make it undoable; False (and `failed`) if the case refused it.

        Commands pushed with the same `merge_group` object merge when the core allows it.
        """
        inverse = self.apply(command)
        if inverse is None:
            return False
        self.push(CoreCommand(self, command, inverse, merge_group))
        return True

    def apply(self, command: Command) -> Command | None:
        if self._case is None:
            self.failed.emit("No case is open.")
            return None
        try:
            inverse = command.apply(self._case)
        except Exception as exc:  # noqa: BLE001 - a refused edit must not take the window down
            self.failed.emit(_describe(exc))
            return None
        self.applied.emit(command)
        return inverse


def _describe(exc: Exception) -> str:
    from desk.core.casefile import CaseFileError

    if isinstance(exc, CaseFileError):
        return str(exc)
    import logging

    logging.getLogger(__name__).error("edit refused", exc_info=exc)
    return ("The change could not be saved to the case file, so nothing was changed. The"
            " details are in desk's log.")

