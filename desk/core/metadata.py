"""EXIF, XMP, IPTC and maker notes turned into the few facts a reviewer weighs, with sources.

`read_metadata` takes the EXIF block of a file (checked to be readable by exifread in bounded
time), the file's XMP and IPTC as `desk.core.xmp` and `desk.core.iptc` read them, and the
few maker-note times `desk.core.maker_notes` knows; `desk.core.capture_sources` chooses the
capture time and the save time among them. Every value was written by whoever made the
file, so nothing is taken on trust: dates and positions are validated, impossible ones are
dropped with a flag that says why, and every string is cleaned. Each value keeps where it was
read (`Metadata.readings`); the raw table keeps the rest of EXIF for the reviewer who wants
to look. `read_exif` and `normalize` are the EXIF-only part.
"""

from __future__ import annotations

import io
import logging
import math
import re
import struct
from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from fractions import Fraction

import exifread

from desk.core import capture_sources as cs
from desk.core.capture_sources import Stamp
from desk.core.iptc import Iptc, block_of, read_iptc
from desk.core.limits import RAW_VALUE_LIMIT, TEXT_LIMIT
from desk.core.maker_notes import MakerNoteTime, maker_note_times
from desk.core.model import Flag, Gps, Metadata, Reading
from desk.core.sanitize import clean_text
from desk.core.xmp import Xmp, packet_of, read_xmp

# exifread logs a warning for every odd byte of a crafted file; only real errors are kept.
logging.getLogger("exifread").setLevel(logging.ERROR)

#: Most rows kept in the raw EXIF table; a crafted file may carry thousands of tags.
RAW_MAX_ENTRIES = 400
#: Byte-typed values longer than this are binary blobs (ICC profiles, PrintIM...), not text.
RAW_BLOB_BYTES = 64
#: With a known UTC offset, GPS and capture time may differ by less than this (GPS fix lag).
MISMATCH_KNOWN_OFFSET_H = 1.0
#: Without an offset, only a gap no time zone can explain (UTC-12 ... UTC+14) is reported.
MISMATCH_UNKNOWN_OFFSET_H = 14.0
#: The file's own "modified" time may trail capture by this much (in-camera processing).
MODIFIED_GRACE = timedelta(minutes=1)

#: Most value reads exifread may do on one EXIF block (about 0.3 s of its time). Real camera
#: EXIF needs a few thousand; a crafted block of overlapping directories needs billions.
EXIF_READ_BUDGET = 200_000

EXIF_UNREADABLE = Flag("exif_unreadable", "EXIF block is malformed and was skipped")
NO_METADATA = Flag(
    "no_metadata",
    "No metadata: typical of social-media re-uploads and screenshots, which strip EXIF.",
)
NO_CAPTURE_TIME = Flag("no_capture_time", "No capture time in the metadata.")
NO_GPS = Flag("no_gps", "No GPS position in the metadata.")
NULL_ISLAND = Flag(
    "null_island",
    'GPS position is exactly 0°, 0° ("Null Island"): a placeholder written without a real '
    "fix, not a location.",
)
MAGNETIC_DIRECTION = Flag(
    "magnetic_direction",
    "Camera direction is given relative to magnetic north, so it is off from true north by "
    "the local magnetic declination.",
)

_BYTE_TYPES = frozenset({1, 6, 7})  # BYTE, SIGNED_BYTE, UNDEFINED in EXIF field-type numbering
_THUMBNAIL_KEYS = frozenset({"JPEGThumbnail", "TIFFThumbnail"})

_EXIF_DATETIME = re.compile(
    r"(\d{4})[:-](\d{2})[:-](\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.\d{1,9})?"
)
_EXIF_DATE = re.compile(r"(\d{4})[:-](\d{2})[:-](\d{2})")
_UTC_OFFSET = re.compile(r"([+-])(\d{2}):(\d{2})")
_BLANK_DATE = re.compile(r"[\s:.-]*")

_EDITORS = re.compile(
    r"photoshop|adobe|lightroom|\bgimp\b|snapseed|picsart|pixelmator|affinity|\bcanva\b"
    r"|facetune|paint\.net|photo ?editor|luminar|capture ?one|darktable|rawtherapee"
    r"|photoscape|fotor|\bvsco\b|polarr|meitu|photodirector|paintshop|corel|acdsee"
    r"|photopea|pixlr|befunky|airbrush|faceapp|remini|photoroom|lightx",
    re.IGNORECASE,
)

#: EXIF capture-time tags, best first, each with the offset tags that belong to it.
_CAPTURE_SOURCES: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("EXIF DateTimeOriginal", "EXIF DateTimeOriginal",
     ("EXIF OffsetTimeOriginal", "EXIF OffsetTime")),
    ("EXIF DateTimeDigitized", "EXIF DateTimeDigitized",
     ("EXIF OffsetTimeDigitized", "EXIF OffsetTimeOriginal", "EXIF OffsetTime")),
)
#: IFD0 DateTime is when the file was last written: a save time, never a capture time.
_SAVE_TAG = "Image DateTime"
_SAVE_OFFSET_TAG = "EXIF OffsetTime"

#: XMP date properties: (name read by desk.core.xmp, source name), capture then save.
_XMP_CAPTURE = (
    ("exif:DateTimeOriginal", "XMP exif:DateTimeOriginal"),
    ("photoshop:DateCreated", "XMP photoshop:DateCreated"),
    ("exif:DateTimeDigitized", "XMP exif:DateTimeDigitized"),
    ("xmp:CreateDate", "XMP CreateDate"),
)
_XMP_SAVE = (("xmp:ModifyDate", "XMP ModifyDate"), ("xmp:MetadataDate", "XMP MetadataDate"))
_IPTC_CAPTURE = (
    ("DateCreated", "TimeCreated", "IPTC DateCreated+TimeCreated"),
    ("DigitalCreationDate", "DigitalCreationTime", "IPTC DigitalCreationDate+DigitalCreationTime"),
)
EXIF_GPS = "EXIF GPS"
XMP_GPS = "XMP exif:GPSLatitude/GPSLongitude"
_XMP_COORDINATE = re.compile(r"(\d{1,3}),(\d{1,2}(?:\.\d+)?)(?:,(\d{1,2}(?:\.\d+)?))?([NSEWnsew])")

_TIFF_MAGIC = (b"II*\x00", b"MM\x00*")
#: exifread skips these tags when called with details=False (XMP, MakerNote, UserComment).
_SKIPPED_TAGS = frozenset({0x02BC, 0x927C, 0x9286})
#: EXIF field type -> bytes per value, for the types exifread reads value by value.
_TYPE_SIZES = {1: 1, 3: 2, 4: 4, 5: 8, 6: 1, 7: 1, 8: 2, 9: 4, 10: 8, 11: 4, 12: 8}
#: Types whose first value exifread can follow as a sub-directory offset.
_POINTER_SIZES = {1: 1, 3: 2, 4: 4, 6: 1, 7: 1, 8: 2, 9: 4}
_EXIF_IFD, _GPS_IFD, _INTEROP_IFD = 0x8769, 0x8825, 0xA005


class _UnusableError(ValueError):
    """A GPS value that cannot be trusted; the message says why in plain words."""


def read_metadata(block: bytes | None, xmp: Xmp | None = None,
                  iptc: Iptc | None = None) -> Metadata:
    """Metadata from one EXIF block (a TIFF structure, with or without the "Exif\\0\\0"
    prefix; None: the file has none) and the file's XMP and IPTC, every value with its source.

    exifread only ever sees the EXIF block, never the whole file, and only after `exif_work`
    showed it can be read in bounded time; a failure becomes the `exif_unreadable` flag and
    the other blocks are still read, because the image itself is fine.
    """
    xmp = xmp or Xmp()
    iptc = iptc or Iptc()
    tags, unreadable = _exif_tags(block)
    if tags is None and not xmp.present and not iptc.present:
        if unreadable:
            return Metadata(flags=(EXIF_UNREADABLE,), sources_read=True)
        return replace(normalize({}), sources_read=True)
    make = _text((tags or {}).get("Image Make"))
    tiff = bytes(block) if block is not None and tags is not None else None
    found = describe(tags or {}, xmp, iptc, maker_note_times(tiff, make))
    flags = ((EXIF_UNREADABLE,) if unreadable else ()) + xmp.flags + iptc.flags + found.flags
    return replace(found, flags=flags, sources_read=True)


def embedded_blocks(image: object) -> tuple[Xmp, Iptc]:
    """The XMP and IPTC of an open Pillow image (what its decoder found while opening it:
    JPEG APP1 and APP13, PNG iTXt, TIFF tags 700 and 33723, WebP's XMP chunk), read."""
    info = getattr(image, "info", None)
    if not isinstance(info, dict):
        return Xmp(), Iptc()
    packet, notices = packet_of(info, getattr(image, "applist", None))
    xmp = read_xmp(packet)
    if notices:
        xmp = replace(xmp, flags=notices + xmp.flags, present=True)
    return xmp, read_iptc(block_of(info, getattr(image, "tag_v2", None)))


def read_exif(block: bytes | None) -> Metadata:
    """Metadata from one EXIF block alone (see `read_metadata`)."""
    tags, unreadable = _exif_tags(block)
    if unreadable:
        return Metadata(flags=(EXIF_UNREADABLE,))
    return normalize(tags or {})


def _exif_tags(block: bytes | None) -> tuple[Mapping[str, object] | None, bool]:
    """exifread's tags of a block (None when there is no block), and whether it was unreadable."""
    if block is None:
        return None, False
    tiff = bytes(block).removeprefix(b"Exif\x00\x00")
    try:
        if tiff[:4] not in _TIFF_MAGIC or exif_work(tiff) > EXIF_READ_BUDGET:
            return None, True
        tags = exifread.process_file(io.BytesIO(tiff), details=False, extract_thumbnail=False)
    except Exception:  # noqa: BLE001 - malformed EXIF must not reject a good image
        return None, True
    return tags, False


def exif_work(tiff: bytes, budget: int = EXIF_READ_BUDGET) -> int:
    """Estimate how many reads exifread (details=False) would do on `tiff`; stop past `budget`.

    exifread reads every value of every entry one by one and follows directory chains that
    may overlap, so 60 KB of crafted EXIF can keep it busy for minutes. This walks the same
    directories (IFD chain, EXIF, GPS, Interop) the same way, counting instead of reading.
    """
    walker = _ExifWalker(tiff)
    work = 0
    chain: list[int] = []
    seen: set[int] = set()
    ifd = walker.number(4, 4)
    while ifd and ifd not in seen:
        chain.append(ifd)
        seen.add(ifd)
        work += 1
        if work > budget:
            return work
        following = walker.number(ifd + 2 + 12 * walker.number(ifd, 2), 4)
        ifd = 0 if following == ifd else following
    # (directory, read with the main tag table, is IFD0): sub-IFDs hang off main-table ones.
    queue = deque((offset, True, index == 0) for index, offset in enumerate(chain))
    while queue:
        ifd, main_table, is_ifd0 = queue.popleft()
        exif_ifd = None
        for index in range(walker.number(ifd, 2)):
            entry = ifd + 2 + 12 * index
            tag, kind, count = walker.entry(entry)
            work += 1 + walker.value_reads(entry, tag, kind, count)
            if work > budget:
                return work
            if main_table and tag in (_GPS_IFD, _INTEROP_IFD):
                target = walker.first_value(entry, kind, count)
                if target is not None:
                    queue.append((target, False, False))
            if is_ifd0 and tag == _EXIF_IFD:
                exif_ifd = walker.first_value(entry, kind, count)  # the last one wins
        if exif_ifd is not None:
            queue.append((exif_ifd, True, False))
    return work


class _ExifWalker:
    """Reads a TIFF block the way exifread does: missing bytes count as zero."""

    def __init__(self, tiff: bytes) -> None:
        self.tiff = tiff
        self.little = tiff[:2] == b"II"
        self.order = "<" if self.little else ">"

    def number(self, offset: int, size: int) -> int:
        raw = self.tiff[offset : offset + size]
        if len(raw) != size:
            return 0
        return int.from_bytes(raw, "little" if self.little else "big")

    def entry(self, offset: int) -> tuple[int, int, int]:
        if offset + 8 <= len(self.tiff):
            return struct.unpack_from(self.order + "HHI", self.tiff, offset)
        return self.number(offset, 2), self.number(offset + 2, 2), self.number(offset + 4, 4)

    def value_reads(self, entry: int, tag: int, kind: int, count: int) -> int:
        if tag in _SKIPPED_TAGS or (kind not in _TYPE_SIZES and kind != 2):
            return 0
        if kind == 2:  # one read of `count` bytes, copied and split: cost grows with size
            start = entry + 8 if count <= 4 else self.number(entry + 8, 4)
            return min(count, max(0, len(self.tiff) - start)) // 1024
        if count >= 1000:  # exifread skips long arrays outside maker notes
            return 0
        return count * (2 if kind in (5, 10) else 1)

    def first_value(self, entry: int, kind: int, count: int) -> int | None:
        """The directory offset exifread would follow for a sub-IFD pointer entry."""
        size = _POINTER_SIZES.get(kind)
        if size is None or not 0 < count < 1000:
            return None
        where = entry + 8 if count * size <= 4 else self.number(entry + 8, 4)
        return self.number(where, size)


def normalize(tags: Mapping[str, object]) -> Metadata:
    """Build `Metadata` from the dict of `exifread.process_file(fh, details=False)` alone.

    Never raises on odd input: a value that does not make sense becomes None plus a flag.
    """
    if not tags:
        return Metadata(flags=(NO_METADATA,), raw=_raw_table(tags))
    return describe(tags, Xmp(), Iptc(), [])


def describe(tags: Mapping[str, object], xmp: Xmp, iptc: Iptc,
             maker_times: Sequence[MakerNoteTime]) -> Metadata:
    """EXIF tags, XMP, IPTC and maker-note times as one `Metadata` with its readings.

    The block-level notices (an unreadable EXIF, a refused XMP packet) are the caller's.
    """
    raw = _raw_table(tags)
    flags: list[Flag] = []
    readings: list[Reading] = []

    capture_stamps, invalid = _capture_stamps(tags, xmp, iptc, maker_times)
    flags.extend(invalid)
    capture = cs.resolve_capture(capture_stamps)
    chosen = capture.chosen
    if chosen is None and not invalid:
        dates = [s for s in capture_stamps if not s.has_time]
        flags.append(Flag("no_capture_time", "No capture time in the metadata"
                          + (f" ({dates[0].source} gives only the date {dates[0].iso})."
                             if dates else ".")))
    flags.extend(capture.flags)
    readings.extend(Reading("captured_at", s.iso, s.source, s is chosen)
                    for s in sorted(capture_stamps, key=lambda s: cs.rank(s.source)))
    if capture.offset and capture.offset_source:
        readings.append(Reading("utc_offset", capture.offset, capture.offset_source, True))

    saved = cs.resolve_saved(_save_stamps(tags, xmp))
    saved_at = (saved.chosen.moment.isoformat(timespec="seconds") + (saved.offset or "")
                if saved.chosen else None)
    for stamp in sorted(_save_stamps(tags, xmp), key=lambda s: cs.rank(s.source, cs.SAVE_ORDER)):
        used = stamp == saved.chosen  # shown with the offset an agreeing source lends it
        readings.append(Reading("saved_at", saved_at if used and saved_at else stamp.iso,
                                stamp.source, used))

    gps, gps_flags, gps_readings = _positions(tags, xmp)
    flags.extend(gps_flags)
    readings.extend(gps_readings)

    captured = chosen.moment if chosen else None
    mismatch = _time_mismatch(captured, capture.offset, gps)
    if mismatch is not None:
        flags.append(mismatch)
    modified = cs.modified_after(chosen, capture.offset, saved.chosen, saved.offset,
                                 MODIFIED_GRACE)
    if modified is not None:
        flags.append(modified)

    make = _pick(readings, "make", (("IFD0 Make", _text(tags.get("Image Make"))),
                                    ("XMP tiff:Make", xmp.values.get("tiff:Make"))))
    model = _pick(readings, "model", (("IFD0 Model", _text(tags.get("Image Model"))),
                                      ("XMP tiff:Model", xmp.values.get("tiff:Model"))))
    exif_software = _text(tags.get("Image Software"))
    creator = xmp.values.get("xmp:CreatorTool")
    software = _pick(readings, "software", (("IFD0 Software", exif_software),
                                            ("XMP CreatorTool", creator)))
    for tool in dict.fromkeys(t for t in (exif_software, creator) if t):
        if _EDITORS.search(tool):
            flags.append(Flag("edited_software", f"Software field suggests editing: {tool}"))
    steps = [(h.action, h.software_agent, h.when) for h in xmp.history]
    readings.extend(Reading("edit", cs.history_step_text(*step), "XMP xmpMM:History", True)
                    for step in steps)  # every step is part of the history shown
    history = cs.edit_history_flag(steps)
    if history is not None:
        flags.append(history)
    for name, options in (("city", (("IPTC City", iptc.values.get("City")),
                                    ("XMP photoshop:City", xmp.values.get("photoshop:City")))),
                          ("country", (("IPTC Country", iptc.values.get("Country")),
                                       ("XMP photoshop:Country",
                                        xmp.values.get("photoshop:Country"))))):
        _pick(readings, name, options)

    return Metadata(
        captured_at=chosen.moment.isoformat(timespec="seconds") + (capture.offset or "")
        if chosen else None,
        utc_offset=capture.offset if chosen else None,
        gps=gps,
        make=make,
        model=model,
        software=software,
        flags=tuple(flags),
        raw=raw,
        captured_at_source=chosen.source if chosen else None,
        saved_at=saved_at,
        saved_at_source=saved.chosen.source if saved.chosen else None,
        readings=tuple(readings),
    )


def _pick(readings: list[Reading], name: str,
          options: tuple[tuple[str, str | None], ...]) -> str | None:
    """The first present value of a field (its readings added, the first one used)."""
    chosen: str | None = None
    for source, value in options:
        if value:
            readings.append(Reading(name, value, source, chosen is None))
            chosen = chosen or value
    return chosen


# --- raw table -------------------------------------------------------------------------------


def _raw_table(tags: Mapping[str, object]) -> dict[str, str]:
    """Every readable tag as cleaned text, without thumbnails and binary blobs."""
    rows: dict[str, str] = {}
    for name, tag in tags.items():
        if _is_blob(str(name), tag):
            continue
        key = clean_text(name, 128)
        if key:
            rows[key] = clean_text(getattr(tag, "printable", tag), RAW_VALUE_LIMIT)
    return {key: rows[key] for key in sorted(rows)[:RAW_MAX_ENTRIES]}


def _is_blob(name: str, tag: object) -> bool:
    if name in _THUMBNAIL_KEYS or "MakerNote" in name:
        return True
    if isinstance(tag, bytes | bytearray | memoryview):
        return True
    if getattr(tag, "field_type", None) in _BYTE_TYPES:
        values = getattr(tag, "values", ())
        length = getattr(tag, "field_length", 0)
        size = len(values) if isinstance(values, list | tuple | bytes | str) else 0
        return size > RAW_BLOB_BYTES or (isinstance(length, int) and length > RAW_BLOB_BYTES)
    return False


# --- text and numbers --------------------------------------------------------------------------


def _text(tag: object, limit: int = TEXT_LIMIT) -> str | None:
    """A tag's string value, cleaned; None when absent or empty."""
    if tag is None:
        return None
    values = getattr(tag, "values", None)
    if getattr(tag, "field_type", None) in _BYTE_TYPES and isinstance(values, list):
        # Text some writers store as BYTE/UNDEFINED arrays instead of ASCII.
        chars = [v for v in values[:limit] if isinstance(v, int) and 0 <= v < 256]
        values = bytes(chars).split(b"\x00", 1)[0]
    value = values if isinstance(values, str | bytes) else getattr(tag, "printable", tag)
    return clean_text(value, limit) or None


def _values(tag: object) -> list[object]:
    values = getattr(tag, "values", None)
    if isinstance(values, list | tuple):
        return list(values)
    return [] if values is None else [values]


def _number(value: object, what: str) -> float:
    """One EXIF numeric value as a finite float, or `_UnusableError` naming `what` was wrong."""
    if isinstance(value, tuple) and len(value) == 1:  # exifread wraps floats in 1-tuples
        value = value[0]
    if isinstance(value, Fraction):
        # exifread keeps n/0 as a Ratio whose denominator reads 0 instead of raising.
        if value.denominator == 0:
            raise _UnusableError(f"{what} has a zero denominator")
        result = float(value)
    elif isinstance(value, int | float) and not isinstance(value, bool):
        result = float(value)
    else:
        raise _UnusableError(f"{what} is not a number")
    if not math.isfinite(result):
        raise _UnusableError(f"{what} is not a finite number")
    return result


# --- capture and save times ---------------------------------------------------------------


def _capture_stamps(tags: Mapping[str, object], xmp: Xmp, iptc: Iptc,
                    maker_times: Sequence[MakerNoteTime],
                    ) -> tuple[list[Stamp], list[Flag]]:
    """Every capture time the file states, and a flag for each one that is not a date."""
    stamps: list[Stamp] = []
    invalid: list[Flag] = []
    for source, name, offset_names in _CAPTURE_SOURCES:
        text = _text(tags.get(name), 64)
        if text is None or _BLANK_DATE.fullmatch(text):
            continue  # absent, or the "unknown" form the EXIF standard allows
        offset, offset_source = _exif_offset(tags, offset_names)
        stamp = cs.exif_stamp(source, text, offset, offset_source)
        if stamp is None:
            invalid.append(_invalid(text, source, first=not stamps and not invalid))
        else:
            stamps.append(stamp)
    for name, source in _XMP_CAPTURE:
        text = xmp.values.get(name)
        if text is None or _BLANK_DATE.fullmatch(text):
            continue
        stamp = cs.xmp_stamp(source, text)
        if stamp is None:
            invalid.append(_invalid(text, source))
        else:
            stamps.append(stamp)
    for date_name, time_name, source in _IPTC_CAPTURE:
        date = iptc.values.get(date_name)
        if date is None or _BLANK_DATE.fullmatch(date):
            continue
        stamp = cs.iptc_stamp(source, date, iptc.values.get(time_name))
        if stamp is None:
            invalid.append(_invalid(date, source))
        else:
            stamps.append(stamp)
    for found in maker_times:
        if isinstance(found, MakerNoteTime):
            stamps.append(Stamp(found.source, found.moment))
    return stamps, invalid


def _invalid(text: str, source: str, first: bool = False) -> Flag:
    # The EXIF original keeps the wording desk always used; other sources are named.
    where = "" if first and source == "EXIF DateTimeOriginal" else f" ({source})"
    return Flag("invalid_capture_time", f"Capture time is not a valid date: {text}{where}")


def _save_stamps(tags: Mapping[str, object], xmp: Xmp) -> list[Stamp]:
    """Every time the file says it was written (never a capture time)."""
    stamps: list[Stamp] = []
    text = _text(tags.get(_SAVE_TAG), 64)
    if text is not None and not _BLANK_DATE.fullmatch(text):
        offset, offset_source = _exif_offset(tags, (_SAVE_OFFSET_TAG,))
        stamp = cs.exif_stamp("IFD0 DateTime", text, offset, offset_source)
        if stamp is not None:
            stamps.append(stamp)
    for name, source in _XMP_SAVE:
        value = xmp.values.get(name)
        stamp = cs.xmp_stamp(source, value) if value else None
        if stamp is not None:
            stamps.append(stamp)
    return stamps


def _exif_offset(tags: Mapping[str, object], names: tuple[str, ...]) -> tuple[str | None,
                                                                              str | None]:
    for name in names:
        offset = cs.offset_text(_text(tags.get(name), 16))
        if offset is not None:
            return offset, name
    return None, None


# --- GPS ---------------------------------------------------------------------------------------


def _positions(tags: Mapping[str, object], xmp: Xmp) -> tuple[Gps | None, list[Flag],
                                                              list[Reading]]:
    """The position desk shows (EXIF GPS first, else XMP's), its flags and its readings; two
    stated positions more than `GPS_AGREE_WITHIN_M` apart raise a flag naming both."""
    gps, flags = _gps(tags)
    readings = [Reading("gps", f"{gps.lat:.6f}, {gps.lon:.6f}", EXIF_GPS, True)] if gps else []
    lat_text, lon_text = xmp.values.get("exif:GPSLatitude"), xmp.values.get("exif:GPSLongitude")
    if not lat_text and not lon_text:
        return gps, flags, readings
    lat = _xmp_coordinate(lat_text, 90.0, "NS")
    lon = _xmp_coordinate(lon_text, 180.0, "EW")
    if lat is None or lon is None:
        flags.append(Flag("invalid_gps", f"GPS block unusable: {XMP_GPS} is not a position"
                          f" ({clean_text(lat_text, 40) or 'missing'},"
                          f" {clean_text(lon_text, 40) or 'missing'})"))
        return gps, flags, readings
    if lat == 0.0 and lon == 0.0:
        if gps is None and NULL_ISLAND not in flags:
            flags = [f for f in flags if f != NO_GPS] + [NULL_ISLAND]
        return gps, flags, readings
    readings.append(Reading("gps", f"{lat:.6f}, {lon:.6f}", XMP_GPS, gps is None))
    if gps is not None:
        disagree = cs.gps_disagreement((gps.lat, gps.lon), EXIF_GPS, (lat, lon), XMP_GPS)
        if disagree is not None:
            flags.append(disagree)
        return gps, flags, readings
    return Gps(lat=lat, lon=lon), [f for f in flags if f != NO_GPS], readings


def _xmp_coordinate(text: str | None, limit: float, refs: str) -> float | None:
    """XMP's GPSCoordinate: "DDD,MM,SSk" or "DDD,MM.mmk" with k one of N/S or E/W."""
    match = _XMP_COORDINATE.fullmatch((text or "").strip())
    if match is None:
        return None
    degrees, minutes = float(match.group(1)), float(match.group(2))
    seconds = float(match.group(3) or 0)
    ref = match.group(4).upper()
    if ref not in refs or minutes >= 60 or seconds >= 60:
        return None
    value = degrees + minutes / 60 + seconds / 3600
    if value > limit:
        return None
    return -value if ref == refs[1] else value


def _gps(tags: Mapping[str, object]) -> tuple[Gps | None, list[Flag]]:
    """The GPS position, or None with the flag that explains its absence."""
    has_lat = "GPS GPSLatitude" in tags
    has_lon = "GPS GPSLongitude" in tags
    if not has_lat and not has_lon:
        return None, [NO_GPS]
    try:
        if not has_lat:
            raise _UnusableError("latitude is missing")
        if not has_lon:
            raise _UnusableError("longitude is missing")
        lat = _coordinate(tags, "Latitude", 90.0, ("N", "S"))
        lon = _coordinate(tags, "Longitude", 180.0, ("E", "W"))
        altitude = _altitude(tags)
        direction, magnetic = _direction(tags)
        time_utc = _gps_time(tags)
    except _UnusableError as why:
        return None, [Flag("invalid_gps", f"GPS block unusable: {why}")]
    if lat == 0.0 and lon == 0.0:
        return None, [NULL_ISLAND]
    gps = Gps(lat=lat, lon=lon, altitude=altitude, direction=direction, time_utc=time_utc)
    return gps, [MAGNETIC_DIRECTION] if magnetic else []


def _coordinate(
    tags: Mapping[str, object], axis: str, limit: float, refs: tuple[str, str]
) -> float:
    """Degrees/minutes/seconds plus hemisphere letter, as signed decimal degrees."""
    what = axis.lower()
    parts = _values(tags.get(f"GPS GPS{axis}"))
    if not 1 <= len(parts) <= 3:
        raise _UnusableError(f"{what} has {len(parts)} parts instead of degrees, minutes, seconds")
    numbers = [_number(part, what) for part in parts] + [0.0] * (3 - len(parts))
    degrees, minutes, seconds = numbers
    if min(numbers) < 0:
        raise _UnusableError(f"{what} has a negative part")
    if minutes >= 60 or seconds >= 60:
        raise _UnusableError(f"{what} minutes or seconds are 60 or more")
    value = degrees + minutes / 60 + seconds / 3600
    ref = (_text(tags.get(f"GPS GPS{axis}Ref"), 8) or "").upper()
    if ref not in refs:
        shown = f'"{ref}"' if ref else "missing"
        raise _UnusableError(f"{what} reference must be {refs[0]} or {refs[1]}, not {shown}")
    if value > limit:
        raise _UnusableError(f"{what} {value:.6f} is outside ±{limit:g}")
    return -value if ref == refs[1] else value


def _altitude(tags: Mapping[str, object]) -> float | None:
    parts = _values(tags.get("GPS GPSAltitude"))
    if not parts:
        return None
    altitude = _number(parts[0], "altitude")
    below = _values(tags.get("GPS GPSAltitudeRef"))
    return -abs(altitude) if below and below[0] == 1 else altitude


def _direction(tags: Mapping[str, object]) -> tuple[float | None, bool]:
    """Camera direction in degrees from north, and whether that north is magnetic."""
    parts = _values(tags.get("GPS GPSImgDirection"))
    if not parts:
        return None, False
    direction = _number(parts[0], "camera direction") % 360.0
    ref = (_text(tags.get("GPS GPSImgDirectionRef"), 8) or "").upper()
    return direction, ref == "M"


def _gps_time(tags: Mapping[str, object]) -> str | None:
    """GPS date and time of the fix as ISO UTC; None when either is absent or impossible."""
    parts = _values(tags.get("GPS GPSTimeStamp"))
    if not parts:
        return None
    clock = [_number(part, "GPS time") for part in parts[:3]]
    date_tag = tags.get("GPS GPSDate", tags.get("GPS GPSDateStamp"))
    match = _EXIF_DATE.fullmatch(_text(date_tag, 32) or "")
    if match is None or len(clock) != 3:
        return None
    hours, minutes, seconds = clock
    try:
        year, month, day = (int(part) for part in match.groups())
        moment = datetime(year, month, day, tzinfo=UTC) + timedelta(
            hours=_whole(hours, 24), minutes=_whole(minutes, 60), seconds=_whole(seconds, 60)
        )
    except (ValueError, OverflowError):
        return None
    return moment.isoformat(timespec="seconds")


def _whole(value: float, below: int) -> int:
    if not 0 <= value < below:
        raise ValueError("out of range")
    return int(value)


def _time_mismatch(captured: datetime | None, offset: str | None, gps: Gps | None) -> Flag | None:
    """Flag a capture time that the GPS clock contradicts beyond what time zones explain."""
    if captured is None or gps is None or gps.time_utc is None:
        return None
    gps_time = datetime.fromisoformat(gps.time_utc)
    if offset is not None:
        local = captured.replace(tzinfo=timezone(cs.offset_delta(offset)))
        hours = abs((gps_time - local).total_seconds()) / 3600
        if hours < MISMATCH_KNOWN_OFFSET_H:
            return None
        return Flag("time_mismatch", f"GPS time and capture time disagree by {hours:.1f} h")
    hours = abs((gps_time.replace(tzinfo=None) - captured).total_seconds()) / 3600
    if hours <= MISMATCH_UNKNOWN_OFFSET_H:
        return None
    return Flag(
        "time_mismatch",
        f"GPS time and capture time disagree by {hours:.1f} h, more than any time zone explains",
    )
