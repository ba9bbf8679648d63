"""File › Save Area for Offline…: an area of the organisation's tile server saved as an
MBTiles pack, then added to the case like any pack.

The area starts as what the map shows; the tile count is worked out as the reviewer edits
the edges and zooms, and Start stays off while the count is over desk's cap or the area
makes no sense (the reason is said). The tiles are fetched on a worker with progress and
Cancel; a cancelled download keeps its tiles, and Start again resumes it.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QDialog,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from desk.mapping.area_download import (
    MAX_LAT,
    Area,
    DownloadError,
    DownloadReport,
    OrgServer,
    check_count,
    check_zooms,
    estimate,
)
from desk.ui.common.fields import chain_tab_order
from desk.ui.common.labels import plain_label

if TYPE_CHECKING:
    from desk.ui.common.workers import Control, Job, Jobs

_ERROR_STYLE = "color: #e06c75;"
PACK_FILTER = "MBTiles packs (*.mbtiles)"


def choose_output(parent: QWidget | None, suggested: str) -> Path | None:
    """Where the pack goes. Tests replace this."""
    name, _ = QFileDialog.getSaveFileName(parent, "Save area as", suggested, PACK_FILTER)
    return Path(name) if name else None


def view_area(centre: tuple[float, float], zoom: float, width: int, height: int) -> Area:
    """The area a Web Mercator map of `width`×`height` pixels shows around `centre`."""
    lat, lon = centre
    world = 256.0 * 2 ** zoom
    cx = (lon + 180.0) / 360.0 * world
    cy = (1 - math.asinh(math.tan(math.radians(max(-MAX_LAT, min(MAX_LAT, lat))))) / math.pi
          ) / 2 * world

    def lat_at(y: float) -> float:
        return math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * y / world))))

    west = max(-180.0, (cx - width / 2) / world * 360.0 - 180.0)
    east = min(180.0, (cx + width / 2) / world * 360.0 - 180.0)
    north = min(MAX_LAT, lat_at(max(0.0, cy - height / 2)))
    south = max(-MAX_LAT, lat_at(min(world, cy + height / 2)))
    return Area(round(south, 6), round(west, 6), round(north, 6), round(east, 6))


class AreaDialog(QDialog):
    """The area, the zooms, the file, the count; Start, progress and Cancel."""

    #: The download ended with a pack worth adding (its path and what was done).
    saved = Signal(object, object)

    def __init__(self, server: OrgServer, jobs: Jobs, out: Path, area: Area | None = None,
                 zoom: int = 14, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Save area for offline")
        self.setObjectName("AreaDialog")
        self.setMinimumWidth(460)
        self._server = server
        self._jobs = jobs
        self.job: Job | None = None
        self.report: DownloadReport | None = None
        layout = QVBoxLayout(self)
        layout.addWidget(plain_label(
            f"Saves tiles of {server.host} (your organisation's server) into a tile pack"
            " that works offline and is added to the case.", wrap=True))
        form = QFormLayout()
        self.edges: dict[str, QDoubleSpinBox] = {}
        for name, low, high in (("north", -MAX_LAT, MAX_LAT), ("south", -MAX_LAT, MAX_LAT),
                                ("west", -180.0, 180.0), ("east", -180.0, 180.0)):
            spin = QDoubleSpinBox()
            spin.setRange(low, high)
            spin.setDecimals(6)
            spin.setSingleStep(0.001)
            spin.setSuffix("°")
            spin.setAccessibleName(f"{name.title()} edge")
            spin.valueChanged.connect(self.update_estimate)
            self.edges[name] = spin
            form.addRow(self._label(f"&{name.title()}", spin), spin)
        zooms = QHBoxLayout()
        self.zoom_from = QSpinBox()
        self.zoom_to = QSpinBox()
        for spin, name in ((self.zoom_from, "Lowest zoom"), (self.zoom_to, "Highest zoom")):
            spin.setRange(0, server.max_zoom)
            spin.setAccessibleName(name)
            spin.valueChanged.connect(self.update_estimate)
        zooms.addWidget(self.zoom_from)
        zooms.addWidget(QLabel("to"))
        zooms.addWidget(self.zoom_to)
        zooms.addStretch(1)
        form.addRow(self._label("&Zoom levels", self.zoom_from), zooms)
        file_row = QHBoxLayout()
        self.out_field = QLineEdit(str(out))
        self.out_field.setAccessibleName("Tile pack file")
        self.choose_button = QPushButton("C&hoose…")
        self.choose_button.clicked.connect(self._choose)
        file_row.addWidget(self.out_field, 1)
        file_row.addWidget(self.choose_button)
        form.addRow(self._label("&File", self.out_field), file_row)
        layout.addLayout(form)
        self.estimate_label = plain_label(wrap=True)
        layout.addWidget(self.estimate_label)
        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.progress.hide()
        layout.addWidget(self.progress)
        self.status = plain_label(wrap=True, selectable=True)
        layout.addWidget(self.status)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self.start_button = QPushButton("Sta&rt")
        self.start_button.setDefault(True)
        self.start_button.clicked.connect(self.start)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.clicked.connect(self._cancel_or_close)
        buttons.addWidget(self.start_button)
        buttons.addWidget(self.cancel_button)
        layout.addLayout(buttons)
        chain_tab_order(*self.edges.values(), self.zoom_from, self.zoom_to, self.out_field,
                        self.choose_button, self.start_button, self.cancel_button)
        if area is not None:
            for name in self.edges:
                self.edges[name].setValue(getattr(area, name))
        high = max(0, min(server.max_zoom, zoom + 3))
        self.zoom_to.setValue(high)
        self.zoom_from.setValue(max(0, min(zoom, high)))
        self.update_estimate()

    @staticmethod
    def _label(text: str, buddy: QWidget) -> QLabel:
        label = QLabel(text)
        label.setBuddy(buddy)
        return label

    def _choose(self) -> None:
        path = choose_output(self, self.out_field.text())
        if path is not None:
            self.out_field.setText(str(path if path.suffix else path.with_suffix(".mbtiles")))

    def area(self) -> Area:
        e = self.edges
        return Area(e["south"].value(), e["west"].value(), e["north"].value(),
                    e["east"].value())

    def count(self) -> int:
        """Tiles the area holds at the chosen zooms; DownloadError if it cannot be saved."""
        low, high = check_zooms(self.zoom_from.value(), self.zoom_to.value(),
                                self._server.max_zoom)
        return check_count(estimate(self.area(), low, high))

    def update_estimate(self) -> None:
        try:
            count = self.count()
        except DownloadError as exc:
            self.estimate_label.setText(str(exc))
            self.estimate_label.setStyleSheet(_ERROR_STYLE)
            self.start_button.setEnabled(False)
            return
        low, high = self.zoom_from.value(), self.zoom_to.value()
        levels = f"zoom {low}" if low == high else f"zooms {low}–{high}"
        self.estimate_label.setText(f"{count:,} tiles at {levels} (tiles already in the file"
                                    " are not fetched again).")
        self.estimate_label.setStyleSheet("")
        self.start_button.setEnabled(self.job is None)

    def start(self) -> None:
        """Fetch the tiles on a worker; the dialog shows progress and Cancel stops it."""
        from desk.ui.common.workers import describe

        if self.job is not None:
            return
        try:
            self.count()
        except DownloadError as exc:
            self.status.setText(str(exc))
            return
        text = self.out_field.text().strip()
        if not text:
            self.status.setText("Choose the file the tiles go in.")
            return
        out = Path(text).expanduser()
        if out.suffix.lower() != ".mbtiles":
            out = out.with_name(out.name + ".mbtiles")
        server, area = self._server, self.area()
        low, high = self.zoom_from.value(), self.zoom_to.value()

        def work(control: Control) -> DownloadReport:
            return download_area_in(server, area, low, high, out, control)

        def reason(exc: BaseException) -> str:
            return str(exc) if isinstance(exc, DownloadError) else describe(exc)

        self.job = self._jobs.run(work, name="save area for offline", describe=reason)
        self.job.progressed.connect(self._progressed)
        self.job.succeeded.connect(lambda report: self._done(report, out))
        self.job.failed.connect(self._failed)
        self.job.finished.connect(self._over)
        self.progress.setValue(0)
        self.progress.show()
        self.status.setText(f"Saving tiles of {server.host}…")
        self.start_button.setEnabled(False)
        self.cancel_button.setText("Stop")
        for widget in self._inputs():
            widget.setEnabled(False)

    def _inputs(self) -> list[QWidget]:
        return [*self.edges.values(), self.zoom_from, self.zoom_to, self.out_field,
                self.choose_button]

    def _progressed(self, done: int, total: int, _detail: object) -> None:
        self.progress.setValue(int(1000 * done / total) if total else 1000)
        self.status.setText(f"{done:,} of {total:,} tiles…")

    def _done(self, report: DownloadReport, out: Path) -> None:
        self.report = report
        self.status.setText(report.summary())
        if report.cancelled:
            return
        if report.saved + report.already == 0:
            self.status.setText(report.summary() + " The server had no tiles here; nothing"
                                " was added to the case.")
            return
        self.saved.emit(out, report)

    def _failed(self, message: str) -> None:
        self.status.setText(message)

    def _over(self) -> None:
        self.job = None
        self.cancel_button.setText("Close")
        for widget in self._inputs():
            widget.setEnabled(True)
        self.update_estimate()
        if self.report is not None and self.report.cancelled:
            self.start_button.setText("&Resume")

    def _cancel_or_close(self) -> None:
        if self.job is not None:
            self.job.cancel()
            self.status.setText("Stopping; the tiles saved so far are kept…")
            return
        self.reject()

    def reject(self) -> None:
        if self.job is not None:  # closing stops the download; its tiles stay in the file
            self.job.cancel()
        super().reject()


def download_area_in(server: OrgServer, area: Area, low: int, high: int, out: Path,
                     control: Control) -> DownloadReport:
    """The download as a job's work: progress and cancel through its control."""
    from desk.mapping.area_download import download_area

    return download_area(server, area, low, high, out,
                         progress=lambda done, total: control.progress(done, total),
                         cancelled=control.cancelled)
