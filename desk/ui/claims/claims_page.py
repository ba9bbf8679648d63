"""The claims workspace: the case's claims, the selected one's statements and evidence, and
its verdict.

Three columns: the claims (left); the claim itself, what each source said side by side and
the evidence linked to it (centre); the verdict with its checklist (right). The page renders
from the case and sends every edit through the undo stack; it re-reads the case whenever an
edit, undo or redo touches a claim, a statement, a link or a verdict, and an undo that
changes another claim brings that claim into view.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QScrollArea, QSplitter, QVBoxLayout, QWidget

from desk.ui.claims import claim_style
from desk.ui.claims.claim_editor import ClaimEditor
from desk.ui.claims.claim_list import ClaimList, ClaimRow
from desk.ui.claims.linked_evidence import LinkedEvidenceView
from desk.ui.claims.statements_view import StatementsView, disagreement
from desk.ui.claims.verdict_editor import VerdictEditor
from desk.ui.common import dialogs, theme

if TYPE_CHECKING:
    from desk.core.casefile import CaseFile
    from desk.core.model import Stance
    from desk.ui.common.undo import CaseUndoStack
    from desk.ui.evidence.evidence_model import EvidenceModel

def _scroll(widget: QWidget, name: str) -> QScrollArea:
    area = QScrollArea()
    area.setObjectName(name)
    area.setWidgetResizable(True)
    area.setFrameShape(QFrame.Shape.NoFrame)
    area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    area.setWidget(widget)
    return area


class ClaimsPage(QWidget):
    """Claims and verdicts of the open case."""

    exportRequested = Signal(object)  # noqa: N815 - claim id (or None: no claim selected)
    showEvidenceRequested = Signal(int)  # noqa: N815
    claimsChanged = Signal()  # noqa: N815 - claims or their links changed (filters, menus)

    def __init__(self, stack: CaseUndoStack, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("ClaimsPage")
        self._stack = stack
        self._model: EvidenceModel | None = None
        self._read_only = False

        self.claim_list = ClaimList()
        self.claim_editor = ClaimEditor(stack)
        self.statements = StatementsView(stack)
        self.evidence = LinkedEvidenceView(stack)
        self.verdict_editor = VerdictEditor(stack)

        self.placeholder = claim_style.plain_label(
            "Select a claim on the left, or add one with +.", role="dim")
        self.placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        centre = QWidget()
        centre.setObjectName("ClaimDetail")
        column = QVBoxLayout(centre)
        column.setContentsMargins(16, 12, 16, 16)
        column.setSpacing(16)
        column.addWidget(self.placeholder)
        column.addWidget(self.claim_editor)
        column.addWidget(self.statements)
        column.addWidget(self.evidence)
        column.addStretch(1)
        self.detail = centre
        verdict_panel = _scroll(self.verdict_editor, "VerdictScroll")
        verdict_panel.setStyleSheet(f"QScrollArea#VerdictScroll {{ background: {theme.PANEL}; }}"
                                    f" QWidget#VerdictEditor {{ background: {theme.PANEL}; }}")

        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setObjectName("ClaimsSplitter")
        self.splitter.addWidget(self.claim_list)
        self.splitter.addWidget(_scroll(centre, "ClaimScroll"))
        self.splitter.addWidget(verdict_panel)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.setStretchFactor(0, 0)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setStretchFactor(2, 0)
        self.claim_list.setMinimumWidth(230)
        verdict_panel.setMinimumWidth(360)
        self.splitter.setSizes([280, 700, 430])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.splitter)

        self.claim_list.currentClaimChanged.connect(self._show_claim)
        self.claim_list.addRequested.connect(self.add_claim)
        self.claim_list.deleteRequested.connect(self.delete_claim)
        self.evidence.linkRequested.connect(self.choose_and_link)
        self.evidence.showEvidenceRequested.connect(self.showEvidenceRequested)
        self.verdict_editor.exportRequested.connect(
            lambda: self.exportRequested.emit(self.current_claim_id()))
        self._show_claim(None)

    # ----------------------------------------------------------------- case

    @property
    def case(self) -> CaseFile | None:
        return self._stack.case

    def set_evidence_model(self, model: EvidenceModel) -> None:
        """The window's evidence model: the chooser shows its rows and cached thumbnails."""
        self._model = model

    def set_case(self, case: CaseFile | None) -> None:
        """Show the case the undo stack now works on (None when it closed)."""
        self.evidence.forget_thumbnails()
        self._read_only = bool(case is not None and case.read_only)
        for view in (self.claim_editor, self.statements, self.evidence, self.verdict_editor,
                     self.claim_list):
            view.set_read_only(self._read_only)
        self.refresh()

    def current_claim_id(self) -> int | None:
        return self.claim_list.current_claim_id()

    def select_claim(self, claim_id: int) -> bool:
        return self.claim_list.select_claim(claim_id)

    def refresh(self) -> None:
        """Re-read the claims and the selected claim from the case."""
        case = self.case
        if case is None:
            self.claim_list.show_claims([])
            self._show_claim(None)
            return
        statements: dict[int, list] = {}
        for statement in case.statements():
            statements.setdefault(statement.claim_id, []).append(statement)
        links: dict[int, int] = {}
        for link in case.claim_evidence():
            links[link.claim_id] = links.get(link.claim_id, 0) + 1
        rows = []
        for claim in case.list_claims():
            verdict = case.verdict(claim.id)
            said = statements.get(claim.id, [])
            rows.append(ClaimRow(claim.id, claim.text, claim.claimant,
                                 verdict.rating if verdict else None, len(said),
                                 links.get(claim.id, 0), disagreement(said).differ))
        before = self.current_claim_id()
        self.claim_list.show_claims(rows)
        if self.current_claim_id() == before:
            self._show_claim(before)  # the list kept it: show its new values

    def _show_claim(self, claim_id: int | None) -> None:
        case = self.case
        claim = None
        if case is not None and claim_id is not None:
            try:
                claim = case.get_claim(claim_id)
            except KeyError:
                claim = None
        if claim is None or case is None:
            self.claim_editor.show_claim(None)
            self.statements.show_statements(None, [])
            self.evidence.show_links(None, [])
            self.verdict_editor.show_verdict(None, None)
            for view in (self.claim_editor, self.statements, self.evidence):
                view.setVisible(False)
            self.placeholder.setVisible(case is not None)
            self.placeholder.setText("Select a claim on the left, or add one with +."
                                     if self.claim_list.rows() else
                                     "This case has no claims yet. Add the claim you are"
                                     " checking with + (top left).")
            return
        self.placeholder.setVisible(False)
        for view in (self.claim_editor, self.statements, self.evidence):
            view.setVisible(True)
        self.claim_editor.show_claim(claim)
        self.statements.show_statements(claim.id, case.statements(claim.id))
        self.evidence.show_links(claim.id, case.claim_evidence(claim.id))
        self.verdict_editor.show_verdict(claim.id, case.verdict(claim.id))

    def on_applied(self, command: object) -> None:
        """An edit, undo or redo reached the case: re-read it if it touched a claim (its
        statements, links or verdict) or an item linked to the claim shown."""
        from desk.core.commands import touched

        changed = touched(command)
        if not changed.claims and not changed.evidence & self.evidence.linked_ids():
            return
        if changed.claims:
            self.claimsChanged.emit()
        self.refresh()
        current = self.current_claim_id()
        if changed.claims and current not in changed.claims:
            self.select_claim(min(changed.claims))  # an undo elsewhere: show that claim

    def commit_pending(self) -> None:
        """Save fields still being typed in (before closing, exporting or switching)."""
        for view in (self.claim_editor, self.statements, self.evidence, self.verdict_editor):
            view.commit_pending()

    # ----------------------------------------------------------------- claims

    def add_claim(self) -> int | None:
        """Ask for the claim's words and add it; it becomes the selected claim."""
        case = self.case
        if case is None or self._read_only:
            return None
        text = dialogs.ask_text(self, "Add Claim", "The claim, as made (you can refine it"
                                                   " later):")
        if text is None or not text.strip():
            return None
        from desk.core.clock import utc_now
        from desk.core.commands import add_claim, created_id
        from desk.core.model import Claim

        command = add_claim(case, Claim(0, text.strip(), created_at=utc_now()))
        claim_id = created_id(command)
        if claim_id is None or not self._stack.push_command(command):
            return None
        self.select_claim(claim_id)
        self.claim_editor.fields["claimant"].setFocus()
        return claim_id

    def delete_claim(self, claim_id: int) -> bool:
        """Delete a claim with its statements, links and verdict, after asking."""
        case = self.case
        if case is None or self._read_only:
            return False
        try:
            claim = case.get_claim(claim_id)
        except KeyError:
            return False
        said = len(case.statements(claim_id))
        linked = len(case.claim_evidence(claim_id))
        parts = [f"{said} statement{'s' * (said != 1)}", f"{linked} evidence link"
                 f"{'s' * (linked != 1)}"]
        if case.verdict(claim_id) is not None:
            parts.append("its verdict")
        question = (f"Delete claim #{claim_id}, “{claim_style.elide(claim.text, 120)}”, with "
                    f"{', '.join(parts[:-1])} and {parts[-1]}?\n\nThe evidence itself stays in"
                    " the case. Edit › Undo brings the claim back.")
        if not dialogs.ask(self, "Delete Claim", question, yes="Delete claim"):
            return False
        from desk.core.commands import delete_claim

        return self._stack.push_command(delete_claim(case, claim_id))

    # ----------------------------------------------------------------- evidence links

    def choose_and_link(self) -> None:
        """Link evidence the reviewer picks in the chooser to the selected claim."""
        claim_id = self.current_claim_id()
        case = self.case
        if claim_id is None or case is None or self._model is None or self._read_only:
            return
        from desk.ui.claims import evidence_chooser

        self.commit_pending()
        choice = evidence_chooser.choose_evidence(self, self._model,
                                                  case.get_claim(claim_id).text,
                                                  self.evidence.linked_ids())
        if choice is not None:
            ids, stance = choice
            self.link(claim_id, ids, stance)

    def link(self, claim_id: int, evidence_ids: list[int], stance: Stance | str) -> bool:
        """Link items to a claim as one undo step; items already linked keep their link."""
        case = self.case
        if case is None or self._read_only:
            return False
        from desk.core.commands import Batch, link_evidence

        have = {link.evidence_id for link in case.claim_evidence(claim_id)}
        fresh = [eid for eid in dict.fromkeys(evidence_ids) if eid not in have]
        if not fresh:
            return False
        edits = tuple(link_evidence(claim_id, eid, str(stance)) for eid in fresh)
        label = "Link evidence" if len(fresh) == 1 else f"Link {len(fresh)} items"
        command = edits[0] if len(edits) == 1 else Batch(edits, label)
        return self._stack.push_command(command)
