"""Local time at a place, offline: which IANA zone a point lies in, and what a wall-clock time
there meant as an instant.

A camera's EXIF time usually has no offset: it is the wall clock of wherever the camera was
set. desk reads it through the zone at the frame's geolocation and says so in words ("local
time assumed Europe/Kyiv, UTC+2 in winter"), because the assumption is part of the finding.

The zone comes from tzfpy (the timezone-boundary-builder polygons compiled in, no network);
its rules from the tzdata package when it is installed, so every machine reads the same
rules, else from the system's zone files.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


class ZoneUnknown(ValueError):
    """No time zone rules for a place (said for the reviewer)."""


@cache
def zone_named(name: str) -> ZoneInfo:
    """The IANA zone `name`, from the tzdata package first (the same rules on every machine)."""
    try:
        from importlib import resources

        import tzdata  # imported by name so the installer build collects its files

        source = resources.files(tzdata).joinpath("zoneinfo", *name.split("/"))
        with source.open("rb") as fh:
            return ZoneInfo.from_file(fh, key=name)
    except (ImportError, OSError, ValueError):
        pass
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ZoneUnknown(f"desk has no rules for the time zone {name!r}.") from None


def zone_name_at(lat: float, lon: float) -> str:
    """The IANA name of the zone a point lies in ("Etc/GMT-3" at sea, by longitude)."""
    import tzfpy

    name = str(tzfpy.get_tz(float(lon), float(lat)))
    if not name:
        raise ZoneUnknown(f"No time zone is known at {lat:.5f}, {lon:.5f}.")
    return name


@dataclass(frozen=True)
class LocalZone:
    """The zone of a place, with the words that state the assumption."""

    name: str
    zone: ZoneInfo

    def offset_text(self, instant: datetime) -> str:
        return utc_offset_text(instant.astimezone(self.zone).utcoffset() or timedelta(0))

    def assumption(self, instant: datetime) -> str:
        """'local time assumed Europe/Kyiv, UTC+2 in winter' (or '..., UTC+3 all year')."""
        local = instant.astimezone(self.zone)
        offset = local.utcoffset() or timedelta(0)
        year = local.year
        offsets = {datetime(year, month, 1, 12, tzinfo=UTC).astimezone(self.zone).utcoffset()
                   for month in range(1, 13)}
        offsets.discard(None)
        if len(offsets) <= 1:
            season = "all year"
        elif offset == max(o for o in offsets if o is not None):
            season = "in summer"
        else:
            season = "in winter"
        return f"local time assumed {self.name}, {utc_offset_text(offset)} {season}"


def zone_at(lat: float, lon: float) -> LocalZone:
    name = zone_name_at(lat, lon)
    return LocalZone(name, zone_named(name))


def utc_offset_text(offset: timedelta) -> str:
    """UTC+2, UTC−3:30, UTC (the way a reader says it)."""
    minutes = round(offset.total_seconds() / 60)
    if minutes == 0:
        return "UTC"
    sign = "+" if minutes > 0 else "−"
    hours, rest = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours}" + (f":{rest:02d}" if rest else "")


_OFFSET = re.compile(r"^[+-]\d{2}:?\d{2}$")


@dataclass(frozen=True)
class Instant:
    """A moment, with how desk arrived at it (empty `assumption` when the text had an offset)."""

    at: datetime
    assumption: str = ""


def parse_instant(text: str, zone: LocalZone | None = None,
                  offset: str | None = None) -> Instant:
    """An ISO 8601 time (or EXIF "2025:11:20 08:00:00") as an instant.

    A time with an offset (or Z) stands as given; otherwise `offset` (EXIF OffsetTime) is
    used, else the wall clock of `zone`, and the assumption is stated. An hour that the
    clocks skipped or repeated (a daylight-saving change) is refused rather than guessed.
    """
    raw = text.strip()
    exif = re.fullmatch(r"(\d{4}):(\d{2}):(\d{2})[ T](\d{2}:\d{2}:\d{2}(?:\.\d+)?)", raw)
    if exif:
        raw = f"{exif[1]}-{exif[2]}-{exif[3]}T{exif[4]}"
    try:
        value = datetime.fromisoformat(raw.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise ValueError(f"{text!r} is not a time such as 2025-11-20T08:00:00+02:00") from None
    if value.tzinfo is not None:
        return Instant(value)
    if offset is not None and _OFFSET.match(offset.strip()):
        stamp = offset.strip()
        stamp = stamp if ":" in stamp else f"{stamp[:3]}:{stamp[3:]}"
        return Instant(datetime.fromisoformat(value.isoformat() + stamp),
                       f"local time read with the file's own offset {stamp}")
    if zone is None:
        raise ValueError(f"{text!r} has no UTC offset and there is no place to read it in;"
                         " give the offset (2025-11-20T08:00:00+02:00).")
    return Instant(_wall_clock(value, zone.zone, text), zone.assumption(
        value.replace(tzinfo=zone.zone)))


def _wall_clock(value: datetime, zone: tzinfo, text: str) -> datetime:
    early = value.replace(tzinfo=zone, fold=0)
    late = value.replace(tzinfo=zone, fold=1)
    if early.utcoffset() != late.utcoffset():
        skipped = early.astimezone(UTC).astimezone(zone).replace(tzinfo=None) != value
        what = "does not exist (the clocks skipped it)" if skipped else (
            "happened twice (the clocks went back)")
        raise ValueError(f"{text!r} {what} in that place's time; give the UTC offset.")
    return early
