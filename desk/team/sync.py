"""`desk team sync`: both ways, append-only, resumable and idempotent.

1. The server's edits this copy lacks are checked (each entry's hash and its author's signature;
   a forged one is refused and nothing is merged) and merged in (`merge`): one *merge entry*,
   signed with this reviewer's key, carries them whole and records the rows the merge changed
   and any conflicts; the copy's own chain stays linear, so `desk verify` checks it as before.
2. This copy's new entries, the merge entry last, go to the server in one push (`push`, even
   when the server has meanwhile received edits this copy lacks: the server keeps both
   branches, each entry whole and signed by its author, and the next sync merges them). When
   the merge is refused, what the copy held before it is pushed all the same.

Each step is whole or not at all: a sync killed anywhere leaves whole entries on the server and
a case file as it was or merged, and running it again finishes the job.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path

import psycopg

from desk.core import audit, commands, tracking
from desk.core.casefile import CaseFile, CaseFileError
from desk.core.replay import LogEntry, Values
from desk.team import history, merge, originals, push, renumber, rows
from desk.team.server import TeamError, require_schema, server_message, session, where

Pg = psycopg.Connection[tuple[object, ...]]
Progress = Callable[[str], None]


class CaseChanged(TeamError):
    """The reviewer edited the case while this sync was planning its merge; nothing was
    merged, and a sync run again includes the edit (the window does so at once)."""


@dataclass
class SyncReport:
    case: str
    title: str
    team: str
    server: str
    entries_sent: int = 0
    entries_received: int = 0
    merged: bool = False
    conflicts: int = 0
    originals_sent: int = 0
    originals_received: int = 0
    entries_on_server: int = 0
    #: This copy's items moved to a new id (`desk.team.renumber`): {"table", "from", "to"}.
    renumbered: list[dict[str, object]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, object]:
        return asdict(self)


def value_source(pg: Pg, case_id: str) -> Callable[[Iterable[str]], Mapping[str, Values]]:
    """Row values by digest from the server, each re-hashed: a value changed there is refused."""
    def fetch(digests: Iterable[str]) -> dict[str, Values]:
        wanted = sorted(set(digests))
        found: dict[str, Values] = {}
        for start in range(0, len(wanted), 1000):
            for digest, table, doc in pg.execute(
                    "SELECT digest, tbl, doc FROM desk.row_versions WHERE case_id = %s"
                    " AND digest = ANY(%s)", (case_id, wanted[start:start + 1000])):
                values = rows.decode(str(doc))
                if values is None or tracking.row_digest(str(table), *values) != digest:
                    raise TeamError(f"the server's values of a {table} row do not match the"
                                    " digest its custody entry recorded; nothing was merged")
                found[str(digest)] = values
        return found

    return fetch


def check_lacking(server: history.ServerHistory, lacking: list[LogEntry]) -> None:
    """Every edit to be merged as its author signed it, following an entry the server holds."""
    index = server.by_hash()
    for entry in lacking:
        problem = history.entry_problem(entry)
        if problem is None:
            parent = index.get(entry.prev_hash)
            if parent is None or parent.seq != entry.seq - 1:
                problem = f"custody entry {entry.seq} ({entry.action}) follows no entry"
        if problem is None and entry.rows and tracking.decode(entry.rows) is None:
            problem = (f"custody entry {entry.seq}'s record of the rows it changed cannot be"
                       " read")
        if problem is not None:
            raise TeamError(f"the server's copy of this case was refused: {problem};"
                            " nothing was merged")


def renumber_own(case: CaseFile, pg: Pg, case_id: str, server: history.ServerHistory,
                 local: push._Local | None, say: Progress) -> list[tuple[str, int, int]]:
    """Move this reviewer's items whose id another copy gave first to a new id (one signed
    entry, before the merge: `desk.team.renumber`); returns the moves."""
    key = getattr(case.conn, "signing_key", None)
    if key is None:
        return []
    local = local or push.read_local(case, checked=False)
    lacking = server.lacking(history.known(local.log))
    if not lacking:
        return []
    planned = renumber.moves(local.log, local.rows, lacking, server.follows,
                             audit.raw_public_hex(key), value_source(pg, case_id))
    if not planned:
        return []
    for table, old, new in planned:
        say(f"{table} {old} is now {table} {new}: another copy gave id {old} first")
    try:
        commands.Renumber(tuple(planned), after=local.log[-1].hash).apply(case)
    except commands.CaseMovedOn as exc:
        raise CaseChanged(str(exc)) from None
    except CaseFileError as exc:
        raise TeamError(f"renumbering was refused ({exc}); {case.path.name} is as it was;"
                        " nothing was merged") from None
    return planned


def merge_into(case: CaseFile, pg: Pg, case_id: str, server: history.ServerHistory,
               say: Progress, local: push._Local | None = None) -> tuple[int, int, int]:
    """Merge the server's edits `case` lacks into it, in one signed merge entry; returns
    (entries merged, conflicts, originals received). `local` is the case as read just now,
    when nothing has written it since."""
    local = local or push.read_local(case, checked=False)
    lacking = server.lacking(history.known(local.log))
    if not lacking:
        return 0, 0, 0
    check_lacking(server, lacking)
    say(f"merging {len(lacking)} edits from the server")
    ours = {row: (digest, values) for row, (digest, values) in local.rows.items()}
    try:
        planned = merge.plan(ours, local.log, lacking, value_source(pg, case_id),
                             server.follows)
    except merge.MergeError as exc:
        raise TeamError(f"{exc}; nothing was merged") from None
    received = {"originals": 0}

    def source(eid: int, sha: str, size: int) -> Iterator[bytes]:
        received["originals"] += 1
        say(f"original of evidence {eid} ({size:,} bytes)")
        yield from originals.download(pg, eid, sha, size)

    detail = {"command": commands.SYNC_MERGE.name,
              "merged": [history.entry_json(e) for e in planned.merged],
              "conflicts": planned.conflicts}
    try:
        commands.MergeRows(tuple(planned.rows), detail, source,
                           after=local.log[-1].hash).apply(case)
    except commands.CaseMovedOn as exc:
        raise CaseChanged(str(exc)) from None
    except CaseFileError as exc:
        raise TeamError(f"the merge was refused ({exc}); {case.path.name} is as it was") from None
    return len(lacking), len(planned.conflicts), received["originals"]


def sync(path: str | Path, url: str, *, progress: Progress | None = None) -> SyncReport:
    """Exchange both ways with the server; the case at `path` is opened for writing."""
    say = progress or (lambda _text: None)
    with CaseFile.open(path) as case, session(url) as pg:
        require_schema(pg, url)
        try:
            return _sync(pg, url, case, say)
        except psycopg.errors.InsufficientPrivilege as exc:
            raise TeamError(f"{where(url)} refused the sync: {server_message(exc)}") from None
        except psycopg.Error as exc:
            raise TeamError(f"{where(url)} refused the sync ({server_message(exc)}); what"
                            " arrived stays, and syncing again finishes the job") from None


def _sync(pg: Pg, url: str, case: CaseFile, say: Progress) -> SyncReport:
    local = push.read_local(case)
    server = history.read_history(pg, local.case_id, history.known(local.log))
    # Merge first, then send once: this copy's new entries and the merge entry on top of
    # them go up in one push (the server's entries the merge takes in are the ones read
    # here; what others push meanwhile comes with the next sync).
    # The copy at each step, for the values its own edits left that a later step changed
    # (other copies merging those edits need them from the server).
    steps = [local]
    try:
        moved = renumber_own(case, pg, local.case_id, server, local, say)
        if moved:
            steps.append(push.read_local(case, checked=False))
        received, conflicts, got = merge_into(case, pg, local.case_id, server, say, steps[-1])
    except TeamError:
        # What this copy holds still goes up; the next sync merges again.
        with contextlib.suppress(TeamError, CaseFileError, psycopg.Error):
            push.send(pg, url, push.read_local(case, checked=False), None, say,
                      parted_ok=True, server=server, before=steps)
        raise
    if received:
        steps.append(push.read_local(case, checked=False))
    sent = push.send(pg, url, steps[-1], None, say, parted_ok=True, server=server,
                     before=steps[:-1])
    report = SyncReport(sent.case, sent.title, sent.team, sent.server,
                        entries_sent=sent.entries_sent, originals_sent=sent.originals_sent,
                        entries_on_server=sent.entries_on_server)
    report.renumbered = [{"table": t, "from": old, "to": new} for t, old, new in moved]
    report.entries_received, report.conflicts, report.originals_received = received, conflicts, got
    report.merged = bool(received)
    for t, old, new in moved:
        report.notes.append(f"{t} {old} is now {t} {new}: another reviewer's copy gave id"
                            f" {old} to an item of its own first")
    if conflicts:
        report.notes.append(f"{conflicts} conflicting edits: both values are kept in the"
                            " custody log and the later stands; `desk team conflicts CASE`"
                            " lists them, and a further edit of the field resolves one")
    return report
