"""A shipped sample is never changed by the command line: writing verbs use the reviewer's
working copy (the one the window opens) and say so; `desk verify` checks the sample itself."""

from __future__ import annotations

import hashlib
from pathlib import Path

from desk.bundled import sample_cases_dir
from desk.core.casefile import CaseFile
from desk.core.identity import user_config_dir
from desk.core.samples import is_shipped_sample, sample_cases, working_copy_path
from tests.cli.conftest import Desk

SAMPLE = sample_cases_dir() / "valdai.deskcase"


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_writing_verbs_and_verify_leave_the_shipped_sample_byte_for_byte(
        desk: Desk, tmp_path: Path) -> None:
    before = _sha(SAMPLE)
    copy = user_config_dir() / "samples" / SAMPLE.name
    assert not copy.exists()

    checked = desk("verify", SAMPLE, "--json")
    assert checked.code == 0 and checked.json()["recorded"] is False
    assert "shipped sample" in checked.err and "nothing was recorded" in checked.err

    added = desk("statement", SAMPLE, "--claim", 1, "--speaker", "Spokesperson",
                 "--text", "No comment.", "--said-at", "2025-12-31")
    assert added.code == 0 and added.out == "3\n"
    assert f"writes to your working copy {copy}" in added.err

    exported = desk("export", SAMPLE, "--claim", 1, "--format", "json", "--out",
                    tmp_path / "d", "--json")
    assert exported.code == 0 and str(copy) in exported.err
    assert desk("verify-dossier", tmp_path / "d").code == 0

    assert _sha(SAMPLE) == before
    with CaseFile.open(copy, read_only=True) as case:
        assert [s.speaker for s in case.statements(1)][-1] == "Spokesperson"
        actions = [e.action for e in case.audit_entries()]
    assert actions[-2:] == ["add statement", "export dossier"]
    with CaseFile.open(SAMPLE, read_only=True) as shipped:
        assert len(shipped.statements(1)) == 2

    # Reading verbs read the same working copy back.
    info = desk("info", SAMPLE, "--json")
    assert len(info.json()["claims"][0]["statements"]) == 3  # type: ignore[index]
    assert "reading your working copy" in info.err


def test_every_sample_is_recognised_however_it_is_spelled(tmp_path: Path) -> None:
    for sample in sample_cases():
        assert is_shipped_sample(sample)
        relative = Path("..") / sample.parent.name / sample.name
        assert is_shipped_sample(sample.parent / relative)
        assert working_copy_path(sample) == user_config_dir() / "samples" / sample.name
    copy = tmp_path / SAMPLE.name
    copy.write_bytes(SAMPLE.read_bytes())
    assert not is_shipped_sample(copy)
