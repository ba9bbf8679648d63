"""The segments of a JPEG's header, walked the same way everywhere desk reads one: bounded,
tolerant of fill bytes and of markers without a length, and stopping where the image data
(the first scan) or the end of the image begins."""

from __future__ import annotations

import struct
from collections.abc import Iterator

#: Segments walked at most: a crafted file of millions of tiny segments stops here.
MAX_SEGMENTS = 65536


def header_segments(data: bytes, max_steps: int = MAX_SEGMENTS) -> Iterator[tuple[int, int, int]]:
    """(marker, offset of its 0xFF, length field) of each segment before the first scan.

    A segment too short to hold its own length field ends the walk, as does anything that
    is not a marker where one should be."""
    pos = 2
    for _ in range(max_steps):
        if pos + 4 > len(data) or data[pos] != 0xFF:
            return
        marker = data[pos + 1]
        if marker == 0xFF:  # fill byte
            pos += 1
            continue
        if marker == 0x01 or 0xD0 <= marker <= 0xD8:  # markers without a length
            pos += 2
            continue
        if marker in (0xD9, 0xDA):  # end of image, start of scan
            return
        (length,) = struct.unpack_from(">H", data, pos + 2)
        yield marker, pos, length
        if length < 2:
            return
        pos += 2 + length
