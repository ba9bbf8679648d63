"""Row digests that tie the custody log to the data, so a direct edit of the case file shows.

Every row of every data table has a digest (SHA-256 over its values, an original by its length:
its bytes are checked against the evidence's SHA-256 instead). On a connection desk writes
through, TEMP triggers (in the connection's own temporary schema, never in the file) note each
row an edit inserts, changes or deletes, with the row's digest before the edit. The custody
entry that commits the edit records, for each such row, the digest before and after. Replaying
the log then gives the digest every row must have now, and the digest each row must have had
when each edit began; a row that differs was changed by something that wrote no custody entry.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import cache

from desk.core import schema

#: One recorded change: [table, key (JSON array text), digest before, digest after].
RowChange = list[str | None]

_DIGEST_FN = "desk_row_digest"
#: Columns digested by their length: an original's bytes (whole or in parts) are checked
#: against the evidence's SHA-256 instead, streamed, never hashed row by row.
_LENGTH_ONLY = frozenset({("original", "data"), ("original_chunk", "data")})
_TOUCHED = "desk_touched"


class Connection(sqlite3.Connection):
    """desk's connection: knows the reviewer key that signs its custody entries and whether
    its edits are being watched."""

    signing_key: object = None  # Ed25519PrivateKey when entries are to be signed
    watched: bool = False
    watched_tables: frozenset[str] = frozenset()


@dataclass(frozen=True)
class _Table:
    name: str
    columns: tuple[str, ...]
    keys: tuple[str, ...]

    def value_sql(self, prefix: str = "") -> str:
        dot = f"{prefix}." if prefix else ""
        return ", ".join(
            f"length({dot}{c})" if (self.name, c) in _LENGTH_ONLY else f"{dot}{c}"
            for c in self.columns)

    def key_sql(self, prefix: str = "") -> str:
        dot = f"{prefix}." if prefix else ""
        return f"json_array({', '.join(dot + k for k in self.keys)})"


@cache
def tables() -> tuple[_Table, ...]:
    """The data tables of desk's schema (everything but the custody log itself)."""
    conn = sqlite3.connect(":memory:")
    try:
        schema.create_schema(conn)
        result = []
        for name in schema.TABLES:
            if name == "audit":
                continue
            info = conn.execute(f'PRAGMA table_info("{name}")').fetchall()
            columns = tuple(str(r[1]) for r in info)
            keys = tuple(str(r[1]) for r in sorted((r for r in info if r[5]), key=lambda r: r[5]))
            result.append(_Table(name, columns, keys))
        return tuple(result)
    finally:
        conn.close()


@cache
def references() -> dict[str, tuple[tuple[str, str], ...]]:
    """Which columns point at each table's rows: {parent: ((child table, column), ...)}, from
    the schema's foreign keys (a row given a new id takes every such column with it)."""
    conn = sqlite3.connect(":memory:")
    try:
        schema.create_schema(conn)
        found: dict[str, list[tuple[str, str]]] = {}
        for t in tables():
            for r in conn.execute(f'PRAGMA foreign_key_list("{t.name}")'):
                found.setdefault(str(r[2]), []).append((t.name, str(r[3])))
        return {parent: tuple(sorted(children)) for parent, children in found.items()}
    finally:
        conn.close()


@cache
def entity_tables() -> frozenset[str]:
    """Tables whose rows are things a reviewer names by a number ("evidence 3", "claim 2"):
    one INTEGER key `id` of their own, given out as max + 1 by each copy."""
    pointing = {(child, column) for children in references().values()
                for child, column in children}
    return frozenset(t.name for t in tables()
                     if t.keys == ("id",) and (t.name, "id") not in pointing)


def _table(name: str) -> _Table:
    for table in tables():
        if table.name == name:
            return table
    raise KeyError(name)


def row_digest(table: str, *values: object) -> str:
    """SHA-256 of a row's values in a canonical JSON form (blobs by their own SHA-256)."""
    shown = [{"sha256": hashlib.sha256(v).hexdigest()} if isinstance(v, bytes) else v
             for v in values]
    payload = json.dumps([table, *shown], ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def watch(conn: sqlite3.Connection) -> None:
    """Note every row change made through `conn` from now on (TEMP objects: nothing is written
    to the case file by this). Tables the file does not hold yet (an upgrade in progress
    watches before later formats add theirs) are watched once a later call finds them."""
    present = {str(r[0]) for r in conn.execute(
        "SELECT name FROM main.sqlite_master WHERE type = 'table'")}
    wanted = [t for t in tables() if t.name in present]
    if isinstance(conn, Connection) and conn.watched and conn.watched_tables >= {
            t.name for t in wanted}:
        return
    conn.create_function(_DIGEST_FN, -1, row_digest, deterministic=True)
    # REPLACE deletes the row it replaces; only with recursive triggers does that show.
    conn.execute("PRAGMA recursive_triggers = ON")
    # In one savepoint: each statement on its own was a transaction of the temp schema, and
    # every opening of a case (each team sync opens it) paid for some hundred of them.
    conn.execute("SAVEPOINT desk_watch")
    try:
        for statement in _watch_sql(tuple(t.name for t in wanted)):
            conn.execute(statement)
    except BaseException:
        conn.execute("ROLLBACK TO desk_watch")
        conn.execute("RELEASE desk_watch")
        raise
    conn.execute("RELEASE desk_watch")
    if isinstance(conn, Connection):
        conn.watched = True
        conn.watched_tables = frozenset(t.name for t in wanted)


@cache
def _watch_sql(names: tuple[str, ...]) -> tuple[str, ...]:
    """The TEMP table and triggers that note the row changes of these tables."""
    statements = [f"CREATE TEMP TABLE IF NOT EXISTS {_TOUCHED} (n INTEGER PRIMARY KEY,"
                  " tbl TEXT NOT NULL, key TEXT NOT NULL, before TEXT)"]
    for t in (_table(name) for name in names):
        old_digest = f"{_DIGEST_FN}('{t.name}', {t.value_sql('OLD')})"
        same_key = " AND ".join(f"OLD.{k} IS NEW.{k}" for k in t.keys)
        statements += [
            f"CREATE TEMP TRIGGER IF NOT EXISTS desk_watch_{t.name}_insert AFTER INSERT ON"
            f" main.{t.name} BEGIN INSERT INTO {_TOUCHED} (tbl, key, before) VALUES"
            f" ('{t.name}', {t.key_sql('NEW')}, NULL); END",
            f"CREATE TEMP TRIGGER IF NOT EXISTS desk_watch_{t.name}_update AFTER UPDATE ON"
            f" main.{t.name} BEGIN"
            f" INSERT INTO {_TOUCHED} (tbl, key, before) VALUES"
            f" ('{t.name}', {t.key_sql('OLD')}, {old_digest});"
            f" INSERT INTO {_TOUCHED} (tbl, key, before) VALUES ('{t.name}', {t.key_sql('NEW')},"
            f" CASE WHEN {same_key} THEN {old_digest} END);"
            " END",
            f"CREATE TEMP TRIGGER IF NOT EXISTS desk_watch_{t.name}_delete AFTER DELETE ON"
            f" main.{t.name} BEGIN INSERT INTO {_TOUCHED} (tbl, key, before) VALUES"
            f" ('{t.name}', {t.key_sql('OLD')}, {old_digest}); END"]
    return tuple(statements)


def is_watched(conn: sqlite3.Connection) -> bool:
    return isinstance(conn, Connection) and conn.watched


def current_digest(conn: sqlite3.Connection, table: str, key: str) -> str | None:
    """The digest of one row as it stands (None when there is no such row)."""
    t = _table(table)
    values = json.loads(key)
    where = " AND ".join(f"{k} = ?" for k in t.keys)
    row = conn.execute(f"SELECT {t.value_sql()} FROM main.{t.name} WHERE {where}",
                       values).fetchone()
    return None if row is None else row_digest(t.name, *row)


def take(conn: sqlite3.Connection) -> list[RowChange]:
    """The rows changed since the last call, each with its digest before and after; the
    record starts afresh (called as the edit's custody entry is written)."""
    if not is_watched(conn):
        return []
    first = conn.execute(
        f"SELECT tbl, key, before FROM {_TOUCHED} WHERE n IN"
        f" (SELECT min(n) FROM {_TOUCHED} GROUP BY tbl, key) ORDER BY tbl, key").fetchall()
    conn.execute(f"DELETE FROM {_TOUCHED}")
    now = _digests_now(conn, [(str(table), str(key)) for table, key, _ in first])
    changes: list[RowChange] = []
    for table, key, before in first:
        after = now[(table, key)]
        if before is None and after is None:
            continue  # made and removed within the same edit
        changes.append([table, key, before, after])
    return changes


def _digests_now(conn: sqlite3.Connection, rows: list[tuple[str, str]]
                 ) -> dict[tuple[str, str], str | None]:
    """`current_digest` of many rows: a table with a one-column key is read in a few
    queries (an import of a batch touches several rows per file), others row by row."""
    result: dict[tuple[str, str], str | None] = {}
    by_table: dict[str, list[str]] = {}
    for table, key in rows:
        by_table.setdefault(table, []).append(key)
    for name, keys in by_table.items():
        t = _table(name)
        if len(t.keys) != 1 or len(keys) < 4:
            result.update(((name, k), current_digest(conn, name, k)) for k in keys)
            continue
        for start in range(0, len(keys), 500):
            part = keys[start:start + 500]
            wanted = {k: None for k in part}
            marks = ", ".join("?" * len(part))
            for key, *values in conn.execute(
                    f"SELECT {t.key_sql()}, {t.value_sql()} FROM main.{t.name}"
                    f" WHERE {t.keys[0]} IN ({marks})",
                    [json.loads(k)[0] for k in part]):
                if str(key) in wanted:
                    result[(name, str(key))] = row_digest(t.name, *values)
            for k in part:  # gone, or a key whose text the batch did not match: one by one
                if (name, k) not in result:
                    result[(name, k)] = current_digest(conn, name, k)
    return result


def pending(conn: sqlite3.Connection) -> bool:
    """Whether rows changed that no custody entry has recorded yet."""
    if not is_watched(conn):
        return False
    return conn.execute(f"SELECT 1 FROM {_TOUCHED} LIMIT 1").fetchone() is not None


def snapshot(conn: sqlite3.Connection) -> dict[tuple[str, str], str]:
    """The digest of every row of the case now (a table its format predates has none: the
    upgrade to 1.3 records its baseline before later formats add their tables)."""
    result: dict[tuple[str, str], str] = {}
    present = {str(r[0]) for r in conn.execute(
        "SELECT name FROM main.sqlite_master WHERE type = 'table'")}
    for t in tables():
        if t.name not in present:
            continue
        for key, *values in conn.execute(
                f"SELECT {t.key_sql()}, {t.value_sql()} FROM main.{t.name}"):
            result[(t.name, str(key))] = row_digest(t.name, *values)
    return result


def baseline(conn: sqlite3.Connection) -> list[RowChange]:
    """Every row as a change from nothing: the record a case starts its sealed history with."""
    return [[table, key, None, digest]
            for (table, key), digest in sorted(snapshot(conn).items())]


def encode(changes: list[RowChange]) -> str:
    return json.dumps(changes, ensure_ascii=False, separators=(",", ":"))


def decode(text: str) -> list[RowChange] | None:
    """The changes an entry recorded; None when the text is not a list of changes."""
    try:
        value = json.loads(text)
    except ValueError:
        return None
    if not isinstance(value, list):
        return None
    changes: list[RowChange] = []
    for item in value:
        if (not isinstance(item, list) or len(item) != 4
                or not all(isinstance(v, str) for v in item[:2])
                or not all(v is None or isinstance(v, str) for v in item[2:])):
            return None
        changes.append(item)
    return changes


_NAMES = {
    "meta": "case setting {0}",
    "evidence": "evidence {0}",
    "original": "the original of evidence {0}",
    "original_chunk": "part {1} of the original of evidence {0}",
    "video": "the video description of evidence {0}",
    "video_frame": "the frame provenance of evidence {0}",
    "thumbnail": "the thumbnail of evidence {0}",
    "claim": "claim {0}",
    "statement": "statement {0}",
    "claim_evidence": "the link of claim {0} to evidence {1}",
    "verdict": "the verdict of claim {0}",
    "verdict_draft": "the draft verdict of claim {0}",
    "geolocation": "the geolocation of evidence {0}",
    "horizon": "the horizon of evidence {0}",
    "landmark": "landmark {0}",
    "movement": "arrow {0}",
}


def describe(table: str, key: str) -> str:
    """A row as a reviewer names it ("the verdict of claim 2")."""
    try:
        parts = [json.dumps(v, ensure_ascii=False) if isinstance(v, str) else str(v)
                 for v in json.loads(key)]
    except (ValueError, TypeError):
        parts = [key]
    template = _NAMES.get(table, table + " {0}")
    try:
        return template.format(*parts)
    except IndexError:
        return f"{table} {key}"


@dataclass(frozen=True)
class Sealed:
    """One custody entry's record of changes, as replay reads it."""

    seq: int
    changes: list[RowChange]


def replay(entries: Iterable[Sealed],
           start: Mapping[tuple[str, str], tuple[str, int]] | None = None, last_seq: int = 0
           ) -> tuple[dict[tuple[str, str], tuple[str, int]], list[str]]:
    """The digest every row must have after the log (with the entry that last recorded it),
    and each edit that began from a row other than the one the log left. `start`: the rows
    as the log up to entry `last_seq` left them, for the entries after it."""
    expected: dict[tuple[str, str], tuple[str, int]] = dict(start or {})
    problems: list[str] = []
    for entry in entries:
        for table, key, before, after in entry.changes:
            assert table is not None and key is not None
            row = (table, key)
            if (expected[row][0] if row in expected else None) != before:
                when = (f"between custody entries {last_seq} and {entry.seq}" if last_seq
                        else f"before custody entry {entry.seq}")
                problems.append(f"data: {describe(table, key)} was changed outside desk {when}"
                                " (no custody entry records that change)")
            if after is None:
                expected.pop(row, None)
            else:
                expected[row] = (after, entry.seq)
        last_seq = entry.seq
    return expected, problems


def compare(expected: dict[tuple[str, str], tuple[str, int]],
            actual: dict[tuple[str, str], str]) -> Iterator[str]:
    """How the rows now differ from what the log says they must be."""
    for row in sorted(set(expected) | set(actual)):
        want = expected[row][0] if row in expected else None
        have = actual.get(row)
        if want == have:
            continue
        name = describe(*row)
        if want is None:
            yield f"data: {name} was added outside desk (no custody entry records it)"
        elif have is None:
            yield f"data: {name} was deleted outside desk (no custody entry records that)"
        else:
            yield (f"data: {name} was changed outside desk since custody entry"
                   f" {expected[row][1]} recorded it (it no longer matches that entry's digest)")
