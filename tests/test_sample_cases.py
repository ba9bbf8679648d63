"""The shipped sample cases open, verify, and can be rebuilt from source."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from desk.core.casefile import CaseFile
from desk.core.model import Rating

SAMPLES = Path(__file__).resolve().parent.parent / "sample_cases"


@pytest.mark.parametrize("name", ["kupiansk", "valdai"])
def test_committed_samples_open_and_verify(name: str) -> None:
    with CaseFile.open(SAMPLES / f"{name}.deskcase", read_only=True) as case:
        assert case.verify().ok
        assert "llustrative" in case.description or name == "valdai"


def test_rebuilt_samples_tell_both_stories(tmp_path: Path) -> None:
    subprocess.run([sys.executable, str(SAMPLES / "build_samples.py"), "--out", str(tmp_path)],
                   check=True, capture_output=True, timeout=300)
    with CaseFile.open(tmp_path / "valdai.deskcase") as valdai:
        claim = valdai.list_claims()[0]
        assert sorted(s.text.split()[0] for s in valdai.statements(claim.id)) == ["41", "91"]
        assert valdai.evidence_count() == 0
        verdict = valdai.verdict(claim.id)
        assert verdict is not None and verdict.rating is Rating.UNPROVEN
        assert verdict.checklist["movement_checked"] is None  # no footage: not applicable
    with CaseFile.open(tmp_path / "kupiansk.deskcase") as kupiansk:
        items = kupiansk.list_evidence()
        assert len(items) == 3
        assert all("Illustrative reconstruction" in e.provenance.notes for e in items)
        assert {lm.name for lm in kupiansk.landmarks()} == {"TV mast", "Kupiansk centre"}
        assert len(kupiansk.geolocations()) == 2
        verdict = kupiansk.verdict(1)
        assert verdict is not None and verdict.rating is Rating.MISLEADING
        assert kupiansk.verify().ok
