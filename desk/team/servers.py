"""The team server each case syncs with, remembered on this machine (never in the case file).

A case travels between reviewers, and a connection string is a reviewer's own (their login,
perhaps a password), so it is kept in the per-user folder, by case id, *without* its password:
libpq finds that in PGPASSWORD or ~/.pgpass, or the window asks for it and keeps it in memory
only. The last sync's outcome is kept beside it, for the window's team panel.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from desk.core.identity import user_config_dir

FILE_NAME = "team_servers.json"


@dataclass(frozen=True)
class LastSync:
    """What the last sync of a case from this machine did, as the team panel says it."""

    at: str
    entries_sent: int = 0
    entries_received: int = 0
    conflicts: int = 0
    error: str = ""

    def to_json(self) -> dict[str, object]:
        return asdict(self)


def _path() -> Path:
    return user_config_dir() / FILE_NAME


def _read() -> dict[str, dict[str, object]]:
    try:
        found = json.loads(_path().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    cases = found.get("cases") if isinstance(found, dict) else None
    return {str(k): v for k, v in cases.items() if isinstance(v, dict)} if isinstance(
        cases, dict) else {}


def _write(cases: dict[str, dict[str, object]]) -> None:
    """Whole or not at all: a crash mid-write leaves the previous file."""
    folder = _path().parent
    folder.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".team-servers-", suffix=".json", dir=folder)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump({"cases": cases}, out, indent=1, sort_keys=True)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, _path())
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def without_password(url: str) -> str:
    """`url` with any password taken out, in the form it was given (URL or key=value)."""
    if url.startswith(("postgresql://", "postgres://")):
        parts = urlsplit(url)
        netloc = parts.netloc
        if "@" in netloc:
            who, _, place = netloc.rpartition("@")
            netloc = f"{who.partition(':')[0]}@{place}"
        query = urlencode([(k, v) for k, v in parse_qsl(parts.query) if k != "password"])
        return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))
    import psycopg  # here, not at start-up: the window reads this file as a case opens
    from psycopg import conninfo

    try:
        found = conninfo.conninfo_to_dict(url)
    except psycopg.ProgrammingError:
        return url
    found.pop("password", None)
    return conninfo.make_conninfo(**{k: str(v) for k, v in found.items()})


def password_in(url: str) -> str | None:
    """The password a connection string carries, if any (kept for the session, not written)."""
    if without_password(url) == url:
        return None
    from psycopg import conninfo

    given = conninfo.conninfo_to_dict(url).get("password")
    return str(given) if given else None


def with_password(url: str, password: str) -> str:
    """`url` with `password` added (for this session only: it is never written down)."""
    from psycopg import conninfo

    return conninfo.make_conninfo(url, password=password)


def remembered(case_id: str) -> str | None:
    """The server this machine last synced `case_id` with (no password), or None."""
    url = _read().get(case_id, {}).get("url")
    return url if isinstance(url, str) and url else None


def remember(case_id: str, url: str) -> None:
    _set(case_id, "url", without_password(url))


def _set(case_id: str, name: str, value: object) -> None:
    """One field of a case's record, the rest of the file as it was."""
    cases = _read()
    cases[case_id] = {**cases.get(case_id, {}), name: value}
    _write(cases)


def forget(case_id: str) -> None:
    cases = _read()
    if cases.pop(case_id, None) is not None:
        _write(cases)


def last_sync(case_id: str) -> LastSync | None:
    found = _read().get(case_id, {}).get("last_sync")
    if not isinstance(found, dict):
        return None
    try:
        return LastSync(str(found["at"]), int(found.get("entries_sent", 0)),
                        int(found.get("entries_received", 0)), int(found.get("conflicts", 0)),
                        str(found.get("error", "")))
    except (KeyError, TypeError, ValueError):
        return None


def record_sync(case_id: str, outcome: LastSync) -> None:
    _set(case_id, "last_sync", outcome.to_json())
