"""The words and colours of claims and verdicts, shared by every claims widget.

The rating scale, its one-line definitions and the stance names are the reviewer's vocabulary
and the dossier's, so they are written once here; colours follow the dossier's print palette,
brightened for the dark window. A few icons the claims page needs are drawn here too, from
inline SVG like `desk.ui.common.icons`.
"""

from __future__ import annotations

from functools import cache

from PySide6.QtCore import QByteArray, QSize, Qt
from PySide6.QtGui import QIcon, QPainter, QPixmap
from PySide6.QtSvg import QSvgRenderer
from PySide6.QtWidgets import QLabel

from desk.core.model import Confidence, Rating, Stance
from desk.ui.common import theme
from desk.ui.common.labels import plain_label

#: The one fixed scale, worst first (the order of `Rating`), with what each word means.
RATING_DEFINITIONS: dict[Rating, str] = {
    Rating.FALSE: "The evidence shows the claim is wrong.",
    Rating.MISLEADING: "Real material or facts, framed to give a false impression.",
    Rating.UNPROVEN: "The verdict when the claimant offers no evidence and none is found.",
    Rating.PARTLY_CONFIRMED: "Evidence confirms part of the claim, not all of it.",
    Rating.CONFIRMED: "Independent evidence confirms the claim as stated.",
}

RATING_COLOURS: dict[Rating, str] = {
    Rating.FALSE: "#e0564c",
    Rating.MISLEADING: "#e8843a",
    Rating.UNPROVEN: "#9aa3ae",
    Rating.PARTLY_CONFIRMED: "#d4b43a",
    Rating.CONFIRMED: "#3fb47b",
}

CONFIDENCE_WORDS: dict[Confidence, str] = {
    Confidence.HIGH: "High",
    Confidence.MODERATE: "Moderate",
    Confidence.LOW: "Low",
}

STANCE_WORDS: dict[Stance, str] = {
    Stance.SUPPORTS: "Supports",
    Stance.CONTRADICTS: "Contradicts",
    Stance.CONTEXT: "Context",
}

STANCE_COLOURS: dict[Stance, str] = {
    Stance.SUPPORTS: "#3fb47b",
    Stance.CONTRADICTS: "#e0564c",
    Stance.CONTEXT: theme.TEXT_DIM,
}

#: Checklist states as the case stores them: True done, False open, None not applicable.
CHECK_DONE, CHECK_OPEN, CHECK_NA = True, False, None
CHECK_WORDS: dict[bool | None, str] = {True: "Done", False: "Open", None: "N/A"}
CHECK_TIPS: dict[bool | None, str] = {
    True: "Done: this check was made",
    False: "Open: not checked yet (the export warns, the dossier prints it as open)",
    None: "Not applicable to this claim (no warning; the dossier says so)",
}
CHECK_COLOURS: dict[bool | None, str] = {True: "#3fb47b", False: theme.WARN, None: theme.TEXT_DIM}

#: Amber for "the sources disagree", the one thing on the page meant to jump out.
DISAGREE = "#f0a630"

_PATHS: dict[str, str] = {
    "plus": '<path d="M12 5v14M5 12h14"/>',
    "minus": '<path d="M5 12h14"/>',
    "trash": '<path d="M4 7h16M10 11v6M14 11v6M6 7l1 12a2 2 0 0 0 2 2h6a2 2 0 0 0 2-2l1-12"/>'
             '<path d="M9 7V4h6v3"/>',
    "link": '<path d="M10 14a4 4 0 0 0 6 0l3-3a4 4 0 0 0-6-6l-1 1"/>'
            '<path d="M14 10a4 4 0 0 0-6 0l-3 3a4 4 0 0 0 6 6l1-1"/>',
    "export": '<path d="M12 15V3M7 8l5-5 5 5"/>'
              '<path d="M4 15v4a2 2 0 0 0 2 2h12a2 2 0 0 0 2-2v-4"/>',
    "shield": '<path d="M12 3l8 3v6c0 4.5-3.4 8.3-8 9-4.6-.7-8-4.5-8-9V6z"/>'
              '<path d="M8.5 12l2.5 2.5 4.5-5"/>',
    "folder": '<path d="M3 7a2 2 0 0 1 2-2h4l2 2h8a2 2 0 0 1 2 2v8a2 2 0 0 1-2 2H5'
              'a2 2 0 0 1-2-2z"/>',
    "claims": '<path d="M4 5h16v11H9l-5 4z"/><path d="M8 9h8M8 12h5"/>',
    "evidence": '<rect x="3" y="4" width="18" height="16" rx="2"/><circle cx="9" cy="10" r="2"/>'
                '<path d="M21 16l-5-5-9 9"/>',
    "edit": '<path d="M4 20h4L19 9l-4-4L4 16z"/><path d="M13 7l4 4"/>',
}


def _svg(name: str, colour: str) -> bytes:
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24" fill="none" '
        f'stroke="{colour}" stroke-width="1.8" stroke-linecap="round" '
        f'stroke-linejoin="round">{_PATHS[name]}</svg>'
    ).encode()


def _pixmap(name: str, size: int, colour: str, ratio: float = 2.0) -> QPixmap:
    px = QPixmap(QSize(round(size * ratio), round(size * ratio)))
    px.fill(Qt.GlobalColor.transparent)
    painter = QPainter(px)
    QSvgRenderer(QByteArray(_svg(name, colour))).render(painter)
    painter.end()
    px.setDevicePixelRatio(ratio)
    return px


@cache
def icon(name: str, colour: str = theme.TEXT) -> QIcon:
    """An icon of the claims page (plus, trash, link, export...), crisp at any scale."""
    result = QIcon()
    for size in (16, 20, 24):
        result.addPixmap(_pixmap(name, size, colour), QIcon.Mode.Normal)
        result.addPixmap(_pixmap(name, size, theme.TEXT_FAINT), QIcon.Mode.Disabled)
    return result


def section(text: str) -> QLabel:
    """A small capitalised heading, like the inspector's."""
    label = plain_label(text.upper(), wrap=False, role="section")
    return label


def elide(text: str, limit: int) -> str:
    """One line of at most `limit` characters (menus and combo boxes)."""
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1].rstrip() + "…"
