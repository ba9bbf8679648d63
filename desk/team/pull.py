"""`desk team pull`: a working copy of a case, rebuilt from the server's custody entries.

The entries are checked as `desk verify` checks a case (chain, seals, signatures): an entry
whose signature does not verify against the key it names is refused, whoever put it on the
server. Replaying them gives the digest of every row; the values come by digest and are
re-hashed, the originals come chunk by chunk and are re-hashed (`desk.core.replay`). The copy
is written beside FILE and renamed when whole: a pull killed at any moment leaves no FILE, or
a complete one.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

import psycopg

from desk.core import schema
from desk.core.casefile import CaseFile, CaseFileError
from desk.core.replay import ReplayError, Values, expected_state, write_case
from desk.team import history, originals, rows, sync
from desk.team.server import TeamError, connect, require_schema, server_message, where

Pg = psycopg.Connection[tuple[object, ...]]
Progress = Callable[[str], None]

_ID_PREFIX = re.compile(r"^[0-9a-f]{6,64}$")


@dataclass
class PullReport:
    case: str
    title: str
    team: str
    server: str
    path: str
    entries: int
    originals: int
    bytes: int

    def to_json(self) -> dict[str, object]:
        return asdict(self)


def find_case(pg: Pg, url: str, case_ref: str) -> tuple[str, str, str, int]:
    """(id, title, team, format) of the one case the id or its first characters name, among
    the cases this login may see."""
    ref = case_ref.strip().lower()
    if not _ID_PREFIX.match(ref):
        raise TeamError(f"{case_ref!r} is not a case id: give the id `desk team list` prints"
                        " (or at least its first 6 characters)")
    found = pg.execute("SELECT id, title, team_id, format FROM desk.cases WHERE id LIKE %s"
                       " ORDER BY id LIMIT 2", (ref + "%",)).fetchall()
    if not found:
        raise TeamError(f"{where(url)} has no case {ref} that you may see"
                        " (`desk team list URL` lists yours)")
    if len(found) > 1:
        raise TeamError(f"{ref} is the start of more than one case's id; give more of it")
    cid, title, team, fmt = found[0]
    return str(cid), str(title), str(team), int(str(fmt))


def pull(url: str, case_ref: str, out: str | Path, *,
         progress: Progress | None = None) -> PullReport:
    target = Path(out)
    if target.exists():
        raise TeamError(f"{target} already exists; choose another name (a pull never"
                        " overwrites a file)")
    if not target.parent.is_dir():
        raise TeamError(f"the folder {target.parent} does not exist")
    say = progress or (lambda _text: None)
    pg = connect(url)
    try:
        require_schema(pg, url)
        try:
            return _pull(pg, url, case_ref, target, say)
        except psycopg.Error as exc:
            raise TeamError(f"{where(url)} refused the pull ({server_message(exc)});"
                            f" {target.name} was not written") from None
    finally:
        pg.close()


def _pull(pg: Pg, url: str, case_ref: str, target: Path, say: Progress) -> PullReport:
    case_id, title, team, fmt = find_case(pg, url, case_ref)
    if fmt != schema.USER_VERSION:
        raise TeamError(f"the server's copy of this case is in case format"
                        f" {fmt // 1000}.{fmt % 1000}; this desk writes"
                        f" {schema.SCHEMA_MAJOR}.{schema.SCHEMA_MINOR}: use a desk of that"
                        " version")
    server = history.read_history(pg, case_id)
    if not server.entries:
        raise TeamError("the server holds no custody entries of this case yet (its first push"
                        " was interrupted): whoever pushed it pushes it again")
    try:
        log = server.best_chain()
    except ValueError as exc:
        raise TeamError(f"the server's copy of this case was refused: {exc};"
                        f" {target.name} was not written") from None
    if log[0].hash != case_id:
        raise TeamError("the server's first entry of this case is not the one the case is"
                        f" named by; {target.name} was not written")
    lacking = server.lacking(history.known(log))
    in_chain = {e.hash for e in log}
    for entry in [*lacking, *(e for h, e in history.known(log).items() if h not in in_chain)]:
        problem = history.entry_problem(entry)
        if problem is not None:
            raise TeamError(f"the server's copy of this case was refused: {problem};"
                            f" {target.name} was not written")
    try:
        expected = expected_state(log)
    except ReplayError as exc:
        raise TeamError(f"the server's copy of this case was refused: {exc};"
                        f" {target.name} was not written") from None
    values = _values(pg, case_id, {digest for digest, _ in expected.values()})
    counted = {"originals": 0, "bytes": 0}

    def source(eid: int, sha: str, size: int) -> Iterator[bytes]:
        counted["originals"] += 1
        say(f"original of evidence {eid} ({size:,} bytes)")
        for chunk in originals.download(pg, eid, sha, size):
            counted["bytes"] += len(chunk)
            yield chunk

    by_row = {row: values[digest] for row, (digest, _) in expected.items() if digest in values}
    try:
        write_case(target, log, by_row, source)
    except ReplayError as exc:
        raise TeamError(f"the server's copy of this case was refused: {exc};"
                        f" {target.name} was not written") from None
    except CaseFileError as exc:
        raise TeamError(f"{exc} The copy was not written.") from None
    if lacking:
        # Edits on branches this chain has not merged yet: merged into the new copy (signed
        # by this reviewer), or no copy at all.
        try:
            with CaseFile.open(target) as case:
                _, _, got = sync.merge_into(case, pg, case_id, server, say)
        except BaseException:
            target.unlink(missing_ok=True)
            raise
        counted["originals"] += got
    return PullReport(case_id, title, team, where(url), str(target),
                      len(log) + (1 if lacking else 0), counted["originals"], counted["bytes"])


def _values(pg: Pg, case_id: str, digests: set[str]) -> dict[str, Values]:
    """The values of rows by digest (the reader re-hashes them: `replay.write_case`)."""
    found: dict[str, Values] = {}
    wanted = sorted(digests)
    for start in range(0, len(wanted), 1000):
        for digest, doc in pg.execute(
                "SELECT digest, doc FROM desk.row_versions WHERE case_id = %s"
                " AND digest = ANY(%s)", (case_id, wanted[start:start + 1000])):
            parsed = rows.decode(str(doc))
            if parsed is None:
                raise TeamError(f"the server holds a row value desk cannot read ({digest});"
                                " the copy was not written")
            found[str(digest)] = parsed
    return found

