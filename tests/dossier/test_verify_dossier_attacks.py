"""`desk verify-dossier` on a folder built to break the checker: every trick is a named finding
(exit 1) or one clear line, never "unexpected error", a traceback or a hang."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from desk.cli import main
from desk.core import signing
from desk.core.casefile import CaseFile
from desk.dossier.export import export_dossier
from desk.dossier.manifest import (
    MANIFEST,
    PUBLIC_KEY,
    SIGNATURE,
    canonical_json,
    sha256_file,
)
from desk.dossier.verify import check_dossier
from tests.dossier.conftest import Built


def _verify(capsys: pytest.CaptureFixture[str], folder: Path) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(["verify-dossier", str(folder)])
    out, err = capsys.readouterr()
    assert "unexpected error" not in err and "Traceback" not in err
    return code, out, err


@pytest.fixture
def dossier(built: Built, tmp_path: Path) -> Path:
    out = tmp_path / "d"
    with CaseFile.open(built.path) as case:
        export_dossier(case, 1, out, {"json", "html"})
    assert check_dossier(out).ok
    return out


def _resign(folder: Path, edit: Callable[[dict[str, object]], None]) -> None:
    """Edit the manifest, then sign it validly with a stranger's key (so only the edit can
    make the check fail)."""
    manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    edit(manifest)
    key = Ed25519PrivateKey.generate()
    (folder / PUBLIC_KEY).write_bytes(signing.public_pem(key))
    manifest["signature"] = {"public_key_fingerprint": signing.fingerprint(key)}
    files = manifest["files"]
    for entry in files if isinstance(files, list) else []:
        if isinstance(entry, dict) and entry.get("path") == PUBLIC_KEY:
            entry.update(sha256=sha256_file(folder / PUBLIC_KEY),
                         size=(folder / PUBLIC_KEY).stat().st_size)
    data = canonical_json(manifest)
    (folder / MANIFEST).write_bytes(data)
    (folder / SIGNATURE).write_bytes(signing.sign(key, data))


def _nested(depth: int) -> str:
    return "[" * depth + "]" * depth


@pytest.mark.parametrize("depth", [2_000, 100_000])
def test_a_deeply_nested_manifest_is_a_finding(capsys: pytest.CaptureFixture[str],
                                               dossier: Path, depth: int) -> None:
    (dossier / MANIFEST).write_text('{"files": ' + _nested(depth) + "}")
    code, out, _ = _verify(capsys, dossier)
    assert code == 1 and out == ("FAILED manifest.json: nested too deeply to be read; this is"
                                 " not a desk dossier\n")


def test_deep_values_inside_a_readable_manifest_are_findings(
        capsys: pytest.CaptureFixture[str], dossier: Path) -> None:
    deep = json.loads(_nested(900))  # as deep as json reads, where a path and a hash belong

    def edit(manifest: dict[str, object]) -> None:
        files = manifest["files"]
        assert isinstance(files, list)
        files.append({"path": deep, "sha256": deep, "size": deep})
        files[0]["sha256"] = deep
        manifest["originals"] = [{"path": deep, "sha256": deep}]

    # canonical_json itself recurses; write the deep manifest as json does without indent
    manifest = json.loads((dossier / MANIFEST).read_text(encoding="utf-8"))
    edit(manifest)
    (dossier / MANIFEST).write_text(json.dumps(manifest))
    code, out, _ = _verify(capsys, dossier)
    assert code == 1
    assert "FAILED manifest.json: refuses the unsafe path a list where a path belongs" in out
    assert "FAILED manifest.json: an original has the unsafe path a list where a path" in out
    assert "the manifest says a list where a hash belongs" in out


@pytest.mark.parametrize(("where", "value", "finding"), [
    ("path", ["dossier.html"], "refuses the unsafe path a list where a path belongs"),
    ("path", 7, "refuses the unsafe path a int where a path belongs"),
    ("path", {"a": 1}, "refuses the unsafe path a dict where a path belongs"),
    ("path", None, "refuses the unsafe path a NoneType where a path belongs"),
    ("path", "dossier.html\x00", "refuses the unsafe path 'dossier.html\\x00'"),
    ("sha256", ["0"], "the manifest says a list where a hash belongs"),
    ("size", "12", "size differs from the manifest"),
])
def test_a_wrong_kind_of_value_in_a_file_entry_is_a_finding(
        capsys: pytest.CaptureFixture[str], dossier: Path, where: str, value: object,
        finding: str) -> None:
    def edit(manifest: dict[str, object]) -> None:
        files = manifest["files"]
        assert isinstance(files, list)
        entry = next(e for e in files if e["path"] == "dossier.html")
        entry[where] = value

    _resign(dossier, edit)
    code, out, _ = _verify(capsys, dossier)
    assert code == 1 and finding in out, out


def test_a_path_too_long_for_the_system_is_a_short_finding(
        capsys: pytest.CaptureFixture[str], dossier: Path) -> None:
    def edit(manifest: dict[str, object]) -> None:
        files = manifest["files"]
        assert isinstance(files, list)
        files.append({"path": "x" * 100_000, "sha256": "0" * 64, "size": 1})
        files.append({"path": "/".join(["y" * 200] * 30), "sha256": "0" * 64, "size": 1})

    _resign(dossier, edit)
    code, out, _ = _verify(capsys, dossier)
    lines = out.splitlines()
    assert code == 1 and len(lines) == 2 and all(len(line) < 400 for line in lines)
    assert all(line.startswith("FAILED ") and "…: " in line for line in lines)


@pytest.mark.parametrize(("files", "originals"), [
    (7, []), ("dossier.html", []), ({"path": "dossier.html"}, []), ([7, "x", None], []),
    (None, 7), (None, "originals"), (None, {"path": "x"}), (None, [7, ["x"], {"path": 3}]),
])
def test_lists_numbers_and_strings_where_the_other_belongs(
        capsys: pytest.CaptureFixture[str], dossier: Path, files: object,
        originals: object) -> None:
    def edit(manifest: dict[str, object]) -> None:
        if files is not None:
            manifest["files"] = files
        manifest["originals"] = originals

    _resign(dossier, edit)
    code, out, _ = _verify(capsys, dossier)
    assert code == 1 and out.startswith("FAILED "), out


def test_a_deeply_nested_record_is_a_finding(capsys: pytest.CaptureFixture[str],
                                             dossier: Path) -> None:
    (dossier / "dossier.json").write_text(_nested(100_000))
    code, out, _ = _verify(capsys, dossier)
    assert code == 1 and "FAILED dossier.json: changed" in out

    record = dossier / "dossier.json"

    def edit(manifest: dict[str, object]) -> None:
        sha = sha256_file(record)
        manifest["dossier_record_sha256"] = sha
        for entry in manifest["files"]:  # type: ignore[union-attr]
            if entry["path"] == "dossier.json":
                entry.update(sha256=sha, size=record.stat().st_size)

    _resign(dossier, edit)
    code, out, _ = _verify(capsys, dossier)
    assert code == 1 and out == ("FAILED dossier.json: nested too deeply to be read; desk"
                                 " never writes such a record\n")


def _deep_folders(base: Path, depth: int) -> Path:
    path = base
    for _ in range(depth):
        path = path / "d"
        path.mkdir()
    return path


def _remove_deep(base: Path, depth: int) -> None:
    """Bottom up, without recursion (shutil.rmtree recurses)."""
    paths = [base]
    for _ in range(depth):
        paths.append(paths[-1] / "d")
    for path in reversed(paths[1:]):
        for child in path.iterdir():
            child.unlink()
        path.rmdir()


@pytest.mark.parametrize("with_file", [True, False])
def test_a_folder_1200_levels_deep_is_a_finding(capsys: pytest.CaptureFixture[str],
                                                dossier: Path, with_file: bool) -> None:
    bottom = _deep_folders(dossier, 1_200)
    try:
        if with_file:
            (bottom / "hidden.txt").write_text("x")
        code, out, _ = _verify(capsys, dossier)
        lines = out.splitlines()
        assert code == 1 and len(lines) == 1
        assert lines[0].startswith("FAILED d/d/d/")
        assert lines[0].endswith("…: not listed in the manifest" if with_file
                                 else "…: an empty folder not in the manifest")
        assert len(lines[0]) < 300
    finally:
        _remove_deep(dossier, 1_200)


def test_listed_files_behind_a_symbolic_link_are_not_read(
        capsys: pytest.CaptureFixture[str], dossier: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    (dossier / "originals").rename(outside)
    (dossier / "originals").symlink_to(outside, target_is_directory=True)
    code, out, _ = _verify(capsys, dossier)
    assert code == 1
    assert "behind a symbolic link; not read" in out
    assert "FAILED originals: not listed in the manifest" in out


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
@pytest.mark.parametrize("name", [MANIFEST, PUBLIC_KEY, SIGNATURE, "dossier.html"])
def test_a_fifo_in_place_of_a_file_does_not_hang(capsys: pytest.CaptureFixture[str],
                                                 dossier: Path, name: str) -> None:
    (dossier / name).unlink()
    os.mkfifo(dossier / name)
    code, out, _ = _verify(capsys, dossier)  # no writer ever comes: a blocking open would hang
    assert code == 1 and f"FAILED {name}: " in out


@pytest.mark.parametrize("pem", [b"", b"garbage", b"-----BEGIN PUBLIC KEY-----\nAAAA\n"
                                                   b"-----END PUBLIC KEY-----\n"])
def test_an_unreadable_public_key_is_a_finding(capsys: pytest.CaptureFixture[str],
                                               dossier: Path, pem: bytes) -> None:
    (dossier / PUBLIC_KEY).write_bytes(pem)
    code, out, _ = _verify(capsys, dossier)
    assert code == 1 and "FAILED public_key.pem: missing or unreadable" in out
