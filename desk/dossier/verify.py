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
from desk.dossier.custody import check_chain
from desk.dossier.errors import DossierError
from desk.dossier.manifest import (
    MANIFEST,
    PUBLIC_KEY,
    SIGNATURE,
    open_regular,
    safe_relative,
    sha256_file,
)


@dataclass
class DossierCheck:
    problems: list[str] = field(default_factory=list)
    files_checked: int = 0
    fingerprint: str = ""  # of the key in the folder, when it could be read
    signature_ok: bool = False

    @property
    def ok(self) -> bool:
        return not self.problems


#: What people put between the digits of a fingerprint they copy: spaces, colons, dashes.
_SEPARATORS = re.compile(r"[\s:\-_.]")
_FINGERPRINT = re.compile(r"[0-9a-f]{64}")
#: Larger than any manifest desk writes: a bigger one is not read into memory at all.
MAX_MANIFEST_BYTES = 64 << 20
#: How much of a hostile name a finding quotes, and how many unlisted files are named.
_SHOWN = 200
MAX_EXTRA_NAMED = 1000


def normalize_fingerprint(value: str) -> str:
    """A fingerprint as typed by a person (spaces, colons, dashes, any case) as lower-case
    text without separators; anything else is kept, so a typo cannot pass as a digit."""
    return _SEPARATORS.sub("", value).lower()


def parse_fingerprint(value: str) -> str:
    """The fingerprint a person typed, as 64 lower-case hex digits; ValueError otherwise, so
    an empty or mangled --key never means "any key"."""
    normal = normalize_fingerprint(value)
    if not _FINGERPRINT.fullmatch(normal):
        shown = value if len(value) <= 80 else value[:80] + "…"
        raise ValueError(f"a key fingerprint is 64 hex digits (spaces and colons may separate"
                         f" them); got {shown!r}" if value.strip()
                         else "the key fingerprint is empty; give the 64 hex digits the desk"
                              " publishes")
    return normal


def verify_dossier(folder: str | os.PathLike[str],
                   expected_fingerprint: str | None = None) -> list[str]:
    """Every problem with the dossier in `folder`, in words; empty when it is intact."""
    return check_dossier(folder, expected_fingerprint).problems


def check_dossier(folder: str | os.PathLike[str],
                  expected_fingerprint: str | None = None) -> DossierCheck:
    """Check the dossier in `folder`. An `expected_fingerprint` that is given but is no
    fingerprint (empty, too short) fails the check instead of turning the key check off."""
    root = Path(folder)
    check = DossierCheck()
    if not root.is_dir():
        check.problems.append(f"{root}: not a folder")
        return check
    expected: str | None = None
    if expected_fingerprint is not None:
        try:
            expected = parse_fingerprint(expected_fingerprint)
        except ValueError as exc:
            check.problems.append(f"the expected key: {exc}")  # fails: no key is "any key"
    try:
        manifest_bytes = _read(root, MANIFEST)
        manifest = json.loads(manifest_bytes.decode("utf-8"))
        if not isinstance(manifest, dict) or not isinstance(manifest.get("files"), list):
            raise ValueError("no list of files")
    except RecursionError:
        check.problems.append(f"{MANIFEST}: nested too deeply to be read; this is not a desk"
                              " dossier")
        return check
    except (OSError, ValueError, DossierError) as exc:
        check.problems.append(f"{MANIFEST}: missing or unreadable ({exc}); this is not a"
                              " readable desk dossier")
        return check

    _check_signature(root, manifest, manifest_bytes, expected, check)
    listed = _check_files(root, manifest["files"], check)
    _check_record(root, manifest, listed, check)
    _check_originals(manifest.get("originals"), listed, check)
    _check_nothing_extra(root, listed, check)
    return check


def _shown(value: object, belongs: str = "a path") -> str:
    """A manifest value named in a finding: a string as written (cut short; the caller escapes
    it for where it is shown), anything else by its kind."""
    if isinstance(value, str):
        return value if len(value) <= _SHOWN else value[:_SHOWN] + "…"
    return f"a {type(value).__name__} where {belongs} belongs"


def _quoted(value: object) -> str:
    return repr(_shown(value)) if isinstance(value, str) else _shown(value)


def _check_files(root: Path, entries: list[object], check: DossierCheck) -> dict[str, object]:
    """Hash every listed file; returns the listed paths with the SHA-256 the manifest gives."""
    listed: dict[str, object] = {}
    for entry in entries:
        if not isinstance(entry, dict):
            check.problems.append(f"{MANIFEST}: an entry is not an object")
            continue
        path = safe_relative(entry.get("path"))
        if path is None:
            check.problems.append(
                f"{MANIFEST}: refuses the unsafe path {_quoted(entry.get('path'))}")
            continue
        name = str(path)
        listed[name] = entry.get("sha256")
        target = root / path
        try:
            if _behind_link(root, path.parts):
                check.problems.append(f"{_shown(name)}: behind a symbolic link; not read")
                continue
            if target.is_symlink() or (target.exists() and not target.is_file()):
                check.problems.append(f"{_shown(name)}: not a regular file")
                continue
            if not target.exists():
                check.problems.append(f"{_shown(name)}: missing")
                continue
            digest = sha256_file(target)
            size = target.stat().st_size
        except OSError as exc:
            check.problems.append(f"{_shown(name)}: cannot be read ({exc.strerror or exc})")
            continue
        check.files_checked += 1
        if digest != entry.get("sha256"):
            check.problems.append(f"{_shown(name)}: changed (SHA-256 is {digest}, the manifest"
                                  f" says {_shown(entry.get('sha256'), 'a hash')})")
        elif size != entry.get("size"):
            check.problems.append(f"{_shown(name)}: size differs from the manifest")
    return listed


def _behind_link(root: Path, parts: tuple[str, ...]) -> bool:
    """Whether a folder on the way to a listed file is a symbolic link (it may lead out)."""
    return any(root.joinpath(*parts[:i]).is_symlink() for i in range(1, len(parts)))


def _check_record(root: Path, manifest: dict[str, object], listed: dict[str, object],
                  check: DossierCheck) -> None:
    """dossier.json is the record every page's footer names: its hash and that it is JSON."""
    if "dossier.json" not in listed:
        return
    if manifest.get("dossier_record_sha256") != listed["dossier.json"]:
        check.problems.append("dossier.json: the manifest's record hash does not match its entry")
    path = root / "dossier.json"
    try:
        if path.is_symlink() or not path.is_file() or path.stat().st_size > MAX_MANIFEST_BYTES:
            return  # named above (not a regular file, missing), or too large to parse here
        with open_regular(path) as fh:
            record = json.loads(fh.read().decode("utf-8"))
        if isinstance(record, dict) and "custody_log" in record:
            # The chain across withheld entries: a withheld entry's hash changed, or an
            # entry's fields changed, show even where the manifest was signed again.
            check.problems.extend(check_chain(record["custody_log"]))
        if isinstance(record, dict) and isinstance(record.get("signoff"), dict):
            check.problems.extend(check_signoff(record, manifest))
    except RecursionError:
        check.problems.append("dossier.json: nested too deeply to be read; desk never writes"
                              " such a record")
    except (OSError, ValueError) as exc:
        check.problems.append(f"dossier.json: not readable JSON ({exc})")


def _check_originals(originals: object, listed: dict[str, object],
                     check: DossierCheck) -> None:
    if originals is None:
        return
    if not isinstance(originals, list):
        check.problems.append(f"{MANIFEST}: its originals are not a list")
        return
    for original in originals:
        if not isinstance(original, dict):
            check.problems.append(f"{MANIFEST}: an original is not an object")
            continue
        path = original.get("path")
        if path is None:
            continue  # left out of the dossier; its hash is still listed
        if not isinstance(path, str) or safe_relative(path) is None:
            check.problems.append(f"{MANIFEST}: an original has the unsafe path {_quoted(path)}")
        elif listed.get(path) != original.get("sha256"):
            check.problems.append(f"{_shown(path)}: the original's hash and the file entry"
                                  " disagree")


def _check_nothing_extra(root: Path, listed: dict[str, object], check: DossierCheck) -> None:
    """Name every file and link the manifest does not list, and every extra folder holding
    nothing. Folders are walked with a stack, not recursion, so one thousands of levels deep
    is a finding like any other; past MAX_EXTRA_NAMED findings the rest are counted."""
    wanted = set(listed) | {MANIFEST, SIGNATURE}
    extra: list[str] = []
    stack = [root]
    while stack:
        folder = stack.pop()
        relative_folder = folder.relative_to(root).as_posix()
        try:
            with os.scandir(folder) as scan:
                entries = sorted((e.name, e.is_dir(follow_symlinks=False)) for e in scan)
        except OSError as exc:
            check.problems.append(f"{_shown(relative_folder)}: cannot be read"
                                  f" ({exc.strerror or exc})")
            continue
        if not entries and folder != root:
            extra.append(f"{_shown(relative_folder + '/')}: an empty folder not in the manifest")
        for name, is_dir in reversed(entries):
            relative = (folder / name).relative_to(root).as_posix()
            if is_dir:
                stack.append(folder / name)
            elif relative not in wanted:
                extra.append(f"{_shown(relative)}: not listed in the manifest")
    extra.sort()
    check.problems.extend(extra[:MAX_EXTRA_NAMED])
    if len(extra) > MAX_EXTRA_NAMED:
        check.problems.append(f"{len(extra) - MAX_EXTRA_NAMED} more files or folders not listed"
                              " in the manifest")


def _read(root: Path, name: str) -> bytes:
    """One of the dossier's own small files, only as a regular file and no larger than desk
    writes (a FIFO or /dev/zero in its place would otherwise hang the check)."""
    with open_regular(root / name) as fh:
        if os.fstat(fh.fileno()).st_size > MAX_MANIFEST_BYTES:
            raise DossierError(f"{name} is larger than any desk writes")
        return fh.read()


def _check_signature(root: Path, manifest: dict[str, object], manifest_bytes: bytes,
                     expected: str | None, check: DossierCheck) -> None:
    try:
        public = signing.load_public_key(_read(root, PUBLIC_KEY))
    except (OSError, ValueError, DossierError) as exc:
        check.problems.append(f"{PUBLIC_KEY}: missing or unreadable ({exc})")
        return
    check.fingerprint = signing.fingerprint(public)
    declared = manifest.get("signature")
    declared_fp = declared.get("public_key_fingerprint") if isinstance(declared, dict) else None
    if declared_fp != check.fingerprint:
        check.problems.append(f"{PUBLIC_KEY}: does not match the key fingerprint in {MANIFEST}")
    if expected and expected != check.fingerprint:
        check.problems.append(
            f"{PUBLIC_KEY}: signed with key {check.fingerprint}, not the expected {expected}")
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


def check_signoff(record: dict[str, object], manifest: dict[str, object]) -> list[str]:
    """The verdict's author and its second reviewer, each checked against the key that signed:
    the author's custody entry recomputed and its signature verified, the approver's signature
    over the subject verified, and the subject matching this dossier's verdict and originals
    (so a sign-off cannot be moved onto another verdict or another set of originals)."""
    from desk.core import audit
    from desk.team import history, signoff

    found = record["signoff"]
    assert isinstance(found, dict)
    author, approver = found.get("author"), found.get("approver")
    problems: list[str] = []
    if not isinstance(author, dict):
        return problems if not approver else ["dossier.json: a sign-off without an author"]
    entry = history.entry_from_json(author.get("entry"))
    if entry is None or history.entry_problem(entry) is not None:
        problems.append("dossier.json: the verdict author's custody entry does not carry a valid"
                        " signature")
    elif (audit.fingerprint_of(entry.signer) != author.get("fingerprint")
          or entry.actor != author.get("reviewer")):
        problems.append("dossier.json: the verdict's author is not the one its custody entry"
                        " names")
    if not isinstance(approver, dict):
        return problems
    subject = approver.get("subject")
    public = str(approver.get("public_key", ""))
    if not isinstance(subject, dict) or not signoff.subject_signature_ok(
            public, str(approver.get("signature", "")), subject):
        problems.append("dossier.json: the approver's signature of the verdict does not verify"
                        " (the sign-off was changed or signed with another key)")
        return problems
    if audit.fingerprint_of(public) != approver.get("fingerprint"):
        problems.append("dossier.json: the approver's fingerprint is not that of the key that"
                        " signed")
    if approver.get("fingerprint") == author.get("fingerprint"):
        problems.append("dossier.json: the verdict was signed off with its author's own key")
    if entry is not None and subject.get("author_entry") != entry.hash:
        problems.append("dossier.json: the sign-off names another custody entry as the"
                        " verdict's author")
    verdict = record.get("verdict")
    shown = ({k: verdict.get(k) for k in signoff.VERDICT_FIELDS}
             if isinstance(verdict, dict) else None)
    if subject.get("verdict") != shown:
        problems.append("dossier.json: the verdict differs from the one its approver signed off")
    originals = manifest.get("originals")
    listed = [o for o in originals if isinstance(o, dict)] if isinstance(originals, list) else []
    claim_id = manifest.get("claim_id")
    if (subject.get("claim_id") != claim_id or shown is None
            or subject.get("manifest_sha256") != signoff.publication(
                int(str(claim_id)), shown, listed)):
        problems.append("dossier.json: the approver signed off another claim or other"
                        " originals than this dossier's manifest lists")
    return problems
