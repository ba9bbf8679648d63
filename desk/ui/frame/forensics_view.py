"""The Forensics tab: error level analysis, noise residual or a levels stretch of the shown item.

The aid is computed by desk.core.forensics in a worker process (the original is untrusted and
may be 120 MP), started from a background job so the window never waits; moving to another
item or changing a parameter cancels the one under way. The result shows in the tab and, on
request, over the frame itself at full resolution (so zoom, pan and the loupe work on it),
always with the words that it is an aid that needs interpretation, never a verdict.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QSize, Qt, QTimer, Signal
from PySide6.QtGui import (
    QColor,
    QImage,
    QPainter,
    QPaintEvent,
    QPixmap,
    QResizeEvent,
    QShowEvent,
)
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QFrame,
    QGraphicsPixmapItem,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QSlider,
    QSpinBox,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from desk.core import forensic_aids
from desk.core.forensic_aids import AID_NAMES, AID_NOTE, ELA, LEVELS, NOISE, AidRequest, AidResult
from desk.ui.common import theme
from desk.ui.common.labels import plain_label, section_label
from desk.ui.common.workers import Cancelled, Control, Job, Jobs, describe

if TYPE_CHECKING:
    from desk.core.casefile import CaseFile
    from desk.core.model import Evidence
    from desk.ui.frame.frame_view import FrameView

#: A parameter change waits this long for the next one before the aid is computed again.
SETTLE_MS = 350
#: Over the image (0), under the arrows and the horizon (10).
OVERLAY_Z = 5


def _describe(exc: BaseException) -> str:
    from desk.core import forensics  # Pillow and worker processes load when an aid runs

    if isinstance(exc, forensics.AidFailed):
        return exc.reason
    return describe(exc)


def _compute(data: bytes, request: AidRequest, control: Control) -> tuple[AidResult, QImage]:
    """On the job's thread: the aid from a worker process, and its picture for Qt."""
    from desk.core import forensics

    result = forensics.run_isolated(
        forensics.aid_of_original, data, request, cancel=control.cancelled,
        step=lambda text: control.progress(0, 0, text))
    if result is None:
        raise Cancelled
    image = QImage(result.rgb, result.width, result.height, 3 * result.width,
                   QImage.Format.Format_RGB888).copy()
    return result, image


class Histogram(QWidget):
    """The aid's histogram, one line per channel: where its values lie at a glance."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.bins: tuple[int, ...] = ()
        self.setMinimumHeight(56)
        self.setToolTip("Histogram of the aid's picture (red, green and blue, 0 to 255)")

    def set_bins(self, bins: tuple[int, ...]) -> None:
        self.bins = bins
        self.update()

    def sizeHint(self) -> QSize:  # noqa: N802
        return QSize(240, 56)

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor(theme.CANVAS))
        if len(self.bins) == 768:
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            # Square-root heights: the dark end of an ELA holds most pixels and would flatten
            # everything else.
            peak = max(max(self.bins), 1) ** 0.5
            width, height = self.width(), self.height() - 2
            for channel, colour in enumerate(("#e05252", "#52c46b", "#5b8def")):
                pen = QColor(colour)
                pen.setAlpha(200)
                painter.setPen(pen)
                values = self.bins[channel * 256:(channel + 1) * 256]
                previous = None
                for index, count in enumerate(values):
                    point = (index * (width - 1) / 255, height - count ** 0.5 / peak * height)
                    if previous is not None:
                        painter.drawLine(int(previous[0]), int(previous[1]), int(point[0]),
                                         int(point[1]))
                    previous = point
        painter.end()


class AidPreview(QLabel):
    """The aid's picture scaled to the tab's width (the frame shows it at full size)."""

    def __init__(self) -> None:
        super().__init__()
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setMinimumHeight(120)
        self.setStyleSheet(f"background: {theme.CANVAS}; color: {theme.TEXT_DIM};")
        self.setWordWrap(True)
        self._pixmap = QPixmap()

    def set_image(self, pixmap: QPixmap) -> None:
        self._pixmap = pixmap
        self._fit()

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802
        super().resizeEvent(event)
        self._fit()

    def _fit(self) -> None:
        if self._pixmap.isNull():
            self.setPixmap(QPixmap())
            return
        width = max(40, self.width() - 4)
        height = max(80, min(self._pixmap.height() * width // max(1, self._pixmap.width()),
                             360))
        self.setPixmap(self._pixmap.scaled(width, height, Qt.AspectRatioMode.KeepAspectRatio,
                                           Qt.TransformationMode.SmoothTransformation))


class ForensicsPanel(QScrollArea):
    """The tab: which aid, its parameters, its picture and what it can and cannot say."""

    #: An aid for this evidence id is shown (in the tab, and over the frame if asked).
    aidShown = Signal(int)  # noqa: N815
    #: A sentence for the status bar.
    message = Signal(str)

    def __init__(self, frame_view: FrameView, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("ForensicsPanel")
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.frame_view = frame_view
        self._case: CaseFile | None = None
        self._item: Evidence | None = None
        self._result: AidResult | None = None
        self._result_for: int | None = None
        self._image = QImage()
        self._job: Job | None = None
        self._jobs = Jobs(self, max_threads=1)
        self._settle = QTimer(self, singleShot=True, interval=SETTLE_MS)
        self._settle.timeout.connect(self.compute)

        self.overlay = QGraphicsPixmapItem()
        self.overlay.setZValue(OVERLAY_Z)
        self.overlay.setTransformationMode(Qt.TransformationMode.FastTransformation)
        self.overlay.setVisible(False)
        frame_view.scene_.addItem(self.overlay)
        self.banner = QLabel(frame_view)
        self.banner.setObjectName("AidBanner")
        self.banner.setTextFormat(Qt.TextFormat.PlainText)
        self.banner.setWordWrap(True)
        self.banner.setStyleSheet(
            f"QLabel#AidBanner {{ background: rgba(18,20,23,215); color: {theme.TEXT};"
            f" border: 1px solid {theme.WARN}; border-radius: 4px; padding: 4px 8px; }}")
        self.banner.hide()
        frame_view.frameShown.connect(self._on_frame_shown)

        page = QWidget()
        column = QVBoxLayout(page)
        column.setContentsMargins(12, 12, 12, 12)
        column.setSpacing(8)
        column.addWidget(section_label("Forensic aids"))
        self.note = plain_label(
            f"{AID_NOTE} These pictures help you look; they do not tell you whether a still"
            " was edited. Compare with other copies and sources before you conclude anything.")
        self.note.setStyleSheet(f"color: {theme.WARN};")
        column.addWidget(self.note)

        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.aid_box = QComboBox()
        for key in (ELA, NOISE, LEVELS):
            self.aid_box.addItem(AID_NAMES[key], key)
        form.addRow("Aid", self.aid_box)
        column.addLayout(form)

        self.params = QStackedWidget()
        self.quality = self._spin(*forensic_aids.QUALITY_RANGE, 90,
                                  "JPEG quality of the re-save the still is compared with")
        self.ela_scale = self._spin(*forensic_aids.SCALE_RANGE, 20,
                                    "How much the differences are brightened")
        self.noise_scale = self._spin(*forensic_aids.SCALE_RANGE, 10,
                                      "How much the residual is brightened")
        self.clip = QDoubleSpinBox()
        self.clip.setRange(*forensic_aids.CLIP_RANGE)
        self.clip.setSingleStep(0.5)
        self.clip.setValue(0.5)
        self.clip.setSuffix(" %")
        self.clip.setToolTip("Share of the darkest and of the brightest pixels clipped")
        self.equalize = QCheckBox("Equalize instead of stretching")
        self.params.addWidget(self._params_page(("Re-save quality", self.quality),
                                                ("Amplification", self.ela_scale)))
        self.params.addWidget(self._params_page(("Amplification", self.noise_scale)))
        self.params.addWidget(self._params_page(("Clip each end", self.clip),
                                                ("", self.equalize)))
        column.addWidget(self.params)
        self._aid_changed(0)

        buttons = QHBoxLayout()
        self.compute_button = QPushButton("Compute")
        self.compute_button.setToolTip("Compute the aid for the selected item again")
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setEnabled(False)
        buttons.addWidget(self.compute_button)
        buttons.addWidget(self.cancel_button)
        buttons.addStretch(1)
        column.addLayout(buttons)
        self.status = plain_label(role="dim")
        column.addWidget(self.status)

        self.preview = AidPreview()
        column.addWidget(self.preview)
        self.histogram = Histogram()
        column.addWidget(self.histogram)
        self.caption = plain_label()
        column.addWidget(self.caption)
        self.summary = plain_label(role="dim")
        column.addWidget(self.summary)

        self.on_frame = QCheckBox("Show on the frame")
        self.on_frame.setToolTip("Lay the aid over the frame at full size: zoom and pan work"
                                 " on it, the arrows stay on top; the loupe still reads the"
                                 " original's pixels")
        self.opacity = QSlider(Qt.Orientation.Horizontal)
        self.opacity.setRange(0, 100)
        self.opacity.setValue(100)
        self.opacity.setToolTip("How much of the aid covers the frame")
        overlay_row = QHBoxLayout()
        overlay_row.addWidget(self.on_frame)
        overlay_row.addWidget(self.opacity, 1)
        column.addLayout(overlay_row)
        column.addStretch(1)
        self.setWidget(page)

        self.aid_box.currentIndexChanged.connect(self._aid_changed)
        for spin in (self.quality, self.ela_scale, self.noise_scale):
            spin.valueChanged.connect(self._params_changed)
        self.clip.valueChanged.connect(self._params_changed)
        self.equalize.toggled.connect(self._params_changed)
        self.compute_button.clicked.connect(self.compute)
        self.cancel_button.clicked.connect(self.cancel)
        self.on_frame.toggled.connect(self._update_overlay)
        self.opacity.valueChanged.connect(self._update_overlay)
        self._show_idle()

    # ----------------------------------------------------------------- building

    @staticmethod
    def _spin(low: int, high: int, value: int, tip: str) -> QSpinBox:
        spin = QSpinBox()
        spin.setRange(low, high)
        spin.setValue(value)
        spin.setToolTip(tip)
        spin.setKeyboardTracking(False)  # typing "85" computes once, not for "8" and "85"
        return spin

    @staticmethod
    def _params_page(*rows: tuple[str, QWidget]) -> QWidget:
        page = QWidget()
        form = QFormLayout(page)
        form.setContentsMargins(0, 0, 0, 0)
        for label, widget in rows:
            if label:
                form.addRow(label, widget)
            else:
                form.addRow(widget)  # a check box reads as its own sentence
        return page

    # ----------------------------------------------------------------- state

    @property
    def result(self) -> AidResult | None:
        """The aid shown now (for the item `shown_for`), if any."""
        return self._result

    @property
    def shown_for(self) -> int | None:
        return self._result_for

    @property
    def computing(self) -> bool:
        return self._job is not None

    def request(self) -> AidRequest:
        kind = str(self.aid_box.currentData())
        if kind == ELA:
            return AidRequest(ELA, quality=self.quality.value(), scale=self.ela_scale.value())
        if kind == NOISE:
            return AidRequest(NOISE, scale=self.noise_scale.value())
        return AidRequest(LEVELS, clip_percent=self.clip.value(),
                          equalize=self.equalize.isChecked())

    def set_evidence(self, case: CaseFile | None, item: Evidence | None) -> None:
        """The item the aid is about; its aid is computed when the tab is in view."""
        if item is not None and self._item is not None and item.id == self._item.id \
                and case is self._case:
            return
        self.cancel()
        self._case, self._item = case, item
        self._clear_result()
        self._show_idle()
        if item is not None and self.isVisible():
            self._settle.start()

    def compute(self) -> None:
        """Compute the chosen aid for the item (the one under way, if any, is cancelled)."""
        self._settle.stop()
        case, item = self._case, self._item
        if case is None or item is None:
            return
        self.cancel()
        try:
            data = case.original(item.id)
        except KeyError:
            self._set_status("The original of this item is missing from the case file.")
            return
        request = self.request()
        job = Job(lambda control: _compute(data, request, control), name="forensic aid",
                  describe=_describe)
        job.progressed.connect(lambda _d, _t, text: self._set_status(str(text)))
        job.succeeded.connect(lambda value, eid=item.id: self._on_computed(eid, *value))
        job.failed.connect(self._on_failed)
        job.cancelled.connect(lambda: self._set_status("Cancelled."))
        job.finished.connect(lambda j=job: self._job_over(j))
        self._job = self._jobs.start(job)
        self.cancel_button.setEnabled(True)
        self._set_status(f"Computing the {AID_NAMES[request.kind].lower()}…")

    def cancel(self) -> None:
        if self._job is not None:
            self._job.cancel()
            self._job = None
        self.cancel_button.setEnabled(False)

    def shutdown(self) -> None:
        """Stop any aid under way (its worker process is killed); called when the window closes."""
        self._settle.stop()
        self._job = None
        self._jobs.shutdown(wait_s=5)

    # ----------------------------------------------------------------- results

    def _job_over(self, job: Job) -> None:
        if self._job is job:
            self._job = None
            self.cancel_button.setEnabled(False)

    def _on_computed(self, evidence_id: int, result: AidResult, image: QImage) -> None:
        if self._item is None or self._item.id != evidence_id:
            return  # the reviewer has moved on
        self._result, self._result_for, self._image = result, evidence_id, image
        pixmap = QPixmap.fromImage(image)
        self.preview.setText("")
        self.preview.set_image(pixmap)
        self.histogram.set_bins(result.histogram)
        self.caption.setText(result.caption)
        self.summary.setText(f"{result.width:,} × {result.height:,} px. {result.summary}")
        self._set_status("")
        self.overlay.setPixmap(pixmap)
        self._update_overlay()
        self.aidShown.emit(evidence_id)

    def _on_failed(self, message: str) -> None:
        self._set_status(message)
        self.message.emit(message)

    def _clear_result(self) -> None:
        self._result = None
        self._result_for = None
        self._image = QImage()
        self.preview.set_image(QPixmap())
        self.histogram.set_bins(())
        self.caption.setText("")
        self.summary.setText("")
        self.overlay.setPixmap(QPixmap())
        self._update_overlay()

    def _show_idle(self) -> None:
        if self._item is None:
            self.preview.setText("Select an item to see its forensic aids.")
            self._set_status("")
        else:
            self.preview.setText("")
        self.compute_button.setEnabled(self._item is not None)

    # ----------------------------------------------------------------- the frame

    def _on_frame_shown(self, evidence_id: int) -> None:
        self._update_overlay()

    def overlay_visible(self) -> bool:
        return self.overlay.isVisible()

    def _update_overlay(self, *_: object) -> None:
        """The aid over the frame only while asked for, for the item the frame shows, and
        the same size as the frame: otherwise it would sit on another picture."""
        result = self._result
        fits = (result is not None and self.frame_view.evidence_id == self._result_for
                and self.frame_view.image_size() == QSize(result.width, result.height))
        on = bool(fits and self.on_frame.isChecked())
        self.overlay.setOpacity(self.opacity.value() / 100)
        self.overlay.setVisible(on)
        if on and result is not None:
            self.banner.setText(f"Showing {AID_NAMES[result.request.kind].lower()} over the"
                                f" frame. {AID_NOTE}")
            width = min(self.frame_view.width() - 24, 520)
            self.banner.setFixedWidth(max(160, width))
            self.banner.adjustSize()
            self.banner.move(12, 12)
            self.banner.show()
            self.banner.raise_()
        else:
            self.banner.hide()

    # ----------------------------------------------------------------- changes

    def _set_status(self, text: str) -> None:
        self.status.setText(text)
        self.status.setVisible(bool(text))  # no empty gap between the buttons and the picture

    def _aid_changed(self, index: int) -> None:
        # The stack takes the height of the page shown, not of its tallest page.
        for page in range(self.params.count()):
            policy = (QSizePolicy.Policy.Preferred if page == index else
                      QSizePolicy.Policy.Ignored)
            self.params.widget(page).setSizePolicy(policy, policy)
        self.params.setCurrentIndex(index)
        self.params.adjustSize()
        self._params_changed()

    def _params_changed(self, *_: object) -> None:
        if self._item is not None:
            self._settle.start()

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802
        super().showEvent(event)
        if self._item is not None and self._result is None and self._job is None:
            self._settle.start()
