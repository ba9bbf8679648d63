"""The scrubber: a slider over the video's frames with its keyframes marked.

Its value is a frame index (0 … frames − 1), so a drag lands on frames, never between them.
Keyframes are where the decoder can start: seeking to one is cheapest, and a cut usually
falls on one, so they are drawn as ticks under the groove.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QColor, QMouseEvent, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QSlider, QStyle, QStyleOptionSlider, QWidget

from desk.ui.common import theme

#: Height under the groove kept for the keyframe ticks (pixels).
MARK_ROOM = 7


class Scrubber(QSlider):
    """A horizontal slider of frame indices that paints its keyframes and jumps to a click."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(Qt.Orientation.Horizontal, parent)
        self.setObjectName("VideoScrubber")
        self.setRange(0, 0)
        self.setPageStep(25)
        self.setTracking(True)
        self.setMinimumHeight(28)
        self._keyframes: tuple[int, ...] = ()

    @property
    def keyframes(self) -> tuple[int, ...]:
        """Frame indices of the keyframes marked."""
        return self._keyframes

    def set_keyframes(self, indices: Sequence[int]) -> None:
        self._keyframes = tuple(i for i in indices if self.minimum() <= i <= self.maximum())
        self.update()

    def _track(self) -> tuple[int, int, int]:
        """(left of the groove, handle width, pixels the handle travels), as the style lays
        the slider out: marks and clicks use the style's own geometry."""
        option = QStyleOptionSlider()
        self.initStyleOption(option)
        style = self.style()
        groove = style.subControlRect(QStyle.ComplexControl.CC_Slider, option,
                                      QStyle.SubControl.SC_SliderGroove, self)
        handle = style.subControlRect(QStyle.ComplexControl.CC_Slider, option,
                                      QStyle.SubControl.SC_SliderHandle, self)
        return int(groove.left()), int(handle.width()), max(1, groove.width() - handle.width())

    def mark_x(self, index: int, track: tuple[int, int, int] | None = None) -> int:
        """Where (in widget pixels) the handle's centre sits at frame `index`, so a mark is
        under the handle it stands for."""
        left, handle, span = track or self._track()
        offset = int(QStyle.sliderPositionFromValue(self.minimum(), self.maximum(), index,
                                                    span))
        return left + handle // 2 + offset

    def value_at(self, x: float) -> int:
        left, handle, span = self._track()
        position = round(x - left - handle / 2)
        return int(QStyle.sliderValueFromPosition(self.minimum(), self.maximum(),
                                                  max(0, min(position, span)), span))

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        """A click on the groove goes to the frame under it (not a page step towards it)."""
        if event.button() == Qt.MouseButton.LeftButton and self.maximum() > self.minimum():
            option = QStyleOptionSlider()
            self.initStyleOption(option)
            handle = self.style().subControlRect(QStyle.ComplexControl.CC_Slider, option,
                                                 QStyle.SubControl.SC_SliderHandle, self)
            if not handle.contains(event.position().toPoint()):
                self.setValue(self.value_at(event.position().x()))
        super().mousePressEvent(event)

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802
        super().paintEvent(event)
        if not self._keyframes or self.maximum() <= self.minimum():
            return
        painter = QPainter(self)
        painter.setPen(QPen(QColor(theme.ACCENT), 1))
        bottom = self.height() - 2
        track = self._track()  # once: a long video has thousands of keyframes
        seen: set[int] = set()
        for index in self._keyframes:
            x = self.mark_x(index, track)
            if x in seen:
                continue  # thousands of keyframes on a few hundred pixels: one line each
            seen.add(x)
            painter.drawLine(x, bottom - MARK_ROOM + 2, x, bottom)
        painter.end()

    def marks_rect(self) -> QRect:
        """The band the keyframe ticks are drawn in (for tests and screenshots)."""
        return QRect(0, self.height() - MARK_ROOM - 2, self.width(), MARK_ROOM)
