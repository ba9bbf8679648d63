"""Exporting a dossier folder: same bytes twice, honest manifest, signature, custody entry."""

from __future__ import annotations

import hashlib
import json
import os
import stat
import sys
from pathlib import Path

import pytest

from desk.core.casefile import CaseFile
from desk.core.identity import user_config_dir
from desk.dossier import DossierError, export_dossier, preflight, verify_dossier
from desk.dossier.data import EXPORT_ACTION
from desk.dossier.export import DossierExists
from desk.dossier.manifest import MANIFEST, SIGNATURE
from desk.dossier.verify import check_dossier
from tests.dossier.conftest import Built

BASIC = {"html", "json"}


def _fake_printer(html: Path, pdf: Path, footer: str) -> None:
    """Stands in for Qt WebEngine where only the plumbing is under test."""
    pdf.write_bytes(b"%PDF-1.4\n% " + footer.encode() + b"\n" + html.read_bytes()[:64])


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_exporting_twice_gives_identical_html_and_json(opened: CaseFile, tmp_path: Path) -> None:
    first = export_dossier(opened, 1, tmp_path / "one", BASIC)
    second = export_dossier(opened, 1, tmp_path / "two", BASIC)
    for name in ("dossier.html", "dossier.json"):
        assert (tmp_path / "one" / name).read_bytes() == (tmp_path / "two" / name).read_bytes()
    assert first.record_sha256 == second.record_sha256
    exports = [e for e in opened.audit_entries() if e.action == EXPORT_ACTION]
    assert len(exports) == 2
    assert json.loads(exports[-1].detail)["record_sha256"] == first.record_sha256


def test_an_edit_between_exports_changes_the_record(opened: CaseFile, tmp_path: Path) -> None:
    from desk.core import commands

    first = export_dossier(opened, 1, tmp_path / "one", {"json"})
    commands.edit_claim(1, text="Forces captured the town centre").apply(opened)
    second = export_dossier(opened, 1, tmp_path / "two", {"json"})
    assert first.record_sha256 != second.record_sha256


def test_json_is_the_same_data_with_claimreview(opened: CaseFile, tmp_path: Path) -> None:
    result = export_dossier(opened, 1, tmp_path / "d", BASIC)
    record = json.loads((tmp_path / "d" / "dossier.json").read_text(encoding="utf-8"))
    assert record["claim"]["text"] == "Forces captured the town"
    assert [s["figures"] for s in record["statements"]] == [["91"], ["41"]]
    assert record["verdict"]["rating"] == "Misleading"
    assert record["verdict"]["confidence"] == "moderate"
    assert record["claim_review"]["reviewRating"]["alternateName"] == "Misleading"
    assert record["open_items"] == ["Original found"]
    first = record["evidence"][0]
    assert first["movements"][0]["finding"]["relation"] == "away"
    assert first["map"]["kind"] == "sketch"
    assert record["signature"]["public_key_fingerprint"] == result.fingerprint
    assert hashlib.sha256(
        (tmp_path / "d" / "dossier.json").read_bytes()).hexdigest() == result.record_sha256


def test_manifest_hashes_equal_hashlib_over_every_file(opened: CaseFile, tmp_path: Path) -> None:
    out = tmp_path / "d"
    result = export_dossier(opened, 1, out, {"html", "json", "pdf"}, pdf_printer=_fake_printer)
    manifest = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
    listed = {e["path"]: e for e in manifest["files"]}
    on_disk = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()}
    assert on_disk - set(listed) == {MANIFEST, SIGNATURE}
    for path, entry in listed.items():
        assert entry["sha256"] == _sha(out / path), path
        assert entry["size"] == (out / path).stat().st_size
    originals = manifest["originals"]
    assert len(originals) == 2
    for original in originals:
        data = (out / original["path"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == original["sha256"]
        assert original["path"] == f"originals/{original['sha256']}.jpg"
        assert data == opened.original(original["evidence_id"])
    assert manifest["dossier_record_sha256"] == result.record_sha256
    assert sorted(result.files) == sorted(on_disk)


def test_fresh_dossier_verifies(opened: CaseFile, tmp_path: Path) -> None:
    result = export_dossier(opened, 1, tmp_path / "d", BASIC)
    check = check_dossier(tmp_path / "d", expected_fingerprint=result.fingerprint.upper())
    assert check.problems == []
    assert check.signature_ok and check.fingerprint == result.fingerprint


@pytest.mark.parametrize("target", ["dossier.html", "dossier.json", "public_key.pem", "original"])
def test_one_changed_byte_fails_naming_the_file(opened: CaseFile, tmp_path: Path,
                                                target: str) -> None:
    out = tmp_path / "d"
    export_dossier(opened, 1, out, BASIC)
    path = next((out / "originals").iterdir()) if target == "original" else out / target
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))
    problems = verify_dossier(out)
    name = path.relative_to(out).as_posix()
    assert any(p.startswith(f"{name}:") for p in problems), problems


def test_a_changed_manifest_breaks_the_signature(opened: CaseFile, tmp_path: Path) -> None:
    out = tmp_path / "d"
    export_dossier(opened, 1, out, BASIC)
    text = (out / MANIFEST).read_text(encoding="utf-8").replace("Test case", "Test cose")
    (out / MANIFEST).write_text(text, encoding="utf-8")
    problems = verify_dossier(out)
    assert any(p.startswith("manifest.json:") and "signature" in p for p in problems)


def test_added_removed_and_escaping_files_are_named(opened: CaseFile, tmp_path: Path) -> None:
    out = tmp_path / "d"
    export_dossier(opened, 1, out, BASIC)
    (out / "extra.txt").write_text("x")
    (out / "dossier.html").unlink()
    problems = verify_dossier(out)
    assert "extra.txt: not listed in the manifest" in problems
    assert "dossier.html: missing" in problems
    assert verify_dossier(tmp_path / "nowhere") != []


def test_a_manifest_path_outside_the_folder_is_refused(tmp_path: Path) -> None:
    out = tmp_path / "d"
    out.mkdir()
    (out / MANIFEST).write_text(json.dumps({"files": [
        {"path": "../secret", "sha256": "0" * 64, "size": 1},
        {"path": "/etc/passwd", "sha256": "0" * 64, "size": 1},
    ]}))
    problems = verify_dossier(out)
    assert sum("unsafe path" in p for p in problems) == 2


def test_the_wrong_key_is_named(opened: CaseFile, tmp_path: Path) -> None:
    export_dossier(opened, 1, tmp_path / "d", BASIC)
    problems = verify_dossier(tmp_path / "d", expected_fingerprint="ab" * 32)
    assert any(p.startswith("public_key.pem:") and "expected" in p for p in problems)


def test_signing_key_is_private_reused_and_never_in_the_case(built: Built,
                                                             tmp_path: Path) -> None:
    with CaseFile.open(built.path) as case:
        first = export_dossier(case, 1, tmp_path / "a", {"json"})
        second = export_dossier(case, 1, tmp_path / "b", {"json"})
    assert first.fingerprint == second.fingerprint
    key = user_config_dir() / "signing_key.pem"
    assert key.is_file()
    if sys.platform != "win32":
        assert stat.S_IMODE(key.stat().st_mode) == 0o600
    secret = key.read_bytes().split(b"\n")[1]
    assert secret not in built.path.read_bytes()
    for path in (tmp_path / "a").rglob("*"):
        if path.is_file():
            assert secret not in path.read_bytes()


def test_export_warns_about_open_checklist_items(opened: CaseFile, tmp_path: Path) -> None:
    assert preflight(opened, 1) == ["Checklist item open: Original found."]
    result = export_dossier(opened, 1, tmp_path / "d", BASIC)
    assert "Checklist item open: Original found." in result.warnings
    html = (tmp_path / "d" / "dossier.html").read_text(encoding="utf-8")
    assert "○ OPEN</span><span>Original found" in html
    assert "1 of 6 checklist items are open" in html


def test_unknown_claim_and_unusable_folders_are_refused(opened: CaseFile, tmp_path: Path) -> None:
    with pytest.raises(DossierError, match="no claim 9"):
        export_dossier(opened, 9, tmp_path / "d", BASIC)
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "notes.txt").write_text("mine")
    with pytest.raises(DossierError, match="not empty"):
        export_dossier(opened, 1, busy, BASIC)
    assert (busy / "notes.txt").read_text() == "mine"
    with pytest.raises(DossierError, match="printer"):
        export_dossier(opened, 1, tmp_path / "p", {"pdf"})
    with pytest.raises(DossierError, match="Unknown dossier format"):
        export_dossier(opened, 1, tmp_path / "p", {"docx"})
    assert not (tmp_path / "d").exists() and not (tmp_path / "p").exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def _files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_an_earlier_dossier_stays_unless_replacing_is_asked_for(opened: CaseFile,
                                                                tmp_path: Path) -> None:
    out = tmp_path / "d"
    export_dossier(opened, 1, out, {"html", "json", "pdf"}, pdf_printer=_fake_printer)
    before = _files(out)
    with pytest.raises(DossierExists, match="already holds a dossier"):
        export_dossier(opened, 1, out, {"html", "json"})
    assert _files(out) == before  # the earlier PDF is still there, byte for byte
    assert verify_dossier(out) == []
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_replacing_removes_only_what_the_earlier_manifest_lists(opened: CaseFile,
                                                               tmp_path: Path) -> None:
    out = tmp_path / "d"
    export_dossier(opened, 1, out, {"html", "json", "pdf"}, pdf_printer=_fake_printer)
    (out / "notes.txt").write_text("my notes")
    (out / "screens").mkdir()
    (out / "screens" / "shot.png").write_bytes(b"mine")
    (out / "originals" / "mine.txt").write_text("also mine")
    result = export_dossier(opened, 1, out, {"json"}, replace=True)
    assert result.replaced and result.removed == ["dossier.html", "dossier.pdf"]
    assert not (out / "dossier.pdf").exists() and not (out / "dossier.html").exists()
    assert (out / "notes.txt").read_text() == "my notes"
    assert (out / "screens" / "shot.png").read_bytes() == b"mine"
    assert (out / "originals" / "mine.txt").read_text() == "also mine"
    # The new dossier is whole; the reviewer's own files are all it does not list.
    assert sorted(verify_dossier(out)) == [
        "notes.txt: not listed in the manifest", "originals/mine.txt: not listed in the manifest",
        "screens/shot.png: not listed in the manifest"]
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_an_earlier_dossier_whose_folder_empties_leaves_no_folder_behind(
        opened: CaseFile, tmp_path: Path) -> None:
    out = tmp_path / "d"
    export_dossier(opened, 1, out, {"json"})
    result = export_dossier(opened, 1, out, {"json"}, include_originals=False, replace=True)
    assert len(result.removed) == 2 and all(r.startswith("originals/") for r in result.removed)
    assert not (out / "originals").exists()
    assert verify_dossier(out) == []


def test_replacing_refuses_a_manifest_desk_did_not_sign(opened: CaseFile, tmp_path: Path) -> None:
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / MANIFEST).write_text(json.dumps({"format": "desk-dossier-manifest/1",
                                                "files": [{"path": "keep.txt"}]}))
    (foreign / "keep.txt").write_text("keep")
    tampered = tmp_path / "tampered"
    export_dossier(opened, 1, tampered, BASIC)
    text = (tampered / MANIFEST).read_text(encoding="utf-8").replace("Test case", "Other")
    (tampered / MANIFEST).write_text(text, encoding="utf-8")
    for folder in (foreign, tampered):
        before = _files(folder)
        with pytest.raises(DossierError, match="not a dossier desk signed"):
            export_dossier(opened, 1, folder, BASIC, replace=True)
        assert _files(folder) == before


def test_replacing_never_overwrites_a_file_the_earlier_dossier_did_not_have(
        opened: CaseFile, tmp_path: Path) -> None:
    out = tmp_path / "d"
    export_dossier(opened, 1, out, BASIC)
    (out / "dossier.pdf").write_bytes(b"the reviewer's own PDF")
    before = _files(out)
    with pytest.raises(DossierError, match=r"dossier\.pdf is not part of the earlier dossier"):
        export_dossier(opened, 1, out, {"pdf"}, pdf_printer=_fake_printer, replace=True)
    assert _files(out) == before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


@pytest.mark.skipif(sys.platform == "win32", reason="symbolic links need privileges there")
def test_replacing_never_deletes_through_a_symbolic_link(opened: CaseFile,
                                                        tmp_path: Path) -> None:
    out = tmp_path / "d"
    export_dossier(opened, 1, out, {"json"})
    elsewhere = tmp_path / "elsewhere"
    (out / "originals").rename(elsewhere)
    (out / "originals").symlink_to(elsewhere, target_is_directory=True)
    before = _files(elsewhere)
    with pytest.raises(DossierError, match="behind a symbolic link"):
        export_dossier(opened, 1, out, {"json"}, replace=True)
    assert _files(elsewhere) == before


def test_an_empty_folder_is_filled_in_place(opened: CaseFile, tmp_path: Path) -> None:
    out = tmp_path / "d"
    out.mkdir()
    inode = out.stat().st_ino
    result = export_dossier(opened, 1, out, BASIC)
    assert not result.replaced and out.stat().st_ino == inode
    assert verify_dossier(out) == []


def test_originals_can_be_left_out_but_stay_listed(opened: CaseFile, tmp_path: Path) -> None:
    out = tmp_path / "d"
    export_dossier(opened, 1, out, BASIC, include_originals=False)
    assert not (out / "originals").exists()
    manifest = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
    assert [o["path"] for o in manifest["originals"]] == [None, None]
    assert all(len(o["sha256"]) == 64 for o in manifest["originals"])
    assert verify_dossier(out) == []


def test_a_read_only_case_exports_with_a_warning(built: Built, tmp_path: Path) -> None:
    with CaseFile.open(built.path, read_only=True) as case:
        result = export_dossier(case, 1, tmp_path / "d", {"json"})
    assert not result.logged
    assert any("read-only" in w for w in result.warnings)


def test_a_claim_without_verdict_is_a_draft(tmp_path: Path) -> None:
    from desk.core import commands
    from desk.core.model import Claim

    with CaseFile.create(tmp_path / "c.deskcase", "Draft") as case:
        commands.add_claim(case, Claim(0, "Nothing decided yet")).apply(case)
        result = export_dossier(case, 1, tmp_path / "d", BASIC)
    record = json.loads((tmp_path / "d" / "dossier.json").read_text(encoding="utf-8"))
    assert record["verdict"] is None and record["claim_review"] is None
    assert result.warnings[0].startswith("No verdict")
    html = (tmp_path / "d" / "dossier.html").read_text(encoding="utf-8")
    assert "DRAFT" in html and "application/ld+json" not in html


def test_the_same_original_linked_once_is_copied_once(opened: CaseFile, tmp_path: Path) -> None:
    out = tmp_path / "d"
    export_dossier(opened, 1, out, {"json"})
    assert len(os.listdir(out / "originals")) == 2
