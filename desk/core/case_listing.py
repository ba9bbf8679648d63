"""What a list of a case's evidence needs, read without building every item whole.

Opening a case shows one row per item: its name, size, capture time and the badges its flags
and GPS give. `CaseFile.list_evidence` builds each item whole (its raw EXIF table decoded,
its metadata sources and readings attached), which for 10,000 items costs a third of a
second the list never uses; `list_rows` reads only the columns a row shows, and the window
reads an item whole (`CaseFile.get_evidence`) when it is selected. The flag codes are read
exactly as `CaseFile` reads them, so a row's badges always agree with the inspector's flags.
`file_positions` is the same for the map: every item's name and the position its file claims.
"""

from __future__ import annotations

import json
import sqlite3
from typing import TYPE_CHECKING, Any, NamedTuple

from desk.core.model import Gps

if TYPE_CHECKING:
    from desk.core.casefile import CaseFile

#: The code an item's flags get when the stored list cannot be read (as `CaseFile` says).
UNREADABLE_FLAGS = "stored_flags_unreadable"


class ListedItem(NamedTuple):
    """One evidence item as a list shows it (the file's name is untrusted text). A tuple:
    10,000 of them are made in a few milliseconds."""

    id: int
    original_name: str
    format: str
    width: int
    height: int
    size: int
    captured_at: str | None
    has_gps: bool
    flag_codes: tuple[str, ...]

    @property
    def name(self) -> str:
        """The same name `Evidence.name` gives."""
        return self.original_name or f"evidence-{self.id}"


_COLUMNS = ("id, original_name, format, width, height, size, captured_at,"
            " gps_lat IS NOT NULL AND gps_lon IS NOT NULL, flags")


def list_rows(case: CaseFile, after_id: int = 0) -> list[ListedItem]:
    """Every item in import order, or only those with ids above `after_id` (new since the
    last look, as `CaseFile.list_evidence` takes it)."""
    codes_of: dict[object, tuple[str, ...]] = {}  # most items share a handful of flag lists
    rows = case.conn.execute(
        f"SELECT {_COLUMNS} FROM evidence WHERE id > ? ORDER BY id", (after_id,))
    return [_listed(row, codes_of) for row in rows]


def listed_item(case: CaseFile, evidence_id: int) -> ListedItem | None:
    """One item's row (None when the case has no such item)."""
    row = case.conn.execute(f"SELECT {_COLUMNS} FROM evidence WHERE id = ?",
                            (evidence_id,)).fetchone()
    return _listed(row, {}) if row is not None else None


def _listed(row: tuple[Any, ...], codes_of: dict[object, tuple[str, ...]]) -> ListedItem:
    """One row of `_COLUMNS`; SQLite gives values whose types the schema fixes."""
    eid, name, fmt, width, height, size, captured_at, has_gps, flags = row
    codes = codes_of.get(flags)
    if codes is None:
        codes = codes_of[flags] = flag_codes(flags)
    return ListedItem(eid, name, fmt, width, height, size, captured_at, has_gps == 1, codes)


def flag_codes(stored: object) -> tuple[str, ...]:
    """The codes of a stored flag list, read as `CaseFile` reads an item's flags: a list
    that is not JSON, or an entry without a code and a message, makes it unreadable."""
    try:
        return tuple(_code(entry) for entry in json.loads(stored))  # type: ignore[arg-type]
    except (ValueError, TypeError, KeyError):
        return (UNREADABLE_FLAGS,)


def _code(entry: object) -> str:
    entry["message"]  # type: ignore[index]  # CaseFile needs it too
    return str(entry["code"])  # type: ignore[index]


def geolocated_ids(case: CaseFile) -> set[int]:
    """The items a reviewer has geolocated (the list's GEO badge and filter)."""
    return {int(r[0]) for r in case.conn.execute("SELECT evidence_id FROM geolocation")}


def claim_links(case: CaseFile) -> dict[int, set[int]]:
    """For each item linked to claims, the ids of those claims (the list's claim filter)."""
    links: dict[int, set[int]] = {}
    for evidence_id, claim_id in case.conn.execute(
            "SELECT evidence_id, claim_id FROM claim_evidence"):
        links.setdefault(int(evidence_id), set()).add(int(claim_id))
    return links


class FrameLink(NamedTuple):
    """A still taken from a video, as the list shows it under its video."""

    video_id: int
    frame_index: int
    timecode: str


def video_links(case: CaseFile) -> tuple[set[int], dict[int, FrameLink]]:
    """The ids of the case's videos, and for each still taken from one, which video and
    frame (the list shows a video as a video and its frames under it). Empty for a case
    that holds no video tables (a read-only case of an older format)."""
    try:
        videos = {int(r[0]) for r in case.conn.execute("SELECT evidence_id FROM video")}
        frames = {int(eid): FrameLink(int(video), int(index), str(code))
                  for eid, video, index, code in case.conn.execute(
                      "SELECT evidence_id, video_id, frame_index, timecode FROM video_frame")}
    except sqlite3.OperationalError:
        return set(), {}
    return videos, frames


def file_positions(case: CaseFile) -> list[tuple[int, str, Gps | None]]:
    """Every item's id, name and the position its file claims (None without one), in import
    order: what the map shows of every item, without building the items whole."""
    rows = case.conn.execute(
        "SELECT id, original_name, gps_lat, gps_lon, gps_alt, gps_direction, gps_time"
        " FROM evidence ORDER BY id")
    return [(eid, name or f"evidence-{eid}",
             Gps(lat, lon, alt, direction, time) if lat is not None and lon is not None
             else None)
            for eid, name, lat, lon, alt, direction, time in rows]
