"""The filmstrip: the first frame of each scene of a video, in time order, clickable.

Finding scene changes decodes every frame of the video (each is compared with the one
before), so it runs as background work after the video opens and the strip fills in as
scenes are found. A click seeks the view to that scene's first frame.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QColor, QIcon, QImage, QPixmap
from PySide6.QtWidgets import QListView, QListWidget, QListWidgetItem, QWidget

from desk.ui.common import theme

if TYPE_CHECKING:
    from desk.core.video_container import VideoSource
    from desk.core.video_frames import FrameTable
    from desk.ui.common.workers import Control

#: Thumbnail size of a scene (logical pixels; letterboxed).
THUMB = QSize(96, 54)
#: Role of an item's frame index.
FRAME_ROLE = Qt.ItemDataRole.UserRole + 1


@dataclass(frozen=True)
class Scene:
    """One scene's start as the strip shows it."""

    frame_index: int
    pts_s: float
    timecode: str
    thumbnail: QImage


def find_scenes(source: VideoSource, table: FrameTable | None, control: Control) -> int:
    """Background work: the scene starts of `source`, each reported as it is found
    (`control.progress(n, 0, Scene)`); returns how many. Runs in its own video worker, so
    scrubbing goes on meanwhile."""
    from desk.core.video_frames import FrameRequest
    from desk.core.video_isolation import take_frames_isolated
    from desk.ui.video.frame_fetcher import frame_image

    found = 0
    for frame in take_frames_isolated(source, FrameRequest("scenes"), table=table,
                                      cancel=control.cancelled):
        image = frame_image(frame).scaled(THUMB * 2, Qt.AspectRatioMode.KeepAspectRatio,
                                          Qt.TransformationMode.SmoothTransformation)
        found += 1
        control.progress(found, 0, Scene(frame.frame_index, frame.pts_s, frame.timecode,
                                         image))
    control.check()
    return found


class Filmstrip(QListWidget):
    """A single row of scene thumbnails with their times."""

    sceneChosen = Signal(int)  # noqa: N815 - frame index of the scene's first frame

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("Filmstrip")
        self.setViewMode(QListView.ViewMode.IconMode)
        self.setFlow(QListView.Flow.LeftToRight)
        self.setWrapping(False)
        self.setMovement(QListView.Movement.Static)
        self.setResizeMode(QListView.ResizeMode.Adjust)
        self.setIconSize(THUMB)
        self.setSpacing(4)
        self.setUniformItemSizes(True)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setFixedHeight(THUMB.height() + 48)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # keys stay with the view (, . Home End)
        self.setToolTip("Scene changes: click one to go to its first frame")
        self.itemClicked.connect(self._clicked)

    def add_scene(self, scene: Scene) -> None:
        pixmap = QPixmap(THUMB * 2)
        pixmap.fill(QColor(theme.CANVAS))
        if not scene.thumbnail.isNull():
            from PySide6.QtGui import QPainter

            painter = QPainter(pixmap)
            shown = scene.thumbnail
            painter.drawImage((pixmap.width() - shown.width()) // 2,
                              (pixmap.height() - shown.height()) // 2, shown)
            painter.end()
        item = QListWidgetItem(QIcon(pixmap), scene.timecode)
        item.setData(FRAME_ROLE, scene.frame_index)
        item.setToolTip(f"Scene from frame {scene.frame_index:,} at {scene.timecode}")
        item.setTextAlignment(Qt.AlignmentFlag.AlignHCenter)
        item.setSizeHint(QSize(THUMB.width() + 12, THUMB.height() + 28))
        self.addItem(item)

    def frame_indices(self) -> list[int]:
        return [int(self.item(row).data(FRAME_ROLE)) for row in range(self.count())]

    def _clicked(self, item: QListWidgetItem) -> None:
        self.sceneChosen.emit(int(item.data(FRAME_ROLE)))
