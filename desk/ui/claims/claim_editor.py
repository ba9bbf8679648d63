"""The selected claim's own fields: what was claimed, by whom, where it first appeared.

Each field commits when the reviewer leaves it, as one undoable edit (like the inspector's
provenance form); further appearances are one URL per line. All of it is untrusted text and
stays in plain-text fields.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFormLayout, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from desk.ui.claims import claim_style
from desk.ui.common import theme
from desk.ui.common.fields import DateField, LineField, TextField, chain_tab_order

if TYPE_CHECKING:
    from desk.core.model import Claim
    from desk.ui.common.undo import CaseUndoStack

#: Field name in the case -> (label, placeholder).
CLAIM_FORM: dict[str, tuple[str, str]] = {
    "text": ("Claim", "The claim as made, in the claimant's words"),
    "claimant": ("Claimant", "Who made the claim (ministry, channel, account…)"),
    "first_appearance_url": ("First seen at", "https://… where the claim first appeared"),
    "first_appearance_date": ("First seen on", "YYYY-MM-DD"),
    "appearances": ("Also seen at", "Further appearances, one URL per line"),
}

#: What Edit › Undo says for each field.
UNDO_LABELS: dict[str, str] = {
    "text": "Edit claim text",
    "claimant": "Edit claimant",
    "first_appearance_url": "Edit first appearance",
    "first_appearance_date": "Edit first appearance date",
    "appearances": "Edit further appearances",
}


def appearance_lines(text: str) -> list[str]:
    """Further appearances as typed: one per line, blank lines dropped."""
    return [line.strip() for line in text.splitlines() if line.strip()]


class ClaimEditor(QWidget):
    """Text, claimant, first appearance and further appearances of one claim."""

    def __init__(self, stack: CaseUndoStack, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("ClaimEditor")
        self._stack = stack
        self._claim: Claim | None = None
        self._read_only = False

        self.heading = claim_style.plain_label(wrap=False, role="heading")
        self.created = claim_style.plain_label(wrap=False, role="dim")
        self.fields: dict[str, LineField | TextField] = {}
        for name, (_, hint) in CLAIM_FORM.items():
            field: LineField | TextField
            if name == "text":
                field = TextField(hint, lines=3)
            elif name == "appearances":
                field = TextField(hint, lines=2)
            elif name == "first_appearance_date":
                field = DateField(hint)
            else:
                field = LineField(hint)
            field.setObjectName(f"claim_{name}")
            field.editingFinished.connect(lambda n=name: self._commit(n))
            self.fields[name] = field
        text = self.fields["text"]
        assert isinstance(text, TextField)
        font = text.font()
        font.setPointSizeF(font.pointSizeF() * 1.15)
        text.setFont(font)
        text.set_lines(3)  # the claim reads first, a little larger

        top = QHBoxLayout()
        top.setSpacing(10)
        top.addWidget(self.heading)
        top.addStretch(1)
        top.addWidget(self.created)
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignLeft)
        form.setHorizontalSpacing(12)
        form.setVerticalSpacing(6)
        first = QHBoxLayout()
        first.setSpacing(8)
        first.addWidget(self.fields["first_appearance_url"], 3)
        date_label = QLabel("on")
        date_label.setProperty("role", "dim")
        first.addWidget(date_label)
        first.addWidget(self.fields["first_appearance_date"], 1)
        form.addRow(self._label("Claimant"), self.fields["claimant"])
        form.addRow(self._label("First seen at"), first)
        self.date_field = self.fields["first_appearance_date"]
        assert isinstance(self.date_field, DateField)
        form.addRow(self.date_field.problem_label)
        form.addRow(self._label("Also seen at"), self.fields["appearances"])
        self.hint = claim_style.plain_label(
            "Each field is saved to the case when you leave it; undo with Ctrl+Z.")
        self.hint.setStyleSheet(f"color: {theme.TEXT_FAINT}; font-size: 9pt;")

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        layout.addLayout(top)
        layout.addWidget(self.fields["text"])
        layout.addLayout(form)
        layout.addWidget(self.hint)
        chain_tab_order(*(self.fields[name] for name in CLAIM_FORM))

    @staticmethod
    def _label(text: str) -> QLabel:
        label = QLabel(text)
        label.setProperty("role", "dim")
        return label

    # ----------------------------------------------------------------- showing

    @property
    def claim(self) -> Claim | None:
        return self._claim

    def set_read_only(self, read_only: bool) -> None:
        self._read_only = read_only
        for field in self.fields.values():
            field.setReadOnly(read_only)
        self.hint.setText("This case is read-only: save a copy to edit it." if read_only else
                          "Each field is saved to the case when you leave it; undo with Ctrl+Z.")

    def show_claim(self, claim: Claim | None) -> None:
        """Show the case's values (after an edit, an undo, or a new selection)."""
        self._claim = claim
        self.setEnabled(claim is not None)
        if claim is None:
            self.heading.setText("")
            self.created.setText("")
            for field in self.fields.values():
                field.show_value("")
            return
        self.heading.setText(f"Claim #{claim.id}")
        self.created.setText(f"added {claim.created_at[:10]}" if claim.created_at else "")
        for name in CLAIM_FORM:
            field = self.fields[name]
            value = self._case_value(claim, name)
            if isinstance(field, DateField):
                field.show_value(value, claim.id)  # typed text stays with its claim
            else:
                field.show_value(value)

    @staticmethod
    def _case_value(claim: Claim, name: str) -> str:
        if name == "appearances":
            return "\n".join(claim.appearances)
        return str(getattr(claim, name))

    # ----------------------------------------------------------------- editing

    def commit_pending(self) -> None:
        """Commit every field that differs from the case (read all before the first commit
        refreshes the form)."""
        for name, value in [(n, f.text()) for n, f in self.fields.items()]:
            self._commit(name, value)

    def _commit(self, name: str, value: str | None = None) -> None:
        claim = self._claim
        if claim is None or self._read_only:
            return
        value = self.fields[name].text() if value is None else value
        if name == "appearances":
            lines = appearance_lines(value)
            if lines == claim.appearances:
                return
            new: object = lines
        else:
            if value == self._case_value(claim, name):
                return
            field = self.fields[name]
            if isinstance(field, DateField) and not field.acceptable():
                return  # kept as typed and marked; saved once it reads as a date
            new = value
        from desk.core.commands import edit_claim

        command = replace(edit_claim(claim.id, **{name: new}), label=UNDO_LABELS[name])
        if not self._stack.push_command(command):
            self.show_claim(claim)  # refused: show the case's truth again
