"""What the window shows with no case open: start a case, open one, or try a sample."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desk.ui.common import icons, theme
from desk.ui.evidence.evidence_model import plain_tooltip


class WelcomePanel(QWidget):
    newCase = Signal()  # noqa: N815
    openCase = Signal()  # noqa: N815
    openPath = Signal(Path)  # noqa: N815 - a recent case
    openSample = Signal(Path)  # noqa: N815

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("WelcomePanel")
        card = QFrame()
        card.setObjectName("WelcomeCard")
        card.setFixedWidth(560)
        card.setStyleSheet(
            f"QFrame#WelcomeCard {{ background: {theme.PANEL}; border: 1px solid {theme.BORDER};"
            " border-radius: 10px; }"
        )
        logo = QLabel()
        logo.setPixmap(icons.pixmap("case", 40, theme.ACCENT))
        title = QLabel("desk")
        title.setStyleSheet("font-size: 22pt; font-weight: 700;")
        subtitle = QLabel("Evidence review for verification desks: footage stills, metadata,"
                          " provenance and geolocation, with a custody log of every change.")
        subtitle.setWordWrap(True)
        subtitle.setProperty("role", "dim")

        self.new_button = QPushButton(icons.icon("new", "#ffffff"), "New Case…")
        self.new_button.setProperty("primary", True)
        self.new_button.clicked.connect(self.newCase)
        self.open_button = QPushButton(icons.icon("open"), "Open Case…")
        self.open_button.clicked.connect(self.openCase)
        self.sample_button = QPushButton(icons.icon("image"), "Open Sample Case")
        self.sample_button.clicked.connect(self._open_only_sample)
        self._samples: list[Path] = []
        for button in (self.new_button, self.open_button, self.sample_button):
            button.setIconSize(QSize(16, 16))
            button.setMinimumHeight(34)
        buttons = QHBoxLayout()
        buttons.setSpacing(8)
        buttons.addWidget(self.new_button)
        buttons.addWidget(self.open_button)
        buttons.addWidget(self.sample_button)
        buttons.addStretch(1)

        recent_title = QLabel("RECENT CASES")
        recent_title.setProperty("role", "section")
        self.recent = QListWidget()
        self.recent.setObjectName("RecentCases")
        self.recent.setFrameShape(QFrame.Shape.NoFrame)
        self.recent.setStyleSheet(f"QListWidget {{ background: {theme.PANEL}; }}"
                                  "QListWidget::item { padding: 6px 4px; border-radius: 4px; }")
        self.recent.setMaximumHeight(220)
        self.recent.itemActivated.connect(self._recent_activated)
        self.recent.itemClicked.connect(self._recent_activated)
        self.no_recent = QLabel("Cases you open will be listed here.")
        self.no_recent.setProperty("role", "dim")
        hint = QLabel("Tip: drop a .deskcase file on this window to open it.")
        hint.setStyleSheet(f"color: {theme.TEXT_FAINT};")

        inner = QVBoxLayout(card)
        inner.setContentsMargins(32, 28, 32, 24)
        inner.setSpacing(10)
        head = QHBoxLayout()
        head.setSpacing(12)
        head.addWidget(logo)
        head.addWidget(title)
        head.addStretch(1)
        inner.addLayout(head)
        inner.addWidget(subtitle)
        inner.addSpacing(10)
        inner.addLayout(buttons)
        inner.addSpacing(14)
        inner.addWidget(recent_title)
        inner.addWidget(self.recent)
        inner.addWidget(self.no_recent)
        inner.addSpacing(6)
        inner.addWidget(hint)

        outer = QVBoxLayout(self)
        outer.addStretch(2)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(card)
        row.addStretch(1)
        outer.addLayout(row)
        outer.addStretch(3)
        self.set_samples([])

    def set_recent(self, paths: list[Path]) -> None:
        self.recent.clear()
        for path in paths:
            item = QListWidgetItem(icons.icon("case", theme.TEXT_DIM),
                                   f"{path.stem}    {path.parent}")
            item.setData(Qt.ItemDataRole.UserRole, str(path))
            item.setToolTip(plain_tooltip(str(path)))
            if not path.exists():
                item.setForeground(Qt.GlobalColor.gray)
                item.setToolTip(plain_tooltip(str(path), "This file is no longer there."))
            self.recent.addItem(item)
        self.recent.setVisible(bool(paths))
        self.no_recent.setVisible(not paths)

    def set_samples(self, samples: list[Path]) -> None:
        """One sample opens directly; several get a menu."""
        self._samples = list(samples)
        self.sample_button.setVisible(bool(samples))
        menu = None
        if len(samples) > 1:
            menu = QMenu(self.sample_button)
            for path in samples:
                action = menu.addAction(path.stem.replace("_", " ").title())
                action.triggered.connect(lambda _=False, p=path: self.openSample.emit(p))
        self.sample_button.setMenu(menu)

    def _open_only_sample(self) -> None:
        if len(self._samples) == 1:
            self.openSample.emit(self._samples[0])

    def _recent_activated(self, item: QListWidgetItem) -> None:
        self.openPath.emit(Path(item.data(Qt.ItemDataRole.UserRole)))
