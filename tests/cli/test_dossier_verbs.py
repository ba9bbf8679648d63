"""`desk claim`, `desk export`, `desk verify-dossier` as scripts call them."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from desk.cli import main as desk_main
from desk.core.casefile import CaseFile
from desk.dossier import cli_verbs
from tests.dossier.conftest import Built


def _run(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="desk")
    cli_verbs.register(parser.add_subparsers(dest="verb"))
    args = parser.parse_args(argv)
    return cli_verbs.FUNCTIONS[args.verb](args)


def test_claim_prints_its_id_and_info_lists_it(built: Built, capsys: pytest.CaptureFixture[str]
                                               ) -> None:
    code = _run(["claim", str(built.path), "--text", "A second claim", "--claimant", "Someone",
                 "--evidence", "1", "2", "--stance", "supports"])
    assert code == 0
    assert capsys.readouterr().out.strip() == "2"
    with CaseFile.open(built.path) as case:
        assert case.get_claim(2).claimant == "Someone"
        assert [(c.evidence_id, str(c.stance)) for c in case.claim_evidence(2)] == [
            (1, "supports"), (2, "supports")]
    assert _run(["claim", str(built.path), "--text", "Third", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == {"id": 3}
    assert desk_main(["info", str(built.path), "--json"]) == 0
    claims = json.loads(capsys.readouterr().out)["claims"]
    assert [c["id"] for c in claims] == [1, 2, 3]


def test_claim_refuses_unknown_evidence_and_empty_text(built: Built,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    assert _run(["claim", str(built.path), "--text", "x", "--evidence", "99"]) == 2
    assert "no evidence 99" in capsys.readouterr().err
    assert _run(["claim", str(built.path), "--text", "  "]) == 2
    with CaseFile.open(built.path) as case:
        assert [c.id for c in case.list_claims()] == [1]


def test_export_then_verify_then_tamper(built: Built, tmp_path: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "dossier"
    assert _run(["export", str(built.path), "--claim", "1", "--format", "html",
                 "--format", "json", "--out", str(out)]) == 0
    captured = capsys.readouterr()
    assert "wrote" in captured.out and "dossier.html" in captured.out
    assert "warning: Checklist item open: Original found." in captured.err
    assert _run(["verify-dossier", str(out)]) == 0
    assert capsys.readouterr().out.startswith("OK: ")
    html = out / "dossier.html"
    html.write_bytes(html.read_bytes().replace(b"Misleading", b"Confirmed!", 1))
    assert _run(["verify-dossier", str(out), "--json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert not report["ok"]
    assert any(p.startswith("dossier.html: changed") for p in report["problems"])
    assert _run(["verify-dossier", str(tmp_path / "missing")]) == 2


def test_export_errors_are_one_line(built: Built, tmp_path: Path,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    assert _run(["export", str(built.path), "--claim", "7", "--format", "json", "--out",
                 str(tmp_path / "x")]) == 2
    assert capsys.readouterr().err.strip() == f"desk: There is no claim 7 in {built.path.name}."


def test_export_json_reports_the_files(built: Built, tmp_path: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    assert _run(["export", str(built.path), "--claim", "1", "--format", "json", "--out",
                 str(tmp_path / "x"), "--json", "--no-originals"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["files"] == ["dossier.json", "manifest.json", "manifest.sig", "public_key.pem"]
    assert len(report["key_fingerprint"]) == 64
