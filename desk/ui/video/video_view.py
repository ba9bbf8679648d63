"""The video view: a video item as a player a reviewer examines frame by frame.

The current frame (upright, fitted), a scrubber over the frames with the keyframes marked,
the time (HH:MM:SS.mmm) and "frame N of M", frame steps (`,` and `.`), Home and End, a
filmstrip of the scene changes (found in the background), the container's metadata, and
taking frames as stills: this one (T) or many (Take Frames…, Shift+T) as background work
with progress and cancel.

Nothing here decodes on the GUI thread: frames come from a `FrameFetcher` (a `VideoSession`
driven from its own thread, the newest request only), scenes and takes run as `Job`s. Frame
numbers are the provenance's own: counted from 0 in presentation order.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Callable, Sequence
from fractions import Fraction
from typing import TYPE_CHECKING

from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import (
    QAction,
    QColor,
    QHideEvent,
    QIcon,
    QImage,
    QKeySequence,
    QPainter,
    QPixmap,
    QPolygonF,
    QShowEvent,
)
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QSplitter,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from desk.ui.common import theme
from desk.ui.common.labels import plain_label
from desk.ui.common.workers import Control, Job, Jobs
from desk.ui.video.filmstrip import Filmstrip, Scene, find_scenes
from desk.ui.video.frame_canvas import FrameCanvas
from desk.ui.video.frame_fetcher import FrameFetcher, SessionFactory, default_session
from desk.ui.video.scrubber import Scrubber
from desk.ui.video.video_info_panel import VideoInfoPanel

if TYPE_CHECKING:
    from desk.core.video_container import VideoSource
    from desk.core.video_frames import FrameRequest, FrameTable, TakenFrame
    from desk.core.video_isolation import OpenVideo

log = logging.getLogger(__name__)

#: Videos whose scenes are kept after they are shown (each up to 200 thumbnails of 83 KB).
SCENES_KEPT = 4

#: Takes frames of the open video as stills (the window's: through the case's command),
#: on a worker thread; reports with `control.progress` and stops on `control.cancelled()`;
#: returns what was taken (one result per frame).
Taker = Callable[["FrameRequest", Control], Sequence[object]]


def step_icon(kind: str) -> QIcon:
    """A transport icon (first, back, forward, last) drawn in the theme's text colour: the
    style's own media icons are dark on a dark theme."""
    icon = QIcon()
    for colour, mode in ((theme.TEXT, QIcon.Mode.Normal), (theme.TEXT_FAINT, QIcon.Mode.Disabled)):
        pixmap = QPixmap(40, 40)
        pixmap.fill(Qt.GlobalColor.transparent)
        painter = QPainter(pixmap)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(colour))
        left = kind in ("first", "back")
        # A triangle pointing the way, and a bar: before it for first/forward, after it for
        # back/last (|◀ ◀| |▶ ▶|).
        tip, base = (10.0, 28.0) if left else (30.0, 12.0)
        painter.drawPolygon(QPolygonF([QPointF(tip, 20), QPointF(base, 10), QPointF(base, 30)]))
        bar_x = {"first": 6.0, "back": 30.0, "forward": 6.0, "last": 30.0}[kind]
        painter.drawRect(QRectF(bar_x, 10, 4, 20))
        painter.end()
        icon.addPixmap(pixmap, mode)
    return icon


def frame_time(table: FrameTable, index: int) -> float:
    """A time at which frame `index` is surely the one on screen: the middle of its
    interval, so a float's rounding never lands on the frame before."""
    start = table.seconds(index)
    end = table.seconds(index + 1) if index + 1 < table.frames else Fraction(table.end_s())
    if end <= start:
        return float(start)
    return float((start + end) / 2)


class VideoView(QWidget):
    """A player-like view of one video; `open_video` shows one, `close_video` none."""

    opened = Signal(object)  # OpenVideo (metadata and frame table)
    failed = Signal(str)  # why the video cannot be played
    frameShown = Signal(int)  # noqa: N815 - index of the frame now on screen
    framesTaken = Signal(object)  # noqa: N815 - what the taker returned
    takeFinished = Signal()  # noqa: N815 - a take ended, however (frames may be stored)
    takeFailed = Signal(str)  # noqa: N815
    message = Signal(str)  # a line for the status bar

    def __init__(self, parent: QWidget | None = None, *,
                 session_factory: SessionFactory = default_session,
                 scenes: bool = True) -> None:
        super().__init__(parent)
        self.setObjectName("VideoView")
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self._session_factory = session_factory
        self._find_scenes = scenes
        self._fetcher: FrameFetcher | None = None
        self._source: VideoSource | None = None
        self._opened: OpenVideo | None = None
        self._target = 0  # the frame asked for last (what the labels show)
        self._shown: TakenFrame | None = None  # the frame on screen
        self._taker: Taker | None = None
        self._jobs = Jobs(self, max_threads=2)  # scenes and a take at once
        self._scenes_job: Job | None = None
        self._key = ""
        self._found: list[Scene] = []  # scenes of the open video found so far
        #: Scenes of the last videos shown, by key (a few: each holds its thumbnails).
        self._scenes_seen: OrderedDict[str, list[Scene]] = OrderedDict()
        self._take_job: Job | None = None
        self.evidence_id: int | None = None
        self.name = ""

        self.canvas = FrameCanvas()
        self.scrubber = Scrubber()
        self.scrubber.valueChanged.connect(self.show_frame)
        self.time_label = QLabel("00:00:00.000")
        self.time_label.setObjectName("VideoTime")
        self.time_label.setStyleSheet(f"font-family: monospace; color: {theme.TEXT};")
        self.frame_label = QLabel()
        self.frame_label.setProperty("role", "dim")
        self.frame_label.setToolTip("Frames are counted from 0 in presentation order, as"
                                    " the provenance of a taken frame records them")
        self.keyframe_label = QLabel()
        self.keyframe_label.setStyleSheet(f"color: {theme.ACCENT}; font-weight: 600;")

        self._build_actions()
        buttons = QHBoxLayout()
        buttons.setSpacing(2)
        for action, kind in ((self.home_action, "first"), (self.back_action, "back"),
                             (self.forward_action, "forward"), (self.end_action, "last")):
            action.setIcon(step_icon(kind))
            button = QToolButton()
            button.setDefaultAction(action)
            button.setAutoRaise(True)
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            buttons.addWidget(button)
        buttons.addSpacing(8)
        buttons.addWidget(self.time_label)
        buttons.addSpacing(8)
        buttons.addWidget(self.frame_label)
        buttons.addSpacing(6)
        buttons.addWidget(self.keyframe_label)
        buttons.addStretch(1)
        taking = QHBoxLayout()  # its own row: the player may be narrow beside the map
        taking.setSpacing(4)
        self.take_button = QPushButton("Take This Frame")
        self.take_button.setToolTip(self.take_frame_action.toolTip())
        self.take_button.clicked.connect(self.take_frame_action.trigger)
        self.take_many_button = QPushButton("Take Frames…")
        self.take_many_button.setToolTip(self.take_frames_action.toolTip())
        self.take_many_button.clicked.connect(self.take_frames_action.trigger)
        self.scenes_label = plain_label(wrap=False, role="dim")
        taking.addWidget(self.scenes_label, 1)
        for button in (self.take_button, self.take_many_button):
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            taking.addWidget(button)

        self.progress_row = QWidget()
        progress = QHBoxLayout(self.progress_row)
        progress.setContentsMargins(0, 0, 0, 0)
        self.progress_label = plain_label(wrap=False, role="dim")
        self.progress_bar = QProgressBar()
        self.progress_bar.setTextVisible(False)
        self.progress_bar.setMaximumHeight(8)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.clicked.connect(self.cancel_taking)
        progress.addWidget(self.progress_label)
        progress.addWidget(self.progress_bar, 1)
        progress.addWidget(self.cancel_button)
        self.progress_row.hide()

        self.filmstrip = Filmstrip()
        self.filmstrip.sceneChosen.connect(self.show_frame)

        player = QWidget()
        column = QVBoxLayout(player)
        column.setContentsMargins(0, 0, 0, 6)
        column.setSpacing(4)
        column.addWidget(self.canvas, 1)
        controls = QVBoxLayout()
        controls.setContentsMargins(8, 0, 8, 0)
        controls.setSpacing(4)
        controls.addWidget(self.scrubber)
        controls.addLayout(buttons)
        controls.addLayout(taking)
        controls.addWidget(self.progress_row)
        controls.addWidget(self.filmstrip)
        column.addLayout(controls)
        self.info_panel = VideoInfoPanel()
        self.info_panel.setMinimumWidth(200)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(player)
        self.splitter.addWidget(self.info_panel)
        self.splitter.setStretchFactor(0, 1)
        self.splitter.setStretchFactor(1, 0)
        self.splitter.setChildrenCollapsible(True)
        self.splitter.setSizes([600, 240])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.splitter)
        self._update_state()

    # ----------------------------------------------------------------- actions

    def _build_actions(self) -> None:
        def action(text: str, slot: Callable[[], object], key: str, tip: str) -> QAction:
            made = QAction(text, self)
            made.setShortcut(QKeySequence(key))
            made.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            made.setToolTip(f"{tip} ({key})")
            made.setStatusTip(tip)
            made.triggered.connect(slot)
            self.addAction(made)
            return made

        self.back_action = action("Previous Frame", lambda: self.step(-1), ",",
                                  "One frame back")
        self.forward_action = action("Next Frame", lambda: self.step(1), ".",
                                     "One frame forward")
        self.home_action = action("First Frame", self.go_home, "Home",
                                  "The first frame")
        self.end_action = action("Last Frame", self.go_end, "End", "The last frame")
        self.take_frame_action = action(
            "Take This Frame", self.take_this_frame, "T",
            "Add the frame on screen to the case as a still, with its provenance")
        self.take_frames_action = action(
            "Take Frames…", self.choose_and_take_frames, "Shift+T",
            "Take many frames as stills: every N seconds, keyframes, scene changes or at"
            " times")

    def detach_info_panel(self) -> VideoInfoPanel:
        """Hand the metadata panel to a host (the window shows it as an inspector tab, where
        the still's metadata is, leaving the player its width beside the map)."""
        self.info_panel.setParent(None)
        return self.info_panel

    def window_actions(self) -> list[QAction]:
        """The actions a window puts in its menu and binds window-wide: stepping and taking
        (Home and End stay the view's own, so the evidence list keeps its Home and End)."""
        return [self.back_action, self.forward_action, self.take_frame_action,
                self.take_frames_action]

    def set_taker(self, taker: Taker | None) -> None:
        """How frames become stills (None: this view cannot take frames, e.g. read-only)."""
        self._taker = taker
        self._update_state()

    # ----------------------------------------------------------------- opening

    @property
    def info(self) -> OpenVideo | None:
        """What the open video's worker learnt (None while opening or after a refusal)."""
        return self._opened

    @property
    def table(self) -> FrameTable | None:
        return self._opened.table if self._opened is not None else None

    @property
    def current_index(self) -> int:
        """The frame asked for last (shown as soon as it is decoded)."""
        return self._target

    @property
    def shown_frame(self) -> TakenFrame | None:
        """The frame on screen (its provenance; its pixels are `image()`)."""
        return self._shown

    def image(self) -> QImage:
        return self.canvas.image

    def open_video(self, source: VideoSource, *, table: FrameTable | None = None,
                   name: str = "", evidence_id: int | None = None,
                   key: str = "") -> None:
        """Show a video: its worker opens it (quickly with its stored frame table), then the
        first frame appears and the scenes are looked for. `key` names the video's bytes
        (its SHA-256): scenes found once are shown again at once when it is shown again."""
        self.close_video()
        self.name = name
        self.evidence_id = evidence_id
        self._source = source
        self._key = key
        self.canvas.set_message("Opening the video…")
        fetcher = FrameFetcher(source, table=table, session_factory=self._session_factory)
        queued = Qt.ConnectionType.QueuedConnection
        fetcher.opened.connect(lambda opened, f=fetcher: self._on_opened(f, opened), queued)
        fetcher.openFailed.connect(lambda reason, f=fetcher: self._on_open_failed(f, reason),
                                   queued)
        fetcher.frameReady.connect(
            lambda frame, image, f=fetcher: self._on_frame(f, frame, image), queued)
        fetcher.frameFailed.connect(
            lambda index, reason, f=fetcher: self._on_frame_failed(f, index, reason), queued)
        self._fetcher = fetcher
        fetcher.start()
        self._update_state()

    def close_video(self, message: str = "") -> None:
        """Show no video (a take in progress goes on: it writes to the case)."""
        fetcher, self._fetcher = self._fetcher, None
        if fetcher is not None:
            fetcher.close()
        if self._scenes_job is not None:
            self._jobs.stop(self._scenes_job, wait_s=0)
            self._scenes_job = None
        self._opened = None
        self._shown = None
        self._source = None
        self._target = 0
        self.evidence_id = None
        self._found = []
        self._key = ""
        self.filmstrip.clear()
        self.filmstrip.hide()  # shown when the first scene is found
        self.scenes_label.clear()
        self.info_panel.set_info(None)
        self.scrubber.blockSignals(True)
        self.scrubber.setRange(0, 0)
        self.scrubber.set_keyframes(())
        self.scrubber.blockSignals(False)
        self.canvas.set_message(message)
        self._update_labels()
        self._update_state()

    def shutdown(self) -> None:
        """Before the window closes: the video's worker ends; a take is let finish."""
        self.close_video()
        self._jobs.shutdown()

    def _on_opened(self, fetcher: FrameFetcher, opened: OpenVideo) -> None:
        if fetcher is not self._fetcher:
            return  # another video was chosen meanwhile
        self._opened = opened
        table = opened.table
        self.info_panel.set_info(opened.info)
        self.scrubber.blockSignals(True)
        self.scrubber.setRange(0, max(0, table.frames - 1))
        rate = opened.info.fps or 25.0
        self.scrubber.setPageStep(max(1, round(rate)))
        self.scrubber.setValue(0)
        self.scrubber.set_keyframes(table.keyframes)
        self.scrubber.blockSignals(False)
        self.opened.emit(opened)
        self.show_frame(0)
        known = self._scenes_seen.get(self._key) if self._key else None
        if known is not None:
            self._scenes_seen.move_to_end(self._key)
            for scene in known:
                self._on_scene(0, 0, scene)
            self._on_scenes_done(len(known))
        elif self._find_scenes and self._source is not None:
            self._start_scenes(self._source, table)
        self._update_state()

    def _on_open_failed(self, fetcher: FrameFetcher, reason: str) -> None:
        if fetcher is not self._fetcher:
            return
        self._fetcher = None
        fetcher.close()
        text = reason[:1].upper() + reason[1:]
        self.canvas.set_message(f"This video cannot be played.\n\n{text}\n\nIts original and"
                                " hash are still in the case.")
        self.failed.emit(reason)
        self._update_state()

    # ----------------------------------------------------------------- moving

    def show_frame(self, index: int) -> None:
        """Go to frame `index` (kept within the video); shown when decoded, and a frame
        asked for after it replaces it before it is decoded."""
        table = self.table
        if table is None or self._fetcher is None:
            return
        index = max(0, min(int(index), table.frames - 1))
        self._target = index
        if self.scrubber.value() != index:
            self.scrubber.blockSignals(True)
            self.scrubber.setValue(index)
            self.scrubber.blockSignals(False)
        self._update_labels()
        self._fetcher.request(index)

    def show_time(self, seconds: float) -> None:
        """Go to the frame on screen at `seconds` since the first frame."""
        table = self.table
        if table is not None:
            self.show_frame(table.index_at(max(0.0, min(seconds, table.end_s()))))

    def step(self, delta: int) -> None:
        """`delta` frames forward (back when negative) from the frame asked for last."""
        self.show_frame(self._target + delta)

    def go_home(self) -> None:
        self.show_frame(0)

    def go_end(self) -> None:
        table = self.table
        if table is not None:
            self.show_frame(table.frames - 1)

    def _on_frame(self, fetcher: FrameFetcher, frame: TakenFrame, image: QImage) -> None:
        if fetcher is not self._fetcher:
            return
        self._shown = frame
        if image.isNull():
            self.canvas.set_message("This frame has no picture to show.")
        else:
            self.canvas.set_image(image)
        self._update_labels()
        self.frameShown.emit(frame.frame_index)

    def _on_frame_failed(self, fetcher: FrameFetcher, index: int, reason: str) -> None:
        if fetcher is not self._fetcher:
            return
        self.canvas.set_message(f"Frame {index:,} could not be shown: {reason}.",
                                keep_image=True)
        self.message.emit(f"Frame {index:,} could not be shown: {reason}")

    def _update_labels(self) -> None:
        table = self.table
        if table is None:
            self.time_label.setText("--:--:--.---")
            self.frame_label.setText("")
            self.keyframe_label.setText("")
            return
        index = self._target
        from desk.core.video_frames import timecode  # Pillow loads with a video, not at start

        self.time_label.setText(timecode(table.seconds(index)))
        self.frame_label.setText(f"frame {index:,} of {table.frames:,}")
        self.keyframe_label.setText("KEYFRAME" if table.is_keyframe(index) else "")

    # ----------------------------------------------------------------- scenes

    def _start_scenes(self, source: VideoSource, table: FrameTable) -> None:
        self.scenes_label.setText("Looking for scene changes…")
        job = Job(lambda control: find_scenes(source, table, control), name="scenes")
        job.progressed.connect(self._on_scene)
        job.succeeded.connect(self._on_scenes_done)
        job.failed.connect(self._on_scenes_failed)
        self._scenes_job = self._jobs.start(job)

    def _on_scene(self, found: int, _total: int, scene: object) -> None:
        if isinstance(scene, Scene):
            self._found.append(scene)
            self.filmstrip.add_scene(scene)
            self.filmstrip.show()
            self.scenes_label.setText(f"Looking for scene changes… {found:,} so far")

    def _on_scenes_done(self, found: object) -> None:
        count = int(found) if isinstance(found, int) else self.filmstrip.count()
        if self._key and self._scenes_job is not None:
            self._scenes_seen[self._key] = list(self._found)
            while len(self._scenes_seen) > SCENES_KEPT:
                self._scenes_seen.popitem(last=False)
        self.scenes_label.setText(f"{count:,} scene{'s' if count != 1 else ''}")
        self.scenes_label.setToolTip("Click a scene below to go to its first frame")
        self._scenes_job = None

    def _on_scenes_failed(self, reason: str) -> None:
        self.scenes_label.setText(f"Scene changes not found: {reason}")
        self._scenes_job = None

    @property
    def finding_scenes(self) -> bool:
        return self._scenes_job is not None

    # ----------------------------------------------------------------- taking frames

    @property
    def taking(self) -> bool:
        return self._take_job is not None

    def take_this_frame(self) -> Job | None:
        """The frame asked for last, as a still of the case."""
        table = self.table
        if table is None:
            return None
        from desk.core.video_frames import FrameRequest

        return self.take_frames(FrameRequest("at", times=(frame_time(table, self._target),)),
                                what=f"frame {self._target:,}")

    def choose_and_take_frames(self) -> Job | None:
        from desk.ui.video.take_frames_dialog import TakeFramesDialog

        table = self.table
        if table is None or self._taker is None or self._take_job is not None:
            return None
        dialog = TakeFramesDialog(table.end_s(), self)
        try:
            if not dialog.exec():
                return None
            request = dialog.request()
        finally:
            dialog.deleteLater()
        return self.take_frames(request)

    def take_frames(self, request: FrameRequest, *, what: str = "") -> Job | None:
        """Take frames as stills in the background (one take at a time)."""
        taker = self._taker
        if taker is None or self.table is None or self._take_job is not None:
            return None
        what = what or {"every": f"a frame every {request.every:g} s",
                        "keyframes": "the keyframes", "scenes": "the scene changes",
                        "at": f"{len(request.times):,} frame(s) at the times given"
                        }[request.mode]
        job = Job(lambda control: taker(request, control), name="take frames")
        job.progressed.connect(self._on_take_progress)
        job.succeeded.connect(self._on_taken)
        job.failed.connect(self._on_take_failed)
        job.cancelled.connect(lambda: self.message.emit("Taking frames cancelled"))
        job.finished.connect(self._on_take_over)
        self._take_job = job
        self.progress_label.setText(f"Taking {what}…")
        self.progress_bar.setRange(0, 0)
        self.cancel_button.setEnabled(True)
        self.progress_row.show()
        self._update_state()
        return self._jobs.start(job)

    def cancel_taking(self) -> None:
        if self._take_job is not None:
            self._take_job.cancel()
            self.cancel_button.setEnabled(False)
            self.progress_label.setText("Cancelling…")

    def _on_take_progress(self, done: int, total: int, _detail: object) -> None:
        if total > 0:
            self.progress_bar.setRange(0, total)
            self.progress_bar.setValue(done)
        if self._take_job is not None and not self._take_job.cancelling:
            self.progress_label.setText(f"Taking frames… {done:,}"
                                        + (f" of {total:,}" if total > 0 else ""))

    def _on_taken(self, results: object) -> None:
        if self._take_job is not None and self._take_job.cancelling:
            count = len(results) if isinstance(results, Sequence) else 0
            self.message.emit(f"Taking frames cancelled after {count:,}")
        self.framesTaken.emit(results)

    def _on_take_failed(self, reason: str) -> None:
        self.takeFailed.emit(reason)
        self.message.emit(f"Frames not taken: {reason}")

    def _on_take_over(self) -> None:
        self._take_job = None
        self.progress_row.hide()
        self._update_state()
        self.takeFinished.emit()

    # ----------------------------------------------------------------- state

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802
        super().showEvent(event)
        self._update_state()

    def hideEvent(self, event: QHideEvent) -> None:  # noqa: N802
        super().hideEvent(event)
        self._update_state()

    def _update_state(self) -> None:
        # Hidden (a still shown, or the Claims page), its keys are not the window's: T in
        # another page must not take a frame of a video out of sight.
        ready = self._opened is not None and self._fetcher is not None and self.isVisible()
        for action in (self.back_action, self.forward_action, self.home_action,
                       self.end_action):
            action.setEnabled(ready)
        self.scrubber.setEnabled(ready)
        can_take = ready and self._taker is not None and self._take_job is None
        self.take_frame_action.setEnabled(can_take)
        self.take_frames_action.setEnabled(can_take)
        self.take_button.setEnabled(can_take)
        self.take_many_button.setEnabled(can_take)
