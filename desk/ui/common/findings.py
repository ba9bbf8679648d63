"""A list of verification findings the reviewer reads, scrolls and copies.

Findings quote the case (an original's file name, a claim's text), so every line stays plain
text: a QListWidget item never interprets markup. Whitespace is folded so a name with line
breaks cannot make one finding look like two.
"""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QGuiApplication
from PySide6.QtWidgets import QAbstractItemView, QFrame, QListWidget, QListWidgetItem, QWidget

from desk.ui.common import theme

#: Rows shown before the list scrolls; a case with hundreds of edited rows stays one box.
VISIBLE_ROWS = 8


def folded(text: object) -> str:
    """One finding on one line, however its quoted names were written."""
    return " ".join(str(text).split())


class FindingsList(QListWidget):
    """The findings of a check, one per row, wrapped to the width, selectable and copyable."""

    def __init__(self, parent: QWidget | None = None, *, colour: str = theme.TEXT) -> None:
        super().__init__(parent)
        self.setObjectName("Findings")
        self._colour = colour
        self.setWordWrap(True)
        self.setUniformItemSizes(False)
        self.setResizeMode(QListWidget.ResizeMode.Adjust)
        self.setTextElideMode(Qt.TextElideMode.ElideNone)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAlternatingRowColors(True)
        self.setSpacing(1)

    def set_findings(self, findings: Iterable[object]) -> None:
        self.clear()
        for finding in findings:
            item = QListWidgetItem(f"•  {folded(finding)}")
            item.setForeground(QColor(self._colour))
            item.setToolTip(folded(finding))
            self.addItem(item)
        rows = max(1, min(self.count(), VISIBLE_ROWS))
        # About two lines a finding in a narrow column; the list scrolls past that.
        line = self.fontMetrics().lineSpacing()
        self.setMinimumHeight(min(rows, 3) * line * 2 + 8)
        self.setMaximumHeight(rows * line * 2 + 8)

    def findings(self) -> list[str]:
        """Every finding as it is listed (without its bullet)."""
        return [self.item(i).text().removeprefix("•  ") for i in range(self.count())]

    def copy_all(self) -> str:
        """All findings onto the clipboard, one a line, for a report or a colleague."""
        text = "\n".join(self.findings())
        QGuiApplication.clipboard().setText(text)
        return text
