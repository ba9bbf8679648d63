"""Edit fields that commit like the inspector's: once, when the reviewer leaves them.

Each field says `editingFinished` when focus leaves it (and on Return for one-line fields);
the owner compares its text with the case and pushes one undoable command if they differ.
`show` puts the case's value back without disturbing a field that already shows it, so an
undo or a refresh never moves the cursor of a field being typed in.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtGui import QFocusEvent
from PySide6.QtWidgets import QLineEdit, QPlainTextEdit, QWidget


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

    def show_value(self, value: str) -> None:
        if self.toPlainText() != value:
            self.setPlainText(value)

    def focusOutEvent(self, event: QFocusEvent) -> None:  # noqa: N802 - Qt's name
        super().focusOutEvent(event)
        self.editingFinished.emit()
