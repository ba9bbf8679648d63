"""A sync that meets an edit made while it worked (the window's own, during a background sync)
merges nothing rather than overwrite what it did not see, and the next sync takes it in."""

from __future__ import annotations

from pathlib import Path

import pytest

from desk.core import commands
from desk.core.casefile import CaseFile
from desk.team.sync import CaseChanged, sync
from tests.team.builders import Team, as_reviewer


def _claim_text(path: Path) -> str:
    with CaseFile.open(path, read_only=True) as case:
        return next(c for c in case.list_claims() if c.id == 1).text


def test_an_edit_made_during_a_sync_stops_its_merge_and_the_next_sync_keeps_both(
        monkeypatch: pytest.MonkeyPatch, team: Team, tmp_path: Path,
        two_copies: tuple[Path, Path, str]) -> None:
    alice, erin, _ = two_copies
    with CaseFile.open(erin) as case:
        commands.edit_claim(1, claimant="Erin's source").apply(case)
    sync(erin, team.url(team.erin))
    as_reviewer(monkeypatch, tmp_path / "alice-config", "Alice")

    def edit_meanwhile(line: str) -> None:
        if line.startswith("merging"):  # planned on the case as it was: now it moves on
            with CaseFile.open(alice) as other:
                commands.edit_claim(1, text="Alice's edit during the sync").apply(other)

    with pytest.raises(CaseChanged, match="nothing was merged"):
        sync(alice, team.url(team.alice), progress=edit_meanwhile)
    with CaseFile.open(alice, read_only=True) as case:
        claim = next(c for c in case.list_claims() if c.id == 1)
        assert claim.text == "Alice's edit during the sync" and claim.claimant == "State TV"
    report = sync(alice, team.url(team.alice))
    assert report.merged and report.conflicts == 0
    with CaseFile.open(alice, read_only=True) as case:
        claim = next(c for c in case.list_claims() if c.id == 1)
        assert (claim.text, claim.claimant) == ("Alice's edit during the sync", "Erin's source")
