"""The two sample cases read as the issue says: Valdai Unproven, Kupiansk Misleading."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from desk.core.casefile import CaseFile
from desk.dossier import export_dossier, verify_dossier

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def samples(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("samples")
    subprocess.run([sys.executable, str(ROOT / "sample_cases" / "build_samples.py"), "--out",
                    str(out)], check=True, capture_output=True, timeout=300)
    return out


def _export(case_path: Path, out: Path) -> tuple[dict, str]:
    with CaseFile.open(case_path) as case:
        export_dossier(case, 1, out, {"html", "json"})
    assert verify_dossier(out) == []
    return (json.loads((out / "dossier.json").read_text(encoding="utf-8")),
            (out / "dossier.html").read_text(encoding="utf-8"))


def test_valdai_is_unproven_with_the_contradiction_side_by_side(samples: Path,
                                                                tmp_path: Path) -> None:
    record, html = _export(samples / "valdai.deskcase", tmp_path / "v")
    assert record["verdict"]["rating"] == "Unproven"
    assert record["claim_review"]["reviewRating"]["ratingValue"] == 3
    assert record["evidence"] == [] and record["landmarks"] == []
    assert [s["figures"] for s in record["statements"]] == [["91"], ["41"]]
    assert "The statements contradict each other" in html
    assert "No evidence is linked to this claim" in html
    assert "Location checked" in record["open_items"]
    # No footage exists, so there is no movement to check: not applicable, not open.
    assert record["not_applicable_items"] == ["Movement and time checked (where relevant)"]
    assert "Movement and time checked (where relevant)" not in record["open_items"]


def test_kupiansk_is_misleading_with_movement_away_from_the_centre(samples: Path,
                                                                   tmp_path: Path) -> None:
    record, html = _export(samples / "kupiansk.deskcase", tmp_path / "k")
    assert record["verdict"]["rating"] == "Misleading"
    assert record["claim_review"]["reviewRating"]["ratingValue"] == 2
    moving = [m for e in record["evidence"] for m in e["movements"]]
    assert len(moving) == 1
    finding = moving[0]["finding"]
    assert finding["relation"] == "away"
    assert finding["angle"] >= 135
    assert finding["distance_end_m"] > finding["distance_start_m"]
    assert moving[0]["reference"]["name"] == "Kupiansk centre"
    assert sum(1 for e in record["evidence"] if e["geolocation"]) == 2
    assert html.count("data:image/svg+xml;base64,") == 2  # a map figure per geolocated still
    assert html.count("data:image/jpeg;base64,") == 3
    assert "AWAY" in html
