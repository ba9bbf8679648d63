"""`desk new`, `import`, `info`, `verify` as scripts call them: JSON shapes, exit codes, the
custody log, and one plain line for every error."""

from __future__ import annotations

import os
import sqlite3
import sys
from pathlib import Path

import pytest

from desk.core.casefile import CaseFile
from desk.core.movement import finding_for
from tests.cli.conftest import Desk
from tests.core.imaging import make_jpeg
from tests.dossier.conftest import Built


def test_new_import_info_verify(desk: Desk, tmp_path: Path) -> None:
    case = tmp_path / "c.deskcase"
    made = desk("new", case, "--title", "Kupiansk", "--description", "A try", "--json")
    assert made.code == 0 and made.json() == {"path": str(case), "title": "Kupiansk"}
    src = tmp_path / "in"
    src.mkdir()
    (src / "a.jpg").write_bytes(make_jpeg(320, 240))
    (src / "b.jpg").write_bytes(make_jpeg(330, 240))
    (src / "bad.jpg").write_bytes(b"%PDF-1.4 not really")
    ran = desk("import", case, src, "--source-url", "https://x.test/1", "--json")
    assert ran.code == 1
    report = ran.json()
    imported = report["imported"]
    assert isinstance(imported, list)
    assert [Path(i["path"]).name for i in imported] == ["a.jpg", "b.jpg"]
    assert all({"path", "sha256", "id"} <= set(i) for i in imported)
    rejected = report["rejected"]
    assert isinstance(rejected, list)
    assert rejected == [{"path": str(src / "bad.jpg"), "sha256": rejected[0]["sha256"],
                         "reason": "not an image: looks like a PDF"}]
    again = desk("import", case, src / "a.jpg", "--json")
    assert again.code == 0 and len(again.json()["duplicates"]) == 1  # type: ignore[arg-type]

    info = desk("info", case, "--json")
    data = info.json()
    assert info.code == 0 and data["claims"] == [] and data["description"] == "A try"
    first = data["evidence"][0]  # type: ignore[index]
    assert {"id", "sha256", "captured_at", "gps", "flags", "movements"} <= set(first)
    assert "no_metadata" in first["flags"]
    assert first["provenance"]["source_url"] == "https://x.test/1"

    text = desk("info", case)
    assert text.code == 0 and "a.jpg" in text.out and "Kupiansk" in text.out
    checked = desk("verify", case)
    assert checked.code == 0 and checked.out.startswith("OK: 2 originals")


def test_info_states_each_items_movement_finding(desk: Desk, built: Built) -> None:
    with CaseFile.open(built.path, read_only=True) as case:
        movement = case.movements()[0]
        finding = finding_for(movement, case.landmarks(), case.geolocation(movement.evidence_id))
    assert finding is not None
    data = desk("info", built.path, "--json").json()
    by_id = {e["id"]: e for e in data["evidence"]}  # type: ignore[attr-defined]
    [move] = by_id[movement.evidence_id]["movements"]
    assert move["finding"] == finding.to_json()
    assert move["finding"]["sentence"] == finding.sentence()
    assert by_id[built.evidence_ids[1]]["movements"] == []
    # The case-wide list stays, with its keys as before.
    assert data["movements"][0]["relation"] == "away"  # type: ignore[index]
    assert data["claims"][0]["verdict"]["rating"] == "Misleading"  # type: ignore[index]
    text = desk("info", built.path).out
    assert f"movement {movement.id} (group): {finding.sentence()}" in text


def test_verify_records_its_result_in_the_custody_log(desk: Desk, built: Built) -> None:
    ran = desk("verify", built.path, "--json")
    assert ran.code == 0 and ran.json()["recorded"] is True
    with CaseFile.open(built.path, read_only=True) as case:
        last = case.audit_entries()[-1]
    assert last.action == "verify case"
    assert '"ok":true' in last.detail and '"originals":2' in last.detail
    assert "recorded" in desk("verify", built.path).out


@pytest.mark.skipif(sys.platform == "win32" or (hasattr(os, "geteuid") and os.geteuid() == 0),
                    reason="needs a file the user cannot write (root can write anything)")
def test_a_read_only_case_still_verifies_and_says_it_recorded_nothing(desk: Desk,
                                                                     built: Built) -> None:
    before = built.path.read_bytes()
    built.path.chmod(0o444)
    try:
        ran = desk("verify", built.path)
    finally:
        built.path.chmod(0o644)
    assert ran.code == 0 and ran.out.startswith("OK: 2 originals")
    assert "nothing was recorded" in ran.err and "read-only" in ran.err
    assert built.path.read_bytes() == before


def test_verify_read_only_leaves_a_received_case_byte_for_byte(desk: Desk, built: Built) -> None:
    before = built.path.read_bytes()
    ran = desk("verify", built.path, "--read-only", "--json")
    assert ran.code == 0 and ran.json()["recorded"] is False
    assert "nothing was recorded" in ran.err
    assert built.path.read_bytes() == before


def test_verify_names_a_changed_original_and_records_the_failure(desk: Desk,
                                                                tmp_path: Path) -> None:
    case = tmp_path / "c.deskcase"
    desk("new", case, "--title", "tamper")
    for width, name in ((200, "one.jpg"), (210, "two.jpg")):
        (tmp_path / name).write_bytes(make_jpeg(width, 100))
    desk("import", case, tmp_path / "one.jpg", tmp_path / "two.jpg")
    conn = sqlite3.connect(case)
    data = bytearray(conn.execute("SELECT data FROM original WHERE evidence_id = 2").fetchone()[0])
    data[len(data) // 2] ^= 0x01
    conn.execute("UPDATE original SET data = ? WHERE evidence_id = 2", (bytes(data),))
    conn.commit()
    conn.close()
    ran = desk("verify", case)
    assert ran.code == 1
    assert "evidence 2 (two.jpg)" in ran.out and "no longer matches its SHA-256" in ran.out
    assert "evidence 1" not in ran.out
    with CaseFile.open(case, read_only=True) as opened:
        last = opened.audit_entries()[-1]
    assert last.action == "verify case" and '"ok":false' in last.detail


@pytest.mark.parametrize(
    "args",
    [
        ["import", "{missing}", "x.jpg"],
        ["info", "{garbage}"],
        ["verify", "{garbage}"],
        ["new", "{existing}", "--title", "again"],
        ["statement", "{garbage}", "--claim", "1", "--speaker", "a", "--text", "b"],
    ],
)
def test_unusable_case_files_exit_2_with_one_line(desk: Desk, tmp_path: Path,
                                                  args: list[str]) -> None:
    garbage = tmp_path / "garbage.deskcase"
    garbage.write_bytes(b"\x00\x01 not sqlite" * 100)
    existing = tmp_path / "existing.deskcase"
    desk("new", existing, "--title", "x")
    paths = {"missing": str(tmp_path / "nope.deskcase"), "garbage": str(garbage),
             "existing": str(existing)}
    ran = desk(*[a.format(**paths) for a in args])
    assert ran.code == 2
    assert ran.err.startswith("desk: ") and "Traceback" not in ran.err
    assert len(ran.err.strip().splitlines()) == 1


def test_a_reader_that_stops_reading_is_no_error(tmp_path: Path) -> None:
    """`desk info --json | head -c 100`: the pipe closes under desk, which ends quietly with
    the shell's SIGPIPE status instead of an "unexpected error"."""
    import subprocess

    case = tmp_path / "c.deskcase"
    CaseFile.create(case, "piped").close()
    read_end, write_end = os.pipe()
    os.close(read_end)  # nobody will read: every write of desk's fails at once
    try:
        ran = subprocess.run([sys.executable, "-m", "desk", "info", str(case), "--json"],
                             stdout=write_end, stderr=subprocess.PIPE, timeout=120,
                             check=False)
    finally:
        os.close(write_end)
    assert ran.returncode == 141
    assert ran.stderr.decode() == ""
