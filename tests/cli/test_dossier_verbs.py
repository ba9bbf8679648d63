"""`desk export` and `desk verify-dossier` as scripts call them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli.conftest import Desk
from tests.dossier.conftest import Built


def _files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_export_then_verify_then_tamper(desk: Desk, built: Built, tmp_path: Path) -> None:
    out = tmp_path / "dossier"
    ran = desk("export", built.path, "--claim", 1, "--format", "html", "--format", "json",
               "--out", out, "--map", "sketch")
    assert ran.code == 0
    assert "wrote" in ran.out and "dossier.html" in ran.out
    assert "warning: Checklist item open: Original found." in ran.err
    checked = desk("verify-dossier", out)
    assert checked.code == 0 and checked.out.startswith("OK: ")
    html = out / "dossier.html"
    html.write_bytes(html.read_bytes().replace(b"Misleading", b"Confirmed!", 1))
    tampered = desk("verify-dossier", out, "--json")
    assert tampered.code == 1
    report = tampered.json()
    problems = report["problems"]
    assert not report["ok"] and isinstance(problems, list)
    assert any(p.startswith("dossier.html: changed") for p in problems)
    assert desk("verify-dossier", tmp_path / "missing").code == 2


def test_export_errors_are_one_line(desk: Desk, built: Built, tmp_path: Path) -> None:
    ran = desk("export", built.path, "--claim", 7, "--format", "json", "--out", tmp_path / "x",
               "--map", "sketch")
    assert ran.code == 2
    assert ran.err.strip() == f"desk: There is no claim 7 in {built.path.name}."


def test_export_json_reports_the_files(desk: Desk, built: Built, tmp_path: Path) -> None:
    ran = desk("export", built.path, "--claim", 1, "--format", "json", "--out", tmp_path / "x",
               "--json", "--no-originals", "--map", "sketch")
    assert ran.code == 0
    report = ran.json()
    assert report["files"] == ["dossier.json", "manifest.json", "manifest.sig", "public_key.pem"]
    assert len(str(report["key_fingerprint"])) == 64
    assert report["replaced"] is False and report["removed"] == []


def test_export_into_an_earlier_dossier_needs_replace(desk: Desk, built: Built,
                                                      tmp_path: Path) -> None:
    out = tmp_path / "d"
    assert desk("export", built.path, "--claim", 1, "--format", "html", "--format", "json",
                "--out", out, "--map", "sketch").code == 0
    (out / "notes.txt").write_text("the reviewer's own notes")
    before = _files(out)
    refused = desk("export", built.path, "--claim", 1, "--format", "json", "--out", out,
                   "--map", "sketch")
    assert refused.code == 2
    assert refused.err.strip() == (f"desk: The folder {out} already holds a dossier. Nothing"
                                   " was written; pass --replace to replace it.")
    assert _files(out) == before
    replaced = desk("export", built.path, "--claim", 1, "--format", "json", "--out", out,
                    "--replace", "--json", "--map", "sketch")
    assert replaced.code == 0
    report = replaced.json()
    assert report["replaced"] is True and report["removed"] == ["dossier.html"]
    assert not (out / "dossier.html").exists()
    assert (out / "notes.txt").read_text() == "the reviewer's own notes"
    plain = desk("export", built.path, "--claim", 1, "--format", "html", "--out", out,
                 "--replace", "--map", "sketch")
    assert plain.code == 0 and "wrote      " + str(out / "dossier.html") in plain.out


def test_export_refuses_to_replace_what_desk_did_not_write(desk: Desk, built: Built,
                                                          tmp_path: Path) -> None:
    out = tmp_path / "theirs"
    out.mkdir()
    (out / "manifest.json").write_text("{}")
    (out / "report.pdf").write_bytes(b"%PDF someone else's")
    before = _files(out)
    ran = desk("export", built.path, "--claim", 1, "--format", "json", "--out", out,
               "--replace", "--map", "sketch")
    assert ran.code == 2 and "not a dossier desk signed" in ran.err
    assert _files(out) == before


@pytest.mark.slow
def test_export_prints_a_pdf_and_renders_the_map_without_a_display(built: Built,
                                                                   tmp_path: Path) -> None:
    """The CLI path: no QApplication yet, no QT_QPA_PLATFORM, no DISPLAY; desk goes offscreen."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("QT_QPA_PLATFORM", "DISPLAY", "WAYLAND_DISPLAY")}
    out = tmp_path / "d"
    done = subprocess.run(
        [sys.executable, "-m", "desk", "export", str(built.path), "--claim", "1", "--format",
         "pdf", "--format", "html", "--out", str(out)],
        env=env, capture_output=True, text=True, timeout=240,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert (out / "dossier.pdf").read_bytes().startswith(b"%PDF")
    assert sorted(p.name for p in out.iterdir()) == [
        "dossier.html", "dossier.json", "dossier.pdf", "manifest.json", "manifest.sig",
        "originals", "public_key.pem"]
    html = (out / "dossier.html").read_text(encoding="utf-8")
    assert "could not be rendered" not in done.stderr
    assert 'data:image/png;base64' in html  # the rendered map, not the SVG sketch
