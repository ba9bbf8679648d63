"""The inspector's content-credentials block: what an item's C2PA manifest says, if any.

Every value (signer, generator, actions, problems) comes from a manifest anyone can write, so
it is shown as plain text. No credentials is the common case and is said in neutral words,
with no warning colour; an item imported before desk 1.5 says it was not read, and a frame
taken from a video that it has none of its own.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFormLayout, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from desk.ui.common import icons, theme
from desk.ui.common.labels import plain_label, section_label

if TYPE_CHECKING:
    from desk.core.casefile import CaseFile
    from desk.core.credentials import Credential
    from desk.core.model import Evidence


class CredentialsView(QWidget):
    """State line, then signer, generator, actions and problems of the shown item."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("CredentialsView")
        self.icon = QLabel()
        self.icon.setAlignment(Qt.AlignmentFlag.AlignTop)
        self.state = plain_label()
        self.state.setObjectName("CredentialState")
        state_row = QHBoxLayout()
        state_row.setSpacing(8)
        state_row.addWidget(self.icon)
        state_row.addWidget(self.state, 1)
        self.form = QFormLayout()
        self.form.setHorizontalSpacing(14)
        self.form.setVerticalSpacing(6)
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.values: dict[str, QLabel] = {}
        for key, text in (("signer", "Signed by"), ("generator", "Made with"),
                          ("signed_at", "Signed at"), ("found_in", "Manifest"),
                          ("actions", "Actions"), ("problems", "Problems")):
            value = plain_label(selectable=True)
            value.setObjectName(f"credential_{key}")
            self.values[key] = value
            label = QLabel(text)
            label.setStyleSheet(f"color: {theme.TEXT_DIM};")
            label.setMinimumWidth(84)
            self.form.addRow(label, value)
        self.values["problems"].setStyleSheet(f"color: {theme.WARN};")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        layout.addWidget(section_label("Content credentials"))
        layout.addLayout(state_row)
        layout.addLayout(self.form)

    def show_item(self, case: CaseFile | None, item: Evidence | None) -> None:
        """Read the item's credential from the case and show it."""
        credential = None
        if case is not None and item is not None:
            from desk.core.credentials import credential_of

            credential = credential_of(case, item.id)
        self.show_credential(credential, item)

    def show_credential(self, credential: Credential | None, item: Evidence | None = None
                        ) -> None:
        """Show `credential`; None is said as what it means for `item` (a frame has none of
        its own, an older item was not read)."""
        from desk.core.credentials import ABSENT, VALID, not_read_text

        if credential is None:
            self._set_state("info", theme.TEXT_DIM, not_read_text(
                item.kind if item is not None else "still",
                item is not None and item.frame_of is not None))
            self._fill({})
            return
        if credential.state == VALID:
            self._set_state("ok", theme.OK, credential.summary)
        elif credential.state == ABSENT:
            self._set_state("info", theme.TEXT_DIM, credential.summary)
        else:
            self._set_state("warning", theme.WARN, credential.summary)
        actions = [("⚠ " if a.ai_generated else "") + a.text for a in credential.actions]
        self._fill({
            "signer": credential.signer,
            "generator": credential.generator,
            "signed_at": credential.signed_at,
            "found_in": {"embedded": "Embedded in the file",
                         "sidecar": "Sidecar .c2pa file beside it"}.get(credential.found_in, ""),
            "actions": "\n".join(actions),
            "problems": "\n".join(credential.problems),
        })

    def _set_state(self, icon: str, colour: str, text: str) -> None:
        self.icon.setPixmap(icons.pixmap(icon, 16, colour))
        self.state.setText(text)
        self.state.setStyleSheet(f"color: {colour if colour != theme.TEXT_DIM else theme.TEXT};")

    def _fill(self, values: dict[str, str]) -> None:
        for key, label in self.values.items():
            text = values.get(key, "")
            label.setText(text)
            self.form.setRowVisible(label, bool(text))

    def texts(self) -> dict[str, str]:
        """What the block says, field by field (for tests and the screenshot check)."""
        return {"state": self.state.text(),
                **{k: v.text() for k, v in self.values.items() if v.text()}}
