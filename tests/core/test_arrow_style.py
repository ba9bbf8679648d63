"""The one rule for an arrow's label and colour that the window, the map and the dossier share."""

from __future__ import annotations

from desk.core.arrow_style import DEFAULT_COLOUR, arrow_colour, arrow_styles, short_label
from desk.core.model import Movement


def test_unlabelled_arrows_are_numbered_per_frame_from_one_in_drawing_order() -> None:
    moves = [Movement(7, 2, label=""), Movement(3, 1, label="column of 5 soldiers"),
             Movement(5, 1, label=" "), Movement(9, 1), Movement(4, 2, label="tank")]
    styles = arrow_styles(moves)
    assert styles[3].label == "column of 5 soldiers"
    assert styles[5].label == "Arrow 2"  # the frame's second arrow, though it is movement 5
    assert styles[9].label == "Arrow 3"
    assert styles[4].label == "tank"
    assert styles[7].label == "Arrow 2"  # frame 2 counts on its own


def test_colours_are_the_case_colour_as_rrggbb_or_the_default() -> None:
    assert arrow_colour(Movement(1, 1, color="#D62728")) == "#d62728"
    assert arrow_colour(Movement(1, 1, color="#f0a")) == "#ff00aa"
    for bad in ("", "red", "#12345", "#d62728; background:url(x)", "javascript:1"):
        assert arrow_colour(Movement(1, 1, color=bad)) == DEFAULT_COLOUR


def test_long_labels_are_shortened_with_an_ellipsis_only_when_they_need_it() -> None:
    assert short_label("x" * 48) == "x" * 48
    assert short_label("word " * 20) == ("word " * 10)[:47].rstrip() + "…"  # no space before …
    assert len(short_label("y" * 200)) == 48
    assert short_label("two\nlines  here") == "two lines here"  # one line, as HTML shows it
