"""The evidence list's rows (`case_listing`) say what the whole items say, and cost less.

The window lists a case from these rows and reads an item whole only when it is selected, so
a row must never disagree with the item: same name, size, capture time, GPS and flag codes,
including for a case whose stored flags were tampered with.
"""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

from desk.core import case_listing, commands
from desk.core.casefile import CaseFile
from desk.core.intake import import_files
from desk.core.model import Claim, Geolocation, Metadata, Provenance
from tests.ui.images import make_jpeg


def _as_listed(case: CaseFile) -> list[case_listing.ListedItem]:
    """The rows as the whole items give them."""
    return [case_listing.ListedItem(
        e.id, e.provenance.original_name, e.format, e.width, e.height, e.size,
        e.metadata.captured_at, e.metadata.gps is not None,
        tuple(f.code for f in e.metadata.flags)) for e in case.list_evidence()]


def _build(folder: Path) -> Path:
    src = folder / "src"
    files = [
        make_jpeg(src / "road_gps.jpg", 64, 36, seed=1, captured="2024:04:12 07:41:10",
                  gps=(49.7105, 37.6156), make="Apple", model="iPhone 12"),
        make_jpeg(src / "stripped.jpg", 64, 36, seed=2),
        make_jpeg(src / "edited.jpg", 80, 45, seed=3, captured="2024:04:12 08:02:00",
                  software="Adobe Photoshop 25.0"),
        make_jpeg(src / "late.jpg", 64, 36, seed=4, captured="2024:04:13 09:00:00"),
    ]
    path = folder / "listing.deskcase"
    with CaseFile.create(path, "Listing") as case:
        assert len(import_files(case, files).imported) == len(files)
        data = b"not parsed: stored by hand"
        sha = hashlib.sha256(data).hexdigest()
        with case.edit("import", [f"sha256:{sha}"], {"files": 1}) as conn:
            case.insert_evidence(conn, sha256=sha, data=data, fmt="JPEG", width=4, height=3,
                                 metadata=Metadata(), provenance=Provenance(),
                                 thumbnail=b"", thumb_size=(0, 0))
    return path


def test_rows_agree_with_the_whole_items(tmp_path: Path) -> None:
    with CaseFile.open(_build(tmp_path)) as case:
        rows = case_listing.list_rows(case)
        assert rows == _as_listed(case)
        assert [r.name for r in rows] == [e.name for e in case.list_evidence()]
        assert rows[-1].name == f"evidence-{rows[-1].id}"  # no file name: the same fallback
        by_name = {r.name: r for r in rows}
        assert by_name["road_gps.jpg"].has_gps and not by_name["stripped.jpg"].has_gps
        assert "no_metadata" in by_name["stripped.jpg"].flag_codes
        assert "edited_software" in by_name["edited.jpg"].flag_codes
        assert by_name["late.jpg"].captured_at == "2024-04-13T09:00:00"

        # Only the newer rows, as an import's sync asks; one row by id.
        assert case_listing.list_rows(case, after_id=rows[1].id) == rows[2:]
        assert case_listing.listed_item(case, rows[2].id) == rows[2]
        assert case_listing.listed_item(case, rows[-1].id + 1) is None


def test_tampered_flags_read_as_unreadable_as_the_item_says(tmp_path: Path) -> None:
    path = _build(tmp_path)
    conn = sqlite3.connect(path)
    with conn:
        ids = [r[0] for r in conn.execute("SELECT id FROM evidence ORDER BY id")]
        for eid, stored in zip(ids, ['not json', '[{"code": "time_mismatch"}]', '{"a": 1}',
                                     '[7]'], strict=False):
            conn.execute("UPDATE evidence SET flags = ? WHERE id = ?", (stored, eid))
    conn.close()
    with CaseFile.open(path, read_only=True, damaged_ok=True) as case:
        rows = case_listing.list_rows(case)
        assert rows == _as_listed(case)
        assert [r.flag_codes for r in rows[:4]] == [(case_listing.UNREADABLE_FLAGS,)] * 4


def test_geolocated_items_and_claim_links(tmp_path: Path) -> None:
    with CaseFile.open(_build(tmp_path)) as case:
        ids = [r.id for r in case_listing.list_rows(case)]
        assert case_listing.geolocated_ids(case) == set()
        commands.set_geolocation(Geolocation(ids[1], 49.7, 37.6)).apply(case)
        added = commands.add_claim(case, Claim(0, "A convoy left town"))
        added.apply(case)
        claim_id = commands.created_id(added)
        assert claim_id is not None
        commands.link_evidence(claim_id, ids[0], "supports").apply(case)
        commands.link_evidence(claim_id, ids[2], "contradicts").apply(case)
        assert case_listing.geolocated_ids(case) == {g.evidence_id for g in case.geolocations()}
        assert case_listing.claim_links(case) == {ids[0]: {claim_id}, ids[2]: {claim_id}}


def test_file_positions_are_what_the_items_claim(tmp_path: Path) -> None:
    with CaseFile.open(_build(tmp_path)) as case:
        assert case_listing.file_positions(case) == [
            (e.id, e.name, e.metadata.gps) for e in case.list_evidence()]
        assert sum(gps is not None for _, _, gps in case_listing.file_positions(case)) == 1
