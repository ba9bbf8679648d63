"""The custody log: append-only and hash-chained, so a removed or altered entry shows."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Iterable

from desk import __version__
from desk.core.clock import utc_now
from desk.core.model import AuditEntry

GENESIS = "0" * 64


def entry_hash(
    seq: int, at: str, actor: str, action: str, items: str, detail: str, version: str, prev: str
) -> str:
    """Hash of one entry over a canonical JSON array, so nobody has to guess the byte layout."""
    payload = json.dumps(
        [seq, at, actor, action, items, detail, version, prev],
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def append(
    conn: sqlite3.Connection,
    actor: str,
    action: str,
    items: Iterable[str] = (),
    detail: object = "",
) -> AuditEntry:
    """Add one entry inside the caller's transaction (the edit and its record commit together)."""
    row = conn.execute("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1").fetchone()
    seq, prev = (row[0] + 1, row[1]) if row else (1, GENESIS)
    at = utc_now()
    items_text = json.dumps(list(items), ensure_ascii=False, separators=(",", ":"))
    detail_text = (
        detail if isinstance(detail, str)
        else json.dumps(detail, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    )
    digest = entry_hash(seq, at, actor, action, items_text, detail_text, __version__, prev)
    conn.execute(
        "INSERT INTO audit (seq, at, actor, action, items, detail, version, prev_hash, hash)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (seq, at, actor, action, items_text, detail_text, __version__, prev, digest),
    )
    return AuditEntry(seq, at, actor, action, tuple(json.loads(items_text)), detail_text,
                      __version__, prev, digest)


def entries(conn: sqlite3.Connection) -> list[AuditEntry]:
    rows = conn.execute(
        "SELECT seq, at, actor, action, items, detail, version, prev_hash, hash"
        " FROM audit ORDER BY seq"
    ).fetchall()
    result = []
    for seq, at, actor, action, items, detail, version, prev, digest in rows:
        try:
            parsed = tuple(str(i) for i in json.loads(items))
        except (ValueError, TypeError):
            parsed = ()
        result.append(AuditEntry(seq, at, actor, action, parsed, detail, version, prev, digest))
    return result


def check_chain(conn: sqlite3.Connection) -> list[str]:
    """Every break in the chain, in words; empty when the log is whole."""
    problems: list[str] = []
    rows = conn.execute(
        "SELECT seq, at, actor, action, items, detail, version, prev_hash, hash"
        " FROM audit ORDER BY seq"
    ).fetchall()
    prev = GENESIS
    expected_seq = 1
    for seq, at, actor, action, items, detail, version, prev_hash, digest in rows:
        if seq != expected_seq:
            problems.append(f"custody log: entry {expected_seq} is missing (next is {seq})")
        if prev_hash != prev:
            problems.append(f"custody log: entry {seq} does not follow from the entry before it")
        if entry_hash(seq, at, actor, action, items, detail, version, prev_hash) != digest:
            problems.append(f"custody log: entry {seq} ({action}) was altered")
        prev = digest
        expected_seq = seq + 1
    return problems
