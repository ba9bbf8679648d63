"""File › Verify Case…: the check `desk verify` makes, from the window.

`CaseFile.verify()` re-hashes every original and checks the custody log (chain, seals,
signatures), every data row against the digests the log recorded, and the database. It runs
in a worker on a CaseFile of its own; it takes no cancel, so the dialog shows a busy bar, and
closing it abandons the check: the worker looks once more before recording and then records
nothing. A writable case gets the same "verify case" custody entry the command line writes,
so the log says who checked the case, when, and what was found.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QSize, Qt, Signal, SignalInstance
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from desk.ui.common import icons, theme
from desk.ui.common.findings import FindingsList
from desk.ui.common.labels import plain_label, section_label
from desk.ui.common.workers import Control, Job, Jobs

if TYPE_CHECKING:
    from desk.core.casefile import CaseFile, VerifyReport

#: The custody entry of a check, in the words the command line uses (`desk verify`).
VERIFY_ACTION = "verify case"
PREFERRED_SIZE = QSize(760, 600)
#: How long closing waits for a check that is about to record (s); a check still reading
#: originals is left to finish unheard, and records nothing.
CLOSE_WAIT_S = 1.0


@dataclass(frozen=True)
class CaseCheck:
    """What the check found, and whether it is now in the custody log."""

    report: VerifyReport
    entries: int  # custody entries checked (the head's number)
    recorded: bool
    not_recorded: str = ""  # why nothing was recorded, as the end of a sentence


def grouped(value: str) -> str:
    """A fingerprint or hash in groups of four, as the dossier and `desk verify` print it."""
    return " ".join(value[i:i + 4] for i in range(0, len(value), 4))


def check_case(path: Path, record: bool, control: Control) -> CaseCheck:
    """Verify the case at `path` on this (worker) thread; record the check when `record`.

    A case damaged since the window opened it is reported, not refused, as `desk verify`
    does: what is wrong is the answer the reviewer asked for."""
    from desk.core.casefile import CaseCorrupt, CaseFile, CaseFileError

    damaged = False
    try:
        case = CaseFile.open(path, read_only=not record)
    except CaseCorrupt:
        case = CaseFile.open(path, read_only=True, damaged_ok=True)
        damaged = True
    with case:
        report = case.verify()
        control.check()  # closed meanwhile: the reviewer no longer waits for it
        entries = report.head.seq if report.head is not None else 0
        if case.read_only:
            why = "the case is damaged" if damaged else "the case file is read-only"
            return CaseCheck(report, entries, False, why)
        try:
            case.log(VERIFY_ACTION, [], {"ok": report.ok, "originals": report.checked,
                                         "custody_entries": entries,
                                         "problems": report.problems})
        except CaseFileError as exc:
            reason = " ".join(str(exc).split()).rstrip(".")
            return CaseCheck(report, entries, False, f"the case could not be written ({reason})")
    return CaseCheck(report, entries, True)


def summary_lines(check: CaseCheck) -> list[str]:
    """What passed, one line each, in the command line's words."""
    report = check.report
    originals = report.checked
    lines = ["1 original matches its SHA-256" if originals == 1 else
             f"{originals:,} originals match their SHA-256"]
    signed = bool(report.signers)
    lines.append(f"Custody log of {check.entries:,} entr{'y' if check.entries == 1 else 'ies'}"
                 " intact" + (": chain, seals and signatures" if signed else ""))
    if signed and not report.notes:
        lines.append("Every data row matches the digest the custody log recorded for it")
    lines.append("Database intact")
    return lines


def signer_lines(report: VerifyReport) -> list[str]:
    """Each key that signed custody entries, with the entries it signed (two lines each)."""
    lines = []
    for fingerprint, seqs in report.signers.items():
        span = f"Entry {seqs[0]}" if len(seqs) == 1 else f"Entries {seqs[0]}–{seqs[-1]}"
        # The fingerprint on a line of its own: cut in the middle it is hard to compare.
        lines.append(f"{span} ({len(seqs):,}) by the key\n{grouped(fingerprint)}")
    return lines


class VerifyDialog(QDialog):
    """Verify the window's case; window-modal, opened with `open()`, starts checking at once."""

    verified = Signal(object)  # CaseCheck
    verifyFailed = Signal(str)  # noqa: N815 - why the check could not run, in words

    def __init__(self, case: CaseFile, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("VerifyDialog")
        self.setWindowTitle("Verify Case")
        self.setWindowModality(Qt.WindowModality.WindowModal)
        self._path = case.path
        self._record = not case.read_only
        self.jobs = Jobs(self, max_threads=1)
        self._job: Job | None = None
        self.check: CaseCheck | None = None

        heading = QLabel("Verify case")
        heading.setProperty("role", "heading")
        self.case_name = plain_label(case.path.name, role="dim")
        intro = plain_label(
            "Every original is hashed again, and the custody log's chain, seals and"
            " signatures, every data row against the log and the database itself are checked:"
            " the check desk verify makes on the command line, and the one an export makes"
            " first.", role="dim")

        self.bar = QProgressBar()
        self.bar.setRange(0, 0)  # the check reports no progress: busy until it ends
        self.bar.setTextVisible(False)
        self.bar.setFixedHeight(8)
        self.busy_label = plain_label(role="dim")
        self.busy_label.setObjectName("VerifyBusy")
        self.busy = QWidget()
        busy_column = QVBoxLayout(self.busy)
        busy_column.setContentsMargins(0, 0, 0, 0)
        busy_column.addWidget(self.bar)
        busy_column.addWidget(self.busy_label)

        self.result_box = self._build_result()
        self.error = plain_label()
        self.error.setObjectName("VerifyError")
        self.error.setStyleSheet(f"color: {theme.DANGER};")
        self.error.hide()

        page = QWidget()
        column = QVBoxLayout(page)
        column.setContentsMargins(16, 12, 16, 12)
        column.setSpacing(6)
        column.addWidget(heading)
        column.addWidget(self.case_name)
        column.addWidget(intro)
        column.addSpacing(4)
        column.addWidget(self.busy)
        column.addWidget(self.error)
        column.addWidget(self.result_box)
        column.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setWidget(page)

        self.copy_button = QPushButton(icons.icon("copy"), "Copy findings")
        self.copy_button.setAutoDefault(False)
        self.copy_button.clicked.connect(self.findings.copy_all)
        self.again_button = QPushButton("Verify again")
        self.again_button.setObjectName("VerifyAgain")
        self.again_button.setAutoDefault(False)
        self.again_button.clicked.connect(self.start)
        self.close_button = QPushButton("Close")
        self.close_button.setDefault(True)
        self.close_button.clicked.connect(self.reject)
        footer = QWidget()
        footer.setObjectName("VerifyFooter")
        footer.setStyleSheet(f"QWidget#VerifyFooter {{ border-top: 1px solid {theme.BORDER};"
                             f" background: {theme.PANEL}; }}")
        buttons = QHBoxLayout(footer)
        buttons.setContentsMargins(16, 8, 16, 8)
        buttons.addWidget(self.copy_button)
        buttons.addStretch(1)
        buttons.addWidget(self.again_button)
        buttons.addWidget(self.close_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(scroll, 1)
        layout.addWidget(footer)
        self._fit()

    def _build_result(self) -> QFrame:
        box = QFrame()
        box.setObjectName("VerifyResult")
        self.result_mark = QLabel()
        self.result_title = plain_label()
        self.result_title.setObjectName("VerifyTitle")
        head = QHBoxLayout()
        head.addWidget(self.result_mark, 0, Qt.AlignmentFlag.AlignTop)
        head.addWidget(self.result_title, 1)
        self.findings = FindingsList()
        self.summary = plain_label()
        self.summary.setObjectName("VerifySummary")
        self.signers_caption = section_label("Signed by")
        self.signers = plain_label(selectable=True, role="mono")
        self.signers.setObjectName("VerifySigners")
        self.head_caption = section_label("Latest custody entry")
        self.head = plain_label(selectable=True, role="mono")
        self.head.setObjectName("VerifyHead")
        self.notes = plain_label()
        self.notes.setObjectName("VerifyNotes")
        self.notes.setStyleSheet(f"color: {theme.WARN};")
        self.recorded = plain_label(role="dim")
        self.recorded.setObjectName("VerifyRecorded")
        column = QVBoxLayout(box)
        column.setContentsMargins(10, 8, 10, 10)
        column.setSpacing(5)
        column.addLayout(head)
        column.addWidget(self.findings)
        column.addWidget(self.summary)
        column.addWidget(self.signers_caption)
        column.addWidget(self.signers)
        column.addWidget(self.head_caption)
        column.addWidget(self.head)
        column.addWidget(self.notes)
        column.addWidget(self.recorded)
        box.hide()
        return box

    def _fit(self) -> None:
        parent = self.parentWidget()
        screen = parent.screen() if parent is not None else self.screen()
        room = screen.availableGeometry().adjusted(16, 16, -16, -16)
        self.resize(min(PREFERRED_SIZE.width(), room.width()),
                    min(PREFERRED_SIZE.height(), room.height()))

    # ----------------------------------------------------------------- the check

    @property
    def running(self) -> bool:
        return self._job is not None

    def start(self) -> bool:
        """Check the case again (from the file as it is now); False while a check runs."""
        if self._job is not None:
            return False
        self.check = None
        self.result_box.hide()
        self.error.hide()
        self.copy_button.hide()
        self.busy.show()
        self.again_button.setEnabled(False)
        self.busy_label.setText(
            "Checking… every original is read again, so a large case takes a while. Closing"
            " this abandons the check; nothing is then recorded.")
        path, record = self._path, self._record
        job = Job(lambda control: check_case(path, record, control), name="verify case")
        job.succeeded.connect(self._show)
        job.failed.connect(self._failed)
        job.finished.connect(lambda: self._done(job))
        self._job = job
        self.jobs.start(job)
        return True

    def _done(self, job: Job) -> None:
        if job is self._job:
            self._job = None
        self.busy.hide()
        self.again_button.setEnabled(True)

    def _failed(self, message: str) -> None:
        self.error.setText(f"The check could not run: {message}")
        self.error.show()
        self.verifyFailed.emit(message)

    def _show(self, check: CaseCheck) -> None:
        self.check = check
        report = check.report
        if report.ok:
            colour, background = theme.OK, "#17291f"
            self.result_mark.setPixmap(icons.pixmap("ok", 18, theme.OK))
            self.result_title.setText("The case verifies.")
            self.summary.setText("\n".join(f"✓  {line}" for line in summary_lines(check)))
            self.findings.hide()
            self.copy_button.hide()
        else:
            colour, background = theme.DANGER, "#331c1f"
            count = len(report.problems)
            self.result_mark.setPixmap(icons.pixmap("error", 18, theme.DANGER))
            self.result_title.setText(f"The case fails verification: {count:,}"
                                      f" finding{'s' * (count != 1)}.")
            self.findings.set_findings(report.problems)
            self.findings.show()
            self.copy_button.show()
            self.summary.setText(f"{report.checked:,} original{'s' * (report.checked != 1)}"
                                 f" re-hashed; custody log of {check.entries:,}"
                                 f" entr{'y' if check.entries == 1 else 'ies'} read.")
        self.result_title.setStyleSheet(f"color: {colour}; font-weight: 700;")
        self.result_box.setStyleSheet(
            f"QFrame#VerifyResult {{ border: 1px solid {colour}; border-left: 4px solid"
            f" {colour}; border-radius: 5px; background: {background}; }}"
            " QFrame#VerifyResult QLabel { background: transparent; border: none; }")
        signers = signer_lines(report)
        self.signers.setText("\n".join(signers))
        self.signers.setVisible(bool(signers))
        self.signers_caption.setVisible(bool(signers))
        head = report.head
        self.head.setText(f"#{head.seq}  {grouped(head.hash)}" if head is not None else "")
        self.head.setVisible(head is not None)
        self.head_caption.setVisible(head is not None)
        self.notes.setText("\n".join(f"Note: {' '.join(n.split())}" for n in report.notes))
        self.notes.setVisible(bool(report.notes))
        self.recorded.setText(
            f"Recorded “{VERIFY_ACTION}” in the custody log." if check.recorded else
            f"Verified read-only ({check.not_recorded}); nothing was recorded in the custody"
            " log.")
        self.result_box.show()
        (self.findings if not report.ok else self.close_button).setFocus()
        self.verified.emit(check)

    # ----------------------------------------------------------------- closing

    def done(self, result: int) -> None:
        self.shutdown()
        super().done(result)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802
        self.shutdown()
        super().closeEvent(event)

    def shutdown(self) -> None:
        """Abandon a running check: it records nothing, and reports to no one."""
        self._job = None
        self.jobs.shutdown(wait_s=CLOSE_WAIT_S)


def open_verify_dialog(window: QWidget, case: CaseFile, current: VerifyDialog | None = None,
                       case_closed: SignalInstance | None = None) -> VerifyDialog:
    """The window's Verify Case…: the dialog already open, or a new one, checking; it closes
    with the case (`case_closed`)."""
    import shiboken6

    if current is not None and shiboken6.isValid(current) and current.isVisible():
        current.raise_()
        current.activateWindow()
        return current
    dialog = VerifyDialog(case, window)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    if case_closed is not None:
        case_closed.connect(dialog.reject)
    dialog.open()
    dialog.start()
    return dialog
