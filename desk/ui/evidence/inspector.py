"""The inspector: what the file says about itself, where it came from, and its hash.

Every string shown here comes from an untrusted file (names, EXIF) or a colleague's edit, so
labels are plain text only. Provenance fields commit when the reviewer leaves them, as one
undoable edit each, and show the case's value again when an undo changes it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import QSortFilterProxyModel, Qt, Signal
from PySide6.QtGui import (
    QAction,
    QFocusEvent,
    QGuiApplication,
    QKeySequence,
    QStandardItem,
    QStandardItemModel,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCompleter,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QStackedWidget,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from desk.ui.common import icons, theme
from desk.ui.common.fields import DateField, chain_tab_order
from desk.ui.common.labels import plain_label, section_label
from desk.ui.evidence.credentials_view import CredentialsView
from desk.ui.evidence.evidence_model import captured_label, plain_tooltip
from desk.ui.evidence.metadata_sources_view import SOURCE_FLAGS, MetadataSourcesView
from desk.ui.evidence.similar_items import SimilarItems

if TYPE_CHECKING:
    from desk.core.model import Evidence, Flag, Geolocation
    from desk.ui.common.undo import CaseUndoStack


@dataclass(frozen=True)
class FlagText:
    title: str
    explanation: str
    warning: bool


#: What each metadata flag means for verification, in the reviewer's words.
FLAG_TEXT: dict[str, FlagText] = {
    "no_metadata": FlagText(
        "Metadata stripped",
        "The file carries no camera metadata. Platforms strip it on upload, so this is normal "
        "for downloaded footage: time and place must come from what the frame shows.", False),
    "no_gps": FlagText(
        "No GPS position",
        "The camera recorded no location. Geolocate the frame from its content.", False),
    "no_capture_time": FlagText(
        "No capture time",
        "The file does not say when it was taken. Establish the time from other sources "
        "(first appearance online, shadows, weather).", False),
    "time_mismatch": FlagText(
        "Times disagree",
        "The camera's clock and the GPS time in the file disagree. The clock may be wrong, "
        "or the metadata may have been edited.", True),
    "edited_software": FlagText(
        "Saved by editing software",
        "The file was last written by an editing program, not straight from a camera. It may "
        "have been cropped, re-encoded or altered.", True),
    "datetime_modified": FlagText(
        "Changed after capture",
        "The file's modification time differs from its capture time: it was saved again "
        "after it was taken.", True),
    "invalid_gps": FlagText(
        "Invalid GPS position",
        "The GPS fields are present but do not form a valid position. Do not rely on them.",
        True),
    "null_island": FlagText(
        "GPS position at 0°, 0°",
        "A position of exactly zero latitude and longitude almost always means the device "
        "had no fix, not that the picture was taken there.", True),
    "invalid_capture_time": FlagText(
        "Invalid capture time",
        "The capture time in the file is not a real date and time. Do not rely on it.", True),
    "exif_unreadable": FlagText(
        "Metadata unreadable",
        "The metadata block is damaged or malformed and could not be read. That can be "
        "accidental, or a sign of tampering.", True),
}

FLAG_TEXT.update({code: FlagText(*text) for code, text in SOURCE_FLAGS.items()})

PROVENANCE_FORM: tuple[tuple[str, str, str], ...] = (
    ("source_url", "Source URL", "https://… where the file was found"),
    ("platform", "Platform", "Telegram, X, YouTube, TikTok…"),
    ("uploader", "Uploader", "Account or channel that posted it"),
    ("published_at", "Published at", "YYYY-MM-DD HH:MM (UTC)"),
    ("acquired_at", "Acquired at", "YYYY-MM-DD HH:MM (UTC)"),
    ("acquired_by", "Acquired by", "Who downloaded or received it"),
)
#: Provenance fields that hold a time: saved only once they read as one.
DATE_FIELDS = frozenset({"published_at", "acquired_at"})
PLATFORMS = ("Telegram", "X", "YouTube", "TikTok", "Facebook", "Instagram", "VK", "Reddit",
             "WhatsApp", "Signal", "Email", "Website")


def _value_label(selectable: bool = True) -> QLabel:
    return plain_label(selectable=selectable)


_section = section_label


def _human_size(size: int) -> str:
    for unit in ("bytes", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:,} {unit}" if unit == "bytes" else f"{size:.1f} {unit}"
        size /= 1024  # type: ignore[assignment]
    return ""


class _NotesEdit(QPlainTextEdit):
    """A multi-line field that, like QLineEdit, says when the reviewer is done with it."""

    editingFinished = Signal()  # noqa: N815

    def focusOutEvent(self, event: QFocusEvent) -> None:  # noqa: N802
        super().focusOutEvent(event)
        self.editingFinished.emit()


class FlagCard(QFrame):
    def __init__(self, flag: Flag, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setProperty("card", True)
        text = FLAG_TEXT.get(flag.code)
        warning = text.warning if text else True
        colour = theme.WARN if warning else theme.TEXT_DIM
        icon = QLabel()
        icon.setPixmap(icons.pixmap("warning" if warning else "info", 16, colour))
        icon.setAlignment(Qt.AlignmentFlag.AlignTop)
        title = _value_label(False)
        title.setText(text.title if text else flag.code.replace("_", " ").capitalize())
        title.setStyleSheet(f"font-weight: 600; color: {colour if warning else theme.TEXT};")
        body = _value_label()
        body.setText(text.explanation if text else flag.message)
        body.setStyleSheet(f"color: {theme.TEXT_DIM};")
        column = QVBoxLayout()
        column.setSpacing(2)
        column.addWidget(title)
        column.addWidget(body)
        if text and flag.message and flag.message != text.explanation:
            detail = _value_label()
            detail.setText(flag.message)
            detail.setStyleSheet(f"color: {theme.TEXT_FAINT}; font-size: 9pt;")
            column.addWidget(detail)
        row = QHBoxLayout(self)
        row.setContentsMargins(10, 8, 10, 8)
        row.setSpacing(8)
        row.addWidget(icon)
        row.addLayout(column, 1)


class Inspector(QWidget):
    """The right column: summary, provenance form and raw EXIF of the selected item."""

    def __init__(self, undo_stack: CaseUndoStack, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("Inspector")
        self._stack = undo_stack
        self._item: Evidence | None = None
        self._read_only = False

        self.name = _value_label()
        self.name.setProperty("role", "heading")
        self.facts = _value_label()
        self.facts.setProperty("role", "dim")
        header = QVBoxLayout()
        header.setContentsMargins(14, 12, 14, 8)
        header.setSpacing(2)
        header.addWidget(self.name)
        header.addWidget(self.facts)

        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        # Six tabs (Summary, Provenance, EXIF, Movement, Sun, Forensics) share the narrow
        # column beside the map: they shrink with their names elided (the full name is the
        # tooltip) rather than scroll, which hid the first tabs behind a half-cut one.
        bar = self.tabs.tabBar()
        bar.setStyleSheet("QTabBar::tab { padding: 7px 8px; }")
        bar.setUsesScrollButtons(False)
        bar.setElideMode(Qt.TextElideMode.ElideRight)
        self.tabs.addTab(self._build_summary(), "Summary")
        self.tabs.addTab(self._build_provenance(), "Provenance")
        self.tabs.addTab(self._build_exif(), "EXIF")

        content = QWidget()
        layout = QVBoxLayout(content)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addLayout(header)
        layout.addWidget(self.tabs, 1)

        self.placeholder = QLabel("Select an item to see its metadata,\nprovenance and hash.")
        self.placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.placeholder.setProperty("role", "dim")
        self.stack = QStackedWidget()
        self.stack.addWidget(self.placeholder)
        self.stack.addWidget(content)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(self.stack)

    # ----------------------------------------------------------------- building

    def _build_summary(self) -> QWidget:
        page = QWidget()
        self.summary_form = QFormLayout()
        self.summary_form.setLabelAlignment(Qt.AlignmentFlag.AlignLeft)
        self.summary_form.setHorizontalSpacing(14)
        self.summary_form.setVerticalSpacing(6)
        self.summary_form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.fields: dict[str, QLabel] = {}
        for key, label in (("from_video", "From video"), ("captured", "Captured"),
                           ("camera", "Camera"),
                           ("software", "Software"), ("gps", "GPS position"),
                           ("altitude", "Altitude"), ("direction", "Direction"),
                           ("gps_time", "GPS time")):
            value = _value_label()
            self.fields[key] = value
            self.summary_form.addRow(self._form_label(label), value)

        self.findings_title = _section("Review")
        self.findings_form = QFormLayout()
        self.findings_form.setHorizontalSpacing(14)
        self.findings_form.setVerticalSpacing(6)
        self.findings_form.setFieldGrowthPolicy(
            QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.geolocated = _value_label()
        self.claims = _value_label()
        self.findings_form.addRow(self._form_label("Geolocated"), self.geolocated)
        self.findings_form.addRow(self._form_label("Claims"), self.claims)

        self.flags_box = QVBoxLayout()
        self.flags_box.setSpacing(6)
        self.flags_title = _section("Flags")

        self.sha256 = _value_label()
        self.sha256.setProperty("role", "mono")
        self.sha256.setObjectName("Sha256")
        self.copy_sha = QPushButton(icons.icon("copy"), "Copy SHA-256")
        self.copy_sha.setToolTip("Copy the SHA-256 of the original (Ctrl+Shift+C)")
        self.copy_sha.clicked.connect(self.copy_sha256)
        self.imported = _value_label()
        self.imported.setProperty("role", "dim")

        layout = QVBoxLayout(page)
        layout.setContentsMargins(14, 6, 14, 14)
        layout.setSpacing(6)
        layout.addWidget(_section("Metadata"))
        layout.addLayout(self.summary_form)
        self.sources_view = MetadataSourcesView()
        layout.addWidget(self.sources_view)
        layout.addWidget(self.findings_title)
        layout.addLayout(self.findings_form)
        layout.addWidget(self.flags_title)
        layout.addLayout(self.flags_box)
        self.credentials_view, self.similar_items = CredentialsView(), SimilarItems()
        layout.addWidget(self.credentials_view)
        layout.addWidget(self.similar_items)
        layout.addWidget(_section("Integrity"))
        layout.addWidget(self.sha256)
        copy_row = QHBoxLayout()
        copy_row.addWidget(self.copy_sha)
        copy_row.addStretch(1)
        layout.addLayout(copy_row)
        layout.addWidget(self.imported)
        layout.addStretch(1)
        return self._scroll(page)

    def _build_provenance(self) -> QWidget:
        page = QWidget()
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.setVerticalSpacing(8)
        self.original_name = QLineEdit()
        self.original_name.setReadOnly(True)
        self.original_name.setToolTip("The file name at import; kept as recorded")
        form.addRow(self._form_label("File name"), self.original_name)
        self.provenance: dict[str, QLineEdit | _NotesEdit] = {}
        for field, label, hint in PROVENANCE_FORM:
            edit = DateField(hint, with_time=True) if field in DATE_FIELDS else QLineEdit()
            edit.setPlaceholderText(hint)
            edit.setObjectName(f"provenance_{field}")
            if field == "platform":
                completer = QCompleter(list(PLATFORMS), edit)
                completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
                # Inline, not a popup: a popup takes the Tab that moves to the next field,
                # and the typed platform was then never saved.
                completer.setCompletionMode(QCompleter.CompletionMode.InlineCompletion)
                edit.setCompleter(completer)
            edit.editingFinished.connect(lambda f=field: self._commit(f))
            self.provenance[field] = edit
            form.addRow(self._form_label(label), edit)
            if isinstance(edit, DateField):
                form.addRow(edit.problem_label)
        notes = _NotesEdit()
        notes.setObjectName("provenance_notes")
        notes.setPlaceholderText("How it was obtained, what was checked, caveats…")
        notes.setTabChangesFocus(True)
        notes.setMinimumHeight(110)
        notes.editingFinished.connect(lambda: self._commit("notes"))
        self.provenance["notes"] = notes
        self.read_only_note = _value_label(False)
        self.read_only_note.setStyleSheet(f"color: {theme.WARN};")
        self.read_only_note.hide()
        hint = _value_label(False)
        hint.setText("Each change is saved to the case file when you leave the field and "
                     "recorded in the custody log. Undo with Ctrl+Z.")
        hint.setStyleSheet(f"color: {theme.TEXT_FAINT}; font-size: 9pt;")
        layout = QVBoxLayout(page)
        layout.setContentsMargins(14, 10, 14, 14)
        layout.setSpacing(8)
        layout.addWidget(self.read_only_note)
        layout.addLayout(form)
        layout.addWidget(self._form_label("Notes"))
        layout.addWidget(notes, 1)
        layout.addWidget(hint)
        chain_tab_order(self.original_name, *self.provenance.values())
        return page

    def _build_exif(self) -> QWidget:
        page = QWidget()
        self.exif_filter = QLineEdit()
        self.exif_filter.setPlaceholderText("Filter tags and values")
        self.exif_filter.setClearButtonEnabled(True)
        self.exif_model = QStandardItemModel(0, 2, self)
        self.exif_model.setHorizontalHeaderLabels(["Tag", "Value"])
        self.exif_proxy = QSortFilterProxyModel(self)
        self.exif_proxy.setSourceModel(self.exif_model)
        self.exif_proxy.setFilterKeyColumn(-1)
        self.exif_proxy.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.exif_filter.textChanged.connect(self.exif_proxy.setFilterFixedString)
        self.exif_table = QTableView()
        self.exif_table.setModel(self.exif_proxy)
        self.exif_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.exif_table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.exif_table.setAlternatingRowColors(True)
        self.exif_table.setWordWrap(False)
        self.exif_table.setShowGrid(False)
        self.exif_table.verticalHeader().hide()
        self.exif_table.verticalHeader().setDefaultSectionSize(24)
        self.exif_table.horizontalHeader().setSectionResizeMode(
            0, QHeaderView.ResizeMode.Interactive)
        self.exif_table.horizontalHeader().setStretchLastSection(True)
        self.exif_table.horizontalHeader().setDefaultAlignment(
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        self.exif_table.setColumnWidth(0, 150)
        copy = QAction("Copy Value", self.exif_table)
        copy.setShortcut(QKeySequence.StandardKey.Copy)
        copy.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        copy.triggered.connect(self._copy_exif_value)
        self.exif_table.addAction(copy)
        self.exif_table.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
        self.exif_empty = QLabel("This file has no EXIF metadata.")
        self.exif_empty.setProperty("role", "dim")
        self.exif_empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout = QVBoxLayout(page)
        layout.setContentsMargins(10, 10, 10, 10)
        layout.setSpacing(8)
        layout.addWidget(self.exif_filter)
        layout.addWidget(self.exif_table, 1)
        layout.addWidget(self.exif_empty, 1)
        return page

    @staticmethod
    def _form_label(text: str) -> QLabel:
        label = QLabel(text)
        label.setStyleSheet(f"color: {theme.TEXT_DIM};")
        label.setMinimumWidth(84)  # the Summary's two forms line up
        return label

    @staticmethod
    def _scroll(page: QWidget) -> QScrollArea:
        area = QScrollArea()
        area.setWidget(page)
        area.setWidgetResizable(True)
        area.setFrameShape(QFrame.Shape.NoFrame)
        area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        return area

    # ----------------------------------------------------------------- showing an item

    @property
    def evidence(self) -> Evidence | None:
        return self._item

    def set_read_only(self, read_only: bool) -> None:
        self._read_only = read_only
        for edit in self.provenance.values():
            edit.setReadOnly(read_only)
        self.read_only_note.setText("This case file is read-only: save a copy to edit it.")
        self.read_only_note.setVisible(read_only)

    def refresh_evidence(self, item: Evidence) -> None:
        """The shown item changed in the case (an edit, an undo): show the case's values."""
        if self._item is not None and item.id == self._item.id:
            self._item = item
            self._show_summary(item)
            self._show_provenance(item)

    def set_evidence(self, item: Evidence | None) -> None:
        """Show an item (None: nothing selected); unsaved field edits of the previous item are
        committed first so switching items never loses typing."""
        if self._item is not None and (item is None or item.id != self._item.id):
            self.commit_pending()
        self._item = item
        if item is None:
            self.stack.setCurrentWidget(self.placeholder)
            return
        self.stack.setCurrentIndex(1)
        self._show_summary(item)
        self._show_provenance(item)
        self._show_exif(item)
        self.credentials_view.show_item(self._stack.case, item)
        self.similar_items.show_item(self._stack.case, item)

    def _frame_of(self, item: Evidence) -> str:
        """Which frame of which video a still was taken from, as the dossier says it."""
        frame = item.frame_of
        if frame is None:
            return ""
        name = f"item {frame.video_id}"
        case = self._stack.case
        if case is not None:
            from desk.core.case_listing import listed_item

            video = listed_item(case, frame.video_id)
            name = video.name if video is not None else name
        return (f"frame {frame.frame_index:,}, {frame.timecode}, of {name} (video"
                f" {frame.video_sha256[:12]}…)\npixels {frame.pixels_sha256[:16]}…")

    def _show_summary(self, item: Evidence) -> None:
        meta = item.metadata
        self.name.setText(item.name)
        self.name.setToolTip(plain_tooltip(item.name))
        self.facts.setText(f"{item.width} × {item.height} · {item.format.upper()} · "
                           f"{_human_size(item.size)}")
        captured = captured_label(item)
        if captured and meta.utc_offset:
            captured += f" (UTC{meta.utc_offset})"
        camera = " ".join(v for v in (meta.make, meta.model) if v)
        gps = meta.gps
        values = {
            "captured": captured or "—",
            "camera": camera or "—",
            "software": meta.software or "—",
            "gps": f"{gps.lat:.6f}, {gps.lon:.6f}" if gps else "None in the file",
            "altitude": f"{gps.altitude:.0f} m" if gps and gps.altitude is not None else "",
            "direction": f"{gps.direction:.0f}° from north"
            if gps and gps.direction is not None else "",
            "gps_time": (gps.time_utc or "") if gps else "",
            "from_video": self._frame_of(item),
        }
        for key, value in values.items():
            label = self.fields[key]
            label.setText(value)
            row_visible = bool(value) or key in ("captured", "camera", "gps")
            self.summary_form.setRowVisible(label, row_visible)
        while self.flags_box.count():
            widget = self.flags_box.takeAt(0).widget()
            if widget is not None:
                widget.hide()  # deleteLater waits for the event loop; never show stale cards
                widget.deleteLater()
        self.sources_view.show_metadata(meta)
        for flag in meta.flags:
            self.flags_box.addWidget(FlagCard(flag))
        self.flags_title.setText(f"FLAGS ({len(meta.flags)})" if meta.flags else "FLAGS")
        if not meta.flags:
            none = QLabel("No metadata warnings.")
            none.setProperty("role", "dim")
            self.flags_box.addWidget(none)
        # Two lines of 32 in groups of 8: readable aloud, comparable by eye, never too wide.
        groups = [item.sha256[i:i + 8] for i in range(0, len(item.sha256), 8)]
        self.sha256.setText("\n".join(" ".join(groups[i:i + 4]) for i in range(0, len(groups), 4)))
        self.sha256.setToolTip(plain_tooltip(item.sha256))
        self.imported.setText(f"Imported {item.imported_at.replace('T', ' ')[:19]} UTC")

    def set_findings(self, geolocation: Geolocation | None,
                     claims: list[tuple[int, str, str]]) -> None:
        """What reviewers have established about the shown item: where it was taken, and
        which claims (id, text, stance) it bears on."""
        if geolocation is not None:
            g = geolocation
            text = f"{g.lat:.5f}, {g.lon:.5f} · ±{g.precision_m:.0f} m · {g.confidence} confidence"
            if g.heading is not None:
                text += f" · facing {g.heading:.0f}°"
            if g.method:
                text += f"\n{g.method}"
            self.geolocated.setText(text)
        self.findings_form.setRowVisible(self.geolocated, geolocation is not None)
        self.claims.setText("\n".join(f"{stance.capitalize()} claim {cid}: {text}"
                                       for cid, text, stance in claims))
        self.findings_form.setRowVisible(self.claims, bool(claims))
        self.findings_title.setVisible(geolocation is not None or bool(claims))

    def _show_provenance(self, item: Evidence) -> None:
        self.original_name.setText(item.provenance.original_name)
        self.original_name.setCursorPosition(0)
        for field, edit in self.provenance.items():
            value = str(getattr(item.provenance, field))
            if isinstance(edit, DateField):
                edit.show_value(value, item.id)  # typed text stays with its item
                edit.setToolTip(plain_tooltip(value))
            elif isinstance(edit, QLineEdit):
                edit.setToolTip(plain_tooltip(value))  # long URLs do not fit the field
                if edit.text() != value:
                    edit.setText(value)
                    edit.setCursorPosition(0)
            elif edit.toPlainText() != value:
                edit.setPlainText(value)

    def _show_exif(self, item: Evidence) -> None:
        raw = item.metadata.raw
        self.exif_model.removeRows(0, self.exif_model.rowCount())
        for tag, value in sorted(raw.items()):
            tag_item = QStandardItem(tag)
            value_item = QStandardItem(value)
            value_item.setToolTip(plain_tooltip(value))
            self.exif_model.appendRow([tag_item, value_item])
        self.exif_table.setVisible(bool(raw))
        self.exif_filter.setVisible(bool(raw))
        self.exif_empty.setVisible(not raw)

    # ----------------------------------------------------------------- editing

    def field_value(self, field: str) -> str:
        edit = self.provenance[field]
        return edit.text() if isinstance(edit, QLineEdit) else edit.toPlainText()

    def name_tabs(self) -> None:
        """Each tab's full name as its tooltip (names are elided when the column is narrow)."""
        bar = self.tabs.tabBar()
        for index in range(bar.count()):
            bar.setTabToolTip(index, bar.tabText(index))

    def commit_pending(self) -> None:
        """Commit every field whose text differs from the case (read all before the first
        commit refreshes the form)."""
        for field, value in [(f, self.field_value(f)) for f in self.provenance]:
            self._commit(field, value)

    def _commit(self, field: str, value: str | None = None) -> None:
        """One undoable edit when a field's text differs from the case's value."""
        item = self._item
        if item is None or self._read_only:
            return
        value = self.field_value(field) if value is None else value
        if value == str(getattr(item.provenance, field)):
            return
        edit = self.provenance[field]
        if isinstance(edit, DateField) and not edit.acceptable():
            return  # kept as typed and marked; saved once it reads as a time
        from desk.core.commands import set_provenance

        if not self._stack.push_command(set_provenance(item.id, field, value)):
            self._show_provenance(item)  # refused (read-only, locked...): show the truth again

    def copy_sha256(self) -> None:
        if self._item is not None:
            QGuiApplication.clipboard().setText(self._item.sha256)

    def _copy_exif_value(self) -> None:
        index = self.exif_table.currentIndex()
        if index.isValid():
            value = self.exif_proxy.index(index.row(), 1).data()
            QGuiApplication.clipboard().setText(str(value or ""))
