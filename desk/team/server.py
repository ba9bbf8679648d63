"""Reaching a team server: a PostgreSQL connection string, said back without its password, and
the version of desk's schema there (refused when newer than this desk knows).
"""

from __future__ import annotations

import psycopg
from psycopg import conninfo

#: The oldest PostgreSQL the team desk supports (generated columns, EXECUTE FUNCTION, sha256()).
MIN_SERVER_VERSION = 140000


class TeamError(Exception):
    """Something the team server or the case refused, said for the reviewer in one sentence;
    nothing beyond the last whole step was written."""


class PasswordNeeded(TeamError):
    """The server asks for a password this connection string does not give (or a wrong one)."""


class Unreachable(TeamError):
    """The server cannot be reached now (offline, down, refused): edits stay in the case and
    travel at the next sync."""


class SchemaMissing(TeamError):
    pass


class SchemaTooNew(TeamError):
    pass


def where(url: str) -> str:
    """The server as a reviewer names it ("alice at db.example.org:5432/desk"), never with its
    password, so it can be printed and logged."""
    try:
        parts = conninfo.conninfo_to_dict(url)
    except psycopg.ProgrammingError:
        return "the team server"
    host = str(parts.get("host") or parts.get("hostaddr") or "localhost")
    port = str(parts.get("port") or "5432")
    dbname = str(parts.get("dbname") or parts.get("user") or "")
    user = str(parts.get("user") or "")
    place = f"{host}:{port}/{dbname}"
    return f"{user} at {place}" if user else place


def connect(url: str) -> psycopg.Connection[tuple[object, ...]]:
    """A connection to the team server; every way it can fail becomes one TeamError.

    In autocommit mode: every unit of work that must be whole is an explicit
    `conn.transaction()` block, so a chunk or a batch of entries commits when its block ends
    (an implicit transaction would turn those blocks into savepoints of one long one)."""
    try:
        conninfo.conninfo_to_dict(url)
    except psycopg.ProgrammingError as exc:
        raise TeamError(f"that is not a PostgreSQL connection string ({_first_line(exc)});"
                        " give one like postgresql://NAME@HOST:5432/DATABASE") from None
    try:
        conn = psycopg.connect(url, connect_timeout=15, application_name="desk",
                               autocommit=True)
    except psycopg.Error as exc:
        said = _first_line(exc)
        kind = TeamError
        if "no password supplied" in said or "password authentication failed" in said:
            kind = PasswordNeeded
        elif isinstance(exc, psycopg.OperationalError) and not any(
                word in said for word in ("does not exist", "not permitted", "pg_hba")):
            kind = Unreachable
        raise kind(f"cannot connect to the team server {where(url)}: {said}") from None
    if conn.info.server_version < MIN_SERVER_VERSION:
        version = conn.info.server_version
        conn.close()
        raise TeamError(f"the team server {where(url)} runs PostgreSQL {version // 10000};"
                        " the team desk needs PostgreSQL 14 or newer")
    return conn


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0].strip() if text else type(exc).__name__


def server_message(exc: psycopg.Error) -> str:
    """What PostgreSQL said, in one line (its primary message, without the context lines)."""
    diag = getattr(exc, "diag", None)
    primary = getattr(diag, "message_primary", None) if diag is not None else None
    return str(primary) if primary else _first_line(exc)


def schema_version(conn: psycopg.Connection[tuple[object, ...]]) -> int:
    """The desk schema's version in this database; 0 when desk's schema is not there."""
    row = conn.execute("SELECT to_regclass('desk.schema_version') IS NOT NULL").fetchone()
    if row is None or not row[0]:
        return 0
    try:
        found = conn.execute("SELECT max(version) FROM desk.schema_version").fetchone()
    except psycopg.errors.InsufficientPrivilege:
        raise TeamError("this login may not use desk's schema here: an administrator adds it"
                        " to a team (desk team add-member)") from None
    return int(str(found[0])) if found and found[0] is not None else 0


def require_schema(conn: psycopg.Connection[tuple[object, ...]], url: str) -> int:
    """The schema version, checked to be the one this desk speaks."""
    from desk.team.migrations import LATEST

    version = schema_version(conn)
    if version == 0:
        raise SchemaMissing(f"{where(url)} holds no desk schema; an administrator sets the"
                            " server up first with `desk team init URL`")
    if version > LATEST:
        raise SchemaTooNew(too_new_message(url, version))
    if version < LATEST:
        raise TeamError(f"{where(url)} has desk's schema version {version}, older than this"
                        f" desk's {LATEST}; an administrator upgrades it with"
                        " `desk team init URL`")
    return version


def too_new_message(url: str, version: int) -> str:
    from desk import __version__
    from desk.team.migrations import LATEST

    return (f"{where(url)} has desk's schema version {version}, made by a newer desk; this"
            f" desk {__version__} knows versions up to {LATEST}. Update desk on this machine;"
            " nothing was changed.")
