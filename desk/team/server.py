"""Reaching a team server: a PostgreSQL connection string, said back without its password, and
the version of desk's schema there (refused when newer than this desk knows).
"""

from __future__ import annotations

import atexit
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from psycopg import conninfo
from psycopg.pq import TransactionStatus

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


#: Seconds a connection left idle after a unit of work is kept for the process's next one (the
#: window syncs every few seconds while a reviewer edits); older ones are closed, not used.
IDLE_KEEP_S = 60.0
#: Idle connections kept per process, across servers and logins (a server's connection slots
#: are shared by the whole team).
IDLE_KEEP_MAX = 2

_idle: list[tuple[int, str, float, psycopg.Connection[tuple[object, ...]]]] = []
_idle_lock = threading.Lock()


@contextmanager
def session(url: str) -> Iterator[psycopg.Connection[tuple[object, ...]]]:
    """A connection for one unit of work (a sync, a push, a look at who else is at work).

    A connection of this process left idle by the previous one is used again when it still
    answers: a new one costs the server a process and both sides a password exchange (SCRAM),
    more than the work of an incremental sync. A block that ends with an error closes its
    connection, whatever the error."""
    conn = _take(url)
    if conn is None:
        conn = connect(url)
    kept = False
    try:
        yield conn
        kept = _keep(url, conn)
    finally:
        if not kept:
            conn.close()


def _take(url: str) -> psycopg.Connection[tuple[object, ...]] | None:
    now, pid = time.monotonic(), os.getpid()
    found = None
    with _idle_lock:
        for n, (owner, key, since, conn) in enumerate(_idle):
            if owner == pid and key == url:
                del _idle[n]
                found = conn if now - since <= IDLE_KEEP_S else None
                if found is None:
                    conn.close()
                break
    if found is None:
        return None
    try:
        found.execute("SELECT 1")
    except psycopg.Error:
        found.close()  # the server restarted or dropped it: a new one is made
        return None
    return found


def _keep(url: str, conn: psycopg.Connection[tuple[object, ...]]) -> bool:
    if conn.closed or conn.info.transaction_status != TransactionStatus.IDLE:
        return False
    pid = os.getpid()
    with _idle_lock:
        # A forked child's copies of its parent's connections are the parent's to close.
        _idle[:] = [kept for kept in _idle if kept[0] == pid]
        _idle.append((pid, url, time.monotonic(), conn))
        while len(_idle) > IDLE_KEEP_MAX:
            _idle.pop(0)[3].close()
        _watch_idle(pid)
    return True


_watching: dict[int, threading.Timer] = {}


def _watch_idle(pid: int) -> None:
    """Close kept connections once no unit of work came for them (a window that stopped
    syncing holds none of the server's connection slots); one timer per process at a time.
    Called holding `_idle_lock`."""
    timer = _watching.get(pid)
    if timer is not None and timer.is_alive():
        return
    timer = _watching[pid] = threading.Timer(IDLE_KEEP_S / 2, _close_expired)
    timer.daemon = True
    timer.start()


def _close_expired() -> None:
    now, pid = time.monotonic(), os.getpid()
    with _idle_lock:
        expired = [kept for kept in _idle if now - kept[2] > IDLE_KEEP_S]
        _idle[:] = [kept for kept in _idle if kept not in expired]
        _watching.pop(pid, None)
        if any(kept[0] == pid for kept in _idle):
            _watch_idle(pid)
    for owner, _, _, conn in expired:
        if owner == pid:
            conn.close()


@atexit.register
def close_idle() -> None:
    """Close the connections kept idle (at exit, and for a caller that must leave none)."""
    pid = os.getpid()
    with _idle_lock:
        kept = _idle[:]
        _idle.clear()
        timer = _watching.pop(pid, None)
    if timer is not None:
        timer.cancel()
    for owner, _, _, conn in kept:
        if owner == pid:  # a forked child's copy belongs to its parent
            conn.close()


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
