"""Who may do what, enforced by PostgreSQL itself: each role connects with `psql` (the binary,
not desk) and is refused. Nobody rewrites history, not even the server's superuser without
switching its triggers off; a reviewer sees and adds to their teams' cases only; only an editor
of the case's team signs off."""

from __future__ import annotations

from pathlib import Path

import pytest

from desk.core.casefile import CaseFile
from desk.team import members, push
from tests.team.builders import Team, make_case, noise, set_up_team
from tests.team.conftest import PASSWORD, TeamDb

HEX = "0" * 64


def _signoff(case_id: str) -> str:
    return ("INSERT INTO desk.signoffs (case_id, claim_id, decision, verdict_digest,"
            f" entry_hash, signer, signature) VALUES ('{case_id}', 1, 'approved', '{HEX}',"
            f" '{HEX}', 'key', 'sig') RETURNING signed_by")


@pytest.fixture(scope="module")
def shared(pg_cluster: object, tmp_path_factory: pytest.TempPathFactory) -> tuple[Team, str, str]:
    """geo's case (pushed by alice) and other's case (pushed by mallory), on one server."""
    from tests.team import conftest

    cluster = pg_cluster
    assert isinstance(cluster, conftest.Cluster)
    import psycopg

    db = TeamDb(cluster, "roles_" + tmp_path_factory.getbasetemp().name.replace("-", "_"))
    with psycopg.connect(cluster.url(), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{db.name}"')
    team = set_up_team(db)
    members.add_member(db.admin_url, "other", "editor", db.login("oscar"), PASSWORD)
    folder = tmp_path_factory.mktemp("cases")
    with pytest.MonkeyPatch.context() as patch:  # a key of the tests' own, never the user's
        patch.setenv("DESK_CONFIG_DIR", str(tmp_path_factory.mktemp("config")))
        patch.setenv("DESK_REVIEWER", "Alice")
        with CaseFile.open(make_case(folder / "geo.deskcase"), read_only=True) as case:
            geo = push.push(case, team.url(team.alice)).case
        with CaseFile.open(make_case(folder / "other.deskcase", originals=[noise(5000, 99)],
                                     title="Other team's case"), read_only=True) as case:
            other = push.push(case, team.url(team.mallory)).case
    # A sign-off, so that every history table holds rows (row triggers fire per row).
    assert db.psql(team.erin, _signoff(geo)).returncode == 0
    return team, geo, other


def _refused(result: object, *words: str) -> None:
    import subprocess

    assert isinstance(result, subprocess.CompletedProcess)
    assert result.returncode != 0, f"psql was allowed: {result.stdout!r}"
    for word in words:
        assert word in result.stderr, result.stderr


@pytest.mark.parametrize("statement", [
    "UPDATE desk.entries SET detail = '{}'",
    "DELETE FROM desk.entries",
    "TRUNCATE desk.entries",
    "UPDATE desk.original_chunks SET data = '\\x00'",
    "DELETE FROM desk.originals",
    "DELETE FROM desk.row_versions",
    "UPDATE desk.case_originals SET sha256 = sha256",
    "DELETE FROM desk.cases",
    "UPDATE desk.cases SET team_id = 'other'",
    "INSERT INTO desk.members (team_id, login, role) VALUES ('geo', session_user, 'editor')",
    "UPDATE desk.members SET role = 'editor'",
    "INSERT INTO desk.teams (id) VALUES ('mine')",
])
def test_a_reviewer_may_not_rewrite_history_or_promote_themself(
        shared: tuple[Team, str, str], statement: str) -> None:
    team, _, _ = shared
    _refused(team.db.psql(team.alice, statement), "permission denied")


@pytest.mark.parametrize("statement", [
    "UPDATE desk.signoffs SET decision = 'approved'",
    "DELETE FROM desk.signoffs",
    "DELETE FROM desk.entries",
    "UPDATE desk.entries SET actor = 'someone else'",
])
def test_an_editor_may_not_rewrite_history_either(shared: tuple[Team, str, str],
                                                  statement: str) -> None:
    team, _, _ = shared
    _refused(team.db.psql(team.erin, statement), "permission denied")


@pytest.mark.parametrize("statement", [
    "UPDATE desk.entries SET detail = '{}'",
    "DELETE FROM desk.entries",
    "TRUNCATE desk.entries CASCADE",
    "DELETE FROM desk.original_chunks",
    "UPDATE desk.row_versions SET doc = '[]'",
    "DELETE FROM desk.signoffs",
    "DELETE FROM desk.cases",
])
def test_even_the_superuser_is_refused_by_the_append_only_triggers(
        shared: tuple[Team, str, str], statement: str) -> None:
    team, _, _ = shared
    _refused(team.db.psql("desk_super", statement), "history is append-only")


def test_a_reviewer_sees_nothing_of_another_teams_case(shared: tuple[Team, str, str]) -> None:
    team, geo, other = shared
    for table in ("cases WHERE id", "entries WHERE case_id", "row_versions WHERE case_id",
                  "case_originals WHERE case_id"):
        seen = team.db.psql(team.alice, f"SELECT count(*) FROM desk.{table} = '{other}'")
        assert (seen.returncode, seen.stdout.strip()) == (0, "0"), seen.stderr
        own = team.db.psql(team.alice, f"SELECT count(*) > 0 FROM desk.{table} = '{geo}'")
        assert own.stdout.strip() == "t"
    # Nor its originals' bytes, though they are stored beside geo's.
    chunks = team.db.psql(team.alice, "SELECT count(*) FROM desk.original_chunks c JOIN"
                          f" desk.case_originals o USING (sha256) WHERE o.case_id = '{other}'")
    assert chunks.stdout.strip() == "0"
    every = team.db.psql(team.alice, "SELECT count(DISTINCT sha256) FROM desk.original_chunks")
    assert every.stdout.strip() == "2"  # geo's two originals, not other's
    teams = team.db.psql(team.mallory, "SELECT string_agg(id, ',') FROM desk.teams")
    assert teams.stdout.strip() == "other"


def test_a_reviewer_may_not_add_to_another_teams_case(shared: tuple[Team, str, str]) -> None:
    team, _, other = shared
    _refused(team.db.psql(team.alice, (
        "INSERT INTO desk.row_versions (case_id, digest, tbl, key, doc) VALUES"
        f" ('{other}', '{HEX}', 'claim', '[9]', '[]')")), "row-level security")
    _refused(team.db.psql(team.alice, (
        f"INSERT INTO desk.cases (id, team_id, format) VALUES ('{'1' * 64}', 'other', 1005)")),
        "row-level security")


def test_an_entry_must_follow_the_servers_last_one(shared: tuple[Team, str, str]) -> None:
    team, geo, _ = shared
    _refused(team.db.psql(team.alice, (
        "INSERT INTO desk.entries (case_id, seq, at, actor, action, items, detail, version,"
        f" prev_hash, hash) VALUES ('{geo}', 99, 'now', 'A', 'x', '[]', '', '1', '{HEX}',"
        f" '{HEX}')")), "does not follow the server's last entry")


def test_only_an_editor_of_the_cases_team_signs_off(shared: tuple[Team, str, str]) -> None:
    team, geo, other = shared
    _refused(team.db.psql(team.alice, _signoff(geo)), "permission denied for table signoffs")
    # oscar is an editor, but of the other team: row-level security refuses.
    _refused(team.db.psql(team.db.login("oscar"), _signoff(geo)), "row-level security")
    done = team.db.psql(team.erin, _signoff(geo))
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == team.erin  # the login, whatever the client claims
    _refused(team.db.psql(team.erin, _signoff(other)), "row-level security")


def test_a_stranger_with_a_login_reaches_nothing(shared: tuple[Team, str, str]) -> None:
    team, _, _ = shared
    stranger = team.db.login("stranger")
    team.db.sql(f'CREATE ROLE "{stranger}" LOGIN PASSWORD \'{PASSWORD}\'')
    _refused(team.db.psql(stranger, "SELECT count(*) FROM desk.entries"),
             "permission denied for schema desk")


def test_the_server_records_who_pushed(shared: tuple[Team, str, str], tmp_path: Path) -> None:
    team, geo, _ = shared
    pushed = team.db.sql("SELECT DISTINCT pushed_by FROM desk.entries WHERE case_id = %s",
                         (geo,))
    assert pushed == [(team.alice,)]
