"""Reverse image search from an item: a dialog that says what leaves the machine, then the browser.

Nothing is sent until the reviewer confirms the dialog, which states exactly what goes to
whom: the item's public source URL as a search parameter, or a JPEG of the still (or of the
part of the frame in view) that desk writes into its own folder for the reviewer to paste or
drag into the engine's page. Each send is recorded in the custody log by
`desk.core.reverse_search.record_sent` before the browser is opened; a case that cannot
record it (read-only) sends nothing. The browser opener and the dialog's question are
attributes a test replaces, so no test opens a real browser or a modal dialog.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QUrl, Signal
from PySide6.QtGui import QDesktopServices, QGuiApplication, QImage
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QPlainTextEdit,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from desk.core import reverse_search as rs
from desk.ui.common import dialogs, theme
from desk.ui.common.labels import plain_label
from desk.ui.common.workers import Cancelled, Control, Job, Jobs, describe

if TYPE_CHECKING:
    from desk.core.casefile import CaseFile
    from desk.core.model import Evidence

#: What may be sent.
BY_URL, WHOLE, IN_VIEW = "url", "whole", "in view"


@dataclass(frozen=True)
class Choice:
    engine: rs.Engine
    what: str  # BY_URL, WHOLE or IN_VIEW
    region: rs.Region | None  # the pixels to send (None: the whole still)


class ReverseSearchDialog(QDialog):
    """Which engine, and what to send; the box at the bottom says what leaves the machine."""

    def __init__(self, item: Evidence, view_region: rs.Region | None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Reverse Image Search")
        self.setObjectName("ReverseSearchDialog")
        self.setMinimumWidth(520)
        self._item = item
        self._url = rs.public_url(item.provenance.source_url or "")
        whole = rs.Region(0, 0, item.width, item.height)
        self._view_region = view_region if view_region not in (None, whole) else None

        layout = QVBoxLayout(self)
        intro = plain_label("desk sends nothing by itself. Choose an engine and what it may"
                            " see; your browser does the rest.")
        layout.addWidget(intro)
        form = QFormLayout()
        form.addRow("Item", plain_label(item.name, selectable=True))
        self.engine_box = QComboBox()
        for engine in rs.ENGINES:
            self.engine_box.addItem(f"{engine.name} ({engine.operator})", engine.key)
        form.addRow("Engine", self.engine_box)
        layout.addLayout(form)

        self.group = QButtonGroup(self)
        self.by_url = QRadioButton("Its public source URL: only the address is sent")
        self.whole = QRadioButton(f"The whole still ({item.width:,} × {item.height:,} px)")
        region_text = (self._view_region.text() if self._view_region is not None else
                       "zoom in on the frame first, Z")
        self.in_view = QRadioButton(f"The part of the frame in view ({region_text})")
        self.whole.setToolTip("Saved as a JPEG file without metadata, which you upload")
        self.in_view.setToolTip(self.whole.toolTip())
        for button, key in ((self.by_url, BY_URL), (self.whole, WHOLE),
                            (self.in_view, IN_VIEW)):
            button.setProperty("what", key)
            self.group.addButton(button)
            layout.addWidget(button)
        self.url_note = plain_label(self._url or rs.why_not_public(
            item.provenance.source_url or ""), selectable=True, role="dim")
        self.url_note.setContentsMargins(24, 0, 0, 4)
        layout.insertWidget(layout.indexOf(self.by_url) + 1, self.url_note)
        file_note = plain_label("A still or a part of it is saved as a JPEG file, without the"
                                " original's metadata, for you to upload.", role="dim")
        file_note.setContentsMargins(24, 0, 0, 4)
        layout.addWidget(file_note)
        self.by_url.setEnabled(self._url is not None)
        self.in_view.setEnabled(self._view_region is not None)
        (self.by_url if self._url is not None else self.whole).setChecked(True)

        heading = QLabel("What will leave this machine")
        heading.setProperty("role", "section")
        layout.addWidget(heading)
        self.summary = QPlainTextEdit()
        self.summary.setReadOnly(True)
        self.summary.setObjectName("WhatLeaves")
        self.summary.setStyleSheet(f"QPlainTextEdit#WhatLeaves {{ color: {theme.TEXT}; }}")
        self.summary.setMinimumHeight(110)
        layout.addWidget(self.summary)

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.open_button = self.buttons.addButton("Open in Browser",
                                                  QDialogButtonBox.ButtonRole.AcceptRole)
        self.open_button.setDefault(True)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)

        self.engine_box.currentIndexChanged.connect(self._update)
        self.group.buttonToggled.connect(self._update)
        self._update()

    def choose(self, engine_key: str, what: str) -> None:
        """Set the engine and what to send (as the reviewer would click them)."""
        index = self.engine_box.findData(engine_key)
        if index < 0:
            raise ValueError(f"no engine {engine_key!r} in the dialog")
        self.engine_box.setCurrentIndex(index)
        button = {BY_URL: self.by_url, WHOLE: self.whole, IN_VIEW: self.in_view}[what]
        if not button.isEnabled():
            raise ValueError(f"{what!r} cannot be chosen for this item")
        button.setChecked(True)

    def choice(self) -> Choice:
        engine = rs.engine(str(self.engine_box.currentData()))
        checked = self.group.checkedButton()
        what = str(checked.property("what")) if checked is not None else WHOLE
        return Choice(engine, what, self._view_region if what == IN_VIEW else None)

    def what_leaves(self) -> str:
        choice = self.choice()
        if choice.what == BY_URL and self._url is not None:
            return rs.describe_send(choice.engine, url=self._url)
        area = choice.region
        still = ("the part of the frame in view (" + area.text() + ")" if area is not None
                 else f"the whole still ({self._item.width:,} × {self._item.height:,} px)")
        return rs.describe_send(choice.engine, still_text=still,
                                file_name=f"a file in {rs.upload_folder()}")

    def _update(self, *_: object) -> None:
        self.summary.setPlainText(self.what_leaves())


def _exec(dialog: ReverseSearchDialog) -> bool:
    return dialog.exec() == QDialog.DialogCode.Accepted


def _make_upload(data: bytes, region: rs.Region | None, evidence_id: int,
                 control: Control) -> rs.Upload:
    """On the job's thread: the JPEG from a worker process (the original is untrusted)."""
    from desk.core.forensics import run_isolated

    still = run_isolated(rs.still_jpeg, data, region, cancel=control.cancelled,
                         step=lambda text: control.progress(0, 0, text))
    if still is None:
        raise Cancelled
    return rs.write_upload(still, evidence_id)


def _describe(exc: BaseException) -> str:
    from desk.core.forensics import AidFailed

    return exc.reason if isinstance(exc, AidFailed) else describe(exc)


class ReverseSearch(QObject):
    """Runs a reverse search for an item: the dialog, the upload file, the record, the browser."""

    #: A sentence for the status bar.
    message = Signal(str)
    #: The browser was asked to open this address (after the send was recorded).
    opened = Signal(str)

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self._parent = parent
        self.opener: Callable[[QUrl], bool] = QDesktopServices.openUrl
        self.ask: Callable[[ReverseSearchDialog], bool] = _exec
        self._jobs = Jobs(self, max_threads=1)
        self._job: Job | None = None

    @property
    def busy(self) -> bool:
        return self._job is not None

    def start(self, case: CaseFile, item: Evidence, view_region: rs.Region | None) -> bool:
        """Ask, then send as chosen; False when nothing was sent (refused or cancelled)."""
        if case.read_only:
            dialogs.show_error(self._parent, "Reverse image search",
                               f"{case.path.name} is read-only, so desk cannot record a send"
                               " in its custody log, and sends nothing. Save a copy to search"
                               " from it.")
            return False
        if self._job is not None:
            dialogs.inform(self._parent, "Reverse image search",
                           "A still is being prepared for a search already; wait for it.")
            return False
        dialog = ReverseSearchDialog(item, view_region, self._parent)
        try:
            if not self.ask(dialog):
                self.message.emit("Reverse image search cancelled: nothing was sent.")
                return False
            choice = dialog.choice()
            url = rs.public_url(item.provenance.source_url or "")
        finally:
            dialog.deleteLater()
        if choice.what == BY_URL and url is not None:
            return self._send_url(case, item, choice.engine, url)
        self._prepare_file(case, item, choice)
        return True

    def _send_url(self, case: CaseFile, item: Evidence, engine: rs.Engine, url: str) -> bool:
        from desk.core.casefile import CaseFileError  # loaded with the case, not at start-up

        try:
            rs.record_sent(case, item.id, engine, url=url)
        except CaseFileError as exc:
            dialogs.show_error(self._parent, "Nothing was sent", str(exc))
            return False
        address = engine.url_for(url)
        self._open(address)
        self.message.emit(f"Opened {engine.name} with the source URL; recorded in the"
                          " custody log.")
        return True

    def _prepare_file(self, case: CaseFile, item: Evidence, choice: Choice) -> None:
        try:
            data = case.original(item.id)
        except KeyError:
            dialogs.show_error(self._parent, "Nothing was sent",
                               "The original of this item is missing from the case file.")
            return
        region, evidence_id = choice.region, item.id
        job = Job(lambda control: _make_upload(data, region, evidence_id, control),
                  name="reverse search file", describe=_describe)
        job.progressed.connect(lambda _d, _t, text: self.message.emit(str(text)))
        job.succeeded.connect(lambda upload: self._send_file(case, item, choice.engine, upload))
        job.failed.connect(lambda text: dialogs.show_error(self._parent, "Nothing was sent",
                                                           text))
        job.finished.connect(self._job_over)
        self._job = self._jobs.start(job)
        self.message.emit("Preparing the still for the search…")

    def _job_over(self) -> None:
        self._job = None

    def _send_file(self, case: CaseFile, item: Evidence, engine: rs.Engine,
                   upload: rs.Upload) -> None:
        from desk.core.casefile import CaseFileError

        try:
            rs.record_sent(case, item.id, engine, upload=upload)
        except CaseFileError as exc:
            upload.path.unlink(missing_ok=True)
            dialogs.show_error(self._parent, "Nothing was sent", str(exc))
            return
        copied = self._copy_to_clipboard(upload)
        self._open(engine.upload_page)
        paste = "paste it (Ctrl+V) or drag" if copied else "drag"
        dialogs.inform(self._parent, "Upload the file yourself",
                       f"{engine.name} is opening in your browser. To search, {paste} this"
                       f" file into its page:\n\n{upload.path}\n\nIt holds only the pixels"
                       f" ({upload.region.text()}), {upload.size:,} bytes, SHA-256"
                       f" {upload.sha256}; the custody log records it.")
        self.message.emit(f"Wrote {upload.path.name} for {engine.name}; recorded in the"
                          " custody log.")

    @staticmethod
    def _copy_to_clipboard(upload: rs.Upload) -> bool:
        image = QImage(str(upload.path))
        clipboard = QGuiApplication.clipboard()
        if clipboard is None:
            return False
        # The clipboard makes its own mime data here: one built in Python and handed to the
        # clipboard outlives the interpreter and crashes the process as it exits.
        if image.isNull():
            clipboard.setText(str(upload.path))
            return False
        clipboard.setImage(image)
        return True

    def _open(self, address: str) -> None:
        url = QUrl(address, QUrl.ParsingMode.StrictMode)
        if not url.isValid() or url.scheme() != "https":
            dialogs.show_error(self._parent, "Browser not opened",
                               "desk built an address it will not open; nothing was sent.")
            return
        if not self.opener(url):
            dialogs.show_error(self._parent, "Browser not opened",
                               f"desk could not open your browser. The address is:\n{address}")
            return
        self.opened.emit(address)

    def shutdown(self) -> None:
        self._job = None
        self._jobs.shutdown(wait_s=5)


def view_region(frame_view: object) -> rs.Region | None:
    """The part of the picture a FrameView shows now, in image pixels (None: nothing shown)."""
    from PySide6.QtCore import QRectF

    from desk.ui.frame.frame_view import FrameView

    if not isinstance(frame_view, FrameView) or frame_view.image_size().isEmpty():
        return None
    seen = frame_view.mapToScene(frame_view.viewport().rect()).boundingRect()
    size = frame_view.image_size()
    area = seen.intersected(QRectF(0, 0, size.width(), size.height()))
    if area.isEmpty():
        return None
    left, top = int(area.left()), int(area.top())
    right = min(size.width(), int(area.right() + 0.999))
    bottom = min(size.height(), int(area.bottom() + 0.999))
    return rs.Region(left, top, right - left, bottom - top)

