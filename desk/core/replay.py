"""A case file rebuilt from its custody log: the state is what the log's entries say it is.

A sealed custody entry records, for each row its edit changed, the row's digest before and
after (`tracking`). Replaying the entries in order gives the digest every row must have now;
given the values that hash to those digests, and the originals the evidence rows name by
SHA-256, the case file can be written anew, holding the very same entries. The copy passes
`desk verify` because it *is* what the log describes: a value that does not hash to its
digest, an original that does not hash to its name, or a log whose chain or signatures fail is
refused and nothing is written.

This is how a team server's copy of a case becomes a reviewer's working copy (`desk.team`).
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import tempfile
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, fields
from pathlib import Path

from desk.core import audit, original_store, schema, tracking
from desk.core.casefile import SUFFIX, CaseFile, CaseFileError

#: A row's values as `tracking` digests them, in its table's column order (an original's data
#: column holds its length: the bytes themselves come by the evidence's SHA-256).
Values = tuple[object, ...]
RowKey = tuple[str, str]

AUDIT_COLUMNS = ("seq, at, actor, action, items, detail, version, prev_hash, hash, rows,"
                 " signer, signature")


class ReplayError(CaseFileError):
    """The log, a value or an original does not bear out what the log says; nothing was
    written."""


@dataclass(frozen=True)
class LogEntry:
    """One custody entry with every column the case file keeps for it."""

    seq: int
    at: str
    actor: str
    action: str
    items: str
    detail: str
    version: str
    prev_hash: str
    hash: str
    rows: str
    signer: str
    signature: str

    def values(self) -> tuple[object, ...]:
        """The columns in AUDIT_COLUMNS order (what `dataclasses.astuple` gives, without its
        deep copy: a log is read whole on every sync)."""
        return tuple(getattr(self, name) for name in _ENTRY_FIELDS)


_ENTRY_FIELDS = tuple(f.name for f in fields(LogEntry))


def log_entries(conn: sqlite3.Connection) -> list[LogEntry]:
    """The case's custody log as stored (its rows as text, as `audit` reads them)."""
    if not audit.has_seal_columns(conn):
        raise ReplayError("the case's custody log predates row digests (format 1.2 or older);"
                          " open it in desk once to upgrade it")
    return [LogEntry(int(r[0]), *("" if v is None else str(v) for v in r[1:]))
            for r in conn.execute(f"SELECT {AUDIT_COLUMNS} FROM audit ORDER BY seq")]


def examine(entries: Sequence[LogEntry], *, after: audit.ChainReport | None = None
            ) -> audit.ChainReport:
    """The chain, seal and signature check `desk verify` makes, on entries from anywhere
    (`after`: they go on from a log with this report, one without problems)."""
    conn = sqlite3.connect(":memory:")
    try:
        conn.execute(schema.TABLES["audit"])
        conn.executemany(f"INSERT INTO audit ({AUDIT_COLUMNS}) VALUES"
                         f" ({', '.join('?' * 12)})", [e.values() for e in entries])
        if after is None:
            return audit.examine(conn, sealed_format=True)
        return audit.examine(conn, sealed_format=True, after=after.head,
                             sealed_from=after.first_sealed)
    finally:
        conn.close()


@dataclass
class _Checked:
    """A log that held together, and the rows it leads to."""

    entries: list[LogEntry]
    report: audit.ChainReport
    expected: dict[RowKey, tuple[str, int]]


#: Logs checked by this process, by their first entry's hash (a case's identity), the most
#: recent few: a team sync checks its copy's whole log each time, and the log only grows, so
#: only the entries after the ones checked last need their hashes and signatures checked.
_checked: dict[str, _Checked] = {}
_CHECKED_CASES = 4
_checked_lock = threading.Lock()


def expected_state(entries: Sequence[LogEntry]) -> dict[RowKey, tuple[str, int]]:
    """The digest every row must have after the log, with the seq of the entry that last
    recorded it (`tracking.replay`'s form); ReplayError naming the first problem
    when the log does not hold together (a broken chain, a forged signature, an edit that
    began from a row other than the one the log left)."""
    if not entries:
        raise ReplayError("the custody log is empty")
    with _checked_lock:
        before = _checked.get(entries[0].hash)
    n = len(before.entries) if before is not None else 0
    # Entries equal in every column to ones checked before check the same.
    if before is None or len(entries) < n or list(entries[:n]) != before.entries:
        before, n = None, 0
    report = examine(entries[n:], after=before.report if before else None)
    if report.problems:
        raise ReplayError(report.problems[0])
    expected, problems = tracking.replay(
        report.sealed, before.expected if before else None,
        before.entries[-1].seq if before else 0)
    if problems:
        raise ReplayError(problems[0])
    with _checked_lock:
        _checked.pop(entries[0].hash, None)
        _checked[entries[0].hash] = _Checked(list(entries), report, expected)
        while len(_checked) > _CHECKED_CASES:
            del _checked[next(iter(_checked))]
    return dict(expected)


def current_rows(conn: sqlite3.Connection) -> Iterator[tuple[str, str, str, Values]]:
    """Every data row of a case as (table, key, digest, values): what a copy needs to hold."""
    for table in tracking.tables():
        for key, *values in conn.execute(
                f"SELECT {table.key_sql()}, {table.value_sql()} FROM main.{table.name}"):
            yield table.name, str(key), tracking.row_digest(table.name, *values), tuple(values)


#: Where the bytes of an original come from: (evidence id, SHA-256, size) -> its chunks.
OriginalSource = Callable[[int, str, int], Iterable[bytes]]


def write_case(target: str | os.PathLike[str], entries: Sequence[LogEntry],
               rows: Mapping[RowKey, Values], originals: OriginalSource) -> Path:
    """Write a new case file holding `entries` and the state they lead to.

    `rows` gives the values of each row the log says exists (more are ignored); `originals`
    streams each original's bytes, hashed on the way in. The file is written beside the target
    and renamed when whole and checked: it exists complete or not at all.
    """
    path = Path(target)
    if path.exists():
        raise CaseFileError(f"{path.name} already exists; choose another name.")
    if not path.parent.is_dir():
        raise CaseFileError(f"The folder {path.parent} does not exist.")
    expected = expected_state(entries)
    known = {t.name: t for t in tracking.tables()}
    for (table, key), (digest, _) in sorted(expected.items()):
        if table not in known:
            raise ReplayError(f"the log names a table this desk does not know ({table})")
        values = rows.get((table, key))
        if values is None:
            raise ReplayError(f"the values of {tracking.describe(table, key)} are missing")
        if len(values) != len(known[table].columns):
            raise ReplayError(f"the values of {tracking.describe(table, key)} do not fit its"
                              " table")
        if tracking.row_digest(table, *values) != digest:
            raise ReplayError(f"the values of {tracking.describe(table, key)} do not match"
                              " the digest its custody entry recorded")
    fd, tmp_name = tempfile.mkstemp(prefix=".desk-replay-", suffix=SUFFIX, dir=path.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        tmp.unlink()
        _build(tmp, entries, expected, [(t, k, rows[(t, k)]) for t, k in expected], originals)
        CaseFile.open(tmp, read_only=True).close()  # desk's own checks of a file it is given
        os.replace(tmp, path)
        _fsync_dir(path.parent)
    except BaseException:
        tmp.unlink(missing_ok=True)
        Path(f"{tmp}-journal").unlink(missing_ok=True)
        raise
    return path


def _build(tmp: Path, entries: Sequence[LogEntry], expected: dict[RowKey, tuple[str, int]],
           rows: list[tuple[str, str, Values]], originals: OriginalSource) -> None:
    conn = sqlite3.connect(tmp, isolation_level=None)
    try:
        conn.execute(f"PRAGMA page_size = {schema.PAGE_SIZE}")
        conn.execute("PRAGMA journal_mode = DELETE")
        conn.execute(f"PRAGMA cache_size = -{schema.WRITE_CACHE_KIB}")
        conn.execute("PRAGMA synchronous = FULL")
        conn.execute("BEGIN IMMEDIATE")
        conn.execute(f"PRAGMA application_id = {schema.APPLICATION_ID}")
        conn.execute(f"PRAGMA user_version = {schema.USER_VERSION}")
        schema.create_schema(conn)
        conn.executemany(f"INSERT INTO audit ({AUDIT_COLUMNS}) VALUES ({', '.join('?' * 12)})",
                         [e.values() for e in entries])
        order = {t.name: n for n, t in enumerate(tracking.tables())}
        columns = {t.name: t.columns for t in tracking.tables()}
        evidence_sha: dict[int, str] = {}
        stored: list[tuple[int, int]] = []
        parts: dict[int, int] = {}  # evidence id -> bytes of its parts (a chunked original)
        for table, _, values in sorted(rows, key=lambda r: (order[r[0]], r[1])):
            names = columns[table]
            if table == "original_chunk":
                eid, seq, size = values
                if not all(isinstance(v, int) for v in values) or size < 0:  # type: ignore[operator]
                    raise ReplayError(f"a part of the original of evidence {eid} cannot be"
                                      " read")
                conn.execute("INSERT INTO original_chunk (evidence_id, seq, data)"
                             " VALUES (?, ?, zeroblob(?))", (eid, seq, size))
                parts[int(eid)] = parts.get(int(eid), 0) + int(size)  # type: ignore[call-overload]
                continue
            if table == "original":
                eid, size = values
                if not isinstance(eid, int) or not isinstance(size, int) or size < 0:
                    raise ReplayError(f"the original row of evidence {eid} cannot be read")
                conn.execute("INSERT INTO original (evidence_id, data) VALUES (?, zeroblob(?))",
                             (eid, size))
                stored.append((eid, size))
                continue
            if table == "evidence":
                evidence_sha[int(str(values[0]))] = str(values[names.index("sha256")])
            conn.execute(f"INSERT INTO main.{table} ({', '.join(names)}) VALUES"
                         f" ({', '.join('?' * len(names))})", values)
        for eid, size in stored:
            sha = evidence_sha.get(eid)
            if sha is None:
                raise ReplayError(f"the original of evidence {eid} belongs to no evidence")
            _fill_original(conn, eid, sha, size, originals(eid, sha, size))
        for eid, size in sorted(parts.items()):
            sha = evidence_sha.get(eid)
            if sha is None:
                raise ReplayError(f"the original of evidence {eid} belongs to no evidence")
            _fill_parts(conn, eid, sha, size, originals(eid, sha, size))
        problems = list(tracking.compare(expected, tracking.snapshot(conn)))
        if problems:
            raise ReplayError(f"the rebuilt case does not match its log ({problems[0]})")
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    finally:
        conn.close()


def _fill_original(conn: sqlite3.Connection, eid: int, sha: str, size: int,
                   chunks: Iterable[bytes]) -> None:
    """Write an original's bytes as they stream in, hashing them; refuse any that do not
    hash to the evidence's SHA-256 (or do not add up to its size)."""
    digest = hashlib.sha256()
    written = 0
    with conn.blobopen("original", "data", eid) as blob:
        for chunk in chunks:
            if written + len(chunk) > size:
                raise ReplayError(f"the original of evidence {eid} is longer than its"
                                  f" recorded {size:,} bytes")
            blob.write(chunk)
            digest.update(chunk)
            written += len(chunk)
    if written != size:
        raise ReplayError(f"the original of evidence {eid} is {written:,} bytes, not its"
                          f" recorded {size:,}")
    if digest.hexdigest() != sha:
        raise ReplayError(f"the original of evidence {eid} does not match its SHA-256"
                          f" (recorded {sha[:12]}…, received {digest.hexdigest()[:12]}…)")


def _fill_parts(conn: sqlite3.Connection, eid: int, sha: str, size: int,
               chunks: Iterable[bytes]) -> None:
    """`_fill_original` for an original stored in parts (format 1.6)."""
    digest, written = original_store.fill_parts(conn, eid, chunks)
    if written != size:
        raise ReplayError(f"the original of evidence {eid} is {written:,} bytes, not its"
                          f" recorded {size:,}")
    if digest != sha:
        raise ReplayError(f"the original of evidence {eid} does not match its SHA-256"
                          f" (recorded {sha[:12]}…, received {digest[:12]}…)")


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
