"""File ▸ Add Tile Pack… and View ▸ Work Offline, for the window.

A pack is read first (an unusable one is refused in words before anything else), then hashed
whole on a worker with progress and Cancel (gigabytes take seconds), then referred to by the
case through the undo stack, so the custody log records its path and SHA-256 and one undo
removes it. Working offline makes the map fetch nothing: it shows the case's packs and the
cache of tiles seen; the choice is kept in the settings.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QSettings, Qt, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QFileDialog, QProgressDialog, QWidget

from desk.ui.common import dialogs

if TYPE_CHECKING:
    from desk.core.imagery import TilePackRef
    from desk.ui.common.workers import Control
    from desk.ui.shell.main_window import MainWindow

PACK_FILTER = "Tile packs (*.mbtiles *.pmtiles);;All files (*)"
OFFLINE_KEY = "map/work_offline"
STATUS_MS = 15_000


def choose_pack(parent: QWidget | None, folder: str) -> Path | None:
    """The MBTiles or PMTiles file to add. Tests replace this."""
    name, _ = QFileDialog.getOpenFileName(parent, "Add tile pack", folder, PACK_FILTER)
    return Path(name) if name else None


def work_offline() -> bool:
    return QSettings().value(OFFLINE_KEY, False, type=bool)  # type: ignore[no-any-return]


class TilePacks(QObject):
    """The two actions and what they do; owned by the window."""

    #: A pack was added to the case (its reference).
    added = Signal(object)
    #: It could not be; the message is the one the reviewer was shown.
    failed = Signal(str)

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self._window = window
        self._progress: QProgressDialog | None = None
        self.add_action = QAction("Add tile pack…", window)
        self.add_action.setStatusTip("Show an MBTiles or PMTiles pack on the map, offline"
                                     " (the case records its path and SHA-256)")
        self.add_action.triggered.connect(self.choose_and_add)
        self.offline_action = QAction("Work offline", window)
        self.offline_action.setCheckable(True)
        self.offline_action.setChecked(work_offline())
        self.offline_action.setStatusTip("Fetch no map tiles: show tile packs and the tiles"
                                         " seen before")
        self.offline_action.toggled.connect(self.set_offline)
        window.caseOpened.connect(self._update_enabled)
        window.caseClosed.connect(self._update_enabled)
        self._update_enabled()

    def _update_enabled(self, *_: object) -> None:
        case = self._window.case
        self.add_action.setEnabled(case is not None and not case.read_only)

    def apply_offline(self) -> None:
        """Give the map the current choice (when it is created, and when it changes)."""
        panel = self._window.map_panel
        if panel is not None:
            panel.view.set_offline(self.offline_action.isChecked())

    def set_offline(self, offline: bool) -> None:
        QSettings().setValue(OFFLINE_KEY, offline)
        self.apply_offline()
        self._window.statusBar().showMessage(
            "Working offline: the map shows tile packs and tiles seen before." if offline
            else "Online: the map fetches tiles it has not seen.", STATUS_MS)

    def choose_and_add(self) -> None:
        case = self._window.case
        if case is None or case.read_only:
            return
        path = choose_pack(self._window, str(case.path.parent))
        if path is not None:
            self.add(path)

    def add(self, path: Path) -> None:
        """Read and hash `path` on a worker, then refer the case to it through the undo stack."""
        from desk.mapping.tilepacks import reference_for

        case = self._window.case
        if case is None:
            return
        case_path = case.path

        def work(control: Control) -> TilePackRef | str:
            """The reference, or why the file is no usable pack (in words)."""
            from desk.core.imagery import PackHashCancelled
            from desk.mapping.tilepacks import TilePackError
            from desk.ui.common.workers import Cancelled

            try:
                return reference_for(path, progress=lambda done, total: control.progress(
                    done, total), cancelled=control.cancelled)
            except TilePackError as exc:
                return str(exc)
            except PackHashCancelled:
                raise Cancelled from None

        job = self._window.jobs.run(work, name="hash tile pack")
        progress = QProgressDialog(f"Reading and hashing {path.name}…", "Cancel", 0, 1000,
                                   self._window)
        progress.setWindowTitle("Add tile pack")
        progress.setWindowModality(Qt.WindowModality.WindowModal)
        progress.setMinimumDuration(400)  # a small pack never shows it
        progress.canceled.connect(job.cancel)
        job.progressed.connect(lambda done, total, _detail: progress.setValue(
            int(1000 * done / total) if total else 0))
        job.finished.connect(progress.close)
        job.succeeded.connect(lambda ref: self._hashed(ref, case_path))
        job.failed.connect(lambda message: self._fail(message))
        self._progress = progress

    def _hashed(self, ref: TilePackRef | str, case_path: Path) -> None:
        from desk.core import commands

        if isinstance(ref, str):
            self._fail(ref)
            return
        case = self._window.case
        if case is None or case.path != case_path or case.read_only:
            self._fail("The case was closed before the pack was read; nothing was added.")
            return
        try:
            command = commands.add_tile_pack(case, ref)
        except commands.CommandError as exc:
            self._fail(str(exc))
            return
        if not self._window.undo_stack.push_command(command):
            self.failed.emit("refused")  # the stack has told the reviewer why
            return
        self._window.statusBar().showMessage(
            f"Added tile pack “{ref.name}” ({ref.format}); Edit › Undo removes it.", STATUS_MS)
        self.added.emit(ref)

    def _fail(self, message: str) -> None:
        dialogs.show_error(self._window, "Tile pack not added", message)
        self.failed.emit(message)
