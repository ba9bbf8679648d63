"""Untrusted text on a terminal: a case, a dossier folder or a file name from a stranger carries
escape sequences (retitle the window, clear the screen), bidi overrides and line breaks; every
verb shows them as visible escapes, and --json stays exact JSON."""

from __future__ import annotations

import json
import re
import shutil
import sqlite3
from pathlib import Path

import pytest

from desk.core import signing
from desk.core.casefile import CaseFile
from desk.core.report import case_summary
from desk.dossier.export import export_dossier
from desk.dossier.manifest import MANIFEST, PUBLIC_KEY, SIGNATURE, canonical_json, sha256_file
from tests.cli.conftest import Desk, Ran
from tests.dossier.conftest import Built, build_case

#: Retitle the window, clear the screen, reverse what follows, break the line, a C1 CSI.
PAYLOAD = "\x1b]0;pwned\x07\x1b[2J\u202eevil\u2066\nforged line\r\x9b31m\x7f"
#: What a terminal would act on (raw line breaks are checked separately, per line).
RAW_CONTROL = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e"
                         "\u2060-\u2069\ufeff]")


def assert_terminal_safe(ran: Ran, lines: int | None = None) -> None:
    """No control a terminal acts on in stdout or stderr; the payload's line break shows as
    an escape, so each printed line is one line (`lines` of stderr, when given)."""
    for stream in (ran.out, ran.err):
        assert not RAW_CONTROL.search(stream), repr(stream)
        for line in stream.splitlines():
            assert not line.startswith("forged line"), repr(stream)
    if lines is not None:
        assert ran.err.count("\n") == lines, ran.err


@pytest.fixture
def hostile(tmp_path: Path) -> Built:
    built = build_case(tmp_path / "hostile.deskcase", hostile=True, extra=PAYLOAD)
    with CaseFile.open(built.path, read_only=True) as case:
        summary = case_summary(case)
    assert PAYLOAD in str(summary["title"])  # the case really holds the raw payload
    return built


def test_info_shows_every_hostile_text_escaped(desk: Desk, hostile: Built) -> None:
    ran = desk("info", hostile.path)
    assert ran.code == 0
    assert_terminal_safe(ran)
    shown = "\\x1b]0;pwned\\x07\\x1b[2J\\u202eevil\\u2066\\nforged line\\r\\x9b31m\\x7f"
    for text in ("Test case", "Forces captured the town", "Minister", "91 drones attacked",
                 "Mast", "frame_0", "edited", "group"):
        assert any(text in line and shown in line for line in ran.out.splitlines()), text


def test_info_json_is_exact_and_escaped(desk: Desk, hostile: Built) -> None:
    ran = desk("info", hostile.path, "--json")
    assert ran.code == 0
    assert not re.search("[\x00-\x09\x0b-\x1f\x7f-\x9f\u202e\u2066]", ran.out)
    with CaseFile.open(hostile.path, read_only=True) as case:
        assert json.loads(ran.out) == json.loads(json.dumps(case_summary(case)))
    assert ran.out.startswith('{\n  "')  # still indented for a person


def test_verify_names_a_hostile_original_escaped(desk: Desk, hostile: Built,
                                                  tmp_path: Path) -> None:
    copy = tmp_path / "damaged.deskcase"
    shutil.copy(hostile.path, copy)
    with sqlite3.connect(copy) as conn:
        conn.execute("DELETE FROM original WHERE evidence_id = ?", (hostile.evidence_ids[0],))
    conn.close()
    ran = desk("verify", copy, "--read-only")
    assert ran.code == 1
    assert_terminal_safe(ran)
    assert "\\x1b]0;pwned" in ran.out and "FAILED" in ran.out
    as_json = desk("verify", copy, "--read-only", "--json")
    problems = as_json.json()["problems"]
    assert isinstance(problems, list) and any(PAYLOAD in p for p in problems)
    assert not RAW_CONTROL.search(as_json.out)


def test_export_and_verify_dossier_escape_hostile_names(desk: Desk, hostile: Built,
                                                        tmp_path: Path) -> None:
    out = tmp_path / ("dossier" + PAYLOAD.replace("/", ""))
    ran = desk("export", hostile.path, "--claim", 1, "--format", "json", "--format", "html",
               "--out", out, "--map", "sketch")
    assert ran.code == 0
    assert_terminal_safe(ran)
    assert "wrote" in ran.out and "warning:" in ran.err
    (out / ("notes" + PAYLOAD.replace("/", ""))).write_text("x")
    checked = desk("verify-dossier", out)
    assert checked.code == 1
    assert_terminal_safe(checked)
    assert "not listed in the manifest" in checked.out and "\\x1b]0;pwned" in checked.out
    as_json = desk("verify-dossier", out, "--json")
    problems = as_json.json()["problems"]
    assert isinstance(problems, list) and any(PAYLOAD in p for p in problems)
    again = desk("export", hostile.path, "--claim", 1, "--format", "json", "--out", out,
                 "--map", "sketch")
    assert again.code == 2
    assert_terminal_safe(again, lines=1)


def test_movement_finding_names_hostile_landmarks_escaped(desk: Desk, hostile: Built) -> None:
    ran = desk("movement", hostile.path, "--evidence", hostile.evidence_ids[0],
               "--bearing", "90", "--label", "convoy")
    assert ran.code == 0
    assert_terminal_safe(ran)
    assert "\\x1b]0;pwned" in ran.err  # the reference point's name, escaped


def test_error_lines_escape_file_names_and_arguments(desk: Desk, tmp_path: Path) -> None:
    missing = tmp_path / ("case" + PAYLOAD.replace("/", "") + ".deskcase")
    for ran in (desk("info", missing), desk("claim", missing, "--text", "x"),
                desk("info", tmp_path / "x.deskcase", PAYLOAD),
                desk("inf" + PAYLOAD), desk("verdict", tmp_path / "x.deskcase", "--claim", 1,
                                           "--rating", PAYLOAD, "--confidence", "low",
                                           "--summary", "s")):
        assert ran.code == 2
        assert_terminal_safe(ran, lines=1)


@pytest.mark.parametrize("key", ["", "   ", "::", "abc", "ab" * 31, "ab" * 33, "zz" * 32,
                                 "ab" * 31 + "ag"])
def test_an_empty_or_malformed_key_is_a_usage_error(desk: Desk, built: Built, tmp_path: Path,
                                                    key: str) -> None:
    out = tmp_path / "d"
    with CaseFile.open(built.path) as case:
        export_dossier(case, 1, out, {"json"}, include_originals=False)
    ran = desk("verify-dossier", out, "--key", key)
    assert ran.code == 2 and ran.out == ""
    assert ran.err.count("\n") == 1 and ran.err.startswith("desk verify-dossier: --key: ")


def test_a_dossier_re_signed_by_anyone_fails_against_the_published_key(
        desk: Desk, built: Built, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "d"
    with CaseFile.open(built.path) as case:
        published = export_dossier(case, 1, out, {"json"}, include_originals=False).fingerprint
    grouped = " ".join(published[i:i + 4] for i in range(0, 64, 4)).upper()
    assert desk("verify-dossier", out, "--key", grouped).code == 0
    monkeypatch.setenv("DESK_CONFIG_DIR", str(tmp_path / "stranger"))
    stranger = signing.load_or_create_key()
    (out / PUBLIC_KEY).write_bytes(signing.public_pem(stranger))
    manifest = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
    manifest["signature"]["public_key_fingerprint"] = signing.fingerprint(stranger)
    for entry in manifest["files"]:
        if entry["path"] == PUBLIC_KEY:
            entry.update(sha256=sha256_file(out / PUBLIC_KEY),
                         size=(out / PUBLIC_KEY).stat().st_size)
    data = canonical_json(manifest)
    (out / MANIFEST).write_bytes(data)
    (out / SIGNATURE).write_bytes(signing.sign(stranger, data))
    assert desk("verify-dossier", out).code == 0  # a valid signature, by someone
    assert desk("verify-dossier", out, "--key", grouped).code == 1
    assert desk("verify-dossier", out, "--key", "").code == 2
