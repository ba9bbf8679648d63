"""Take frames…: which frames of the video to take as stills, in one of the four ways the
core knows (every N seconds, keyframes, scene changes, at times)."""

from __future__ import annotations

import math
import re

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QGridLayout,
    QLabel,
    QLineEdit,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from desk.core.video_frames import FrameRequest
from desk.ui.common import theme

_TIME = re.compile(r"^(?:(?:(\d+):)?(\d{1,2}):)?(\d+(?:\.\d+)?)$")


def parse_times(text: str) -> tuple[float, ...]:
    """Seconds from '12.5, 00:01:02.480 1:05' (seconds, MM:SS or HH:MM:SS, with decimals);
    ValueError naming the first entry that is neither."""
    times: list[float] = []
    for entry in re.split(r"[,;\s]+", text.strip()):
        if not entry:
            continue
        match = _TIME.match(entry)
        if match is None:
            raise ValueError(f"“{entry}” is not a time (write 12.5, 01:02.5 or 00:01:02.500)")
        hours, minutes, seconds = match.groups()
        value = int(hours or 0) * 3600 + int(minutes or 0) * 60 + float(seconds)
        if not math.isfinite(value):
            raise ValueError(f"“{entry}” is not a time")
        times.append(value)
    if not times:
        raise ValueError("Write at least one time.")
    return tuple(times)


class TakeFramesDialog(QDialog):
    """Asks how to take frames; `request()` is the answer (after exec() accepted)."""

    def __init__(self, duration_s: float, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Take Frames")
        self._duration = duration_s
        column = QVBoxLayout(self)
        intro = QLabel("Each frame taken becomes a still of the case, with the video, frame"
                       " number, time and pixel hash it came from. A frame taken before is"
                       " not stored twice.")
        intro.setWordWrap(True)
        column.addWidget(intro)
        self.setMinimumWidth(420)
        grid = QGridLayout()
        self.group = QButtonGroup(self)
        self.every = QRadioButton("Every")
        self.every_s = QDoubleSpinBox()
        self.every_s.setRange(0.04, max(1.0, duration_s))
        self.every_s.setDecimals(2)
        self.every_s.setValue(min(2.0, max(0.04, duration_s)))
        self.every_s.setSuffix(" s")
        self.keyframes = QRadioButton("At keyframes")
        self.scenes = QRadioButton("At scene changes")
        self.at = QRadioButton("At times")
        self.at_times = QLineEdit()
        self.at_times.setPlaceholderText("12.5, 00:01:02.480")
        for row, (button, field) in enumerate(((self.every, self.every_s),
                                               (self.keyframes, None), (self.scenes, None),
                                               (self.at, self.at_times))):
            self.group.addButton(button, row)
            grid.addWidget(button, row, 0)
            if field is not None:
                grid.addWidget(field, row, 1)
        self.every.setChecked(True)
        column.addLayout(grid)
        self.error = QLabel()
        self.error.setTextFormat(Qt.TextFormat.PlainText)  # it quotes what was typed
        self.error.setWordWrap(True)
        self.error.setStyleSheet(f"color: {theme.WARN};")
        self.error.hide()
        column.addWidget(self.error)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Take Frames")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        column.addWidget(buttons)
        self.at_times.textEdited.connect(lambda _text: self.at.setChecked(True))

    def request(self) -> FrameRequest:
        """The request as set; ValueError with a sentence when the times do not read."""
        if self.keyframes.isChecked():
            return FrameRequest("keyframes")
        if self.scenes.isChecked():
            return FrameRequest("scenes")
        if self.at.isChecked():
            return FrameRequest("at", times=parse_times(self.at_times.text()))
        return FrameRequest("every", every=round(self.every_s.value(), 3))

    def accept(self) -> None:
        try:
            self.request()
        except ValueError as exc:
            self.error.setText(str(exc))
            self.error.show()
            return
        super().accept()
