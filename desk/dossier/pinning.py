"""A published dossier as a witness to the case's custody log (`desk verify CASE --against`).

A dossier records the log as it stood when it was exported, down to the head entry's hash
and signature. A later copy of the case must still hold every one of those entries unchanged:
a log cut short below the dossier's head, or recomputed from some entry on, no longer does.
This is the role a signed tree head plays in Certificate Transparency.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from desk.core.model import AuditEntry
from desk.dossier.errors import DossierError
from desk.dossier.manifest import open_regular
from desk.dossier.verify import check_dossier

_JSON_FILE = "dossier.json"
MAX_RECORD_BYTES = 256 << 20


@dataclass(frozen=True)
class PinnedLog:
    folder: str
    head_seq: int
    head_hash: str
    #: (seq, hash) of every entry the dossier lists, in order.
    entries: tuple[tuple[int, str], ...]


def read_pin(folder: str | os.PathLike[str]) -> tuple[PinnedLog | None, list[str]]:
    """The log a dossier pins, or None and why it pins nothing (it fails its own check, or
    holds no custody log)."""
    root = Path(folder)
    name = root.name or str(root)
    check = check_dossier(root)
    if not check.ok:
        return None, [f"dossier {name}: it does not verify itself ({check.problems[0]}), so it"
                      " cannot vouch for the case's custody log"]
    try:
        with open_regular(root / _JSON_FILE) as fh:
            data = fh.read(MAX_RECORD_BYTES + 1)
        record = json.loads(data)
        log = record["custody_log"]
        entries = tuple((int(e["seq"]), str(e["hash"])) for e in log["entries"])
        head_hash = str(log["head"])
        head_seq = int(log.get("head_seq") or (entries[-1][0] if entries else 0))
    except (OSError, ValueError, TypeError, KeyError, AttributeError, RecursionError,
            DossierError) as exc:
        return None, [f"dossier {name}: its custody log cannot be read ({type(exc).__name__})"]
    if not entries:
        return None, [f"dossier {name}: it lists no custody-log entries"]
    return PinnedLog(name, head_seq, head_hash, entries), []


def compare(log: list[AuditEntry], pin: PinnedLog) -> list[str]:
    """How the case's log departs from what the dossier recorded (empty when it extends it)."""
    by_seq = {e.seq: e.hash for e in log}
    last = log[-1].seq if log else 0
    missing = [seq for seq, _ in pin.entries if seq not in by_seq]
    changed = [seq for seq, digest in pin.entries if seq in by_seq and by_seq[seq] != digest]
    problems: list[str] = []
    if missing:
        problems.append(
            f"custody log: dossier {pin.folder} was exported at entry {pin.head_seq}, but"
            f" {len(missing)} of the entries it recorded are gone from the case"
            f" (from entry {missing[0]}; the case's log now ends at entry {last}): the log"
            " was cut short")
    if changed:
        problems.append(
            f"custody log: entry {changed[0]} differs from the one dossier {pin.folder}"
            f" recorded ({len(changed)} entr{'ies' if len(changed) != 1 else 'y'} differ):"
            " the log was rewritten after the dossier was exported")
    if not missing and not changed and by_seq.get(pin.head_seq) != pin.head_hash:
        problems.append(f"custody log: the head dossier {pin.folder} recorded (entry"
                        f" {pin.head_seq}) is not in the case's log")
    return problems
