"""Edits as plain values: applying one changes the case and returns its inverse.

The UI's undo stack is a thin adapter over these; the CLI and scripts use them directly.
Every application is one transaction with its custody-log entry.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from typing import Protocol

from desk.core.casefile import CaseFile, CaseFileError
from desk.core.model import (
    PROVENANCE_FIELDS,
    Claim,
    Geolocation,
    Horizon,
    Landmark,
    Movement,
    Statement,
    Verdict,
    VerdictDraft,
)

#: What an edit may touch: key columns and editable columns per table. Originals, hashes and
#: parsed metadata are not here, because they are immutable once imported.
EDITABLE: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "evidence": (("id",), PROVENANCE_FIELDS),
    "claim": (("id",), ("text", "claimant", "first_appearance_url", "first_appearance_date",
                        "appearances", "created_at")),
    "statement": (("id",), ("claim_id", "speaker", "text", "said_at", "source_url", "venue")),
    "claim_evidence": (("claim_id", "evidence_id"), ("stance", "note")),
    "verdict": (("claim_id",), ("rating", "confidence", "summary", "rationale", "checklist",
                                "reviewer", "decided_at")),
    "verdict_draft": (("claim_id",), ("rating", "confidence", "summary", "rationale",
                                      "checklist")),
    "geolocation": (("evidence_id",), ("lat", "lon", "precision_m", "heading", "fov",
                                       "camera_height_m", "confidence", "method")),
    "horizon": (("evidence_id",), ("y_left", "y_right")),
    "landmark": (("id",), ("name", "lat", "lon", "kind", "notes", "is_reference")),
    "movement": (("id",), ("evidence_id", "label", "color", "x1", "y1", "x2", "y2", "start_lat",
                           "start_lon", "end_lat", "end_lon", "bearing", "reference_id")),
}


class Command(Protocol):
    """An edit: `apply` changes the case and returns the command that undoes it."""

    @property
    def description(self) -> str: ...

    def apply(self, case: CaseFile) -> Command: ...

    def mergeable_with(self, other: Command) -> bool: ...


Row = dict[str, object]


@dataclass(frozen=True)
class RowEdit:
    """Set some columns of one row (creating it if absent), or delete it when `values` is None."""

    table: str
    key: tuple[tuple[str, object], ...]
    values: tuple[tuple[str, object], ...] | None
    action: str
    label: str = ""

    @property
    def description(self) -> str:
        return self.label or self.action

    def mergeable_with(self, other: Command) -> bool:
        """Consecutive edits of the same fields of the same row (a drag) undo as one step."""
        return (
            isinstance(other, RowEdit)
            and other.table == self.table
            and other.key == self.key
            and self.values is not None
            and other.values is not None
            and [k for k, _ in other.values] == [k for k, _ in self.values]
        )

    def apply(self, case: CaseFile) -> RowEdit:
        keys, editable = EDITABLE[self.table]
        key = dict(self.key)
        if sorted(key) != sorted(keys):
            raise CaseFileError(f"an edit of {self.table} needs the key {', '.join(keys)}")
        values = dict(self.values) if self.values is not None else None
        if values is not None:
            bad = sorted(set(values) - set(editable))
            if bad:
                raise CaseFileError(f"{', '.join(bad)} of {self.table} cannot be edited")
        where = " AND ".join(f"{k} = ?" for k in keys)
        key_args = [key[k] for k in keys]
        items = [f"{self.table}:{':'.join(str(key[k]) for k in keys)}"]
        detail = {"table": self.table, "key": key, "values": values}
        with case.edit(self.action, items, detail) as conn:
            cols = list(editable)
            before = conn.execute(
                f"SELECT {', '.join(cols)} FROM {self.table} WHERE {where}", key_args
            ).fetchone()
            old: Row | None = dict(zip(cols, before, strict=True)) if before else None
            if values is None:
                if old is None:
                    raise CaseFileError(f"{items[0]} does not exist")
                conn.execute(f"DELETE FROM {self.table} WHERE {where}", key_args)
                inverse_values: Row | None = old
            elif old is None:
                names = list(keys) + list(values)
                conn.execute(
                    f"INSERT INTO {self.table} ({', '.join(names)})"
                    f" VALUES ({', '.join('?' * len(names))})",
                    key_args + list(values.values()),
                )
                inverse_values = None
            else:
                sets = ", ".join(f"{k} = ?" for k in values)
                conn.execute(
                    f"UPDATE {self.table} SET {sets} WHERE {where}",
                    list(values.values()) + key_args,
                )
                inverse_values = {k: old[k] for k in values}
        return RowEdit(
            self.table,
            self.key,
            tuple(inverse_values.items()) if inverse_values is not None else None,
            _invert_action(self.action),
            _invert_action(self.description),
        )


@dataclass(frozen=True)
class Batch:
    """Several edits as one undo step (deleting a claim takes its statements with it)."""

    edits: tuple[Command, ...]
    label: str

    @property
    def description(self) -> str:
        return self.label

    def mergeable_with(self, other: Command) -> bool:
        return False

    def apply(self, case: CaseFile) -> Batch:
        inverses: list[Command] = []
        with case.transaction():
            for edit in self.edits:
                inverses.append(edit.apply(case))
        return Batch(tuple(reversed(inverses)), _invert_action(self.label))


def _invert_action(action: str) -> str:
    return action[len("undo "):] if action.startswith("undo ") else f"undo {action}"


def _next_id(case: CaseFile, table: str) -> int:
    row = case.conn.execute(f"SELECT coalesce(max(id), 0) + 1 FROM {table}").fetchone()
    return int(row[0])


def _row(table: str, key: Row, values: Row | None, action: str, label: str = "") -> RowEdit:
    return RowEdit(
        table,
        tuple(key.items()),
        tuple(values.items()) if values is not None else None,
        action,
        label,
    )


# --------------------------------------------------------------------------- evidence


def set_provenance(evidence_id: int, field: str, value: str) -> RowEdit:
    if field not in PROVENANCE_FIELDS:
        raise ValueError(f"unknown provenance field {field!r}")
    return _row("evidence", {"id": evidence_id}, {field: value}, "edit provenance",
                f"Edit {field.replace('_', ' ')}")


# --------------------------------------------------------------------------- claims


def add_claim(case: CaseFile, claim: Claim) -> RowEdit:
    values = asdict(claim)
    claim_id = values.pop("id") or _next_id(case, "claim")
    values["appearances"] = json.dumps(values["appearances"], ensure_ascii=False)
    return _row("claim", {"id": claim_id}, values, "add claim", "Add claim")


def edit_claim(claim_id: int, **fields: object) -> RowEdit:
    if "appearances" in fields:
        fields["appearances"] = json.dumps(list(fields["appearances"]), ensure_ascii=False)  # type: ignore[call-overload]
    return _row("claim", {"id": claim_id}, dict(fields), "edit claim", "Edit claim")


def delete_claim(case: CaseFile, claim_id: int) -> Batch:
    edits: list[Command] = [
        _row("statement", {"id": s.id}, None, "delete statement")
        for s in case.statements(claim_id)
    ]
    edits += [
        _row("claim_evidence", {"claim_id": claim_id, "evidence_id": link.evidence_id}, None,
             "unlink evidence")
        for link in case.claim_evidence(claim_id)
    ]
    if case.verdict(claim_id) is not None:
        edits.append(_row("verdict", {"claim_id": claim_id}, None, "delete verdict"))
    if case.verdict_draft(claim_id) is not None:
        edits.append(_row("verdict_draft", {"claim_id": claim_id}, None, "discard verdict draft"))
    edits.append(_row("claim", {"id": claim_id}, None, "delete claim"))
    return Batch(tuple(edits), "Delete claim")


def add_statement(case: CaseFile, statement: Statement) -> RowEdit:
    values = asdict(statement)
    sid = values.pop("id") or _next_id(case, "statement")
    return _row("statement", {"id": sid}, values, "add statement", "Add statement")


def link_evidence(claim_id: int, evidence_id: int, stance: str, note: str = "") -> RowEdit:
    return _row("claim_evidence", {"claim_id": claim_id, "evidence_id": evidence_id},
                {"stance": stance, "note": note}, "link evidence", "Link evidence")


def set_verdict(verdict: Verdict) -> RowEdit:
    values = asdict(verdict)
    claim_id = values.pop("claim_id")
    values["rating"] = str(verdict.rating)
    values["confidence"] = str(verdict.confidence)
    values["checklist"] = json.dumps(verdict.checklist, sort_keys=True)  # None -> null (N/A)
    return _row("verdict", {"claim_id": claim_id}, values, "set verdict", "Set verdict")


def save_verdict_draft(case: CaseFile, draft: VerdictDraft, label: str = "") -> RowEdit:
    """Keep an unfinished verdict in the case; an empty draft removes the stored one."""
    key = {"claim_id": draft.claim_id}
    if draft.empty:
        if case.verdict_draft(draft.claim_id) is None:
            raise CaseFileError(f"claim {draft.claim_id} has no verdict draft to discard")
        return _row("verdict_draft", key, None, "discard verdict draft",
                    label or "Discard verdict draft")
    values = {"rating": str(draft.rating) if draft.rating else None,
              "confidence": str(draft.confidence) if draft.confidence else None,
              "summary": draft.summary, "rationale": draft.rationale,
              "checklist": json.dumps(draft.checklist, sort_keys=True)}
    return _row("verdict_draft", key, values, "edit verdict draft", label or "Edit verdict draft")


def record_verdict(case: CaseFile, verdict: Verdict) -> Command:
    """The verdict, and its draft gone, in one transaction: undo brings the draft back."""
    edit = set_verdict(verdict)
    if case.verdict_draft(verdict.claim_id) is None:
        return replace(edit, label="Record verdict")
    discard = _row("verdict_draft", {"claim_id": verdict.claim_id}, None,
                   "discard verdict draft")
    return Batch((edit, discard), "Record verdict")


# --------------------------------------------------------------------------- places


def set_geolocation(geolocation: Geolocation) -> RowEdit:
    values = asdict(geolocation)
    evidence_id = values.pop("evidence_id")
    values["confidence"] = str(geolocation.confidence)
    return _row("geolocation", {"evidence_id": evidence_id}, values, "geolocate",
                "Geolocate frame")


def clear_geolocation(evidence_id: int) -> RowEdit:
    return _row("geolocation", {"evidence_id": evidence_id}, None, "remove geolocation",
                "Remove geolocation")


def set_horizon(horizon: Horizon) -> RowEdit:
    return _row("horizon", {"evidence_id": horizon.evidence_id},
                {"y_left": horizon.y_left, "y_right": horizon.y_right}, "mark horizon",
                "Mark horizon")


def clear_horizon(evidence_id: int) -> RowEdit:
    return _row("horizon", {"evidence_id": evidence_id}, None, "remove horizon",
                "Remove horizon")


def add_landmark(case: CaseFile, landmark: Landmark) -> RowEdit:
    values = asdict(landmark)
    lid = values.pop("id") or _next_id(case, "landmark")
    values["is_reference"] = int(landmark.is_reference)
    return _row("landmark", {"id": lid}, values, "add landmark", "Add landmark")


def add_movement(case: CaseFile, movement: Movement) -> RowEdit:
    values = asdict(movement)
    mid = values.pop("id") or _next_id(case, "movement")
    return _row("movement", {"id": mid}, values, "add movement", "Add movement arrow")


def edit_row(table: str, key: Row, action: str, label: str = "", **fields: object) -> RowEdit:
    """A partial edit of any editable row; later features build their commands from this."""
    return _row(table, key, dict(fields), action, label)


def delete_row(table: str, key: Row, action: str, label: str = "") -> RowEdit:
    return _row(table, key, None, action, label)


def apply_all(case: CaseFile, commands: Sequence[Command]) -> list[Command]:
    """Apply in order (for scripts and sample builders); returns the inverses."""
    return [command.apply(case) for command in commands]
