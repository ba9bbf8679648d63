"""`desk export` against a folder chosen by someone hostile: it never deletes or overwrites what
desk did not write, never reaches outside the folder, and cleans up only its own leftovers."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from desk.cli import main
from desk.core import signing
from desk.dossier.manifest import FORMAT, MANIFEST, PUBLIC_KEY, SIGNATURE, canonical_json
from desk.dossier.manifest import sha256_file as sha
from tests.dossier.conftest import Built

Tree = dict[str, object]


def _tree(folder: Path) -> Tree:
    """Every entry under `folder`: a file's bytes, a folder, or where a link points."""
    tree: Tree = {}
    for dirpath, dirnames, filenames in os.walk(folder, followlinks=False):
        base = Path(dirpath)
        for name in dirnames + filenames:
            path = base / name
            key = path.relative_to(folder).as_posix()
            if path.is_symlink():
                tree[key] = ("link", os.readlink(path))
            elif path.is_dir():
                tree[key] = "folder"
            else:
                tree[key] = path.read_bytes()
    return tree


def _export(capsys: pytest.CaptureFixture[str], case: Path, out: Path,
            *extra: str) -> tuple[int, str]:
    capsys.readouterr()
    code = main(["export", str(case), "--claim", "1", "--format", "json", "--format", "html",
                 "--map", "sketch", "--out", str(out), *extra])
    return code, capsys.readouterr().err


def _stranger_sign(folder: Path, entries: list[object]) -> None:
    """A manifest in desk's format with a valid signature by a key that is not desk's."""
    key = Ed25519PrivateKey.generate()
    manifest = {"format": FORMAT, "files": entries, "originals": [],
                "signature": {"public_key_fingerprint": signing.fingerprint(key)}}
    data = canonical_json(manifest)
    (folder / MANIFEST).write_bytes(data)
    (folder / SIGNATURE).write_bytes(signing.sign(key, data))
    (folder / PUBLIC_KEY).write_bytes(signing.public_pem(key))


def _entry(folder: Path, name: str) -> dict[str, object]:
    path = folder / name
    return {"path": name, "sha256": sha(path), "size": path.stat().st_size}


def _users_folder(folder: Path) -> None:
    folder.mkdir()
    (folder / "notes.txt").write_text("the reviewer's notes")
    (folder / "dossier.html").write_text("<p>my own page, not desk's</p>")
    (folder / "sub").mkdir()
    (folder / "sub" / "data.csv").write_text("a,b\n1,2\n")
    (folder / "sub" / "deeper").mkdir()
    (folder / "sub" / "deeper" / "photo.jpg").write_bytes(b"\xff\xd8 not really")
    (folder / "empty").mkdir()
    (folder / "originals").mkdir()
    (folder / "originals" / "mine.txt").write_text("mine")


def _forge_garbage(folder: Path) -> None:
    (folder / MANIFEST).write_text("not json at all {")


def _forge_unsigned(folder: Path) -> None:
    (folder / MANIFEST).write_bytes(canonical_json(
        {"format": FORMAT, "files": [_entry(folder, "notes.txt"), _entry(folder, "sub/data.csv"),
                                     _entry(folder, "dossier.html")]}))
    (folder / SIGNATURE).write_bytes(b"\x00" * 64)


def _forge_signed_users_files(folder: Path) -> None:
    _stranger_sign(folder, [_entry(folder, "notes.txt"), _entry(folder, "sub/data.csv"),
                            _entry(folder, "originals/mine.txt")])


def _forge_signed_wrong_hash(folder: Path) -> None:
    # dossier.html is a name desk writes, but these bytes are not the ones the manifest lists
    _stranger_sign(folder, [{"path": "dossier.html", "sha256": "0" * 64, "size": 3}])


def _forge_deep(folder: Path) -> None:
    (folder / MANIFEST).write_text("[" * 100_000 + "]" * 100_000)


def _forge_odd_entries(folder: Path) -> None:
    _stranger_sign(folder, [["dossier.html"], 7, {"path": ["notes.txt"]}, {"path": None}])


def _forge_signature_only(folder: Path) -> None:
    (folder / SIGNATURE).write_bytes(b"sig")


@pytest.mark.parametrize("forge", [
    _forge_garbage, _forge_unsigned, _forge_signed_users_files, _forge_signed_wrong_hash,
    _forge_deep, _forge_odd_entries, _forge_signature_only,
])
@pytest.mark.parametrize("replace", [False, True])
def test_a_folder_with_a_forged_manifest_survives_byte_for_byte(
        capsys: pytest.CaptureFixture[str], built: Built, tmp_path: Path, forge: object,
        replace: bool) -> None:
    out = tmp_path / "theirs"
    _users_folder(out)
    forge(out)  # type: ignore[operator]
    before = _tree(out)
    code, err = _export(capsys, built.path, out, *(["--replace"] if replace else []))
    assert code == 2
    assert err.count("\n") == 1 and "nothing was replaced" in err.lower()
    assert "--replace" not in err  # not an invitation to replace what desk did not write
    assert _tree(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["case.deskcase", "theirs"]


def test_replacing_a_genuine_dossier_changes_only_its_files(
        capsys: pytest.CaptureFixture[str], built: Built, tmp_path: Path) -> None:
    out = tmp_path / "d"
    assert _export(capsys, built.path, out)[0] == 0
    ours = _tree(out)
    (out / "notes.txt").write_text("mine")
    (out / "originals" / "mine.txt").write_text("also mine")
    (out / "drafts").mkdir()
    (out / "drafts" / "v1.md").write_text("draft")
    users = {k: v for k, v in _tree(out).items() if k not in ours}
    capsys.readouterr()
    code = main(["export", str(built.path), "--claim", "1", "--format", "json",
                 "--no-originals", "--map", "sketch", "--out", str(out), "--replace"])
    assert code == 0, capsys.readouterr().err
    after = _tree(out)
    for key, value in users.items():
        assert after[key] == value
    assert not (out / "dossier.html").exists()
    assert [p.name for p in (out / "originals").iterdir()] == ["mine.txt"]
    assert set(after) - set(users) == {"dossier.json", MANIFEST, SIGNATURE, PUBLIC_KEY,
                                       "originals"}


def test_a_dossier_file_edited_since_export_is_never_replaced(
        capsys: pytest.CaptureFixture[str], built: Built, tmp_path: Path) -> None:
    out = tmp_path / "d"
    assert _export(capsys, built.path, out)[0] == 0
    (out / "dossier.html").write_text("the reviewer annotated this copy")
    before = _tree(out)
    code, err = _export(capsys, built.path, out, "--replace")
    assert code == 2 and "dossier.html was changed since desk wrote" in err
    assert _tree(out) == before


@pytest.mark.parametrize("path", ["../outside/victim.txt", "/ABS/victim.txt",
                                  "originals/../../outside/victim.txt", "./dossier.json",
                                  "originals\\..\\..\\outside\\victim.txt"])
def test_manifest_paths_outside_the_folder_delete_nothing(
        capsys: pytest.CaptureFixture[str], built: Built, tmp_path: Path, path: str) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "victim.txt").write_text("precious")
    out = tmp_path / "d"
    out.mkdir()
    entry = {"path": path.replace("/ABS", str(outside)),
             "sha256": sha(outside / "victim.txt"), "size": 8}
    _stranger_sign(out, [entry])
    before, outside_before = _tree(out), _tree(outside)
    code, _ = _export(capsys, built.path, out, "--replace")
    assert code == 2
    assert _tree(out) == before and _tree(outside) == outside_before


def test_symbolic_links_in_an_earlier_dossier_lead_nowhere(
        capsys: pytest.CaptureFixture[str], built: Built, tmp_path: Path) -> None:
    """A genuine dossier whose files were swapped for links to identical copies elsewhere:
    the hashes match, but nothing behind a link is ever removed or overwritten."""
    out = tmp_path / "d"
    assert _export(capsys, built.path, out)[0] == 0
    outside = tmp_path / "outside"
    shutil.copytree(out / "originals", outside / "originals")
    shutil.copy(out / "dossier.html", outside / "dossier.html")
    shutil.rmtree(out / "originals")
    (out / "originals").symlink_to(outside / "originals", target_is_directory=True)
    outside_before = _tree(outside)
    before = _tree(out)
    code, err = _export(capsys, built.path, out, "--replace")
    assert code == 2 and "symbolic link" in err
    assert _tree(out) == before and _tree(outside) == outside_before

    (out / "originals").unlink()
    shutil.copytree(outside / "originals", out / "originals")
    (out / "dossier.html").unlink()
    (out / "dossier.html").symlink_to(outside / "dossier.html")
    before = _tree(out)
    code, err = _export(capsys, built.path, out, "--replace")
    assert code == 2 and "dossier.html was changed" in err
    assert _tree(out) == before and _tree(outside) == outside_before


def test_a_missing_original_is_named_not_a_key_error(
        capsys: pytest.CaptureFixture[str], built: Built, tmp_path: Path) -> None:
    copy = tmp_path / "copy.deskcase"
    shutil.copy(built.path, copy)
    with sqlite3.connect(copy) as conn:
        conn.execute("DELETE FROM original WHERE evidence_id = ?", (built.evidence_ids[0],))
    conn.close()
    out = tmp_path / "d"
    named = f"vidence {built.evidence_ids[0]} (frame_0.jpg): the original is missing"
    code, err = _export(capsys, copy, out)
    # The export's check of the case names it first: a case failing verification is exit 1.
    assert code == 1 and err.count("\n") == 1 and named in err, err
    assert not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["case.deskcase", "copy.deskcase"]
    # Exported anyway, the dossier leaves the missing original out and says so.
    code, err = _export(capsys, copy, out, "--force")
    assert code == 0 and f"E{named} from the case, so it is not in the dossier." in err
    manifest = json.loads((out / "manifest.json").read_text())
    assert [o["path"] for o in manifest["originals"]
            if o["evidence_id"] == built.evidence_ids[0]] == [None]


# --------------------------------------------------------------------------- leftovers


def _dead_pid() -> int:
    done = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)
    return int(done.stdout)


def _work_folder(parent: Path, name: str, *, age_s: float = 0.0) -> Path:
    folder = parent / name
    folder.mkdir()
    (folder / "dossier.json").write_text("{}")
    (folder / "originals").mkdir()
    (folder / "originals" / "x.jpg").write_bytes(b"half")
    if age_s:
        then = time.time() - age_s
        os.utime(folder, (then, then))
    return folder


def test_a_killed_export_leaves_a_folder_the_next_export_removes(
        capsys: pytest.CaptureFixture[str], built: Built, tmp_path: Path) -> None:
    out = tmp_path / "d"
    killed = subprocess.run([sys.executable, "-c", (
        "import os, sys\n"
        "from desk.core.casefile import CaseFile\n"
        "from desk.dossier.export import export_dossier\n"
        "def printer(html, pdf, footer):\n"
        "    os._exit(9)  # killed mid-export: no cleanup runs\n"
        "with CaseFile.open(sys.argv[1]) as case:\n"
        "    export_dossier(case, 1, sys.argv[2], {'pdf'}, pdf_printer=printer)\n"),
        str(built.path), str(out)], capture_output=True, text=True, timeout=120)
    assert killed.returncode == 9, killed.stderr
    left = [p for p in tmp_path.iterdir() if p.name.startswith(".d.desk-")]
    assert len(left) == 1 and left[0].is_dir() and not out.exists()
    assert _export(capsys, built.path, out)[0] == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["case.deskcase", "d"]


def test_only_desks_own_stale_work_folders_are_removed(
        capsys: pytest.CaptureFixture[str], built: Built, tmp_path: Path) -> None:
    dead = _dead_pid()
    stale = [
        _work_folder(tmp_path, f".d.desk-{dead}-abc_1234"),  # its process is gone
        _work_folder(tmp_path, ".d.desk-k3j2h1g0", age_s=2 * 3600),  # no PID, hours old
        _work_folder(tmp_path, f".d.desk-{os.getpid()}-old00000", age_s=3 * 86400),
    ]
    kept = [
        _work_folder(tmp_path, f".d.desk-{os.getpid()}-live0000"),  # a live export's
        _work_folder(tmp_path, ".d.desk-young000"),  # no PID, just made
        _work_folder(tmp_path, f".other.desk-{dead}-abc_1234"),  # another target's
        _work_folder(tmp_path, f".d.desk-{dead}-abc_1234-mine"),  # not desk's naming
        _work_folder(tmp_path, ".d.desk-notes", age_s=2 * 3600),
        _work_folder(tmp_path, f"d.desk-{dead}-abc_1234"),
    ]
    (tmp_path / f".d.desk-{dead}-file0000").write_text("a file, not a work folder")
    victim = _work_folder(tmp_path, "victim")
    (tmp_path / f".d.desk-{dead}-link0000").symlink_to(victim, target_is_directory=True)
    keep_tree = {p.name: _tree(p) for p in [*kept, victim]}
    out = tmp_path / "d"
    assert _export(capsys, built.path, out)[0] == 0
    assert not any(p.exists() for p in stale)
    assert {p.name: _tree(p) for p in [*kept, victim]} == keep_tree
    assert (tmp_path / f".d.desk-{dead}-file0000").is_file()
    assert (tmp_path / f".d.desk-{dead}-link0000").is_symlink()
