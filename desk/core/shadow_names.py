"""What a shadow is called wherever it is shown: its label, else "Shadow N".

The frame, the Sun tab and the map name a frame's shadows the same way, so a reviewer reading
"Shadow 2" on the map finds the same line on the frame.
"""

from __future__ import annotations

from collections.abc import Iterable

from desk.core.model import Shadow


def shadow_names(shadows: Iterable[Shadow]) -> dict[int, str]:
    """Each shadow's name: its label, else "Shadow N", N counting the frame's shadows from 1
    in the order they were added (by id). Pass the shadows of one frame."""
    names: dict[int, str] = {}
    for number, shadow in enumerate(sorted(shadows, key=lambda s: s.id), start=1):
        names[shadow.id] = " ".join(shadow.label.split()) or f"Shadow {number}"
    return names
