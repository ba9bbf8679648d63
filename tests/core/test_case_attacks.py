"""A case from elsewhere is untrusted: each way a hostile tester altered one, refused or named.

Every attack edits the file as an attacker would, with sqlite3 and no desk code, then opens it
with desk. A refusal must be a CaseFileError; an accepted file must fail `verify` naming what
changed; nothing the file brought may ever run.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from pathlib import Path

import pytest

from desk.core import audit, commands, schema
from desk.core.casefile import CaseCorrupt, CaseFile, CaseFileError
from desk.core.model import Claim, Confidence, Metadata, Provenance, Rating, Verdict


def _case(path: Path) -> Path:
    with CaseFile.create(path, "Kupiansk") as case:
        commands.add_claim(case, Claim(0, "The town was captured")).apply(case)
        commands.set_verdict(Verdict(1, Rating.MISLEADING, Confidence.MODERATE,
                                     "they walk out of town")).apply(case)
        with case.edit("import", ["evidence:1"]) as conn:
            case.insert_evidence(conn, sha256=hashlib.sha256(b"frame").hexdigest(),
                                 data=b"frame", fmt="jpeg", width=1, height=1, metadata=Metadata(),
                                 provenance=Provenance(original_name="frame.jpg"),
                                 thumbnail=b"t", thumb_size=(1, 1))
    return path


def _raw(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None)
    return conn


def _rating(path: Path) -> str:
    conn = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)
    conn.execute("PRAGMA writable_schema = ON")  # reads past a schema SQLite cannot parse
    try:
        return str(conn.execute("SELECT rating FROM verdict WHERE claim_id = 1").fetchone()[0])
    finally:
        conn.close()


def _problems(path: Path) -> list[str]:
    with CaseFile.open(path, read_only=True) as case:
        return case.verify().problems


# --------------------------------------------------------------------------- database code

_TRIGGER = ("CREATE TRIGGER flip AFTER INSERT ON audit BEGIN"
            " UPDATE verdict SET rating = 'Confirmed', confidence = 'high'; END")


def _smuggle(path: Path, kind: str, name: str, table: str, sql: str) -> None:
    """Write a row straight into sqlite_master, as `type` and all (SQLite builds the object
    from its SQL text whatever `type` says)."""
    conn = _raw(path)
    conn.execute("PRAGMA writable_schema = ON")
    conn.execute("INSERT INTO sqlite_master (type, name, tbl_name, rootpage, sql)"
                 " VALUES (?, ?, ?, 0, ?)", (kind, name, table, sql))
    conn.execute("PRAGMA writable_schema = OFF")
    conn.close()


@pytest.mark.parametrize("kind", ["trigger", "TRIGGER", "Trigger", "tRiGgEr", " trigger",
                                  "trigger ", "table", "index", ""])
@pytest.mark.parametrize("sql", [
    _TRIGGER,
    _TRIGGER.replace("CREATE TRIGGER", "create   trigger"),
    _TRIGGER.replace("CREATE TRIGGER", "CREATE\n\tTRIGGER"),
    _TRIGGER.replace("CREATE TRIGGER flip", "CREATE TRIGGER IF NOT EXISTS flip"),
    _TRIGGER.replace("CREATE TRIGGER flip", 'CREATE TRIGGER "flip"'),
    _TRIGGER.replace("CREATE TRIGGER flip", "CREATE TEMP TRIGGER flip"),
])
def test_a_smuggled_trigger_never_runs(case_path: Path, kind: str, sql: str) -> None:
    _case(case_path)
    _smuggle(case_path, kind, "flip", "audit", sql)
    # Refused, as code desk did not create or as a schema SQLite itself cannot read.
    with pytest.raises(CaseCorrupt, match=r"did not create|damaged"):
        CaseFile.open(case_path)
    with pytest.raises(CaseCorrupt):
        CaseFile.open(case_path, read_only=True)
    assert _rating(case_path) == "Misleading"


@pytest.mark.parametrize("kind,sql", [
    ("view", "CREATE VIEW v AS SELECT * FROM evidence"),
    ("VIEW", "CREATE VIEW v AS SELECT * FROM evidence"),
    ("view", "CREATE TEMP VIEW v AS SELECT * FROM evidence"),
    ("table", "CREATE TABLE v (x)"),
    ("index", "CREATE INDEX v ON claim(lower(text))"),
    ("index", "CREATE INDEX v ON claim(text) WHERE length(text) > 0"),
])
def test_views_tables_and_expression_indexes_are_refused(case_path: Path, kind: str,
                                                         sql: str) -> None:
    _case(case_path)
    conn = _raw(case_path)
    conn.execute("PRAGMA writable_schema = ON")
    conn.execute("INSERT INTO sqlite_master (type, name, tbl_name, rootpage, sql)"
                 " VALUES (?, 'v', 'claim', 0, ?)", (kind, sql))
    conn.close()
    with pytest.raises(CaseCorrupt):
        CaseFile.open(case_path)


def test_desks_own_index_redefined_is_refused(case_path: Path) -> None:
    _case(case_path)
    conn = _raw(case_path)
    conn.execute("DROP INDEX statement_claim")
    conn.execute("CREATE INDEX statement_claim ON statement(lower(text))")
    conn.close()
    with pytest.raises(CaseCorrupt, match="index statement_claim"):
        CaseFile.open(case_path)


def test_a_table_redefined_with_a_default_expression_is_refused(case_path: Path) -> None:
    _case(case_path)
    conn = _raw(case_path)
    conn.execute("PRAGMA writable_schema = ON")
    conn.execute("UPDATE sqlite_master SET sql = replace(sql, 'value TEXT NOT NULL',"
                 " 'value TEXT NOT NULL DEFAULT (random())') WHERE name = 'meta'")
    conn.close()
    with pytest.raises(CaseCorrupt):
        CaseFile.open(case_path)


def test_layout_whitespace_alone_is_not_a_change(case_path: Path) -> None:
    _case(case_path)
    conn = _raw(case_path)
    conn.execute("PRAGMA writable_schema = ON")
    conn.execute("UPDATE sqlite_master SET sql = replace(sql, '(', ' (  ') WHERE name = 'meta'")
    conn.close()
    with CaseFile.open(case_path) as case:
        assert case.title == "Kupiansk"


# --------------------------------------------------------------------------- custody


def test_a_direct_edit_of_a_row_is_named(case_path: Path) -> None:
    _case(case_path)
    conn = _raw(case_path)
    conn.execute("UPDATE evidence SET notes = 'found on the ground' WHERE id = 1")
    conn.close()
    assert any("evidence 1 was changed outside desk" in p for p in _problems(case_path))


def test_a_row_added_directly_is_named(case_path: Path) -> None:
    _case(case_path)
    conn = _raw(case_path)
    conn.execute("INSERT INTO claim (text, created_at) VALUES ('planted', '2026-01-01')")
    conn.close()
    assert any("claim 2 was added outside desk" in p for p in _problems(case_path))


def test_a_row_deleted_directly_is_named(case_path: Path) -> None:
    _case(case_path)
    conn = _raw(case_path)
    conn.execute("DELETE FROM verdict")
    conn.close()
    assert any("the verdict of claim 1 was deleted outside desk" in p
               for p in _problems(case_path))


def test_a_direct_edit_is_not_laundered_by_a_later_edit(case_path: Path) -> None:
    _case(case_path)
    conn = _raw(case_path)
    conn.execute("UPDATE verdict SET rating = 'Confirmed', confidence = 'high'")
    conn.close()
    with CaseFile.open(case_path) as case:
        commands.set_verdict(Verdict(1, Rating.CONFIRMED, Confidence.HIGH, "now with summary")
                             ).apply(case)
        problems = case.verify().problems
    assert any("the verdict of claim 1 was changed outside desk between custody entries"
               in p for p in problems)


def test_cutting_the_last_entries_is_named(case_path: Path) -> None:
    _case(case_path)
    conn = _raw(case_path)
    conn.execute("DELETE FROM audit WHERE seq = (SELECT max(seq) FROM audit)")
    conn.close()
    # The import's rows remain without the entry that recorded them.
    assert any("evidence 1 was added outside desk" in p for p in _problems(case_path))


def test_a_rewritten_entry_with_a_recomputed_chain_fails_its_signature(case_path: Path) -> None:
    _case(case_path)
    conn = _raw(case_path)
    rows = conn.execute("SELECT seq, at, actor, action, items, detail, version, rows, signer"
                        " FROM audit ORDER BY seq").fetchall()
    prev = audit.GENESIS
    for seq, at, actor, action, items, detail, version, rows_text, signer in rows:
        if action == "record verdict":
            actor = "Somebody Else"
        rows_sha = hashlib.sha256(rows_text.encode()).hexdigest() if rows_text else ""
        digest = audit.entry_hash(seq, at, actor, action, items, detail, version, prev,
                                  rows_sha, signer)
        conn.execute("UPDATE audit SET actor = ?, prev_hash = ?, hash = ? WHERE seq = ?",
                     (actor, prev, digest, seq))
        prev = digest
    conn.close()
    problems = _problems(case_path)
    assert any("does not carry a valid signature" in p for p in problems)
    assert not any("does not follow" in p for p in problems)  # the chain itself is whole


def test_a_log_stripped_of_its_seals_is_named(case_path: Path) -> None:
    from tests.old_formats import downgrade

    _case(case_path)
    downgrade(case_path, 1002)
    conn = _raw(case_path)
    for column in ("rows", "signer", "signature"):
        conn.execute(f"ALTER TABLE audit ADD COLUMN {column} TEXT NOT NULL DEFAULT ''")
    conn.execute(schema.TABLES["shadow"])  # and the rest of the current format
    conn.execute(schema.INDEXES["shadow_evidence"])
    for table in (t for t, v in schema.ADDED_IN.items() if v == 1005):
        conn.execute(schema.TABLES[table])
    for name in (t for t, v in schema.ADDED_IN.items() if v == 1006):
        conn.execute(schema.TABLES.get(name) or schema.INDEXES[name])
    conn.execute(f"PRAGMA user_version = {schema.USER_VERSION}")
    conn.close()
    assert any("no entry is sealed" in p for p in _problems(case_path))


def test_an_unsealed_entry_after_sealed_ones_is_named(case_path: Path) -> None:
    _case(case_path)
    conn = _raw(case_path)
    last_seq, last_hash = conn.execute(
        "SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1").fetchone()
    at, actor, action = "2026-01-01T00:00:00Z", "x", "add claim"
    items, detail, version = "[]", "", "0"
    digest = audit.entry_hash(last_seq + 1, at, actor, action, items, detail, version, last_hash)
    conn.execute("INSERT INTO audit (seq, at, actor, action, items, detail, version, prev_hash,"
                 " hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                 (last_seq + 1, at, actor, action, items, detail, version, last_hash, digest))
    conn.close()
    assert any("lacks the row digests and signature" in p for p in _problems(case_path))


def test_every_entry_is_signed_by_the_reviewers_key(case_path: Path) -> None:
    from desk.core import signing

    _case(case_path)
    with CaseFile.open(case_path) as case:
        report = case.verify()
        assert report.ok, report.problems
        fingerprint = signing.fingerprint(signing.load_or_create_key())
        assert list(report.signers) == [fingerprint]
        assert report.signers[fingerprint] == [e.seq for e in case.audit_entries()]
        head = case.custody_head()
        assert head is not None and head.sealed and head.signature


def test_an_upgraded_case_records_its_rows_as_the_baseline(case_path: Path) -> None:
    from tests.old_formats import downgrade

    _case(case_path)
    downgrade(case_path, 1002)
    with CaseFile.open(case_path) as case:
        upgrade = next(e for e in case.audit_entries() if e.action == "upgrade case format"
                       and json.loads(e.detail)["to"] == schema.SEALED_FROM)
        assert upgrade.sealed
        rows = json.loads(case.conn.execute(
            "SELECT rows FROM audit WHERE seq = ?", (upgrade.seq,)).fetchone()[0])
        assert {r[0] for r in rows} >= {"claim", "verdict", "evidence", "original", "meta"}
        assert case.verify().ok
    conn = _raw(case_path)
    conn.execute("UPDATE claim SET text = 'edited after the upgrade'")
    conn.close()
    assert any("claim 1 was changed outside desk" in p for p in _problems(case_path))


def test_an_edit_without_a_custody_entry_is_refused(case_path: Path) -> None:
    _case(case_path)
    with CaseFile.open(case_path) as case:
        with pytest.raises(CaseFileError, match="no custody-log entry"), case.transaction() as c:
            c.execute("UPDATE claim SET text = 'quietly'")
        assert case.list_claims()[0].text == "The town was captured"
        assert case.verify().ok


# --------------------------------------------------------------------------- damage


def test_a_truncated_case_never_opens_for_writing_and_verify_reports(case_path: Path) -> None:
    with CaseFile.create(case_path, "cut") as case:
        for i in range(60):
            commands.add_claim(case, Claim(0, f"claim {i} " * 200)).apply(case)
    data = case_path.read_bytes()
    case_path.write_bytes(data[: len(data) - 40000])
    before = case_path.read_bytes()
    with pytest.raises(CaseCorrupt, match=r"damaged.*cut off"):
        CaseFile.open(case_path)
    with CaseFile.open(case_path, read_only=True, damaged_ok=True) as case:
        report = case.verify()
    assert not report.ok
    assert any("cut off" in p for p in report.problems)
    # SQLite's own findings about what remains are reported, not thrown away.
    assert any("SQLite's check of the rest finds" in p for p in report.problems)
    assert case_path.read_bytes() == before
