"""`desk team push`: send the server what it lacks of a case, resumably and idempotently.

The case is checked first as `desk verify` would (chain, seals, signatures, every row against
the log): a forged entry or a direct edit of the data is refused before anything is sent. Then,
in this order, each step content-addressed and safe to repeat:

1. the case's row on the server (in a team of the reviewer's);
2. the originals its evidence holds, that the server lacks (`originals`: chunk by chunk);
3. the values of its rows, by digest, that the server lacks;
4. the new custody entries, all in one transaction, each after one the server holds.

Entries go last: once they are there, everything they name is there too. A push killed at any
moment leaves whole entries only (all of this push's, or none), and the next push skips what
arrived and finishes the job.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field

import psycopg

from desk.core import commands, schema, tracking
from desk.core.casefile import CaseFile
from desk.core.replay import (
    LogEntry,
    ReplayError,
    Values,
    current_rows,
    expected_state,
    log_entries,
)
from desk.team import history, originals, rows
from desk.team.server import TeamError, require_schema, server_message, session, where

Pg = psycopg.Connection[tuple[object, ...]]
Progress = Callable[[str], None]

_ROW_BATCH = 500


@dataclass
class PushReport:
    case: str
    title: str
    team: str
    server: str
    created: bool = False
    entries_sent: int = 0
    entries_on_server: int = 0
    #: Entries the server has that this copy lacks (pushed by someone else): pull to get them.
    server_ahead: int = 0
    originals_sent: int = 0
    originals_already_stored: int = 0
    bytes_sent: int = 0
    rows_sent: int = 0
    notes: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, object]:
        return asdict(self)


@dataclass
class _Local:
    """The case as it stands, checked against its own log."""

    case_id: str
    title: str
    log: list[LogEntry]
    rows: dict[tuple[str, str], tuple[str, Values]]
    #: The open case, for the originals' bytes (read chunk by chunk as they are sent).
    conn: sqlite3.Connection


def read_local(case: CaseFile, *, checked: bool = True) -> _Local:
    conn = case.conn
    version = int(conn.execute("PRAGMA user_version").fetchone()[0])
    if version != schema.USER_VERSION:
        raise TeamError(f"{case.path.name} is in case format {version // 1000}.{version % 1000},"
                        f" not this desk's {schema.SCHEMA_MAJOR}.{schema.SCHEMA_MINOR}; open it"
                        " in desk once (which upgrades it), then push; nothing was sent")
    try:
        log = log_entries(conn)
        # `checked=False` only for a case this process has just written and checked.
        expected = expected_state(log) if checked else None
    except ReplayError as exc:
        raise TeamError(f"{case.path.name} was refused: {exc}; nothing was sent") from None
    found = {(t, k): (d, v) for t, k, d, v in current_rows(conn)}
    problems = [] if expected is None else list(
        tracking.compare(expected, {r: d for r, (d, _) in found.items()}))
    if problems:
        raise TeamError(f"{case.path.name} was refused: {problems[0]} (`desk verify` lists"
                        " every finding); nothing was sent")
    return _Local(log[0].hash, case.title, log, found, conn)


def push(case: CaseFile, url: str, *, team: str | None = None,
         progress: Progress | None = None) -> PushReport:
    """Send what the server lacks of `case` (opened read-only is enough: nothing is written
    to it)."""
    local = read_local(case)
    say = progress or (lambda _text: None)
    with session(url) as pg:
        require_schema(pg, url)
        try:
            return send(pg, url, local, team, say)
        except psycopg.errors.InsufficientPrivilege as exc:
            raise TeamError(f"{where(url)} refused the push: {server_message(exc)}") from None
        except psycopg.Error as exc:
            raise TeamError(f"{where(url)} refused the push ({server_message(exc)}); what"
                            " arrived stays, and pushing again finishes the job") from None


def send(pg: Pg, url: str, local: _Local, team: str | None, say: Progress, *,
          parted_ok: bool = False, server: history.ServerHistory | None = None,
          before: Sequence[_Local] = ()) -> PushReport:
    """Send this copy's new entries (and what they name); `parted_ok` (for `desk team sync`)
    sends them even when the server holds edits this copy lacks. `server`: the server's
    history as the caller read it a moment ago (a sync reads it once). `before`: the copy as
    it was before steps not sent yet (a renumber, a merge), whose rows go too: the values its
    own edits left, which a later step changed, and which other copies merging those edits
    need."""
    team_id, created = _ensure_case(pg, url, local, team)
    report = PushReport(local.case_id, local.title, team_id, where(url), created=created)
    mine = history.known(local.log)
    if server is None:
        server = history.read_history(pg, local.case_id, mine)
    new = _new_entries(pg, local)
    lacking = server.lacking(mine)
    report.server_ahead = len(lacking)
    if lacking and new and not parted_ok:
        raise TeamError(
            "the server's history of this case and this copy's have parted (the server has"
            f" {len(lacking)} edits this copy lacks, this copy {len(new)} the server lacks):"
            " someone pushed edits made on another copy. `desk team sync CASE URL` merges"
            " both; nothing was sent")
    if not new:
        report.entries_on_server = _count_entries(pg, local.case_id)
        if lacking:
            report.notes.append(f"the server has {len(lacking)} entries this copy lacks"
                                " (pushed by others); `desk team sync` merges them in")
        return report
    _send_originals(pg, local, report, say)
    _send_rows(pg, local, report, before)
    _send_entries(pg, local, report)
    return report


def _count_entries(pg: Pg, case_id: str) -> int:
    row = pg.execute("SELECT count(*) FROM desk.entries WHERE case_id = %s",
                     (case_id,)).fetchone()
    return int(str(row[0])) if row else 0


#: Entries at the end of a chain asked about first (`_new_entries`).
_TAIL = 32


def _new_entries(pg: Pg, local: _Local) -> list[LogEntry]:
    """This copy's entries the server lacks: always the end of its chain (an entry is sent
    only after the one it follows, and the server takes none that follows no entry it holds,
    so when it holds an entry it holds the chain up to it). The chain's last entries are
    asked about first; the whole chain only when the server holds none of them."""
    log = local.log
    tail = log[-_TAIL:]
    held = history.held_on_server(pg, local.case_id, [e.hash for e in tail])
    if held or len(tail) == len(log):
        base = len(log) - len(tail)
        if base and tail[0].hash not in held:
            held |= history.held_on_server(pg, local.case_id, [e.hash for e in log[:base]])
            base = 0
    else:
        held = history.held_on_server(pg, local.case_id, [e.hash for e in log])
        base = 0
    start = base
    while start < len(log) and log[start].hash in held:
        start += 1
    if any(e.hash in held for e in log[start:]):
        raise TeamError("the server holds entries of this copy out of order; an administrator"
                        " must look at it; nothing was sent")
    return log[start:]


def _ensure_case(pg: Pg, url: str, local: _Local, team: str | None) -> tuple[str, bool]:
    """The team the case is shared in; the case's row is made when the server lacks it."""
    row = pg.execute("SELECT team_id FROM desk.cases WHERE id = %s",
                     (local.case_id,)).fetchone()
    if row is not None:
        if team is not None and team != row[0]:
            raise TeamError(f"the server shares this case in team {row[0]}, not {team};"
                            " nothing was sent")
        return str(row[0]), False
    mine = [str(r[0]) for r in pg.execute(
        "SELECT team_id FROM desk.members WHERE login = session_user ORDER BY team_id")]
    if team is None:
        if not mine:
            raise TeamError(f"you are in no team on {where(url)}; an administrator adds you"
                            " (desk team add-member); nothing was sent")
        if len(mine) > 1:
            raise TeamError(f"you are in several teams on {where(url)} ({', '.join(mine)});"
                            " say which one shares this case with --team; nothing was sent")
        team = mine[0]
    elif team not in mine:
        raise TeamError(f"you are not in team {team} on {where(url)}"
                        f"{' (you are in: ' + ', '.join(mine) + ')' if mine else ''};"
                        " nothing was sent")
    with pg.transaction():
        inserted = pg.execute(
            "INSERT INTO desk.cases (id, team_id, title, format) VALUES (%s, %s, %s, %s)"
            " ON CONFLICT (id) DO NOTHING RETURNING id",
            (local.case_id, team, local.title, schema.USER_VERSION)).fetchone()
    if inserted is not None:
        return team, True
    # Someone shared it a moment ago: in a team of ours (a push running beside this one), or
    # in a team this login may not see.
    row = pg.execute("SELECT team_id FROM desk.cases WHERE id = %s",
                     (local.case_id,)).fetchone()
    if row is None:
        raise TeamError(f"{where(url)} already holds this case, in a team you are not in;"
                        " nothing was sent")
    return str(row[0]), False


def _send_originals(pg: Pg, local: _Local, report: PushReport, say: Progress) -> None:
    evidence: dict[int, str] = {}
    wanted: list[tuple[int, int]] = []
    in_parts: dict[int, int] = {}  # evidence id -> bytes of its parts (videos, large files)
    sha_column = next(t.columns for t in tracking.tables()
                      if t.name == "evidence").index("sha256")
    for (table, _), (_, values) in local.rows.items():
        if table == "evidence":
            evidence[int(str(values[0]))] = str(values[sha_column])
        elif table == "original":
            wanted.append((int(str(values[0])), int(str(values[1]))))
        elif table == "original_chunk":
            eid = int(str(values[0]))
            in_parts[eid] = in_parts.get(eid, 0) + int(str(values[2]))
    wanted.extend(in_parts.items())
    held = {str(r[0]) for r in pg.execute(
        "SELECT co.sha256 FROM desk.case_originals co JOIN desk.originals o USING (sha256)"
        " WHERE co.case_id = %s", (local.case_id,))}
    todo = [(eid, evidence[eid], size) for eid, size in sorted(wanted)
            if eid in evidence and evidence[eid] not in held]
    small = [t for t in todo if 0 < t[2] <= originals.CHUNK_SIZE]
    if small:
        say(f"{len(small)} originals of up to {originals.CHUNK_SIZE >> 20} MB each")
        uploads, sent = originals.upload_small(pg, local.case_id, local.conn, small)
        report.originals_sent += sum(1 for u in uploads if not u.already_stored)
        report.originals_already_stored += sum(1 for u in uploads if u.already_stored)
        report.bytes_sent += sent
    todo = [t for t in todo if t not in small]
    for n, (eid, sha, size) in enumerate(todo, 1):
        say(f"original {n} of {len(todo)}: evidence {eid} ({size:,} bytes)")
        done = originals.upload(pg, local.case_id, local.conn, eid, sha, size)
        if done.already_stored:
            report.originals_already_stored += 1
        else:
            report.originals_sent += 1
        report.bytes_sent += done.sent


def _send_rows(pg: Pg, local: _Local, report: PushReport, before: Sequence[_Local]) -> None:
    every = {digest: (table, key, values)
             for part in [*(b.rows for b in before), local.rows]
             for (table, key), (digest, values) in part.items()}
    held = {str(r[0]) for r in pg.execute(
        "SELECT digest FROM desk.row_versions WHERE case_id = %s AND digest = ANY(%s)",
        (local.case_id, sorted(every)))}
    missing = [(local.case_id, digest, table, key, rows.encode(values))
               for digest, (table, key, values) in sorted(every.items(),
                                                          key=lambda d: (d[1][:2], d[0]))
               if digest not in held]
    for start in range(0, len(missing), _ROW_BATCH):
        batch = missing[start:start + _ROW_BATCH]
        with pg.transaction(), pg.cursor() as cur:
            cur.executemany("INSERT INTO desk.row_versions (case_id, digest, tbl, key, doc)"
                            " VALUES (%s, %s, %s, %s, %s) ON CONFLICT DO NOTHING", batch)
        report.rows_sent += len(batch)


def _send_entries(pg: Pg, local: _Local, report: PushReport) -> None:
    with pg.transaction(), pg.cursor() as cur:
        # One push at a time per case; what the server holds is read again under the lock.
        cur.execute("SELECT pg_advisory_xact_lock(%s)", (int(local.case_id[:15], 16),))
        new = _new_entries(pg, local)
        if new:  # else a push running beside this one sent them
            cur.executemany(
                "INSERT INTO desk.entries (case_id, seq, at, actor, action, items, detail,"
                " version, prev_hash, hash, rows_text, signer, signature)"
                " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
                [(local.case_id, e.seq, e.at, e.actor, e.action, e.items, e.detail, e.version,
                  e.prev_hash, e.hash, e.rows, e.signer, e.signature) for e in new])
            filed = [_signoff_row(local.case_id, e) for e in new]
            # In the same transaction: a login that may not sign off (not an editor of the
            # case's team) has its whole push refused by the server's policy.
            cur.executemany(
                "INSERT INTO desk.signoffs (case_id, claim_id, decision, note, verdict_digest,"
                " manifest_sha256, entry_hash, signer, signature)"
                " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)", [r for r in filed if r])
            cur.execute("UPDATE desk.cases SET title = %s WHERE id = %s AND title <> %s",
                        (local.title, local.case_id, local.title))
        total = _count_entries(pg, local.case_id)
    report.entries_sent = len(new)
    report.entries_on_server = total


def _signoff_row(case_id: str, entry: LogEntry) -> tuple[object, ...] | None:
    """The server's sign-off row for a sign-off or send-back entry (None for other entries)."""
    if entry.action not in (commands.SIGN_OFF.name, commands.SEND_BACK.name):
        return None
    try:
        detail = json.loads(entry.detail)
    except ValueError:
        return None
    subject = detail.get("subject") if isinstance(detail, dict) else None
    if not isinstance(subject, dict):
        return None
    return (case_id, int(str(detail.get("claim_id"))), str(subject.get("decision")),
            str(subject.get("note", "")), str(subject.get("verdict_digest")),
            str(subject.get("manifest_sha256", "")), entry.hash, entry.signer,
            str(detail.get("signature", "")))
