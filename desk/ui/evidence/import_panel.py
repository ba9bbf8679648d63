"""The import report under the evidence list: progress, Cancel, and what became of every file.

It is a panel, not a modal dialog, so the reviewer keeps working while a folder imports;
rejected files stay listed with their reason until the panel is closed. An import the case
stopped part-way (another program took the case, the disk filled) says so: what was stored
stays, and every file not stored is listed as such, to be imported again.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QModelIndex, QObject, QRect, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QPainter
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QPushButton,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QToolButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desk.ui.common import icons, theme
from desk.ui.evidence.evidence_model import plain_tooltip

if TYPE_CHECKING:
    from desk.core.intake import IntakeItem, IntakeReport

NOT_STORED = "not stored"  # desk.core.intake.NOT_STORED, without loading intake here
_STATUS = {
    "imported": ("Imported", "ok", theme.OK),
    "duplicate": ("Duplicate", "duplicate", theme.TEXT_DIM),
    "rejected": ("Rejected", "error", theme.DANGER),
    NOT_STORED: ("Not stored", "warning", theme.WARN),
}
#: Problems first: that is what the reviewer has to act on.
_ORDER = {NOT_STORED: 0, "rejected": 1, "duplicate": 2, "imported": 3}
#: Rows whose reason gets a line of its own under the file. Files not stored all share the
#: one reason the panel states above the list; each says it in its Detail cell only.
_WITH_REASON = frozenset({"rejected"})
#: Room the reason line leaves at its sides (px).
_REASON_PADDING = 6


class ReasonDelegate(QStyledItemDelegate):
    """A reason line (a child row spanning the tree) drawn wrapped over the whole width.

    Qt sizes a spanned cell as its first column and elides it there; a reason ("symbolic
    link inside an imported folder: not followed") must be read whole. Drawn as plain text.
    """

    def __init__(self, tree: QTreeWidget) -> None:
        super().__init__(tree)
        self._tree = tree

    @staticmethod
    def _is_reason(index: QModelIndex) -> bool:
        return index.parent().isValid() and index.column() == 0

    def _text_width(self) -> int:
        tree = self._tree
        return max(tree.viewport().width() - tree.indentation() - 2 * _REASON_PADDING, 60)

    def sizeHint(self, option: QStyleOptionViewItem,  # noqa: N802
                 index: QModelIndex) -> QSize:
        if not self._is_reason(index):
            return super().sizeHint(option, index)
        width = self._text_width()
        text = option.fontMetrics.boundingRect(QRect(0, 0, width, 1 << 20),
                                               Qt.TextFlag.TextWordWrap, str(index.data()))
        return QSize(width, text.height() + 4)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem,
              index: QModelIndex) -> None:
        if not self._is_reason(index):
            super().paint(painter, option, index)
            return
        style = self._tree.style()
        style.drawPrimitive(QStyle.PrimitiveElement.PE_PanelItemViewItem, option, painter,
                            self._tree)
        painter.save()
        brush = index.data(Qt.ItemDataRole.ForegroundRole)
        painter.setPen(brush.color() if brush is not None else QColor(theme.TEXT_DIM))
        painter.setFont(option.font)
        area = option.rect.adjusted(_REASON_PADDING, 2, -_REASON_PADDING, -2)
        painter.drawText(area, int(Qt.TextFlag.TextWordWrap | Qt.AlignmentFlag.AlignLeft
                                   | Qt.AlignmentFlag.AlignTop), str(index.data()))
        painter.restore()


def stopped_sentence(report: IntakeReport) -> str:
    """Why the import stopped part-way and what that means for the files, in words."""
    if not report.stopped:
        return ""
    stored, left = len(report.imported), len(report.not_stored)
    why = " ".join(report.stopped.split())
    return (f"The import stopped after {stored:,} file{'s were' if stored != 1 else ' was'}"
            f" stored: {why} The {left:,} file{'s' * (left != 1)} listed as not stored"
            f" {'are' if left != 1 else 'is'} not in the case; the same import run again adds"
            " them (what is stored then shows as a duplicate).")


class ImportPanel(QFrame):
    """Shows one import at a time; `cancelRequested` asks the running import to stop."""

    cancelRequested = Signal()  # noqa: N815
    evidenceActivated = Signal(int)  # noqa: N815 - an imported row was double-clicked

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("ImportPanel")
        self.setProperty("panel", True)
        self.setStyleSheet(f"QFrame#ImportPanel {{ border-top: 1px solid {theme.BORDER}; }}")
        self.running = False
        self.counts = {"imported": 0, "duplicate": 0, "rejected": 0, NOT_STORED: 0}

        self.icon = QLabel()
        self.icon.setPixmap(icons.pixmap("import", 18, theme.ACCENT))
        self.title = QLabel()
        self.title.setTextFormat(Qt.TextFormat.PlainText)
        self.title.setWordWrap(True)  # a long folder name wraps: the column stays narrow
        self.title.setStyleSheet("font-weight: 600;")
        self.summary = QLabel()
        self.summary.setTextFormat(Qt.TextFormat.PlainText)
        self.summary.setWordWrap(True)
        self.summary.setProperty("role", "dim")
        self.stopped = QLabel()
        self.stopped.setObjectName("ImportStopped")
        self.stopped.setTextFormat(Qt.TextFormat.PlainText)  # it quotes the case's file name
        self.stopped.setWordWrap(True)
        self.stopped.setStyleSheet(f"color: {theme.WARN};")
        self.stopped.hide()
        self.bar = QProgressBar()
        self.bar.setTextVisible(False)
        self.bar.setFixedHeight(8)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.clicked.connect(self._cancel)
        self.details_button = QToolButton()
        self.details_button.setText("Hide details")
        self.details_button.clicked.connect(
            lambda: self._show_details(not self.results.isVisibleTo(self)))
        self.close_button = QToolButton()
        self.close_button.setIcon(icons.icon("close", theme.TEXT_DIM))
        self.close_button.setToolTip("Close the import results")
        self.close_button.clicked.connect(self.hide)

        self.results = QTreeWidget()
        self.results.setObjectName("ImportResults")
        self.results.setColumnCount(3)
        self.results.setHeaderLabels(["Result", "File", "Detail"])
        self.results.setRootIsDecorated(False)
        self.results.setIndentation(12)
        self.results.setAlternatingRowColors(True)
        self.results.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        header = self.results.header()
        # The columns share the narrow column's width (no sideways scrolling), and a
        # rejected file's reason wraps on its own line under it.
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(False)
        self.results.setColumnWidth(2, 90)
        self.results.setWordWrap(True)
        # Names of one import share their start (IMG_0412.jpg, frame_024.jpg): cut the middle.
        self.results.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.results.setItemDelegate(ReasonDelegate(self.results))
        self._laid_out_width = 0
        self.results.viewport().installEventFilter(self)
        self.results.setUniformRowHeights(False)
        self.results.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.results.setMaximumHeight(220)
        self.results.itemDoubleClicked.connect(self._activated)

        top = QHBoxLayout()
        top.setContentsMargins(0, 0, 0, 0)
        top.setSpacing(8)
        top.addWidget(self.icon, 0, Qt.AlignmentFlag.AlignTop)
        top.addWidget(self.title, 1)
        top.addWidget(self.details_button, 0, Qt.AlignmentFlag.AlignTop)
        top.addWidget(self.close_button, 0, Qt.AlignmentFlag.AlignTop)
        progress = QHBoxLayout()
        progress.setContentsMargins(0, 0, 0, 0)
        progress.addWidget(self.bar, 1)
        progress.addWidget(self.cancel_button)
        head = QVBoxLayout()
        head.setContentsMargins(10, 8, 8, 8)
        head.setSpacing(4)
        head.addLayout(top)
        head.addWidget(self.summary)
        head.addWidget(self.stopped)
        head.addLayout(progress)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addLayout(head)
        layout.addWidget(self.results)
        self.hide()

    # ----------------------------------------------------------------- one import

    def start(self, description: str) -> None:
        self.running = True
        self.counts = dict.fromkeys(self.counts, 0)
        self.results.clear()
        self.icon.setPixmap(icons.pixmap("import", 18, theme.ACCENT))
        self.title.setText(f"Importing {description}")
        self.summary.setText("Looking for files…")
        self.stopped.hide()
        self.bar.setRange(0, 0)  # busy until the first file tells the total
        self.bar.show()
        self.cancel_button.setEnabled(True)
        self.cancel_button.show()
        self.close_button.hide()
        self.show()

    def add_progress(self, done: int, total: int, item: IntakeItem) -> None:
        self.bar.setRange(0, max(total, 1))
        self.bar.setValue(done)
        self.counts[item.status] = self.counts.get(item.status, 0) + 1
        self.summary.setText(f"{done:,} of {total:,} files · {self._tally()}")
        row = self._row(item)
        self.results.addTopLevelItem(row)
        self._show_reason(row)
        self.results.scrollToBottom()

    def finish(self, report: IntakeReport) -> None:
        self.running = False
        self.results.clear()
        items = sorted(report.items, key=lambda i: _ORDER.get(i.status, 3))
        rows = [self._row(i) for i in items]
        self.results.addTopLevelItems(rows)
        for row in rows:
            self._show_reason(row)
        self.results.scrollToTop()  # problems are listed first
        self.counts = {"imported": len(report.imported), "duplicate": len(report.duplicates),
                       "rejected": len(report.rejected), NOT_STORED: len(report.not_stored)}
        handled = len(report.items)
        self.stopped.setText(stopped_sentence(report))
        self.stopped.setVisible(bool(report.stopped))
        if report.stopped:
            self.title.setText("Import stopped")
            self.summary.setText(self._tally())
        elif report.cancelled:
            self.title.setText("Import cancelled")
            self.summary.setText(f"{self._tally()} · {report.total - handled:,} files not"
                                 " looked at")
        else:
            self.title.setText("Import finished")
            self.summary.setText(self._tally())
        trouble = bool(report.rejected or report.stopped)
        self.icon.setPixmap(icons.pixmap("warning" if trouble else "ok", 18,
                                         theme.WARN if trouble else theme.OK))
        self.bar.hide()
        self.cancel_button.hide()
        self.close_button.show()
        if trouble:
            self._show_details(True)

    def fail(self, message: str) -> None:
        self.running = False
        self.title.setText("Import failed")
        self.summary.setText(message)
        self.icon.setPixmap(icons.pixmap("error", 18, theme.DANGER))
        self.bar.hide()
        self.cancel_button.hide()
        self.close_button.show()

    # ----------------------------------------------------------------- rows

    def _tally(self) -> str:
        c = self.counts
        parts = [f"{c['imported']:,} imported"]
        if c["duplicate"]:
            parts.append(f"{c['duplicate']:,} duplicate{'s' if c['duplicate'] != 1 else ''}")
        if c["rejected"]:
            parts.append(f"{c['rejected']:,} rejected")
        if c.get(NOT_STORED):
            parts.append(f"{c[NOT_STORED]:,} not stored")
        return " · ".join(parts)

    @staticmethod
    def _row(item: IntakeItem) -> QTreeWidgetItem:
        label, icon, colour = _STATUS.get(item.status, (item.status, "info", theme.TEXT_DIM))
        if item.status == "rejected":
            detail = item.reason
        elif item.status == NOT_STORED:  # the label says "Not stored"; the reason says why
            detail = item.reason.removeprefix("not stored: ") or "the case refused it"
        elif item.evidence_id is not None:
            detail = f"evidence #{item.evidence_id}"
            if item.status == "duplicate":
                detail = f"already in the case as {detail}"
        else:
            detail = item.reason
        row = QTreeWidgetItem([label, Path(item.path).name, detail])
        row.setIcon(0, icons.icon(icon, colour))
        row.setForeground(0, QColor(colour))
        row.setToolTip(1, plain_tooltip(item.path))
        row.setToolTip(2, plain_tooltip(detail))
        row.setData(0, Qt.ItemDataRole.UserRole, item.evidence_id)
        row.setData(1, Qt.ItemDataRole.UserRole, item.status)
        return row

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        """A new width wraps the reasons anew: their rows take another height."""
        if (event.type() == QEvent.Type.Resize and watched is self.results.viewport()
                and self.results.viewport().width() != self._laid_out_width):
            self._laid_out_width = self.results.viewport().width()
            QTimer.singleShot(0, self.results.doItemsLayout)
        return False

    def _show_reason(self, row: QTreeWidgetItem) -> None:
        """A rejected file's reason on a line of its own under it, the column's full width:
        in the narrow evidence column the Detail cell alone would cut it off."""
        if row.data(1, Qt.ItemDataRole.UserRole) not in _WITH_REASON or not row.text(2):
            return
        reason = QTreeWidgetItem([row.text(2)])
        reason.setForeground(0, QColor(theme.TEXT_DIM))
        reason.setToolTip(0, plain_tooltip(row.text(2)))
        reason.setFlags(Qt.ItemFlag.ItemIsEnabled)
        row.addChild(reason)
        reason.setFirstColumnSpanned(True)
        row.setExpanded(True)

    def rows(self) -> list[tuple[str, str, str]]:
        """(result, file name, detail) of every listed file, as the reviewer reads them."""
        out = []
        for i in range(self.results.topLevelItemCount()):
            row = self.results.topLevelItem(i)
            out.append((row.text(0), row.text(1), row.text(2)))
        return out

    def _activated(self, row: QTreeWidgetItem, column: int) -> None:
        evidence_id = row.data(0, Qt.ItemDataRole.UserRole)
        if isinstance(evidence_id, int):
            self.evidenceActivated.emit(evidence_id)

    def _cancel(self) -> None:
        self.cancel_button.setEnabled(False)
        self.summary.setText("Stopping after the current file…")
        self.cancelRequested.emit()

    def _show_details(self, shown: bool) -> None:
        self.results.setVisible(shown)
        self.details_button.setText("Hide details" if shown else "Show details")
