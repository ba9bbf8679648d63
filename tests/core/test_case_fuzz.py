"""Fuzzing a real case file: whatever is done to it, desk refuses it, names what changed, or
finds it unchanged; it never runs SQL the file brought and never answers with a traceback.

Bounded in time (a fixed, seeded number of mutations and a deadline), so it runs in CI.
"""

from __future__ import annotations

import random
import shutil
import sqlite3
import time
from pathlib import Path

import pytest

from desk.core import commands, schema
from desk.core.casefile import CaseFile, CaseFileError
from desk.core.model import Claim, Landmark
from tests.dossier.conftest import build_case

MUTATIONS = 240
DEADLINE_S = 60.0
#: What a smuggled object writes if it ever runs; its SQL builds the word, so the file's own
#: text never holds it.
_MARK = "'pw' || 'ned'"


def _dump(path: Path) -> dict[str, list[tuple[object, ...]]] | None:
    """Every row of every table as a plain sqlite3 reader sees it; None when it cannot."""
    try:
        conn = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)
        try:
            conn.execute("PRAGMA writable_schema = ON")
            return {t: conn.execute(f'SELECT * FROM "{t}" ORDER BY rowid').fetchall()
                    for t in schema.TABLES}
        finally:
            conn.close()
    except sqlite3.Error:
        return None


def _fired(path: Path) -> bool:
    try:
        conn = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)
        try:
            conn.execute("PRAGMA writable_schema = ON")
            return any("pwned" in str(v) for row in conn.execute("SELECT * FROM meta")
                       for v in row)
        finally:
            conn.close()
    except sqlite3.Error:
        return False


def _flip_bytes(rng: random.Random, path: Path) -> str:
    data = bytearray(path.read_bytes())
    count = rng.choice([1, 1, 2, 4, 16])
    for _ in range(count):
        data[rng.randrange(len(data))] = rng.randrange(256)
    path.write_bytes(bytes(data))
    return f"{count} random bytes"


def _smuggle_object(rng: random.Random, path: Path) -> str:
    kind = rng.choice(["trigger", "TRIGGER", "Trigger", "view", "VIEW", "table", "index", ""])
    table = rng.choice([t for t in schema.TABLES])
    body = f"INSERT INTO meta (key, value) VALUES ({_MARK}, 'x')"
    sql = rng.choice([
        f"CREATE TRIGGER t{rng.randrange(99)} AFTER INSERT ON audit BEGIN {body}; END",
        f"create trigger t{rng.randrange(99)} before update on {table} begin {body}; end",
        f"CREATE TEMP TRIGGER t{rng.randrange(99)} AFTER INSERT ON audit BEGIN {body}; END",
        f"CREATE VIEW v{rng.randrange(99)} AS SELECT {_MARK}",
        f"CREATE INDEX i{rng.randrange(99)} ON {table}(rowid + 1)",
        f"CREATE TABLE x{rng.randrange(99)} (a DEFAULT ({_MARK}))",
    ])
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("PRAGMA writable_schema = ON")
        if rng.random() < 0.3:  # or rewrite one of desk's own rows
            conn.execute("UPDATE sqlite_master SET type = ?, sql = ? WHERE rowid ="
                         " (SELECT rowid FROM sqlite_master ORDER BY random() LIMIT 1)",
                         (kind, sql))
        else:
            conn.execute("INSERT INTO sqlite_master (type, name, tbl_name, rootpage, sql)"
                         " VALUES (?, ?, ?, ?, ?)",
                         (kind, f"o{rng.randrange(999)}", table, rng.choice([0, 2, 3]), sql))
    finally:
        conn.close()
    return f"sqlite_master row ({kind!r}: {sql[:40]}…)"


def _edit_row(rng: random.Random, path: Path) -> str:
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        tables = [t for t in schema.TABLES
                  if conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0]]
        table = rng.choice(tables)
        columns = [r[1] for r in conn.execute(f'PRAGMA table_info("{table}")')]
        column = rng.choice(columns)
        value = rng.choice([None, 0, 1, -1, 3.5, "", "x", "Confirmed", b"\x00\xff", "9" * 64])
        action = rng.choice(["update", "update", "delete", "insert"])
        try:
            if action == "update":
                conn.execute(f'UPDATE "{table}" SET "{column}" = ? WHERE rowid ='
                             f' (SELECT rowid FROM "{table}" ORDER BY random() LIMIT 1)',
                             (value,))
            elif action == "delete":
                conn.execute(f'DELETE FROM "{table}" WHERE rowid ='
                             f' (SELECT rowid FROM "{table}" ORDER BY random() LIMIT 1)')
            else:
                conn.execute(f'INSERT INTO "{table}" SELECT * FROM "{table}" ORDER BY random()'
                             " LIMIT 1")
        except sqlite3.IntegrityError:
            return "a row edit the schema refused"
    finally:
        conn.close()
    return f"{action} {table}.{column} = {value!r}"


def _base(tmp_path: Path) -> Path:
    built = build_case(tmp_path / "base.deskcase", stills=2)
    with CaseFile.open(built.path) as case:
        commands.add_claim(case, Claim(0, "91 drones attacked the residence")).apply(case)
        commands.add_landmark(case, Landmark(0, "TV tower", 49.71, 37.61, is_reference=True)
                              ).apply(case)
    return built.path


@pytest.mark.slow
def test_a_mutated_case_is_refused_named_or_unchanged(tmp_path: Path) -> None:
    base = _base(tmp_path)
    original = _dump(base)
    assert original is not None
    rng = random.Random(20261202)
    started = time.monotonic()
    outcomes = {"refused": 0, "named": 0, "unchanged": 0}
    for i in range(MUTATIONS):
        if time.monotonic() - started > DEADLINE_S:
            break
        copy = tmp_path / f"m{i}.deskcase"
        shutil.copy(base, copy)
        mutate = rng.choice([_flip_bytes, _flip_bytes, _smuggle_object, _edit_row, _edit_row])
        what = mutate(rng, copy)
        try:
            with CaseFile.open(copy) as case:
                report = case.verify()
                # An edit through desk must not set off anything the file brought.
                commands.add_claim(case, Claim(0, "after the mutation")).apply(case)
        except CaseFileError:
            outcomes["refused"] += 1
            assert not _fired(copy), what
            copy.unlink()
            continue
        assert not _fired(copy), what
        if report.problems:
            outcomes["named"] += 1
        else:
            after = _dump(copy)
            assert after is not None, what
            claims = [r for r in after["claim"] if r[1] != "after the mutation"]
            assert claims == original["claim"], what
            for table in ("evidence", "original", "thumbnail", "statement", "verdict",
                          "geolocation", "landmark", "movement", "claim_evidence"):
                assert after[table] == original[table], f"{what}: {table} changed unseen"
            outcomes["unchanged"] += 1
        copy.unlink()
    print(outcomes)
    assert sum(outcomes.values()) >= 60, outcomes
    assert outcomes["refused"] and outcomes["named"], outcomes
