"""A second reviewer's sign-off of a verdict: "ready for review" until someone else approves it.

The verdict's *author* is whoever last changed its row (their custody entry, signed with their
key). Anyone else, by key fingerprint and by reviewer name, may sign it off or send it back with
a note: a named command (`commands.SignOff`) whose custody entry carries the *subject* and the
approver's signature over it. The subject is what a dossier of the verdict would publish: the
verdict as the dossier shows it and its row digest, the author's entry, and the originals the
dossier's manifest lists (their SHA-256), summed up in `manifest_sha256`. A later change of the
verdict makes it ready for review again. No database here: the entry syncs like any other, and
`desk.team.push` also files it in the server's sign-off table, which only an editor may add to.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from desk.core import audit, commands, tracking
from desk.core.casefile import CaseFile
from desk.core.replay import LogEntry
from desk.team import history

FORMAT = "desk-signoff/1"
#: What the approver's key signs: this prefix and the canonical subject (never mistaken for a
#: custody entry's or a dossier manifest's signature).
SIGNED_PREFIX = b"desk verdict sign-off "
APPROVED, SENT_BACK, READY, NO_VERDICT = "approved", "sent back", "ready for review", "no verdict"
SIGN_OFF_ACTION, SEND_BACK_ACTION = "sign off verdict", "send back verdict"
_DECISION = {SIGN_OFF_ACTION: APPROVED, SEND_BACK_ACTION: SENT_BACK}
VERDICT_FIELDS = ("rating", "confidence", "summary", "rationale")


class SignOffRefused(ValueError):
    """A sign-off desk will not record (the author's own, no verdict); one sentence."""


def canonical(value: object) -> bytes:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"),
                      allow_nan=False).encode("utf-8")


def subject_signature_ok(public_hex: str, signature_hex: str, subject: object) -> bool:
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    try:
        public = Ed25519PublicKey.from_public_bytes(bytes.fromhex(public_hex))
        public.verify(bytes.fromhex(signature_hex), SIGNED_PREFIX + canonical(subject))
    except (ValueError, TypeError, InvalidSignature):
        return False
    return True


def publication(claim_id: int, verdict: dict[str, object],
                originals: Sequence[dict[str, object]]) -> str:
    """SHA-256 of what the dossier would publish of this verdict: the claim, the verdict as
    shown and every original its manifest lists (evidence id and SHA-256)."""
    listed = sorted(({"evidence_id": o["evidence_id"], "sha256": o["sha256"]}
                     for o in originals), key=lambda o: (str(o["sha256"]), str(o["evidence_id"])))
    return hashlib.sha256(canonical({"claim_id": claim_id, "verdict": verdict,
                                     "originals": listed})).hexdigest()


@dataclass
class Status:
    """Where a verdict stands: its author and, once given, the second reviewer's decision."""

    claim_id: int
    state: str = NO_VERDICT
    author: dict[str, object] = field(default_factory=dict)
    approver: dict[str, object] = field(default_factory=dict)
    note: str = ""

    def to_json(self) -> dict[str, object]:
        return {"claim_id": self.claim_id, "state": self.state, "author": self.author or None,
                "approver": self.approver or None, "note": self.note}


def _ordered(chain: Sequence[LogEntry]) -> list[LogEntry]:
    """The edits a copy holds in order: a merge's carried entries where the merge stands."""
    result: list[LogEntry] = []
    for entry in chain:
        inner = history.carried(entry)
        result += inner if inner else [entry]
    return result


_UNTOUCHED = object()


def _verdict_after(entry: LogEntry, key: str) -> object:
    """The verdict row's digest after `entry` (None: removed), or _UNTOUCHED."""
    changes = (tracking.decode(entry.rows) if entry.rows else None) or []
    found: object = _UNTOUCHED
    for table, row_key, _, after in changes:
        if table == "verdict" and row_key == key:
            found = after
    return found


def _detail(entry: LogEntry) -> dict[str, object]:
    try:
        value = json.loads(entry.detail)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def author_json(entry: LogEntry) -> dict[str, object]:
    return {"reviewer": entry.actor, "fingerprint": audit.fingerprint_of(entry.signer),
            "public_key": entry.signer, "at": entry.at, "entry": history.entry_json(entry)}


def status(chain: Sequence[LogEntry], claim_id: int) -> Status:
    """The verdict of `claim_id` as the log tells it (signatures checked: a sign-off whose
    signature fails, or that names another verdict, counts for nothing)."""
    key = json.dumps([claim_id])
    found = Status(claim_id)
    for entry in _ordered(chain):
        if history.is_merge(entry):
            continue
        after = _verdict_after(entry, key)
        if after is not _UNTOUCHED:
            # A new or changed verdict needs a new look; a cleared one has nothing to sign.
            found = Status(claim_id, READY, author_json(entry)) if after else Status(claim_id)
            continue
        detail = _detail(entry)
        if detail.get("claim_id") != claim_id or found.state == NO_VERDICT:
            continue
        if entry.action in _DECISION:
            subject = detail.get("subject")
            author_entry = found.author.get("entry")
            ok = (isinstance(subject, dict) and isinstance(author_entry, dict)
                  and subject.get("author_entry") == author_entry.get("hash")
                  and subject_signature_ok(entry.signer, str(detail.get("signature", "")),
                                           subject))
            if ok:
                found.state = _DECISION[entry.action]
                found.note = str(detail.get("note", ""))
                found.approver = {"reviewer": entry.actor,
                                  "fingerprint": audit.fingerprint_of(entry.signer),
                                  "public_key": entry.signer, "at": entry.at,
                                  "decision": found.state, "note": found.note,
                                  "subject": subject, "signature": detail.get("signature")}
        elif entry.action in {"undo " + a for a in _DECISION}:
            found.state, found.approver, found.note = READY, {}, ""
    return found


def prepare(chain: Sequence[LogEntry], claim_id: int, verdict: dict[str, object],
            verdict_digest: str, originals: Sequence[dict[str, object]], *,
            key: Ed25519PrivateKey, reviewer: str, reject: str | None = None
            ) -> dict[str, object]:
    """The detail of a sign-off (or a send-back, with `reject` as its note) by `key`, refused
    when `key` or `reviewer` is the verdict's author's."""
    current = status(chain, claim_id)
    if current.state == NO_VERDICT:
        raise SignOffRefused(f"claim {claim_id} has no verdict to sign off")
    me = audit.fingerprint_of(audit.raw_public_hex(key))
    if me == current.author.get("fingerprint") or (
            reviewer.strip().casefold() == str(current.author.get("reviewer")).strip().casefold()):
        raise SignOffRefused(
            f"the verdict of claim {claim_id} was recorded by {current.author.get('reviewer')}"
            " with this key or under this name: a second person, not its author, signs it off")
    if reject is not None and not reject.strip():
        raise SignOffRefused("sending a verdict back takes a note saying why")
    author_entry = current.author["entry"]
    assert isinstance(author_entry, dict)
    subject: dict[str, object] = {
        "format": FORMAT,
        "case": chain[0].hash if chain else "",
        "claim_id": claim_id,
        "decision": SENT_BACK if reject is not None else APPROVED,
        "note": reject.strip() if reject is not None else "",
        "verdict": {k: verdict.get(k) for k in VERDICT_FIELDS},
        "verdict_digest": verdict_digest,
        "author": current.author.get("reviewer"),
        "author_fingerprint": current.author.get("fingerprint"),
        "author_entry": author_entry["hash"],
        "manifest_sha256": publication(claim_id, {k: verdict.get(k) for k in VERDICT_FIELDS},
                                       originals),
    }
    signature = key.sign(SIGNED_PREFIX + canonical(subject)).hex()
    return {"claim_id": claim_id, "decision": subject["decision"], "note": subject["note"],
            "subject": subject, "signature": signature}


def build(case: CaseFile, claim_id: int, *, reject: str | None = None,
          key: Ed25519PrivateKey | None = None) -> commands.SignOff:
    """The sign-off (or send-back) command for the verdict of `claim_id` in `case`, by this
    reviewer's key; refused (SignOffRefused) for its author or without a verdict."""
    from desk.core import signing
    from desk.core.identity import reviewer_name
    from desk.core.replay import log_entries

    verdict = case.verdict(claim_id)
    if verdict is None:
        raise SignOffRefused(f"claim {claim_id} has no verdict to sign off")
    shown: dict[str, object] = {"rating": str(verdict.rating),
                                "confidence": str(verdict.confidence),
                                "summary": verdict.summary, "rationale": verdict.rationale}
    digest = tracking.current_digest(case.conn, "verdict", json.dumps([claim_id])) or ""
    originals = [{"evidence_id": link.evidence_id,
                  "sha256": case.get_evidence(link.evidence_id).sha256}
                 for link in case.claim_evidence(claim_id)]
    detail = prepare(log_entries(case.conn), claim_id, shown, digest, originals,
                     key=key or signing.load_or_create_key(), reviewer=reviewer_name(),
                     reject=reject)
    action = commands.SEND_BACK if reject is not None else commands.SIGN_OFF
    return commands.SignOff(action.name, claim_id, detail)
