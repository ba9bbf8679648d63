"""The frame view: one still at full resolution, with zoom, pan and zoom-to-region.

A QGraphicsView, so tools draw scene items over the image in image-pixel coordinates, in
`annotations`: movement arrows, shadows and the horizon (desk/ui/frame/frame_annotations.py).
Originals are decoded on a worker thread; meanwhile the stored thumbnail stands in, scaled to
the original's size, so the reviewer sees the frame at once and nothing jumps when it sharpens.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from PySide6.QtCore import (
    QPoint,
    QPointF,
    QRect,
    QRectF,
    QSize,
    Qt,
    Signal,
)
from PySide6.QtGui import (
    QColor,
    QImage,
    QImageReader,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPixmap,
    QResizeEvent,
    QTransform,
    QWheelEvent,
)
from PySide6.QtWidgets import (
    QFrame,
    QGraphicsItem,
    QGraphicsPixmapItem,
    QGraphicsScene,
    QGraphicsView,
    QLabel,
    QRubberBand,
    QStyleOptionGraphicsItem,
    QWidget,
)

from desk.core.heif import enable_heif
from desk.ui.common import theme
from desk.ui.common.workers import Job, Jobs
from desk.ui.frame.frame_annotations import PAN, TOOLS, FrameAnnotator
from desk.ui.frame.loupe import Loupe

if TYPE_CHECKING:
    from desk.core.casefile import CaseFile
    from desk.core.model import Evidence

MIN_ZOOM = 0.02
MAX_ZOOM = 32.0
STEP = 1.25
#: Originals up to this many megabytes decode in memory (the core caps pixels at 120 MP).
DECODE_LIMIT_MB = 512

log = logging.getLogger(__name__)


class AnnotationLayer(QGraphicsItem):
    """Parent of everything drawn over the image; children use image-pixel coordinates."""

    def __init__(self) -> None:
        super().__init__()
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemHasNoContents)

    def boundingRect(self) -> QRectF:  # noqa: N802
        return QRectF()

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem,
              widget: QWidget | None = None) -> None:
        pass


def decode_image(data: bytes) -> tuple[QImage, str]:
    """Decode an original off the GUI thread (honouring EXIF orientation).

    Pillow does the work and Qt only receives finished pixels: a QImageReader over a
    Python-made QBuffer would call back into Python for the GIL while holding Qt's image
    reader lock, which deadlocks against the GUI thread decoding a thumbnail.
    """
    try:
        return _decode_with_pillow(data), ""
    except Exception as exc:  # noqa: BLE001 - any decoder failure becomes a message
        return QImage(), type(exc).__name__


def _decode_with_pillow(data: bytes) -> QImage:
    import io

    from PIL import Image, ImageOps

    enable_heif()  # a HEIC the decoder cannot read fails below like any unreadable file
    with Image.open(io.BytesIO(data)) as opened:
        image = ImageOps.exif_transpose(opened).convert("RGBA")
    raw = image.tobytes()
    return QImage(raw, image.width, image.height, image.width * 4,
                  QImage.Format.Format_RGBA8888).copy()


class FrameView(QGraphicsView):
    """The selected still: wheel zooms under the cursor, drag pans, Shift+drag zooms to a region."""

    #: The full-resolution image of this evidence id is on screen.
    frameShown = Signal(int)  # noqa: N815
    #: The original of this evidence id could not be decoded (message for the reviewer).
    frameFailed = Signal(int, str)  # noqa: N815
    zoomChanged = Signal(float)  # noqa: N815
    #: The active tool changed ("pan", "movement", "horizon" or "shadow"), e.g. Esc went back
    #: to pan.
    toolChanged = Signal(str)  # noqa: N815

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("FrameView")
        QImageReader.setAllocationLimit(DECODE_LIMIT_MB)
        self.scene_ = QGraphicsScene(self)
        self.setScene(self.scene_)
        self.image_item = QGraphicsPixmapItem()
        self.image_item.setTransformationMode(Qt.TransformationMode.SmoothTransformation)
        self.image_item.setShapeMode(QGraphicsPixmapItem.ShapeMode.BoundingRectShape)
        self.scene_.addItem(self.image_item)
        self.annotations = AnnotationLayer()
        self.annotations.setZValue(10)
        self.scene_.addItem(self.annotations)

        self.setBackgroundBrush(QColor(theme.CANVAS))
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setRenderHints(QPainter.RenderHint.SmoothPixmapTransform |
                            QPainter.RenderHint.Antialiasing)
        self.setDragMode(QGraphicsView.DragMode.ScrollHandDrag)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorViewCenter)
        self.setResizeAnchor(QGraphicsView.ViewportAnchor.AnchorViewCenter)
        self.setViewportUpdateMode(QGraphicsView.ViewportUpdateMode.SmartViewportUpdate)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)

        self._fit = True
        self._zoom = 1.0
        self._evidence_id: int | None = None
        self._token = 0
        self._full = False
        self._message = ""
        self._region_mode = False
        self._band: QRubberBand | None = None
        self._band_origin = QPoint()
        self._tool = PAN
        self.annotator = FrameAnnotator(self)

        # One decode at a time (an original may be 120 MP); moving on cancels one not begun.
        self._decoding = Jobs(self, max_threads=1)
        self._decode: Job | None = None

        self.hud = QLabel(self)
        self.hud.setObjectName("FrameHud")
        self.hud.setStyleSheet(
            f"QLabel#FrameHud {{ background: rgba(18,20,23,200); color: {theme.TEXT_DIM};"
            " border-radius: 4px; padding: 3px 8px; }"
        )
        self.hud.hide()
        self.set_message("")
        self.loupe = Loupe(self)  # L: the original's pixels under the cursor, magnified

    # ----------------------------------------------------------------- showing a frame

    @property
    def evidence_id(self) -> int | None:
        return self._evidence_id

    @property
    def is_full_resolution(self) -> bool:
        return self._full

    def show_evidence(self, case: CaseFile, item: Evidence) -> None:
        """Show the thumbnail now and the original as soon as it is decoded."""
        self._token += 1
        self._evidence_id = item.id
        self._full = False
        self._message = ""
        thumb = case.thumbnail(item.id)
        image = QImage.fromData(thumb) if thumb else QImage()
        if not image.isNull() and item.width > 0 and item.height > 0:
            image = image.scaled(QSize(item.width, item.height),
                                 Qt.AspectRatioMode.KeepAspectRatio,
                                 Qt.TransformationMode.SmoothTransformation)
        self._set_image(QPixmap.fromImage(image) if not image.isNull() else QPixmap(), reset=True)
        self.annotator.load(case, item.id)
        try:
            data = case.original(item.id)
        except KeyError:
            self._fail("The original of this item is missing from the case file.")
            return
        self._update_hud()
        if self._decode is not None:
            self._decode.cancel()
        token = self._token
        job = Job(lambda _control: decode_image(data), name="decode")
        job.succeeded.connect(lambda decoded: self._on_decoded(token, *decoded))
        self._decode = self._decoding.start(job)

    def clear(self, message: str = "") -> None:
        self._token += 1
        self._evidence_id = None
        self._full = False
        self._set_image(QPixmap(), reset=True)
        self.annotator.load(None, None)
        self.set_message(message)

    def set_message(self, message: str) -> None:
        """Text shown in place of a frame (nothing selected, an empty case...)."""
        self._message = message
        self._update_hud()
        self.viewport().update()

    def _on_decoded(self, token: int, image: QImage, error: str) -> None:
        if token != self._token or self._evidence_id is None:
            return  # the reviewer has moved on to another item
        if image.isNull():
            log.warning("could not decode evidence %s: %s", self._evidence_id, error)
            self._fail("This image could not be displayed: its pixels could not be decoded."
                       " Its metadata and hash are still shown in the inspector.")
            return
        self._set_image(QPixmap.fromImage(image), reset=False)
        self._full = True
        self._update_hud()
        self.frameShown.emit(self._evidence_id)

    def _fail(self, message: str) -> None:
        eid = self._evidence_id
        self._set_image(QPixmap(), reset=True)
        self.set_message(message)
        if eid is not None:
            self.frameFailed.emit(eid, message)

    def _set_image(self, pixmap: QPixmap, reset: bool) -> None:
        old = self.image_item.pixmap().size()
        self.image_item.setPixmap(pixmap)
        self.scene_.setSceneRect(QRectF(pixmap.rect()))
        if reset or pixmap.size() != old:
            self.fit() if self._fit or reset else self._apply_zoom(self._zoom)
        if pixmap.size() != old:
            self.annotator.relayout()  # annotations are stored normalized: place them anew
        self.viewport().update()

    def shutdown(self) -> None:
        """Stop decoding; called when the window closes (a decode in flight ends unheard)."""
        self._token += 1
        self._decode = None
        self._decoding.shutdown(wait_s=0)

    # ----------------------------------------------------------------- image geometry

    def image_size(self) -> QSize:
        return self.image_item.pixmap().size()

    def to_normalized(self, point: QPointF) -> QPointF:
        """Scene (image pixel) point to 0..1 image coordinates, the form the case stores."""
        size = self.image_size()
        if size.isEmpty():
            return QPointF()
        return QPointF(point.x() / size.width(), point.y() / size.height())

    def from_normalized(self, x: float, y: float) -> QPointF:
        size = self.image_size()
        return QPointF(x * size.width(), y * size.height())

    # ----------------------------------------------------------------- zoom

    @property
    def zoom(self) -> float:
        """Screen pixels per image pixel (1.0 is actual size)."""
        return self._zoom

    @property
    def fitting(self) -> bool:
        return self._fit

    def fit(self) -> None:
        self._fit = True
        size = self.image_size()
        if size.isEmpty():
            self._apply_zoom(1.0)
            return
        view = self.viewport().rect().adjusted(12, 12, -12, -12)
        scale = min(view.width() / size.width(), view.height() / size.height())
        self._apply_zoom(max(MIN_ZOOM, min(scale, MAX_ZOOM)))
        self.centerOn(self.image_item)

    def actual_size(self) -> None:
        self._fit = False
        self._apply_zoom(1.0)

    def zoom_in(self) -> None:
        self.zoom_by(STEP)

    def zoom_out(self) -> None:
        self.zoom_by(1 / STEP)

    def zoom_by(self, factor: float) -> None:
        self._fit = False
        self._apply_zoom(self._zoom * factor)

    def zoom_to(self, scene_rect: QRectF) -> None:
        """Fill the view with a region of the image (the rubber band's result)."""
        rect = scene_rect.intersected(self.sceneRect())
        if rect.width() < 2 or rect.height() < 2:
            return
        self._fit = False
        view = self.viewport().rect()
        scale = min(view.width() / rect.width(), view.height() / rect.height())
        self._apply_zoom(scale)
        self.centerOn(rect.center())

    def _apply_zoom(self, zoom: float) -> None:
        self._zoom = max(MIN_ZOOM, min(zoom, MAX_ZOOM))
        self.setTransform(QTransform.fromScale(self._zoom, self._zoom))
        self.annotator.set_scale(self._zoom)
        self._update_hud()
        self.zoomChanged.emit(self._zoom)

    def set_region_mode(self, on: bool) -> None:
        """When on, a plain drag draws the region to zoom to (Shift+drag does so any time)."""
        self._region_mode = on
        self._update_drag_mode()

    # ----------------------------------------------------------------- tools

    @property
    def tool(self) -> str:
        return self._tool

    def set_tool(self, tool: str) -> None:
        """Pan and select (drag pans, a click selects an arrow, a shadow or the horizon), draw
        movement arrows, mark the horizon, or draw shadows."""
        tool = tool if tool in TOOLS else PAN
        changed = tool != self._tool
        self._tool = tool
        self.annotator.set_tool(tool)
        self._update_drag_mode()
        if changed:
            self.toolChanged.emit(tool)

    def _update_drag_mode(self) -> None:
        drawing = self._region_mode or self._tool != PAN
        self.setDragMode(QGraphicsView.DragMode.NoDrag if drawing
                         else QGraphicsView.DragMode.ScrollHandDrag)
        self.viewport().setCursor(Qt.CursorShape.CrossCursor if drawing
                                  else Qt.CursorShape.OpenHandCursor)

    # ----------------------------------------------------------------- events

    def wheelEvent(self, event: QWheelEvent) -> None:  # noqa: N802
        delta = event.angleDelta().y()
        if not delta or self.image_size().isEmpty():
            return
        # Keep the image point under the cursor where it is (Qt's AnchorUnderMouse follows the
        # global cursor, which is not where a trackpad or a synthetic event points).
        pos = event.position().toPoint()
        anchor = self.mapToScene(pos)
        self.zoom_by(1.0015 ** delta)
        moved = self.mapFromScene(anchor) - pos
        self.horizontalScrollBar().setValue(self.horizontalScrollBar().value() + moved.x())
        self.verticalScrollBar().setValue(self.verticalScrollBar().value() + moved.y())
        event.accept()

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        shift = bool(event.modifiers() & Qt.KeyboardModifier.ShiftModifier)
        region = (self._region_mode or shift) and not self.image_size().isEmpty()
        if event.button() == Qt.MouseButton.LeftButton and region:
            self._band_origin = event.position().toPoint()
            if self._band is None:
                self._band = QRubberBand(QRubberBand.Shape.Rectangle, self.viewport())
            self._band.setGeometry(QRect(self._band_origin, QSize()))
            self._band.show()
            event.accept()
            return
        if event.button() == Qt.MouseButton.LeftButton and self.annotator.press(
                self.mapToScene(event.position().toPoint())):
            self.setFocus(Qt.FocusReason.MouseFocusReason)
            event.accept()
            return
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        if self._band is not None and self._band.isVisible():
            corner = event.position().toPoint()
            self._band.setGeometry(QRect(self._band_origin, corner).normalized())
            event.accept()
            return
        if self.annotator.dragging:
            self.annotator.move(self.mapToScene(event.position().toPoint()))
            event.accept()
            return
        if event.buttons() == Qt.MouseButton.NoButton and not self._region_mode:
            self._hover(self.mapToScene(event.position().toPoint()))
        super().mouseMoveEvent(event)

    def _hover(self, point: QPointF) -> None:
        """Say with the cursor what a press here would grab."""
        target = self.annotator.hit(point)
        if target is None:
            shape = (Qt.CursorShape.OpenHandCursor if self._tool == PAN
                     else Qt.CursorShape.CrossCursor)
        elif target[0] in ("move", "h-move", "s-move"):
            shape = Qt.CursorShape.SizeAllCursor
        else:
            shape = Qt.CursorShape.PointingHandCursor
        if self.viewport().cursor().shape() != shape:
            self.viewport().setCursor(shape)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        if self._band is not None and self._band.isVisible():
            self._band.hide()
            area = self._band.geometry()
            if area.width() > 6 and area.height() > 6:
                self.zoom_to(self.mapToScene(area).boundingRect())
            event.accept()
            return
        if self.annotator.dragging:
            self.annotator.release(self.mapToScene(event.position().toPoint()))
            event.accept()
            return
        super().mouseReleaseEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        """Delete or Backspace removes the selected arrow, shadow (or horizon); Esc cancels a
        drag (or a drawn shadow waiting for its bearing), then goes back to pan and select."""
        key = event.key()
        if key in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace) and self.annotator.delete_selected():
            event.accept()
            return
        if key == Qt.Key.Key_Escape:
            if not self.annotator.cancel():
                if self._tool != PAN:
                    self.set_tool(PAN)
                else:
                    self.annotator.select(None)
                    self.annotator.select_shadow(None)
            event.accept()
            return
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.annotator.selected is not None:
            self.annotator.edit_label()
            event.accept()
            return
        super().keyPressEvent(event)

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        """Double-click an arrow to label it; elsewhere toggles between fit and actual size."""
        if self.image_size().isEmpty():
            return
        target = self.annotator.hit(self.mapToScene(event.position().toPoint()))
        if target is not None and target[1] is not None:
            if not target[0].startswith("s-"):  # a shadow is labelled in the Sun tab
                self.annotator.edit_label(target[1])
            return
        if self._fit:
            point = self.mapToScene(event.position().toPoint())
            self.actual_size()
            self.centerOn(point)
        else:
            self.fit()

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802
        super().resizeEvent(event)
        if self._fit:
            self.fit()
        self._place_hud()

    def drawForeground(self, painter: QPainter, rect: QRectF | QRect) -> None:  # noqa: N802
        if not self._message:
            return
        painter.save()
        painter.resetTransform()
        area = self.viewport().rect().adjusted(40, 0, -40, 0)
        painter.setPen(QColor(theme.TEXT_DIM))
        painter.drawText(area, Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap,
                         self._message)
        painter.restore()

    # ----------------------------------------------------------------- HUD

    def _update_hud(self) -> None:
        size = self.image_size()
        if size.isEmpty() or self._message:
            self.hud.hide()
            return
        loading = self._evidence_id is not None and not self._full
        state = "loading full resolution…" if loading else \
            f"{self._zoom * 100:.0f}%" + (" · fit" if self._fit else "")
        self.hud.setText(f"{size.width()} × {size.height()}   {state}")
        self.hud.adjustSize()
        self.hud.show()
        self._place_hud()

    def _place_hud(self) -> None:
        margin = 10
        self.hud.move(self.width() - self.hud.width() - margin - self.verticalScrollBar().width()
                      * self.verticalScrollBar().isVisible(),
                      self.height() - self.hud.height() - margin)
