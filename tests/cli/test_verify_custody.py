"""`desk verify` as a hostile tester met it: tampering is named, a dossier pins the log,
--key says whose signatures count, and a damaged case is reported, never written."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import pytest

from desk.cli import main
from desk.core import signing
from tests.dossier.conftest import Built


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def _sql(path: Path, sql: str) -> None:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute(sql)
    conn.close()


def test_a_sound_case_names_its_signer(capsys: pytest.CaptureFixture[str], built: Built) -> None:
    code, out, _ = _run(capsys, "verify", str(built.path), "--json")
    report = json.loads(out)
    assert code == 0 and report["ok"]
    mine = signing.fingerprint(signing.load_or_create_key())
    assert [s["fingerprint"] for s in report["signers"]] == [mine]
    assert report["head"]["seq"] == report["custody_entries"]
    code, out, _ = _run(capsys, "verify", str(built.path), "--key", mine)
    assert code == 0 and "signed     entries 1–" in out


def test_a_trigger_smuggled_as_upper_case_is_refused(
        capsys: pytest.CaptureFixture[str], built: Built) -> None:
    conn = sqlite3.connect(built.path, isolation_level=None)
    conn.execute("PRAGMA writable_schema = ON")
    conn.execute("INSERT INTO sqlite_master VALUES ('TRIGGER', 'flip', 'audit', 0,"
                 " 'CREATE TRIGGER flip AFTER INSERT ON audit BEGIN UPDATE verdict"
                 " SET rating = ''Confirmed'', confidence = ''high''; END')")
    conn.close()
    code, out, err = _run(capsys, "verify", str(built.path))
    assert code == 1
    assert "FAILED database:" in out and "did not create (TRIGGER flip)" in out
    assert "intact" not in out
    code, _, err = _run(capsys, "export", str(built.path), "--claim", "1", "--format", "json",
                        "--map", "sketch",
                        "--out", str(built.path.parent / "d"))
    assert code == 2 and "did not create" in err
    assert not (built.path.parent / "d").exists()


def test_a_direct_edit_is_named_and_blocks_export(
        capsys: pytest.CaptureFixture[str], built: Built) -> None:
    _sql(built.path, "UPDATE evidence SET notes = 'planted' WHERE id = 1")
    code, out, _ = _run(capsys, "verify", str(built.path), "--read-only")
    assert code == 1 and "FAILED data: evidence 1 was changed outside desk" in out
    out_dir = built.path.parent / "d"
    code, _, err = _run(capsys, "export", str(built.path), "--claim", "1", "--format", "json",
                        "--map", "sketch",
                        "--out", str(out_dir))
    assert code == 1 and "fails verification" in err and "--force" in err
    assert not out_dir.exists()
    code, _, err = _run(capsys, "export", str(built.path), "--claim", "1", "--format", "json",
                        "--map", "sketch",
                        "--out", str(out_dir), "--force")
    assert code == 0 and "failed verification" in err
    record = json.loads((out_dir / "dossier.json").read_text())
    assert record["case_verification"]["ok"] is False


def test_a_missing_middle_entry_blocks_export(
        capsys: pytest.CaptureFixture[str], built: Built) -> None:
    _sql(built.path, "DELETE FROM audit WHERE seq = 3")
    code, _, err = _run(capsys, "export", str(built.path), "--claim", "1", "--format", "json",
                        "--map", "sketch",
                        "--out", str(built.path.parent / "d"))
    assert code == 1 and "entry 3 is missing" in err


def test_against_a_dossier_finds_a_log_cut_short_and_reverted(
        capsys: pytest.CaptureFixture[str], built: Built, tmp_path: Path) -> None:
    published = tmp_path / "published"
    assert _run(capsys, "export", str(built.path), "--claim", "1", "--format", "json",
                "--map", "sketch",
                "--out", str(published))[0] == 0
    before = tmp_path / "before.deskcase"
    shutil.copy(built.path, before)
    code, out, _ = _run(capsys, "verify", str(built.path), "--against", str(published))
    assert code == 0 and "pinned     the log extends" in out
    # Restore an older copy of the case: consistent in itself, but behind the dossier.
    older = tmp_path / "older.deskcase"
    shutil.copy(built.path, older)
    rows = sqlite3.connect(older).execute("SELECT max(seq) FROM audit").fetchone()[0]
    _sql(older, f"DELETE FROM audit WHERE seq > {rows - 4}")
    code, out, _ = _run(capsys, "verify", str(older), "--read-only", "--against",
                        str(published), "--json")
    report = json.loads(out)
    assert code == 1 and any("the log was cut short" in p for p in report["problems"])


def test_a_log_re_signed_with_another_key_fails_against_the_reviewers_key(
        capsys: pytest.CaptureFixture[str], built: Built, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    mine = signing.fingerprint(signing.load_or_create_key())
    other = tmp_path / "other-config"
    other.mkdir()
    monkeypatch.setenv("DESK_CONFIG_DIR", str(other))
    assert _run(capsys, "claim", str(built.path), "--text", "a stranger's claim")[0] == 0
    code, out, _ = _run(capsys, "verify", str(built.path), "--read-only", "--key", mine)
    assert code == 1 and "which is not one given with --key" in out
    assert _run(capsys, "verify", str(built.path), "--key", "")[0] == 2


def test_a_truncated_case_is_reported_and_left_alone(
        capsys: pytest.CaptureFixture[str], built: Built) -> None:
    data = built.path.read_bytes()
    built.path.write_bytes(data[: len(data) * 2 // 3])
    before = built.path.read_bytes()
    code, out, err = _run(capsys, "verify", str(built.path))
    assert code == 1 and "FAILED database:" in out and "cut off" in out
    assert "unexpected" not in err and "verified read-only (the case is damaged)" in err
    code, _, err = _run(capsys, "claim", str(built.path), "--text", "x")
    assert code == 2 and "damaged" in err
    assert built.path.read_bytes() == before
