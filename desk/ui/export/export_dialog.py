"""File › Export Dossier…: choose a claim, formats and a folder, see the dossier, export it.

What the reviewer must hear before exporting (open checklist items, no verdict) is shown
from the start and asked about again on Export. The preview is the dossier's own HTML,
rendered in a worker and shown in a locked-down web view. The export runs in a worker (the
PDF and the map pictures on the GUI thread, see export_job) with progress and Cancel; at the
end the dialog names the folder, the record's hash and the signing key's fingerprint, and
can open the folder or check it as a reader would (`verify_dossier`).

A case that fails verification is refused before anything is written: the dialog lists the
findings and offers, as a separate and deliberate choice, the same export marked on its first
page as made from a case that failed verification.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace as replaced
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QRect, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QKeyEvent, QShowEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from desk.ui.claims import claim_style
from desk.ui.common import dialogs, icons, theme
from desk.ui.common.fields import LineField, chain_tab_order
from desk.ui.common.findings import FindingsList
from desk.ui.common.workers import Job, Jobs
from desk.ui.export.dossier_preview import DossierPreview
from desk.ui.export.export_job import (
    CANCELLED,
    CaseRefused,
    ExportRequest,
    MapPictures,
    export_job,
)

if TYPE_CHECKING:
    from desk.core.casefile import CaseFile
    from desk.dossier import ExportResult
    from desk.dossier.verify import DossierCheck

FORMAT_CHOICES: tuple[tuple[str, str, str], ...] = (
    ("html", "HTML", "One self-contained page a reader opens offline"),
    ("pdf", "PDF", "The same page printed to A4, each page stamped with the record's hash"),
    ("json", "JSON", "dossier.json, the machine-readable record with ClaimReview; always"
                     " written, because every page's footer names its hash"),
)
PREVIEW_DELAY_MS = 250
#: The size the dialog asks for; on a smaller screen it takes what the screen offers.
PREFERRED_SIZE = QSize(1240, 820)
#: Room kept free around the dialog on a small screen (window frame, a panel's edge).
SCREEN_MARGIN = 16
#: Custody entries that record a look at the case (besides exports), not a change of it.
NOT_CHANGES = frozenset({"verify case"})
#: The second, deliberate choice after a refusal; never the default button.
EXPORT_ANYWAY = "Export anyway, marked as failed verification"


def fitted_geometry(available: QRect, wanted: QSize = PREFERRED_SIZE,
                    minimum: QSize | None = None) -> QRect:
    """Where the dialog goes on a screen whose free area is `available`: its preferred
    size where that fits, else as much as the screen has, centred; never below `minimum`
    unless the screen itself is smaller."""
    room = available.adjusted(SCREEN_MARGIN, SCREEN_MARGIN, -SCREEN_MARGIN, -SCREEN_MARGIN)
    if room.width() <= 0 or room.height() <= 0:
        room = QRect(available)
    width, height = min(wanted.width(), room.width()), min(wanted.height(), room.height())
    if minimum is not None:
        width = min(max(width, minimum.width()), available.width())
        height = min(max(height, minimum.height()), available.height())
    rect = QRect(0, 0, width, height)
    rect.moveCenter(available.center())
    return rect


def staleness(case: CaseFile, claim_id: int) -> str:
    """A sentence when the claim's latest dossier was exported before later changes that its
    dossier would show (the claim, its statements, verdict, links, the evidence it links,
    landmarks; `custody.claim_changes_after`), else "". Edits of other claims, exports and
    checks of the case do not make it out of date."""
    import json

    from desk.dossier.custody import claim_changes_after
    from desk.dossier.data import EXPORT_ACTION

    entries = case.audit_entries()
    target = f"claim:{claim_id}"
    export = next((e for e in reversed(entries)
                   if e.action == EXPORT_ACTION and target in e.items), None)
    if export is None:
        return ""
    later = claim_changes_after(case, claim_id, export.seq,
                                ignore={EXPORT_ACTION, *NOT_CHANGES})
    if not later:
        return ""
    try:
        detail = json.loads(export.detail) if export.detail else {}
    except ValueError:
        detail = {}
    folder = detail.get("folder") if isinstance(detail, dict) else None
    into = f" to “{folder}”" if isinstance(folder, str) and folder else ""
    stamp = f"{export.at[:10]} {export.at[11:16]} UTC" if len(export.at) >= 16 else export.at
    count = f"{len(later)} later change{'s' * (len(later) != 1)}"
    return (f"The case changed after this claim's dossier was exported ({stamp}{into}):"
            f" {count} in the custody log, the latest “{later[-1].action}”. Export again so"
            " the dossier shows the case as it is now.")


def grouped(value: str) -> str:
    """A long hex string in groups of four, as the dossier prints it."""
    return " ".join(value[i:i + 4] for i in range(0, len(value), 4))


def default_folder(case: CaseFile, claim_id: int) -> Path:
    return case.path.parent / f"{case.path.stem}-claim-{claim_id}-dossier"


def _render_preview(case_path: Path, claim_id: int) -> str:
    """The dossier HTML, from a worker's own read-only connection."""
    from desk.core.casefile import CaseFile
    from desk.dossier import render_preview

    with CaseFile.open(case_path, read_only=True) as case:
        return render_preview(case, claim_id)


def _check(folder: Path) -> DossierCheck:
    from desk.dossier.verify import check_dossier

    return check_dossier(folder)


def _box(name: str, border: str, background: str) -> QFrame:
    frame = QFrame()
    frame.setObjectName(name)
    _paint_box(frame, border, background)
    return frame


def _paint_box(frame: QFrame, border: str, background: str) -> None:
    name = frame.objectName()
    frame.setStyleSheet(f"QFrame#{name} {{ border: 1px solid {border}; border-left: 4px solid"
                        f" {border}; border-radius: 5px; background: {background}; }}"
                        f" QFrame#{name} QLabel {{ background: transparent; border: none; }}")


class ExportDialog(QDialog):
    """Export one claim's dossier; window-modal, opened with `open()` (never blocks)."""

    exported = Signal(object)  # ExportResult
    checked = Signal(object)  # DossierCheck of the exported folder
    exportFailed = Signal(str)  # noqa: N815 - why nothing was written, in words
    refused = Signal(object)  # CaseRefused: the case fails verification, nothing was written
    previewShown = Signal()  # noqa: N815 - the preview page finished loading

    def __init__(self, case: CaseFile, claim_id: int | None, parent: QWidget | None = None, *,
                 render_maps: bool = True,
                 before_export: Callable[[], None] | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("ExportDialog")
        self.setWindowTitle("Export Dossier")
        self.setWindowModality(Qt.WindowModality.WindowModal)
        self.resize(PREFERRED_SIZE)
        self._placed = False
        self._case = case
        self._before_export = before_export
        self._render_maps = render_maps
        self._folder_edited = False
        self.jobs = Jobs(self)  # the preview, the export and the check of its folder
        self._export: Job | None = None
        self._request: ExportRequest | None = None  # of the export running or last run
        self._refusal: CaseRefused | None = None  # shown, and what Export anyway repeats
        self._preview_job: Job | None = None
        self._close_when_done = False
        self._preview_serial = 0  # the latest render asked for
        self._shown_serial = 0  # the render the preview shows or is loading
        self._loading = False
        self._next_page: tuple[int, str] | None = None  # to load when the current load ends
        self._maps: MapPictures | None = None
        self.result: ExportResult | None = None
        self.check: DossierCheck | None = None

        self.preview = DossierPreview()
        self.preview.loadFinished.connect(self._preview_loaded)
        self.preview.linkRefused.connect(
            lambda url: self.preview_status.setText(f"Links are not followed in the preview:"
                                                    f" {url}"))
        self._preview_timer = QTimer(self, singleShot=True, interval=PREVIEW_DELAY_MS)
        self._preview_timer.timeout.connect(self.refresh_preview)

        form = self._build_form()
        preview_panel = QWidget()
        preview_column = QVBoxLayout(preview_panel)
        preview_column.setContentsMargins(0, 0, 0, 0)
        preview_column.setSpacing(4)
        preview_head = QHBoxLayout()
        preview_head.setContentsMargins(12, 10, 12, 2)
        preview_title = QLabel("Preview")
        preview_title.setProperty("role", "heading")
        preview_note = claim_style.plain_label(
            "As exported, before signing; map pictures appear here as sketches.", wrap=False,
            role="dim")
        preview_head.addWidget(preview_title)
        preview_head.addSpacing(8)
        preview_head.addWidget(preview_note)
        preview_head.addStretch(1)
        self.preview_status = claim_style.plain_label(wrap=False, role="dim")
        self.preview_status.setObjectName("PreviewStatus")
        preview_head.addWidget(self.preview_status)
        preview_column.addLayout(preview_head)
        preview_column.addWidget(self.preview, 1)

        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(form)
        splitter.addWidget(preview_panel)
        splitter.setChildrenCollapsible(False)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([420, 820])
        preview_panel.setMinimumWidth(240)
        # The buttons stand below everything, outside the scrolling form: a result or a long
        # list of open points never pushes them out of view.
        footer = QWidget()
        footer.setObjectName("ExportFooter")
        footer.setStyleSheet(f"QWidget#ExportFooter {{ border-top: 1px solid {theme.BORDER};"
                             f" background: {theme.PANEL}; }}")
        buttons = QHBoxLayout(footer)
        buttons.setContentsMargins(16, 8, 16, 8)
        buttons.addStretch(1)
        buttons.addWidget(self.close_button)
        buttons.addWidget(self.export_button)
        self.footer = footer
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(splitter, 1)
        layout.addWidget(footer)
        chain_tab_order(self.claim_box, *self.format_boxes.values(), self.folder,
                        self.choose_button, self.url, self.originals, self.cancel_button,
                        self.findings, self.copy_findings_button, self.export_anyway_button,
                        self.open_button, self.verify_button, self.close_button,
                        self.export_button)
        # The refusal is about these choices: change one and Export anyway would write
        # something the reviewer was not warned about, so the refusal goes.
        self.folder.textChanged.connect(self._clear_refusal)
        self.url.textChanged.connect(self._clear_refusal)
        self.originals.toggled.connect(self._clear_refusal)
        for box in self.format_boxes.values():
            box.toggled.connect(self._clear_refusal)

        self._fill_claims(claim_id)
        self._claim_changed()

    # ----------------------------------------------------------------- building

    def _build_form(self) -> QWidget:
        heading = QLabel("Export dossier")
        heading.setProperty("role", "heading")
        intro = claim_style.plain_label(
            "A signed folder a reader can check: the claim, the statements, the evidence with"
            " hashes, the verdict and the custody log.", role="dim")

        self.claim_box = QComboBox()
        self.claim_box.setObjectName("ExportClaim")
        self.claim_box.currentIndexChanged.connect(self._claim_changed)

        self.format_boxes: dict[str, QCheckBox] = {}
        formats = QHBoxLayout()
        for key, label, tip in FORMAT_CHOICES:
            box = QCheckBox(label)
            box.setObjectName(f"format_{key}")
            box.setChecked(True)
            box.setToolTip(tip)
            if key == "json":
                box.setEnabled(False)
            self.format_boxes[key] = box
            formats.addWidget(box)
        formats.addStretch(1)

        self.folder = LineField("Folder the dossier is written to")
        self.folder.setObjectName("ExportFolder")
        self.folder.textEdited.connect(self._folder_typed)
        self.choose_button = QPushButton(claim_style.icon("folder"), "Choose…")
        self.choose_button.clicked.connect(self.choose_folder)
        folder_row = QHBoxLayout()
        folder_row.addWidget(self.folder, 1)
        folder_row.addWidget(self.choose_button)
        folder_note = claim_style.plain_label(
            "A new or empty folder; desk asks before replacing an earlier dossier.", role="dim")
        folder_note.setStyleSheet("font-size: 9pt;")

        self.url = LineField("https://… where the review will be published (optional)")
        self.url.setObjectName("ExportUrl")
        self.url.textChanged.connect(self._check_url)
        self.url_note = claim_style.plain_label(
            "Goes into the ClaimReview data for fact-check aggregators.", role="dim")
        self.url_note.setStyleSheet("font-size: 9pt;")
        self.originals = QCheckBox("Copy the originals into the folder")
        self.originals.setChecked(True)
        self.originals.setToolTip("Without them a reader can check no hash. Leave them out to"
                                  " protect a source or keep the folder small: their hashes"
                                  " are listed either way.")

        self.preflight_box = _box("Preflight", theme.WARN, "#33291a")
        self._preflight_layout = QVBoxLayout(self.preflight_box)
        self._preflight_layout.setContentsMargins(10, 8, 10, 8)
        self._preflight_layout.setSpacing(3)

        self.progress = QProgressBar()
        self.progress.setRange(0, 100)
        self.progress_label = claim_style.plain_label(role="dim")
        self.progress_label.setObjectName("ExportProgress")
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setObjectName("CancelExport")
        self.cancel_button.clicked.connect(self.cancel_export)
        progress_row = QHBoxLayout()
        progress_row.addWidget(self.progress, 1)
        progress_row.addWidget(self.cancel_button)
        self.progress_area = QWidget()
        progress_column = QVBoxLayout(self.progress_area)
        progress_column.setContentsMargins(0, 0, 0, 0)
        progress_column.addLayout(progress_row)
        progress_column.addWidget(self.progress_label)
        self.progress_area.hide()
        self.error = claim_style.plain_label()
        self.error.setObjectName("ExportError")
        self.error.setStyleSheet(f"color: {theme.DANGER};")
        self.error.hide()

        self.result_box = self._build_result()
        self.refusal_box = self._build_refusal()

        self.close_button = QPushButton("Close")
        self.close_button.clicked.connect(self.reject)
        self.export_button = QPushButton(claim_style.icon("export", "#ffffff"), "Export")
        self.export_button.setObjectName("StartExport")
        self.export_button.setProperty("primary", True)
        self.export_button.setDefault(True)
        self.export_button.clicked.connect(self.start_export)
        self.stale_note = claim_style.plain_label()
        self.stale_note.setObjectName("StaleDossier")
        self.stale_note.setStyleSheet(f"color: {theme.WARN};")
        self.stale_note.hide()

        page = QWidget()
        column = QVBoxLayout(page)
        column.setContentsMargins(16, 12, 16, 12)
        column.setSpacing(6)
        column.addWidget(heading)
        column.addWidget(intro)
        column.addWidget(claim_style.section("Claim"))
        column.addWidget(self.claim_box)
        column.addWidget(claim_style.section("Formats"))
        column.addLayout(formats)
        column.addWidget(claim_style.section("Folder"))
        column.addLayout(folder_row)
        column.addWidget(folder_note)
        column.addWidget(claim_style.section("Public URL of the review"))
        column.addWidget(self.url)
        column.addWidget(self.url_note)
        column.addWidget(self.originals)
        column.addWidget(claim_style.section("Before you export"))
        column.addWidget(self.stale_note)
        column.addWidget(self.preflight_box)
        column.addSpacing(6)
        column.addWidget(self.progress_area)
        column.addWidget(self.error)
        column.addWidget(self.refusal_box)
        column.addWidget(self.result_box)
        column.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setWidget(page)
        scroll.setMinimumWidth(340)
        self.form_scroll = scroll
        return scroll

    def _build_result(self) -> QFrame:
        box = _box("ExportResult", theme.OK, "#17291f")
        self.result_mark = QLabel()
        self.result_mark.setPixmap(icons.pixmap("ok", 18, theme.OK))
        self.result_title = claim_style.plain_label("Dossier written and signed")
        self.result_title.setObjectName("ResultTitle")
        self.result_title.setStyleSheet(f"color: {theme.OK}; font-weight: 700;")
        head = QHBoxLayout()
        head.addWidget(self.result_mark)
        head.addWidget(self.result_title, 1)
        self.result_folder = claim_style.plain_label(selectable=True)
        self.result_folder.setObjectName("ResultFolder")
        self.result_hash = claim_style.plain_label(selectable=True, role="mono")
        self.result_hash.setObjectName("ResultRecordHash")
        self.result_key = claim_style.plain_label(selectable=True, role="mono")
        self.result_key.setObjectName("ResultFingerprint")
        self.result_files = claim_style.plain_label(role="dim")
        self.result_warnings = claim_style.plain_label()
        self.result_warnings.setStyleSheet(f"color: {theme.WARN};")
        self.open_button = QPushButton(claim_style.icon("folder"), "Open folder")
        self.open_button.clicked.connect(self.open_folder)
        self.verify_button = QPushButton(claim_style.icon("shield"), "Verify")
        self.verify_button.setObjectName("VerifyDossier")
        self.verify_button.setToolTip("Check every hash and the signature, as a reader would")
        self.verify_button.clicked.connect(self.verify)
        self.verify_result = claim_style.plain_label()
        self.verify_result.setObjectName("VerifyResult")
        row = QHBoxLayout()
        row.addWidget(self.open_button)
        row.addWidget(self.verify_button)
        row.addStretch(1)
        column = QVBoxLayout(box)
        column.setContentsMargins(10, 8, 10, 10)
        column.setSpacing(4)
        column.addLayout(head)
        for label, widget in (("Folder", self.result_folder),
                              ("Record SHA-256 (dossier.json, on every page)", self.result_hash),
                              ("Signing key fingerprint", self.result_key)):
            caption = claim_style.plain_label(label, role="dim")
            caption.setStyleSheet("font-size: 9pt;")
            column.addWidget(caption)
            column.addWidget(widget)
        column.addWidget(self.result_files)
        column.addWidget(self.result_warnings)
        column.addLayout(row)
        column.addWidget(self.verify_result)
        box.hide()
        return box

    def _build_refusal(self) -> QFrame:
        box = _box("ExportRefused", theme.DANGER, "#331c1f")
        mark = QLabel()
        mark.setPixmap(icons.pixmap("error", 18, theme.DANGER))
        self.refusal_title = claim_style.plain_label()
        self.refusal_title.setObjectName("RefusalTitle")
        self.refusal_title.setStyleSheet(f"color: {theme.DANGER}; font-weight: 700;")
        head = QHBoxLayout()
        head.addWidget(mark, 0, Qt.AlignmentFlag.AlignTop)
        head.addWidget(self.refusal_title, 1)
        explain = claim_style.plain_label(
            "A dossier signs what the case holds; these findings say the case was changed"
            " outside desk or is damaged. Find out why before you publish: Verify Case… in the"
            " File menu checks the whole case again.", role="dim")
        self.findings = FindingsList(colour=theme.TEXT)
        self.copy_findings_button = QPushButton(icons.icon("copy"), "Copy findings")
        self.copy_findings_button.setAutoDefault(False)
        self.copy_findings_button.clicked.connect(self.findings.copy_all)
        self.export_anyway_button = QPushButton(EXPORT_ANYWAY)
        self.export_anyway_button.setObjectName("ExportAnyway")
        self.export_anyway_button.setAutoDefault(False)  # never what Enter does
        self.export_anyway_button.setDefault(False)
        self.export_anyway_button.setToolTip(
            "Writes the same dossier; its first page and its record say the case failed"
            " verification, and the export is recorded in the custody log as such.")
        self.export_anyway_button.clicked.connect(self.export_anyway)
        anyway_note = claim_style.plain_label(
            "Only to show the case as it is, for example to someone who will examine the"
            " damage: the dossier says on its first page that the case failed verification.",
            role="dim")
        anyway_note.setStyleSheet("font-size: 9pt;")
        # One button a row: the form column is narrow, and the second choice stands apart.
        copy_row = QHBoxLayout()
        copy_row.addWidget(self.copy_findings_button)
        copy_row.addStretch(1)
        anyway_row = QHBoxLayout()
        anyway_row.addWidget(self.export_anyway_button)
        anyway_row.addStretch(1)
        column = QVBoxLayout(box)
        column.setContentsMargins(10, 8, 10, 10)
        column.setSpacing(6)
        column.addLayout(head)
        column.addWidget(explain)
        column.addWidget(self.findings)
        column.addLayout(copy_row)
        column.addSpacing(6)
        column.addLayout(anyway_row)
        column.addWidget(anyway_note)
        box.hide()
        return box

    # ----------------------------------------------------------------- choices

    def _fill_claims(self, claim_id: int | None) -> None:
        self.claim_box.blockSignals(True)
        for claim in self._case.list_claims():
            self.claim_box.addItem(f"#{claim.id} · {claim_style.elide(claim.text, 70)}",
                                   claim.id)
            self.claim_box.setItemData(self.claim_box.count() - 1, claim.text,
                                       Qt.ItemDataRole.ToolTipRole)
        index = self.claim_box.findData(claim_id) if claim_id is not None else 0
        self.claim_box.setCurrentIndex(max(index, 0))
        self.claim_box.blockSignals(False)

    @property
    def claim_id(self) -> int | None:
        value = self.claim_box.currentData()
        return int(value) if value is not None else None

    def formats(self) -> frozenset[str]:
        return frozenset(key for key, box in self.format_boxes.items() if box.isChecked())

    def set_formats(self, formats: set[str] | frozenset[str]) -> None:
        for key, box in self.format_boxes.items():
            if box.isEnabled():
                box.setChecked(key in formats)

    def target(self) -> Path | None:
        text = self.folder.text().strip()
        return Path(text).expanduser() if text else None

    def _folder_typed(self, _: str) -> None:
        self._folder_edited = True

    def choose_folder(self) -> None:
        current = self.target()
        start = str(current.parent if current is not None else self._case.path.parent)
        parent = dialogs.choose_export_folder(self, start)
        if parent is None or self.claim_id is None:
            return
        self.folder.setText(str(parent / default_folder(self._case, self.claim_id).name))
        self._folder_edited = True

    def _check_url(self, text: str) -> bool:
        from desk.dossier.claimreview import is_http_url

        ok = not text.strip() or is_http_url(text.strip())
        self.url_note.setText("Goes into the ClaimReview data for fact-check aggregators."
                              if ok else "Not an http(s) address: it would be left out of"
                              " ClaimReview.")
        self.url_note.setStyleSheet(f"font-size: 9pt; color: "
                                    f"{theme.TEXT_DIM if ok else theme.DANGER};")
        return ok

    def _claim_changed(self, *_: object) -> None:
        claim_id = self.claim_id
        self.export_button.setEnabled(claim_id is not None)
        if claim_id is not None and not self._folder_edited:
            self.folder.setText(str(default_folder(self._case, claim_id)))
            self.folder.setToolTip(self.folder.text())
        self.show_preflight()
        self.show_staleness()
        self.result_box.hide()
        self.error.hide()
        self._clear_refusal()
        self._preview_timer.start()

    def show_staleness(self) -> None:
        """Say so when the claim's earlier dossier no longer shows the case as it is."""
        claim_id = self.claim_id
        text = staleness(self._case, claim_id) if claim_id is not None else ""
        self.stale_note.setText(text)
        self.stale_note.setVisible(bool(text))

    # ----------------------------------------------------------------- placing

    def fit_to_screen(self, available: QRect | None = None) -> QRect:
        """Size and place the dialog for the screen it opens on (or for `available`)."""
        if available is None:
            screen = (self.parentWidget().screen() if self.parentWidget() is not None
                      else self.screen())
            available = screen.availableGeometry()
        rect = fitted_geometry(available, PREFERRED_SIZE, self.minimumSizeHint())
        self.setGeometry(rect)
        return rect

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802
        if not self._placed:
            self._placed = True
            self.fit_to_screen()
        super().showEvent(event)

    def preflight_warnings(self) -> list[str]:
        claim_id = self.claim_id
        if claim_id is None:
            return []
        from desk.dossier import preflight

        return preflight(self._case, claim_id)

    def show_preflight(self) -> None:
        """What is still open, in the reviewer's words, before anything is written."""
        while self._preflight_layout.count():
            item = self._preflight_layout.takeAt(0)
            if item.widget() is not None:
                item.widget().deleteLater()
        if self.claim_id is None:
            self.preflight_box.hide()
            return
        self.preflight_box.show()
        warnings = self.preflight_warnings()
        if warnings:
            colour, background = theme.WARN, "#33291a"
            title = claim_style.plain_label(
                f"{len(warnings)} point{'s' * (len(warnings) != 1)} still open; the dossier"
                " will say so:")
            title.setStyleSheet(f"color: {colour}; font-weight: 700;")
            self._preflight_layout.addWidget(title)
            for warning in warnings:
                line = claim_style.plain_label(f"•  {warning}")
                line.setObjectName("PreflightWarning")
                self._preflight_layout.addWidget(line)
        else:
            colour, background = theme.OK, "#17291f"
            title = claim_style.plain_label("Verdict recorded; no checklist item is open.")
            title.setStyleSheet(f"color: {colour}; font-weight: 700;")
            self._preflight_layout.addWidget(title)
        self.preflight_box.setStyleSheet(
            f"QFrame#Preflight {{ border: 1px solid {colour}; border-left: 4px solid {colour};"
            f" border-radius: 5px; background: {background}; }}"
            " QFrame#Preflight QLabel { background: transparent; border: none; }")

    # ----------------------------------------------------------------- preview

    def refresh_preview(self) -> None:
        claim_id = self.claim_id
        if claim_id is None:
            return
        self._preview_serial += 1
        serial = self._preview_serial
        self.preview_status.setText("Rendering the preview…")
        path = self._case.path
        if self._preview_job is not None:
            self._preview_job.cancel()  # an older render still waiting need not run
        job = self.jobs.run(lambda _control: _render_preview(path, claim_id), name="preview")
        job.succeeded.connect(lambda html: self._show_preview(serial, html))
        job.failed.connect(
            lambda message: self.preview_status.setText(
                f"The preview could not be made. {message}"))
        self._preview_job = job

    def _show_preview(self, serial: int, html: object) -> None:
        if serial != self._preview_serial or not isinstance(html, str):
            return  # an older render finished after a newer one was asked for
        if self._loading:  # a load cut short by another may never report: one at a time
            self._next_page = (serial, html)
            return
        self._loading = True
        self._shown_serial = serial
        self.preview.show_html(html)

    def _preview_loaded(self, ok: bool) -> None:
        self._loading = False
        page, self._next_page = self._next_page, None
        if page is not None:
            self._show_preview(*page)
            return
        if self._shown_serial != self._preview_serial:
            return  # a newer render is on its way
        self.preview_status.setText("" if ok else "The preview could not be shown.")
        if ok:
            self.previewShown.emit()

    # ----------------------------------------------------------------- export

    @property
    def exporting(self) -> bool:
        return self._export is not None

    def start_export(self) -> bool:
        """Check the choices, ask about open items, then export in a worker."""
        claim_id = self.claim_id
        target = self.target()
        if self._export is not None or claim_id is None:
            return False
        self.error.hide()
        if target is None:
            self._fail("Choose the folder to write the dossier to.")
            return False
        url = self.url.text().strip()
        if url and not self._check_url(url):
            self._fail("The public URL must be an http(s) address, or left empty.")
            return False
        if self._before_export is not None:
            self._before_export()
        self.show_preflight()
        warnings = self.preflight_warnings()
        if warnings and not dialogs.ask(
                self, "Export with open items?",
                "The dossier will say so, but check before you publish:\n\n"
                + "\n".join(f"•  {w}" for w in warnings) + "\n\nExport anyway?",
                yes="Export anyway", no="Go back"):
            return False
        replace = target.is_dir() and (target / "manifest.json").is_file()
        if replace and not dialogs.ask(
                self, "Replace dossier?", f"{target} holds an earlier dossier. Replace it"
                " with this one? Only the earlier dossier's own files are removed; anything"
                " else in the folder stays.", yes="Replace", no="Cancel"):
            return False
        request = ExportRequest(
            case_path=self._case.path, read_only=self._case.read_only, claim_id=claim_id,
            out_dir=target, formats=self.formats() | {"json"}, url=url or None,
            include_originals=self.originals.isChecked(), replace=replace)
        self._run(request)
        return True

    def export_anyway(self) -> bool:
        """The refused export again, as it was asked for, marked as failed verification.

        The questions asked before it (open items, replacing a dossier) were answered for
        exactly this request, so they are not asked again."""
        refusal = self._refusal
        if refusal is None or self._export is not None:
            return False
        self._run(replaced(refusal.request, force=True))
        return True

    def _run(self, request: ExportRequest) -> None:
        self._clear_refusal()
        self._request = request
        if self._render_maps and self._maps is None:
            case = self._case
            self._maps = MapPictures(lambda: case)
        job = export_job(request, self._maps if self._render_maps else None)
        job.progressed.connect(self._progressed)
        job.succeeded.connect(self._succeeded)
        job.failed.connect(self._fail)
        job.cancelled.connect(lambda: self._fail(CANCELLED))
        job.finished.connect(lambda: self._export_done(job))
        self._export = job
        self._set_busy(True)
        self.progress.setValue(0)
        self.progress_label.setText("Starting…")
        self.jobs.start(job)

    def cancel_export(self) -> None:
        if self._export is not None:
            self._export.cancel()
            self.cancel_button.setEnabled(False)
            self.progress_label.setText("Cancelling…")

    def _set_busy(self, busy: bool) -> None:
        self.progress_area.setVisible(busy)
        self.cancel_button.setEnabled(busy)
        self.export_button.setEnabled(not busy and self.claim_id is not None)
        for widget in (self.claim_box, self.folder, self.choose_button, self.url,
                       self.originals, *self.format_boxes.values()):
            widget.setEnabled(not busy and widget is not self.format_boxes["json"])
        self.export_anyway_button.setEnabled(not busy)
        if busy:
            self.result_box.hide()
        else:
            # While Export was disabled an auto-default button took Enter; give it back.
            self.export_button.setDefault(True)

    def _progressed(self, percent: int, _total: int, text: object) -> None:
        self.progress.setValue(percent)
        self.progress_label.setText(str(text))

    def _succeeded(self, result: ExportResult | CaseRefused) -> None:
        if isinstance(result, CaseRefused):
            self._refuse(result)
            return
        forced = self._request is not None and self._request.force
        self.result = result
        if forced:
            self.result_title.setText("Dossier written and signed, marked as failed"
                                      " verification")
            self.result_title.setStyleSheet(f"color: {theme.WARN}; font-weight: 700;")
            self.result_mark.setPixmap(icons.pixmap("warning", 18, theme.WARN))
            _paint_box(self.result_box, theme.WARN, "#33291a")
        else:
            self.result_title.setText("Dossier written and signed")
            self.result_title.setStyleSheet(f"color: {theme.OK}; font-weight: 700;")
            self.result_mark.setPixmap(icons.pixmap("ok", 18, theme.OK))
            _paint_box(self.result_box, theme.OK, "#17291f")
        self.result_folder.setText(str(result.out_dir))
        self.result_hash.setText(grouped(result.record_sha256))
        self.result_key.setText(grouped(result.fingerprint))
        shown = [f for f in result.files if not f.startswith("originals/")]
        originals = len(result.files) - len(shown)
        self.result_files.setText(", ".join(shown) + (
            f" and {originals} original{'s' * (originals != 1)}" if originals else ""))
        notes = [w for w in result.warnings if not w.startswith("Checklist item open")]
        self.result_warnings.setText("\n".join(notes))
        self.result_warnings.setVisible(bool(notes))
        self.verify_result.setText("")
        self.result_box.show()
        self.show_staleness()
        QTimer.singleShot(0, self, lambda: self.form_scroll.ensureWidgetVisible(self.result_box))
        self.exported.emit(result)

    def _refuse(self, refusal: CaseRefused) -> None:
        """The case fails verification: say what was found; nothing was written."""
        self._refusal = refusal
        count = len(refusal.problems)
        self.refusal_title.setText(
            f"Not exported: the case fails verification ({count} finding"
            f"{'s' * (count != 1)}). Nothing was written.")
        self.findings.set_findings(refusal.problems)
        self.refusal_box.show()
        self.findings.setFocus()  # read first; Tab leads on to the two choices
        QTimer.singleShot(0, self, lambda: self.form_scroll.ensureWidgetVisible(
            self.refusal_box))
        self.refused.emit(refusal)

    def _clear_refusal(self, *_: object) -> None:
        if self._export is not None:
            return  # the choices are locked while exporting; nothing to take back
        self._refusal = None
        self.refusal_box.hide()

    def _fail(self, message: str) -> None:
        self.error.setText(message)
        self.error.show()
        self.exportFailed.emit(message)

    def _export_done(self, job: Job) -> None:
        if job is self._export:
            self._export = None
        if self._maps is not None:
            self._maps.close()
        self._set_busy(False)
        if self._close_when_done:
            self.reject()

    # ----------------------------------------------------------------- after the export

    def open_folder(self) -> None:
        if self.result is not None:
            dialogs.open_folder(self.result.out_dir)

    def verify(self) -> None:
        """Check the written folder as a reader would: every hash and the signature."""
        if self.result is None:
            return
        folder = self.result.out_dir
        self.verify_button.setEnabled(False)
        self.verify_result.setStyleSheet(f"color: {theme.TEXT_DIM};")
        self.verify_result.setText("Checking…")
        job = self.jobs.run(lambda _control: _check(folder), name="check dossier")
        job.succeeded.connect(self._verified)
        job.failed.connect(self._verified_failed)

    def _verified(self, check: DossierCheck) -> None:
        self.check = check
        self.verify_button.setEnabled(True)
        if check.ok:
            self.verify_result.setStyleSheet(f"color: {theme.OK}; font-weight: 600;")
            self.verify_result.setText(
                f"✓ Intact: {check.files_checked} files match manifest.json and the signature"
                " is valid.")
        else:
            self.verify_result.setStyleSheet(f"color: {theme.DANGER};")
            self.verify_result.setText("✗ Problems found:\n" + "\n".join(
                f"•  {p}" for p in check.problems))
        self.checked.emit(check)

    def _verified_failed(self, message: str) -> None:
        self.verify_button.setEnabled(True)
        self.verify_result.setStyleSheet(f"color: {theme.DANGER};")
        self.verify_result.setText(f"The check could not run: {message}")

    # ----------------------------------------------------------------- closing

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        if event.key() == Qt.Key.Key_Escape and self._export is not None:
            self.cancel_export()  # Esc cancels the export first, then closes
            return
        super().keyPressEvent(event)

    def reject(self) -> None:
        if self._export is not None:
            self._close_when_done = True
            self.cancel_export()
            return
        super().reject()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802
        if self._export is not None:
            event.ignore()
            self.reject()
            return
        super().closeEvent(event)

    def done(self, result: int) -> None:
        super().done(result)
        self.shutdown()

    def shutdown(self) -> None:
        """Stop work and free the web views (the window calls this before it closes)."""
        self._preview_timer.stop()
        self._export = None
        # The export stops at its next step; if we are inside one of its GUI-thread calls
        # (a nested event loop: the PDF or a map picture), it ends after we return.
        if self.jobs.shutdown() and self._maps is not None:
            self._maps.close()  # otherwise the map picture being drawn still needs it
        self._maps = None
        if self.preview is not None:
            self.preview.dispose()
            self.preview = None  # type: ignore[assignment]
