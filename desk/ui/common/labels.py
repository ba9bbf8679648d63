"""Labels for text that comes from cases: file names, EXIF, claims and statements are hostile,
so every such label is plain text (Qt would otherwise guess rich text and render markup)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QWidget


def plain_label(text: str = "", *, wrap: bool = True, selectable: bool = False,
                role: str = "", parent: QWidget | None = None) -> QLabel:
    """A label that shows case text literally; `role` picks a theme style (dim, mono...)."""
    label = QLabel(parent)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setWordWrap(wrap)
    if selectable:
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    if role:
        label.setProperty("role", role)
    label.setText(text)
    return label


def section_label(text: str) -> QLabel:
    """A small upper-case heading between groups of fields (our own text, not case text)."""
    label = QLabel(text.upper())
    label.setProperty("role", "section")
    return label
