"""Teams and their members: `desk team add-member`, run by the server's administrator.

A member is a PostgreSQL login (made here when missing, with a password the administrator
gives) granted the group role of what they do, `desk_reviewer` or `desk_editor`, and listed in
`desk.members` for the team: row-level security reads that list, so a login sees and adds to
the cases of its teams only, and signs off only where it is an editor. The password is turned
into a SCRAM verifier on this machine; the server never receives it in clear.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass

import psycopg
from psycopg import sql

from desk.team.server import TeamError, connect, require_schema, server_message, where

ROLES = ("reviewer", "editor")
_GROUP = {"reviewer": "desk_reviewer", "editor": "desk_editor"}
_LOGIN = re.compile(r"^[A-Za-z_][A-Za-z0-9_.@-]{0,62}$")
_TEAM = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


@dataclass
class MemberReport:
    team: str
    login: str
    role: str
    team_created: bool
    login_created: bool
    password_set: bool
    server: str

    def to_json(self) -> dict[str, object]:
        return asdict(self)


def add_member(url: str, team: str, role: str, login: str,
               password: str | None = None) -> MemberReport:
    """Put `login` in `team` as `role` (made when missing); a second call changes the role."""
    if role not in ROLES:
        raise TeamError(f"a member is a {' or an '.join(ROLES)}, not {role!r}")
    if not _TEAM.match(team):
        raise TeamError(f"{team!r} cannot name a team: letters, digits, '.', '_' and '-',"
                        " starting with a letter or digit, at most 64")
    if not _LOGIN.match(login) or login.lower().startswith(("pg_", "desk_")):
        raise TeamError(f"{login!r} cannot be a login: letters, digits, '_', '.', '@' and"
                        " '-', at most 63, not starting with pg_ or desk_")
    if password is not None and not password:
        raise TeamError("the password is empty")
    pg = connect(url)
    try:
        require_schema(pg, url)
        try:
            with pg.transaction():
                return _add(pg, url, team, role, login, password)
        except psycopg.errors.InsufficientPrivilege as exc:
            raise TeamError(f"{where(url)} refused ({server_message(exc)}): adding members"
                            " takes an administrator's login (a superuser, or a role with"
                            " CREATEROLE that is a member of desk_admin); nothing was"
                            " changed") from None
        except psycopg.Error as exc:
            raise TeamError(f"{where(url)} refused ({server_message(exc)}); nothing was"
                            " changed") from None
    finally:
        pg.close()


def _add(pg: psycopg.Connection[tuple[object, ...]], url: str, team: str, role: str,
         login: str, password: str | None) -> MemberReport:
    made_team = pg.execute("INSERT INTO desk.teams (id) VALUES (%s) ON CONFLICT DO NOTHING"
                           " RETURNING id", (team,)).fetchone() is not None
    exists = pg.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (login,)).fetchone()
    ident = sql.Identifier(login)
    secret = None
    if password is not None:
        verifier = pg.pgconn.encrypt_password(password.encode("utf-8"), login.encode("utf-8"),
                                              b"scram-sha-256")
        secret = sql.Literal(verifier.decode("ascii"))
    if exists is None:
        if secret is None:
            pg.execute(sql.SQL("CREATE ROLE {} LOGIN").format(ident))
        else:
            pg.execute(sql.SQL("CREATE ROLE {} LOGIN PASSWORD {}").format(ident, secret))
    elif secret is not None:
        pg.execute(sql.SQL("ALTER ROLE {} PASSWORD {}").format(ident, secret))
    pg.execute(sql.SQL("GRANT {} TO {}").format(sql.Identifier(_GROUP[role]), ident))
    pg.execute("INSERT INTO desk.members (team_id, login, role) VALUES (%s, %s, %s)"
               " ON CONFLICT (team_id, login) DO UPDATE SET role = excluded.role"
               " WHERE desk.members.role IS DISTINCT FROM excluded.role",
               (team, login, role))
    return MemberReport(team, login, role, made_team, exists is None, secret is not None,
                        where(url))
