"""The case file keeps its promises: format markers, refusals, atomic edits, backup copies."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from desk.core import commands, schema
from desk.core.casefile import CaseCorrupt, CaseFile, CaseFileError, CaseTooNew, NotACaseFile
from desk.core.model import Claim, Provenance
from tests.old_formats import downgrade


def _pragma(path: Path, name: str) -> object:
    conn = sqlite3.connect(path)
    try:
        return conn.execute(f"PRAGMA {name}").fetchone()[0]
    finally:
        conn.close()


def test_new_case_carries_format_markers(case_path: Path) -> None:
    with CaseFile.create(case_path, "Kupiansk clip") as case:
        assert case.title == "Kupiansk clip"
        assert [e.action for e in case.audit_entries()] == ["create case"]
        assert case.audit_entries()[0].actor == "Test Reviewer"
    assert _pragma(case_path, "application_id") == schema.APPLICATION_ID
    assert _pragma(case_path, "user_version") == schema.USER_VERSION
    assert _pragma(case_path, "journal_mode") == "delete"
    assert _pragma(case_path, "page_size") == schema.PAGE_SIZE
    assert not list(case_path.parent.glob(".desk-new-*"))


def test_create_refuses_to_overwrite(case_path: Path) -> None:
    CaseFile.create(case_path, "one").close()
    with pytest.raises(CaseFileError, match="already exists"):
        CaseFile.create(case_path, "two")
    with CaseFile.open(case_path) as case:
        assert case.title == "one"


def test_open_refuses_what_is_not_a_case(tmp_path: Path) -> None:
    text = tmp_path / "notes.deskcase"
    text.write_text("hello " * 50)
    with pytest.raises(NotACaseFile, match="not a desk case file"):
        CaseFile.open(text)
    other = tmp_path / "other.deskcase"
    conn = sqlite3.connect(other)
    conn.execute("CREATE TABLE t (x)")
    conn.commit()
    conn.close()
    with pytest.raises(NotACaseFile, match="SQLite database but not a desk case"):
        CaseFile.open(other)
    with pytest.raises(CaseFileError, match="no case file"):
        CaseFile.open(tmp_path / "missing.deskcase")
    empty = tmp_path / "empty.deskcase"
    empty.write_bytes(b"")
    with pytest.raises(NotACaseFile):
        CaseFile.open(empty)


def test_newer_major_version_is_refused_with_a_clear_message(case_path: Path) -> None:
    CaseFile.create(case_path, "from the future").close()
    conn = sqlite3.connect(case_path)
    conn.execute("PRAGMA user_version = 2003")
    conn.close()
    with pytest.raises(CaseTooNew, match=r"newer desk \(case format 2\.3\).*Update desk"):
        CaseFile.open(case_path)


def test_a_format_1_0_case_is_upgraded_in_place_and_says_so(case_path: Path) -> None:
    CaseFile.create(case_path, "older").close()
    downgrade(case_path, 1000)
    with pytest.raises(CaseFileError, match="older case format and is read-only"):
        CaseFile.open(case_path, read_only=True)
    with CaseFile.open(case_path) as case:
        assert case.verdict_draft(1) is None  # the new table is there
        assert case.shadows() == []  # and so is format 1.4's
        upgrades = case.audit_entries()[-6:]
        assert [u.action for u in upgrades] == ["upgrade case format"] * 6
        assert [json.loads(u.detail) for u in upgrades] == [
            {"from": 1000, "to": 1001}, {"from": 1001, "to": 1002},
            {"from": 1002, "to": 1003, "baseline": "every row of the case"},
            {"from": 1003, "to": 1004}, {"from": 1004, "to": 1005},
            {"from": 1005, "to": 1006}]
        assert [u.sealed for u in upgrades] == [False, False, True, True, True, True]
        assert case.verify().ok
    assert _pragma(case_path, "user_version") == schema.USER_VERSION == 1006


def test_a_format_1_3_case_gains_shadows_and_keeps_its_seals(case_path: Path) -> None:
    with CaseFile.create(case_path, "before shadows") as case:
        commands.add_claim(case, Claim(0, "The clip was filmed this morning")).apply(case)
    downgrade(case_path, 1003)
    conn = sqlite3.connect(case_path)
    held = sorted(r[0] for r in conn.execute("SELECT name FROM sqlite_master"))
    conn.close()
    assert "shadow" not in held
    assert {o[1] for o in schema.objects_at(1003)} == set(held)
    with pytest.raises(CaseFileError, match="older case format and is read-only"):
        CaseFile.open(case_path, read_only=True)
    with CaseFile.open(case_path) as case:
        first, upgrade, footage = case.audit_entries()[-3:]
        assert first.action == upgrade.action == "upgrade case format" and upgrade.sealed
        assert json.loads(first.detail) == {"from": 1003, "to": 1004}
        assert json.loads(upgrade.detail) == {"from": 1004, "to": 1005}
        assert json.loads(footage.detail) == {"from": 1005, "to": 1006}
        assert case.list_claims()[0].text == "The clip was filmed this morning"
        assert case.shadows() == []
        assert case.verify().ok
    assert _pragma(case_path, "user_version") == 1006
    with CaseFile.open(case_path, read_only=True) as case:
        assert {o[1] for o in schema.objects_at()} >= {"shadow", "shadow_evidence"}
        assert case.verify().ok


def test_a_format_1_3_case_with_a_table_of_its_own_named_shadow_is_refused(
        case_path: Path) -> None:
    CaseFile.create(case_path, "impostor").close()
    downgrade(case_path, 1003)
    conn = sqlite3.connect(case_path)
    conn.execute("CREATE TABLE shadow (id INTEGER PRIMARY KEY, evidence_id, bearing)")
    conn.commit()
    conn.close()
    with pytest.raises(CaseCorrupt, match="did not create"):
        CaseFile.open(case_path)


def test_a_format_1_1_case_with_two_reference_points_keeps_the_first(case_path: Path) -> None:
    """desk 0.1 let the map's "add landmark" mark a second reference point; 1.2 allows one."""
    CaseFile.create(case_path, "two references").close()
    downgrade(case_path, 1001)
    conn = sqlite3.connect(case_path)
    conn.executemany("INSERT INTO landmark (id, name, lat, lon, is_reference) VALUES (?,?,?,?,1)",
                     [(1, "TV mast", 49.7, 37.6), (2, "centre", 49.71, 37.61)])
    conn.commit()
    conn.close()
    with CaseFile.open(case_path) as case:
        assert [lm.is_reference for lm in case.landmarks()] == [True, False]
        upgrade = next(e for e in case.audit_entries() if e.action == "upgrade case format"
                       and json.loads(e.detail)["from"] == 1001)
        assert json.loads(upgrade.detail) == {"from": 1001, "to": 1002,
                                              "reference_point_kept": 1,
                                              "reference_point_unset": [2]}
        with pytest.raises(sqlite3.IntegrityError):
            case.conn.execute("UPDATE landmark SET is_reference = 1 WHERE id = 2")


def test_a_case_without_the_one_reference_index_is_refused(case_path: Path) -> None:
    CaseFile.create(case_path, "no index").close()
    conn = sqlite3.connect(case_path)
    conn.execute("DROP INDEX landmark_one_reference")
    conn.commit()
    conn.close()
    with pytest.raises(CaseFileError, match="landmark_one_reference"):
        CaseFile.open(case_path)


def test_newer_minor_version_with_extra_table_opens(case_path: Path) -> None:
    CaseFile.create(case_path, "minor").close()
    conn = sqlite3.connect(case_path)
    conn.execute(f"PRAGMA user_version = {schema.USER_VERSION + 1}")
    conn.execute("CREATE TABLE future_feature (x)")
    conn.commit()
    conn.close()
    with CaseFile.open(case_path) as case:
        assert case.title == "minor"


@pytest.mark.parametrize(
    "sql",
    [
        "CREATE TRIGGER evil AFTER INSERT ON claim BEGIN DELETE FROM evidence; END",
        "CREATE VIEW sneaky AS SELECT * FROM evidence",
        "CREATE TABLE smuggled (x)",
        "ALTER TABLE evidence RENAME COLUMN sha256 TO digest",
    ],
)
def test_untrusted_schema_changes_are_refused(case_path: Path, sql: str) -> None:
    CaseFile.create(case_path, "tampered").close()
    conn = sqlite3.connect(case_path)
    conn.execute(sql)
    conn.commit()
    conn.close()
    with pytest.raises(CaseCorrupt):
        CaseFile.open(case_path)


def test_corrupt_pages_are_refused(case_path: Path) -> None:
    with CaseFile.create(case_path, "damaged") as case:
        for i in range(200):
            commands.add_claim(case, Claim(0, f"claim number {i} " * 20)).apply(case)
    data = bytearray(case_path.read_bytes())
    # Scribble over the headers of the b-tree pages after the schema page.
    for page in range(1, len(data) // schema.PAGE_SIZE):
        start = page * schema.PAGE_SIZE
        data[start:start + 64] = b"\x0d" + b"\xff" * 63
    case_path.write_bytes(bytes(data))
    with pytest.raises(CaseFileError):
        CaseFile.open(case_path)


def test_every_edit_is_committed_with_its_custody_entry(case_path: Path) -> None:
    with CaseFile.create(case_path, "edits") as case:
        commands.add_claim(case, Claim(0, "91 drones attacked the residence")).apply(case)
    # A second connection (another process) sees the edit without any save step.
    with CaseFile.open(case_path) as case:
        assert [c.text for c in case.list_claims()] == ["91 drones attacked the residence"]
        assert case.audit_entries()[-1].action == "add claim"
        assert case.verify().ok


def test_failed_edit_leaves_nothing_behind(case_path: Path) -> None:
    with CaseFile.create(case_path, "atomic") as case:
        before = len(case.audit_entries())
        with pytest.raises(RuntimeError), case.edit("doomed"):
            case.conn.execute(
                "INSERT INTO claim (text, created_at) VALUES ('half', '2026-01-01')"
            )
            raise RuntimeError("crash in the middle")
        assert case.list_claims() == []
        assert len(case.audit_entries()) == before


def test_save_as_makes_a_complete_independent_copy(case_path: Path, tmp_path: Path) -> None:
    copy = tmp_path / "copy.deskcase"
    with CaseFile.create(case_path, "original") as case:
        commands.add_claim(case, Claim(0, "claim")).apply(case)
        assert case.save_as(copy) == copy
        with pytest.raises(CaseFileError, match="different file name"):
            case.save_as(case_path)
    with CaseFile.open(copy) as dup:
        assert [c.text for c in dup.list_claims()] == ["claim"]
        assert dup.audit_entries()[-1].action == "save copy"
        assert dup.verify().ok
    with CaseFile.open(case_path) as original:
        assert original.audit_entries()[-1].action == "add claim"
    assert _pragma(copy, "application_id") == schema.APPLICATION_ID


def test_read_only_case_opens_for_reading(case_path: Path) -> None:
    CaseFile.create(case_path, "read only").close()
    before = case_path.read_bytes()
    with CaseFile.open(case_path, read_only=True) as case:
        assert case.read_only
        assert case.title == "read only"
        with pytest.raises(CaseFileError, match="read-only"):
            commands.add_claim(case, Claim(0, "x")).apply(case)
    assert case_path.read_bytes() == before


def test_provenance_round_trips(case_path: Path) -> None:
    with CaseFile.create(case_path, "prov") as case:
        with case.edit("import") as conn:
            from desk.core.model import Metadata

            eid = case.insert_evidence(
                conn, sha256="ab" * 32, data=b"x", fmt="jpeg", width=1, height=1,
                metadata=Metadata(), provenance=Provenance(original_name="a.jpg",
                                                           source_url="https://t.me/x/1"),
                thumbnail=b"", thumb_size=(1, 1),
            )
        item = case.get_evidence(eid)
        assert item.provenance.source_url == "https://t.me/x/1"
        assert item.name == "a.jpg"


def test_save_as_leaves_the_source_untouched(case_path: Path, tmp_path: Path) -> None:
    CaseFile.create(case_path, "received").close()
    before = case_path.read_bytes()
    with CaseFile.open(case_path, read_only=True) as case:
        case.save_as(tmp_path / "working.deskcase")
    assert case_path.read_bytes() == before
    with CaseFile.open(tmp_path / "working.deskcase") as copy:
        entry = copy.audit_entries()[-1]
        assert entry.action == "save copy" and "case.deskcase" in entry.detail
        assert copy.verify().ok


def test_database_errors_in_an_edit_become_case_errors(case_path: Path) -> None:
    with CaseFile.create(case_path, "errors") as case:
        with pytest.raises(CaseFileError, match="not saved"), case.edit("bad"):
            case.conn.execute("INSERT INTO claim (id) VALUES (1)")  # NOT NULL text
        assert case.list_claims() == []


def test_a_case_killed_mid_commit_is_rolled_back_not_called_cut_off(case_path: Path) -> None:
    """A kill during a commit can leave the header declaring pages the commit had not written
    yet, beside the hot journal that undoes it: desk rolls back first, then judges the file."""
    import os

    with CaseFile.create(case_path, "mid-commit") as case:
        commands.add_claim(case, Claim(0, "Kept")).apply(case)
    pid = os.fork()
    if pid == 0:  # a writer that dies in the middle of its transaction
        conn = sqlite3.connect(case_path, isolation_level=None)
        conn.execute("PRAGMA cache_size = 2")  # changed pages spill into the file
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("UPDATE claim SET text = 'lost'")
        conn.execute("CREATE TABLE spill (x BLOB)")
        for _ in range(40):
            conn.execute("INSERT INTO spill VALUES (?)", (os.urandom(100_000),))
        os._exit(0)
    os.waitpid(pid, 0)
    assert Path(f"{case_path}-journal").exists()
    with case_path.open("r+b") as fh:  # the new header written, the new pages not yet
        header = bytearray(fh.read(100))
        page_size = int.from_bytes(header[16:18], "big")
        header[28:32] = (case_path.stat().st_size // page_size + 64).to_bytes(4, "big")
        header[92:96] = header[24:28]  # a header SQLite itself would trust
        fh.seek(0)
        fh.write(header)
    with CaseFile.open(case_path, read_only=True) as case:
        assert [c.text for c in case.list_claims()] == ["Kept"]
        assert case.verify().ok
    assert not Path(f"{case_path}-journal").exists()
