"""The picture of the video view: the current frame, upright, scaled to fit, or a sentence
in its place (opening, refused, nothing selected)."""

from __future__ import annotations

from PySide6.QtCore import QRect, QSize, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPaintEvent
from PySide6.QtWidgets import QSizePolicy, QWidget

from desk.ui.common import theme


class FrameCanvas(QWidget):
    """Paints one QImage fitted into the widget (aspect kept, never upscaled past 4×)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("FrameCanvas")
        self.setMinimumSize(160, 90)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self._image = QImage()
        self._message = ""

    @property
    def image(self) -> QImage:
        return self._image

    @property
    def message(self) -> str:
        return self._message

    def set_image(self, image: QImage) -> None:
        self._image = image
        self._message = ""
        self.update()

    def set_message(self, message: str, *, keep_image: bool = False) -> None:
        """Text in place of the frame; `keep_image` writes it over the last frame instead."""
        self._message = message
        if not keep_image:
            self._image = QImage()
        self.update()

    def image_rect(self) -> QRect:
        """Where the frame is drawn (empty without one)."""
        if self._image.isNull():
            return QRect()
        area = self.rect().adjusted(8, 8, -8, -8)
        size = QSize(self._image.size())
        limit = size * 4
        size.scale(area.size().boundedTo(limit), Qt.AspectRatioMode.KeepAspectRatio)
        rect = QRect(0, 0, size.width(), size.height())
        rect.moveCenter(area.center())
        return rect

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor(theme.CANVAS))
        if not self._image.isNull():
            painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
            painter.drawImage(self.image_rect(), self._image)
        if self._message:
            area = self.rect().adjusted(40, 0, -40, 0)
            if not self._image.isNull():
                band = QRect(0, self.height() - 64, self.width(), 56)
                painter.fillRect(band, QColor(18, 20, 23, 210))
                area = band.adjusted(16, 0, -16, 0)
            painter.setPen(QColor(theme.TEXT_DIM))
            painter.drawText(area, Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap,
                             self._message)
        painter.end()
