"""The custody log: append-only and hash-chained, so a removed or altered entry shows.

Since case format 1.3 an entry is also *sealed*: its hash covers the digests of the rows its
edit changed (see `tracking`), and the reviewer's Ed25519 key signs that hash. A chain someone
recomputed after editing it then fails its signatures, a direct edit of the data fails the row
digests, and a cut-off chain fails against any dossier that recorded a later head.
"""

from __future__ import annotations

import functools
import hashlib
import json
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import NamedTuple

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from desk import __version__
from desk.core import tracking
from desk.core.clock import utc_now
from desk.core.model import AuditEntry

GENESIS = "0" * 64
#: What a reviewer's key signs for an entry: this prefix and the entry's hash, so the
#: signature cannot be mistaken for one over anything else the key signs (a dossier).
SIGNED_PREFIX = b"desk custody entry "

_LEGACY_COLUMNS = "seq, at, actor, action, items, detail, version, prev_hash, hash"
_SEALED_COLUMNS = _LEGACY_COLUMNS + ", rows, signer, signature"


def entry_hash(
    seq: int, at: str, actor: str, action: str, items: str, detail: str, version: str, prev: str,
    rows_sha256: str = "", signer: str = "",
) -> str:
    """Hash of one entry over a canonical JSON array, so nobody has to guess the byte layout.
    A sealed entry's array adds its rows digest and signer; an older one keeps its 8 fields."""
    fields: list[object] = [seq, at, actor, action, items, detail, version, prev]
    if rows_sha256 or signer:
        fields += [rows_sha256, signer]
    payload = json.dumps(fields, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def raw_public_hex(key: Ed25519PrivateKey | Ed25519PublicKey) -> str:
    public = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    return public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw).hex()


def fingerprint_of(signer_hex: str) -> str:
    """The fingerprint desk prints for a key (SHA-256 of the raw public key, as for dossiers)."""
    try:
        return hashlib.sha256(bytes.fromhex(signer_hex)).hexdigest()
    except ValueError:
        return ""


@functools.lru_cache(maxsize=16384)  # about 7 MB of texts at most
def signature_ok(signer_hex: str, signature_hex: str, digest: str) -> bool:
    """Whether `signature_hex` is `signer_hex`'s signature of the entry digest. A pure function
    of its three texts, so a long-lived process (the window's background sync checks the whole
    chain each time) verifies each entry once."""
    from cryptography.exceptions import InvalidSignature

    try:
        public = Ed25519PublicKey.from_public_bytes(bytes.fromhex(signer_hex))
        public.verify(bytes.fromhex(signature_hex), SIGNED_PREFIX + digest.encode("ascii"))
    except (ValueError, InvalidSignature, UnicodeEncodeError):
        return False
    return True


def has_seal_columns(conn: sqlite3.Connection) -> bool:
    return "signature" in {str(r[1]) for r in conn.execute('PRAGMA table_info("audit")')}


def append(
    conn: sqlite3.Connection,
    actor: str,
    action: str,
    items: Iterable[str] = (),
    detail: object = "",
    *,
    rows: list[tracking.RowChange] | None = None,
) -> AuditEntry:
    """Add one entry inside the caller's transaction (the edit and its record commit together).

    On a connection that holds the reviewer's key the entry is sealed: it records the rows
    changed since the last entry (or `rows`, for the baseline of an upgrade) and is signed.
    """
    row = conn.execute("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1").fetchone()
    seq, prev = (row[0] + 1, row[1]) if row else (1, GENESIS)
    at = utc_now()
    items_text = json.dumps(list(items), ensure_ascii=False, separators=(",", ":"))
    detail_text = (
        detail if isinstance(detail, str)
        else json.dumps(detail, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    )
    key = conn.signing_key if isinstance(conn, tracking.Connection) else None
    if not isinstance(key, Ed25519PrivateKey):
        digest = entry_hash(seq, at, actor, action, items_text, detail_text, __version__, prev)
        conn.execute(
            f"INSERT INTO audit ({_LEGACY_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (seq, at, actor, action, items_text, detail_text, __version__, prev, digest),
        )
        return AuditEntry(seq, at, actor, action, tuple(json.loads(items_text)), detail_text,
                          __version__, prev, digest)
    rows_text = tracking.encode(rows if rows is not None else tracking.take(conn))
    rows_sha = hashlib.sha256(rows_text.encode("utf-8")).hexdigest()
    signer = raw_public_hex(key)
    digest = entry_hash(seq, at, actor, action, items_text, detail_text, __version__, prev,
                        rows_sha, signer)
    signature = key.sign(SIGNED_PREFIX + digest.encode("ascii")).hex()
    conn.execute(
        f"INSERT INTO audit ({_SEALED_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (seq, at, actor, action, items_text, detail_text, __version__, prev, digest, rows_text,
         signer, signature),
    )
    return AuditEntry(seq, at, actor, action, tuple(json.loads(items_text)), detail_text,
                      __version__, prev, digest, rows_sha, signer, signature)


class _Row(NamedTuple):
    seq: int
    at: str
    actor: str
    action: str
    items: str
    detail: str
    version: str
    prev_hash: str
    hash: str
    rows: str
    signer: str
    signature: str


def _rows(conn: sqlite3.Connection) -> list[_Row]:
    """The log's rows as text (a case from elsewhere may hold other types in them)."""
    if has_seal_columns(conn):
        raw = conn.execute(f"SELECT {_SEALED_COLUMNS} FROM audit ORDER BY seq").fetchall()
    else:
        raw = [(*r, "", "", "") for r in conn.execute(
            f"SELECT {_LEGACY_COLUMNS} FROM audit ORDER BY seq").fetchall()]
    return [_Row(int(r[0]), *("" if v is None else str(v) for v in r[1:])) for r in raw]


def _rows_sha(rows_text: str) -> str:
    return hashlib.sha256(rows_text.encode("utf-8")).hexdigest() if rows_text else ""


def _entry(r: _Row) -> AuditEntry:
    try:
        parsed = tuple(str(i) for i in json.loads(r.items))
    except (ValueError, TypeError):
        parsed = ()
    return AuditEntry(r.seq, r.at, r.actor, r.action, parsed, r.detail, r.version,
                      r.prev_hash, r.hash, _rows_sha(r.rows), r.signer, r.signature)


def entries(conn: sqlite3.Connection) -> list[AuditEntry]:
    return [_entry(r) for r in _rows(conn)]


@dataclass
class ChainReport:
    """What the custody log says about itself: breaks, who signed, and the sealed record."""

    problems: list[str] = field(default_factory=list)
    #: fingerprint -> the seqs of the entries that key signed
    signers: dict[str, list[int]] = field(default_factory=dict)
    sealed: list[tracking.Sealed] = field(default_factory=list)
    head: AuditEntry | None = None
    first_sealed: int | None = None


def examine(conn: sqlite3.Connection, *, sealed_format: bool = False,
            after: AuditEntry | None = None, sealed_from: int | None = None) -> ChainReport:
    """Check the chain, every seal and every signature; `sealed_format` says the file is of a
    format whose log must be sealed (so a log stripped of its seals shows). `after`: the log
    in `conn` goes on from this entry, checked before (`sealed_from`: the first sealed entry
    up to it, if any)."""
    report = ChainReport()
    prev = GENESIS if after is None else after.hash
    expected_seq = 1 if after is None else after.seq + 1
    first_sealed: int | None = sealed_from
    log = _rows(conn)
    for seq, at, actor, action, items, detail, version, prev_hash, digest, rows, signer, sig in log:
        if seq != expected_seq:
            report.problems.append(f"custody log: entry {expected_seq} is missing (next is {seq})")
        if prev_hash != prev:
            report.problems.append(
                f"custody log: entry {seq} does not follow from the entry before it")
        sealed = bool(rows) or bool(signer) or bool(sig)
        rows_sha = _rows_sha(rows)
        recomputed = entry_hash(seq, at, actor, action, items, detail, version, prev_hash,
                                rows_sha, signer)
        if recomputed != digest:
            report.problems.append(f"custody log: entry {seq} ({action}) was altered")
        if sealed:
            if first_sealed is None:
                first_sealed = seq
            changes = tracking.decode(rows)
            if changes is None:
                report.problems.append(
                    f"custody log: entry {seq}'s record of the rows it changed cannot be read")
            else:
                report.sealed.append(tracking.Sealed(seq, changes))
            if not sig:
                report.problems.append(f"custody log: entry {seq} ({action}) is not signed")
            elif not signature_ok(signer, sig, digest):
                report.problems.append(
                    f"custody log: entry {seq} ({action}) does not carry a valid signature of"
                    " the key it names (the entry or its hash was rewritten)")
            else:
                report.signers.setdefault(fingerprint_of(signer), []).append(seq)
        elif first_sealed is not None:
            report.problems.append(
                f"custody log: entry {seq} ({action}) lacks the row digests and signature that"
                f" every entry after entry {first_sealed} carries (written outside desk)")
        prev = digest
        expected_seq = seq + 1
    if sealed_format and first_sealed is None:
        report.problems.append(
            "custody log: no entry is sealed, although the case's format records row digests"
            " and signatures (the log was rewritten without them)")
    report.head = _entry(log[-1]) if log else after
    report.first_sealed = first_sealed
    return report


def check_chain(conn: sqlite3.Connection) -> list[str]:
    """Every break in the chain, in words; empty when the log is whole."""
    return examine(conn).problems
