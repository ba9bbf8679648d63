"""What the video's container says, beside the player: duration, rate, frames, codec, size,
rotation, creation time, location, device, encoder, and the flags a reviewer must weigh.

Every value but the numbers was written by whoever made the file, so all of it is shown as
plain text (labels forced to PlainText), never as rich text.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import QFormLayout, QFrame, QLabel, QScrollArea, QVBoxLayout, QWidget

from desk.ui.common.labels import plain_label, section_label

if TYPE_CHECKING:
    from desk.core.video_probe import VideoInfo

#: The rows of the panel, in order: key, label.
ROWS: tuple[tuple[str, str], ...] = (
    ("duration", "Duration"),
    ("fps", "Frame rate"),
    ("frames", "Frames"),
    ("codec", "Codec"),
    ("size", "Resolution"),
    ("rotation", "Rotation"),
    ("created", "Created"),
    ("location", "Location"),
    ("device", "Device"),
    ("encoder", "Encoder"),
    ("container", "Container"),
)


def describe_video(info: VideoInfo) -> dict[str, str]:
    """The panel's values as text (ours, with the file's strings inside)."""
    from desk.core.video_frames import timecode

    rate = "unknown" if info.fps is None else f"{info.fps:.3f}".rstrip("0").rstrip(".") + " fps"
    if info.variable_rate:
        rate += " (variable)"
    width, height = info.display_size
    size = f"{width} × {height}"
    if info.rotation:
        size += f" (stored {info.width} × {info.height})"
    created = "—"
    if info.created_at is not None:
        created = info.created_at.isoformat(sep=" ")
        if info.created_at_source:
            created += f"  ({info.created_at_source})"
    location = "—"
    if info.location is not None:
        location = f"{info.location.lat:.6f}, {info.location.lon:.6f}"
        if info.location_source:
            location += f"  ({info.location_source})"
    device = " ".join(part for part in (info.make, info.model) if part) or "—"
    if info.software:
        device += f" · {info.software}"
    return {
        "duration": f"{timecode(info.duration_s)}  ({info.duration_s:.3f} s)",
        "fps": rate,
        "frames": f"{info.frames:,}" + ("" if info.frames_counted else " (stated)"),
        "codec": f"{info.codec_label} · {info.pixel_format}",
        "size": size,
        "rotation": f"{info.rotation}°" if info.rotation else "none",
        "created": created,
        "location": location,
        "device": device,
        "encoder": info.encoder or "—",
        "container": info.container + (" · with audio" if info.has_audio else ""),
    }


class VideoInfoPanel(QScrollArea):
    """The container's claims and flags, as plain text."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("VideoInfoPanel")
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        body = QWidget()
        column = QVBoxLayout(body)
        column.setContentsMargins(10, 8, 10, 8)
        column.setSpacing(6)
        column.addWidget(section_label("Video"))
        form = QFormLayout()
        form.setHorizontalSpacing(10)
        form.setVerticalSpacing(4)
        self.fields: dict[str, QLabel] = {}
        for key, title in ROWS:
            label = plain_label(selectable=True)
            self.fields[key] = label
            form.addRow(QLabel(title), label)
        column.addLayout(form)
        self.flags_heading = section_label("Flags")
        column.addWidget(self.flags_heading)
        self.flags = plain_label(selectable=True)
        column.addWidget(self.flags)
        column.addStretch(1)
        self.setWidget(body)
        self.set_info(None)

    def set_info(self, info: VideoInfo | None) -> None:
        values = describe_video(info) if info is not None else {}
        for key, label in self.fields.items():
            label.setText(values.get(key, "—" if info is None else ""))
        flags = info.flags if info is not None else ()
        self.flags.setText("\n\n".join(f"• {flag.message}" for flag in flags))
        self.flags_heading.setVisible(bool(flags))
        self.flags.setVisible(bool(flags))

    def text(self) -> str:
        """Everything the panel shows, as it reads (for tests and copying)."""
        lines = [f"{title}: {self.fields[key].text()}" for key, title in ROWS]
        if self.flags.isVisibleTo(self):
            lines.append(self.flags.text())
        return "\n".join(lines)
