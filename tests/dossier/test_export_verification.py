"""An export checks the case first, and every dossier pins the custody log it was made from."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import pytest

from desk.core import audit, commands
from desk.core.casefile import CaseFile
from desk.core.model import Claim
from desk.dossier.custody import check_chain
from desk.dossier.export import CaseFailsVerification, export_dossier
from desk.dossier.pinning import compare, read_pin
from tests.dossier.conftest import Built

BASIC = ("html", "json")


def _tamper(path: Path, sql: str) -> None:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute(sql)
    conn.close()


def test_a_tampered_case_is_not_exported(built: Built, tmp_path: Path) -> None:
    _tamper(built.path, "UPDATE claim SET text = 'it was <b>captured</b>' WHERE id = 1")
    out = tmp_path / "d"
    with CaseFile.open(built.path) as case:
        before = len(case.audit_entries())
        with pytest.raises(CaseFailsVerification, match="claim 1 was changed outside desk"):
            export_dossier(case, 1, out, BASIC)
        assert len(case.audit_entries()) == before
    assert not out.exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".d.desk-")]


def test_forced_export_of_a_tampered_case_says_so_on_its_first_page(
        built: Built, tmp_path: Path) -> None:
    _tamper(built.path, "UPDATE claim SET text = 'it was <b>captured</b>' WHERE id = 1")
    out = tmp_path / "d"
    with CaseFile.open(built.path) as case:
        result = export_dossier(case, 1, out, BASIC, force=True)
        assert json.loads(case.audit_entries()[-1].detail)["case_verified"] is False
    assert result.warnings[0].startswith("The case failed verification")
    record = json.loads((out / "dossier.json").read_text())
    assert record["case_verification"]["ok"] is False
    assert any("claim 1 was changed outside desk" in p
               for p in record["case_verification"]["problems"])
    html = (out / "dossier.html").read_text()
    banner = html.index('class="failed-banner"')
    assert banner < html.index('class="verdict')  # above the verdict
    assert "THE CASE FAILED VERIFICATION" in html
    assert "<b>captured</b>" not in html  # the tampered text stays text


def test_a_sound_case_is_verified_and_the_dossier_says_what_was_checked(
        opened: CaseFile, tmp_path: Path) -> None:
    export_dossier(opened, 1, tmp_path / "d", BASIC)
    record = json.loads((tmp_path / "d" / "dossier.json").read_text())
    assert record["case_verification"]["ok"] is True
    assert "every data row matches it" in record["case_verification"]["summary"]
    html = (tmp_path / "d" / "dossier.html").read_text()
    assert 'class="failed-banner"' not in html
    assert "desk verified the case before exporting" in html


def test_the_dossier_pins_a_signed_head(opened: CaseFile, tmp_path: Path) -> None:
    export_dossier(opened, 1, tmp_path / "d", BASIC)
    log = json.loads((tmp_path / "d" / "dossier.json").read_text())["custody_log"]
    head = log["entries"][-1]
    assert (log["head"], log["head_seq"]) == (head["hash"], head["seq"])
    assert log["head_signature"] == head["signature"]
    assert audit.signature_ok(head["signer"], head["signature"], head["hash"])
    assert log["head_signer_fingerprint"] == audit.fingerprint_of(head["signer"])
    # Every listed entry carries what its hash covers: a reader recomputes the chain.
    assert check_chain(log) == []


def _pinned_case(built: Built, tmp_path: Path) -> Path:
    with CaseFile.open(built.path) as case:
        export_dossier(case, 1, tmp_path / "published", BASIC)
        commands.add_claim(case, Claim(0, "a later claim")).apply(case)
    return tmp_path / "published"


def test_a_case_that_extends_the_pinned_log_passes(built: Built, tmp_path: Path) -> None:
    folder = _pinned_case(built, tmp_path)
    pin, problems = read_pin(folder)
    assert pin is not None and not problems
    with CaseFile.open(built.path, read_only=True) as case:
        assert compare(case.audit_entries(), pin) == []


def test_a_log_cut_below_the_pinned_head_is_named(built: Built, tmp_path: Path) -> None:
    folder = _pinned_case(built, tmp_path)
    pin, _ = read_pin(folder)
    assert pin is not None
    cut = tmp_path / "cut.deskcase"
    shutil.copy(built.path, cut)
    _tamper(cut, f"DELETE FROM audit WHERE seq >= {pin.head_seq - 1}")
    with CaseFile.open(cut, read_only=True) as case:
        problems = compare(case.audit_entries(), pin)
    assert len(problems) == 1 and "the log was cut short" in problems[0]


def test_a_recomputed_log_is_named(built: Built, tmp_path: Path) -> None:
    folder = _pinned_case(built, tmp_path)
    pin, _ = read_pin(folder)
    assert pin is not None
    _tamper(built.path, "UPDATE audit SET hash = CASE WHEN substr(hash, 1, 1) = '0'"
            " THEN '1' ELSE '0' END || substr(hash, 2) WHERE seq = 2")
    with CaseFile.open(built.path, read_only=True) as case:
        problems = compare(case.audit_entries(), pin)
    assert "entry 2 differs" in problems[0] and "rewritten" in problems[0]


def test_a_dossier_that_fails_its_own_check_pins_nothing(built: Built, tmp_path: Path) -> None:
    folder = _pinned_case(built, tmp_path)
    (folder / "dossier.json").write_text("{}")
    pin, problems = read_pin(folder)
    assert pin is None and "does not verify itself" in problems[0]


def test_a_forced_export_leaves_out_an_altered_original(built: Built, tmp_path: Path) -> None:
    altered = built.evidence_ids[0]
    _tamper(built.path, f"UPDATE original SET data = zeroblob(64) WHERE evidence_id = {altered}")
    out = tmp_path / "d"
    with CaseFile.open(built.path) as case:
        result = export_dossier(case, 1, out, BASIC, force=True)
    assert any(f"evidence {altered} no longer matches" in w for w in result.warnings)
    manifest = json.loads((out / "manifest.json").read_text())
    entry = next(o for o in manifest["originals"] if o["evidence_id"] == altered)
    assert entry["path"] is None  # never copied under a hash it does not have
    from desk.dossier.verify import verify_dossier

    assert verify_dossier(out) == []


def test_text_in_a_blob_column_is_read_as_bytes(built: Built, tmp_path: Path) -> None:
    _tamper(built.path, "UPDATE thumbnail SET data = 'not a picture \u00ff'")
    with CaseFile.open(built.path, read_only=True) as case:
        assert isinstance(case.thumbnail(built.evidence_ids[0]), bytes)
        assert not case.verify().ok
