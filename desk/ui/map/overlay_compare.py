"""Comparing reference overlays with the map: show or hide them (a key the reviewer taps to
flick between the two), flicker them twice a second, or swipe (a divider dragged across the
map, the overlays left of it). The window puts these actions in its View menu, with their
keys; the map's Overlays tab shows them as buttons.

The state lives here, not in the page: the window's map is made late and may be made again,
and each new one is given the current state by `apply`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QWidget

if TYPE_CHECKING:
    from desk.ui.map.map_panel import MapPanel

SHOW_KEY = "O"
FLICKER_KEY = "Shift+O"
SWIPE_KEY = "W"
PLACE_KEY = "Ctrl+Shift+O"


class OverlayCompare(QObject):
    """The compare actions and Place Reference Overlay…, for a window.

    `panel(create)` gives the window's map panel (made first when `create` and a case is
    open), or None.
    """

    def __init__(self, window: QWidget, panel: Callable[[bool], MapPanel | None]) -> None:
        super().__init__(window)
        self._panel = panel
        self._connected: MapPanel | None = None
        self.show_action = self._action(window, "Show Reference Overlays", SHOW_KEY,
                                        "Show or hide the reference overlays: tap to compare")
        self.show_action.setChecked(True)
        self.flicker_action = self._action(window, "Flicker Overlays", FLICKER_KEY,
                                           "Turn the reference overlays on and off twice a"
                                           " second")
        self.swipe_action = self._action(window, "Swipe Overlays", SWIPE_KEY,
                                         "Drag a divider across the map: the overlays show"
                                         " left of it")
        for action in (self.show_action, self.flicker_action, self.swipe_action):
            action.toggled.connect(lambda _on: self.apply())
        self.place_action = QAction("Place Reference Overlay…", window)
        self.place_action.setShortcut(QKeySequence(PLACE_KEY))
        self.place_action.setStatusTip("Lay a still of the case over the map, placed by point"
                                       " pairs")
        self.place_action.setToolTip(f"Place reference overlay ({PLACE_KEY})")
        self.place_action.triggered.connect(self.place)
        window.addAction(self.place_action)
        self.set_count(0)

    @staticmethod
    def _action(window: QWidget, text: str, key: str, tip: str) -> QAction:
        action = QAction(text, window)
        action.setCheckable(True)
        action.setShortcut(QKeySequence(key))
        action.setStatusTip(tip)
        action.setToolTip(f"{tip} ({key})")
        window.addAction(action)  # the key works with the menu bar hidden
        return action

    def compare_actions(self) -> list[QAction]:
        """For the View menu, in this order."""
        return [self.show_action, self.flicker_action, self.swipe_action]

    def set_count(self, count: int) -> None:
        """How many overlays the map draws: comparing needs one."""
        for action in self.compare_actions():
            action.setEnabled(count > 0)

    def apply(self) -> None:
        """Give the map the current state (when it is made, and whenever it changes)."""
        panel = self._panel(False)
        if panel is None:
            return
        new_panel = panel is not self._connected  # a map made (again) since the last call
        if new_panel:
            self._connected = panel
            panel.overlaysChanged.connect(self.set_count)
            panel.overlay_list.use_actions(self.compare_actions())
            self.set_count(len(panel.imagery.overlays))
        panel.view.set_compare(shown=self.show_action.isChecked(),
                               flicker=self.flicker_action.isChecked(),
                               swipe=self.swipe_action.isChecked())

    def place(self) -> None:
        panel = self._panel(True)
        if panel is None:
            return
        self.apply()
        panel.place_overlay()
