"""The case's claims, one row each: what was claimed, by whom, and where its verdict stands.

Rows are painted by a delegate from plain values (the claim text is untrusted and only ever
drawn as text). `show_claims` updates rows in place by id, so a refresh after an edit keeps
the selection and never resets the view under the reviewer's mouse.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPen, QTextLayout, QTextOption
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from desk.core.model import Rating
from desk.ui.claims import claim_style
from desk.ui.common import theme

ModelIndex = QModelIndex | QPersistentModelIndex
_ROW = Qt.ItemDataRole.UserRole + 1
ROW_HEIGHT = 86
PAD = 10


@dataclass(frozen=True)
class ClaimRow:
    """What a row shows; built by the page from the case."""

    id: int
    text: str
    claimant: str
    rating: Rating | None
    statements: int
    evidence: int
    disagree: bool


class ClaimDelegate(QStyledItemDelegate):
    """Two lines of the claim, then the claimant, counts and a rating pill."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._text_font = QFont()
        self._text_font.setWeight(QFont.Weight.DemiBold)
        self._small_font = QFont()
        self._small_font.setPointSizeF(max(8.0, self._small_font.pointSizeF() - 1))
        self._pill_font = QFont()
        self._pill_font.setPointSizeF(7.5)
        self._pill_font.setWeight(QFont.Weight.Bold)

    def sizeHint(self, option: QStyleOptionViewItem, index: ModelIndex) -> QSize:  # noqa: N802
        return QSize(240, ROW_HEIGHT)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: ModelIndex) -> None:
        row = index.data(_ROW)
        if not isinstance(row, ClaimRow):
            return
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        rect: QRect = option.rect  # type: ignore[attr-defined]
        state = option.state  # type: ignore[attr-defined]
        selected = bool(state & QStyle.StateFlag.State_Selected)
        if selected:
            painter.fillRect(rect, QColor(theme.SELECTION))
            painter.fillRect(QRect(rect.left(), rect.top(), 3, rect.height()),
                             QColor(theme.ACCENT))
        elif state & QStyle.StateFlag.State_MouseOver:
            painter.fillRect(rect, QColor(theme.PANEL_ALT))
        painter.setPen(QPen(QColor(theme.BORDER), 1))
        painter.drawLine(rect.left() + PAD, rect.bottom(), rect.right(), rect.bottom())

        left, width = rect.left() + PAD + 2, rect.width() - 2 * PAD - 2
        top = rect.top() + 8
        painter.setPen(QColor("#ffffff" if selected else theme.TEXT))
        painter.setFont(self._text_font)
        text_height = self._draw_two_lines(painter, row.text or "(no claim text)", left, top,
                                           width)
        top += text_height + 3

        painter.setFont(self._small_font)
        small = QFontMetrics(self._small_font)
        facts = [f"#{row.id}"]
        if row.claimant:
            facts.append(row.claimant)
        facts.append(f"{row.statements} statement{'s' * (row.statements != 1)}")
        facts.append(f"{row.evidence} evidence")
        painter.setPen(QColor(theme.TEXT_DIM))
        pill_width = self._pill_width(row)
        line = small.elidedText(" · ".join(facts), Qt.TextElideMode.ElideRight,
                                width - pill_width - 8)
        bottom = rect.bottom() - 8 - small.height()
        painter.drawText(QRect(left, bottom, width, small.height()),
                         Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, line)
        self._draw_pill(painter, row, rect.right() - PAD - pill_width, bottom, pill_width,
                        small.height())
        painter.restore()

    def _draw_two_lines(self, painter: QPainter, text: str, left: int, top: int,
                        width: int) -> int:
        """The claim in at most two lines, the second elided: enough to tell claims apart."""
        metrics = QFontMetrics(self._text_font)
        source = " ".join(text.split())
        layout = QTextLayout(source, self._text_font)
        option = QTextOption()
        option.setWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)
        layout.setTextOption(option)
        layout.beginLayout()
        first = layout.createLine()
        if first.isValid():
            first.setLineWidth(width)
        layout.endLayout()
        if not first.isValid():
            return 0
        cut = first.textStart() + first.textLength()
        lines = [source[:cut].strip()]
        rest = source[cut:].strip()
        if rest:
            lines.append(metrics.elidedText(rest, Qt.TextElideMode.ElideRight, width))
        y = top
        for line in lines:
            painter.drawText(QRect(left, y, width, metrics.height()),
                             Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, line)
            y += metrics.height()
        return y - top

    def _pill_text(self, row: ClaimRow) -> str:
        return str(row.rating).upper() if row.rating is not None else "NO VERDICT"

    def _pill_width(self, row: ClaimRow) -> int:
        return QFontMetrics(self._pill_font).horizontalAdvance(self._pill_text(row)) + 14

    def _draw_pill(self, painter: QPainter, row: ClaimRow, x: int, y: int, width: int,
                   height: int) -> None:
        colour = QColor(claim_style.RATING_COLOURS[row.rating] if row.rating is not None
                        else theme.TEXT_FAINT)
        fill = QColor(colour)
        fill.setAlpha(50 if row.rating is not None else 0)
        painter.setFont(self._pill_font)
        painter.setPen(QPen(colour, 1, Qt.PenStyle.SolidLine if row.rating is not None
                            else Qt.PenStyle.DashLine))
        painter.setBrush(fill)
        pill = QRectF(x + 0.5, y + 0.5, width, height)
        painter.drawRoundedRect(pill, height / 2, height / 2)
        painter.setPen(colour.lighter(125))
        painter.drawText(pill, Qt.AlignmentFlag.AlignCenter, self._pill_text(row))


class ClaimList(QWidget):
    """The left column of the claims page: the claims, with add and delete."""

    currentClaimChanged = Signal(object)  # noqa: N815 - claim id or None
    addRequested = Signal()  # noqa: N815
    deleteRequested = Signal(int)  # noqa: N815

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("ClaimList")
        self._read_only = False
        self.title = QLabel("Claims")
        self.title.setProperty("role", "heading")
        self.count = QLabel("")
        self.count.setProperty("role", "dim")
        self.add_button = QToolButton()
        self.add_button.setObjectName("AddClaim")
        self.add_button.setIcon(claim_style.icon("plus"))
        self.add_button.setToolTip("Add a claim to the case")
        self.add_button.clicked.connect(self.addRequested)
        self.delete_button = QToolButton()
        self.delete_button.setObjectName("DeleteClaim")
        self.delete_button.setIcon(claim_style.icon("trash"))
        self.delete_button.setToolTip("Delete the selected claim with its statements, links"
                                      " and verdict (undo brings them back)")
        self.delete_button.clicked.connect(self._delete_clicked)

        self.list = QListWidget()
        self.list.setObjectName("ClaimRows")
        self.list.setItemDelegate(ClaimDelegate(self.list))
        self.list.setUniformItemSizes(True)
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.list.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.list.setMouseTracking(True)
        self.list.setFrameShape(QFrame.Shape.NoFrame)
        self.list.currentItemChanged.connect(self._current_changed)

        self.empty = QLabel("No claims yet.\n\nAdd the claim you are checking with +:"
                            " its statements, evidence and verdict go with it.")
        self.empty.setWordWrap(True)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
        self.empty.setProperty("role", "dim")
        self.empty.setContentsMargins(16, 24, 16, 0)

        header = QHBoxLayout()
        header.setContentsMargins(12, 10, 8, 6)
        header.setSpacing(4)
        header.addWidget(self.title)
        header.addWidget(self.count)
        header.addStretch(1)
        header.addWidget(self.add_button)
        header.addWidget(self.delete_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addLayout(header)
        separator = QFrame()
        separator.setFrameShape(QFrame.Shape.HLine)
        separator.setStyleSheet(f"color: {theme.BORDER};")
        layout.addWidget(separator)
        layout.addWidget(self.empty)
        layout.addWidget(self.list, 1)
        self._update_empty()

    # ----------------------------------------------------------------- rows

    def show_claims(self, rows: list[ClaimRow]) -> None:
        """Show these rows (in order), updating existing ones in place."""
        current = self.current_claim_id()
        wanted = {row.id for row in rows}
        self.list.blockSignals(True)
        try:
            for n in reversed(range(self.list.count())):
                if self._id(self.list.item(n)) not in wanted:
                    self.list.takeItem(n)
            items = {self._id(self.list.item(n)): self.list.item(n)
                     for n in range(self.list.count())}
            for position, row in enumerate(rows):
                item = items.get(row.id)
                if item is None:
                    item = QListWidgetItem()
                    self.list.insertItem(position, item)
                elif self.list.row(item) != position:
                    self.list.takeItem(self.list.row(item))
                    self.list.insertItem(position, item)
                item.setData(_ROW, row)
                item.setData(Qt.ItemDataRole.AccessibleTextRole, row.text)
                item.setToolTip("")
        finally:
            self.list.blockSignals(False)
        self.count.setText(f"{len(rows)}" if rows else "")
        self._update_empty()
        if current is not None and current in wanted:
            self.select_claim(current)
        elif rows:
            self.list.setCurrentRow(0)
        else:
            self.list.setCurrentItem(None)
        if self.current_claim_id() != current:
            self.currentClaimChanged.emit(self.current_claim_id())
        self.list.viewport().update()

    def rows(self) -> list[ClaimRow]:
        return [self.list.item(n).data(_ROW) for n in range(self.list.count())]

    def current_claim_id(self) -> int | None:
        return self._id(self.list.currentItem())

    def select_claim(self, claim_id: int) -> bool:
        for n in range(self.list.count()):
            if self._id(self.list.item(n)) == claim_id:
                if self.list.currentRow() != n:
                    self.list.setCurrentRow(n)
                return True
        return False

    def set_read_only(self, read_only: bool) -> None:
        self.add_button.setEnabled(not read_only)
        self._read_only = read_only
        self.delete_button.setEnabled(not read_only and self.list.currentItem() is not None)

    @staticmethod
    def _id(item: QListWidgetItem | None) -> int | None:
        if item is None:
            return None
        row = item.data(_ROW)
        return row.id if isinstance(row, ClaimRow) else None

    def _current_changed(self, current: QListWidgetItem | None, *_: object) -> None:
        self.delete_button.setEnabled(current is not None and
                                      not self._read_only)
        self.currentClaimChanged.emit(self._id(current))

    def _delete_clicked(self) -> None:
        claim_id = self.current_claim_id()
        if claim_id is not None:
            self.deleteRequested.emit(claim_id)

    def _update_empty(self) -> None:
        empty = self.list.count() == 0
        self.empty.setVisible(empty)
        self.list.setVisible(not empty)
        self.delete_button.setEnabled(not empty and not self._read_only
                                      and self.list.currentItem() is not None)
