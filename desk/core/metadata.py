"""EXIF turned into the few facts a reviewer weighs, plus warnings about them.

`read_exif` takes the EXIF block of a file, checks that exifread can read it in bounded
time, and hands exifread's tags to `normalize`. Every value was written by whoever made the
file, so nothing is taken on trust: dates and positions are validated, impossible ones are
dropped with a flag that says why, and every string is cleaned. The raw table keeps the
rest for the reviewer who wants to look.
"""

from __future__ import annotations

import io
import logging
import math
import re
import struct
from collections import deque
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta, timezone
from fractions import Fraction

import exifread

from desk.core.limits import RAW_VALUE_LIMIT, TEXT_LIMIT
from desk.core.model import Flag, Gps, Metadata
from desk.core.sanitize import clean_text

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

#: Capture-time sources, best first, each with the offset tags that belong to it.
_CAPTURE_SOURCES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("EXIF DateTimeOriginal", ("EXIF OffsetTimeOriginal", "EXIF OffsetTime")),
    (
        "EXIF DateTimeDigitized",
        ("EXIF OffsetTimeDigitized", "EXIF OffsetTimeOriginal", "EXIF OffsetTime"),
    ),
    ("Image DateTime", ("EXIF OffsetTime",)),
)

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


def read_exif(block: bytes | None) -> Metadata:
    """Metadata from one EXIF block (a TIFF structure, with or without the "Exif\\0\\0" prefix).

    None means the file has no EXIF. exifread only ever sees this block, never the whole
    file, and only after `exif_work` showed it can be read in bounded time; any failure
    becomes the `exif_unreadable` flag, because the image itself is still fine.
    """
    if block is None:
        return normalize({})
    tiff = bytes(block).removeprefix(b"Exif\x00\x00")
    try:
        if tiff[:4] not in _TIFF_MAGIC or exif_work(tiff) > EXIF_READ_BUDGET:
            return Metadata(flags=(EXIF_UNREADABLE,))
        tags = exifread.process_file(io.BytesIO(tiff), details=False, extract_thumbnail=False)
        return normalize(tags)
    except Exception:  # noqa: BLE001 - malformed EXIF must not reject a good image
        return Metadata(flags=(EXIF_UNREADABLE,))


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
    """Build `Metadata` from the dict of `exifread.process_file(fh, details=False)`.

    Never raises on odd input: a value that does not make sense becomes None plus a flag.
    """
    raw = _raw_table(tags)
    if not tags:
        return Metadata(flags=(NO_METADATA,), raw=raw)

    flags: list[Flag] = []
    captured, utc_offset, capture_flag = _capture_time(tags)
    if capture_flag is not None:
        flags.append(capture_flag)

    gps, gps_flags = _gps(tags)
    flags.extend(gps_flags)

    mismatch = _time_mismatch(captured, utc_offset, gps)
    if mismatch is not None:
        flags.append(mismatch)
    modified = _modified_after_capture(tags)
    if modified is not None:
        flags.append(modified)

    software = _text(tags.get("Image Software"))
    if software and _EDITORS.search(software):
        flags.append(Flag("edited_software", f"Software field suggests editing: {software}"))

    return Metadata(
        captured_at=_iso(captured, utc_offset) if captured else None,
        utc_offset=utc_offset if captured else None,
        gps=gps,
        make=_text(tags.get("Image Make")),
        model=_text(tags.get("Image Model")),
        software=software,
        flags=tuple(flags),
        raw=raw,
    )


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


# --- capture time ------------------------------------------------------------------------------


def _parse_datetime(text: str) -> datetime | None:
    match = _EXIF_DATETIME.fullmatch(text.strip())
    if match is None:
        return None
    try:
        year, month, day, hour, minute, second = (int(part) for part in match.groups())
        return datetime(year, month, day, hour, minute, second)
    except ValueError:  # month 13, 30 February, year 0...
        return None


def _parse_offset(text: str | None) -> str | None:
    """A "+03:00" offset when it is one a real clock can have (UTC-12 ... UTC+14)."""
    match = _UTC_OFFSET.fullmatch((text or "").strip())
    if match is None:
        return None
    sign, hours, minutes = match.group(1), int(match.group(2)), int(match.group(3))
    if minutes >= 60 or hours * 60 + minutes > 14 * 60:
        return None
    return f"{sign}{hours:02d}:{minutes:02d}"


def _offset_delta(offset: str) -> timedelta:
    sign = -1 if offset[0] == "-" else 1
    return sign * timedelta(hours=int(offset[1:3]), minutes=int(offset[4:6]))


def _iso(moment: datetime, offset: str | None) -> str:
    return moment.isoformat(timespec="seconds") + (offset or "")


def _capture_time(
    tags: Mapping[str, object],
) -> tuple[datetime | None, str | None, Flag | None]:
    """Local capture time, its UTC offset if stated, and a flag when missing or invalid.

    The first present source decides: an invalid DateTimeOriginal is reported rather than
    silently replaced by another field that may record something else (e.g. a later save).
    """
    for name, offset_names in _CAPTURE_SOURCES:
        text = _text(tags.get(name), 64)
        if text is None or _BLANK_DATE.fullmatch(text):
            continue  # absent, or the "unknown" form the EXIF standard allows
        moment = _parse_datetime(text)
        if moment is None:
            return (
                None,
                None,
                Flag("invalid_capture_time", f"Capture time is not a valid date: {text}"),
            )
        offset = None
        for offset_name in offset_names:
            offset = _parse_offset(_text(tags.get(offset_name), 16))
            if offset is not None:
                break
        return moment, offset, None
    return None, None, NO_CAPTURE_TIME


def _modified_after_capture(tags: Mapping[str, object]) -> Flag | None:
    """Flag a file whose own "saved at" time is later than when it was taken."""
    original = _parse_datetime(_text(tags.get("EXIF DateTimeOriginal"), 64) or "")
    saved = _parse_datetime(_text(tags.get("Image DateTime"), 64) or "")
    if original is None or saved is None:
        return None
    original_offset = _parse_offset(_text(tags.get("EXIF OffsetTimeOriginal"), 16))
    saved_offset = _parse_offset(_text(tags.get("EXIF OffsetTime"), 16))
    if original_offset and saved_offset:  # both known: compare on one clock
        original -= _offset_delta(original_offset)
        saved -= _offset_delta(saved_offset)
    gap = saved - original
    if gap <= MODIFIED_GRACE:
        return None
    return Flag(
        "datetime_modified",
        f"File was modified after capture (saved {_span(gap)} after it was taken).",
    )


def _span(gap: timedelta) -> str:
    seconds = gap.total_seconds()
    if seconds < 2 * 3600:
        return f"{round(seconds / 60)} min"
    if seconds < 48 * 3600:
        return f"{seconds / 3600:.1f} h"
    return f"{round(seconds / 86400)} days"


# --- GPS ---------------------------------------------------------------------------------------


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
        local = captured.replace(tzinfo=timezone(_offset_delta(offset)))
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
