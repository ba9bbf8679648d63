"""A log checked once is checked again only where it grew (a team sync checks its copy's log
every few seconds), and that shortcut never lets a changed entry through: an entry altered
after the first check, or a forged one added, is refused as on a first check."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from desk.core import commands, replay
from desk.core.casefile import CaseFile
from desk.core.model import Claim
from desk.core.replay import LogEntry, ReplayError, expected_state, log_entries


def _log(path: Path, claims: int) -> list[LogEntry]:
    with CaseFile.open(path) if path.exists() else CaseFile.create(path, "Checks") as case:
        for n in range(claims):
            commands.add_claim(case, Claim(0, f"Claim {n}", claimant="State TV")).apply(case)
        return log_entries(case.conn)


def _fresh(entries: list[LogEntry]) -> dict[tuple[str, str], tuple[str, int]]:
    replay._checked.clear()
    return expected_state(entries)


def test_a_grown_log_checks_as_a_whole_one_does(case_path: Path) -> None:
    first = _log(case_path, 3)
    assert expected_state(first) == _fresh(first)
    grown = _log(case_path, 2)
    assert len(grown) == len(first) + 2
    replay._checked.clear()
    expected_state(first)
    assert expected_state(grown) == _fresh(grown)
    assert expected_state(grown) == expected_state(grown)  # the same log again


def test_an_entry_altered_after_the_first_check_is_refused(case_path: Path) -> None:
    log = _log(case_path, 3)
    expected_state(log)
    altered = list(log)
    altered[2] = dataclasses.replace(log[2], detail=log[2].detail.replace("Claim", "Clam"))
    with pytest.raises(ReplayError, match="altered"):
        expected_state(altered)
    grown = _log(case_path, 1)
    with pytest.raises(ReplayError, match="altered"):
        expected_state([*altered, grown[-1]])
    assert expected_state(grown) == _fresh(grown)  # the refusal left nothing behind


def test_a_forged_entry_after_the_checked_ones_is_refused(case_path: Path) -> None:
    log = _log(case_path, 2)
    expected_state(log)
    grown = _log(case_path, 1)
    forged = dataclasses.replace(grown[-1], signature="00" * 64)
    with pytest.raises(ReplayError, match="signature"):
        expected_state([*log, forged])
    missing = [*log, dataclasses.replace(grown[-1], seq=grown[-1].seq + 1)]
    with pytest.raises(ReplayError):
        expected_state(missing)
