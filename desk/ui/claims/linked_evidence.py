"""The evidence linked to a claim, each with its stance: supports, contradicts or context.

A row shows the item's thumbnail (decoded here, on the GUI thread, from the case's small
stored JPEG), its name and facts, the stance and the reviewer's note on why it matters.
Changing the stance or the note is one undoable edit; unlinking too.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QIcon, QImage, QPixmap
from PySide6.QtWidgets import (
    QComboBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from desk.core.model import Stance
from desk.ui.claims import claim_style
from desk.ui.common import icons, theme
from desk.ui.common.fields import LineField

if TYPE_CHECKING:
    from desk.core.model import ClaimEvidence, Evidence
    from desk.ui.common.undo import CaseUndoStack

THUMB = QSize(96, 64)


def stance_dot(stance: Stance) -> QIcon:
    """A small filled circle in the stance's colour, for menus and the stance box."""
    return QIcon(icons.dot(claim_style.STANCE_COLOURS[stance], 24, 12))


def thumbnail_pixmap(data: bytes | None, size: QSize = THUMB, ratio: float = 1.0) -> QPixmap:
    """The stored thumbnail fitted into `size`; an empty pixmap when there is none."""
    if not data:
        return QPixmap()
    image = QImage.fromData(data)
    if image.isNull():
        return QPixmap()
    scaled = image.scaled(size * ratio, Qt.AspectRatioMode.KeepAspectRatio,
                          Qt.TransformationMode.SmoothTransformation)
    pixmap = QPixmap.fromImage(scaled)
    pixmap.setDevicePixelRatio(ratio)
    return pixmap


class StanceBox(QComboBox):
    """Supports / contradicts / context, in the stance's colour."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        for stance in Stance:
            self.addItem(stance_dot(stance), claim_style.STANCE_WORDS[stance], str(stance))
        self.setToolTip("How this item bears on the claim")
        self.currentIndexChanged.connect(self._recolour)

    def stance(self) -> Stance:
        return Stance(self.currentData())

    def set_stance(self, stance: Stance) -> None:
        index = self.findData(str(stance))
        if index != self.currentIndex():
            self.blockSignals(True)
            self.setCurrentIndex(index)
            self.blockSignals(False)
        self._recolour()

    def _recolour(self, *_: object) -> None:
        colour = claim_style.STANCE_COLOURS[self.stance()]
        self.setStyleSheet(f"QComboBox {{ color: {colour}; font-weight: 600; }}")


class EvidenceLinkRow(QFrame):
    """One linked item."""

    stanceChanged = Signal(int, str)  # noqa: N815 - evidence id, stance
    noteCommitted = Signal(int)  # noqa: N815 - evidence id
    unlinkRequested = Signal(int)  # noqa: N815
    showRequested = Signal(int)  # noqa: N815

    def __init__(self, evidence_id: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("EvidenceLinkRow")
        self.setProperty("card", True)
        self.evidence_id = evidence_id
        self.thumb = QLabel()
        self.thumb.setFixedSize(THUMB)
        self.thumb.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.thumb.setStyleSheet(f"background: {theme.CANVAS}; border-radius: 4px;")
        self.name = claim_style.plain_label(wrap=False)
        self.name.setStyleSheet("font-weight: 600;")
        self.facts = claim_style.plain_label(wrap=False, role="dim")
        self.stance = StanceBox()
        self.stance.activated.connect(
            lambda _: self.stanceChanged.emit(self.evidence_id, str(self.stance.stance())))
        self.note = LineField("Why it matters for this claim (optional)")
        self.note.setObjectName("link_note")
        self.note.editingFinished.connect(lambda: self.noteCommitted.emit(self.evidence_id))
        self.show_button = QToolButton()
        self.show_button.setIcon(icons.icon("image", theme.TEXT_DIM))
        self.show_button.setToolTip("Show this item in the evidence workspace")
        self.show_button.clicked.connect(lambda: self.showRequested.emit(self.evidence_id))
        self.unlink_button = QToolButton()
        self.unlink_button.setIcon(claim_style.icon("trash", theme.TEXT_DIM))
        self.unlink_button.setToolTip("Unlink this item from the claim (the item stays in"
                                      " the case)")
        self.unlink_button.clicked.connect(lambda: self.unlinkRequested.emit(self.evidence_id))

        top = QHBoxLayout()
        top.setSpacing(6)
        top.addWidget(self.name, 1)
        top.addWidget(self.stance)
        top.addWidget(self.show_button)
        top.addWidget(self.unlink_button)
        column = QVBoxLayout()
        column.setSpacing(3)
        column.addLayout(top)
        column.addWidget(self.facts)
        column.addWidget(self.note)
        row = QHBoxLayout(self)
        row.setContentsMargins(8, 6, 8, 6)
        row.setSpacing(10)
        row.addWidget(self.thumb, 0, Qt.AlignmentFlag.AlignTop)
        row.addLayout(column, 1)

    def show_link(self, link: ClaimEvidence, evidence: Evidence | None, thumb: QPixmap) -> None:
        if evidence is None:
            self.name.setText(f"Evidence {link.evidence_id} (missing from the case)")
            self.facts.setText("")
        else:
            self.name.setText(evidence.name)
            self.name.setToolTip(evidence.name if len(evidence.name) > 40 else "")
            facts = [f"#{evidence.id}", f"{evidence.width} × {evidence.height}"]
            if evidence.metadata.captured_at:
                facts.append(evidence.metadata.captured_at.replace("T", " ")[:16])
            if evidence.provenance.platform:
                facts.append(evidence.provenance.platform)
            self.facts.setText(" · ".join(facts))
        if not thumb.isNull():
            self.thumb.setPixmap(thumb)
        else:
            self.thumb.setPixmap(icons.pixmap("image", 22, theme.TEXT_FAINT))
        self.stance.set_stance(link.stance)
        self.note.show_value(link.note)

    def set_read_only(self, read_only: bool) -> None:
        self.stance.setEnabled(not read_only)
        self.note.setReadOnly(read_only)
        self.unlink_button.setVisible(not read_only)


class LinkedEvidenceView(QWidget):
    """The claim's evidence: stance counts, one row per linked item, and Link Evidence…"""

    linkRequested = Signal()  # noqa: N815
    showEvidenceRequested = Signal(int)  # noqa: N815

    def __init__(self, stack: CaseUndoStack, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("LinkedEvidence")
        self._stack = stack
        self._claim_id: int | None = None
        self._links: dict[int, ClaimEvidence] = {}
        self._thumbs: dict[int, QPixmap] = {}
        self._read_only = False
        self.rows: dict[int, EvidenceLinkRow] = {}

        self.title = claim_style.section("Evidence")
        self.counts = claim_style.plain_label(wrap=False, role="dim")
        self.link_button = QPushButton(claim_style.icon("link"), "Link evidence…")
        self.link_button.setObjectName("LinkEvidence")
        self.link_button.setToolTip("Choose items of the case that bear on this claim")
        self.link_button.clicked.connect(self.linkRequested)
        self.empty = claim_style.plain_label(
            "No evidence is linked. Link the items that support or contradict the claim, or"
            " give context; with none, the dossier says that no evidence was offered or"
            " found.", role="dim")
        head = QHBoxLayout()
        head.addWidget(self.title)
        head.addWidget(self.counts)
        head.addStretch(1)
        head.addWidget(self.link_button)
        self._list = QVBoxLayout()
        self._list.setSpacing(6)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(8)
        layout.addLayout(head)
        layout.addWidget(self.empty)
        layout.addLayout(self._list)

    def set_read_only(self, read_only: bool) -> None:
        self._read_only = read_only
        self.link_button.setEnabled(not read_only)
        for row in self.rows.values():
            row.set_read_only(read_only)

    def forget_thumbnails(self) -> None:
        self._thumbs.clear()

    def linked_ids(self) -> set[int]:
        return set(self._links)

    def show_links(self, claim_id: int | None, links: list[ClaimEvidence]) -> None:
        """Rows for these links, reusing rows by evidence id."""
        case = self._stack.case
        if claim_id != self._claim_id:
            for row in self.rows.values():
                self._drop(row)
            self.rows.clear()
        self._claim_id = claim_id
        self._links = {link.evidence_id: link for link in links}
        for eid in [eid for eid in self.rows if eid not in self._links]:
            self._drop(self.rows.pop(eid))
        for position, link in enumerate(links):
            row = self.rows.get(link.evidence_id)
            if row is None:
                row = EvidenceLinkRow(link.evidence_id)
                row.stanceChanged.connect(self._set_stance)
                row.noteCommitted.connect(self._commit_note)
                row.unlinkRequested.connect(self.unlink)
                row.showRequested.connect(self.showEvidenceRequested)
                row.set_read_only(self._read_only)
                self.rows[link.evidence_id] = row
            if self._list.indexOf(row) != position:
                self._list.removeWidget(row)
                self._list.insertWidget(position, row)
            evidence = None
            if case is not None:
                try:
                    evidence = case.get_evidence(link.evidence_id)
                except KeyError:
                    evidence = None
            row.show_link(link, evidence, self._thumbnail(link.evidence_id))
        self.link_button.setEnabled(claim_id is not None and not self._read_only)
        self.empty.setVisible(claim_id is not None and not links)
        counts = {s: sum(1 for lk in links if lk.stance == s) for s in Stance}
        self.counts.setText(" · ".join(f"{n} {claim_style.STANCE_WORDS[s].lower()}"
                                       for s, n in counts.items() if n))

    def _drop(self, row: EvidenceLinkRow) -> None:
        self._list.removeWidget(row)
        row.hide()
        row.deleteLater()

    def _thumbnail(self, evidence_id: int) -> QPixmap:
        pixmap = self._thumbs.get(evidence_id)
        if pixmap is None:
            case = self._stack.case
            data = case.thumbnail(evidence_id) if case is not None else None
            pixmap = thumbnail_pixmap(data, ratio=self.devicePixelRatioF())
            self._thumbs[evidence_id] = pixmap
        return pixmap

    # ----------------------------------------------------------------- editing

    def commit_pending(self) -> None:
        for eid in list(self.rows):
            self._commit_note(eid)

    def _set_stance(self, evidence_id: int, stance: str) -> None:
        link = self._links.get(evidence_id)
        if link is None or self._read_only or str(link.stance) == stance:
            return
        from desk.core.commands import change_stance

        if not self._stack.push_command(change_stance(link.claim_id, evidence_id, stance)):
            self.rows[evidence_id].stance.set_stance(link.stance)

    def _commit_note(self, evidence_id: int) -> None:
        link = self._links.get(evidence_id)
        row = self.rows.get(evidence_id)
        if link is None or row is None or self._read_only:
            return
        value = row.note.text()
        if value == link.note:
            return
        from desk.core.commands import edit_link_note

        if not self._stack.push_command(edit_link_note(link.claim_id, evidence_id, value)):
            row.note.show_value(link.note)

    def unlink(self, evidence_id: int) -> None:
        link = self._links.get(evidence_id)
        if link is None or self._read_only:
            return
        from desk.core.commands import unlink_evidence

        self._stack.push_command(unlink_evidence(link.claim_id, evidence_id))
