"""Choosing evidence to link to a claim: the case's items, as in the evidence list.

The chooser shows the window's own evidence model (same rows, thumbnails and badges, from the
same cache) minus the items already linked, with a search box and the stance the new links
get. `choose_evidence` is the one modal entry point, so tests replace it like `dialogs.ask`.
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from desk.core.model import Stance
from desk.ui.claims import claim_style
from desk.ui.claims.linked_evidence import StanceBox
from desk.ui.common import icons, theme
from desk.ui.evidence.evidence_list import EvidenceList
from desk.ui.evidence.evidence_model import EvidenceFilter, EvidenceModel, Role


class UnlinkedEvidence(EvidenceFilter):
    """The evidence filter without the items a claim already links."""

    def __init__(self, exclude: set[int], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._exclude = set(exclude)

    def filterAcceptsRow(self, source_row: int,  # noqa: N802 - Qt's name
                         source_parent: QModelIndex | QPersistentModelIndex) -> bool:
        if self.source().evidence_id(source_row) in self._exclude:
            return False
        return super().filterAcceptsRow(source_row, source_parent)


class EvidenceChooser(QDialog):
    """Pick one or more items and the stance they take on the claim."""

    def __init__(self, model: EvidenceModel, claim_text: str, linked: set[int],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("EvidenceChooser")
        self.setWindowTitle("Link Evidence")
        self.resize(520, 620)
        self.proxy = UnlinkedEvidence(linked, self)
        self.proxy.setSourceModel(model)
        self.proxy.sort(0)
        heading = QLabel("Link evidence to the claim")
        heading.setProperty("role", "heading")
        claim = claim_style.plain_label(claim_style.elide(claim_text, 240), role="dim")
        self.search = QLineEdit()
        self.search.setPlaceholderText("Search names")
        self.search.setClearButtonEnabled(True)
        self.search.addAction(icons.icon("search", theme.TEXT_FAINT),
                              QLineEdit.ActionPosition.LeadingPosition)
        self.search.textChanged.connect(self.proxy.set_text)
        self.list = EvidenceList()
        self.list.setModel(self.proxy)
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.list.empty_title = "Nothing to link"
        self.list.empty_hint = ("Every item of the case is linked already,\nor none matches"
                                " the search." if model.rowCount() else
                                "This case has no evidence yet.")
        self.list.doubleClicked.connect(lambda _: self.accept())
        self.stance = StanceBox()
        self.stance.set_stance(Stance.CONTEXT)
        self.selected_label = claim_style.plain_label(wrap=False, role="dim")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.link_button = self.buttons.addButton("Link",
                                                  QDialogButtonBox.ButtonRole.AcceptRole)
        self.link_button.setProperty("primary", True)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.list.selectionModel().selectionChanged.connect(self._update)

        stance_row = QHBoxLayout()
        stance_row.addWidget(QLabel("Link as"))
        stance_row.addWidget(self.stance)
        stance_row.addStretch(1)
        stance_row.addWidget(self.selected_label)
        layout = QVBoxLayout(self)
        layout.setSpacing(8)
        layout.addWidget(heading)
        layout.addWidget(claim)
        layout.addWidget(self.search)
        layout.addWidget(self.list, 1)
        layout.addLayout(stance_row)
        layout.addWidget(self.buttons)
        self._update()

    def chosen_ids(self) -> list[int]:
        rows = sorted(self.list.selectionModel().selectedRows(), key=lambda i: i.row())
        return [int(index.data(Role.ID)) for index in rows]

    def select_ids(self, ids: set[int]) -> None:
        """Select these items (tests and 'link the current item')."""
        from PySide6.QtCore import QItemSelectionModel

        selection = self.list.selectionModel()
        for row in range(self.proxy.rowCount()):
            index = self.proxy.index(row, 0)
            if int(index.data(Role.ID)) in ids:
                selection.select(index, QItemSelectionModel.SelectionFlag.Select)

    def _update(self, *_: object) -> None:
        count = len(self.list.selectionModel().selectedRows())
        self.link_button.setEnabled(count > 0)
        self.link_button.setText(f"Link {count} item{'s' * (count != 1)}" if count else "Link")
        self.selected_label.setText(f"{count} selected" if count else "")


def choose_evidence(parent: QWidget | None, model: EvidenceModel, claim_text: str,
                    linked: set[int]) -> tuple[list[int], Stance] | None:
    """The reviewer's choice of items and stance, or None when cancelled."""
    dialog = EvidenceChooser(model, claim_text, linked, parent)
    dialog.setWindowModality(Qt.WindowModality.WindowModal)
    try:
        if dialog.exec() != QDialog.DialogCode.Accepted or not dialog.chosen_ids():
            return None
        return dialog.chosen_ids(), dialog.stance.stance()
    finally:
        dialog.deleteLater()
