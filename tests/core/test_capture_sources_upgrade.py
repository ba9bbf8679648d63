"""A case from desk 1.4 upgraded to 1.5: a save time stored as the capture time is moved to
where it belongs, recorded in the custody log, and other items say their sources were not read."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from desk.core.casefile import CaseFile
from desk.core.metadata_rows import NOT_READ, source_lines, sources_summary
from desk.core.model import Flag, Gps, Metadata, Provenance
from desk.core.report import evidence_summary
from tests.old_formats import downgrade

#: What desk 1.4 stored for a file whose only date was IFD0 DateTime (a Photoshop save).
SAVED_ONLY = Metadata(
    captured_at="2019-10-17T16:55:20-07:00", utc_offset="-07:00", gps=Gps(51.5, -0.12),
    flags=(Flag("no_gps", "x"), Flag("time_mismatch", "GPS time and capture time disagree")),
    raw={"Image DateTime": "2019:10:17 16:55:20", "EXIF OffsetTime": "-07:00",
         "Image Software": "Adobe Photoshop CC 2019"})
#: ... and for a camera original with DateTimeOriginal.
ORIGINAL = Metadata(captured_at="2016-12-03T11:17:43",
                    raw={"EXIF DateTimeOriginal": "2016:12:03 11:17:43",
                         "Image DateTime": "2019:10:17 16:55:20"})


def _old_case(path: Path) -> list[int]:
    ids = []
    with CaseFile.create(path, "from desk 1.4") as case, case.edit("import") as conn:
        for index, meta in enumerate((SAVED_ONLY, ORIGINAL)):
            data = f"picture {index}".encode()
            ids.append(case.insert_evidence(
                conn, sha256=hashlib.sha256(data).hexdigest(), data=data, fmt="jpeg", width=1,
                height=1, metadata=meta, provenance=Provenance(original_name=f"{index}.jpg"),
                thumbnail=b"", thumb_size=(1, 1)))
    downgrade(path, 1004)
    return ids


def test_a_save_time_taken_for_capture_by_desk_1_4_becomes_the_save_time(
        case_path: Path) -> None:
    saved_id, original_id = _old_case(case_path)
    with CaseFile.open(case_path) as case:
        moved = case.get_evidence(saved_id).metadata
        assert moved.captured_at is None and moved.utc_offset is None
        assert (moved.saved_at, moved.saved_at_source) == ("2019-10-17T16:55:20-07:00",
                                                           "IFD0 DateTime")
        assert not moved.sources_read  # XMP, IPTC and maker notes were never read
        assert [f.code for f in moved.flags] == ["no_capture_time", "no_gps"]
        kept = case.get_evidence(original_id).metadata
        assert kept.captured_at == "2016-12-03T11:17:43"
        assert (kept.captured_at_source, kept.saved_at, kept.sources_read) == (None, None, False)

        entry = next(e for e in case.audit_entries()
                     if e.action == "upgrade case format" and '"to":1005' in e.detail)
        detail = json.loads(entry.detail)
        assert detail["save_times_moved"]["evidence"] == [saved_id]
        report = case.verify()
        assert report.ok, report.problems  # the changed rows are in the upgrade's entry
        rows = case.conn.execute("SELECT rows FROM audit WHERE seq = ?", (entry.seq,)).fetchone()
        changed = {(table, key) for table, key, _, _ in json.loads(rows[0])}
        assert changed == {("evidence", f"[{saved_id}]"), ("metadata_source", f"[{saved_id}]")}

        lines = source_lines(evidence_summary(case.get_evidence(saved_id)))
        assert lines == ["saved (not captured): 2019-10-17T16:55:20-07:00 from IFD0 DateTime",
                         f"XMP, IPTC and maker notes {NOT_READ}"]
        summary = sources_summary(kept)
        assert summary["captured_at_source"] is None and summary["sources_read"] is False


def test_an_upgrade_with_nothing_to_move_changes_no_evidence(case_path: Path) -> None:
    with CaseFile.create(case_path, "plain") as case, case.edit("import") as conn:
        case.insert_evidence(conn, sha256=hashlib.sha256(b"x").hexdigest(), data=b"x",
                             fmt="jpeg", width=1, height=1, metadata=ORIGINAL,
                             provenance=Provenance(), thumbnail=b"", thumb_size=(1, 1))
    downgrade(case_path, 1004)
    with CaseFile.open(case_path) as case:
        assert not any("save_times_moved" in e.detail for e in case.audit_entries())
        assert case.list_evidence()[0].metadata.captured_at == "2016-12-03T11:17:43"
        assert case.verify().ok
