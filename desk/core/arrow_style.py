"""How a movement arrow looks wherever it is drawn: its label and its colour, from the case.

The frame in the window, the map, the dossier's stills and its map sketch all draw the same
arrow, so they take both from here and a reader never meets one arrow under two names or in two
colours. An arrow without a label is "Arrow N", numbered per frame from 1 in the order the arrows
were drawn (by id), so the first arrow on every frame is "Arrow 1".
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from desk.core.model import Movement

#: The colour of an arrow whose stored colour is missing or not a #rgb / #rrggbb value.
DEFAULT_COLOUR = "#e4572e"
#: Views with little room (a tag on a frame, a map label) shorten longer labels to this.
SHORT_LABEL_CHARS = 48

_HEX = re.compile(r"^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$")


@dataclass(frozen=True)
class ArrowStyle:
    """What every view shows of one arrow."""

    label: str
    colour: str  # "#rrggbb", lower case: safe in CSS, SVG and Qt alike

    @property
    def short_label(self) -> str:
        return short_label(self.label)


def arrow_colour(movement: Movement) -> str:
    """The arrow's colour as "#rrggbb" (the default for anything else stored in the case)."""
    text = movement.color or ""
    if not _HEX.match(text):
        return DEFAULT_COLOUR
    text = text.lower()
    if len(text) == 4:
        text = "#" + "".join(c * 2 for c in text[1:])
    return text


def arrow_label(movement: Movement, number: int) -> str:
    """The reviewer's label as stored, or "Arrow N" for the frame's N-th arrow."""
    text = movement.label or ""
    return text if text.strip() else f"Arrow {number}"


def short_label(text: str, limit: int = SHORT_LABEL_CHARS) -> str:
    """On one line, as HTML shows it anyway, and no longer than `limit`."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"


def arrow_styles(movements: Iterable[Movement]) -> dict[int, ArrowStyle]:
    """Every arrow's style by movement id, numbering each frame's arrows from 1 by id.

    Give it all of a frame's arrows (any number of frames at once): a subset would number
    the unlabelled ones differently from the views that see them all.
    """
    by_frame: dict[int, list[Movement]] = {}
    for movement in movements:
        by_frame.setdefault(movement.evidence_id, []).append(movement)
    styles: dict[int, ArrowStyle] = {}
    for frame in by_frame.values():
        for number, movement in enumerate(sorted(frame, key=lambda m: m.id), start=1):
            styles[movement.id] = ArrowStyle(arrow_label(movement, number),
                                             arrow_colour(movement))
    return styles
