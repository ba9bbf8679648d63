"""Metadata sources as rows of the case file: written at intake, read with the evidence, and
derived once by the upgrade to case format 1.5.

Each evidence item imported by desk 1.5 or later has one `metadata_source` row: where its
capture time came from, its save time with its source, and every reading. An item without
one was imported earlier; its XMP, IPTC and maker notes were never read, which desk says as
such ("not read"), never as "absent". Before 1.5, desk took IFD0 DateTime (a save time) as
the capture time when nothing better was there; the upgrade finds those items from the EXIF
table stored with them and moves that time to where it belongs, recorded in its custody entry.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from dataclasses import replace

from desk.core import capture_sources as cs
from desk.core.metadata_display import NOT_READ
from desk.core.model import Evidence, Flag, Metadata, Reading

ORIGIN_INTAKE = "intake"
ORIGIN_UPGRADE = "upgrade"
#: Readings taken from one stored row at most (a case from elsewhere may hold anything).
MAX_READINGS = 500

_NO_CAPTURE_TIME = Flag("no_capture_time", "No capture time in the metadata.")


def insert_sources(conn: sqlite3.Connection, evidence_id: int, metadata: Metadata) -> None:
    """The sources row of a just-stored item (inside the caller's transaction); nothing for
    metadata whose sources were not read (a caller that built it by hand)."""
    if not metadata.sources_read:
        return
    conn.execute(
        "INSERT INTO metadata_source (evidence_id, captured_at_source, saved_at,"
        " saved_at_source, readings, origin) VALUES (?, ?, ?, ?, ?, ?)",
        (evidence_id, metadata.captured_at_source, metadata.saved_at, metadata.saved_at_source,
         _readings_json(metadata.readings), ORIGIN_INTAKE))


def with_sources(conn: sqlite3.Connection, items: list[Evidence]) -> list[Evidence]:
    """The items with their stored sources (items without a row keep `sources_read` False)."""
    if not items:
        return items
    ids = [item.id for item in items]
    try:
        rows = conn.execute(
            "SELECT evidence_id, captured_at_source, saved_at, saved_at_source, readings, origin"
            " FROM metadata_source WHERE evidence_id BETWEEN ? AND ?", (min(ids), max(ids)))
        found = {row[0]: row for row in rows}
    except sqlite3.OperationalError:  # a damaged case opened for `verify` may lack the table
        return items
    for item in items:
        row = found.get(item.id)
        if row is not None:
            item.metadata = _attach(item.metadata, row)
    return items


def _attach(metadata: Metadata, row: Sequence[object]) -> Metadata:
    _, captured_source, saved_at, saved_source, readings, origin = row
    return replace(
        metadata,
        captured_at_source=_text(captured_source),
        saved_at=_text(saved_at),
        saved_at_source=_text(saved_source),
        readings=_readings(readings),
        sources_read=origin == ORIGIN_INTAKE,
    )


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def _readings_json(readings: Sequence[Reading]) -> str:
    return json.dumps([{"field": r.field, "value": r.value, "source": r.source, "used": r.used}
                       for r in readings], ensure_ascii=False, separators=(",", ":"))


def _readings(stored: object) -> tuple[Reading, ...]:
    try:
        value = json.loads(stored) if isinstance(stored, str) else []
    except ValueError:
        return ()
    if not isinstance(value, list):
        return ()
    result = []
    for item in value[:MAX_READINGS]:
        if isinstance(item, dict) and all(isinstance(item.get(k), str)
                                          for k in ("field", "value", "source")):
            result.append(Reading(item["field"], item["value"], item["source"],
                                  item.get("used") is True))
    return tuple(result)


def sources_summary(metadata: Metadata) -> dict[str, object]:
    """The keys `desk info --json` adds to an evidence entry: where the capture time came
    from (null: none, or not read), the save time with its source, whether the sources were
    read, and every reading."""
    return {
        "captured_at_source": metadata.captured_at_source,
        "saved_at": metadata.saved_at,
        "saved_at_source": metadata.saved_at_source,
        "sources_read": metadata.sources_read,
        "readings": [{"field": r.field, "value": r.value, "source": r.source, "used": r.used}
                     for r in metadata.readings],
    }


def source_lines(entry: dict[str, object]) -> list[str]:
    """What `desk info` says under an item about where its times came from (plain text; the
    caller escapes it): the capture time's source, the save time labelled as not a capture
    time, or that the sources were never read."""
    lines = []
    if entry.get("captured_at_source"):
        lines.append(f"capture time from {entry['captured_at_source']}")
    if entry.get("saved_at"):
        lines.append(f"saved (not captured): {entry['saved_at']}"
                     f" from {entry.get('saved_at_source') or 'the file'}")
    if not entry.get("sources_read"):
        lines.append("XMP, IPTC and maker notes " + NOT_READ)
    return lines


# --- the upgrade to case format 1.5 ------------------------------------------------------------


def move_save_times(conn: sqlite3.Connection) -> dict[str, object] | None:
    """Items whose capture time came from IFD0 DateTime (the rule before 1.5: no usable
    DateTimeOriginal or DateTimeDigitized) get it as their save time instead, and no capture
    time. Their rows change, so the connection is watched first: the upgrade's custody entry
    records each changed row (before and after), as every edit's does."""
    moved: list[tuple[int, str, str]] = []
    for eid, captured_at, flags, exif in conn.execute(
            "SELECT id, captured_at, flags, exif FROM evidence WHERE captured_at IS NOT NULL"
            " ORDER BY id"):
        saved = _saved_as_captured(captured_at, exif)
        if saved is not None:
            moved.append((int(eid), saved, _flags_without_capture(flags)))
    if not moved:
        return None
    from desk.core import tracking

    tracking.watch(conn)
    for eid, saved, flags in moved:
        conn.execute("UPDATE evidence SET captured_at = NULL, utc_offset = NULL, flags = ?"
                     " WHERE id = ?", (flags, eid))
        conn.execute(
            "INSERT INTO metadata_source (evidence_id, captured_at_source, saved_at,"
            " saved_at_source, readings, origin) VALUES (?, NULL, ?, ?, ?, ?)",
            (eid, saved, "IFD0 DateTime",
             _readings_json([Reading("saved_at", saved, "IFD0 DateTime", True)]),
             ORIGIN_UPGRADE))
    return {"save_times_moved": {
        "evidence": [eid for eid, _, _ in moved],
        "why": "IFD0 DateTime records when the file was last written, not when it was taken:"
               " it is now the save time, and these items have no capture time."}}


def _saved_as_captured(captured_at: object, exif: object) -> str | None:
    """The stored capture time when the old rule took it from IFD0 DateTime, else None."""
    try:
        raw = json.loads(exif) if isinstance(exif, str) else {}
    except ValueError:
        return None
    if not isinstance(raw, dict):
        return None
    for name in ("EXIF DateTimeOriginal", "EXIF DateTimeDigitized"):
        text = raw.get(name)
        if isinstance(text, str) and text.strip(" :.-\t"):
            return None  # present: the old rule decided on it, right or wrong
    text = raw.get("Image DateTime")
    if not isinstance(text, str):
        return None
    offset = cs.offset_text(raw.get("EXIF OffsetTime") if isinstance(
        raw.get("EXIF OffsetTime"), str) else None)
    stamp = cs.exif_stamp("IFD0 DateTime", text, offset, "EXIF OffsetTime" if offset else None)
    if stamp is None or stamp.iso != captured_at:
        return None
    return stamp.iso


def _flags_without_capture(stored: object) -> str:
    """The item's flags once it has no capture time: the GPS-versus-capture comparison made
    with the save time goes, and "no capture time" comes first, as intake puts it."""
    try:
        flags = json.loads(stored) if isinstance(stored, str) else []
    except ValueError:
        flags = []
    if not isinstance(flags, list):
        flags = []
    kept = [f for f in flags if not (isinstance(f, dict) and f.get("code") in
                                     ("time_mismatch", "no_capture_time"))]
    first = {"code": _NO_CAPTURE_TIME.code, "message": _NO_CAPTURE_TIME.message}
    return json.dumps([first, *kept], ensure_ascii=False)
