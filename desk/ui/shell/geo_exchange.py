"""File ▸ Export map data… and File ▸ Import landmarks from KML/GeoJSON…, for the window.

Both read or write files on a worker (a 50 MB file must not freeze the window); the case is
changed only on the GUI thread, through the undo stack, so one Edit ▸ Undo removes a whole
import. What happened is said in the status bar; a file that cannot be used is a dialog in
words (desk.core.geo_import says why). The core does the work: desk.core.geo_export and
desk.core.geo_import, the same as `desk geo-export` and `desk geo-import`.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QFileDialog, QWidget

from desk.ui.common import dialogs
from desk.ui.common.workers import on_case

if TYPE_CHECKING:
    from desk.core.casefile import CaseFile
    from desk.core.geo_export import ExportResult
    from desk.core.geo_import import FileRead
    from desk.ui.shell.main_window import MainWindow

KML_FILTER = "KML for Google Earth (*.kml)"
GEOJSON_FILTER = "GeoJSON for QGIS and web maps (*.geojson)"
IMPORT_FILTER = "Map data (*.kml *.kmz *.geojson *.json);;All files (*)"
_SUFFIX = {"kml": ".kml", "geojson": ".geojson"}
#: How long the outcome stays in the status bar (ms): long enough to read a count or two.
STATUS_MS = 15_000


def choose_export_file(parent: QWidget | None, folder: str, stem: str
                       ) -> tuple[Path, str] | None:
    """Where to write and in which format ("kml" or "geojson"), chosen by the dialog's filter.

    A name that ends in the other format's suffix is written in that format (the name is what
    the reviewer reads later); a name with neither suffix gets the filter's. The dialog asks
    before it replaces a file. Tests replace this function.
    """
    name, chosen = QFileDialog.getSaveFileName(
        parent, "Export map data", str(Path(folder) / f"{stem}.kml"),
        f"{KML_FILTER};;{GEOJSON_FILTER}")
    if not name:
        return None
    return export_target(Path(name), chosen)


def export_target(path: Path, chosen_filter: str) -> tuple[Path, str]:
    from desk.core.geo_export import format_for

    fmt = format_for(path)
    if fmt is None:
        fmt = "geojson" if chosen_filter == GEOJSON_FILTER else "kml"
        path = path.with_name(path.name + _SUFFIX[fmt])
    return path, fmt


def choose_import_file(parent: QWidget | None, folder: str) -> Path | None:
    """The KML, KMZ or GeoJSON file whose points become landmarks. Tests replace this."""
    name, _ = QFileDialog.getOpenFileName(parent, "Import landmarks from KML/GeoJSON", folder,
                                          IMPORT_FILTER)
    return Path(name) if name else None


class GeoExchange(QObject):
    """The two File menu actions and what they do; owned by the window."""

    #: An export was written (the core's ExportResult).
    exported = Signal(object)
    #: An import was read and applied, or found nothing new (the core's ImportPlan).
    imported = Signal(object)
    #: Either could not be done; the message is the one the reviewer was shown.
    failed = Signal(str)

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self._window = window
        self.export_action = QAction("Export map data…", window)
        self.export_action.setStatusTip("Write camera positions, view cones, landmarks and"
                                        " movement tracks as KML or GeoJSON")
        self.export_action.triggered.connect(self.choose_and_export)
        self.import_action = QAction("Import landmarks from KML/GeoJSON…", window)
        self.import_action.setStatusTip("Add the points of a KML, KMZ or GeoJSON file as"
                                        " landmarks (one undo removes them)")
        self.import_action.triggered.connect(self.choose_and_import)
        window.caseOpened.connect(self._update_enabled)
        window.caseClosed.connect(self._update_enabled)
        self._update_enabled()

    def actions(self) -> list[QAction]:
        return [self.export_action, self.import_action]

    def _update_enabled(self, *_: object) -> None:
        case = self._window.case
        self.export_action.setEnabled(case is not None)
        self.import_action.setEnabled(case is not None and not case.read_only)

    def _folder(self, case: CaseFile) -> str:
        return str(case.path.parent)

    def _say(self, text: str) -> None:
        self._window.statusBar().showMessage(text, STATUS_MS)

    def _fail(self, title: str, message: str) -> None:
        self._window.statusBar().clearMessage()
        dialogs.show_error(self._window, title, message)
        self.failed.emit(message)

    # ----------------------------------------------------------------- export

    def choose_and_export(self) -> None:
        case = self._window.case
        if case is None:
            return
        stem = case.path.stem + "-map"
        target = choose_export_file(self._window, self._folder(case), stem)
        if target is not None:
            self.export_to(*target)

    def export_to(self, path: Path, fmt: str) -> None:
        """Write the open case's map data to `path` (the dialog asked before replacing)."""
        from desk.core.geo_export import export_map

        case = self._window.case
        if case is None:
            return
        self._window.inspector.commit_pending()
        job = self._window.jobs.run(
            on_case(case.path, lambda c, _control: export_map(c, fmt, path, replace=True),
                    read_only=True), name="export map data")
        job.succeeded.connect(self._exported)
        job.failed.connect(lambda message: self._fail("Map data not exported", message))
        self._say(f"Exporting map data to {path.name}…")

    def _exported(self, result: ExportResult) -> None:
        from desk.core.geo_export import counts_text

        text = f"Exported map data to {result.path.name}: {counts_text(result.counts)}"
        if result.arrows_without_track:
            n = result.arrows_without_track
            text += (f"; {n} arrow{'s' if n != 1 else ''} without a track on the map"
                     " left out")
        self._say(text + ".")
        self.exported.emit(result)

    # ----------------------------------------------------------------- import

    def choose_and_import(self) -> None:
        case = self._window.case
        if case is None or case.read_only:
            return
        path = choose_import_file(self._window, self._folder(case))
        if path is not None:
            self.import_from(path)

    def import_from(self, path: Path) -> None:
        """Read `path` on a worker, then add its new points through the undo stack."""
        from desk.core.geo_import import read_file

        if self._window.case is None:
            return
        case_path = self._window.case.path
        job = self._window.jobs.run(lambda _control: read_file(path), name="read map data")
        job.succeeded.connect(lambda read: self._read(read, case_path))
        job.failed.connect(lambda message: self._fail("Landmarks not imported", message))
        self._say(f"Reading {path.name}…")

    def _read(self, read: FileRead, case_path: Path) -> None:
        from desk.core.casefile import CaseFileError
        from desk.core.geo_import import plan_landmarks

        case = self._window.case
        if case is None or case.path != case_path or case.read_only:
            self._fail("Landmarks not imported", "The case was closed before the file was"
                       " read; nothing was imported.")
            return
        try:
            plan = plan_landmarks(case, read)
        except CaseFileError as exc:
            self._fail("Landmarks not imported", str(exc))
            return
        if plan.command is not None and not self._window.undo_stack.push_command(plan.command):
            self._window.statusBar().clearMessage()
            self.failed.emit("refused")  # the stack's `failed` has told the reviewer why
            return
        self._say(plan.summary() + (" Edit › Undo removes them." if plan.imported else ""))
        self.imported.emit(plan)
