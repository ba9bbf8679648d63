"""A real PostgreSQL for the team-desk tests: a throwaway cluster made with initdb in a temporary
folder, listening on 127.0.0.1 on a free port for the whole session, never a mock.

The binaries are looked for on PATH, in /usr/local/bin and in Debian's /usr/lib/postgresql/*/bin.
Without them the tests skip with a message, except in CI (CI=true), where they fail: CI must
run them. initdb refuses to run as root, so as root the cluster belongs to the `postgres` user
Debian's package creates (or `nobody`) and its programs run through runuser.
"""

from __future__ import annotations

import glob
import itertools
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import psycopg
import pytest

if TYPE_CHECKING:
    from tests.team.builders import Team  # builders imports this module

SUPERUSER = "desk_super"
#: Every login a test makes gets this password (the cluster is throwaway and local).
PASSWORD = "desk-test-" + secrets.token_hex(8)


def _version(folder: str) -> tuple[int, ...]:
    name = Path(folder).parent.name
    return tuple(int(p) for p in name.split(".") if p.isdigit())


def find_binaries() -> Path | None:
    """The folder holding initdb, pg_ctl and postgres, newest Debian version first."""
    candidates: list[Path] = []
    found = shutil.which("initdb")
    if found:
        candidates.append(Path(found).resolve().parent)
    candidates.append(Path("/usr/local/bin"))
    candidates += [Path(p) for p in sorted(glob.glob("/usr/lib/postgresql/*/bin"),
                                           key=_version, reverse=True)]
    for folder in candidates:
        if all((folder / name).is_file() for name in ("initdb", "pg_ctl", "postgres")):
            return folder
    return None


def find_psql(binaries: Path) -> Path | None:
    for candidate in (binaries / "psql", shutil.which("psql")):
        if candidate and Path(candidate).is_file():
            return Path(candidate)
    return None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _cluster_user() -> tuple[list[str], int | None, int | None]:
    """The command prefix that runs PostgreSQL's programs as a non-root user, and that user's
    uid/gid (None when the tests already run as one)."""
    if os.geteuid() != 0:
        return [], None, None
    runuser = shutil.which("runuser")
    for name in ("postgres", "nobody"):
        try:
            entry = pwd.getpwnam(name)
        except KeyError:
            continue
        if runuser:
            return [runuser, "-u", name, "--"], entry.pw_uid, entry.pw_gid
    raise RuntimeError("running as root without runuser or a postgres/nobody user: initdb"
                       " cannot be run")


@dataclass
class Cluster:
    host: str
    port: int
    bin: Path
    psql: Path | None
    folder: Path

    def url(self, dbname: str = "postgres", user: str = SUPERUSER,
            password: str = PASSWORD) -> str:
        return f"postgresql://{user}:{password}@{self.host}:{self.port}/{dbname}"

    def run_psql(self, dbname: str, user: str, sql: str,
                 password: str = PASSWORD) -> subprocess.CompletedProcess[str]:
        """`psql` itself, connected as `user`: what a team member with a SQL client can do."""
        assert self.psql is not None, "psql is not installed"
        env = {**os.environ, "PGPASSWORD": password, "PGCONNECT_TIMEOUT": "10"}
        return subprocess.run(
            [str(self.psql), "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", self.host,
             "-p", str(self.port), "-U", user, "-d", dbname, "-At", "-c", sql],
            capture_output=True, text=True, env=env, timeout=60, check=False)


def _start(binaries: Path) -> Cluster:
    prefix, uid, gid = _cluster_user()
    folder = Path(tempfile.mkdtemp(prefix="desk-pg-"))
    data = folder / "data"
    pwfile = folder / "pw"
    pwfile.write_text(PASSWORD + "\n", encoding="utf-8")
    if uid is not None and gid is not None:
        os.chown(folder, uid, gid)
        os.chown(pwfile, uid, gid)
    done = subprocess.run(
        [*prefix, str(binaries / "initdb"), "-D", str(data), "-U", SUPERUSER,
         f"--pwfile={pwfile}", "--auth=scram-sha-256", "-E", "UTF8", "--no-locale", "-N"],
        capture_output=True, text=True, timeout=180, check=False, cwd=folder)
    if done.returncode != 0:
        shutil.rmtree(folder, ignore_errors=True)
        raise RuntimeError(f"initdb failed: {done.stderr.strip() or done.stdout.strip()}")
    last_error = ""
    for _ in range(5):  # a free port can be taken by someone else before the server binds it
        port = _free_port()
        options = (f"-c listen_addresses=127.0.0.1 -p {port} -c unix_socket_directories=''"
                   " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
                   " -c max_connections=60")
        started = subprocess.run(
            [*prefix, str(binaries / "pg_ctl"), "-D", str(data), "-l",
             str(folder / "server.log"), "-o", options, "-w", "-t", "60", "start"],
            capture_output=True, text=True, timeout=120, check=False, cwd=folder)
        if started.returncode == 0:
            return Cluster("127.0.0.1", port, binaries, find_psql(binaries), folder)
        try:
            last_error = (folder / "server.log").read_text(encoding="utf-8")[-2000:]
        except OSError:
            last_error = started.stderr
    shutil.rmtree(folder, ignore_errors=True)
    raise RuntimeError(f"PostgreSQL did not start: {last_error}")


def _stop(cluster: Cluster) -> None:
    prefix, _, _ = _cluster_user()
    subprocess.run([*prefix, str(cluster.bin / "pg_ctl"), "-D", str(cluster.folder / "data"),
                    "-m", "immediate", "-w", "stop"],
                   capture_output=True, text=True, timeout=60, check=False, cwd=cluster.folder)
    shutil.rmtree(cluster.folder, ignore_errors=True)


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[Cluster]:
    binaries = find_binaries()
    if binaries is None:
        message = ("PostgreSQL's server binaries (initdb, pg_ctl, postgres) were not found on"
                   " PATH, in /usr/local/bin or /usr/lib/postgresql/*/bin; install Debian's"
                   " `postgresql` package to run the team-desk tests")
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    cluster = _start(binaries)
    try:
        yield cluster
    finally:
        _stop(cluster)


_numbers = itertools.count(1)


@dataclass
class TeamDb:
    """One fresh database of the session's cluster, for one test."""

    cluster: Cluster
    name: str

    @property
    def admin_url(self) -> str:
        return self.cluster.url(self.name)

    def url(self, user: str) -> str:
        return self.cluster.url(self.name, user)

    def login(self, who: str) -> str:
        """A login name unique to this database (roles are shared by the whole cluster)."""
        return f"{self.name}_{who}"

    def psql(self, user: str, sql: str) -> subprocess.CompletedProcess[str]:
        return self.cluster.run_psql(self.name, user, sql)

    def sql(self, query: str, params: tuple[object, ...] = ()) -> list[tuple[object, ...]]:
        """Run one statement as the cluster's superuser (what an attacker on the server may)."""
        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            cur = conn.execute(query, params or None)
            return list(cur.fetchall()) if cur.description else []


@pytest.fixture
def team_db(pg_cluster: Cluster) -> TeamDb:
    name = f"t{os.getpid()}_{next(_numbers)}_{int(time.time() * 1000) % 100000}"
    with psycopg.connect(pg_cluster.url(), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return TeamDb(pg_cluster, name)


@pytest.fixture
def team(team_db: TeamDb) -> Team:
    """A server set up with teams geo (alice, erin) and other (mallory)."""
    from tests.team.builders import set_up_team

    return set_up_team(team_db)


@pytest.fixture
def two_copies(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, team: Team,
               tmp_path: Path) -> tuple[Path, Path, str]:
    """Alice's case on the server and Erin's copy of it, each reviewer with their own key."""
    from tests.team.builders import as_reviewer, desk_json, make_case, run_desk

    as_reviewer(monkeypatch, tmp_path / "alice-config", "Alice")
    alice = make_case(tmp_path / "alice.deskcase")
    case_id = str(desk_json(capsys, "team", "push", alice, team.url(team.alice))["case"])
    as_reviewer(monkeypatch, tmp_path / "erin-config", "Erin")
    erin = tmp_path / "erin.deskcase"
    assert run_desk(capsys, "team", "pull", team.url(team.erin), "--case", case_id,
                 "--out", erin)[0] == 0
    return alice, erin, case_id
