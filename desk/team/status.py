"""Where a shared case stands, for the window's team panel: what the case file says alone
(offline: its id, open conflicts, verdicts waiting for a second reviewer) and what the server
says (who else pushes edits of it, and when last)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from desk.core.casefile import CaseFile
from desk.core.replay import log_entries

if TYPE_CHECKING:  # psycopg and the merge code load when first needed: not at start-up
    from desk.team.signoff import Status


def case_id(case: CaseFile) -> str:
    """The id a team server knows the case by: the hash of its first custody entry."""
    row = case.conn.execute("SELECT hash FROM audit WHERE seq = 1").fetchone()
    return str(row[0]) if row else ""


@dataclass(frozen=True)
class Local:
    """The case file's own account: nothing here needs the server."""

    case_id: str
    conflicts: list[dict[str, object]]
    #: Verdicts no second reviewer has approved yet ("ready for review" or "sent back").
    waiting: list[Status]
    claim_texts: dict[int, str]


def local(case: CaseFile) -> Local:
    from desk.team import conflicts, signoff

    chain = log_entries(case.conn)
    texts = {c.id: c.text for c in case.list_claims()}
    waiting = [found for claim_id in sorted(texts) if case.verdict(claim_id) is not None
               for found in [signoff.status(chain, claim_id)]
               if found.state in (signoff.READY, signoff.SENT_BACK)]
    return Local(chain[0].hash if chain else "", conflicts.open_conflicts(chain), waiting,
                 texts)


def is_author(case: CaseFile, author: dict[str, object]) -> bool:
    """Whether the reviewer at this desk wrote a verdict (by name or by key), so may not be
    the one who signs it off."""
    from desk.core import audit
    from desk.core.identity import reviewer_name

    key = getattr(case.conn, "signing_key", None)
    mine = audit.fingerprint_of(audit.raw_public_hex(key)) if key is not None else None
    name = str(author.get("reviewer", "")).strip().casefold()
    return (mine is not None and mine == author.get("fingerprint")) or (
        name == reviewer_name().strip().casefold())


def signoff_line(case: CaseFile, claim_id: int) -> str:
    """Where the claim's verdict stands with a second reviewer, in one line for the verdict
    editor ("" without a verdict)."""
    from desk.team import signoff

    found = signoff.status(log_entries(case.conn), claim_id)
    who = found.approver
    key = str(who.get("fingerprint", ""))[:16]
    at = str(who.get("at", "")).replace("T", " ")[:16]
    if found.state == signoff.APPROVED:
        return f"Signed off by {who.get('reviewer')} (key {key}…), {at}"
    if found.state == signoff.SENT_BACK:
        return f"Sent back by {who.get('reviewer')} (key {key}…), {at}: {found.note}"
    if found.state == signoff.READY:
        return ("Ready for review: a second reviewer, not its author, signs it off (Team ▸"
                " Team Panel, or desk signoff).")
    return ""


#: What the team panel's Show opens for a conflict: a claim, or an evidence item.
CLAIM_ITEM, EVIDENCE_ITEM = "claim", "evidence"
#: Tables whose key's first column names a claim, and those whose names an evidence item.
_CLAIM_TABLES = frozenset({"claim", "verdict", "verdict_draft", "claim_evidence", "checklist"})
_EVIDENCE_TABLES = frozenset({"evidence", "geolocation", "horizon", "time_question"})


def conflict_item(conflict: dict[str, object]) -> tuple[str, int] | None:
    """The item to show for a conflict, so the reviewer can edit the field there (None when
    it belongs to neither a claim nor an evidence item by its key)."""
    import json

    table = str(conflict.get("table", ""))
    try:
        key = json.loads(str(conflict.get("key", "")))
    except ValueError:
        return None
    first = key[0] if isinstance(key, list) and key else None
    if not isinstance(first, int) or isinstance(first, bool):
        return None
    if table in _CLAIM_TABLES:
        return CLAIM_ITEM, first
    if table in _EVIDENCE_TABLES:
        return EVIDENCE_ITEM, first
    return None


@dataclass(frozen=True)
class Colleague:
    """A reviewer whose edits of the case the server holds."""

    reviewer: str
    login: str
    entries: int
    last_at: str

    def to_json(self) -> dict[str, object]:
        return asdict(self)


def colleagues(url: str, shared_id: str) -> list[Colleague]:
    """Everyone who pushed edits of the case, the most recent first (row-level security shows
    only the cases of the login's teams: another team's case has no one)."""
    import psycopg

    from desk.team.server import TeamError, require_schema, server_message, session, where

    with session(url) as pg:
        require_schema(pg, url)
        try:
            found = pg.execute(
                "SELECT actor, pushed_by, count(*), max(pushed_at) FROM desk.entries"
                " WHERE case_id = %s GROUP BY actor, pushed_by ORDER BY max(pushed_at) DESC",
                (shared_id,)).fetchall()
        except psycopg.Error as exc:
            raise TeamError(f"{where(url)} refused ({server_message(exc)})") from None
    return [Colleague(str(r[0]), str(r[1]), int(str(r[2])),
                      r[3].isoformat(timespec="seconds") if isinstance(r[3], datetime) else "")
            for r in found]
