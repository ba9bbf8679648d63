"""`desk team conflicts`: the same-field edits a merge met, until a further edit settles each.

A merge entry records each conflict it found (both values, who set them and when; the later
one stands). A conflict stays open until an edit after that merge sets the field again (or
deletes the row): in this copy's own chain, or carried in by a later merge. Read from the
case file alone, offline.
"""

from __future__ import annotations

import json

from desk.core.casefile import CaseFile
from desk.core.replay import LogEntry, log_entries
from desk.team import history
from desk.team.merge import WHOLE_ROW, key_text


def _sets(entry: LogEntry) -> set[tuple[str, str, str]]:
    """The (table, key, field) an edit sets; a deleted row sets all its fields (WHOLE_ROW)."""
    try:
        detail = json.loads(entry.detail)
    except ValueError:
        return set()
    if not isinstance(detail, dict) or not isinstance(detail.get("table"), str):
        return set()
    table = str(detail["table"])
    key = key_text(table, detail.get("key"))
    if key is None:
        return set()
    values = detail.get("values")
    if values is None:
        return {(table, key, WHOLE_ROW)}
    if not isinstance(values, dict):
        return set()
    return {(table, key, str(name)) for name in values}


def _settles(edits: set[tuple[str, str, str]], conflict: dict[str, object]) -> bool:
    table, key, name = str(conflict.get("table")), str(conflict.get("key")), conflict.get("field")
    return (table, key, name) in edits or (table, key, WHOLE_ROW) in edits or (
        name == WHOLE_ROW and any(t == table and k == key for t, k, _ in edits))


def open_conflicts(log: list[LogEntry]) -> list[dict[str, object]]:
    """The conflicts still open after `log` (a working copy's chain), oldest first."""
    found: list[dict[str, object]] = []
    for entry in log:
        edits: set[tuple[str, str, str]] = set()
        if history.is_merge(entry):
            for inner in history.carried(entry):
                edits |= _sets(inner)
        else:
            edits = _sets(entry)
        if edits:
            found = [c for c in found if not _settles(edits, c)]
        if history.is_merge(entry):
            recorded = history.merge_detail(entry).get("conflicts")
            if isinstance(recorded, list):
                found += [dict(c, merge_seq=entry.seq) for c in recorded if isinstance(c, dict)]
    return found


def case_conflicts(case: CaseFile) -> list[dict[str, object]]:
    return open_conflicts(log_entries(case.conn))
