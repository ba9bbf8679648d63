"""Edit fields that commit like the inspector's: once, when the reviewer leaves them.

Each field says `editingFinished` when focus leaves it (and on Return for one-line fields);
the owner compares its text with the case and pushes one undoable command if they differ.
`show` puts the case's value back without disturbing a field that already shows it, so an
undo or a refresh never moves the cursor of a field being typed in.
"""

from __future__ import annotations

import itertools
from typing import ClassVar

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFocusEvent
from PySide6.QtWidgets import QLabel, QLineEdit, QPlainTextEdit, QWidget

from desk.core.dates import is_date_text


class LineField(QLineEdit):
    """One line of case text (a name, a URL, a date); plain text by nature."""

    def __init__(self, placeholder: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setPlaceholderText(placeholder)

    def show_value(self, value: str) -> None:
        if self.text() != value:
            self.setText(value)
            self.setCursorPosition(0)
        self.setToolTip(value if len(value) > 40 else "")


class TextField(QPlainTextEdit):
    """Several lines of case text; like QLineEdit, it says when the reviewer is done with it."""

    editingFinished = Signal()  # noqa: N815 - Qt's name, as on QLineEdit

    def __init__(self, placeholder: str = "", lines: int = 3,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setPlaceholderText(placeholder)
        self.setTabChangesFocus(True)
        self.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        self.set_lines(lines)

    def height_for_lines(self, lines: int) -> int:
        """Pixels that show `lines` lines: text, document margins, padding and frame."""
        margin = int(self.document().documentMargin())
        return self.fontMetrics().lineSpacing() * lines + 2 * margin + 16

    def set_lines(self, lines: int) -> None:
        """As tall as `lines` lines of text; longer text scrolls."""
        self.setFixedHeight(self.height_for_lines(lines))

    def text(self) -> str:
        return self.toPlainText()

    def setText(self, text: str) -> None:  # noqa: N802 - QLineEdit's name, so either fits
        self.setPlainText(text)

    def show_value(self, value: str) -> None:
        if self.toPlainText() != value:
            self.setPlainText(value)

    def focusOutEvent(self, event: QFocusEvent) -> None:  # noqa: N802 - Qt's name
        super().focusOutEvent(event)
        self.editingFinished.emit()


def date_problem(text: str, *, with_time: bool = False) -> str:
    """Why `text` is not a date desk stores (empty when it is one, or when it is empty); the
    rule is the core's (`desk.core.dates`), shared with the command line."""
    value = text.strip()
    if not value or is_date_text(value, with_time=with_time):
        return ""
    example = "2025-12-29 14:05" if with_time else "2025-12-29"
    return (f"“{value[:40]}” is not a date: type it as YYYY-MM-DD{' HH:MM' * with_time}, for"
            f" example {example}. It is not saved until it is one.")


class DateField(LineField):
    """A date as text: kept as typed, saved only once it reads as a date.

    `problem_label` (placed by the owner under the field) says what the field expects while
    the text is not a date; the owner asks `acceptable()` before committing.
    """

    #: The problem line appeared or went (True: shown): the owner may need to re-fit.
    problemShown = Signal(bool)  # noqa: N815
    #: Typed text that is not a date yet, of records no longer shown: (field name, key).
    _typed: ClassVar[dict[tuple[str, object], str]] = {}

    def __init__(self, placeholder: str = "YYYY-MM-DD", *, with_time: bool = False,
                 parent: QWidget | None = None) -> None:
        super().__init__(placeholder, parent)
        self._with_time = with_time
        self._key: object = None  # the record shown (see show_value)
        self._shown = ""
        self.problem_label = QLabel()
        self.problem_label.setTextFormat(Qt.TextFormat.PlainText)
        self.problem_label.setWordWrap(True)
        self.problem_label.setObjectName("DateProblem")
        self.problem_label.setProperty("role", "error")
        self.problem_label.hide()
        self.textEdited.connect(self._recheck_if_marked)

    def problem(self) -> str:
        return date_problem(self.text(), with_time=self._with_time)

    def acceptable(self) -> bool:
        """True when the text may be saved; otherwise mark the field and say why."""
        message = self.problem()
        self._mark(message)
        return not message

    def show_value(self, value: str, key: object = None) -> None:
        """The case's value of the record `key` (a claim, a statement, an item).

        Typed text that is not a date yet is never lost: it stays, marked, while the same
        record is shown and its value in the case is unchanged, and it comes back when the
        reviewer returns to that record after looking at another.
        """
        field = self.objectName()
        if key != self._key:
            if self.property("invalid"):
                DateField._typed[(field, self._key)] = self.text()
            self._key, self._shown = key, value
            typed = DateField._typed.pop((field, key), None)
            if typed is not None:
                self.setText(typed)
                self._mark(self.problem())
                return
        elif self.property("invalid") and self._shown == value:
            return
        self._shown = value
        super().show_value(value)
        self._mark("")

    @classmethod
    def forget_typed(cls) -> None:
        """Drop text kept for records not shown (the case they belong to closed)."""
        cls._typed.clear()

    def _recheck_if_marked(self, _: str) -> None:
        if self.property("invalid"):
            self._mark(self.problem())

    def _mark(self, message: str) -> None:
        self.problem_label.setText(message)
        self.problem_label.setVisible(bool(message))
        if bool(self.property("invalid")) != bool(message):
            self.setProperty("invalid", bool(message))
            self.style().unpolish(self)
            self.style().polish(self)
            self.problemShown.emit(bool(message))


def chain_tab_order(*widgets: QWidget) -> None:
    """Tab visits `widgets` in the order given (the order a reviewer reads them)."""
    for first, second in itertools.pairwise(widgets):
        QWidget.setTabOrder(first, second)
