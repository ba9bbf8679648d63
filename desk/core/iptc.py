"""IPTC IIM records (the newsroom's caption block): dates of creation, city and country.

The block comes from a JPEG's Photoshop APP13 resource 0x0404 (as Pillow found it) or a TIFF's
IPTC-NAA tag 33723. It is read here by a small reader, not by a general one, because every
length in it is the writer's claim: a record whose length runs past the end of the block, an
extended length of absurd size, or more records than any caption has, ends the reading with
a notice and keeps what was read before.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from desk.core.model import Flag
from desk.core.sanitize import clean_text

#: Largest block read (a real one is a few KB); records read at most.
MAX_BLOCK_BYTES = 1024 * 1024
MAX_RECORDS = 10_000
#: Longest value kept of one record.
MAX_VALUE_BYTES = 512

_TIFF_IPTC_TAG = 33723
_PHOTOSHOP_IPTC = 0x0404
_UTF8_ESCAPES = (b"\x1b%G", b"\x1b%/G", b"\x1b%/I")

#: (record, dataset) -> the name desk gives the value.
DATASETS: dict[tuple[int, int], str] = {
    (2, 55): "DateCreated",
    (2, 60): "TimeCreated",
    (2, 62): "DigitalCreationDate",
    (2, 63): "DigitalCreationTime",
    (2, 90): "City",
    (2, 101): "Country",
}


@dataclass(frozen=True)
class Iptc:
    """The wanted values of an IIM block (first of each), and any notice about the block."""

    values: dict[str, str] = field(default_factory=dict)
    flags: tuple[Flag, ...] = ()
    present: bool = False


def block_of(info: dict[object, object], tiff_tags: object = None) -> bytes | None:
    """The IIM block of a JPEG (Pillow's parsed Photoshop resources) or a TIFF (raw tag data,
    which Photoshop types as 4-byte integers, so the tag's bytes are taken as they are)."""
    photoshop = info.get("photoshop")
    if isinstance(photoshop, dict):
        block = photoshop.get(_PHOTOSHOP_IPTC)
        if isinstance(block, bytes) and block:
            return block
    # Pillow keeps each TIFF tag's undecoded bytes here (its own IPTC reader uses them too).
    raw = getattr(tiff_tags, "_tagdata", None)
    if isinstance(raw, dict):
        block = raw.get(_TIFF_IPTC_TAG)
        if isinstance(block, bytes) and block:
            return block
    return None


def read_iptc(block: bytes | None) -> Iptc:
    """Records 2:55, 2:60, 2:62, 2:63, 2:90 and 2:101 of one block, read within its bounds."""
    if block is None:
        return Iptc()
    if len(block) > MAX_BLOCK_BYTES:
        return Iptc(present=True, flags=(_notice(
            f"the block is {len(block) / (1024 * 1024):.1f} MB, over desk's"
            f" {MAX_BLOCK_BYTES // (1024 * 1024)} MB limit, and was not read"),))
    found: dict[str, bytes] = {}
    utf8 = False
    flags: tuple[Flag, ...] = ()
    pos = 0
    records = 0
    end = len(block)
    while pos < end:
        if block[pos] != 0x1C:
            if block[pos:].strip(b"\x00"):
                flags = (_notice(f"unexpected byte 0x{block[pos]:02X} at offset {pos}; the"
                                 " rest was not read"),)
            break
        records += 1
        if records > MAX_RECORDS:
            flags = (_notice(f"more than {MAX_RECORDS:,} records; the rest was not read"),)
            break
        if pos + 5 > end:
            flags = (_notice(f"a record header at offset {pos} is cut off"),)
            break
        record, dataset = block[pos + 1], block[pos + 2]
        length = int.from_bytes(block[pos + 3:pos + 5], "big")
        pos += 5
        if length & 0x8000:  # extended: the low bits count the length bytes that follow
            size = length & 0x7FFF
            if not 1 <= size <= 4 or pos + size > end:
                flags = (_notice(f"record {record}:{dataset} has an extended length of"
                                 f" {size} bytes, which cannot be read"),)
                break
            length = int.from_bytes(block[pos:pos + size], "big")
            pos += size
        if pos + length > end:
            flags = (_notice(f"record {record}:{dataset} claims {length:,} bytes but the block"
                             f" ends {end - pos:,} bytes later; the rest was not read"),)
            break
        value = block[pos:pos + length]
        pos += length
        if (record, dataset) == (1, 90):
            utf8 = value in _UTF8_ESCAPES
        name = DATASETS.get((record, dataset))
        if name is not None and name not in found:
            found[name] = value[:MAX_VALUE_BYTES]
    values = {name: text for name, raw in found.items() if (text := _decode(raw, utf8))}
    return Iptc(values, flags, present=True)


def _decode(raw: bytes, utf8: bool) -> str:
    """IIM text is Latin-1 unless record 1:90 says UTF-8; valid UTF-8 is taken as UTF-8."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = raw.decode("utf-8" if utf8 else "latin-1", "replace")
    return clean_text(text, MAX_VALUE_BYTES)


def _notice(why: str) -> Flag:
    return Flag("iptc_malformed", f"IPTC block is malformed: {why}.")
