"""A list of verification findings the reviewer reads, scrolls and copies.

Findings quote the case (an original's file name, a claim's text), so every line stays plain
text: a QListWidget item never interprets markup. Whitespace is folded so a name with line
breaks cannot make one finding look like two.
"""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import QRect, QSize, Qt
from PySide6.QtGui import QColor, QGuiApplication, QResizeEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QListWidget,
    QListWidgetItem,
    QStyle,
    QWidget,
)

from desk.ui.common import theme

#: Lines shown before the list scrolls; a case with hundreds of edited rows stays one box.
VISIBLE_LINES = 14


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
        self._width = 0

    def set_findings(self, findings: Iterable[object]) -> None:
        self.clear()
        for finding in findings:
            item = QListWidgetItem(f"•  {folded(finding)}")
            item.setForeground(QColor(self._colour))
            item.setToolTip(folded(finding))
            self.addItem(item)
        self.updateGeometry()

    def _contents_height(self) -> int:
        """The findings' height wrapped to the present width, capped at VISIBLE_LINES."""
        # sizeHintForRow measures one unwrapped line; measure the text as the view wraps it
        # (the style keeps a focus-frame margin, plus one pixel, on either side).
        margin = self.style().pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, None, self)
        width = max(self.viewport().width() - 2 * (margin + 1), 40)
        metrics = self.fontMetrics()
        total = 2 * self.frameWidth() + 2
        for row in range(self.count()):
            text = metrics.boundingRect(QRect(0, 0, width, 1 << 20),
                                        Qt.TextFlag.TextWordWrap, self.item(row).text())
            total += text.height() + 4 + 2 * self.spacing()
        return min(total, self.fontMetrics().lineSpacing() * VISIBLE_LINES + 8)

    def sizeHint(self) -> QSize:  # noqa: N802 - as tall as the findings, then it scrolls
        return QSize(super().sizeHint().width(), self._contents_height())

    def minimumSizeHint(self) -> QSize:  # noqa: N802 - in a scrolling form, all of it shows
        return QSize(super().minimumSizeHint().width(), self._contents_height())

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802
        super().resizeEvent(event)
        if event.size().width() != self._width:  # wrapped anew: another height
            self._width = event.size().width()
            self.updateGeometry()

    def findings(self) -> list[str]:
        """Every finding as it is listed (without its bullet)."""
        return [self.item(i).text().removeprefix("•  ") for i in range(self.count())]

    def copy_all(self) -> str:
        """All findings onto the clipboard, one a line, for a report or a colleague."""
        text = "\n".join(self.findings())
        QGuiApplication.clipboard().setText(text)
        return text
