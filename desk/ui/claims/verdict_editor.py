"""The verdict on one claim: a rating on the fixed scale, a separate confidence, the reasons,
and the verification checklist.

Rating and confidence are separate controls on purpose: confidence is how sure the reviewer
is of the rating and never part of the rating's sentence. Each checklist item is done, open
or not applicable (stored True, False, None); only open items warn at export.

A verdict exists in the case once it has a rating and a confidence. Until then what the
reviewer has chosen is a draft, saved in the case as it is made (so a crash or a closed window
loses none of it) and marked as such; choosing the second of the two records the verdict and
removes the draft in one undo step. Every change, to a draft or a verdict, is saved at once as
one undoable edit; a verdict's are stamped with the reviewer's name and the time (UTC).
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import (
    QButtonGroup,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QRadioButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from desk.core.model import Confidence, Rating, Verdict, VerdictDraft
from desk.ui.claims import claim_style
from desk.ui.common import theme
from desk.ui.common.fields import TextField, chain_tab_order

if TYPE_CHECKING:
    from collections.abc import Callable

    from desk.core.commands import Command
    from desk.ui.common.undo import CaseUndoStack

_UTC_STAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")
RATINGS: tuple[Rating, ...] = tuple(Rating)
CONFIDENCES: tuple[Confidence, ...] = (Confidence.HIGH, Confidence.MODERATE, Confidence.LOW)
CHECK_STATES: tuple[bool | None, ...] = (True, False, None)


def when(stamp: str) -> str:
    """desk's UTC stamps as '2025-12-31 10:00 UTC', as the dossier prints them."""
    return f"{stamp[:10]} {stamp[11:16]} UTC" if _UTC_STAMP.fullmatch(stamp) else stamp


class ScaleOption(QFrame):
    """One rating of the scale: its word, in its colour, and what it means."""

    def __init__(self, rating: Rating, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.rating = rating
        self.setObjectName(f"Rating_{rating.name}")
        colour = claim_style.RATING_COLOURS[rating]
        self.radio = QRadioButton(str(rating))
        self.radio.setStyleSheet(
            f"QRadioButton {{ color: {colour}; font-weight: 700; spacing: 8px; }}"
            f" QRadioButton::indicator {{ width: 10px; height: 10px; border-radius: 7px;"
            f" border: 2px solid {colour}; background: transparent; }}"
            f" QRadioButton::indicator:checked {{ background: {colour}; }}"
            f" QRadioButton:disabled {{ color: {theme.TEXT_FAINT}; }}")
        self.radio.toggled.connect(self._restyle)
        self.definition = claim_style.plain_label(claim_style.RATING_DEFINITIONS[rating],
                                                  role="dim")
        self.definition.setStyleSheet("font-size: 9pt;")
        self.definition.setContentsMargins(22, 0, 0, 0)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 4, 8, 5)
        layout.setSpacing(1)
        layout.addWidget(self.radio)
        layout.addWidget(self.definition)
        self.setToolTip(claim_style.RATING_DEFINITIONS[rating])
        self._restyle(False)

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        """The whole card picks the rating, not only the small circle."""
        if event.button() == Qt.MouseButton.LeftButton and self.radio.isEnabled():
            self.radio.click()
        super().mousePressEvent(event)

    def _restyle(self, checked: bool) -> None:
        colour = claim_style.RATING_COLOURS[self.rating]
        if checked:
            style = (f"QFrame#{self.objectName()} {{ border: 1px solid {colour};"
                     f" border-left: 4px solid {colour}; border-radius: 5px;"
                     f" background: {theme.PANEL_ALT}; }}")
        else:
            style = (f"QFrame#{self.objectName()} {{ border: 1px solid transparent;"
                     " border-left: 4px solid transparent; border-radius: 5px; }")
        self.setStyleSheet(style)


class Segmented(QWidget):
    """A row of exclusive buttons (confidence; a checklist item's state)."""

    chosen = Signal(int)  # index of the button the reviewer clicked

    def __init__(self, labels: list[str], tips: list[str], colours: list[str],
                 compact: bool = False, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.group = QButtonGroup(self)
        self.group.setExclusive(False)  # so that "nothing chosen" can be shown
        self.buttons: list[QToolButton] = []
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(0)
        for n, (label, tip, colour) in enumerate(zip(labels, tips, colours, strict=True)):
            button = QToolButton()
            button.setText(label)
            button.setToolTip(tip)
            button.setCheckable(True)
            button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
            first, last = n == 0, n == len(labels) - 1
            radius = (f"border-top-left-radius: {4 if first else 0}px;"
                      f" border-bottom-left-radius: {4 if first else 0}px;"
                      f" border-top-right-radius: {4 if last else 0}px;"
                      f" border-bottom-right-radius: {4 if last else 0}px;")
            padding = "2px 7px" if compact else "4px 14px"
            button.setStyleSheet(
                f"QToolButton {{ border: 1px solid {theme.BORDER}; {radius}"
                f" padding: {padding}; color: {theme.TEXT_DIM}; background: {theme.BASE};"
                f" margin-left: {0 if first else -1}px; }}"
                f" QToolButton:hover {{ color: {theme.TEXT}; }}"
                f" QToolButton:focus {{ border: 1px solid {theme.ACCENT};"
                f" color: {theme.TEXT}; text-decoration: underline; }}"
                f" QToolButton:checked {{ background: {colour}; border-color: {colour};"
                f" color: #ffffff; font-weight: 700; }}")
            self.group.addButton(button, n)
            self.buttons.append(button)
            row.addWidget(button)
        self.group.idClicked.connect(self._clicked)

    def set_current(self, index: int | None) -> None:
        for n, button in enumerate(self.buttons):
            button.setChecked(n == index)

    def current(self) -> int | None:
        return next((n for n, b in enumerate(self.buttons) if b.isChecked()), None)

    def _clicked(self, index: int) -> None:
        self.set_current(index)  # clicking the chosen one keeps it chosen
        self.chosen.emit(index)


class ChecklistView(QWidget):
    """The six checks, each done, open or not applicable."""

    changed = Signal(str, object)  # key, True/False/None

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.rows: dict[str, Segmented] = {}
        self.labels: dict[str, QLabel] = {}
        self._grid = QGridLayout(self)
        self._grid.setContentsMargins(0, 0, 0, 0)
        self._grid.setHorizontalSpacing(10)
        self._grid.setVerticalSpacing(5)
        self._grid.setColumnStretch(0, 1)

    def ensure_rows(self) -> None:
        """Built on first use: the item list lives in the core, loaded with a case."""
        if self.rows:
            return
        from desk.core.checklist import CHECKLIST

        for n, (key, text) in enumerate(CHECKLIST):
            label = claim_style.plain_label(text)
            control = Segmented([claim_style.CHECK_WORDS[s] for s in CHECK_STATES],
                                [claim_style.CHECK_TIPS[s] for s in CHECK_STATES],
                                [claim_style.CHECK_COLOURS[s] for s in CHECK_STATES],
                                compact=True)
            control.setObjectName(f"check_{key}")
            control.chosen.connect(lambda i, k=key: self.changed.emit(k, CHECK_STATES[i]))
            self._grid.addWidget(label, n, 0)
            self._grid.addWidget(control, n, 1, Qt.AlignmentFlag.AlignRight)
            self.rows[key] = control
            self.labels[key] = label

    def show_checklist(self, checklist: dict[str, bool | None]) -> None:
        self.ensure_rows()
        for key, control in self.rows.items():
            state = checklist.get(key, False)
            control.set_current(CHECK_STATES.index(state if state in CHECK_STATES else False))
            colour = {True: theme.TEXT, False: theme.TEXT, None: theme.TEXT_FAINT}[
                state if state in CHECK_STATES else False]
            self.labels[key].setStyleSheet(f"color: {colour};")

    def set_read_only(self, read_only: bool) -> None:
        for control in self.rows.values():
            control.setEnabled(not read_only)


class VerdictEditor(QWidget):
    """The right column of the claims page."""

    exportRequested = Signal()  # noqa: N815

    def __init__(self, stack: CaseUndoStack, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("VerdictEditor")
        self._stack = stack
        self._claim_id: int | None = None
        self._verdict: Verdict | None = None
        self._read_only = False

        self.title = QLabel("Verdict")
        self.title.setProperty("role", "heading")
        self.export_button = QPushButton(claim_style.icon("export", "#ffffff"), "Export dossier…")
        self.export_button.setObjectName("ExportDossier")
        self.export_button.setProperty("primary", True)
        self.export_button.setToolTip("Write this claim's signed dossier: HTML, PDF, JSON"
                                      " (Ctrl+E)")
        self.export_button.clicked.connect(self.exportRequested)

        self.scale = QWidget()
        self.scale.setObjectName("RatingScale")
        self.rating_group = QButtonGroup(self)
        self.rating_options: dict[Rating, ScaleOption] = {}
        scale_column = QVBoxLayout(self.scale)
        scale_column.setContentsMargins(0, 0, 0, 0)
        scale_column.setSpacing(2)
        for n, rating in enumerate(RATINGS):
            option = ScaleOption(rating)
            self.rating_group.addButton(option.radio, n)
            self.rating_options[rating] = option
            scale_column.addWidget(option)
        self.rating_group.idClicked.connect(lambda n: self._choose("rating", RATINGS[n]))

        self.confidence = Segmented(
            [claim_style.CONFIDENCE_WORDS[c] for c in CONFIDENCES],
            ["High: independent sources and checks agree",
             "Moderate: the main checks hold, some gaps remain",
             "Low: a working judgment on thin material"],
            [theme.ACCENT] * 3)
        self.confidence.setObjectName("Confidence")
        self.confidence.chosen.connect(lambda n: self._choose("confidence", CONFIDENCES[n]))
        confidence_note = claim_style.plain_label(
            "How sure you are of the rating. Stated on its own, never in the rating.",
            role="dim")
        confidence_note.setStyleSheet("font-size: 9pt;")

        self.summary = TextField("One or two sentences a reader sees first", lines=3)
        self.summary.setObjectName("verdict_summary")
        self.summary.editingFinished.connect(lambda: self._commit_text("summary"))
        self.rationale = TextField("What was checked, what was found, and why it leads to this"
                                   " rating", lines=5)
        self.rationale.setObjectName("verdict_rationale")
        self.rationale.editingFinished.connect(lambda: self._commit_text("rationale"))

        self.checklist = ChecklistView()
        self.checklist.changed.connect(self._choose_check)
        self.check_counts = claim_style.plain_label(wrap=False, role="dim")

        self.status = claim_style.plain_label()
        self.status.setObjectName("VerdictStatus")
        self.signoff = claim_style.plain_label(role="dim")  # the second reviewer's decision
        self.signoff.setObjectName("VerdictSignOff")
        self.signoff.hide()

        head = QHBoxLayout()
        head.addWidget(self.title)
        head.addStretch(1)
        head.addWidget(self.export_button)
        check_head = QHBoxLayout()
        check_head.addWidget(claim_style.section("Verification checklist"))
        check_head.addStretch(1)
        check_head.addWidget(self.check_counts)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(14, 10, 14, 14)
        layout.setSpacing(6)
        layout.addLayout(head)
        layout.addWidget(self.status)
        layout.addWidget(self.signoff)
        layout.addWidget(claim_style.section("Rating · one fixed scale"))
        layout.addWidget(self.scale)
        layout.addWidget(claim_style.section("Confidence in this rating"))
        layout.addWidget(self.confidence, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(confidence_note)
        layout.addWidget(claim_style.section("Summary"))
        layout.addWidget(self.summary)
        layout.addWidget(claim_style.section("Rationale"))
        layout.addWidget(self.rationale)
        layout.addLayout(check_head)
        layout.addWidget(self.checklist)
        layout.addStretch(1)
        self.show_verdict(None, None)

    # ----------------------------------------------------------------- showing

    @property
    def verdict(self) -> Verdict | None:
        return self._verdict

    def draft(self, claim_id: int | None) -> VerdictDraft:
        """The case's draft of a claim's verdict, or an empty one."""
        case = self._stack.case
        stored = case.verdict_draft(claim_id) if case is not None and claim_id is not None \
            else None
        return stored or VerdictDraft(claim_id or 0)

    def set_read_only(self, read_only: bool) -> None:
        self._read_only = read_only
        self.show_verdict(self._claim_id, self._verdict)

    def show_verdict(self, claim_id: int | None, verdict: Verdict | None) -> None:
        """Show the case's verdict of a claim, or the draft when it has none yet."""
        self._claim_id = claim_id
        self._verdict = verdict
        enabled = claim_id is not None
        editable = enabled and not self._read_only
        for control in (self.scale, self.confidence, self.checklist):
            control.setEnabled(editable)
        for text in (self.summary, self.rationale):  # read-only text can still be selected
            text.setEnabled(enabled)
            text.setReadOnly(not editable)
        self.export_button.setEnabled(enabled)
        if claim_id is not None:
            self.checklist.ensure_rows()
            self._chain_tabs()
        draft = self.draft(claim_id) if verdict is None else VerdictDraft(claim_id or 0)
        rating = verdict.rating if verdict else draft.rating
        confidence = verdict.confidence if verdict else draft.confidence
        self.rating_group.setExclusive(False)
        for option in self.rating_options.values():
            option.radio.setChecked(option.rating == rating)
        self.rating_group.setExclusive(True)
        self.confidence.set_current(CONFIDENCES.index(confidence) if confidence else None)
        self.summary.show_value(verdict.summary if verdict else draft.summary)
        self.rationale.show_value(verdict.rationale if verdict else draft.rationale)
        checklist = verdict.checklist if verdict else draft.checklist
        if claim_id is not None:
            self.checklist.show_checklist(checklist)
        self._show_counts(checklist if claim_id is not None else None)
        self._show_status(claim_id, verdict, draft)

    def tab_chain(self) -> list[QWidget]:
        """Every control in reading order: export, the scale top to bottom, confidence, the
        texts, then the checklist row by row."""
        chain: list[QWidget] = [self.export_button]
        chain += [option.radio for option in self.rating_options.values()]
        chain += self.confidence.buttons
        chain += [self.summary, self.rationale]
        for control in self.checklist.rows.values():
            chain += control.buttons
        return chain

    def _chain_tabs(self) -> None:
        chain = self.tab_chain()
        if len(chain) != getattr(self, "_chained", 0):
            chain_tab_order(*chain)
            self._chained = len(chain)

    def _show_counts(self, checklist: dict[str, bool | None] | None) -> None:
        if checklist is None or not self.checklist.rows:
            self.check_counts.setText("")
            return
        states = [checklist.get(key, False) for key in self.checklist.rows]
        done = sum(1 for s in states if s is True)
        na = sum(1 for s in states if s is None)
        open_ = len(states) - done - na
        parts = [f"{done} done", f"{open_} open"] + ([f"{na} N/A"] if na else [])
        self.check_counts.setText(" · ".join(parts))
        self.check_counts.setStyleSheet(f"color: {theme.WARN if open_ else theme.OK};")

    def _show_status(self, claim_id: int | None, verdict: Verdict | None,
                     draft: VerdictDraft) -> None:
        if claim_id is None:
            self.status.setText("Select a claim to record its verdict.")
            colour = theme.TEXT_DIM
        elif verdict is not None:
            if verdict.reviewer or verdict.decided_at:
                by = verdict.reviewer or "an unnamed reviewer"
                stamp = when(verdict.decided_at) if verdict.decided_at else "time not recorded"
                self.status.setText(f"Recorded by {by} · {stamp}")
            else:  # made by a script without stamps: the custody log says who and when
                self.status.setText("Recorded (reviewer and time are in the custody log)")
            colour = theme.TEXT_DIM
        elif self._read_only:
            self.status.setText("No verdict is recorded, and this case is read-only.")
            colour = theme.TEXT_DIM
        else:
            missing = [name for name, value in (("a rating", draft.rating),
                                                ("a confidence", draft.confidence))
                       if value is None]
            self.status.setText("No verdict recorded yet. Choose " + " and ".join(missing)
                                + " to record it" + ("; what you set here is a draft until"
                                                     " then." if not draft.empty else "."))
            colour = theme.WARN
        self.status.setStyleSheet(f"color: {colour};")
        case = self._stack.case
        line = ""
        if verdict is not None and claim_id is not None and case is not None:
            from desk.team.status import signoff_line

            line = signoff_line(case, claim_id)
        self.signoff.setText(line)
        self.signoff.setVisible(bool(line))

    # ----------------------------------------------------------------- editing

    def commit_pending(self) -> None:
        values = {"summary": self.summary.text(), "rationale": self.rationale.text()}
        for name, value in values.items():
            self._commit_text(name, value)

    def _commit_text(self, name: str, value: str | None = None) -> None:
        if self._claim_id is None or self._read_only:
            return
        value = (self.summary.text() if name == "summary" else self.rationale.text()) \
            if value is None else value
        current = getattr(self._verdict, name) if self._verdict else \
            getattr(self.draft(self._claim_id), name)
        if value != current:
            self._choose(name, value)

    def _choose_check(self, key: str, state: object) -> None:
        if self._claim_id is None:
            return
        value = state if state in CHECK_STATES else False
        if self._verdict is not None:
            self._choose("checklist", {**self._verdict.checklist, key: value})
            return
        case = self._stack.case
        if case is None or self._read_only:
            return
        from desk.core import commands

        claim_id = self._claim_id
        self._push(claim_id, lambda: commands.set_checklist_item(
            case, claim_id, key, value))

    def _choose(self, name: str, value: object) -> None:
        """One change to the verdict: saved at once when it exists (stamped anew), else kept as
        a draft; the draft's second choice of rating and confidence records the verdict."""
        claim_id = self._claim_id
        case = self._stack.case
        if claim_id is None or case is None or self._read_only:
            return
        from desk.core import commands
        from desk.core.clock import utc_now

        if self._verdict is not None:
            if getattr(self._verdict, name) == value:
                return
            verdict = replace(self._verdict, **{name: value}, reviewer=case.actor,
                              decided_at=utc_now())
            self._push(claim_id, lambda: commands.record_verdict(case, verdict))
            return
        draft = replace(self.draft(claim_id), **{name: value})
        if draft.complete:
            assert draft.rating is not None and draft.confidence is not None
            recorded = Verdict(claim_id, draft.rating, draft.confidence, draft.summary,
                               draft.rationale, dict(draft.checklist), reviewer=case.actor,
                               decided_at=utc_now())
            self._push(claim_id, lambda: commands.record_verdict(case, recorded))
        else:
            self._push(claim_id, lambda: commands.save_verdict_draft(case, draft))

    def _push(self, claim_id: int, make: Callable[[], Command]) -> None:
        """Build the core command and push it; if the case refuses, show what it holds."""
        from desk.core.commands import CommandError

        try:
            pushed = self._stack.push_command(make())
        except CommandError:
            pushed = False
        if not pushed:
            self.show_verdict(claim_id, self._verdict)
