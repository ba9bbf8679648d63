"""The window's two workspaces, Evidence and Claims & verdicts, and the wiring between them.

The window builds one of these and puts `bar` and `stack(...)` where its evidence workspace
was; everything the claims side needs (the page, the mode actions, File › Export Dossier…,
Link to Claim in the evidence list's menu, refreshes after edits) is connected here. It is
handed what it uses (the undo stack, which knows the case; the evidence model and list; the
window's signals for a case opening and closing; how to show an item) and knows no window.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QPoint, Qt, Signal, SignalInstance
from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import (
    QHBoxLayout,
    QMenu,
    QStackedWidget,
    QTabBar,
    QWidget,
)

from desk.core.model import Stance
from desk.ui.claims import claim_style
from desk.ui.claims.claims_page import ClaimsPage
from desk.ui.claims.linked_evidence import stance_dot
from desk.ui.common import theme

if TYPE_CHECKING:
    from desk.core.casefile import CaseFile
    from desk.ui.common.undo import CaseUndoStack
    from desk.ui.evidence.evidence_list import EvidenceList
    from desk.ui.evidence.evidence_model import EvidenceModel
    from desk.ui.export.export_dialog import ExportDialog

EVIDENCE, CLAIMS = 0, 1
MODE_KEYS = ("Alt+1", "Alt+2")
EXPORT_KEY = "Ctrl+E"


def link_menu(parent: QWidget, case: CaseFile, evidence_id: int) -> QMenu:
    """'Link to Claim' for one item: each claim, and in it the three stances (the current
    one ticked). Actions carry (claim id, stance) as data."""
    menu = QMenu("Link to Claim", parent)
    menu.setObjectName("LinkToClaimMenu")
    current = {link.claim_id: link.stance for link in case.claim_evidence(evidence_id=evidence_id)}
    claims = case.list_claims()
    for claim in claims:
        sub = menu.addMenu(f"#{claim.id} · {claim_style.elide(claim.text, 60)}"
                           .replace("&", "&&"))
        sub.setToolTipsVisible(True)
        for stance in Stance:
            action = sub.addAction(stance_dot(stance), claim_style.STANCE_WORDS[stance])
            action.setCheckable(True)
            action.setChecked(current.get(claim.id) == stance)
            action.setData((claim.id, str(stance)))
    if not claims:
        menu.addAction("No claims yet: add one in Claims & verdicts").setEnabled(False)
    menu.setEnabled(not case.read_only)
    return menu


class ClaimsMode(QObject):
    """The mode switch, the claims page and the export dialog of one window.

    `parent` hosts the mode and export shortcuts and parents the dialogs; `show_evidence`
    selects an item in the evidence list (clearing filters that hide it); `commit_evidence`
    saves what is still being typed in the evidence workspace before the claims side reads
    the case.
    """

    #: Claims were added, renamed or removed: {id: text}, for the evidence list's filter.
    claimNamesChanged = Signal(dict)  # noqa: N815

    def __init__(self, stack: CaseUndoStack, model: EvidenceModel,
                 evidence_list: EvidenceList, parent: QWidget, *,
                 case_opened: SignalInstance, case_closed: SignalInstance,
                 show_evidence: Callable[[int], object],
                 commit_evidence: Callable[[], object] = lambda: None) -> None:
        super().__init__(parent)
        self._stack = stack
        self._model = model
        self._evidence_list = evidence_list
        self._parent = parent
        self._show_evidence = show_evidence
        self._commit_evidence = commit_evidence
        self.page = ClaimsPage(stack)
        self.page.set_evidence_model(model)
        self.export_dialog: ExportDialog | None = None
        self._claim_names: dict[int, str] = {}

        self.tabs = QTabBar()
        self.tabs.setObjectName("WorkspaceModes")
        self.tabs.setDrawBase(False)
        self.tabs.setExpanding(False)
        self.tabs.addTab(claim_style.icon("evidence", theme.TEXT_DIM), "Evidence")
        self.tabs.addTab(claim_style.icon("claims", theme.TEXT_DIM), "Claims && verdicts")
        self.tabs.setTabToolTip(EVIDENCE, f"Evidence, frame, map and inspector"
                                          f" ({MODE_KEYS[0]})")
        self.tabs.setTabToolTip(CLAIMS, f"Claims, source statements, linked evidence and"
                                        f" verdicts ({MODE_KEYS[1]})")
        self.tabs.currentChanged.connect(self.set_mode)
        self.bar = QWidget()
        self.bar.setObjectName("ModeBar")
        self.bar.setStyleSheet(f"QWidget#ModeBar {{ background: {theme.PANEL};"
                               f" border-bottom: 1px solid {theme.BORDER}; }}")
        row = QHBoxLayout(self.bar)
        row.setContentsMargins(8, 0, 8, 0)
        row.addWidget(self.tabs)
        row.addStretch(1)

        self.modes = QStackedWidget()
        self.modes.setObjectName("WorkspaceModeStack")

        self.mode_group = QActionGroup(self)
        self.evidence_mode_action = self._action("Evidence", MODE_KEYS[0],
                                                 lambda: self.set_mode(EVIDENCE))
        self.claims_mode_action = self._action("Claims && Verdicts", MODE_KEYS[1],
                                               lambda: self.set_mode(CLAIMS))
        for action in (self.evidence_mode_action, self.claims_mode_action):
            action.setCheckable(True)
            self.mode_group.addAction(action)
        self.evidence_mode_action.setChecked(True)
        self.export_action = self._action("Export Dossier…", EXPORT_KEY, self.open_export)
        self.export_action.setIcon(claim_style.icon("export"))
        self.export_action.setStatusTip("Write the signed dossier of a claim: HTML, PDF, JSON")

        stack.applied.connect(self.page.on_applied)
        case_opened.connect(lambda *_: self._case_changed())
        case_closed.connect(lambda *_: self._case_changed())
        self.page.claimsChanged.connect(self._claims_changed)
        self.page.exportRequested.connect(self.open_export)
        self.page.showEvidenceRequested.connect(self.show_evidence)
        evidence_list.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        evidence_list.customContextMenuRequested.connect(self._evidence_menu)
        self._case_changed()

    def _action(self, text: str, key: str, slot: object) -> QAction:
        action = QAction(text, self._parent)
        action.setShortcut(QKeySequence(key))
        action.setToolTip(f"{text.replace('&&', '&').rstrip('…')} ({key})")
        action.triggered.connect(slot)
        self._parent.addAction(action)  # shortcuts work with the menu bar hidden
        return action

    def stack(self, evidence: QWidget) -> QStackedWidget:
        """The evidence workspace and the claims page as the two pages of one stack."""
        self.modes.addWidget(evidence)
        self.modes.addWidget(self.page)
        return self.modes

    # ----------------------------------------------------------------- modes

    @property
    def mode(self) -> int:
        return self.modes.currentIndex() if self.modes.count() else EVIDENCE

    def set_mode(self, mode: int) -> None:
        """Show Evidence (0) or Claims & verdicts (1)."""
        if mode == CLAIMS:
            self._commit_evidence()
        else:
            self.page.commit_pending()
        if self.modes.count() > mode:
            self.modes.setCurrentIndex(mode)
        if self.tabs.currentIndex() != mode:
            self.tabs.blockSignals(True)
            self.tabs.setCurrentIndex(mode)
            self.tabs.blockSignals(False)
        (self.claims_mode_action if mode == CLAIMS else self.evidence_mode_action).setChecked(
            True)
        if mode == CLAIMS:
            focus = self.page.claim_list.list if self.page.claim_list.list.isVisible() else \
                self.page.claim_list.add_button
            focus.setFocus()

    def show_evidence(self, evidence_id: int) -> None:
        """An item of a claim, shown in the evidence workspace (clearing filters that hide it)."""
        self.set_mode(EVIDENCE)
        self._show_evidence(evidence_id)

    def show_claim(self, claim_id: int) -> None:
        self.set_mode(CLAIMS)
        self.page.select_claim(claim_id)

    # ----------------------------------------------------------------- case

    @property
    def case(self) -> CaseFile | None:
        return self._stack.case

    def _case_changed(self) -> None:
        case = self.case
        self.page.set_case(case)
        self.export_action.setEnabled(case is not None)
        for action in (self.evidence_mode_action, self.claims_mode_action):
            action.setEnabled(case is not None)
        self._claim_names = {c.id: c.text for c in case.list_claims()} if case else {}
        if case is None:
            self.set_mode(EVIDENCE)

    def _claims_changed(self) -> None:
        """Claims or links changed: the evidence list's claim filter and badges follow."""
        case = self.case
        if case is None:
            return
        names = {c.id: c.text for c in case.list_claims()}
        if names != self._claim_names:  # the list's filter resets on a change: only then
            self._claim_names = names
            self.claimNamesChanged.emit(names)
        self._model.refresh_claims()

    def before_close(self) -> None:
        """The case is about to close: save typed text, end the export dialog."""
        self.page.commit_pending()
        dialog, self.export_dialog = self.export_dialog, None
        if dialog is not None:
            dialog.shutdown()
            dialog.hide()
            dialog.deleteLater()

    # ----------------------------------------------------------------- links and export

    def _evidence_menu(self, position: QPoint) -> None:
        case = self.case
        evidence_list = self._evidence_list
        index = evidence_list.indexAt(position)
        if case is None or not index.isValid():
            return
        from desk.ui.evidence.evidence_model import Role

        evidence_id = int(index.data(Role.ID))
        menu = QMenu(evidence_list)
        links = link_menu(menu, case, evidence_id)
        menu.addMenu(links)
        show = menu.addMenu("Show Claim")
        linked = case.claim_evidence(evidence_id=evidence_id)
        for link in linked:
            text = claim_style.elide(self._claim_names.get(link.claim_id, ""), 60)
            action = show.addAction(f"#{link.claim_id} · {text}".replace("&", "&&"))
            action.triggered.connect(lambda _=False, c=link.claim_id: self.show_claim(c))
        show.setEnabled(bool(linked))
        chosen = menu.exec(evidence_list.viewport().mapToGlobal(position))
        if chosen is not None and isinstance(chosen.data(), tuple):
            claim_id, stance = chosen.data()
            self.link_from_menu(evidence_id, claim_id, stance)
        menu.deleteLater()

    def link_from_menu(self, evidence_id: int, claim_id: int, stance: str) -> bool:
        """Link an item to a claim with a stance, or change the stance of its link."""
        case = self.case
        if case is None or case.read_only:
            return False
        from desk.core import commands  # not at start-up: it brings the case file's SQLite

        command = commands.link_or_change_stance(case, claim_id, evidence_id, stance)
        return command is not None and self._stack.push_command(command)

    def open_export(self, claim_id: object = None) -> ExportDialog | None:
        """File › Export Dossier…: the export dialog for a claim (the selected one)."""
        case = self.case
        if case is None:
            return None
        self._commit_evidence()
        self.page.commit_pending()
        if not case.list_claims():
            from desk.ui.common import dialogs

            dialogs.inform(self._parent, "Nothing to export",
                           "A dossier is written for a claim, and this case has none yet. Add"
                           " the claim in Claims & verdicts (Alt+2).")
            return None
        if self.export_dialog is not None:
            self.export_dialog.raise_()
            self.export_dialog.activateWindow()
            return self.export_dialog
        from desk.ui.export.export_dialog import ExportDialog

        chosen = claim_id if isinstance(claim_id, int) and not isinstance(claim_id, bool) \
            else self.page.current_claim_id()
        dialog = ExportDialog(case, chosen, self._parent, before_export=self.page.commit_pending)
        dialog.finished.connect(lambda _: self._export_closed(dialog))
        self.export_dialog = dialog
        dialog.open()
        return dialog

    def _export_closed(self, dialog: ExportDialog) -> None:
        if self.export_dialog is dialog:
            self.export_dialog = None
        dialog.deleteLater()
