"""`desk signoff`: a verdict is ready for review until a second person signs it off or sends it
back; the decision syncs, the server files it only for an editor, and the dossier names author
and approver by key, which `desk verify-dossier` checks."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from desk.core import signing
from desk.core.casefile import CaseFile
from desk.dossier.manifest import MANIFEST, PUBLIC_KEY, SIGNATURE, canonical_json, sha256_file
from tests.team.builders import Team, as_reviewer, desk_json, make_case, record_verdict, run_desk


@pytest.fixture
def shared(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, team: Team,
           tmp_path: Path) -> tuple[Path, Path]:
    """Alice's case with her verdict on claim 1, and editor Erin's copy of it."""
    as_reviewer(monkeypatch, tmp_path / "alice-config", "Alice")
    alice = make_case(tmp_path / "alice.deskcase")
    case_id = desk_json(capsys, "team", "push", alice, team.url(team.alice))["case"]
    as_reviewer(monkeypatch, tmp_path / "erin-config", "Erin")
    erin = tmp_path / "erin.deskcase"
    assert run_desk(capsys, "team", "pull", team.url(team.erin), "--case", case_id,
                 "--out", erin)[0] == 0
    return alice, erin


def test_the_author_may_not_sign_off_their_own_verdict(
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
        shared: tuple[Path, Path]) -> None:
    alice, _ = shared
    as_reviewer(monkeypatch, tmp_path / "alice-config", "Alice")
    code, _, err = run_desk(capsys, "signoff", alice, "--claim", 1)
    assert code == 2 and "not its author" in err and "nothing was recorded" in err
    # Another key under the author's name is refused too.
    as_reviewer(monkeypatch, tmp_path / "alice-laptop", "alice ")
    code, _, err = run_desk(capsys, "signoff", alice, "--claim", 1)
    assert code == 2 and "not its author" in err
    with CaseFile.open(alice, read_only=True) as case:
        assert all("sign off" not in e.action for e in case.audit_entries())


def test_sent_back_with_a_note_then_signed_off_and_synced_to_the_author(
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, team: Team,
        tmp_path: Path, shared: tuple[Path, Path]) -> None:
    alice, erin = shared
    code, _, err = run_desk(capsys, "signoff", erin, "--claim", 1, "--reject", "  ")
    assert code == 2 and "takes a note" in err
    back = desk_json(capsys, "signoff", erin, "--claim", 1, "--reject", "Check the mast's height")
    assert back["state"] == "sent back" and back["note"] == "Check the mast's height"
    author, approver = back["author"], back["approver"]
    assert isinstance(author, dict) and isinstance(approver, dict)
    assert (author["reviewer"], approver["reviewer"]) == ("Alice", "Erin")
    assert author["fingerprint"] != approver["fingerprint"]
    done = desk_json(capsys, "signoff", erin, "--claim", 1)
    assert done["state"] == "approved" and done["note"] == ""
    desk_json(capsys, "team", "sync", erin, team.url(team.erin))
    filed = team.db.sql("SELECT decision, note, signed_by FROM desk.signoffs ORDER BY id")
    assert filed == [("sent back", "Check the mast's height", team.erin),
                     ("approved", "", team.erin)]
    # Alice gets the decision with her next sync; a change of the verdict needs a new look.
    as_reviewer(monkeypatch, tmp_path / "alice-config", "Alice")
    desk_json(capsys, "team", "sync", alice, team.url(team.alice))
    from desk.core.replay import log_entries
    from desk.team import signoff

    with CaseFile.open(alice) as case:
        assert signoff.status(log_entries(case.conn), 1).state == "approved"
        record_verdict(case, 1, "No attack is shown; the mast stands 3 km away")
        assert signoff.status(log_entries(case.conn), 1).state == "ready for review"
    code, out, _ = run_desk(capsys, "verify", alice)
    assert code == 0, out


def test_a_reviewer_who_is_no_editor_has_the_sign_off_refused_by_the_server(
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, team: Team,
        tmp_path: Path, shared: tuple[Path, Path]) -> None:
    alice, erin = shared
    record_verdict_as_erin = CaseFile.open(erin)
    with record_verdict_as_erin as case:
        record_verdict(case, 1, "Erin's verdict")
    desk_json(capsys, "team", "sync", erin, team.url(team.erin))
    as_reviewer(monkeypatch, tmp_path / "alice-config", "Alice")
    desk_json(capsys, "team", "sync", alice, team.url(team.alice))
    assert desk_json(capsys, "signoff", alice, "--claim", 1)["state"] == "approved"  # offline
    code, _, err = run_desk(capsys, "team", "sync", alice, team.url(team.alice))
    assert code == 2 and "permission denied for table signoffs" in err
    assert team.db.sql("SELECT count(*) FROM desk.signoffs") == [(0,)]
    assert team.db.sql("SELECT count(*) FROM desk.entries WHERE action = 'sign off verdict'"
                       ) == [(0,)]
    # And with psql, straight into the table, as the reviewer's own login.
    refused = team.db.psql(team.alice, (
        "INSERT INTO desk.signoffs (case_id, claim_id, decision, verdict_digest, entry_hash,"
        f" signer, signature) SELECT id, 1, 'approved', '{'0' * 64}', '{'0' * 64}', 'k', 's'"
        " FROM desk.cases"))
    assert refused.returncode != 0 and "permission denied for table signoffs" in refused.stderr


def _resign(folder: Path) -> None:
    """What a forger does after changing dossier.json: rehash it in the manifest and sign the
    manifest again with a key of their own (the folder alone then checks out)."""
    manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    record_sha = sha256_file(folder / "dossier.json")
    for entry in manifest["files"]:
        if entry["path"] == "dossier.json":
            entry["sha256"] = record_sha
            entry["size"] = (folder / "dossier.json").stat().st_size
    manifest["dossier_record_sha256"] = record_sha
    key = Ed25519PrivateKey.generate()
    manifest["signature"]["public_key_fingerprint"] = signing.fingerprint(key)
    data = canonical_json(manifest)
    (folder / MANIFEST).write_bytes(data)
    (folder / SIGNATURE).write_bytes(signing.sign(key, data))
    (folder / PUBLIC_KEY).write_bytes(signing.public_pem(key))


def test_the_dossier_names_author_and_approver_and_verify_checks_both(
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, team: Team,
        tmp_path: Path, shared: tuple[Path, Path]) -> None:
    _, erin = shared
    done = desk_json(capsys, "signoff", erin, "--claim", 1)
    out = tmp_path / "dossier"
    code, _, err = run_desk(capsys, "export", erin, "--claim", 1, "--format", "html",
                         "--map", "sketch", "--out", out)
    assert code == 0, err
    record = json.loads((out / "dossier.json").read_text(encoding="utf-8"))
    author, approver = done["author"], done["approver"]
    assert isinstance(author, dict) and isinstance(approver, dict)
    assert record["signoff"]["author"]["fingerprint"] == author["fingerprint"]
    assert record["signoff"]["approver"]["fingerprint"] == approver["fingerprint"]
    manifest = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
    assert manifest["approval"]["author"] == {"reviewer": "Alice",
                                              "key_fingerprint": author["fingerprint"]}
    assert manifest["approval"]["approver"]["key_fingerprint"] == approver["fingerprint"]
    page = (out / "dossier.html").read_text(encoding="utf-8")
    assert "Signed off" in page and "Verdict recorded by" in page
    assert str(approver["fingerprint"])[:4] in page
    assert desk_json(capsys, "verify-dossier", out)["ok"] is True

    # A tampered approver signature, the manifest signed again by the forger: refused.
    forged = tmp_path / "forged"
    shutil.copytree(out, forged)
    record["signoff"]["approver"]["signature"] = "00" * 64
    (forged / "dossier.json").write_bytes(canonical_json(record))
    _resign(forged)
    code, out_text, _ = run_desk(capsys, "verify-dossier", forged, "--json")
    report = json.loads(out_text)
    assert code == 1 and not report["ok"]
    assert any("approver's signature" in p for p in report["problems"]), report["problems"]
    # A sign-off moved onto another verdict: refused as well.
    moved = tmp_path / "moved"
    shutil.copytree(out, moved)
    record = json.loads((out / "dossier.json").read_text(encoding="utf-8"))
    record["verdict"]["summary"] = "The attack is shown"
    (moved / "dossier.json").write_bytes(canonical_json(record))
    _resign(moved)
    report = json.loads(run_desk(capsys, "verify-dossier", moved, "--json")[1])
    assert any("differs from the one its approver signed off" in p for p in report["problems"])
