"""The manifest: every file of a dossier and every original, each with its SHA-256 and size.

It is the one file that gets signed, so its bytes are canonical (sorted keys, fixed layout,
UTF-8, one trailing newline) and its paths are plain relative POSIX paths.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
from pathlib import Path, PurePosixPath
from typing import Any, BinaryIO

MANIFEST = "manifest.json"
SIGNATURE = "manifest.sig"
PUBLIC_KEY = "public_key.pem"
FORMAT = "desk-dossier-manifest/1"
_CHUNK = 1 << 20


def canonical_json(value: object) -> bytes:
    """The one byte layout desk writes for JSON it hashes or signs."""
    text = json.dumps(value, ensure_ascii=False, sort_keys=True, indent=2, allow_nan=False)
    return (text + "\n").encode("utf-8")


class NotRegularFile(OSError):
    """A path that is a link, a folder, a FIFO or a device where a plain file belongs."""


def open_regular(path: Path) -> BinaryIO:
    """`path` opened for reading only if it is a regular file, judged on the open descriptor:
    a final symbolic link is not followed and a FIFO does not block the open (in a folder
    from a stranger, either may replace a file between a check and the read)."""
    flags = (os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
             | getattr(os, "O_BINARY", 0))
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        if path.is_symlink():
            raise NotRegularFile(f"{path.name} is a symbolic link") from exc
        raise
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise NotRegularFile(f"{path.name} is not a regular file")
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open_regular(path) as fh:
        while chunk := fh.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def file_entry(root: Path, relative: str) -> dict[str, object]:
    path = root / relative
    return {"path": relative, "sha256": sha256_file(path), "size": path.stat().st_size}


def build_manifest(
    root: Path,
    files: list[str],
    *,
    claim_id: int,
    case_title: str,
    record_sha256: str,
    originals: list[dict[str, object]],
    fingerprint: str,
    generator: str,
    signoff: dict[str, object] | None = None,
) -> dict[str, Any]:
    """The manifest for the files under `root` (relative POSIX paths), hashed from disk;
    `signoff` (the record's) adds who recorded the verdict and who signed it off, by key."""
    manifest: dict[str, Any] = {
        "format": FORMAT,
        "generator": generator,
        "case_title": case_title,
        "claim_id": claim_id,
        "dossier_record_sha256": record_sha256,
        "files": [file_entry(root, f) for f in sorted(set(files))],
        "originals": sorted(originals, key=lambda o: (str(o["sha256"]), int(o["evidence_id"]))),
        "signature": {
            "algorithm": "Ed25519",
            "public_key": PUBLIC_KEY,
            "public_key_fingerprint": fingerprint,
            "signature_file": SIGNATURE,
            "signed_bytes": MANIFEST,
        },
    }
    if signoff:
        author, approver = signoff.get("author"), signoff.get("approver")
        manifest["approval"] = {
            "state": signoff.get("state"),
            "author": _who(author),
            "approver": _who(approver),
            "checked_in": "dossier.json",
        }
    return manifest


def _who(person: object) -> dict[str, object] | None:
    if not isinstance(person, dict):
        return None
    return {"reviewer": person.get("reviewer"), "key_fingerprint": person.get("fingerprint")}


def safe_relative(path: object) -> PurePosixPath | None:
    """A manifest path we are willing to open: relative, no '..', no drive, no backslash."""
    if not isinstance(path, str) or not path or "\\" in path or "\x00" in path:
        return None
    pure = PurePosixPath(path)
    if pure.is_absolute() or any(part in ("", ".", "..") for part in pure.parts):
        return None
    if ":" in pure.parts[0]:
        return None
    return pure
