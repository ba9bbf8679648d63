"""A claim's dossier is about that claim: other claims' work is withheld, the chain still holds."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from desk.core import commands, signing
from desk.core.casefile import CaseFile
from desk.core.model import Claim, Confidence, Metadata, Provenance, Rating, Statement, Verdict
from desk.dossier.custody import check_chain
from desk.dossier.export import export_dossier
from desk.dossier.manifest import MANIFEST, SIGNATURE, canonical_json
from desk.dossier.verify import verify_dossier
from tests.dossier.conftest import Built, add_still, jpeg

SECRET_CLAIM = "Unpublished: a second strike on the depot"
SECRET_STATEMENT = "An insider says the depot burned for hours"
SECRET_FILE = "depot_insider_leak.jpg"


def _second_investigation(built: Built) -> None:
    with CaseFile.open(built.path) as case:
        commands.add_claim(case, Claim(0, SECRET_CLAIM, claimant="Anonymous source")).apply(case)
        commands.add_statement(case, Statement(0, 2, "Insider", SECRET_STATEMENT)).apply(case)
        eid = add_still(case, jpeg(9), Metadata(), Provenance(original_name=SECRET_FILE))
        commands.link_evidence(2, eid, "supports", note="the leak").apply(case)
        commands.set_verdict(Verdict(2, Rating.UNPROVEN, Confidence.LOW, "still open")
                             ).apply(case)


def _export(built: Built, out: Path) -> dict[str, object]:
    with CaseFile.open(built.path) as case:
        export_dossier(case, 1, out, ("html", "json"))
    record: dict[str, object] = json.loads((out / "dossier.json").read_text())
    return record


def test_no_text_of_another_claim_is_published(built: Built, tmp_path: Path) -> None:
    _second_investigation(built)
    out = tmp_path / "d"
    record = _export(built, out)
    for name in ("dossier.json", "dossier.html", "manifest.json"):
        text = (out / name).read_text()
        for secret in (SECRET_CLAIM, SECRET_STATEMENT, SECRET_FILE, "Anonymous source",
                       "the leak", "still open"):
            assert secret not in text, (name, secret)
    log = record["custody_log"]
    assert isinstance(log, dict)
    withheld = [e for e in log["entries"] if "withheld" in e]
    assert len(withheld) == log["withheld"] >= 5
    shown = [e for e in log["entries"] if "withheld" not in e]
    assert {e["action"] for e in shown} >= {"add claim", "record verdict", "link evidence"}
    html = (out / "dossier.html").read_text()
    assert "custody entries are withheld" in html and "Withheld:" in html


def test_the_title_is_the_claims(built: Built, tmp_path: Path) -> None:
    out = tmp_path / "d"
    _export(built, out)
    html = (out / "dossier.html").read_text()
    assert "<h1>Forces captured the town</h1>" in html


def test_the_redacted_chain_verifies_end_to_end(built: Built, tmp_path: Path) -> None:
    _second_investigation(built)
    out = tmp_path / "d"
    record = _export(built, out)
    assert check_chain(record["custody_log"]) == []
    assert verify_dossier(out) == []


def _resign(out: Path, record: dict[str, object]) -> None:
    """What someone holding the key could do: rewrite dossier.json and sign a new manifest."""
    data = json.dumps(record, ensure_ascii=False, sort_keys=True, indent=2).encode() + b"\n"
    (out / "dossier.json").write_bytes(data)
    manifest = json.loads((out / MANIFEST).read_text())
    digest = hashlib.sha256(data).hexdigest()
    manifest["dossier_record_sha256"] = digest
    for entry in manifest["files"]:
        if entry["path"] == "dossier.json":
            entry.update(sha256=digest, size=len(data))
    body = canonical_json(manifest)
    (out / MANIFEST).write_bytes(body)
    (out / SIGNATURE).write_bytes(signing.sign(signing.load_or_create_key(), body))


def test_changing_a_withheld_entrys_hash_fails_verification(built: Built,
                                                            tmp_path: Path) -> None:
    _second_investigation(built)
    out = tmp_path / "d"
    record = _export(built, out)
    _resign(out, record)
    assert verify_dossier(out) == []  # the re-signing itself is faithful
    log = record["custody_log"]
    assert isinstance(log, dict)
    withheld = next(e for e in log["entries"] if "withheld" in e)
    withheld["hash"] = "0" * 64
    _resign(out, record)
    problems = verify_dossier(out)
    assert any(f"custody entry {withheld['seq'] + 1} does not follow" in p for p in problems)


def test_changing_a_shown_entry_fails_verification(built: Built, tmp_path: Path) -> None:
    out = tmp_path / "d"
    record = _export(built, out)
    log = record["custody_log"]
    assert isinstance(log, dict)
    verdict = next(e for e in log["entries"] if e.get("action") == "record verdict")
    verdict["actor"] = "Somebody else"
    _resign(out, record)
    assert any(f"custody entry {verdict['seq']} was altered" in p for p in verify_dossier(out))
