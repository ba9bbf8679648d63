"""The few maker-note fields desk reads: documented, fixed-size, found without searching.

A maker note is a camera maker's private block inside EXIF (tag 0x927C). Most are undocumented,
change between models, and use offsets from bases that differ by vendor; exifread reads them
only with `details=True`, which costs far more and is where crafted EXIF does its harm. So desk
skips maker notes (the README lists which and why) except where a field is documented, fixed in
size and reachable in a bounded number of steps:

- Nintendo (3DS): CameraInfo (tag 0x1101), TimeStamp at byte 8, seconds since 2000-01-01 on
  the camera's clock (ExifTool's Nintendo tables), read as the capture time's local wall clock.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from datetime import datetime, timedelta

_TIFF_MAGIC = (b"II*\x00", b"MM\x00*")
_EXIF_IFD = 0x8769
_MAKER_NOTE = 0x927C
_NINTENDO_CAMERA_INFO = 0x1101
#: Entries looked at in one directory (IFD0, the EXIF IFD, a maker note's own).
MAX_ENTRIES = 512
_NINTENDO_EPOCH = datetime(2000, 1, 1)


@dataclass(frozen=True)
class MakerNoteTime:
    """A time a maker note states: its source name and the camera's local wall clock."""

    source: str
    moment: datetime


def maker_note_times(tiff: bytes | None, make: str | None) -> list[MakerNoteTime]:
    """Capture times from the maker note of one EXIF block (a TIFF structure), if its maker
    is one desk reads; [] for every other maker, a missing note or any malformed byte."""
    if tiff is None or not make:
        return []
    tiff = tiff.removeprefix(b"Exif\x00\x00")
    if tiff[:4] not in _TIFF_MAGIC:
        return []
    reader = _Tiff(tiff)
    try:
        note = reader.maker_note()
        if note is None:
            return []
        if make.strip().lower().startswith("nintendo"):
            return _nintendo(reader, note)
    except (struct.error, ValueError, OverflowError):
        return []
    return []


def _nintendo(reader: _Tiff, note: tuple[int, int]) -> list[MakerNoteTime]:
    """The 3DS maker note is a plain directory at the note's start, offsets from the TIFF
    header; CameraInfo is little-endian whatever the EXIF byte order."""
    start, _ = note
    for tag, kind, count, value_at in reader.entries(start):
        if tag != _NINTENDO_CAMERA_INFO or kind != 7 or count < 12:
            continue
        where = reader.number(value_at, 4) if count > 4 else value_at
        info = reader.tiff[where:where + 12]
        if len(info) < 12 or info[:3] != b"3DS":
            return []
        (seconds,) = struct.unpack_from("<I", info, 8)
        if seconds == 0:
            return []
        moment = _NINTENDO_EPOCH + timedelta(seconds=seconds)
        return [MakerNoteTime("MakerNote Nintendo TimeStamp", moment)]
    return []


class _Tiff:
    """Bounded reads of a TIFF block; out-of-range offsets raise struct.error."""

    def __init__(self, tiff: bytes) -> None:
        self.tiff = tiff
        self.order = "<" if tiff[:2] == b"II" else ">"

    def number(self, offset: int, size: int) -> int:
        fmt = {2: "H", 4: "I"}[size]
        return int(struct.unpack_from(self.order + fmt, self.tiff, offset)[0])

    def entries(self, ifd: int) -> list[tuple[int, int, int, int]]:
        """(tag, type, count, offset of the value field) of each entry of one directory."""
        count = min(self.number(ifd, 2), MAX_ENTRIES)
        result = []
        for index in range(count):
            entry = ifd + 2 + 12 * index
            tag, kind, values = struct.unpack_from(self.order + "HHI", self.tiff, entry)
            result.append((tag, kind, values, entry + 8))
        return result

    def maker_note(self) -> tuple[int, int] | None:
        """(offset, length) of the maker note: IFD0 -> EXIF IFD -> tag 0x927C."""
        exif_ifd = None
        for tag, _, _, value_at in self.entries(self.number(4, 4)):
            if tag == _EXIF_IFD:
                exif_ifd = self.number(value_at, 4)
        if exif_ifd is None:
            return None
        for tag, _, count, value_at in self.entries(exif_ifd):
            if tag == _MAKER_NOTE and count > 4:
                start = self.number(value_at, 4)
                if start + count <= len(self.tiff):
                    return start, count
        return None
