"""Untrusted text made safe to display, store and log.

Metadata strings come from whoever made the file: they may carry terminal escapes, bidi
overrides that reverse what a reviewer reads ("gpj.exe"), zero-width characters that make
two different names look equal, or megabytes of padding. Everything shown passes here first.
"""

from __future__ import annotations

from desk.core.limits import TEXT_LIMIT

ELLIPSIS = "…"

_INVISIBLE: tuple[int, ...] = (
    0x061C,  # Arabic letter mark
    *range(0x200B, 0x2010),  # zero-width space/joiners, LRM, RLM
    *range(0x202A, 0x202F),  # bidi embeddings and overrides
    *range(0x2060, 0x206A),  # word joiner, invisible operators, bidi isolates
    0xFEFF,  # zero-width no-break space / BOM
)


def _build_table() -> dict[int, str | None]:
    table: dict[int, str | None] = {}
    for code in (*range(0x00, 0x20), *range(0x7F, 0xA0)):  # category Cc, NUL included
        # Control characters that are line or column breaks become spaces so words stay apart.
        table[code] = " " if chr(code).isspace() else None
    for code in _INVISIBLE:
        table[code] = None
    for code in range(0xD800, 0xE000):  # lone surrogates cannot be stored as UTF-8
        table[code] = None
    return table


_TABLE = _build_table()


def clean_text(value: object, limit: int = TEXT_LIMIT) -> str:
    """Return `value` as one display-safe line of at most `limit` characters.

    Bytes are decoded as UTF-8 with replacement; control, bidi and invisible format
    characters are removed; whitespace runs become one space; a cut is marked with "…".
    None becomes "" rather than "None", because absent metadata is not the word "None".
    """
    if limit <= 0 or value is None:
        return ""
    if isinstance(value, bytes | bytearray | memoryview):
        text = bytes(value).decode("utf-8", errors="replace")
    else:
        text = value if isinstance(value, str) else str(value)
    # Only a bounded prefix is worked on: cleaning never shrinks text by more than this
    # factor in practice, and a hostile 100 MB string must not cost 100 MB of work.
    window = limit * 8 + 64
    cut = len(text) > window
    text = " ".join(text[:window].translate(_TABLE).split())
    if len(text) > limit or (cut and text):
        text = text[: limit - 1].rstrip() + ELLIPSIS
    return text
