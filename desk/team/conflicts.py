"""`desk team conflicts`: the same-field edits a merge met, until a further edit settles each.

A merge entry records each conflict it found (both values, who set them and when; the later
one stands). A conflict stays open until an edit after that merge sets the field again (or
deletes the row): in this copy's own chain, or carried in by a later merge. Read from the
case file alone, offline. `keep` builds the edit that settles one by keeping one of its values
(`desk team resolve`).
"""

from __future__ import annotations

import json

from desk.core import commands
from desk.core.casefile import CaseFile
from desk.core.replay import LogEntry, log_entries
from desk.team import history
from desk.team.merge import WHOLE_ROW, key_text

#: How the custody log names the undo of a kept value (`desk.core.commands`' inverses).
UNDO_RESOLVE = "undo " + commands.RESOLVE_CONFLICT.name


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
    """The conflicts still open after `log` (a working copy's chain), oldest first.

    Undoing a kept value reopens what it settled, in every copy: the edits a merge carries
    are read one by one, as their own copy read them."""
    found: list[dict[str, object]] = []
    #: Conflicts a "resolve conflict" entry settled, newest last: undoing it reopens them.
    kept: list[tuple[set[tuple[str, str, str]], list[dict[str, object]]]] = []

    def read(entry: LogEntry) -> None:
        nonlocal found
        edits = _sets(entry)
        if entry.action == UNDO_RESOLVE:
            back = next((n for n in range(len(kept) - 1, -1, -1) if kept[n][0] == edits), None)
            if back is not None:
                found += kept.pop(back)[1]
                return
        if edits:
            settled = [c for c in found if _settles(edits, c)]
            found = [c for c in found if not _settles(edits, c)]
            if entry.action == commands.RESOLVE_CONFLICT.name and settled:
                kept.append((edits, settled))

    for entry in log:
        if not history.is_merge(entry):
            read(entry)
            continue
        for inner in history.carried(entry):
            read(inner)
        recorded = history.merge_detail(entry).get("conflicts")
        if isinstance(recorded, list):
            found += [dict(c, merge_seq=entry.seq) for c in recorded if isinstance(c, dict)]
    return found


def case_conflicts(case: CaseFile) -> list[dict[str, object]]:
    return open_conflicts(log_entries(case.conn))


def find(case: CaseFile, entity: str, field: str) -> dict[str, object]:
    """The open conflict of `entity`'s `field` as `desk team conflicts` lists it (the latest,
    should two merges have met the same one: one edit settles both)."""
    found = [c for c in case_conflicts(case) if c.get("entity") == entity
             and c.get("field") == field]
    if not found:
        raise commands.CommandError(f"{entity} has no open conflict of its {field}"
                                    " (desk team conflicts CASE lists them).")
    return found[-1]


def keep(case: CaseFile, conflict: dict[str, object], choice: int) -> commands.Command:
    """The edit that settles an open conflict by keeping its value number `choice` (0-based,
    in the order listed): built, not applied, so the caller applies (and may undo) it."""
    what = str(conflict.get("what") or conflict.get("entity"))
    field = conflict.get("field")
    if field == WHOLE_ROW:
        raise commands.CommandError(f"{what[:1].upper()}{what[1:]} is in conflict as a whole"
                                    " (one side deleted it): restore or delete the item itself.")
    values = conflict.get("values")
    count = len(values) if isinstance(values, list) else 0
    if not 0 <= choice < count:
        raise commands.CommandError(f"The conflict of {what}, {field} lists {count} values;"
                                    f" there is no value {choice + 1}.")
    assert isinstance(values, list)
    chosen = values[choice]
    table, key = str(conflict.get("table")), conflict.get("key")
    columns = commands.key_columns(table)
    try:
        parts = json.loads(str(key))
    except ValueError:
        parts = None
    if not isinstance(chosen, dict) or not isinstance(parts, list) or len(parts) != len(columns):
        raise commands.CommandError(f"The conflict of {what}, {field} cannot be read.")
    return commands.resolve_conflict(case, table, dict(zip(columns, parts, strict=True)),
                                     str(field), chosen.get("value"))
