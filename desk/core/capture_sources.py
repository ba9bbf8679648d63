"""Which of a file's dates is its capture time, which is its save time, and where they disagree.

A file may state when it was made in several places (EXIF, XMP, IPTC, a maker note), and when
it was last written in others (IFD0 DateTime, XMP ModifyDate). Only the first kind is a capture
time. The choice is best first, by what each field means (the Metadata Working Group's pairs):
the shutter time (EXIF DateTimeOriginal and its XMP and IPTC mirrors, a camera's own maker-note
clock), then the time the picture became digital (DateTimeDigitized, xmp:CreateDate, IPTC
digital creation). A source that gives only a date is kept and compared but never becomes the
capture time, which is always a date and a time. Save times are resolved apart and never stand
in for a capture time.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from desk.core.model import Flag

#: Capture-time sources, best first. A maker note ("MakerNote <Vendor> <Field>") ranks where
#: "MakerNote" stands: a camera's own clock, but in a field no standard defines.
CAPTURE_ORDER: tuple[str, ...] = (
    "EXIF DateTimeOriginal",
    "XMP exif:DateTimeOriginal",
    "XMP photoshop:DateCreated",
    "IPTC DateCreated+TimeCreated",
    "MakerNote",
    "EXIF DateTimeDigitized",
    "XMP exif:DateTimeDigitized",
    "XMP CreateDate",
    "IPTC DigitalCreationDate+DigitalCreationTime",
)
#: Save-time sources, best first: when the file (or its metadata) was last written.
SAVE_ORDER: tuple[str, ...] = ("IFD0 DateTime", "XMP ModifyDate", "XMP MetadataDate")
SAVE_SOURCES = frozenset(SAVE_ORDER)

#: Capture times further apart than this (after offsets, when both state one) disagree.
AGREE_WITHIN = timedelta(minutes=1)
#: GPS positions further apart than this disagree.
GPS_AGREE_WITHIN_M = 50.0
#: Editing steps named in a flag at most (the readings keep all of them).
STEPS_NAMED = 3

_ISO = re.compile(
    r"(\d{4})(?:-(\d{2})(?:-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,]\d{1,9})?)?"
    r"(Z|[+-]\d{2}:?\d{2})?)?)?)?"
)
_EXIF = re.compile(r"(\d{4})[:-](\d{2})[:-](\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:[.,]\d{1,9})?"
                   r"(Z|[+-]\d{2}:?\d{2})?")
_IPTC_DATE = re.compile(r"(\d{4})(\d{2})(\d{2})")
_IPTC_TIME = re.compile(r"(\d{2}):?(\d{2}):?(\d{2})(?:([+-])(\d{2}):?(\d{2}))?")
_OFFSET = re.compile(r"([+-])(\d{2}):?(\d{2})")
#: History actions that mean the file was changed after it was made.
_EDIT_ACTIONS = frozenset({"saved", "converted", "derived", "edited", "cropped", "filtered",
                           "copied", "printed", "managed", "published", "produced", "repurposed",
                           "merged"})


@dataclass(frozen=True)
class Stamp:
    """A date or a date and time a file states: the wall clock as written, its UTC offset when
    the same source gives one, and where both were read."""

    source: str
    moment: datetime
    offset: str | None = None
    has_time: bool = True
    offset_source: str | None = None

    @property
    def iso(self) -> str:
        if not self.has_time:
            return self.moment.date().isoformat()
        return self.moment.isoformat(timespec="seconds") + (self.offset or "")

    @property
    def shown(self) -> str:
        """As a flag names it: to the minute, with its offset."""
        if not self.has_time:
            return self.moment.date().isoformat()
        return self.moment.strftime("%Y-%m-%d %H:%M") + (f" UTC{self.offset}"
                                                         if self.offset else "")


@dataclass(frozen=True)
class Resolved:
    """The chosen stamp (None: no source has a date and a time), the UTC offset desk keeps
    with it and where that offset was read, and the flags the comparison raised."""

    chosen: Stamp | None = None
    offset: str | None = None
    offset_source: str | None = None
    flags: tuple[Flag, ...] = ()


# --- reading the forms files use -------------------------------------------------------------


def offset_text(text: str | None) -> str | None:
    """A "+03:00" offset when it is one a real clock can have (UTC-12 ... UTC+14)."""
    if not text:
        return None
    text = text.strip()
    if text == "Z":
        return "+00:00"
    match = _OFFSET.fullmatch(text)
    if match is None:
        return None
    sign, hours, minutes = match.group(1), int(match.group(2)), int(match.group(3))
    if minutes >= 60 or hours * 60 + minutes > 14 * 60:
        return None
    return f"{sign}{hours:02d}:{minutes:02d}"


def offset_delta(offset: str) -> timedelta:
    sign = -1 if offset[0] == "-" else 1
    return sign * timedelta(hours=int(offset[1:3]), minutes=int(offset[4:6]))


def exif_stamp(source: str, text: str, offset: str | None = None,
               offset_source: str | None = None) -> Stamp | None:
    """EXIF's "YYYY:MM:DD HH:MM:SS" (a few writers put dashes, a T or an offset in it)."""
    match = _EXIF.fullmatch(text.strip())
    if match is None:
        return None
    try:
        year, month, day, hour, minute, second = (int(part) for part in match.groups()[:6])
        moment = datetime(year, month, day, hour, minute, second)
    except ValueError:  # month 13, 30 February, year 0...
        return None
    own = offset_text(match.group(7))
    if own is not None:
        offset, offset_source = own, source
    return Stamp(source, moment, offset, True, offset_source if offset else None)


def xmp_stamp(source: str, text: str) -> Stamp | None:
    """XMP's ISO 8601 subset: YYYY[-MM[-DD[THH:MM[:SS[.s]][TZD]]]]. A year or a month alone
    says too little to compare and is not taken; a day without time is a date only."""
    match = _ISO.fullmatch(text.strip())
    if match is None:
        match = _EXIF.fullmatch(text.strip())  # some writers put EXIF's form in XMP
        if match is None:
            return None
        groups: tuple[str | None, ...] = (*match.groups()[:6], match.group(7))
    else:
        groups = match.groups()
    year, month, day, hour, minute, second, zone = groups
    if month is None or day is None:
        return None
    try:
        if hour is None or minute is None:
            return Stamp(source, datetime(int(year or 0), int(month), int(day)), has_time=False)
        moment = datetime(int(year or 0), int(month), int(day), int(hour), int(minute),
                          int(second or 0))
    except ValueError:
        return None
    offset = offset_text(zone)
    return Stamp(source, moment, offset, True, source if offset else None)


def iptc_stamp(source: str, date: str | None, time: str | None) -> Stamp | None:
    """IIM's CCYYMMDD date with its HHMMSS±HHMM time (a date alone is a date only)."""
    match = _IPTC_DATE.fullmatch((date or "").strip())
    if match is None:
        return None
    try:
        year, month, date_of_month = (int(part) for part in match.groups())
        day = datetime(year, month, date_of_month)
    except ValueError:
        return None
    clock = _IPTC_TIME.fullmatch((time or "").strip())
    if clock is None:
        return Stamp(source, day, has_time=False)
    hours, minutes, seconds = (int(part) for part in clock.groups()[:3])
    if hours > 23 or minutes > 59 or seconds > 59:
        return Stamp(source, day, has_time=False)
    moment = day.replace(hour=hours, minute=minutes, second=seconds)
    offset = None
    if clock.group(4):
        offset = offset_text(f"{clock.group(4)}{clock.group(5)}:{clock.group(6)}")
    return Stamp(source, moment, offset, True, source if offset else None)


# --- choosing ----------------------------------------------------------------------------------


def rank(source: str, order: Sequence[str] = CAPTURE_ORDER) -> int:
    key = "MakerNote" if source.startswith("MakerNote ") else source
    return order.index(key) if key in order else len(order)


def resolve_capture(stamps: Sequence[Stamp]) -> Resolved:
    """The best source with a date and a time, the offset kept with it (its own, or that of an
    agreeing source), and one flag naming every source that disagrees with it."""
    ordered = sorted(stamps, key=lambda s: rank(s.source))
    timed = [s for s in ordered if s.has_time]
    chosen = timed[0] if timed else None
    reference = chosen or (ordered[0] if ordered else None)
    if reference is None:
        return Resolved()
    against = [s for s in ordered if s is not reference and not agree(reference, s)]
    flags: tuple[Flag, ...] = ()
    if against:
        said = ", ".join(f"{s.source} says {s.shown}" for s in against)
        flags = (Flag("capture_sources_disagree",
                      f"Capture-time sources disagree: {reference.source} says"
                      f" {reference.shown}, {said}."),)
    offset, offset_source = _kept_offset(chosen, timed)
    return Resolved(chosen, offset, offset_source, flags)


def resolve_saved(stamps: Sequence[Stamp]) -> Resolved:
    """The file's save time: the best save-time source with a date and a time."""
    ordered = sorted((s for s in stamps if s.has_time), key=lambda s: rank(s.source, SAVE_ORDER))
    chosen = ordered[0] if ordered else None
    offset, offset_source = _kept_offset(chosen, ordered)
    return Resolved(chosen, offset, offset_source)


def agree(a: Stamp, b: Stamp) -> bool:
    """Whether two stamps tell the same time: within a minute, on one clock when both state
    an offset, on the wall clock otherwise; on the date when either is a date only."""
    if not a.has_time or not b.has_time:
        return a.moment.date() == b.moment.date()
    return abs(_gap(a, b)) <= AGREE_WITHIN


def _gap(a: Stamp, b: Stamp) -> timedelta:
    if a.offset and b.offset:
        return (a.moment - offset_delta(a.offset)) - (b.moment - offset_delta(b.offset))
    return a.moment - b.moment


def _kept_offset(chosen: Stamp | None, candidates: Sequence[Stamp]) -> tuple[str | None,
                                                                             str | None]:
    """The chosen stamp's own offset, else the first agreeing source's (same wall clock)."""
    if chosen is None:
        return None, None
    if chosen.offset:
        return chosen.offset, chosen.offset_source
    for other in candidates:
        if other.offset and other.has_time and abs(other.moment - chosen.moment) <= AGREE_WITHIN:
            return other.offset, other.offset_source
    return None, None


def modified_after(captured: Stamp | None, offset: str | None,
                   saved: Stamp | None, saved_offset: str | None,
                   grace: timedelta) -> Flag | None:
    """Flag a file whose save time is later than its capture time by more than `grace`."""
    if captured is None or saved is None:
        return None
    start, end = captured.moment, saved.moment
    if offset and saved_offset:  # both known: compare on one clock
        start -= offset_delta(offset)
        end -= offset_delta(saved_offset)
    gap = end - start
    if gap <= grace:
        return None
    # IFD0 DateTime is the save time this flag always meant; another source is named.
    where = "" if saved.source == "IFD0 DateTime" else f", by its {saved.source}"
    return Flag("datetime_modified",
                f"File was modified after capture (saved {span(gap)} after it was taken{where}).")


def span(gap: timedelta) -> str:
    seconds = gap.total_seconds()
    if seconds < 2 * 3600:
        return f"{round(seconds / 60)} min"
    if seconds < 48 * 3600:
        return f"{seconds / 3600:.1f} h"
    return f"{round(seconds / 86400)} days"


# --- places and editing ------------------------------------------------------------------------


def gps_disagreement(first: tuple[float, float], first_source: str,
                     second: tuple[float, float], second_source: str) -> Flag | None:
    """Flag two stated positions more than `GPS_AGREE_WITHIN_M` apart."""
    from desk.core.geo import distance_m, format_distance

    apart = distance_m(first, second)
    if apart <= GPS_AGREE_WITHIN_M:
        return None
    return Flag("gps_sources_disagree",
                f"GPS sources disagree: {first_source} says {first[0]:.5f}, {first[1]:.5f},"
                f" {second_source} says {second[0]:.5f}, {second[1]:.5f}"
                f" ({format_distance(apart)} apart).")


def history_step_text(action: str, agent: str, when: str) -> str:
    """One editing step as a reviewer reads it: "saved by Adobe Photoshop 2024 at 2024-…"."""
    text = action or "changed"
    if agent:
        text += f" by {agent}"
    if when:
        text += f" at {when}"
    return text


def edit_history_flag(steps: Sequence[tuple[str, str, str]]) -> Flag | None:
    """Flag an XMP history that records changes (saved, converted, derived...) after the file
    was made; the first few steps are named with their software and time."""
    edits = [s for s in steps if s[0].strip().lower() in _EDIT_ACTIONS]
    if not edits:
        return None
    named = "; ".join(history_step_text(*s) for s in edits[:STEPS_NAMED])
    more = f"; and {len(edits) - STEPS_NAMED} more" if len(edits) > STEPS_NAMED else ""
    noun = "step" if len(edits) == 1 else "steps"
    return Flag("edit_history",
                f"XMP editing history records {len(edits)} {noun}: {named}{more}.")
