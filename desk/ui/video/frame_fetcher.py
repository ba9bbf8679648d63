"""Frames of one open video fetched off the GUI thread, the latest request first.

Scrubbing asks for dozens of frames a second; a decode takes tens of milliseconds (more
across a keyframe gap). So requests are not queued: the fetcher keeps only the newest one
and, when a decode ends, decodes whatever was asked for last, never the frames the slider
passed meanwhile. Everything touching the `VideoSession` (its worker process, its pipe)
happens on the fetcher's own thread, one call at a time, as the session requires; results
come back to the GUI thread as queued Qt signals.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QImage, QTransform

from desk.core.errors import Rejected

if TYPE_CHECKING:
    from desk.core.video_container import VideoSource
    from desk.core.video_frames import FrameTable, TakenFrame
    from desk.core.video_isolation import VideoSession

log = logging.getLogger(__name__)

#: Makes the session a fetcher drives (tests give one with a short time limit).
SessionFactory = Callable[["VideoSource", "FrameTable | None"], "VideoSession"]


def default_session(source: VideoSource, table: FrameTable | None) -> VideoSession:
    from desk.core.video_isolation import VideoSession

    return VideoSession(source, table=table)


def frame_image(frame: TakenFrame) -> QImage:
    """The frame's RGB rendering as a QImage of its own, turned upright (the container's
    rotation applied, as a viewer shows the footage). In 32-bit RGB, which Qt paints about
    four times faster than 24-bit: the conversion is done here, off the GUI thread."""
    if not frame.rgb or frame.width <= 0 or frame.height <= 0:
        return QImage()
    image = QImage(frame.rgb, frame.width, frame.height, frame.width * 3,
                   QImage.Format.Format_RGB888).convertToFormat(  # owns its pixels
        QImage.Format.Format_RGB32)
    if frame.rotation:
        image = image.transformed(QTransform().rotate(frame.rotation))
    turned: QImage = image
    return turned


class FrameFetcher(QObject):
    """Opens one video in a `VideoSession` on a thread of its own and decodes the frames
    asked for, the newest request only. Signals arrive on the GUI thread."""

    opened = Signal(object)  # OpenVideo: the video's metadata and frame table
    openFailed = Signal(str)  # noqa: N815 - why the video cannot be played, one line
    frameReady = Signal(object, QImage)  # noqa: N815 - TakenFrame (no rgb) and its image
    frameFailed = Signal(int, str)  # noqa: N815 - frame index, reason

    def __init__(self, source: VideoSource, *, table: FrameTable | None = None,
                 session_factory: SessionFactory = default_session) -> None:
        super().__init__()
        self._source = source
        self._table = table
        self._factory = session_factory
        self._cond = threading.Condition()
        self._wanted: int | None = None
        self._stopping = False
        self._silenced = False
        self._thread: threading.Thread | None = None
        self.decoded = 0  # frames decoded (how many requests coalescing saved is visible)

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="desk-video-frames",
                                            daemon=True)
            self._thread.start()

    def request(self, index: int) -> None:
        """Ask for frame `index`; an earlier request not yet begun is dropped."""
        with self._cond:
            self._wanted = index
            self._cond.notify()

    @property
    def busy(self) -> bool:
        with self._cond:
            return self._wanted is not None

    def close(self, wait_s: float = 0.0) -> None:
        """Stop: nothing more is reported; the session's worker ends on the thread (a decode
        in flight is let finish, within the session's own time limit)."""
        with self._cond:
            self._stopping = True
            self._silenced = True
            self._cond.notify()
        if wait_s and self._thread is not None:
            self._thread.join(wait_s)

    # ----------------------------------------------------------------- the thread

    def _emit(self, signal: Signal, *args: object) -> None:
        if self._silenced:
            return
        try:
            signal.emit(*args)  # type: ignore[attr-defined]
        except RuntimeError:  # the receiver's side is gone (the window closed)
            self._silenced = True

    def _run(self) -> None:
        session = self._factory(self._source, self._table)
        try:
            try:
                opened = session.open()
            except Rejected as exc:
                self._emit(self.openFailed, exc.reason)
                return
            except Exception as exc:  # a player never shows a traceback
                log.warning("could not open a video", exc_info=exc)
                self._emit(self.openFailed, "desk could not open this video to play it.")
                return
            self._emit(self.opened, opened)
            while True:
                with self._cond:
                    while self._wanted is None and not self._stopping:
                        self._cond.wait()
                    if self._stopping:
                        return
                    index, self._wanted = self._wanted, None
                if index is not None:
                    self._decode(session, index)
        finally:
            session.close()

    def _decode(self, session: VideoSession, index: int) -> None:
        import dataclasses

        try:
            frame = session.frame(index)
        except Rejected as exc:
            self._emit(self.frameFailed, index, exc.reason)
            return
        except Exception as exc:
            log.warning("could not decode frame %s", index, exc_info=exc)
            self._emit(self.frameFailed, index, "this frame could not be decoded")
            return
        self.decoded += 1
        image = frame_image(frame)
        self._emit(self.frameReady, dataclasses.replace(frame, rgb=b""), image)
