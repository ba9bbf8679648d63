"""The README's newsroom script, run exactly as written, builds a publishable Valdai dossier.

The script is read from README.md between its marker comments and run with bash in a fresh
folder, with `desk` on PATH and no display, as on a newsroom server.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
START, END = "<!-- newsroom-script:start -->", "<!-- newsroom-script:end -->"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("bash") is None, reason="the script is a bash script"),
]


def readme_script() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = readme[readme.index(START) + len(START):readme.index(END)].strip()
    assert block.startswith("```sh\n") and block.endswith("```"), "the script is one sh block"
    return block[len("```sh\n"):-len("```")]


def test_the_readme_script_builds_a_signed_published_dossier(tmp_path: Path) -> None:
    script = readme_script()
    assert "desk verdict" in script and "--rating Unproven" in script
    work = tmp_path / "newsroom"
    work.mkdir()
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    shim = bin_dir / "desk"  # this checkout's desk, whatever is installed on the machine
    shim.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m desk "$@"\n', encoding="utf-8")
    shim.chmod(shim.stat().st_mode | stat.S_IXUSR)
    env = {k: v for k, v in os.environ.items()
           if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    env["PATH"] = f"{bin_dir}{os.pathsep}{env.get('PATH', '')}"
    env["PYTHONPATH"] = str(ROOT)
    (work / "newsroom.sh").write_text(script, encoding="utf-8")
    done = subprocess.run(["bash", "newsroom.sh"], cwd=work, env=env, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert "Traceback" not in done.stderr

    dossier = work / "valdai-dossier"
    assert {"dossier.html", "dossier.json", "dossier.pdf", "manifest.json", "manifest.sig",
            "public_key.pem"} <= {p.name for p in dossier.iterdir()}
    record = json.loads((dossier / "dossier.json").read_text(encoding="utf-8"))
    verdict = record["verdict"]
    assert verdict["rating"] == "Unproven" and verdict["confidence"] == "moderate"
    assert "contradict each other" in verdict["summary"] and verdict["rationale"]
    assert [s["figures"] for s in record["statements"]] == [["91"], ["41"]]
    assert [s["source_url"] for s in record["statements"]] == [
        "https://example.org/illustrative/minister-statement",
        "https://example.org/illustrative/governor-statement"]
    review = record["claim_review"]
    assert review["@type"] == "ClaimReview"
    assert review["reviewRating"]["alternateName"] == "Unproven"

    html = (dossier / "dossier.html").read_text(encoding="utf-8")
    assert "application/ld+json" in html and "ClaimReview" in html
    assert "DRAFT" not in html
    assert "91 long-range drones" in html and "41 drones were shot down" in html

    from pypdf import PdfReader

    pdf = PdfReader(io.BytesIO((dossier / "dossier.pdf").read_bytes()))
    text = "\n".join(page.extract_text() for page in pdf.pages)
    assert "Unproven".lower() in text.lower() and "91" in text and "41" in text

    checked = subprocess.run(["desk", "verify-dossier", str(dossier), "--json"], env=env,
                             capture_output=True, text=True, timeout=120)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    report = json.loads(checked.stdout)
    assert report["ok"] and report["signature_ok"]
