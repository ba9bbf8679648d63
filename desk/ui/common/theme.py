"""One restrained dark look for the whole app, so stills stand out and text stays readable.

Colours live here (not scattered through widgets) so badges, delegates and the stylesheet agree.
"""

from __future__ import annotations

from PySide6.QtGui import QColor, QFont, QPalette
from PySide6.QtWidgets import QApplication

from desk.bundled import resources_dir

WINDOW = "#1d2025"
PANEL = "#24272d"
PANEL_ALT = "#2a2e35"
BASE = "#1a1c20"
CANVAS = "#121417"
BORDER = "#353a42"
TEXT = "#e4e7eb"
TEXT_DIM = "#9aa3ae"
TEXT_FAINT = "#6b7480"
ACCENT = "#4f8cff"
ACCENT_DIM = "#2b4a80"
SELECTION = "#2d4469"

# Badge colours: what they mean must read at a glance in a 16 px tag.
OK = "#2e9e6a"
INFO = "#4f8cff"
WARN = "#d19a2a"
DANGER = "#d9534f"
NEUTRAL = "#59616c"


def apply_theme(app: QApplication) -> None:
    """Fusion with a dark palette: the default offscreen/native styles look uneven across hosts."""
    app.setStyle("Fusion")
    palette = QPalette()
    roles = {
        QPalette.ColorRole.Window: WINDOW,
        QPalette.ColorRole.WindowText: TEXT,
        QPalette.ColorRole.Base: BASE,
        QPalette.ColorRole.AlternateBase: PANEL_ALT,
        QPalette.ColorRole.ToolTipBase: PANEL_ALT,
        QPalette.ColorRole.ToolTipText: TEXT,
        QPalette.ColorRole.PlaceholderText: TEXT_FAINT,
        QPalette.ColorRole.Text: TEXT,
        QPalette.ColorRole.Button: PANEL_ALT,
        QPalette.ColorRole.ButtonText: TEXT,
        QPalette.ColorRole.BrightText: "#ffffff",
        QPalette.ColorRole.Highlight: SELECTION,
        QPalette.ColorRole.HighlightedText: "#ffffff",
        QPalette.ColorRole.Link: ACCENT,
        QPalette.ColorRole.Mid: BORDER,
        QPalette.ColorRole.Dark: "#15171a",
        QPalette.ColorRole.Light: "#3a3f47",
    }
    for role, colour in roles.items():
        palette.setColor(role, QColor(colour))
    for role in (QPalette.ColorRole.Text, QPalette.ColorRole.WindowText,
                 QPalette.ColorRole.ButtonText):
        palette.setColor(QPalette.ColorGroup.Disabled, role, QColor(TEXT_FAINT))
    app.setPalette(palette)
    font = QFont(app.font())
    if font.pointSizeF() < 10:
        font.setPointSizeF(10)
    app.setFont(font)
    app.setStyleSheet(STYLESHEET)


#: Where the keyboard is: every control that takes focus shows it with the accent colour,
#: so Tab never lands somewhere the reviewer cannot see.
FOCUS_RING = f"""
QPushButton:focus, QToolButton:focus {{ border: 1px solid {ACCENT}; }}
QCheckBox:focus, QRadioButton:focus {{
    border: 1px solid {ACCENT}; border-radius: 4px; background: {ACCENT_DIM};
}}
QComboBox:focus, QAbstractSpinBox:focus, QLineEdit:focus, QPlainTextEdit:focus,
QTextEdit:focus {{ border: 1px solid {ACCENT}; }}
QListView:focus, QTreeView:focus, QTableView:focus {{ border: 1px solid {ACCENT}; }}
QTabBar:focus {{ border: 1px solid {ACCENT}; border-radius: 4px; }}
"""

#: The drop-down's arrow: a styled QComboBox otherwise shows none, and reads as a text field.
_COMBO_ARROW = resources_dir("icons", "combo-arrow.svg").as_posix()

STYLESHEET = f"""
QMainWindow, QDialog {{ background: {WINDOW}; }}
QMainWindow::separator {{ background: {BORDER}; width: 1px; height: 1px; }}
QSplitter::handle {{ background: {BORDER}; }}
QSplitter::handle:horizontal {{ width: 1px; }}
QSplitter::handle:vertical {{ height: 1px; }}
QToolBar {{
    background: {PANEL}; border: none; border-bottom: 1px solid {BORDER};
    padding: 3px 6px; spacing: 2px;
}}
QToolBar::separator {{ background: {BORDER}; width: 1px; margin: 5px 6px; }}
QToolButton {{
    color: {TEXT}; background: transparent; border: 1px solid transparent;
    border-radius: 5px; padding: 4px 6px;
}}
QToolButton:hover {{ background: {PANEL_ALT}; border-color: {BORDER}; }}
QToolButton:pressed, QToolButton:checked {{ background: {ACCENT_DIM}; border-color: {ACCENT}; }}
QToolButton:disabled {{ color: {TEXT_FAINT}; }}
QToolButton::menu-indicator {{ image: none; width: 0; }}
QMenuBar {{ background: {PANEL}; color: {TEXT}; border-bottom: 1px solid {BORDER}; }}
QMenuBar::item {{ padding: 4px 10px; background: transparent; }}
QMenuBar::item:selected {{ background: {PANEL_ALT}; border-radius: 4px; }}
QMenu {{ background: {PANEL}; color: {TEXT}; border: 1px solid {BORDER}; padding: 4px; }}
QMenu::item {{ padding: 5px 28px 5px 24px; border-radius: 4px; }}
QMenu::item:selected {{ background: {SELECTION}; }}
QMenu::item:disabled {{ color: {TEXT_FAINT}; }}
QMenu::separator {{ height: 1px; background: {BORDER}; margin: 4px 8px; }}
QStatusBar {{ background: {PANEL}; color: {TEXT_DIM}; border-top: 1px solid {BORDER}; }}
QStatusBar::item {{ border: none; }}
QStatusBar QLabel {{ color: {TEXT_DIM}; padding: 0 6px; }}
QLineEdit, QPlainTextEdit, QComboBox {{
    background: {BASE}; color: {TEXT}; border: 1px solid {BORDER}; border-radius: 5px;
    padding: 4px 6px; selection-background-color: {ACCENT_DIM};
}}
QLineEdit:focus, QPlainTextEdit:focus, QComboBox:focus {{ border-color: {ACCENT}; }}
QLineEdit:read-only {{ background: {PANEL}; color: {TEXT_DIM}; }}
QLineEdit:disabled, QPlainTextEdit:disabled {{ color: {TEXT_FAINT}; background: {PANEL}; }}
QComboBox::drop-down {{ border: none; width: 18px; }}
QComboBox::down-arrow {{ image: url({_COMBO_ARROW}); width: 10px; height: 10px; }}
QComboBox QAbstractItemView {{
    background: {PANEL}; border: 1px solid {BORDER}; selection-background-color: {SELECTION};
}}
QPushButton {{
    background: {PANEL_ALT}; color: {TEXT}; border: 1px solid {BORDER}; border-radius: 5px;
    padding: 5px 12px;
}}
QPushButton:hover {{ border-color: {TEXT_FAINT}; }}
QPushButton:pressed {{ background: {ACCENT_DIM}; }}
QPushButton:disabled {{ color: {TEXT_FAINT}; }}
QPushButton[primary="true"] {{ background: {ACCENT}; border-color: {ACCENT}; color: white; }}
QPushButton[primary="true"]:hover {{ background: #6a9dff; }}
QTabWidget::pane {{ border: none; border-top: 1px solid {BORDER}; }}
QTabBar::tab {{
    background: transparent; color: {TEXT_DIM}; padding: 7px 12px; border: none;
    border-bottom: 2px solid transparent;
}}
QTabBar::tab:selected {{ color: {TEXT}; border-bottom: 2px solid {ACCENT}; }}
QTabBar::tab:hover {{ color: {TEXT}; }}
QScrollBar:vertical {{ background: transparent; width: 10px; margin: 0; }}
QScrollBar::handle:vertical {{
    background: #41464f; border-radius: 4px; min-height: 30px; margin: 2px;
}}
QScrollBar:horizontal {{ background: transparent; height: 10px; margin: 0; }}
QScrollBar::handle:horizontal {{
    background: #41464f; border-radius: 4px; min-width: 30px; margin: 2px;
}}
QScrollBar::add-line, QScrollBar::sub-line {{ width: 0; height: 0; }}
QScrollBar::add-page, QScrollBar::sub-page {{ background: transparent; }}
QHeaderView::section {{
    background: {PANEL}; color: {TEXT_DIM}; border: none; border-bottom: 1px solid {BORDER};
    padding: 4px 6px;
}}
QTableView, QTreeView, QListView {{
    background: {BASE}; alternate-background-color: {PANEL}; border: none;
    selection-background-color: {SELECTION}; gridline-color: {BORDER};
}}
QProgressBar {{
    background: {BASE}; border: 1px solid {BORDER}; border-radius: 4px; text-align: center;
    color: {TEXT}; height: 14px;
}}
QProgressBar::chunk {{ background: {ACCENT}; border-radius: 3px; }}
QToolTip {{ background: {PANEL_ALT}; color: {TEXT}; border: 1px solid {BORDER}; padding: 4px; }}
QLabel[role="heading"] {{ font-weight: 600; font-size: 12pt; color: {TEXT}; }}
QLabel[role="section"] {{
    color: {TEXT_FAINT}; font-size: 8pt; font-weight: 600; letter-spacing: 1px;
    padding-top: 6px;
}}
QLabel[role="dim"] {{ color: {TEXT_DIM}; }}
QLabel[role="mono"] {{ font-family: "DejaVu Sans Mono", monospace; color: {TEXT}; }}
QLabel[role="error"] {{ color: {DANGER}; font-size: 9pt; }}
QLineEdit[invalid="true"], QLineEdit[invalid="true"]:focus {{ border: 1px solid {DANGER}; }}
QFrame[panel="true"] {{ background: {PANEL}; }}
QFrame[card="true"] {{ background: {PANEL_ALT}; border: 1px solid {BORDER}; border-radius: 6px; }}
{FOCUS_RING}
"""
