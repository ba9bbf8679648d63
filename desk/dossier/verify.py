"""Checking a dossier folder a reader received: every hash, the signature, nothing extra.

The folder is untrusted: manifest paths are accepted only as plain relative paths inside it,
symbolic links are refused, and every problem is a sentence naming the file.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from desk.core import signing
from desk.dossier.errors import DossierError
from desk.dossier.manifest import MANIFEST, PUBLIC_KEY, SIGNATURE, safe_relative, sha256_file


@dataclass
class DossierCheck:
    problems: list[str] = field(default_factory=list)
    files_checked: int = 0
    fingerprint: str = ""  # of the key in the folder, when it could be read
    signature_ok: bool = False

    @property
    def ok(self) -> bool:
        return not self.problems


def normalize_fingerprint(value: str) -> str:
    """A fingerprint as typed by a person (spaces, colons, any case) as bare lower-case hex."""
    return re.sub(r"[^0-9a-f]", "", value.lower())


def verify_dossier(folder: str | os.PathLike[str],
                   expected_fingerprint: str | None = None) -> list[str]:
    """Every problem with the dossier in `folder`, in words; empty when it is intact."""
    return check_dossier(folder, expected_fingerprint).problems


def check_dossier(folder: str | os.PathLike[str],
                  expected_fingerprint: str | None = None) -> DossierCheck:
    root = Path(folder)
    check = DossierCheck()
    if not root.is_dir():
        check.problems.append(f"{root}: not a folder")
        return check
    try:
        manifest_bytes = _read(root, MANIFEST)
        manifest = json.loads(manifest_bytes.decode("utf-8"))
        if not isinstance(manifest, dict) or not isinstance(manifest.get("files"), list):
            raise ValueError("no list of files")
    except (OSError, ValueError, DossierError) as exc:
        check.problems.append(f"{MANIFEST}: missing or unreadable ({exc}); this is not a"
                              " readable desk dossier")
        return check

    _check_signature(root, manifest, manifest_bytes, expected_fingerprint, check)

    listed: dict[str, str] = {}
    for entry in manifest["files"]:
        if not isinstance(entry, dict):
            check.problems.append(f"{MANIFEST}: an entry is not an object")
            continue
        path = safe_relative(entry.get("path"))
        if path is None:
            check.problems.append(f"{MANIFEST}: refuses the unsafe path {entry.get('path')!r}")
            continue
        name = str(path)
        listed[name] = str(entry.get("sha256", ""))
        target = root / path
        if target.is_symlink() or (target.exists() and not target.is_file()):
            check.problems.append(f"{name}: not a regular file")
            continue
        if not target.exists():
            check.problems.append(f"{name}: missing")
            continue
        check.files_checked += 1
        digest = sha256_file(target)
        if digest != entry.get("sha256"):
            check.problems.append(
                f"{name}: changed (SHA-256 is {digest}, the manifest says {entry.get('sha256')})"
            )
        elif target.stat().st_size != entry.get("size"):
            check.problems.append(f"{name}: size differs from the manifest")

    record = manifest.get("dossier_record_sha256")
    if "dossier.json" in listed and record != listed["dossier.json"]:
        check.problems.append("dossier.json: the manifest's record hash does not match its entry")
    for original in manifest.get("originals") or []:
        path = original.get("path") if isinstance(original, dict) else None
        if path and listed.get(path) != original.get("sha256"):
            check.problems.append(f"{path}: the original's hash and the file entry disagree")

    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        base = Path(dirpath)
        for name in sorted(filenames + [d for d in dirnames if (base / d).is_symlink()]):
            relative = (base / name).relative_to(root).as_posix()
            if relative not in listed and relative not in (MANIFEST, SIGNATURE):
                check.problems.append(f"{relative}: not listed in the manifest")
    return check


def _read(root: Path, name: str) -> bytes:
    path = root / name
    if path.is_symlink():
        raise DossierError(f"{name} is a symbolic link")
    return path.read_bytes()


def _check_signature(root: Path, manifest: dict[str, object], manifest_bytes: bytes,
                     expected: str | None, check: DossierCheck) -> None:
    try:
        public = signing.load_public_key(_read(root, PUBLIC_KEY))
    except (OSError, DossierError) as exc:
        check.problems.append(f"{PUBLIC_KEY}: missing or unreadable ({exc})")
        return
    check.fingerprint = signing.fingerprint(public)
    declared = manifest.get("signature")
    declared_fp = declared.get("public_key_fingerprint") if isinstance(declared, dict) else None
    if declared_fp != check.fingerprint:
        check.problems.append(f"{PUBLIC_KEY}: does not match the key fingerprint in {MANIFEST}")
    if expected and normalize_fingerprint(expected) != check.fingerprint:
        check.problems.append(
            f"{PUBLIC_KEY}: signed with key {check.fingerprint}, not the expected"
            f" {normalize_fingerprint(expected)}"
        )
    try:
        signature = _read(root, SIGNATURE)
    except (OSError, DossierError) as exc:
        check.problems.append(f"{SIGNATURE}: missing or unreadable ({exc})")
        return
    if signing.check_signature(public, signature, manifest_bytes):
        check.signature_ok = True
    else:
        check.problems.append(
            f"{MANIFEST}: the signature in {SIGNATURE} does not match (the manifest was changed"
            " or signed with another key)"
        )
