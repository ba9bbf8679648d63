"""`desk team list`: the cases a login may see on the server (row-level security decides which),
with who pushed last and when."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime

import psycopg

from desk.team.server import TeamError, connect, require_schema, server_message, where


@dataclass
class SharedCase:
    id: str
    title: str
    team: str
    entries: int
    head: str
    originals: int
    created_by: str
    created_at: str
    last_pushed_by: str
    last_pushed_at: str

    def to_json(self) -> dict[str, object]:
        return asdict(self)


def _iso(value: object) -> str:
    return value.isoformat() if isinstance(value, datetime) else ""


def list_cases(url: str) -> list[SharedCase]:
    pg = connect(url)
    try:
        require_schema(pg, url)
        try:
            found = pg.execute(
                "SELECT c.id, c.title, c.team_id, c.created_by, c.created_at,"
                " coalesce(h.seq, 0), coalesce(h.hash, ''), coalesce(h.pushed_by, ''),"
                " h.pushed_at,"
                " (SELECT count(*) FROM desk.case_originals co WHERE co.case_id = c.id)"
                " FROM desk.cases c LEFT JOIN LATERAL (SELECT e.seq, e.hash, e.pushed_by,"
                " e.pushed_at FROM desk.entries e WHERE e.case_id = c.id ORDER BY e.seq DESC"
                " LIMIT 1) h ON true ORDER BY h.pushed_at DESC NULLS LAST, c.id").fetchall()
        except psycopg.Error as exc:
            raise TeamError(f"{where(url)} refused the list ({server_message(exc)})") from None
    finally:
        pg.close()
    return [SharedCase(str(r[0]), str(r[1]), str(r[2]), int(str(r[5])), str(r[6]),
                       int(str(r[9])), str(r[3]), _iso(r[4]), str(r[7]), _iso(r[8]))
            for r in found]
