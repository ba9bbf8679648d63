"""What each source said about the claim, as cards side by side, so contradictions show.

The numbers a statement states ("91 drones") come from the dossier's own
`statement_figures`, so the window and the dossier agree on what counts as a figure. When the
statements give different figures, a banner says so ("Statements disagree: 91 vs 41") and the
figures are marked in amber inside each quote. Marking is done by a syntax highlighter over
plain text: nothing a source wrote is ever read as markup.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import QSize, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QFont, QResizeEvent, QSyntaxHighlighter, QTextCharFormat
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from desk.ui.claims import claim_style
from desk.ui.common import icons, theme
from desk.ui.common.fields import DateField, LineField, TextField, chain_tab_order

if TYPE_CHECKING:
    from PySide6.QtGui import QTextDocument

    from desk.core.model import Statement
    from desk.ui.common.undo import CaseUndoStack

CARD_MIN_WIDTH = 270
CARD_MAX_WIDTH = 460
#: Field name -> placeholder, in the order a card shows them.
STATEMENT_FIELDS: dict[str, str] = {
    "speaker": "Who said it",
    "said_at": "When (YYYY-MM-DD)",
    "venue": "Where (briefing, channel, post…)",
    "text": "What they said, in their words",
    "source_url": "https://… source of the statement",
}


def figures_of(text: str) -> list[str]:
    """The figures a statement states, as the dossier reads them."""
    from desk.dossier.data import statement_figures

    return statement_figures(text)


def figure_spans(text: str) -> list[tuple[int, int]]:
    """Where each of `figures_of(text)` stands in `text` (start, length), in order."""
    spans: list[tuple[int, int]] = []
    position = 0
    for figure in figures_of(text):
        start = text.find(figure, position)
        while start >= 0:
            before = text[start - 1] if start else " "
            end = start + len(figure)
            after = text[end] if end < len(text) else " "
            if not (before.isalnum() or before in ".,_") and not (after.isalnum() or after == "_"):
                break
            start = text.find(figure, start + 1)
        if start < 0:
            continue
        spans.append((start, len(figure)))
        position = start + len(figure)
    return spans


@dataclass(frozen=True)
class Disagreement:
    """The figures of each statement that states any, and whether they differ."""

    figures: tuple[tuple[str, tuple[str, ...]], ...]  # (speaker, figures) per statement

    @property
    def differ(self) -> bool:
        distinct = {f for _, f in self.figures}
        return len(self.figures) > 1 and len(distinct) > 1

    def headline(self) -> str:
        """'Statements disagree: 91 vs 41' (each distinct set of figures once, in order)."""
        seen: list[str] = []
        for _, figures in self.figures:
            text = ", ".join(figures)
            if text not in seen:
                seen.append(text)
        return "Statements disagree: " + " vs ".join(seen)

    def detail(self) -> str:
        return " · ".join(f"{speaker or 'Unnamed source'} says {', '.join(figures)}"
                          for speaker, figures in self.figures)


def disagreement(statements: list[Statement]) -> Disagreement:
    return Disagreement(tuple((s.speaker, tuple(f)) for s in statements
                              if (f := figures_of(s.text))))


class FigureHighlighter(QSyntaxHighlighter):
    """Marks the figures in a quote: bold always, amber when the sources disagree."""

    def __init__(self, document: QTextDocument) -> None:
        super().__init__(document)
        self._colour = theme.TEXT
        self._background = ""

    def set_disagree(self, disagree: bool) -> None:
        colour = claim_style.DISAGREE if disagree else theme.TEXT
        background = "#4a3512" if disagree else ""
        if (colour, background) != (self._colour, self._background):
            self._colour, self._background = colour, background
            self.rehighlight()

    def highlightBlock(self, text: str) -> None:  # noqa: N802 - Qt's name
        style = QTextCharFormat()
        style.setFontWeight(QFont.Weight.Bold)
        style.setForeground(QColor(self._colour))
        if self._background:
            style.setBackground(QColor(self._background))
        for start, length in figure_spans(text):
            self.setFormat(start, length, style)


class QuoteField(TextField):
    """The statement's words; grows with them (up to a point) so cards read like quotes."""

    MAX_LINES = 9

    def __init__(self, placeholder: str, parent: QWidget | None = None) -> None:
        super().__init__(placeholder, lines=2, parent=parent)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.document().documentLayout().documentSizeChanged.connect(self._size_changed)
        self.highlighter = FigureHighlighter(self.document())

    def _size_changed(self, *_: object) -> None:
        self._fit()

    def _fit(self) -> None:
        # The plain-text layout measures its document in lines, wrapped ones included.
        lines = int(self.document().documentLayout().documentSize().height())
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded
                                        if lines > self.MAX_LINES else
                                        Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        height = self.height_for_lines(max(2, min(lines, self.MAX_LINES)))
        if self.height() != height:
            self.setFixedHeight(height)

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802
        super().resizeEvent(event)
        QTimer.singleShot(0, self, self._fit)  # line wrapping changed with the width


class StatementCard(QFrame):
    """One source's statement: who, when, where, the words and the figures in them."""

    committed = Signal(int, str)  # statement id, field
    deleteRequested = Signal(int)  # noqa: N815
    heightChanged = Signal()  # noqa: N815 - a line appeared or went (the date's problem)

    def __init__(self, statement: Statement, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("StatementCard")
        self.setProperty("card", True)
        self.statement_id = statement.id
        self.setMinimumWidth(CARD_MIN_WIDTH)
        self.setMaximumWidth(CARD_MAX_WIDTH)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Maximum)
        self.fields: dict[str, LineField | QuoteField] = {}
        for name, hint in STATEMENT_FIELDS.items():
            field: LineField | QuoteField
            if name == "text":
                field = QuoteField(hint)
            elif name == "said_at":
                field = DateField(hint)
            else:
                field = LineField(hint)
            field.setObjectName(f"statement_{name}")
            field.editingFinished.connect(lambda n=name: self.committed.emit(self.statement_id, n))
            self.fields[name] = field
        self.fields["speaker"].setStyleSheet("font-weight: 600; font-size: 11pt;")
        self.quote = self.fields["text"]
        assert isinstance(self.quote, QuoteField)

        self.figures = QWidget()
        self._figure_row = QHBoxLayout(self.figures)
        self._figure_row.setContentsMargins(0, 0, 0, 0)
        self._figure_row.setSpacing(4)
        self.delete_button = QToolButton()
        self.delete_button.setObjectName("DeleteStatement")
        self.delete_button.setIcon(claim_style.icon("trash", theme.TEXT_DIM))
        self.delete_button.setToolTip("Delete this statement (undo brings it back)")
        self.delete_button.clicked.connect(lambda: self.deleteRequested.emit(self.statement_id))

        head = QHBoxLayout()
        head.setSpacing(4)
        head.addWidget(self.fields["speaker"], 1)
        head.addWidget(self.delete_button)
        when = QHBoxLayout()
        when.setSpacing(4)
        self.fields["said_at"].setFixedWidth(112)
        when.addWidget(self.fields["said_at"])
        when.addWidget(self.fields["venue"], 1)
        self.no_figures = claim_style.plain_label("no figure stated", wrap=False,
                                                  role="dim")
        self.no_figures.setStyleSheet("font-size: 9pt; font-style: italic;")
        figure_line = QHBoxLayout()
        figure_line.setContentsMargins(4, 2, 0, 2)
        figure_line.addWidget(self.figures)
        figure_line.addWidget(self.no_figures)
        figure_line.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.setSpacing(4)
        layout.addLayout(head)
        layout.addLayout(when)
        layout.addLayout(figure_line)
        self.date_field = self.fields["said_at"]
        assert isinstance(self.date_field, DateField)
        layout.addWidget(self.date_field.problem_label)
        self.date_field.problemShown.connect(lambda _shown: self.heightChanged.emit())
        layout.addWidget(self.quote)
        layout.addWidget(self.fields["source_url"])
        # Tab follows the card as it reads: who, when, where, the words, the source; the
        # delete button last, so typing never lands on it.
        chain_tab_order(*self.fields.values(), self.delete_button)
        self.setStyleSheet(
            "QFrame#StatementCard QLineEdit { background: transparent;"
            " border-color: transparent; }"
            f" QFrame#StatementCard QLineEdit:hover {{ border-color: {theme.BORDER}; }}"
            f" QFrame#StatementCard QLineEdit:focus {{ border-color: {theme.ACCENT};"
            f" background: {theme.BASE}; }}"
            f" QFrame#StatementCard QLineEdit[invalid=\"true\"] {{ border-color: {theme.DANGER};"
            f" }}")
        self._shown_figures: tuple[tuple[str, ...], bool] | None = None
        self.show_statement(statement, disagree=False)

    def show_statement(self, statement: Statement, *, disagree: bool) -> None:
        for name, field in self.fields.items():
            if isinstance(field, DateField):
                field.show_value(str(getattr(statement, name)), statement.id)
            else:
                field.show_value(str(getattr(statement, name)))
        self.quote.highlighter.set_disagree(disagree)
        figures = tuple(figures_of(statement.text))
        if self._shown_figures != (figures, disagree):
            self._shown_figures = (figures, disagree)
            self._show_figures(figures, disagree)

    def _show_figures(self, figures: tuple[str, ...], disagree: bool) -> None:
        while self._figure_row.count():
            item = self._figure_row.takeAt(0)
            if item.widget() is not None:
                item.widget().hide()  # gone now, not only at the next deferred delete
                item.widget().deleteLater()
        colour = claim_style.DISAGREE if disagree else theme.TEXT_DIM
        for figure in figures[:4]:
            chip = claim_style.plain_label(figure, wrap=False)
            chip.setObjectName("FigureChip")
            chip.setToolTip("A figure this statement states" + (
                "; the statements give different figures" if disagree else ""))
            chip.setStyleSheet(
                f"color: {colour}; border: 1px solid {colour}; border-radius: 11px;"
                " padding: 1px 12px; font-weight: 800; font-size: 15pt;")
            self._figure_row.addWidget(chip)
        self.figures.setVisible(bool(figures))
        self.no_figures.setVisible(not figures)

    def field_values(self) -> dict[str, str]:
        return {name: field.text() for name, field in self.fields.items()}

    def set_read_only(self, read_only: bool) -> None:
        for field in self.fields.values():
            field.setReadOnly(read_only)
        self.delete_button.setVisible(not read_only)


class StatementsView(QWidget):
    """The statements of one claim: a disagreement banner over cards side by side."""

    def __init__(self, stack: CaseUndoStack, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("StatementsView")
        self._stack = stack
        self._claim_id: int | None = None
        self._statements: dict[int, Statement] = {}
        self._read_only = False
        self.cards: dict[int, StatementCard] = {}
        self._order: list[int] = []  # statement ids in the order their cards stand

        self.title = claim_style.section("Statements")
        self.add_button = QPushButton(claim_style.icon("plus"), "Add statement")
        self.add_button.setObjectName("AddStatement")
        self.add_button.setToolTip("Record what a source said about this claim")
        self.add_button.clicked.connect(self.add_statement)

        self.banner = QFrame()
        self.banner.setObjectName("DisagreeBanner")
        self.banner.setStyleSheet(
            f"QFrame#DisagreeBanner {{ background: #3a2a12; border: 1px solid"
            f" {claim_style.DISAGREE}; border-left: 4px solid {claim_style.DISAGREE};"
            " border-radius: 5px; }")
        warn = QLabel()
        warn.setPixmap(icons.pixmap("warning", 18, claim_style.DISAGREE))
        warn.setAlignment(Qt.AlignmentFlag.AlignTop)
        self.banner_title = claim_style.plain_label()
        self.banner_title.setObjectName("DisagreeHeadline")
        self.banner_title.setStyleSheet(
            f"color: {claim_style.DISAGREE}; font-weight: 700; font-size: 12pt;"
            " background: transparent; border: none;")
        self.banner_detail = claim_style.plain_label()
        self.banner_detail.setStyleSheet(f"color: {theme.TEXT}; background: transparent;"
                                         " border: none;")
        text = QVBoxLayout()
        text.setSpacing(2)
        text.addWidget(self.banner_title)
        text.addWidget(self.banner_detail)
        row = QHBoxLayout(self.banner)
        row.setContentsMargins(10, 8, 10, 8)
        row.setSpacing(8)
        row.addWidget(warn)
        row.addLayout(text, 1)
        self.banner.hide()

        self.empty = claim_style.plain_label(
            "No statements yet. Add what each source said (who, when, where, in their words)"
            " to compare them side by side.", role="dim")

        self.strip = QWidget()
        self.strip.setObjectName("StatementStrip")
        self._row = QHBoxLayout(self.strip)
        self._row.setContentsMargins(0, 0, 0, 0)
        self._row.setSpacing(10)
        self._row.addStretch(0)  # takes only what cards at their widest leave over
        self.scroll = QScrollArea()
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        self.scroll.setWidget(self.strip)
        self.scroll.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)

        head = QHBoxLayout()
        head.addWidget(self.title)
        head.addStretch(1)
        head.addWidget(self.add_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(8)
        layout.addLayout(head)
        layout.addWidget(self.banner)
        layout.addWidget(self.empty)
        layout.addWidget(self.scroll)

    # ----------------------------------------------------------------- showing

    def set_read_only(self, read_only: bool) -> None:
        self._read_only = read_only
        self.add_button.setEnabled(not read_only)
        for card in self.cards.values():
            card.set_read_only(read_only)

    def show_statements(self, claim_id: int | None, statements: list[Statement]) -> None:
        """Cards for these statements (in the case's order), reusing cards by id."""
        if claim_id != self._claim_id:
            for card in self.cards.values():
                self._drop(card)
            self.cards.clear()
            self._order = []
        self._claim_id = claim_id
        self._statements = {s.id: s for s in statements}
        self.add_button.setEnabled(claim_id is not None and not self._read_only)
        for sid in [sid for sid in self.cards if sid not in self._statements]:
            self._drop(self.cards.pop(sid))
        found = disagreement(statements)
        for position, statement in enumerate(self._display_order(statements)):
            card = self.cards.get(statement.id)
            if card is None:
                card = StatementCard(statement)
                card.committed.connect(self._commit)
                card.deleteRequested.connect(self.delete_statement)
                card.heightChanged.connect(
                    lambda: QTimer.singleShot(0, self, self._fit_height))
                card.set_read_only(self._read_only)
                self.cards[statement.id] = card
            if self._row.indexOf(card) != position:
                self._row.removeWidget(card)
                self._row.insertWidget(position, card, 1)  # cards share the width
            card.show_statement(statement, disagree=found.differ)
        self.banner.setVisible(found.differ)
        if found.differ:
            self.banner_title.setText(found.headline())
            self.banner_detail.setText(found.detail())
        self.empty.setVisible(claim_id is not None and not statements)
        self.scroll.setVisible(bool(statements))
        QTimer.singleShot(0, self, self._fit_height)

    def _display_order(self, statements: list[Statement]) -> list[Statement]:
        """The case's order (by date) when a claim is first shown; after that cards keep
        their places while the claim stays shown, and new ones join at the end, so a card
        never moves away under the reviewer typing in it."""
        placed = [sid for sid in self._order if sid in self._statements]
        fresh = [s.id for s in statements if s.id not in placed]
        self._order = placed + fresh
        return [self._statements[sid] for sid in self._order]

    def _drop(self, card: StatementCard) -> None:
        """Out of the row and off the screen now; deleted when Qt gets to it."""
        self._row.removeWidget(card)
        card.hide()
        card.deleteLater()

    def _fit_height(self) -> None:
        """The strip is as tall as its tallest card, plus room for the scroll bar."""
        tallest = max((c.sizeHint().height() for c in self.cards.values()), default=0)
        bar = self.scroll.horizontalScrollBar().sizeHint().height()
        self.scroll.setFixedHeight(tallest + bar + 4)

    def sizeHint(self) -> QSize:  # noqa: N802
        return QSize(600, super().sizeHint().height())

    def focus_statement(self, statement_id: int, field: str = "speaker") -> None:
        card = self.cards.get(statement_id)
        if card is not None:
            self.scroll.ensureWidgetVisible(card)
            card.fields[field].setFocus()

    # ----------------------------------------------------------------- editing

    def commit_pending(self) -> None:
        pending = [(sid, card.field_values()) for sid, card in self.cards.items()]
        for sid, values in pending:
            for name, value in values.items():
                self._commit(sid, name, value)

    def _commit(self, statement_id: int, name: str, value: str | None = None) -> None:
        statement = self._statements.get(statement_id)
        card = self.cards.get(statement_id)
        if statement is None or card is None or self._read_only:
            return
        field = card.fields[name]
        value = field.text() if value is None else value
        if value == str(getattr(statement, name)):
            return
        if isinstance(field, DateField) and not field.acceptable():
            return  # kept as typed and marked; saved once it reads as a date
        from desk.core.commands import edit_statement

        if not self._stack.push_command(edit_statement(statement, **{name: value})):
            card.show_statement(statement, disagree=disagreement(
                list(self._statements.values())).differ)

    def add_statement(self) -> int | None:
        """A new, empty statement card; the cursor goes to its speaker field."""
        case = self._stack.case
        if case is None or self._claim_id is None or self._read_only:
            return None
        from desk.core.commands import add_statement, created_id
        from desk.core.model import Statement

        command = add_statement(case, Statement(0, self._claim_id, speaker="", text=""))
        statement_id = created_id(command)
        if statement_id is None or not self._stack.push_command(command):
            return None
        QTimer.singleShot(0, self, lambda: self.focus_statement(statement_id))
        return statement_id

    def delete_statement(self, statement_id: int) -> None:
        statement = self._statements.get(statement_id)
        if self._read_only or statement is None:
            return
        from desk.core.commands import delete_statement

        self._stack.push_command(delete_statement(statement))
