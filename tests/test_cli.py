"""The CLI surface other tools call: verbs, JSON shapes, exit codes, no tracebacks."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from desk.cli import main
from tests.core.imaging import make_jpeg


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_new_import_info_verify(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    case = str(tmp_path / "c.deskcase")
    assert run(capsys, "new", case, "--title", "Kupiansk")[0] == 0
    src = tmp_path / "in"
    src.mkdir()
    (src / "a.jpg").write_bytes(make_jpeg(320, 240))
    (src / "b.jpg").write_bytes(make_jpeg(330, 240))
    (src / "bad.jpg").write_bytes(b"%PDF-1.4 not really")
    code, out, _ = run(capsys, "import", case, str(src), "--source-url", "https://x.test/1",
                       "--json")
    assert code == 1
    report = json.loads(out)
    assert [Path(i["path"]).name for i in report["imported"]] == ["a.jpg", "b.jpg"]
    assert all({"path", "sha256", "id"} <= set(i) for i in report["imported"])
    assert report["rejected"] == [{"path": str(src / "bad.jpg"), "sha256": report["rejected"][0]
                                   ["sha256"], "reason": "not an image: looks like a PDF"}]
    code, out, _ = run(capsys, "import", case, str(src / "a.jpg"), "--json")
    assert code == 0 and len(json.loads(out)["duplicates"]) == 1

    code, out, _ = run(capsys, "info", case, "--json")
    info = json.loads(out)
    assert code == 0 and info["claims"] == []
    first = info["evidence"][0]
    assert {"id", "sha256", "captured_at", "gps", "flags"} <= set(first)
    assert "no_metadata" in first["flags"]
    assert first["provenance"]["source_url"] == "https://x.test/1"

    code, out, _ = run(capsys, "info", case)
    assert code == 0 and "a.jpg" in out and "Kupiansk" in out
    code, out, _ = run(capsys, "verify", case)
    assert code == 0 and out.startswith("OK: 2 originals")


def test_verify_names_a_changed_original(capsys: pytest.CaptureFixture[str],
                                         tmp_path: Path) -> None:
    case = str(tmp_path / "c.deskcase")
    run(capsys, "new", case, "--title", "tamper")
    for width, name in ((200, "one.jpg"), (210, "two.jpg")):
        (tmp_path / name).write_bytes(make_jpeg(width, 100))
    run(capsys, "import", case, str(tmp_path / "one.jpg"), str(tmp_path / "two.jpg"))
    conn = sqlite3.connect(case)
    data = bytearray(conn.execute("SELECT data FROM original WHERE evidence_id = 2").fetchone()[0])
    data[len(data) // 2] ^= 0x01
    conn.execute("UPDATE original SET data = ? WHERE evidence_id = 2", (bytes(data),))
    conn.commit()
    conn.close()
    code, out, _ = run(capsys, "verify", case)
    assert code == 1
    assert "evidence 2 (two.jpg)" in out and "no longer matches its SHA-256" in out
    assert "evidence 1" not in out


@pytest.mark.parametrize(
    "args",
    [
        ["import", "{missing}", "x.jpg"],
        ["info", "{garbage}"],
        ["verify", "{garbage}"],
        ["new", "{existing}", "--title", "again"],
    ],
)
def test_unusable_case_files_exit_2_with_one_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, args: list[str]
) -> None:
    garbage = tmp_path / "garbage.deskcase"
    garbage.write_bytes(b"\x00\x01 not sqlite" * 100)
    existing = tmp_path / "existing.deskcase"
    main(["new", str(existing), "--title", "x"])
    capsys.readouterr()
    paths = {"missing": str(tmp_path / "nope.deskcase"), "garbage": str(garbage),
             "existing": str(existing)}
    code, _out, err = run(capsys, *[a.format(**paths) for a in args])
    assert code == 2
    assert err.startswith("desk: ") and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["new"])
    assert exc.value.code == 2
    with pytest.raises(SystemExit) as exc:
        main(["import", "only-a-case"])
    assert exc.value.code == 2


def test_entry_point_runs_as_a_module(tmp_path: Path) -> None:
    result = subprocess.run([sys.executable, "-m", "desk", "--version"], capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 0 and result.stdout.startswith("desk ")
