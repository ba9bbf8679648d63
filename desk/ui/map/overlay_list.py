"""The map's Overlays tab: the case's reference overlays, each one's opacity, and the buttons
that place a new one, adjust one's placement or remove it.

Every change is a core command pushed through the window's undo stack (undoable, in the
custody log); the opacity slider previews on the map while it moves and saves once, when it
is let go (or after a pause, from the keyboard). Names come from the case: plain text only.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSlider,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from desk.core import commands
from desk.ui.common.labels import plain_label
from desk.ui.map.case_imagery import overlay_name

if TYPE_CHECKING:
    from PySide6.QtGui import QAction

    from desk.core.casefile import CaseFile
    from desk.core.commands import Command
    from desk.core.imagery import ReferenceOverlay
    from desk.ui.map.map_view import MapView

#: Opacity typed with the keyboard is saved after this pause.
COMMIT_DELAY_MS = 600
#: The compare actions' names on the tab's buttons.
_SHORT = {"Show Reference Overlays": "Show", "Flicker Overlays": "Flicker",
          "Swipe Overlays": "Swipe"}


def describe(overlay: ReferenceOverlay, evidence_name: str) -> str:
    """One line for the list: name, the still it shows, pairs and their worst residual."""
    from desk.core.overlay_fit import PlacementError, PointPair, fit

    name = overlay_name(overlay, evidence_name)
    still = "" if name == evidence_name else f" · {evidence_name}"
    try:
        worst = fit([PointPair(*p) for p in overlay.pairs]).worst_residual_m
        fitted = f", worst residual {worst:.1f} m" if len(overlay.pairs) > 3 else ""
    except PlacementError:
        fitted = ", cannot be placed"
    return (f"{name}{still} · {len(overlay.pairs)} pairs{fitted} ·"
            f" {round(overlay.opacity * 100)} %")


class OverlayList(QWidget):
    """The tab; MapPanel gives it the case, the undo stack's push and the map to preview on."""

    #: The reviewer asked to place a new overlay, or (an id) to adjust one.
    placeRequested = Signal()  # noqa: N815 - Qt signal naming
    adjustRequested = Signal(int)  # noqa: N815

    def __init__(self, push: Callable[[Command], object], view: MapView,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._push = push
        self._view = view
        self._case: CaseFile | None = None
        self._overlays: list[ReferenceOverlay] = []
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        self.hint = plain_label(
            "A still of the case laid over the map (an older drone still, a satellite crop),"
            " placed by three or more point pairs.")
        self.hint.setStyleSheet("color: #9aa3ae;")
        layout.addWidget(self.hint)
        self.list = QListWidget()
        self.list.setMaximumHeight(96)
        self.list.setWordWrap(True)  # a long name wraps in the narrow column beside the frame
        self.list.setResizeMode(QListWidget.ResizeMode.Adjust)
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.list.currentRowChanged.connect(self._row_changed)
        self.list.itemDoubleClicked.connect(lambda _item: self.adjust())
        layout.addWidget(self.list)
        row = QHBoxLayout()
        row.addWidget(QLabel("Opacity"))
        self.opacity_slider = QSlider(Qt.Orientation.Horizontal)
        self.opacity_slider.setRange(5, 100)
        self.opacity_slider.valueChanged.connect(self._opacity_moved)
        self.opacity_slider.sliderReleased.connect(self.commit_opacity)
        self.opacity_label = QLabel("")
        self.opacity_label.setMinimumWidth(40)
        row.addWidget(self.opacity_slider, 1)
        row.addWidget(self.opacity_label)
        layout.addLayout(row)
        buttons = QHBoxLayout()
        self.place_button = QPushButton("Place overlay…")
        self.place_button.setToolTip("Pick a still of the case and click point pairs")
        self.place_button.clicked.connect(self.placeRequested.emit)
        self.adjust_button = QPushButton("Adjust placement…")
        self.adjust_button.clicked.connect(self.adjust)
        self.remove_button = QPushButton("Remove")
        self.remove_button.clicked.connect(self.remove)
        for button in (self.place_button, self.adjust_button, self.remove_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        layout.addLayout(buttons)
        self.compare_row = QHBoxLayout()  # the window's compare actions, once it gives them
        layout.addLayout(self.compare_row)
        self.error = plain_label()
        self.error.setStyleSheet("color: #e06c75;")
        self.error.hide()
        layout.addWidget(self.error)
        layout.addStretch(1)
        self._commit_timer = QTimer(self, singleShot=True, interval=COMMIT_DELAY_MS)
        self._commit_timer.timeout.connect(self.commit_opacity)
        self._filling = False
        self._compare_actions: list[QAction] = []
        self._update_enabled()

    # ----------------------------------------------------------------- showing

    def use_actions(self, actions: Sequence[QAction]) -> None:
        """Short buttons for the window's compare actions (one checked state, one key): the
        map's column is narrow on a laptop screen, so the menu's long names stay there."""
        if self._compare_actions:
            return
        self.compare_row.addWidget(QLabel("Compare"))
        for action in actions:
            button = QToolButton()
            button.setCheckable(True)
            short = _SHORT.get(action.text(), action.text())
            button.setText(short)
            button.setToolTip(action.toolTip())
            button.setChecked(action.isChecked())
            button.setEnabled(action.isEnabled())
            button.toggled.connect(action.setChecked)
            action.toggled.connect(button.setChecked)
            action.changed.connect(lambda b=button, a=action: b.setEnabled(a.isEnabled()))
            self.compare_row.addWidget(button)
            self._compare_actions.append(action)
        self.compare_row.addStretch(1)

    @property
    def overlays(self) -> list[ReferenceOverlay]:
        return list(self._overlays)

    @property
    def selected(self) -> ReferenceOverlay | None:
        row = self.list.currentRow()
        return self._overlays[row] if 0 <= row < len(self._overlays) else None

    def load(self, case: CaseFile | None) -> None:
        """Show the case's overlays (after opening it, and after every overlay edit)."""
        self._commit_timer.stop()
        self._case = case
        keep = self.selected.id if self.selected is not None else None
        self._overlays = case.overlays() if case is not None else []
        names = {}
        if case is not None:
            for overlay in self._overlays:
                try:
                    names[overlay.id] = case.get_evidence(overlay.evidence_id).name
                except KeyError:
                    names[overlay.id] = f"evidence {overlay.evidence_id}"
        self._filling = True
        try:
            self.list.clear()
            for overlay in self._overlays:
                item = QListWidgetItem(describe(overlay, names[overlay.id]))  # plain text
                item.setToolTip(item.text())
                self.list.addItem(item)
            rows = [i for i, o in enumerate(self._overlays) if o.id == keep]
            if self._overlays:
                self.list.setCurrentRow(rows[0] if rows else len(self._overlays) - 1)
        finally:
            self._filling = False
        self._row_changed(self.list.currentRow())

    def _row_changed(self, _row: int) -> None:
        overlay = self.selected
        self._filling = True
        try:
            self.opacity_slider.setValue(round((overlay.opacity if overlay else 0.7) * 100))
        finally:
            self._filling = False
        self.opacity_label.setText(f"{self.opacity_slider.value()} %" if overlay else "")
        self.error.hide()
        self._update_enabled()

    def _update_enabled(self) -> None:
        editable = self._case is not None and not self._case.read_only
        chosen = self.selected is not None and editable
        self.place_button.setEnabled(editable)
        self.adjust_button.setEnabled(chosen)
        self.remove_button.setEnabled(chosen)
        self.opacity_slider.setEnabled(chosen)

    # ----------------------------------------------------------------- edits

    def _send(self, make: Callable[[], Command]) -> None:
        try:
            command = make()
        except commands.CommandError as exc:
            self.error.setText(str(exc))
            self.error.show()
            return
        self.error.hide()
        self._push(command)

    def _opacity_moved(self, value: int) -> None:
        overlay = self.selected
        if self._filling or overlay is None:
            return
        self.opacity_label.setText(f"{value} %")
        self._view.set_overlay_opacity(overlay.id, value / 100)
        if not self.opacity_slider.isSliderDown():
            self._commit_timer.start()  # keys or a click on the groove: save after a pause

    def commit_opacity(self) -> None:
        self._commit_timer.stop()
        overlay = self.selected
        if overlay is None:
            return
        value = self.opacity_slider.value() / 100
        if abs(value - overlay.opacity) > 1e-9:
            self._send(lambda: commands.set_overlay_opacity(overlay.id, value))

    def adjust(self) -> None:
        if self.selected is not None and self.adjust_button.isEnabled():
            self.adjustRequested.emit(self.selected.id)

    def remove(self) -> None:
        overlay = self.selected
        if overlay is not None and self.remove_button.isEnabled():
            self._send(lambda: commands.remove_overlay(overlay.id))
