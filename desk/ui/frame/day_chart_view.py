"""The day chart in the window: the core's SVG (`desk.core.day_chart`), drawn as it is.

The same SVG goes into the dossier, so the window and the reader see one picture. Qt's SVG
renderer draws it scaled to the panel's width, keeping its proportions; the SVG is built by
the core from numbers and escaped text, and Qt's renderer runs no script and loads nothing.
"""

from __future__ import annotations

from PySide6.QtCore import QByteArray, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QMouseEvent, QPainter, QPaintEvent, QResizeEvent
from PySide6.QtSvg import QSvgRenderer
from PySide6.QtWidgets import QDialog, QLabel, QSizePolicy, QVBoxLayout, QWidget

from desk.ui.common import theme

#: Until a chart is given, the proportions the core draws at (640 × 300).
DEFAULT_ASPECT = 300 / 640


class DayChartView(QWidget):
    """One SVG chart, as wide as the panel and as tall as its proportions ask."""

    #: The reviewer clicked the chart (the panel shows it larger).
    clicked = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("DayChart")
        self._renderer: QSvgRenderer | None = None
        self._svg = ""
        self.paints = 0  # how often a chart was drawn (tests read it)
        policy = QSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        policy.setHeightForWidth(True)
        self.setSizePolicy(policy)
        self.setMinimumHeight(80)
        self._least = 80

    @property
    def svg(self) -> str:
        return self._svg

    @property
    def has_chart(self) -> bool:
        return self._renderer is not None

    def set_svg(self, svg: str) -> bool:
        """Show a chart (empty text clears it); False when Qt cannot read the SVG."""
        self._svg = svg
        renderer = QSvgRenderer(QByteArray(svg.encode("utf-8"))) if svg else None
        if renderer is not None and not renderer.isValid():
            renderer = None
        self._renderer = renderer
        self.setVisible(renderer is not None)
        self._fit_height()
        self.update()
        return renderer is not None or not svg

    def _aspect(self) -> float:
        renderer = self._renderer
        if renderer is None:
            return DEFAULT_ASPECT
        box = renderer.viewBoxF()
        if box.width() <= 0 or box.height() <= 0:
            size = renderer.defaultSize()
            return size.height() / size.width() if size.width() > 0 else DEFAULT_ASPECT
        return box.height() / box.width()

    def hasHeightForWidth(self) -> bool:  # noqa: N802
        return True

    def heightForWidth(self, width: int) -> int:  # noqa: N802
        return max(self._least, round(width * self._aspect()))

    def _fit_height(self) -> None:
        """As tall as the chart's proportions at this width (a scroll area's layout does not
        ask a child's height for its width)."""
        height = self.heightForWidth(max(self.width(), 1))
        if self.height() != height or self.minimumHeight() != height:
            self.setFixedHeight(height)

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802
        super().resizeEvent(event)
        if event.size().width() != event.oldSize().width():
            self._fit_height()

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        if event.button() == Qt.MouseButton.LeftButton and self._renderer is not None:
            self.clicked.emit()
            event.accept()
            return
        super().mousePressEvent(event)

    def sizeHint(self) -> QSize:  # noqa: N802
        return QSize(320, self.heightForWidth(320))

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802
        renderer = self._renderer
        if renderer is None:
            return
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        width = float(self.width())
        height = min(float(self.height()), width * self._aspect())
        width = height / self._aspect()
        target = QRectF((self.width() - width) / 2, 0, width, height)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(theme.BORDER))
        painter.drawRoundedRect(target.adjusted(-1, -1, 1, 1), 4, 4)
        renderer.render(painter, target)
        painter.end()
        self.paints += 1


class DayChartWindow(QDialog):
    """The day chart large enough to read every label: the panel's column is narrow."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("DayChartWindow")
        self.setWindowTitle("Day chart")
        self.setModal(False)
        self.caption = QLabel()
        self.caption.setTextFormat(Qt.TextFormat.PlainText)
        self.caption.setWordWrap(True)
        self.chart = DayChartView()
        self.chart.clicked.connect(self.close)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 12, 12, 12)
        layout.addWidget(self.caption)
        layout.addWidget(self.chart)
        layout.addStretch(1)
        self.resize(980, 520)

    def show_chart(self, svg: str, caption: str) -> None:
        self.caption.setText(caption)
        self.caption.setVisible(bool(caption))
        self.chart.set_svg(svg)
