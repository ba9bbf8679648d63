"""Edit › Settings… and File › Save Area for Offline…, for the window.

Settings reach the open map at once (its cache limit, and its layers reloaded with the
organisation's server). Saving an area starts from what the map shows and ends with the pack
added to the case through the window's ordinary pack path (hashed, then an undoable,
logged edit), so a saved area is a pack like any other.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction, QKeySequence

from desk.ui.common import dialogs

if TYPE_CHECKING:
    from desk.ui.map.area_dialog import AreaDialog
    from desk.ui.map.settings_dialog import MapSettingsDialog
    from desk.ui.shell.main_window import MainWindow

SETTINGS_KEY = "Ctrl+,"


class OrgImagery(QObject):
    """The two actions and their dialogs; owned by the window."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self._window = window
        self.settings_dialog: MapSettingsDialog | None = None
        self.area_dialog: AreaDialog | None = None
        self.settings_action = QAction("Settings…", window)
        self.settings_action.setShortcut(QKeySequence(SETTINGS_KEY))
        self.settings_action.setMenuRole(QAction.MenuRole.PreferencesRole)
        self.settings_action.setStatusTip("The map's tile cache and your organisation's tile"
                                          " server")
        self.settings_action.triggered.connect(self.open_settings)
        window.addAction(self.settings_action)
        self.save_area_action = QAction("Save Area for Offline…", window)
        self.save_area_action.setStatusTip("Save part of your organisation's tile server as a"
                                           " tile pack for the case")
        self.save_area_action.triggered.connect(self.save_area)
        window.caseOpened.connect(self._update_enabled)
        window.caseClosed.connect(self._update_enabled)
        self._update_enabled()

    def _update_enabled(self, *_: object) -> None:
        case = self._window.case
        self.save_area_action.setEnabled(case is not None and not case.read_only)

    # ----------------------------------------------------------------- settings

    def open_settings(self) -> MapSettingsDialog:
        from desk.ui.map.settings_dialog import MapSettingsDialog

        if self.settings_dialog is not None:
            self.settings_dialog.raise_()
            return self.settings_dialog
        panel = self._window.map_panel
        dialog = MapSettingsDialog(self._window, panel.view.tile_cache if panel else None)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.saved.connect(self._apply)
        dialog.finished.connect(lambda _result: setattr(self, "settings_dialog", None))
        self.settings_dialog = dialog
        dialog.open()  # window-modal, without a nested event loop
        return dialog

    def _apply(self) -> None:
        panel = self._window.map_panel
        if panel is not None:
            panel.apply_map_settings()
        self._window.statusBar().showMessage("Settings saved.", 5_000)

    # ----------------------------------------------------------------- saving an area

    def save_area(self) -> None:
        """Open the dialog, its area what the map shows (once the map says where it is)."""
        from desk.ui.map.map_settings import org_server

        case = self._window.case
        if case is None or case.read_only:
            return
        if org_server() is None:
            dialogs.show_error(
                self._window, "No organisation tile server",
                "Set up your organisation's own tile server in Edit › Settings… first. desk"
                " saves areas only from it: public providers' usage policies forbid bulk"
                " download.")
            return
        panel = self._window.map_panel
        if panel is not None and panel.view.is_ready:
            size = panel.view.size()
            panel.view.probe(lambda state: self._open_area(state, size.width(),
                                                           size.height()))
        else:
            self._open_area(None, 0, 0)

    def _open_area(self, state: dict[str, Any] | None, width: int, height: int) -> None:
        from desk.mapping.area_download import DownloadError
        from desk.ui.map.area_dialog import AreaDialog, view_area
        from desk.ui.map.map_settings import org_server

        server, case = org_server(), self._window.case
        if server is None or case is None:
            return
        area, zoom = None, 14
        if state and state.get("centre") and width > 0 and height > 0:
            zoom = int(state.get("zoom", 14))
            try:
                lat, lon = state["centre"]
                area = view_area((float(lat), float(lon)), zoom, width, height)
            except DownloadError:
                area = None
        if self.area_dialog is not None:
            self.area_dialog.reject()
        out = Path(case.path).with_name(f"{Path(case.path).stem} area.mbtiles")
        dialog = AreaDialog(server, self._window.jobs, out, area, zoom, self._window)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.saved.connect(lambda path, _report: self.add_pack(path))
        dialog.finished.connect(lambda _result: self._closed(dialog))
        self.area_dialog = dialog
        dialog.show()

    def add_pack(self, path: Path) -> None:
        """Add the saved pack through the window's pack path. An area saved into a pack the
        case already names (extended, or resumed) changes that file: once the new version is
        in the case, the reference to the old one (whose hash no longer matches) goes."""
        from desk.core import commands

        case, packs = self._window.case, self._window.tile_packs
        if case is None:
            return
        where = Path(path).resolve()
        old = [p.id for p in case.tile_packs() if Path(p.path) == where]
        if old:
            def added(_ref: object) -> None:
                over()
                for pack_id in old:
                    self._window.undo_stack.push_command(commands.remove_tile_pack(pack_id))

            def over(*_: object) -> None:
                packs.added.disconnect(added)
                packs.failed.disconnect(over)

            packs.added.connect(added)
            packs.failed.connect(over)
        packs.add(where)

    def _closed(self, dialog: AreaDialog) -> None:
        if self.area_dialog is dialog:
            self.area_dialog = None
