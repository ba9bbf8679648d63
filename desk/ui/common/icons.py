"""Small line icons drawn from inline SVG: packaged with the code, sharp at any scale.

Kept as data here rather than files so a frozen build cannot lose them.
"""

from __future__ import annotations

from functools import cache

from PySide6.QtCore import QByteArray, QSize, Qt
from PySide6.QtGui import QColor, QIcon, QPainter, QPixmap
from PySide6.QtSvg import QSvgRenderer

from desk.ui.common import theme

_PATHS: dict[str, str] = {
    "new": '<path d="M14 3H6a2 2 0 0 0-2 2v14a2 2 0 0 0 2 2h12a2 2 0 0 0 2-2V9z"/>'
           '<path d="M14 3v6h6M12 12v6M9 15h6"/>',
    "open": '<path d="M3 7a2 2 0 0 1 2-2h4l2 2h8a2 2 0 0 1 2 2v8a2 2 0 0 1-2 2H5a2 2 0 0 1-2-2z"/>',
    "import": '<path d="M12 3v12M7 10l5 5 5-5"/>'
              '<path d="M4 17v2a2 2 0 0 0 2 2h12a2 2 0 0 0 2-2v-2"/>',
    "zoom_in": '<circle cx="11" cy="11" r="7"/><path d="M21 21l-5-5M11 8v6M8 11h6"/>',
    "zoom_out": '<circle cx="11" cy="11" r="7"/><path d="M21 21l-5-5M8 11h6"/>',
    "fit": '<path d="M4 9V4h5M20 9V4h-5M4 15v5h5M20 15v5h-5"/>',
    "actual": '<path d="M6 8l2-1v10M16 8l2-1v10"/><circle cx="12" cy="10" r=".6"/>'
              '<circle cx="12" cy="14" r=".6"/>',
    "region": '<path d="M4 8V4h4M16 4h4v4M20 16v4h-4M8 20H4v-4"/><circle cx="12" cy="12" r="3"/>',
    "undo": '<path d="M9 14L4 9l5-5"/><path d="M4 9h11a5 5 0 0 1 0 10h-3"/>',
    "redo": '<path d="M15 14l5-5-5-5"/><path d="M20 9H9a5 5 0 0 0 0 10h3"/>',
    "copy": '<rect x="9" y="9" width="12" height="12" rx="2"/>'
            '<path d="M5 15H4a1 1 0 0 1-1-1V4a1 1 0 0 1 1-1h10a1 1 0 0 1 1 1v1"/>',
    "pin": '<path d="M12 21s-7-6.2-7-11a7 7 0 0 1 14 0c0 4.8-7 11-7 11z"/>'
           '<circle cx="12" cy="10" r="2.5"/>',
    "warning": '<path d="M12 3l10 18H2z"/><path d="M12 10v5M12 18v.5"/>',
    "info": '<circle cx="12" cy="12" r="9"/><path d="M12 11v6M12 7.5v.5"/>',
    "ok": '<circle cx="12" cy="12" r="9"/><path d="M8 12.5l3 3 5-6"/>',
    "error": '<circle cx="12" cy="12" r="9"/><path d="M9 9l6 6M15 9l-6 6"/>',
    "duplicate": '<circle cx="12" cy="12" r="9"/><path d="M8 12h8"/>',
    "image": '<rect x="3" y="4" width="18" height="16" rx="2"/><circle cx="9" cy="10" r="2"/>'
             '<path d="M21 16l-5-5-9 9"/>',
    "filter": '<path d="M3 5h18l-7 8v6l-4 2v-8z"/>',
    "sort": '<path d="M7 4v16M3 16l4 4 4-4M17 20V4M13 8l4-4 4 4"/>',
    "search": '<circle cx="11" cy="11" r="6"/><path d="M20 20l-4.5-4.5"/>',
    "close": '<path d="M6 6l12 12M18 6L6 18"/>',
    "next": '<path d="M6 9l6 6 6-6"/>',
    "previous": '<path d="M18 15l-6-6-6 6"/>',
    "save_copy": '<path d="M5 3h11l4 4v12a2 2 0 0 1-2 2H6a2 2 0 0 1-2-2V5a1 1 0 0 1 1-2z"/>'
                 '<path d="M8 3v5h7M8 21v-7h8v7"/>',
    "case": '<rect x="3" y="7" width="18" height="13" rx="2"/><path d="M8 7V5a2 2 0 0 1 2-2h4'
            'a2 2 0 0 1 2 2v2M3 13h18"/>',
    "pointer": '<path d="M5 3l14 8-6 1.5L10 19z"/><path d="M13 12.5l4 6"/>',
    "arrow_tool": '<path d="M4 19L19 5"/><path d="M10 5h9v9"/><circle cx="4" cy="19" r="1.2"/>',
    "horizon": '<path d="M2 14h20" stroke-dasharray="3 2.5"/><path d="M6 10a6 6 0 0 1 12 0"/>'
               '<path d="M4 18h16"/>',
    "shadow_tool": '<circle cx="18" cy="5.5" r="2.5"/><path d="M9 5v12"/>'
                   '<path d="M9 17l-6 3.5" stroke-dasharray="2 1.6"/>',
    "map": '<path d="M3 6l6-3 6 3 6-3v15l-6 3-6-3-6 3z"/><path d="M9 3v15M15 6v15"/>',
    "drop": '<path d="M12 15V3M7 8l5-5 5 5"/><rect x="3" y="13" width="18" height="8" rx="2"/>',
}


def svg(name: str, colour: str = theme.TEXT, width: float = 1.7) -> bytes:
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24" fill="none" '
        f'stroke="{colour}" stroke-width="{width}" stroke-linecap="round" '
        f'stroke-linejoin="round">{_PATHS[name]}</svg>'
    ).encode()


def dot(colour: str, size: int, diameter: int) -> QPixmap:
    """A filled circle of `diameter` in the middle of a `size` square (a state or a stance)."""
    px = QPixmap(size, size)
    px.fill(Qt.GlobalColor.transparent)
    painter = QPainter(px)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor(colour))
    margin = (size - diameter) // 2
    painter.drawEllipse(margin, margin, diameter, diameter)
    painter.end()
    return px


def pixmap(name: str, size: int, colour: str = theme.TEXT, ratio: float = 2.0) -> QPixmap:
    """Render at the device ratio so icons stay crisp on high-DPI screens."""
    px = QPixmap(QSize(round(size * ratio), round(size * ratio)))
    px.fill(Qt.GlobalColor.transparent)
    renderer = QSvgRenderer(QByteArray(svg(name, colour)))
    painter = QPainter(px)
    renderer.render(painter)
    painter.end()
    px.setDevicePixelRatio(ratio)
    return px


@cache
def icon(name: str, colour: str = theme.TEXT) -> QIcon:
    result = QIcon()
    for size in (16, 20, 24, 32):
        result.addPixmap(pixmap(name, size, colour), QIcon.Mode.Normal)
        result.addPixmap(pixmap(name, size, theme.TEXT_FAINT), QIcon.Mode.Disabled)
    return result
