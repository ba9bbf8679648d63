"""Untrusted strings reach the reviewer as one clean line: no escapes, no bidi tricks."""

from __future__ import annotations

import pytest

from desk.core.limits import TEXT_LIMIT
from desk.core.sanitize import clean_text


def test_control_characters_and_terminal_escapes_are_stripped() -> None:
    assert clean_text("Can\x00on\x1b[31m EOS\x07\x7f\x9b") == "Canon[31m EOS"


def test_line_breaks_and_tabs_become_single_spaces() -> None:
    assert clean_text("  Nikon\r\n\tD850 \u2028 body  ") == "Nikon D850 body"


@pytest.mark.parametrize(
    "hidden", ["\u202e", "\u202a", "\u2066", "\u2069", "\u200b", "\u200f", "\u061c", "\ufeff"]
)
def test_bidi_and_invisible_format_characters_are_removed(hidden: str) -> None:
    assert clean_text(f"photo{hidden}gpj.exe") == "photogpj.exe"


def test_bytes_are_decoded_as_utf8_with_replacement() -> None:
    assert clean_text(b"Sony \xff\xfe ILCE") == "Sony \ufffd\ufffd ILCE"


def test_lone_surrogates_are_dropped_so_the_text_can_be_stored() -> None:
    assert clean_text("a\ud800b") == "ab"


def test_long_text_is_cut_with_an_ellipsis_within_the_limit() -> None:
    assert clean_text("x" * 10, 5) == "xxxx…"
    assert len(clean_text("y" * 10_000_000)) == TEXT_LIMIT
    assert clean_text("short", 5) == "short"


def test_none_and_other_objects() -> None:
    assert clean_text(None) == ""
    assert clean_text(42) == "42"
    assert clean_text("anything", 0) == ""
