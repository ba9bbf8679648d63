"""The loupe: the original's pixels under the cursor, magnified, with their position and value.

It floats beside the cursor over the frame and reads the full-resolution frame the view shows
(never the stand-in thumbnail: until the original is decoded it says so and shows no value).
It takes no clicks, so every tool of the frame works under it. Esc closes it; Shift+wheel
changes the magnification. Coordinates are pixels of the upright still, as the case stores
them scaled; the value is the decoded 8-bit RGB.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, QPoint, QRect, QSize, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QCursor,
    QFontMetrics,
    QImage,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPen,
    QWheelEvent,
)
from PySide6.QtWidgets import QWidget

from desk.ui.common import theme

if TYPE_CHECKING:
    from desk.ui.frame.frame_view import FrameView

#: Screen pixels per image pixel the loupe offers (Shift+wheel steps through them).
MAGNIFICATIONS = (4, 8, 16, 32)
DEFAULT_MAGNIFICATION = 8
#: From this magnification on, a grid separates the pixels.
GRID_FROM = 8
#: Side of the magnified square, in screen pixels (about; the cell count is odd).
AREA = 184
#: The longest readout line, which the loupe is made wide enough for.
READOUT_WIDEST = "RGB 255, 255, 255  #FFFFFF  α 255"
#: Gap between the cursor and the loupe.
OFFSET = 22


class Loupe(QWidget):
    """A magnifier over a FrameView's viewport, shown and hidden by `set_shown`."""

    shownChanged = Signal(bool)  # noqa: N815

    def __init__(self, view: FrameView) -> None:
        super().__init__(view.viewport())
        self.setObjectName("Loupe")
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self._view = view
        self._on = False
        self._magnification = DEFAULT_MAGNIFICATION
        self._cursor = QPoint()
        self._pixel: QPoint | None = None
        self._centre = QPoint()
        self._source = QImage()
        self._source_key = 0
        view.viewport().installEventFilter(self)
        view.installEventFilter(self)
        view.frameShown.connect(lambda _eid: self._refresh())
        view.zoomChanged.connect(lambda _zoom: self._refresh())
        view.horizontalScrollBar().valueChanged.connect(lambda _v: self._refresh())
        view.verticalScrollBar().valueChanged.connect(lambda _v: self._refresh())
        self.hide()

    # ----------------------------------------------------------------- state

    @property
    def shown(self) -> bool:
        return self._on

    @property
    def magnification(self) -> int:
        return self._magnification

    @property
    def cells(self) -> int:
        """Image pixels along each side of the magnified square (odd: one sits in the middle),
        enough for the square to be as wide as the readout under it."""
        wide = max(AREA, QFontMetrics(self.font()).horizontalAdvance(READOUT_WIDEST) + 16)
        cells = max(3, (wide // self._magnification) | 1)
        return cells if cells * self._magnification >= wide else cells + 2

    @property
    def pixel(self) -> QPoint | None:
        """The image pixel under the cursor, when the cursor is over the picture."""
        return self._pixel

    def set_shown(self, on: bool) -> None:
        on = bool(on)
        if on == self._on:
            return
        self._on = on
        if on:
            viewport = self._view.viewport()
            inside = viewport.mapFromGlobal(QCursor.pos())
            self._cursor = inside if viewport.rect().contains(inside) else \
                viewport.rect().center()
            viewport.setMouseTracking(True)  # moves without a button pressed reach us
            self._view.setFocus(Qt.FocusReason.ShortcutFocusReason)  # so Esc reaches it
            self._refresh()
            self.show()
            self.raise_()
        else:
            self.hide()
        self.shownChanged.emit(on)

    def toggle(self) -> None:
        self.set_shown(not self._on)

    def set_magnification(self, value: int) -> None:
        self._magnification = min(MAGNIFICATIONS, key=lambda m: abs(m - value))
        self._refresh()

    def look_at(self, viewport_pos: QPoint) -> None:
        """Follow the cursor to `viewport_pos` (viewport coordinates)."""
        self._cursor = QPoint(viewport_pos)
        self._refresh()

    def readout(self) -> tuple[str, str]:
        """The two lines under the magnified square: where, and what value."""
        if not self._view.is_full_resolution:
            if self._view.image_size().isEmpty():
                return ("No frame", "")
            return ("Loading full resolution…", "values shown once decoded")
        pixel = self._pixel
        if pixel is None:
            return ("Outside the picture", "")
        colour = self._source.pixelColor(pixel)
        value = f"RGB {colour.red()}, {colour.green()}, {colour.blue()}"
        value += f"  {colour.name(QColor.NameFormat.HexRgb).upper()}"
        if colour.alpha() != 255:
            value += f"  α {colour.alpha()}"
        return (f"x {pixel.x():,}  y {pixel.y():,}", value)

    # ----------------------------------------------------------------- following

    def _image(self) -> QImage:
        """The shown frame's pixels (a cheap shared copy of the pixmap's on raster platforms)."""
        pixmap = self._view.image_item.pixmap()
        if pixmap.cacheKey() != self._source_key:
            self._source_key = pixmap.cacheKey()
            self._source = pixmap.toImage() if not pixmap.isNull() else QImage()
        return self._source

    def _refresh(self) -> None:
        if not self._on:
            return
        image = self._image()
        scene = self._view.mapToScene(self._cursor)
        x, y = int(scene.x() // 1), int(scene.y() // 1)
        inside = not image.isNull() and 0 <= x < image.width() and 0 <= y < image.height()
        self._pixel = QPoint(x, y) if inside and self._view.is_full_resolution else None
        self._centre = QPoint(x, y)
        self._place()
        self.update()

    def _place(self) -> None:
        side = self.cells * self._magnification
        size = QSize(side, side + 2 * QFontMetrics(self.font()).height() + 14)
        self.resize(size)
        area = self.parentWidget().rect() if self.parentWidget() else QRect()
        x = self._cursor.x() + OFFSET
        y = self._cursor.y() + OFFSET
        if x + size.width() > area.right():
            x = self._cursor.x() - OFFSET - size.width()
        if y + size.height() > area.bottom():
            y = self._cursor.y() - OFFSET - size.height()
        self.move(max(area.left(), x), max(area.top(), y))

    # ----------------------------------------------------------------- events

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        if not self._on:
            return False
        kind = event.type()
        if watched is self._view.viewport():
            if kind == QEvent.Type.MouseMove and isinstance(event, QMouseEvent):
                self.look_at(event.position().toPoint())
            elif kind == QEvent.Type.Leave:
                self.hide()
            elif kind == QEvent.Type.Enter:
                self.show()
            elif (kind == QEvent.Type.Wheel and isinstance(event, QWheelEvent)
                  and event.modifiers() & Qt.KeyboardModifier.ShiftModifier):
                delta = event.angleDelta().y() or event.angleDelta().x()
                index = MAGNIFICATIONS.index(self._magnification)
                step = 1 if delta > 0 else -1 if delta < 0 else 0
                self.set_magnification(
                    MAGNIFICATIONS[max(0, min(len(MAGNIFICATIONS) - 1, index + step))])
                event.accept()
                return True
        elif (kind == QEvent.Type.KeyPress and isinstance(event, QKeyEvent)
              and event.key() == Qt.Key.Key_Escape):
            self.set_shown(False)
            event.accept()
            return True
        return False

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802
        painter = QPainter(self)
        mag = self._magnification
        cells = self.cells
        side = cells * mag
        square = QRect((self.width() - side) // 2, 0, side, side)
        painter.fillRect(self.rect(), QColor(18, 20, 23, 235))
        painter.fillRect(square, QColor(theme.CANVAS))
        image = self._image()
        if not image.isNull() and self._view.is_full_resolution:
            half = cells // 2
            wanted = QRect(self._centre.x() - half, self._centre.y() - half, cells, cells)
            part = wanted.intersected(image.rect())
            if not part.isEmpty():
                target = QRect(square.left() + (part.left() - wanted.left()) * mag,
                               square.top() + (part.top() - wanted.top()) * mag,
                               part.width() * mag, part.height() * mag)
                painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, False)
                painter.drawImage(target, image, part)  # nearest neighbour: pixels stay square
            if mag >= GRID_FROM:
                painter.setPen(QPen(QColor(0, 0, 0, 90), 1))
                for i in range(1, cells):
                    painter.drawLine(square.left() + i * mag, square.top(),
                                     square.left() + i * mag, square.bottom())
                    painter.drawLine(square.left(), square.top() + i * mag,
                                     square.right(), square.top() + i * mag)
            if self._pixel is not None:  # the pixel read out: a black and a white ring
                middle = QRect(square.left() + half * mag, square.top() + half * mag, mag, mag)
                painter.setPen(QPen(QColor("black"), 1))
                painter.drawRect(middle.adjusted(-1, -1, 0, 0))
                painter.setPen(QPen(QColor("white"), 1))
                painter.drawRect(middle.adjusted(0, 0, -1, -1))
        painter.setPen(QPen(QColor(theme.ACCENT), 1))
        painter.drawRect(self.rect().adjusted(0, 0, -1, -1))
        where, value = self.readout()
        metrics = painter.fontMetrics()
        text_area = QRect(8, side + 6, self.width() - 16, metrics.height())
        painter.setPen(QColor(theme.TEXT))
        painter.drawText(text_area, Qt.AlignmentFlag.AlignLeft, where)
        painter.drawText(text_area, Qt.AlignmentFlag.AlignRight, f"{mag}×")
        painter.setPen(QColor(theme.TEXT_DIM))
        painter.drawText(text_area.translated(0, metrics.height() + 2),
                         Qt.AlignmentFlag.AlignLeft, value)
        painter.end()
