"""The server a case syncs with is remembered on the reviewer's machine, without its password:
`desk team sync CASE` needs its URL once."""

from __future__ import annotations

from pathlib import Path

import pytest

from desk.core import commands
from desk.core.casefile import CaseFile
from desk.team import servers, status
from tests.team.builders import Team, desk_json, run_desk
from tests.team.conftest import PASSWORD


def test_a_pulled_case_syncs_without_its_url_and_the_password_is_never_written(
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, team: Team,
        tmp_path: Path, two_copies: tuple[Path, Path, str]) -> None:
    _alice, erin, case_id = two_copies  # the fixture leaves Erin's folder in effect
    with CaseFile.open(erin, read_only=True) as case:
        assert status.case_id(case) == case_id
    remembered = servers.remembered(case_id)
    assert remembered is not None and PASSWORD not in remembered
    assert servers.without_password(team.url(team.erin)) == remembered
    stored = (tmp_path / "erin-config" / servers.FILE_NAME).read_text(encoding="utf-8")
    assert case_id in stored and PASSWORD not in stored
    with CaseFile.open(erin) as case:
        commands.edit_claim(1, claimant="Erin's source").apply(case)
    # libpq takes the password from the environment, as it would from ~/.pgpass.
    monkeypatch.setenv("PGPASSWORD", PASSWORD)
    report = desk_json(capsys, "team", "sync", erin)
    assert report["entries_sent"] == 1


def test_sync_of_a_case_never_shared_from_here_asks_for_the_url(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    from tests.team.builders import make_case

    path = make_case(tmp_path / "lone.deskcase")
    code, _out, err = run_desk(capsys, "team", "sync", path)
    assert code != 0 and "give its URL once" in err and "Traceback" not in err
