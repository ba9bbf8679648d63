"""Placing a reference overlay: the reviewer picks a still of the case, clicks a spot on it and
the same spot on the map, three times or more, and sees where the image lands and how well
each pair agrees with the others before placing it.

The dialog holds its own map (the case's layers, packs and cache of tiles seen, shared with
the window's map) beside the image. Nothing is saved until Place: then one core command
(place, or adjust and restyle) goes through the window's undo stack, so the placement is
undoable and recorded in the custody log. The fit is the core's (desk.core.overlay_fit);
residuals are shown in ground metres and in pixels of the image. Names from the case are plain
text throughout.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QPoint, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import (
    QBrush,
    QColor,
    QImage,
    QKeySequence,
    QMouseEvent,
    QPainter,
    QPen,
    QPixmap,
    QShortcut,
    QWheelEvent,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QFormLayout,
    QFrame,
    QGraphicsEllipseItem,
    QGraphicsItem,
    QGraphicsPixmapItem,
    QGraphicsScene,
    QGraphicsSimpleTextItem,
    QGraphicsView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSlider,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desk.core import commands
from desk.core.overlay_fit import Placement, PlacementError, PointPair, fit
from desk.ui.common.labels import plain_label
from desk.ui.common.workers import Job, Jobs
from desk.ui.map.case_imagery import OverlayImageError, OverlayPicture, display_copy
from desk.ui.map.map_view import MapView

if TYPE_CHECKING:
    from desk.core.casefile import CaseFile
    from desk.core.commands import Command
    from desk.core.imagery import ReferenceOverlay
    from desk.mapping.layers import BaseLayer
    from desk.mapping.tile_cache import TileCache
    from desk.mapping.tilepacks import TilePack

#: Formats of stills that can be laid over the map.
STILL_FORMATS = frozenset({"jpeg", "png", "webp", "tiff", "heic"})
#: A press and release this close together on the image is a click (farther is a pan).
CLICK_SLOP_PX = 4
_PAIR_COLOUR = QColor("#ff4fa3")
_PENDING_COLOUR = QColor("#ffe066")
_ERROR_STYLE = "color: #e06c75;"
_DIM_STYLE = "color: #9aa3ae;"


@dataclass(frozen=True)
class MapSetup:
    """What the dialog's map shares with the window's: layers, packs, the cache, offline."""

    base_layers: tuple[BaseLayer, ...]
    packs: dict[str, TilePack]
    pack_layers: tuple[BaseLayer, ...]
    tile_cache: TileCache | None = None
    offline: bool = False
    scene: dict[str, Any] | None = None
    #: Where the window's map was: (lat, lon, zoom).
    view_at: tuple[float, float, int] | None = None


def stills(case: CaseFile) -> list[tuple[int, str]]:
    """(evidence id, name) of the case's stills that can be laid over the map."""
    return [(e.id, e.name) for e in case.list_evidence()
            if e.format.lower() in STILL_FORMATS and e.width > 0 and e.height > 0]


def residual_pixels(placement: Placement, pair: PointPair, residual_m: float) -> float:
    """A pair's residual in pixels of the image (ground metres over the image's scale there)."""
    ground_per_pixel = placement.metres_per_pixel * math.cos(math.radians(pair.lat))
    return residual_m / ground_per_pixel if ground_per_pixel > 0 else 0.0


def _decode(data: bytes) -> tuple[QImage, OverlayPicture | str]:
    """The still at full size for clicking, and its display copy for the map (worker)."""
    from desk.ui.frame.frame_view import decode_image

    image, error = decode_image(data)
    if image.isNull():
        return image, f"its pixels could not be decoded ({error})"
    try:
        picture: OverlayPicture | str = display_copy(data)
    except OverlayImageError as exc:
        picture = str(exc)
    return image, picture


class PairImageView(QGraphicsView):
    """The still, with the point pairs numbered on it: a click marks an image point, a drag
    pans, the wheel zooms under the cursor."""

    pointClicked = Signal(float, float)  # noqa: N815 - image pixels from the top-left corner

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("OverlayImageView")
        self._scene = QGraphicsScene(self)
        self.setScene(self._scene)
        self._image = QGraphicsPixmapItem()
        self._image.setTransformationMode(Qt.TransformationMode.SmoothTransformation)
        self._scene.addItem(self._image)
        self._marks: list[QGraphicsItem] = []
        self._press: QPoint | None = None
        self.setDragMode(QGraphicsView.DragMode.ScrollHandDrag)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        self.setRenderHints(QPainter.RenderHint.SmoothPixmapTransform
                            | QPainter.RenderHint.Antialiasing)
        self.setBackgroundBrush(QColor("#1d2025"))
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.viewport().setCursor(Qt.CursorShape.CrossCursor)

    def set_image(self, image: QImage) -> None:
        self._image.setPixmap(QPixmap.fromImage(image))
        self._scene.setSceneRect(QRectF(0, 0, image.width(), image.height()))
        self.fit()

    def image_size(self) -> tuple[int, int]:
        pixmap = self._image.pixmap()
        return pixmap.width(), pixmap.height()

    def fit(self) -> None:
        if not self._image.pixmap().isNull():
            self.fitInView(self._scene.sceneRect(), Qt.AspectRatioMode.KeepAspectRatio)

    def view_point_of(self, x: float, y: float) -> QPoint:
        """Where an image point is in the viewport (tests click like a reviewer)."""
        point: QPoint = self.mapFromScene(QPointF(x, y))
        return point

    def set_marks(self, points: Sequence[tuple[int, float, float]],
                  pending: tuple[float, float] | None) -> None:
        """Numbered rings at the pairs' image points; the point awaiting its map match in
        yellow. Marks keep their size on screen at any zoom."""
        for item in self._marks:
            self._scene.removeItem(item)
        self._marks = []
        marks = [(n, x, y, _PAIR_COLOUR) for n, x, y in points]
        if pending is not None:
            marks.append((len(points) + 1, pending[0], pending[1], _PENDING_COLOUR))
        for n, x, y, colour in marks:
            ring = QGraphicsEllipseItem(-7, -7, 14, 14)
            ring.setPen(QPen(QColor("#ffffff"), 2))
            ring.setBrush(QBrush(colour))
            ring.setPos(x, y)
            ring.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations)
            ring.setZValue(10)
            text = QGraphicsSimpleTextItem(str(n), ring)
            text.setBrush(QBrush(QColor("#1d2025")))
            text.setPos(9, -18)
            halo = QGraphicsSimpleTextItem(str(n), ring)  # white under the number: any image
            halo.setBrush(QBrush(QColor("#ffffff")))
            halo.setPos(10, -17)
            halo.setZValue(-1)
            self._scene.addItem(ring)
            self._marks.append(ring)

    def wheelEvent(self, event: QWheelEvent) -> None:  # noqa: N802 - Qt's name
        factor = 1.25 if event.angleDelta().y() > 0 else 0.8
        self.scale(factor, factor)

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        if event.button() == Qt.MouseButton.LeftButton:
            self._press = event.position().toPoint()
        super().mousePressEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        super().mouseReleaseEvent(event)
        press, self._press = self._press, None
        if event.button() != Qt.MouseButton.LeftButton or press is None:
            return
        at = event.position().toPoint()
        if (at - press).manhattanLength() > CLICK_SLOP_PX or self._image.pixmap().isNull():
            return
        point = self.mapToScene(at)
        width, height = self.image_size()
        if 0 <= point.x() <= width and 0 <= point.y() <= height:
            self.pointClicked.emit(round(point.x(), 2), round(point.y(), 2))


class PlacementDialog(QDialog):
    """Place a still over the map (or adjust an overlay's placement) by point pairs."""

    #: The placement went to the undo stack.
    placed = Signal()

    def __init__(self, case: CaseFile, push: Callable[[Command], object], setup: MapSetup,
                 overlay: ReferenceOverlay | None = None, parent: QWidget | None = None
                 ) -> None:
        super().__init__(parent)
        self.setObjectName("OverlayPlacementDialog")
        self._case = case
        self._push = push
        self._overlay = overlay
        self.pairs: list[tuple[float, float, float, float]] = (
            [tuple(p) for p in overlay.pairs] if overlay is not None else [])  # type: ignore[misc]
        self.pending: tuple[float, float] | None = None
        self.placement: Placement | None = None
        self._picture: OverlayPicture | str | None = None
        self._evidence_id: int | None = None
        self._token = 0
        self._closed = False
        #: Adjusting: the dialog's map opens on the pairs already placed.
        self._fit_pairs = overlay is not None
        self._jobs = Jobs(self, max_threads=1)
        self.setWindowTitle("Adjust overlay placement" if overlay else "Place reference overlay")
        self.resize(1240, 780)

        layout = QVBoxLayout(self)
        top = QFormLayout()
        self.image_combo = QComboBox()
        self.image_combo.setMinimumContentsLength(28)
        for evidence_id, name in stills(case):
            self.image_combo.addItem(name, evidence_id)  # plain text: a combo reads no markup
        self.image_combo.currentIndexChanged.connect(self._image_chosen)
        top.addRow("Image", self.image_combo)
        self.label_field = QLineEdit(overlay.label if overlay else "")
        self.label_field.setPlaceholderText("What it is, e.g. drone still of 2020 (optional)")
        self.label_field.setMaxLength(200)
        if overlay is not None:
            self.label_field.setEnabled(False)  # a placed overlay's name stays as recorded
        top.addRow("Name", self.label_field)
        layout.addLayout(top)

        self.step_label = plain_label()
        self.step_label.setStyleSheet("font-weight: bold;")
        layout.addWidget(self.step_label)

        self.image_view = PairImageView()
        self.image_view.pointClicked.connect(self.add_image_point)
        self.map = MapView(base_layers=setup.base_layers, tile_cache=setup.tile_cache)
        self.map.set_packs(setup.packs, setup.pack_layers)
        self.map.set_offline(setup.offline)
        self.map.events.clicked.connect(self.add_map_point)
        self.map.setMinimumSize(360, 300)
        self.image_view.setMinimumSize(360, 300)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(self._titled("On the image: click a spot, drag to pan, wheel"
                                             " to zoom", self.image_view))
        self.splitter.addWidget(self._titled("On the map: click the same spot", self.map))
        self.splitter.setChildrenCollapsible(False)
        layout.addWidget(self.splitter, 1)

        self.table = QTableWidget(0, 4)
        self.table.setHorizontalHeaderLabels(["Pair", "On the image (px)", "On the map",
                                              "Residual"])
        self.table.verticalHeader().setVisible(False)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        self.table.setMaximumHeight(170)
        self.table.itemSelectionChanged.connect(self._update_buttons)
        delete_key = QShortcut(QKeySequence(QKeySequence.StandardKey.Delete), self.table)
        delete_key.setContext(Qt.ShortcutContext.WidgetShortcut)
        delete_key.activated.connect(self.delete_selected_pair)
        layout.addWidget(self.table)

        self.fit_label = plain_label()
        self.fit_label.setStyleSheet(_DIM_STYLE)
        layout.addWidget(self.fit_label)
        self.message = plain_label()
        self.message.setStyleSheet(_ERROR_STYLE)
        self.message.hide()
        layout.addWidget(self.message)

        buttons = QHBoxLayout()
        self.delete_button = QPushButton("Delete pair")
        self.delete_button.setToolTip("Delete the selected pair (Delete)")
        self.delete_button.clicked.connect(self.delete_selected_pair)
        buttons.addWidget(self.delete_button)
        buttons.addSpacing(16)
        buttons.addWidget(QLabel("Opacity"))
        self.opacity_slider = QSlider(Qt.Orientation.Horizontal)
        self.opacity_slider.setRange(5, 100)
        self.opacity_slider.setValue(round(100 * (overlay.opacity if overlay else 0.7)))
        self.opacity_slider.setMaximumWidth(220)
        self.opacity_slider.valueChanged.connect(self._opacity_changed)
        self.opacity_label = QLabel()
        buttons.addWidget(self.opacity_slider)
        buttons.addWidget(self.opacity_label)
        buttons.addStretch(1)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.clicked.connect(self.reject)
        self.place_button = QPushButton("Save placement" if overlay else "Place overlay")
        self.place_button.setDefault(True)
        self.place_button.clicked.connect(self.place)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.place_button)
        layout.addLayout(buttons)
        self._opacity_changed(self.opacity_slider.value())

        scene = dict(setup.scene) if setup.scene is not None else {
            "points": {"id": [], "lat": [], "lon": [], "kind": [], "heading": []},
            "names": {}, "landmarks": [], "movements": [], "selected": None, "bounds": None}
        self.map.show_scene(scene)
        self.map.set_mode("pick")  # every click is a position, even on top of a point
        if setup.view_at is not None:
            self.map.call("setView", *setup.view_at)
        if overlay is not None:
            index = self.image_combo.findData(overlay.evidence_id)
            self.image_combo.setEnabled(False)
            if index < 0:  # the still is not one desk can lay over the map any more
                self.image_combo.addItem(f"evidence {overlay.evidence_id}",
                                         overlay.evidence_id)
                index = self.image_combo.count() - 1
            self.image_combo.setCurrentIndex(index)
        self._image_chosen()

    @staticmethod
    def _titled(title: str, widget: QWidget) -> QWidget:
        box = QWidget()
        column = QVBoxLayout(box)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(2)
        label = QLabel(title)
        label.setStyleSheet(_DIM_STYLE)
        column.addWidget(label)
        column.addWidget(widget, 1)
        return box

    # ----------------------------------------------------------------- the image

    @property
    def evidence_id(self) -> int | None:
        return self._evidence_id

    @property
    def image_ready(self) -> bool:
        return self._picture is not None

    def _image_chosen(self, *_: object) -> None:
        data = self.image_combo.currentData()
        evidence_id = int(data) if isinstance(data, int) else None
        if evidence_id == self._evidence_id and self._picture is not None:
            return
        if self._overlay is None:
            self.pairs = []  # pairs belong to one image
        self.pending = None
        self._evidence_id = evidence_id
        self._picture = None
        self._token += 1
        self.image_view.set_image(QImage())
        if evidence_id is None:
            self._say("The case has no still to lay over the map: import one first.")
            self._update()
            return
        try:
            original = self._case.original(evidence_id)
        except KeyError:
            self._say("The original of this item is missing from the case file.")
            self._update()
            return
        token = self._token
        self.step_label.setText("Reading the image…")
        job = Job(lambda _control: _decode(original), name="overlay image")
        job.succeeded.connect(lambda result: self._decoded(token, *result))
        job.failed.connect(lambda message: self._decoded(token, QImage(), message))
        self._jobs.start(job)
        self._update()

    def _decoded(self, token: int, image: QImage, picture: OverlayPicture | str) -> None:
        if token != self._token:
            return  # another image was chosen meanwhile
        if image.isNull() or isinstance(picture, str):
            self._picture = str(picture) if isinstance(picture, str) else "unreadable"
            self._say(f"This image cannot be laid over the map: {self._picture}.")
            self._update()
            return
        self._picture = picture
        self.image_view.set_image(image)
        self._update()

    # ----------------------------------------------------------------- pairs

    def add_image_point(self, x: float, y: float) -> None:
        """A click on the image: the next pair's image point (a second click replaces it)."""
        if not isinstance(self._picture, OverlayPicture):
            return
        self.pending = (float(x), float(y))
        self._say("")
        self._update()

    def add_map_point(self, lat: float, lon: float) -> None:
        """A click on the map: the match of the image point just clicked."""
        if self.pending is None:
            if isinstance(self._picture, OverlayPicture):
                self._say("Click a spot on the image first, then the same spot on the map.")
            return
        x, y = self.pending
        self.pending = None
        self.pairs.append((x, y, round(lat, 8), round(lon, 8)))
        self._say("")
        self._update()
        self.table.scrollToBottom()

    def delete_pair(self, index: int) -> None:
        if 0 <= index < len(self.pairs):
            del self.pairs[index]
            self._update()

    def delete_selected_pair(self) -> None:
        rows = self.table.selectionModel().selectedRows()
        if rows:
            self.delete_pair(rows[0].row())
        elif self.pending is not None:  # nothing selected: forget the unmatched image point
            self.pending = None
            self._update()

    def _say(self, text: str) -> None:
        self.message.setText(text)
        self.message.setVisible(bool(text))

    def _update(self) -> None:
        """Fit what there is, and show it: table, marks on both sides, the preview."""
        points = [PointPair(*pair) for pair in self.pairs]
        self.placement = None
        problem = ""
        if len(points) >= 3:
            try:
                self.placement = fit(points)
            except PlacementError as exc:
                problem = str(exc)
        residuals = self.placement.residuals_m if self.placement else ()
        worst = (max(range(len(residuals)), key=residuals.__getitem__)
                 if len(residuals) > 3 else None)
        self.table.setRowCount(len(points))
        for row, pair in enumerate(points):
            texts = [str(row + 1), f"{pair.x:.1f}, {pair.y:.1f}",
                     f"{pair.lat:.6f}, {pair.lon:.6f}", "—"]
            if self.placement is not None:
                metres = residuals[row]
                pixels = residual_pixels(self.placement, pair, metres)
                texts[3] = f"{metres:.2f} m · {pixels:.1f} px"
                if row == worst:
                    texts[3] += "  (worst)"
            for column, text in enumerate(texts):
                item = QTableWidgetItem(text)
                if row == worst:
                    item.setForeground(QBrush(QColor("#e06c75")))
                self.table.setItem(row, column, item)
        if self.placement is not None and len(points) == 3:
            summary = ("Three pairs always fit exactly: add a fourth to see how well they"
                       " agree.")
        elif self.placement is not None and worst is not None:
            metres = residuals[worst]
            summary = (f"Worst pair: {worst + 1}, {metres:.2f} m on the ground"
                       f" ({residual_pixels(self.placement, points[worst], metres):.1f} px"
                       " on the image). Delete a careless pair and click it again.")
        else:
            summary = problem and f"Not placed yet: {problem}."
        self.fit_label.setText(summary)
        self.fit_label.setStyleSheet(_ERROR_STYLE if problem else _DIM_STYLE)
        self.step_label.setText(self._step_text())
        self.image_view.set_marks([(i + 1, p.x, p.y) for i, p in enumerate(points)],
                                  self.pending)
        marks = []
        for i, pair in enumerate(points):
            mark: dict[str, Any] = {"n": i + 1, "at": [pair.lat, pair.lon], "worst": i == worst}
            if self.placement is not None and len(points) > 3:
                mark["fitted"] = list(self.placement.to_map(pair.x, pair.y))
            marks.append(mark)
        self.map.call("showPairs", marks, self._fit_pairs and bool(marks))
        if marks:
            self._fit_pairs = False
        self.map.set_overlays(self._preview())
        self._update_buttons()

    def _step_text(self) -> str:
        if not isinstance(self._picture, OverlayPicture):
            return "Reading the image…" if self._picture is None else "Choose another image."
        n = len(self.pairs) + 1
        if self.pending is not None:
            return f"Pair {n}: now click the same spot on the map."
        if len(self.pairs) < 3:
            return (f"Pair {n} of at least 3: click a spot on the image you can also find on"
                    " the map (a corner, a crossing, a lone tree), spread over the image.")
        return ("Placed as shown on the map. Add more pairs to check it, or place it.")

    def _preview(self) -> list[dict[str, Any]]:
        picture = self._picture
        if self.placement is None or not isinstance(picture, OverlayPicture):
            return []
        corners = self.placement.corners(picture.width, picture.height)
        return [{"id": 0, "src": picture.src, "width": picture.width, "height": picture.height,
                 "opacity": self.opacity, "corners": [list(c) for c in corners]}]

    def _update_buttons(self) -> None:
        self.place_button.setEnabled(self.placement is not None)
        self.delete_button.setEnabled(bool(self.table.selectionModel().selectedRows())
                                      or self.pending is not None)

    @property
    def opacity(self) -> float:
        return int(self.opacity_slider.value()) / 100

    def _opacity_changed(self, value: int) -> None:
        self.opacity_label.setText(f"{value} %")
        if hasattr(self, "map") and self.placement is not None:
            self.map.set_overlay_opacity(0, value / 100)

    # ----------------------------------------------------------------- placing

    def place(self) -> None:
        """Send the placement to the undo stack as one core command, and close."""
        if self.placement is None or self._evidence_id is None:
            return
        try:
            command = self._command()
        except commands.CommandError as exc:
            self._say(str(exc))
            return
        if command is not None:
            self._push(command)
        self.placed.emit()
        self.accept()

    def _command(self) -> Command | None:
        overlay = self._overlay
        pairs = [list(p) for p in self.pairs]
        if overlay is None:
            assert self._evidence_id is not None
            return commands.place_overlay(self._case, self._evidence_id, pairs, self.opacity,
                                          " ".join(self.label_field.text().split()))
        edits: list[Command] = []
        if [tuple(p) for p in overlay.pairs] != [tuple(p) for p in self.pairs]:
            edits.append(commands.adjust_overlay(overlay.id, pairs))
        if abs(self.opacity - overlay.opacity) > 1e-9:
            edits.append(commands.set_overlay_opacity(overlay.id, self.opacity))
        if not edits:
            return None
        if len(edits) == 1:
            return edits[0]
        return commands.Batch(tuple(edits), commands.ADJUST_OVERLAY.undo_text)

    def done(self, result: int) -> None:
        """Close the dialog's map with it (Qt WebEngine needs its pages closed explicitly)."""
        if not self._closed:
            self._closed = True
            self._token += 1
            self._jobs.shutdown(wait_s=0)
            self.map.dispose()
        super().done(result)
