"""Where each of an item's dates, places and camera fields was read, in the inspector.

One entry per reading (field, value, and under it its source); the value desk uses comes
first and plain, other sources of the same field follow dimmed, so a reviewer sees at a glance
that the capture time came from XMP and that the EXIF "DateTime" is only when the file was
saved. All text is the file's: labels are plain text only.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import QGridLayout, QLabel, QVBoxLayout, QWidget

from desk.core.metadata_display import SOURCE_FLAGS, not_read_note, source_rows
from desk.ui.common import theme
from desk.ui.common.labels import plain_label, section_label

if TYPE_CHECKING:
    from desk.core.model import Metadata

__all__ = ["SOURCE_FLAGS", "MetadataSourcesView"]  # the inspector takes the flags' words here


class MetadataSourcesView(QWidget):
    """The SOURCES block of the inspector's summary."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = section_label("Sources")
        self.note = plain_label(role="dim")
        self.note.setStyleSheet(f"color: {theme.TEXT_DIM};")
        self.grid_host = QWidget()
        self.grid = QGridLayout(self.grid_host)
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.grid.setHorizontalSpacing(10)
        self.grid.setVerticalSpacing(0)
        self.grid.setColumnStretch(1, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        layout.addWidget(self.title)
        layout.addWidget(self.note)
        layout.addWidget(self.grid_host)
        self.rows: list[tuple[QLabel, QLabel, QLabel]] = []

    def show_metadata(self, metadata: Metadata) -> None:
        """Show one item's readings (and say so when its sources were never read)."""
        for labels in self.rows:
            for label in labels:
                label.hide()
                self.grid.removeWidget(label)
                label.deleteLater()
        self.rows = []
        rows = source_rows(metadata)
        note = not_read_note(metadata)
        if not rows and not note:
            note = "The file states no date, place or camera."
        self.note.setText(note)
        self.note.setVisible(bool(note))
        self.grid_host.setVisible(bool(rows))
        previous = ""
        for index, row in enumerate(rows):
            name = plain_label("" if row.label == previous else row.label, wrap=False)
            previous = row.label
            value = plain_label(row.value, selectable=True)
            source = plain_label(row.source, wrap=True)
            colour = theme.TEXT if row.used else theme.TEXT_FAINT
            name.setStyleSheet(f"color: {theme.TEXT_DIM};")
            value.setStyleSheet(f"color: {colour};")
            source.setStyleSheet(f"color: {theme.TEXT_DIM if row.used else theme.TEXT_FAINT};"
                                 " font-size: 8pt; margin-bottom: 3px;")
            value.setToolTip("Used for this field" if row.used
                             else "Another source of this field, shown to compare")
            # The source goes under its value: the inspector's column is narrow.
            self.grid.addWidget(name, 2 * index, 0)
            self.grid.addWidget(value, 2 * index, 1)
            self.grid.addWidget(source, 2 * index + 1, 1)
            self.rows.append((name, value, source))
