"""`desk team init` and `desk team add-member` against a real PostgreSQL: the schema, its roles
and policies are made once, a second run changes nothing, a newer schema is refused."""

from __future__ import annotations

import io
import json

import pytest

from desk.team.migrations import LATEST
from tests.team.builders import run_desk
from tests.team.conftest import PASSWORD, TeamDb


def test_init_makes_the_schema_roles_and_policies(capsys: pytest.CaptureFixture[str],
                                                  team_db: TeamDb) -> None:
    code, out, err = run_desk(capsys, "team", "init", team_db.admin_url, "--json")
    assert code == 0, err
    report = json.loads(out)
    assert (report["before"], report["after"]) == (0, LATEST)
    assert [m["version"] for m in report["applied"]] == list(range(1, LATEST + 1))
    assert PASSWORD not in out + err
    tables = {str(r[0]): bool(r[1]) for r in team_db.sql(
        "SELECT c.relname, c.relrowsecurity FROM pg_class c JOIN pg_namespace n"
        " ON n.oid = c.relnamespace WHERE n.nspname = 'desk' AND c.relkind = 'r'")}
    assert set(tables) == {"schema_version", "teams", "members", "cases", "entries",
                           "row_versions", "original_chunks", "originals", "case_originals",
                           "signoffs"}
    assert all(secured for name, secured in tables.items() if name != "schema_version")
    owners = team_db.sql("SELECT DISTINCT pg_get_userbyid(c.relowner) FROM pg_class c JOIN"
                         " pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'desk'")
    assert owners == [("desk_owner",)]
    roles = {str(r[0]): bool(r[1]) for r in team_db.sql(
        "SELECT rolname, rolcanlogin FROM pg_roles WHERE rolname LIKE 'desk\\_%'"
        " AND rolname <> 'desk_super'")}
    assert roles == {"desk_owner": False, "desk_reviewer": False, "desk_editor": False,
                     "desk_admin": False}


def test_a_second_init_changes_nothing(capsys: pytest.CaptureFixture[str],
                                       team_db: TeamDb) -> None:
    assert run_desk(capsys, "team", "init", team_db.admin_url)[0] == 0
    before = team_db.sql("SELECT count(*) FROM pg_policies WHERE schemaname = 'desk'")
    code, out, _ = run_desk(capsys, "team", "init", team_db.admin_url)
    assert code == 0 and "already at version" in out and "nothing to do" in out
    assert team_db.sql("SELECT count(*) FROM desk.schema_version") == [(LATEST,)]
    assert team_db.sql("SELECT count(*) FROM pg_policies WHERE schemaname = 'desk'") == before


def test_a_newer_schema_is_refused_by_every_verb(capsys: pytest.CaptureFixture[str],
                                                 team_db: TeamDb, tmp_path: object) -> None:
    assert run_desk(capsys, "team", "init", team_db.admin_url)[0] == 0
    team_db.sql("INSERT INTO desk.schema_version (version, desk_version) VALUES (%s, '9.9')",
                (LATEST + 1,))
    for argv in (["team", "init", team_db.admin_url],
                 ["team", "list", team_db.admin_url],
                 ["team", "pull", team_db.admin_url, "--case", "abcdef", "--out",
                  f"{tmp_path}/x.deskcase"]):
        code, _, err = run_desk(capsys, *argv)
        assert code == 2
        assert f"schema version {LATEST + 1}, made by a newer desk" in err, err
        assert "Update desk" in err and len(err.strip().splitlines()) == 1
    assert team_db.sql("SELECT max(version) FROM desk.schema_version") == [(LATEST + 1,)]


def test_init_without_the_right_to_make_roles_is_refused_whole(
        capsys: pytest.CaptureFixture[str], team_db: TeamDb) -> None:
    weak = team_db.login("weak")
    team_db.sql(f'CREATE ROLE "{weak}" LOGIN PASSWORD \'{PASSWORD}\'')
    team_db.sql(f'GRANT CREATE ON DATABASE "{team_db.name}" TO "{weak}"')
    # Roles are the cluster's: another test may have made desk's already. This login may
    # still not make the schema as desk_owner, whose member it is not.
    code, _, err = run_desk(capsys, "team", "init", team_db.url(weak))
    assert code == 2 and "refused to set up desk's schema" in err and "nothing was changed" in err
    assert team_db.sql("SELECT to_regnamespace('desk') IS NULL") == [(True,)]


def test_add_member_makes_a_login_that_can_connect(capsys: pytest.CaptureFixture[str],
                                                   monkeypatch: pytest.MonkeyPatch,
                                                   team_db: TeamDb) -> None:
    assert run_desk(capsys, "team", "init", team_db.admin_url)[0] == 0
    bob = team_db.login("bob")
    monkeypatch.setattr("sys.stdin", io.StringIO("s3cret-Pass\n"))
    code, out, err = run_desk(capsys, "team", "add-member", team_db.admin_url, "--team", "geo",
                           "--role", "reviewer", "--login", bob, "--password-stdin", "--json")
    assert code == 0, err
    assert json.loads(out) == {"team": "geo", "login": bob, "role": "reviewer",
                               "team_created": True, "login_created": True,
                               "password_set": True, "server": json.loads(out)["server"]}
    url = team_db.cluster.url(team_db.name, bob, "s3cret-Pass")
    code, out, err = run_desk(capsys, "team", "list", url, "--json")
    assert code == 0 and json.loads(out) == {"cases": []}, err
    # The password never reached the server in clear: it stores a SCRAM verifier.
    stored = team_db.sql("SELECT rolpassword FROM pg_authid WHERE rolname = %s", (bob,))
    assert str(stored[0][0]).startswith("SCRAM-SHA-256$")
    # Again with --role editor: the same member, now an editor.
    code, out, _ = run_desk(capsys, "team", "add-member", team_db.admin_url, "--team", "geo",
                         "--role", "editor", "--login", bob)
    assert code == 0 and out.startswith(f"{bob} is an editor of team geo")
    assert team_db.sql("SELECT role FROM desk.members WHERE login = %s", (bob,)) == [
        ("editor",)]


def test_add_member_refuses_bad_names_and_non_administrators(
        capsys: pytest.CaptureFixture[str], team_db: TeamDb) -> None:
    assert run_desk(capsys, "team", "init", team_db.admin_url)[0] == 0
    for login in ("desk_admin", "pg_monitor", "bad name", 'x"; DROP'):
        code, _, err = run_desk(capsys, "team", "add-member", team_db.admin_url, "--team", "geo",
                             "--role", "reviewer", "--login", login)
        assert code == 2 and "cannot be a login" in err
    code, _, err = run_desk(capsys, "team", "add-member", team_db.admin_url, "--team", "a b",
                         "--role", "reviewer", "--login", "someone")
    assert code == 2 and "cannot name a team" in err
    carol = team_db.login("carol")
    assert run_desk(capsys, "team", "add-member", team_db.admin_url, "--team", "geo", "--role",
                 "reviewer", "--login", carol)[0] == 0
    team_db.sql(f"ALTER ROLE \"{carol}\" PASSWORD '{PASSWORD}'")
    code, _, err = run_desk(capsys, "team", "add-member", team_db.url(carol), "--team", "geo",
                         "--role", "editor", "--login", carol)
    assert code == 2 and "administrator's login" in err
    assert team_db.sql("SELECT role FROM desk.members WHERE login = %s", (carol,)) == [
        ("reviewer",)]
