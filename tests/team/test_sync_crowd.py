"""Six reviewers adding statements at random, syncing now and then, then everyone in turn until
nothing moves: every copy must hold every statement, under the same ids. Statements collide on
ids all the time here, and an id is often moved more than once before everyone has synced."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from desk.core import commands
from desk.core.casefile import CaseFile
from desk.core.model import Statement
from desk.core.replay import current_rows
from desk.team import members
from tests.team.builders import Team, as_reviewer, desk_json, run_desk
from tests.team.conftest import PASSWORD


def _state(path: Path) -> dict[tuple[str, str], str]:
    with CaseFile.open(path, read_only=True) as case:
        return {(t, k): d for t, k, d, _ in current_rows(case.conn)}


def _said(path: Path) -> set[str]:
    with CaseFile.open(path, read_only=True) as case:
        return {s.text for s in case.statements()}


def test_six_reviewers_adding_statements_at_random_converge_with_every_statement(
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, team: Team,
        tmp_path: Path, two_copies: tuple[Path, Path, str]) -> None:
    alice, erin, case_id = two_copies
    urls = {alice: team.url(team.alice), erin: team.url(team.erin)}
    names = {alice: "Alice", erin: "Erin"}
    for who in ("bo", "cy", "di", "ed"):
        login = team.db.login(who)
        members.add_member(team.db.admin_url, "geo", "reviewer", login, PASSWORD)
        as_reviewer(monkeypatch, tmp_path / f"{who}-config", who)
        path = tmp_path / f"{who}.deskcase"
        assert run_desk(capsys, "team", "pull", team.url(login), "--case", case_id, "--out",
                        path)[0] == 0
        urls[path], names[path] = team.url(login), who
    copies = list(urls)
    rng = random.Random(1)
    said: set[str] = set()
    for step in range(40):
        path = rng.choice(copies)
        as_reviewer(monkeypatch, tmp_path / f"{names[path].lower()}-config", names[path])
        text = f"{names[path]} {step}"
        with CaseFile.open(path) as case:
            commands.add_statement(case, Statement(0, 1, names[path], text)).apply(case)
        said.add(text)
        if rng.random() < 0.5:
            desk_json(capsys, "team", "sync", path, urls[path])
    for _ in range(6):
        moved = 0
        for path in copies:
            as_reviewer(monkeypatch, tmp_path / f"{names[path].lower()}-config", names[path])
            report = desk_json(capsys, "team", "sync", path, urls[path])
            moved += int(str(report["entries_received"])) + len(report["renumbered"])  # type: ignore[arg-type]
        if not moved:
            break
    for path in copies:
        assert _said(path) >= said, names[path]
    states = [_state(p) for p in copies]
    assert all(s == states[0] for s in states)
