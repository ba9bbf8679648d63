"""A claim's dossier shows the custody of that claim only, and still proves the whole chain.

Entries about this claim, its statements, verdict and links, the evidence it links (with that
evidence's geolocation, horizon, arrows, shadows and time question) and the landmarks the
dossier shows are given in full. Every other entry is given only by its sequence number,
hashes and signature: a reader can follow the chain from the first entry to the head across
them (`desk verify-dossier` does), and learns nothing of another claim or another
investigation in the same case.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass

from desk.core import audit
from desk.core.casefile import CaseFile
from desk.core.model import AuditEntry

#: Why an entry is withheld, said in the dossier beside it.
OTHER = "about other claims or evidence in the case"
MIXED = "also about other claims or evidence in the case"
CASE_WIDE = "a case-wide entry, which may name other claims or evidence"

#: Case-wide entries that say nothing beyond what the dossier itself shows.
_CASE_WIDE_SHOWN = frozenset({"create case", "set case title", "set case description",
                              "upgrade case format", "save copy"})
#: Tables whose items are keyed by the evidence they belong to.
_BY_EVIDENCE = frozenset({"evidence", "geolocation", "horizon", "original", "thumbnail",
                          "time_question"})
_BY_CLAIM = frozenset({"claim", "verdict", "verdict_draft"})


@dataclass(frozen=True)
class Scope:
    claim_id: int
    evidence_ids: frozenset[int]
    landmark_ids: frozenset[int]


def scope_for(case: CaseFile, claim_id: int, landmark_ids: Iterable[int]) -> Scope:
    evidence = frozenset(link.evidence_id for link in case.claim_evidence(claim_id))
    return Scope(claim_id, evidence, frozenset(landmark_ids))


def _owners(case: CaseFile, log: list[AuditEntry]) -> dict[str, tuple[str, int]]:
    """Statement and arrow items mapped to the claim or evidence they belong to: from the
    case as it is, and from the values the log recorded (for rows since deleted)."""
    owners: dict[str, tuple[str, int]] = {}
    for entry in log:
        try:
            detail = json.loads(entry.detail)
        except ValueError:
            continue
        values = detail.get("values") if isinstance(detail, dict) else None
        if not isinstance(values, dict):
            continue
        for item in entry.items:
            table = item.split(":", 1)[0]
            if table == "statement" and isinstance(values.get("claim_id"), int):
                owners[item] = ("claim", values["claim_id"])
            elif table in ("movement", "shadow") and isinstance(values.get("evidence_id"), int):
                owners[item] = ("evidence", values["evidence_id"])
    for statement in case.statements():
        owners[f"statement:{statement.id}"] = ("claim", statement.claim_id)
    for movement in case.movements():
        owners[f"movement:{movement.id}"] = ("evidence", movement.evidence_id)
    for shadow in case.shadows():
        owners[f"shadow:{shadow.id}"] = ("evidence", shadow.evidence_id)
    return owners


def _in_scope(item: str, scope: Scope, owners: dict[str, tuple[str, int]]) -> bool:
    table, _, key = item.partition(":")
    parts = key.split(":")
    try:
        first = int(parts[0])
    except ValueError:
        return False
    if table in _BY_CLAIM:
        return first == scope.claim_id
    if table == "claim_evidence":
        return first == scope.claim_id
    if table in _BY_EVIDENCE:
        return first in scope.evidence_ids
    if table == "landmark":
        return first in scope.landmark_ids
    owner = owners.get(item)
    if owner is None:
        return False
    kind, owner_id = owner
    return owner_id == scope.claim_id if kind == "claim" else owner_id in scope.evidence_ids


def withheld_reason(entry: AuditEntry, scope: Scope,
                    owners: dict[str, tuple[str, int]]) -> str | None:
    """None when the entry is shown in full; otherwise why it is withheld."""
    if not entry.items:
        return None if entry.action in _CASE_WIDE_SHOWN else CASE_WIDE
    inside = [_in_scope(item, scope, owners) for item in entry.items]
    if all(inside):
        return None
    return MIXED if any(inside) else OTHER


def redacted_log(case: CaseFile, log: list[AuditEntry], scope: Scope) -> list[dict[str, object]]:
    """The log as the dossier gives it: entries in scope whole, the others by hash only."""
    owners = _owners(case, log)
    result: list[dict[str, object]] = []
    for entry in log:
        reason = withheld_reason(entry, scope, owners)
        if reason is None:
            result.append(entry_json(entry))
            continue
        withheld: dict[str, object] = {"seq": entry.seq, "prev_hash": entry.prev_hash,
                                       "hash": entry.hash, "withheld": reason}
        if entry.sealed:
            withheld.update(signer=entry.signer, signature=entry.signature)
        result.append(withheld)
    return result


def entry_json(entry: AuditEntry) -> dict[str, object]:
    """One custody entry with every field its hash covers, so a reader can recompute it."""
    data: dict[str, object] = {
        "seq": entry.seq, "at": entry.at, "actor": entry.actor, "action": entry.action,
        "items": list(entry.items), "detail": entry.detail, "version": entry.version,
        "prev_hash": entry.prev_hash, "hash": entry.hash}
    if entry.sealed:
        data.update(rows_sha256=entry.rows_sha256, signer=entry.signer,
                    signature=entry.signature)
    return data


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


def check_chain(custody: object) -> list[str]:
    """The dossier's custody log checked on its own: every shown entry's hash recomputed,
    every entry (shown or withheld) following from the one before, every signature valid,
    and the head the dossier names being the last entry."""
    if not isinstance(custody, dict) or not isinstance(custody.get("entries"), list):
        return ["dossier.json: its custody log is missing or not a list of entries"]
    problems: list[str] = []
    prev = audit.GENESIS
    expected_seq: int | None = None
    for entry in custody["entries"]:
        if not isinstance(entry, dict) or not isinstance(entry.get("seq"), int):
            problems.append("dossier.json: a custody entry is not an entry")
            return problems
        seq = entry["seq"]
        where = f"dossier.json: custody entry {seq}"
        if expected_seq is not None and seq != expected_seq:
            problems.append(f"dossier.json: custody entry {expected_seq} is missing"
                            f" (next is {seq})")
        if entry.get("prev_hash") != prev:
            problems.append(f"{where} does not follow from the entry before it")
        digest = _text(entry.get("hash"))
        if "withheld" not in entry:
            items = entry.get("items")
            if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
                problems.append(f"{where} has no list of items")
                items = []
            recomputed = audit.entry_hash(
                seq, _text(entry.get("at")), _text(entry.get("actor")),
                _text(entry.get("action")),
                json.dumps(items, ensure_ascii=False, separators=(",", ":")),
                _text(entry.get("detail")), _text(entry.get("version")), prev,
                _text(entry.get("rows_sha256")), _text(entry.get("signer")))
            if recomputed != digest:
                problems.append(f"{where} was altered (its hash does not match its fields)")
        signer, signature = _text(entry.get("signer")), _text(entry.get("signature"))
        if (signer or signature) and not audit.signature_ok(signer, signature, digest):
            problems.append(f"{where} does not carry a valid signature of the key it names")
        prev = digest
        expected_seq = seq + 1
    entries = custody["entries"]
    if entries and custody.get("head") != prev:
        problems.append("dossier.json: the custody log's head is not its last entry")
    return problems


def claim_changes_after(case: CaseFile, claim_id: int, seq: int,
                        ignore: Iterable[str] = ()) -> list[AuditEntry]:
    """The entries after `seq` that a new dossier of the claim would show in full: what makes
    a dossier exported at `seq` out of date (edits of other claims do not). Landmark edits
    count whichever landmark they touch; actions in `ignore` (exports, checks) do not."""
    log = case.audit_entries()
    skip = set(ignore)
    scope = scope_for(case, claim_id, (lm.id for lm in case.landmarks()))
    owners = _owners(case, log)
    return [e for e in log if e.seq > seq and e.action not in skip
            and withheld_reason(e, scope, owners) is None]
