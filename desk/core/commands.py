"""Every reviewer action as a named command: the one write path into a case.

A command is a plain value; applying it changes the case in one transaction with its
custody-log entry and returns the command that undoes it. The window's undo stack, the
command line and scripts all build their edits here, so an action has one name (what the
custody log records and the dossier prints as its methodology record), one undo text and
one set of invariants, whoever performs it. The row edit underneath is private: no caller
names a table or a column.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any, Protocol

from desk.core.casefile import CaseFile, CaseFileError
from desk.core.checklist import CHECKLIST_KEYS
from desk.core.imagery import TilePackRef
from desk.core.model import (
    PROVENANCE_FIELDS,
    Claim,
    Confidence,
    Geolocation,
    Horizon,
    Landmark,
    Movement,
    Rating,
    Shadow,
    Stance,
    Statement,
    Track,
    Verdict,
    VerdictDraft,
)
from desk.core.movement import track_fields, turned_track


class CommandError(CaseFileError, ValueError):
    """An edit refused because its values break a rule of the case (said for the reviewer)."""


@dataclass(frozen=True)
class Action:
    """A reviewer action: its name in the custody log and its text in Edit ▸ Undo."""

    name: str
    undo_text: str


def _action(name: str, undo_text: str) -> Action:
    action = Action(name, undo_text)
    ACTIONS[name] = action
    return action


#: Every action desk records, by its custody-log name (the dossier's methodology record).
ACTIONS: dict[str, Action] = {}

# Evidence
EDIT_PROVENANCE = _action("edit provenance", "Edit provenance")
# Claims and statements
ADD_CLAIM = _action("add claim", "Add claim")
EDIT_CLAIM = _action("edit claim", "Edit claim")
DELETE_CLAIM = _action("delete claim", "Delete claim")
ADD_STATEMENT = _action("add statement", "Add statement")
EDIT_STATEMENT = _action("edit statement", "Edit statement")
DELETE_STATEMENT = _action("delete statement", "Delete statement")
# Evidence linked to claims
LINK_EVIDENCE = _action("link evidence", "Link evidence")
UNLINK_EVIDENCE = _action("unlink evidence", "Unlink evidence")
CHANGE_STANCE = _action("change stance", "Change stance")
EDIT_LINK_NOTE = _action("edit link note", "Edit evidence note")
# Verdicts
RECORD_VERDICT = _action("record verdict", "Record verdict")
CLEAR_VERDICT = _action("clear verdict", "Clear verdict")
EDIT_VERDICT_DRAFT = _action("edit verdict draft", "Edit verdict draft")
DISCARD_VERDICT_DRAFT = _action("discard verdict draft", "Discard verdict draft")
SET_CHECKLIST_ITEM = _action("set checklist item", "Set checklist item")
# Geolocation
GEOLOCATE = _action("geolocate", "Geolocate frame")
REMOVE_GEOLOCATION = _action("remove geolocation", "Remove geolocation")
MOVE_CAMERA = _action("move camera", "Move camera")
SET_VIEW = _action("set camera view", "Set camera heading and field of view")
SET_CAMERA_HEIGHT = _action("set camera height", "Set camera height")
SET_PRECISION = _action("set precision", "Set position precision")
SET_GEO_CONFIDENCE = _action("set confidence", "Set geolocation confidence")
DESCRIBE_METHOD = _action("describe method", "Describe geolocation method")
# The horizon
MARK_HORIZON = _action("mark horizon", "Mark horizon")
ADJUST_HORIZON = _action("adjust horizon", "Adjust horizon")
REMOVE_HORIZON = _action("remove horizon", "Remove horizon")
# Landmarks
ADD_LANDMARK = _action("add landmark", "Add landmark")
MOVE_LANDMARK = _action("move landmark", "Move landmark")
RENAME_LANDMARK = _action("rename landmark", "Rename landmark")
DELETE_LANDMARK = _action("delete landmark", "Delete landmark")
SET_REFERENCE = _action("set reference point", "Set reference point")
UNSET_REFERENCE = _action("unset reference point", "Unset reference point")
# Movement arrows and their tracks on the ground
ADD_ARROW = _action("add movement", "Add movement arrow")
MOVE_ARROW = _action("move movement arrow", "Move arrow")
RESHAPE_ARROW = _action("reshape movement arrow", "Reshape arrow")
LABEL_ARROW = _action("label movement", "Label arrow")
COLOUR_ARROW = _action("colour movement", "Colour arrow")
DELETE_ARROW = _action("delete movement", "Delete arrow")
CHOOSE_REFERENCE = _action("choose reference point", "Choose reference point")
DRAW_TRACK = _action("draw ground track", "Draw track on map")
CORRECT_TRACK = _action("correct ground track", "Correct track on map")
PROJECT_TRACK = _action("project movement", "Project arrow onto map")
TURN_TRACK = _action("type bearing", "Type bearing")
CLEAR_TRACK = _action("clear ground track", "Clear track")
# Shadows on frames (chronolocation)
ADD_SHADOW = _action("add shadow", "Add shadow")
MOVE_SHADOW = _action("move shadow", "Move shadow")
SET_SHADOW_BEARING = _action("set shadow bearing", "Set shadow bearing")
MEASURE_SHADOW = _action("measure shadow", "Measure shadow")
LABEL_SHADOW = _action("label shadow", "Label shadow")
DELETE_SHADOW = _action("delete shadow", "Delete shadow")
SET_TIME_QUESTION = _action("set time question", "Set the days and time to test")
CLEAR_TIME_QUESTION = _action("clear time question", "Clear the days and time to test")
# Offline imagery
ADD_TILE_PACK = _action("add tile pack", "Add tile pack")
SET_TILE_PACK_LAYER = _action("set tile pack layer", "Set tile pack layer")
REMOVE_TILE_PACK = _action("remove tile pack", "Remove tile pack")
PLACE_OVERLAY = _action("place overlay", "Place reference overlay")
ADJUST_OVERLAY = _action("adjust overlay", "Adjust overlay placement")
SET_OVERLAY_OPACITY = _action("set overlay opacity", "Set overlay opacity")
REMOVE_OVERLAY = _action("remove overlay", "Remove reference overlay")
# The team desk (desk.team): another branch's edits merged in, and a second reviewer's verdict
SYNC_MERGE = _action("merge team edits", "Merge team edits")
SIGN_OFF = _action("sign off verdict", "Sign off verdict")
SEND_BACK = _action("send back verdict", "Send back verdict")
RESOLVE_CONFLICT = _action("resolve conflict", "Resolve conflict")


class Command(Protocol):
    """An edit: `apply` changes the case and returns the command that undoes it."""

    @property
    def description(self) -> str: ...

    def apply(self, case: CaseFile) -> Command: ...

    def mergeable_with(self, other: Command) -> bool: ...


Row = dict[str, object]

#: What an edit may touch: key columns and editable columns per table. Originals, hashes and
#: parsed metadata are not here, because they are immutable once imported.
_EDITABLE: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
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
    "shadow": (("id",), ("evidence_id", "label", "bearing", "tolerance", "object_height_m",
                         "shadow_length_m", "size_tolerance", "x1", "y1", "x2", "y2")),
    "time_question": (("evidence_id",), ("first_day", "last_day", "claimed_at")),
    "tile_pack": (("id",), ("path", "sha256", "size", "format", "name", "attribution", "role",
                            "opacity", "added_at")),
    "overlay": (("id",), ("evidence_id", "pairs", "opacity", "label")),
}


@dataclass(frozen=True)
class Touched:
    """What an applied command changed, so a view refreshes only that."""

    evidence: frozenset[int] = frozenset()
    claims: frozenset[int] = frozenset()
    landmarks: bool = False
    movements: frozenset[int] = frozenset()
    imagery: bool = False

    def __or__(self, other: Touched) -> Touched:
        return Touched(self.evidence | other.evidence, self.claims | other.claims,
                       self.landmarks or other.landmarks, self.movements | other.movements,
                       self.imagery or other.imagery)


@dataclass(frozen=True)
class _RowEdit:
    """Set some columns of one row (creating it if absent), or delete it when `values` is None.

    Private: callers build named commands, which know their invariants and their wording.
    """

    table: str
    key: tuple[tuple[str, object], ...]
    values: tuple[tuple[str, object], ...] | None
    action: str
    label: str = ""
    touched: Touched = field(default_factory=Touched)
    #: Whether the row may be created: true for adds and whole-row sets, false for edits of
    #: part of a row, which refuse plainly when the row is gone (deleted by an earlier undo).
    upsert: bool = False

    @property
    def description(self) -> str:
        return self.label or self.action

    @property
    def created_id(self) -> int | None:
        """The id of the row this edit adds (None when it changes or deletes one)."""
        if not self.action.startswith("add ") or self.values is None:
            return None
        key = dict(self.key)
        value = key.get("id")
        return value if isinstance(value, int) else None

    def mergeable_with(self, other: Command) -> bool:
        """Consecutive edits of the same fields of the same row (a drag) undo as one step."""
        return (
            isinstance(other, _RowEdit)
            and other.table == self.table
            and other.key == self.key
            and other.action == self.action
            and self.values is not None
            and other.values is not None
            and [k for k, _ in other.values] == [k for k, _ in self.values]
        )

    def apply(self, case: CaseFile) -> _RowEdit:
        keys, editable = _EDITABLE[self.table]
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
        detail = {"command": _base_action(self.action), "table": self.table, "key": key,
                  "values": values}
        with case.edit(self.action, items, detail) as conn:
            cols = list(editable)
            before = conn.execute(
                f"SELECT {', '.join(cols)} FROM {self.table} WHERE {where}", key_args
            ).fetchone()
            old: Row | None = dict(zip(cols, before, strict=True)) if before else None
            if values is None:
                if old is None:
                    raise CommandError(_missing(self.table, key))
                conn.execute(f"DELETE FROM {self.table} WHERE {where}", key_args)
                inverse_values: Row | None = old
            elif old is None:
                if not self.upsert:
                    raise CommandError(_missing(self.table, key))
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
        return _RowEdit(
            self.table,
            self.key,
            tuple(inverse_values.items()) if inverse_values is not None else None,
            _invert_action(self.action),
            _invert_action(self.description),
            self.touched,
            upsert=values is None,  # undoing a delete puts the whole row back
        )


@dataclass(frozen=True)
class Batch:
    """Several edits as one undo step (deleting a claim takes its statements with it)."""

    edits: tuple[Command, ...]
    label: str

    @property
    def description(self) -> str:
        return self.label

    @property
    def created_id(self) -> int | None:
        for edit in self.edits:
            created = getattr(edit, "created_id", None)
            if created is not None:
                return int(created)
        return None

    def mergeable_with(self, other: Command) -> bool:
        return False

    def apply(self, case: CaseFile) -> Batch:
        inverses: list[Command] = []
        with case.transaction():
            for edit in self.edits:
                inverses.append(edit.apply(case))
        return Batch(tuple(reversed(inverses)), _invert_action(self.label))


def created_id(command: Command) -> int | None:
    """The id of the claim, statement, landmark or arrow a command adds, if it adds one."""
    value = getattr(command, "created_id", None)
    return int(value) if value is not None else None


def touched(command: object) -> Touched:
    """What a command (or its inverse) changes: the evidence, claims and landmarks to redraw."""
    edits = getattr(command, "edits", None)
    if edits is not None:
        result = Touched()
        for edit in edits:
            result |= touched(edit)
        return result
    value = getattr(command, "touched", None)
    return value if isinstance(value, Touched) else Touched()


def apply_all(case: CaseFile, commands: Sequence[Command]) -> list[Command]:
    """Apply in order (for scripts and sample builders); returns the inverses."""
    return [command.apply(case) for command in commands]


# --------------------------------------------------------------------------- plumbing


def _invert_action(action: str) -> str:
    return action[len("undo "):] if action.startswith("undo ") else f"undo {action}"


def _base_action(action: str) -> str:
    while action.startswith("undo "):
        action = action[len("undo "):]
    return action


def _describe_row(table: str, key: Row) -> str:
    names = {"claim_evidence": "the link of evidence {evidence_id} to claim {claim_id}",
             "verdict": "the verdict of claim {claim_id}",
             "verdict_draft": "the verdict draft of claim {claim_id}",
             "geolocation": "the geolocation of evidence {evidence_id}",
             "horizon": "the horizon of evidence {evidence_id}",
             "movement": "movement arrow {id}",
             "shadow": "shadow {id}",
             "time_question": "the time question of evidence {evidence_id}",
             "tile_pack": "tile pack {id}",
             "overlay": "overlay {id}"}
    template = names.get(table, table + " {id}")
    try:
        return template.format(**key)
    except KeyError:
        return table


def _missing(table: str, key: Row) -> str:
    what = _describe_row(table, key)
    return f"{what[:1].upper()}{what[1:]} does not exist (an undo may have removed it)."


def _next_id(case: CaseFile, table: str) -> int:
    row = case.conn.execute(f"SELECT coalesce(max(id), 0) + 1 FROM {table}").fetchone()
    return int(row[0])


def _row(table: str, key: Mapping[str, object], values: Mapping[str, object] | None,
         action: Action, touched: Touched, label: str = "", *, upsert: bool = False) -> _RowEdit:
    return _RowEdit(table, tuple(key.items()),
                    tuple(values.items()) if values is not None else None,
                    action.name, label or action.undo_text, touched, upsert)


def _on_evidence(evidence_id: int) -> Touched:
    return Touched(evidence=frozenset({evidence_id}))


def _on_claim(claim_id: int, evidence_id: int | None = None) -> Touched:
    evidence = frozenset({evidence_id}) if evidence_id is not None else frozenset()
    return Touched(evidence=evidence, claims=frozenset({claim_id}))


def _on_movement(movement: Movement) -> Touched:
    return Touched(evidence=frozenset({movement.evidence_id}),
                   movements=frozenset({movement.id}))


_ON_LANDMARKS = Touched(landmarks=True)
_COLOUR = re.compile(r"#[0-9a-fA-F]{6}")


def _finite(name: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise CommandError(f"The {name} must be a number (got {value!r}).")
    return float(value)


def _lat_lon(lat: object, lon: object) -> tuple[float, float]:
    la, lo = _finite("latitude", lat), _finite("longitude", lon)
    if not -90.0 <= la <= 90.0:
        raise CommandError(f"A latitude lies between -90 and 90 degrees (got {la:g}).")
    if not -180.0 <= lo <= 180.0:
        raise CommandError(f"A longitude lies between -180 and 180 degrees (got {lo:g}).")
    return la, lo


def _bearing(name: str, value: object) -> float:
    number = _finite(name, value)
    if not 0.0 <= number <= 360.0:
        raise CommandError(f"The {name} is in degrees from true north, 0 to 360 (got {number:g}).")
    return number % 360.0


def _fov(value: object) -> float:
    number = _finite("field of view", value)
    if not 1.0 <= number <= 179.0:
        raise CommandError(f"The field of view is between 1 and 179 degrees (got {number:g}).")
    return number


def _positive(name: str, value: object, unit: str) -> float:
    number = _finite(name, value)
    if number <= 0:
        raise CommandError(f"The {name} must be more than 0 {unit} (got {number:g}).")
    return number


def _unit(name: str, value: object) -> float:
    number = _finite(name, value)
    if not -0.5 <= number <= 1.5:
        raise CommandError(f"The {name} is a position on the frame, 0 to 1 (got {number:g}).")
    return number


def _enum_value(kind: type[Rating] | type[Confidence] | type[Stance], what: str,
                value: object) -> str:
    try:
        return str(kind(str(value)))
    except ValueError:
        choices = ", ".join(str(v) for v in kind)
        raise CommandError(f"The {what} is one of {choices} (got {value!r}).") from None


def _text(name: str, value: object, *, required: bool = False) -> str:
    if not isinstance(value, str):
        raise CommandError(f"The {name} must be text.")
    if required and not value.strip():
        raise CommandError(f"The {name} is empty.")
    return value


# Any keys: the mapping may come from a script, so its keys are checked, not assumed.
def _checklist_json(checklist: Mapping[Any, object]) -> str:
    for key, value in checklist.items():
        if not isinstance(key, str) or not key:
            raise CommandError("A checklist item needs a key.")
        if value is not None and not isinstance(value, bool):
            raise CommandError(f"The checklist item {key} is done, open or not applicable.")
    return json.dumps(checklist, sort_keys=True)  # None -> null (N/A)


# --------------------------------------------------------------------------- evidence


def set_provenance(evidence_id: int, field_name: str, value: str) -> _RowEdit:
    """Change where and when an item was obtained (the original itself never changes)."""
    if field_name not in PROVENANCE_FIELDS:
        raise CommandError(f"{field_name!r} is not a provenance field;"
                           f" the fields are {', '.join(PROVENANCE_FIELDS)}.")
    return _row("evidence", {"id": evidence_id}, {field_name: _text(field_name, value)},
                EDIT_PROVENANCE, _on_evidence(evidence_id),
                f"Edit {field_name.replace('_', ' ')}")


# --------------------------------------------------------------------------- claims


def add_claim(case: CaseFile, claim: Claim) -> _RowEdit:
    values = asdict(claim)
    _text("claim text", claim.text, required=True)
    claim_id = values.pop("id") or _next_id(case, "claim")
    values["appearances"] = json.dumps(values["appearances"], ensure_ascii=False)
    return _row("claim", {"id": claim_id}, values, ADD_CLAIM, _on_claim(claim_id), upsert=True)


def edit_claim(claim_id: int, **fields: object) -> _RowEdit:
    if "text" in fields:
        _text("claim text", fields["text"], required=True)
    if "appearances" in fields:
        appearances = fields["appearances"]
        if not isinstance(appearances, list | tuple):
            raise CommandError("A claim's appearances are a list of links.")
        fields["appearances"] = json.dumps([str(a) for a in appearances], ensure_ascii=False)
    return _row("claim", {"id": claim_id}, dict(fields), EDIT_CLAIM, _on_claim(claim_id))


def delete_claim(case: CaseFile, claim_id: int) -> Batch:
    """The claim with its statements, links, verdict and draft: one step, undone whole."""
    on_claim = _on_claim(claim_id)
    edits: list[Command] = [
        _row("statement", {"id": s.id}, None, DELETE_STATEMENT, on_claim)
        for s in case.statements(claim_id)
    ]
    edits += [
        _row("claim_evidence", {"claim_id": claim_id, "evidence_id": link.evidence_id}, None,
             UNLINK_EVIDENCE, _on_claim(claim_id, link.evidence_id))
        for link in case.claim_evidence(claim_id)
    ]
    if case.verdict(claim_id) is not None:
        edits.append(_row("verdict", {"claim_id": claim_id}, None, CLEAR_VERDICT, on_claim))
    if case.verdict_draft(claim_id) is not None:
        edits.append(_row("verdict_draft", {"claim_id": claim_id}, None, DISCARD_VERDICT_DRAFT,
                          on_claim))
    edits.append(_row("claim", {"id": claim_id}, None, DELETE_CLAIM, on_claim))
    return Batch(tuple(edits), DELETE_CLAIM.undo_text)


# --------------------------------------------------------------------------- statements

_STATEMENT_FIELDS = ("speaker", "text", "said_at", "source_url", "venue")


def add_statement(case: CaseFile, statement: Statement) -> _RowEdit:
    """Who said what about a claim; a new card may start empty and be filled in."""
    values = asdict(statement)
    sid = values.pop("id") or _next_id(case, "statement")
    for name in _STATEMENT_FIELDS:
        _text(name, values[name])
    return _row("statement", {"id": sid}, values, ADD_STATEMENT, _on_claim(statement.claim_id),
                upsert=True)


def edit_statement(statement: Statement, **fields: str) -> _RowEdit:
    bad = sorted(set(fields) - set(_STATEMENT_FIELDS))
    if bad:
        raise CommandError(f"A statement has no field {', '.join(bad)}.")
    for name, value in fields.items():
        _text(name, value)
    return _row("statement", {"id": statement.id}, dict(fields), EDIT_STATEMENT,
                _on_claim(statement.claim_id))


def delete_statement(statement: Statement) -> _RowEdit:
    return _row("statement", {"id": statement.id}, None, DELETE_STATEMENT,
                _on_claim(statement.claim_id))


# --------------------------------------------------------------------------- linked evidence


def link_evidence(claim_id: int, evidence_id: int, stance: str, note: str = "") -> _RowEdit:
    return _row("claim_evidence", {"claim_id": claim_id, "evidence_id": evidence_id},
                {"stance": _enum_value(Stance, "stance", stance), "note": _text("note", note)},
                LINK_EVIDENCE, _on_claim(claim_id, evidence_id), upsert=True)


def change_stance(claim_id: int, evidence_id: int, stance: str) -> _RowEdit:
    return _row("claim_evidence", {"claim_id": claim_id, "evidence_id": evidence_id},
                {"stance": _enum_value(Stance, "stance", stance)}, CHANGE_STANCE,
                _on_claim(claim_id, evidence_id))


def link_or_change_stance(case: CaseFile, claim_id: int, evidence_id: int,
                          stance: str) -> _RowEdit | None:
    """Link an item to a claim, or change the stance of its link; None if nothing changes."""
    existing = {link.evidence_id: link for link in case.claim_evidence(claim_id)}
    link = existing.get(evidence_id)
    if link is None:
        return link_evidence(claim_id, evidence_id, stance)
    if str(link.stance) == _enum_value(Stance, "stance", stance):
        return None
    return change_stance(claim_id, evidence_id, stance)


def edit_link_note(claim_id: int, evidence_id: int, note: str) -> _RowEdit:
    return _row("claim_evidence", {"claim_id": claim_id, "evidence_id": evidence_id},
                {"note": _text("note", note)}, EDIT_LINK_NOTE, _on_claim(claim_id, evidence_id))


def unlink_evidence(claim_id: int, evidence_id: int) -> _RowEdit:
    return _row("claim_evidence", {"claim_id": claim_id, "evidence_id": evidence_id}, None,
                UNLINK_EVIDENCE, _on_claim(claim_id, evidence_id))


# --------------------------------------------------------------------------- verdicts


def _verdict_values(verdict: Verdict) -> Row:
    values = asdict(verdict)
    values.pop("claim_id")
    values["rating"] = _enum_value(Rating, "rating", verdict.rating)
    values["confidence"] = _enum_value(Confidence, "confidence", verdict.confidence)
    values["summary"] = _text("summary", verdict.summary)
    values["rationale"] = _text("rationale", verdict.rationale)
    values["checklist"] = _checklist_json(verdict.checklist)
    return values


def set_verdict(verdict: Verdict) -> _RowEdit:
    """Write the verdict row alone (sample builders); reviewers use `record_verdict`."""
    return _row("verdict", {"claim_id": verdict.claim_id}, _verdict_values(verdict),
                RECORD_VERDICT, _on_claim(verdict.claim_id), upsert=True)


def record_verdict(case: CaseFile, verdict: Verdict) -> Command:
    """The verdict, and its draft gone, in one transaction: undo brings the draft back."""
    edit = set_verdict(verdict)
    if case.verdict_draft(verdict.claim_id) is None:
        return edit
    discard = _row("verdict_draft", {"claim_id": verdict.claim_id}, None,
                   DISCARD_VERDICT_DRAFT, _on_claim(verdict.claim_id))
    return Batch((edit, discard), RECORD_VERDICT.undo_text)


def clear_verdict(claim_id: int) -> _RowEdit:
    return _row("verdict", {"claim_id": claim_id}, None, CLEAR_VERDICT, _on_claim(claim_id))


def save_verdict_draft(case: CaseFile, draft: VerdictDraft, label: str = "") -> _RowEdit:
    """Keep an unfinished verdict in the case; an empty draft removes the stored one."""
    key = {"claim_id": draft.claim_id}
    on_claim = _on_claim(draft.claim_id)
    if draft.empty:
        if case.verdict_draft(draft.claim_id) is None:
            raise CommandError(f"Claim {draft.claim_id} has no verdict draft to discard.")
        return _row("verdict_draft", key, None, DISCARD_VERDICT_DRAFT, on_claim, label)
    values = {
        "rating": _enum_value(Rating, "rating", draft.rating) if draft.rating else None,
        "confidence": (_enum_value(Confidence, "confidence", draft.confidence)
                       if draft.confidence else None),
        "summary": _text("summary", draft.summary),
        "rationale": _text("rationale", draft.rationale),
        "checklist": _checklist_json(draft.checklist),
    }
    return _row("verdict_draft", key, values, EDIT_VERDICT_DRAFT, on_claim, label, upsert=True)


def discard_verdict_draft(claim_id: int) -> _RowEdit:
    return _row("verdict_draft", {"claim_id": claim_id}, None, DISCARD_VERDICT_DRAFT,
                _on_claim(claim_id))


def set_checklist_item(case: CaseFile, claim_id: int, key: str, value: bool | None
                       ) -> _RowEdit:
    """Mark one check done (True), open (False) or not applicable (None).

    On the recorded verdict if the claim has one, else on its draft (started if need be).
    """
    if key not in CHECKLIST_KEYS:
        raise CommandError(f"{key!r} is not a checklist item; the items are"
                           f" {', '.join(CHECKLIST_KEYS)}.")
    if value is not None and not isinstance(value, bool):
        raise CommandError(f"The checklist item {key} is done, open or not applicable.")
    verdict = case.verdict(claim_id)
    label = f"{SET_CHECKLIST_ITEM.undo_text}: {key.replace('_', ' ')}"
    if verdict is not None:
        checklist = {**verdict.checklist, key: value}
        return _row("verdict", {"claim_id": claim_id},
                    {"checklist": _checklist_json(checklist)}, SET_CHECKLIST_ITEM,
                    _on_claim(claim_id), label)
    draft = case.verdict_draft(claim_id) or VerdictDraft(claim_id)
    checklist = {**draft.checklist, key: value}
    if case.verdict_draft(claim_id) is None:
        values: Row = {"rating": None, "confidence": None, "summary": "", "rationale": "",
                       "checklist": _checklist_json(checklist)}
    else:
        values = {"checklist": _checklist_json(checklist)}
    return _row("verdict_draft", {"claim_id": claim_id}, values, SET_CHECKLIST_ITEM,
                _on_claim(claim_id), label, upsert=True)


# --------------------------------------------------------------------------- geolocation


def _geolocation_values(geolocation: Geolocation) -> Row:
    lat, lon = _lat_lon(geolocation.lat, geolocation.lon)
    return {
        "lat": lat, "lon": lon,
        "precision_m": _positive("precision", geolocation.precision_m, "m"),
        "heading": (None if geolocation.heading is None
                    else _bearing("heading", geolocation.heading)),
        "fov": None if geolocation.fov is None else _fov(geolocation.fov),
        "camera_height_m": _positive("camera height", geolocation.camera_height_m, "m"),
        "confidence": _enum_value(Confidence, "confidence", geolocation.confidence),
        "method": _text("method", geolocation.method),
    }


def set_geolocation(geolocation: Geolocation) -> _RowEdit:
    """Where the camera stood (and looked): the whole finding, new or replaced."""
    return _row("geolocation", {"evidence_id": geolocation.evidence_id},
                _geolocation_values(geolocation), GEOLOCATE,
                _on_evidence(geolocation.evidence_id), upsert=True)


def clear_geolocation(evidence_id: int) -> _RowEdit:
    return _row("geolocation", {"evidence_id": evidence_id}, None, REMOVE_GEOLOCATION,
                _on_evidence(evidence_id))


def _geo_edit(evidence_id: int, action: Action, values: Row) -> _RowEdit:
    return _row("geolocation", {"evidence_id": evidence_id}, values, action,
                _on_evidence(evidence_id))


def move_camera(evidence_id: int, lat: float, lon: float) -> _RowEdit:
    la, lo = _lat_lon(lat, lon)
    return _geo_edit(evidence_id, MOVE_CAMERA, {"lat": la, "lon": lo})


def place_camera(case: CaseFile, evidence_id: int, lat: float, lon: float) -> _RowEdit:
    """Put the camera at a point: moves it if the frame is placed, geolocates it if not."""
    if case.geolocation(evidence_id) is not None:
        return move_camera(evidence_id, lat, lon)
    return set_geolocation(Geolocation(evidence_id, lat, lon))


def set_view(evidence_id: int, heading: float | None, fov: float | None) -> _RowEdit:
    """Where the camera looked; None clears the heading or the field of view."""
    return _geo_edit(evidence_id, SET_VIEW, {
        "heading": None if heading is None else _bearing("heading", heading),
        "fov": None if fov is None else _fov(fov),
    })


def set_camera_height(evidence_id: int, height_m: float) -> _RowEdit:
    return _geo_edit(evidence_id, SET_CAMERA_HEIGHT,
                     {"camera_height_m": _positive("camera height", height_m, "m")})


def set_precision(evidence_id: int, precision_m: float) -> _RowEdit:
    return _geo_edit(evidence_id, SET_PRECISION,
                     {"precision_m": _positive("precision", precision_m, "m")})


def set_geolocation_confidence(evidence_id: int, confidence: str) -> _RowEdit:
    return _geo_edit(evidence_id, SET_GEO_CONFIDENCE,
                     {"confidence": _enum_value(Confidence, "confidence", confidence)})


def describe_method(evidence_id: int, method: str) -> _RowEdit:
    return _geo_edit(evidence_id, DESCRIBE_METHOD, {"method": _text("method", method)})


# --------------------------------------------------------------------------- the horizon


def _horizon_values(horizon: Horizon) -> Row:
    y_left = _unit("horizon's left end", horizon.y_left)
    y_right = _unit("horizon's right end", horizon.y_right)
    return {"y_left": y_left, "y_right": y_right}


def set_horizon(horizon: Horizon) -> _RowEdit:
    return _row("horizon", {"evidence_id": horizon.evidence_id}, _horizon_values(horizon),
                MARK_HORIZON, _on_evidence(horizon.evidence_id), upsert=True)


def adjust_horizon(horizon: Horizon) -> _RowEdit:
    """A dragged horizon; consecutive drags of one gesture merge into one undo step."""
    return _row("horizon", {"evidence_id": horizon.evidence_id}, _horizon_values(horizon),
                ADJUST_HORIZON, _on_evidence(horizon.evidence_id))


def clear_horizon(evidence_id: int) -> _RowEdit:
    return _row("horizon", {"evidence_id": evidence_id}, None, REMOVE_HORIZON,
                _on_evidence(evidence_id))



# --------------------------------------------------------------------------- landmarks


def _unset_references(case: CaseFile, keep: int | None = None) -> list[Command]:
    return [_row("landmark", {"id": lm.id}, {"is_reference": 0}, UNSET_REFERENCE, _ON_LANDMARKS)
            for lm in case.landmarks() if lm.is_reference and lm.id != keep]


def add_landmark(case: CaseFile, landmark: Landmark) -> Command:
    """A named place; marked as the reference point, it takes that role from any other."""
    lat, lon = _lat_lon(landmark.lat, landmark.lon)
    name = _text("landmark name", landmark.name, required=True).strip()
    lid = landmark.id or _next_id(case, "landmark")
    values: Row = {"name": name, "lat": lat, "lon": lon, "kind": _text("kind", landmark.kind),
                   "notes": _text("notes", landmark.notes),
                   "is_reference": int(bool(landmark.is_reference))}
    add = _row("landmark", {"id": lid}, values, ADD_LANDMARK, _ON_LANDMARKS, upsert=True)
    if not landmark.is_reference:
        return add
    unset = _unset_references(case)
    return Batch((*unset, add), ADD_LANDMARK.undo_text) if unset else add


def move_landmark(landmark_id: int, lat: float, lon: float) -> _RowEdit:
    la, lo = _lat_lon(lat, lon)
    return _row("landmark", {"id": landmark_id}, {"lat": la, "lon": lo}, MOVE_LANDMARK,
                _ON_LANDMARKS)


def rename_landmark(landmark_id: int, name: str) -> _RowEdit:
    text = _text("landmark name", name, required=True).strip()
    return _row("landmark", {"id": landmark_id}, {"name": text}, RENAME_LANDMARK, _ON_LANDMARKS)


def delete_landmark(case: CaseFile, landmark_id: int) -> Batch:
    """The landmark; arrows measured against it fall back to the case's reference point."""
    edits: list[Command] = [
        _row("movement", {"id": m.id}, {"reference_id": None}, CHOOSE_REFERENCE,
             _on_movement(m))
        for m in case.movements() if m.reference_id == landmark_id
    ]
    edits.append(_row("landmark", {"id": landmark_id}, None, DELETE_LANDMARK, _ON_LANDMARKS))
    return Batch(tuple(edits), DELETE_LANDMARK.undo_text)


def set_default_reference(case: CaseFile, landmark_id: int) -> Command:
    """Make one landmark the case's reference point; there is never more than one."""
    if all(lm.id != landmark_id for lm in case.landmarks()):
        raise CommandError(f"There is no landmark {landmark_id} in {case.path.name}.")
    edits = _unset_references(case, keep=landmark_id)
    edits.append(_row("landmark", {"id": landmark_id}, {"is_reference": 1}, SET_REFERENCE,
                      _ON_LANDMARKS))
    return Batch(tuple(edits), SET_REFERENCE.undo_text)


def clear_default_reference(case: CaseFile) -> Batch:
    return Batch(tuple(_unset_references(case)), UNSET_REFERENCE.undo_text)


# --------------------------------------------------------------------------- movement


def _colour(value: object) -> str:
    if not isinstance(value, str) or not _COLOUR.fullmatch(value):
        raise CommandError(f"An arrow's colour is #rrggbb (got {value!r}).")
    return value


def add_movement(case: CaseFile, movement: Movement) -> _RowEdit:
    """An arrow drawn on a frame, optionally with a typed bearing or a ground track."""
    values = asdict(movement)
    mid = values.pop("id") or _next_id(case, "movement")
    for name in ("x1", "y1", "x2", "y2"):
        values[name] = _unit("arrow's end", values[name])
    values["color"] = _colour(movement.color)
    values["label"] = _text("label", movement.label)
    if movement.bearing is not None:
        values["bearing"] = _bearing("bearing", movement.bearing)
    track = movement.track
    if track is not None:
        _lat_lon(*track.start)
        _lat_lon(*track.end)
        values.update(track_fields(track.start, track.end))
    return _row("movement", {"id": mid}, values, ADD_ARROW,
                Touched(evidence=frozenset({movement.evidence_id}), movements=frozenset({mid})),
                upsert=True)


def _arrow_edit(movement: Movement, action: Action, values: Mapping[str, object],
                label: str = "") -> _RowEdit:
    return _row("movement", {"id": movement.id}, values, action, _on_movement(movement), label)


def move_arrow(movement: Movement, x1: float, y1: float, x2: float, y2: float, *,
               reshape: bool = False) -> _RowEdit:
    """The arrow dragged whole (or one end of it, `reshape`) on the frame."""
    values = {"x1": _unit("arrow's end", x1), "y1": _unit("arrow's end", y1),
              "x2": _unit("arrow's end", x2), "y2": _unit("arrow's end", y2)}
    return _arrow_edit(movement, RESHAPE_ARROW if reshape else MOVE_ARROW, values)


def label_arrow(movement: Movement, label: str) -> _RowEdit:
    return _arrow_edit(movement, LABEL_ARROW, {"label": " ".join(_text("label", label).split())})


def colour_arrow(movement: Movement, colour: str) -> _RowEdit:
    return _arrow_edit(movement, COLOUR_ARROW, {"color": _colour(colour)})


def delete_arrow(movement: Movement) -> _RowEdit:
    return _row("movement", {"id": movement.id}, None, DELETE_ARROW, _on_movement(movement))


def choose_reference(movement: Movement, landmark_id: int | None) -> _RowEdit:
    """The landmark this arrow is judged against (None: the case's reference point)."""
    return _arrow_edit(movement, CHOOSE_REFERENCE, {"reference_id": landmark_id})


def _track_values(track: Track) -> Row:
    _lat_lon(*track.start)
    _lat_lon(*track.end)
    if track.start == track.end:
        raise CommandError("A track needs a start and an end that differ.")
    return dict(track_fields(track.start, track.end))


def draw_track(movement: Movement, track: Track, *, correct: bool = False,
               projected: bool = False) -> _RowEdit:
    """The arrow's ground track: drawn on the map, a dragged end (`correct`), or the frame
    arrow projected onto the ground (`projected`). The stored bearing follows the track."""
    action = PROJECT_TRACK if projected else CORRECT_TRACK if correct else DRAW_TRACK
    return _arrow_edit(movement, action, _track_values(track))


def turn_track(movement: Movement, bearing: float | None) -> _RowEdit:
    """A typed bearing: a ground track turns about its start and keeps its length; without a
    track only the bearing is stored. None clears a typed bearing (not a track's)."""
    if bearing is None:
        if movement.track is not None:
            raise CommandError("The bearing comes from the arrow's track; clear the track first.")
        return _arrow_edit(movement, TURN_TRACK, {"bearing": None}, "Clear typed bearing")
    values: Row = dict(turned_track(movement, _bearing("bearing", bearing)))
    return _arrow_edit(movement, TURN_TRACK, values)


def clear_track(movement: Movement) -> _RowEdit:
    """Forget the ground track (and the bearing it gave)."""
    return _arrow_edit(movement, CLEAR_TRACK, {"start_lat": None, "start_lon": None,
                                               "end_lat": None, "end_lon": None,
                                               "bearing": None})


# --------------------------------------------------------------------------- shadows

#: The widest a shadow's bearing may be left (±): beyond it the shadow says nothing of the time.
MAX_SHADOW_TOLERANCE = 90.0


def _shadow_tolerance(value: object) -> float:
    number = _finite("shadow's tolerance", value)
    if not 0.0 < number <= MAX_SHADOW_TOLERANCE:
        raise CommandError(f"A shadow's tolerance is more than 0 and at most"
                           f" {MAX_SHADOW_TOLERANCE:g} degrees (got {number:g}).")
    return number


def _shadow_sizes(height_m: object, length_m: object, size_tolerance: object) -> Row:
    values: Row = {
        "object_height_m": None if height_m is None else _positive("object's height", height_m,
                                                                   "m"),
        "shadow_length_m": None if length_m is None else _positive("shadow's length", length_m,
                                                                   "m"),
    }
    size = _finite("size tolerance", size_tolerance)
    if not 0.0 <= size < 1.0:
        raise CommandError("The size tolerance is a fraction from 0 to under 1 (0.1 is ±10%);"
                           f" got {size:g}.")
    values["size_tolerance"] = size
    return values


def _shadow_drawing(x1: object, y1: object, x2: object, y2: object) -> Row:
    ends = (x1, y1, x2, y2)
    if all(v is None for v in ends):
        return {"x1": None, "y1": None, "x2": None, "y2": None}
    if any(v is None for v in ends):
        raise CommandError("A shadow drawn on the frame needs both ends (x1, y1, x2, y2).")
    return {name: _unit("shadow's end", value)
            for name, value in zip(("x1", "y1", "x2", "y2"), ends, strict=True)}


def _on_shadow(shadow: Shadow) -> Touched:
    return _on_evidence(shadow.evidence_id)


def add_shadow(case: CaseFile, shadow: Shadow) -> _RowEdit:
    """A shadow seen on a frame: its bearing on the ground (base to tip) ± a tolerance, and
    optionally the object's height and shadow's length and where it is drawn."""
    try:
        case.get_evidence(shadow.evidence_id)
    except KeyError:
        raise CommandError(f"There is no evidence {shadow.evidence_id} in"
                           f" {case.path.name}.") from None
    sid = shadow.id or _next_id(case, "shadow")
    values: Row = {
        "evidence_id": shadow.evidence_id,
        "label": " ".join(_text("label", shadow.label).split()),
        "bearing": _bearing("shadow's bearing", shadow.bearing),
        "tolerance": _shadow_tolerance(shadow.tolerance),
        **_shadow_sizes(shadow.object_height_m, shadow.shadow_length_m, shadow.size_tolerance),
        **_shadow_drawing(shadow.x1, shadow.y1, shadow.x2, shadow.y2),
    }
    return _row("shadow", {"id": sid}, values, ADD_SHADOW, _on_shadow(shadow), upsert=True)


def _shadow_edit(shadow: Shadow, action: Action, values: Row, label: str = "") -> _RowEdit:
    return _row("shadow", {"id": shadow.id}, values, action, _on_shadow(shadow), label)


def move_shadow(shadow: Shadow, x1: float, y1: float, x2: float, y2: float) -> _RowEdit:
    """The shadow's line dragged on the frame; a drag's steps merge into one undo step. The
    bearing is set apart (`set_shadow_bearing`), from the camera model or typed."""
    return _shadow_edit(shadow, MOVE_SHADOW, _shadow_drawing(x1, y1, x2, y2))


def set_shadow_bearing(shadow: Shadow, bearing: float, tolerance: float | None = None
                       ) -> _RowEdit:
    values: Row = {"bearing": _bearing("shadow's bearing", bearing)}
    if tolerance is not None:
        values["tolerance"] = _shadow_tolerance(tolerance)
    return _shadow_edit(shadow, SET_SHADOW_BEARING, values)


def measure_shadow(shadow: Shadow, object_height_m: float | None,
                   shadow_length_m: float | None, size_tolerance: float | None = None
                   ) -> _RowEdit:
    """The object's height and the shadow's length (None clears one), which give the sun's
    elevation when both are known."""
    size = shadow.size_tolerance if size_tolerance is None else size_tolerance
    return _shadow_edit(shadow, MEASURE_SHADOW,
                        _shadow_sizes(object_height_m, shadow_length_m, size))


def label_shadow(shadow: Shadow, label: str) -> _RowEdit:
    return _shadow_edit(shadow, LABEL_SHADOW, {"label": " ".join(_text("label", label).split())})


def delete_shadow(shadow: Shadow) -> _RowEdit:
    return _row("shadow", {"id": shadow.id}, None, DELETE_SHADOW, _on_shadow(shadow))


# --------------------------------------------------------------------------- the time question


def set_time_question(case: CaseFile, evidence_id: int, first: date, last: date,
                      claimed_at: str = "") -> Command:
    """The local days (first..last, at the camera) a frame's shadows are solved for, and the
    time a claim gives to test against them ('' for none). A claimed time without an offset is
    read later in the zone of the frame's geolocation; when the frame is geolocated now, a
    wall-clock time that zone skipped or repeated is refused here already."""
    from desk.core.chronolocation import MAX_DAYS

    try:
        case.get_evidence(evidence_id)
    except KeyError:
        raise CommandError(f"There is no evidence {evidence_id} in"
                           f" {case.path.name}.") from None
    if not all(isinstance(day, date) for day in (first, last)):
        raise CommandError("The days to test are dates (YYYY-MM-DD).")
    days = (last - first).days + 1
    if days < 1:
        raise CommandError(f"The days to test end ({last.isoformat()}) before they begin"
                           f" ({first.isoformat()}).")
    if days > MAX_DAYS:
        raise CommandError(f"The days to test cover at most {MAX_DAYS} days (got {days}).")
    claimed = _text("claimed time", claimed_at).strip()
    if claimed:
        _check_claimed_time(case, evidence_id, claimed)
    values: Row = {"first_day": first.isoformat(), "last_day": last.isoformat(),
                   "claimed_at": claimed}
    return _row("time_question", {"evidence_id": evidence_id}, values, SET_TIME_QUESTION,
                _on_evidence(evidence_id), upsert=True)


def _check_claimed_time(case: CaseFile, evidence_id: int, text: str) -> None:
    from desk.core.timezones import ZoneUnknown, parse_instant, zone_at

    geolocation = case.geolocation(evidence_id)
    zone = None
    if geolocation is not None:
        try:
            zone = zone_at(geolocation.lat, geolocation.lon)
        except (ZoneUnknown, ValueError):
            zone = None
    try:
        parse_instant(text, zone, "+00:00" if zone is None else None)
    except ValueError as exc:
        raise CommandError(f"The claimed time: {exc}") from None


def clear_time_question(case: CaseFile, evidence_id: int) -> Command:
    """Forget the days and the claimed time asked of a frame (its shadows stay)."""
    return _row("time_question", {"evidence_id": evidence_id}, None, CLEAR_TIME_QUESTION,
                _on_evidence(evidence_id))


# --------------------------------------------------------------------------- tile packs

_ON_IMAGERY = Touched(imagery=True)
_SHA256 = re.compile(r"[0-9a-f]{64}")


def _pack_layer(role: object, opacity: object) -> Row:
    from desk.core.imagery import ROLES

    if role not in ROLES:
        raise CommandError(f"A tile pack is a base layer or an overlay (got {role!r}).")
    value = _finite("pack's opacity", opacity)
    if not 0.0 < value <= 1.0:
        raise CommandError(f"A pack's opacity is more than 0 and at most 1 (got {value:g}).")
    return {"role": role, "opacity": value}


def add_tile_pack(case: CaseFile, pack: TilePackRef) -> Command:
    """Refer to a pack by path and SHA-256 (its custody entry records both); the same pack
    is referred to once."""
    from desk.core.clock import utc_now

    if not _SHA256.fullmatch(pack.sha256):
        raise CommandError("A tile pack is referred to by its SHA-256 (64 hex digits).")
    if pack.format not in ("mbtiles", "pmtiles"):
        raise CommandError(f"A tile pack is MBTiles or PMTiles (got {pack.format!r}).")
    size: object = pack.size  # a reference may come from a file another program wrote
    if isinstance(size, bool) or not isinstance(size, int) or size < 0:
        raise CommandError(f"A pack's size is a number of bytes (got {pack.size!r}).")
    for other in case.tile_packs():
        if other.sha256 == pack.sha256:
            raise CommandError(f"That pack is already in the case (pack {other.id},"
                               f" {other.name or other.path}).")
    values: Row = {"path": _text("pack's path", pack.path, required=True),
                   "sha256": pack.sha256, "size": pack.size, "format": pack.format,
                   "name": _text("pack's name", pack.name),
                   "attribution": _text("pack's attribution", pack.attribution),
                   **_pack_layer(pack.role, pack.opacity),
                   "added_at": pack.added_at or utc_now()}
    return _row("tile_pack", {"id": pack.id or _next_id(case, "tile_pack")}, values,
                ADD_TILE_PACK, _ON_IMAGERY, upsert=True)


def set_tile_pack_layer(pack_id: int, role: str, opacity: float) -> _RowEdit:
    return _row("tile_pack", {"id": pack_id}, _pack_layer(role, opacity), SET_TILE_PACK_LAYER,
                _ON_IMAGERY)


def remove_tile_pack(pack_id: int) -> _RowEdit:
    """The reference only: the pack's file is the machine's and stays where it is."""
    return _row("tile_pack", {"id": pack_id}, None, REMOVE_TILE_PACK, _ON_IMAGERY)


# --------------------------------------------------------------------------- overlays


def _overlay_pairs(pairs: Sequence[Sequence[float]]) -> str:
    """The pairs as stored, once they place an image (fewer than three, in a line, or off
    the map are refused with the fit's own words)."""
    from desk.core.overlay_fit import PlacementError, PointPair, fit

    try:
        points = [PointPair(*(float(v) for v in pair)) for pair in pairs]
    except (TypeError, ValueError):
        raise CommandError("A point pair is x, y on the image and lat, lon on the map.") from None
    try:
        fit(points)
    except PlacementError as exc:
        raise CommandError(f"The overlay cannot be placed: {exc}.") from None
    return json.dumps([[p.x, p.y, p.lat, p.lon] for p in points])


def _overlay_opacity(value: object) -> float:
    opacity = _finite("overlay's opacity", value)
    if not 0.0 < opacity <= 1.0:
        raise CommandError(f"An overlay's opacity is more than 0 and at most 1 (got"
                           f" {opacity:g}).")
    return opacity


def place_overlay(case: CaseFile, evidence_id: int, pairs: Sequence[Sequence[float]],
                  opacity: float = 0.7, label: str = "") -> Command:
    """Lay a still of the case over the map, placed by its point pairs."""
    try:
        case.get_evidence(evidence_id)
    except KeyError:
        raise CommandError(f"There is no evidence {evidence_id} in {case.path.name}.") from None
    values: Row = {"evidence_id": evidence_id, "pairs": _overlay_pairs(pairs),
                   "opacity": _overlay_opacity(opacity), "label": _text("label", label)}
    return _row("overlay", {"id": _next_id(case, "overlay")}, values, PLACE_OVERLAY,
                _ON_IMAGERY, upsert=True)


def adjust_overlay(overlay_id: int, pairs: Sequence[Sequence[float]]) -> _RowEdit:
    return _row("overlay", {"id": overlay_id}, {"pairs": _overlay_pairs(pairs)}, ADJUST_OVERLAY,
                _ON_IMAGERY)


def set_overlay_opacity(overlay_id: int, opacity: float) -> _RowEdit:
    return _row("overlay", {"id": overlay_id}, {"opacity": _overlay_opacity(opacity)},
                SET_OVERLAY_OPACITY, _ON_IMAGERY)


def remove_overlay(overlay_id: int) -> _RowEdit:
    return _row("overlay", {"id": overlay_id}, None, REMOVE_OVERLAY, _ON_IMAGERY)


# --------------------------------------------------------------------------- sign-off


@dataclass(frozen=True)
class SignOff:
    """A second reviewer's decision on a verdict (`desk.team.signoff` builds the detail: the
    subject and the approver's signature over it). It changes no row: the custody entry is the
    record. Undoing it withdraws the decision, in an entry of its own."""

    action: str
    claim_id: int
    detail: Mapping[str, object]

    @property
    def description(self) -> str:
        named = ACTIONS.get(_base_action(self.action))
        text = named.undo_text if named else self.action
        return _invert_action(text) if self.action.startswith("undo ") else text

    @property
    def touched(self) -> Touched:
        """The claim's verdict shows who signed it off: its view is drawn again."""
        return _on_claim(self.claim_id)

    def mergeable_with(self, other: Command) -> bool:
        return False

    def apply(self, case: CaseFile) -> SignOff:
        case.log(self.action, [f"claim:{self.claim_id}"],
                 {**dict(self.detail), "command": self.action, "claim_id": self.claim_id})
        return SignOff(_invert_action(self.action), self.claim_id, self.detail)


# --------------------------------------------------------------------------- team conflicts


def key_columns(table: str) -> tuple[str, ...]:
    """The columns that name one row of an editable table (a conflict's key lists their
    values in this order)."""
    if table not in _EDITABLE:
        raise CommandError(f"{table} rows cannot be edited, so a conflict there cannot be"
                           " resolved here.")
    return _EDITABLE[table][0]


def _kept_value(value: object) -> object:
    """A value as a row stores it: bytes are listed by their SHA-256 only, never chosen."""
    if isinstance(value, dict | bytes | bytearray | memoryview):
        raise CommandError("A file's bytes cannot be chosen here.")
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, float) and not math.isfinite(value):
        raise CommandError(f"A kept value must be a finite number (got {value!r}).")
    if value is not None and not isinstance(value, str | int | float):
        raise CommandError(f"A kept value is text, a number or empty (got"
                           f" {type(value).__name__}).")
    return value


def _touched_by(table: str, key: Row, rows: Sequence[Row]) -> Touched:
    """What changing this row redraws: its own item, and the evidence and claims it belongs
    to before and after (a statement moved to another claim touches both)."""
    def ids(column: str) -> frozenset[int]:
        found = [r.get(column) for r in (key, *rows)]
        return frozenset(v for v in found if isinstance(v, int) and not isinstance(v, bool))

    own = ids("id")
    return Touched(evidence=ids("evidence_id") | (own if table == "evidence" else frozenset()),
                   claims=ids("claim_id") | (own if table == "claim" else frozenset()),
                   landmarks=table == "landmark",
                   movements=own if table == "movement" else frozenset(),
                   imagery=table in ("tile_pack", "overlay"))


def resolve_conflict(case: CaseFile, table: str, key: Mapping[str, object], field_name: str,
                     value: object) -> _RowEdit:
    """Settle a team-sync conflict by setting the field to the value chosen (as the row stores
    it): an edit like any other, so it is undone, synced and logged with the field it sets,
    which is what settles the conflict on every copy (`desk.team.conflicts`)."""
    keys, editable = key_columns(table), _EDITABLE[table][1]
    if field_name not in editable:
        raise CommandError(f"{field_name!r} of {table} cannot be edited, so that conflict"
                           " cannot be resolved here.")
    if sorted(key) != sorted(keys) or not all(
            isinstance(v, int | str) and not isinstance(v, bool) for v in key.values()):
        raise CommandError(f"A row of {table} is named by {', '.join(keys)}.")
    kept = _kept_value(value)
    key_row: Row = {k: key[k] for k in keys}
    where = " AND ".join(f"{k} = ?" for k in keys)
    found = case.conn.execute(f"SELECT {', '.join(editable)} FROM {table} WHERE {where}",
                              [key_row[k] for k in keys]).fetchone()
    if found is None:
        raise CommandError(_missing(table, key_row))
    before: Row = dict(zip(editable, found, strict=True))
    touched = _touched_by(table, key_row, (before, {**before, field_name: kept}))
    return _row(table, key_row, {field_name: kept}, RESOLVE_CONFLICT, touched,
                f"{RESOLVE_CONFLICT.undo_text}: {field_name.replace('_', ' ')}")


# --------------------------------------------------------------------------- team merges

#: Where a merge gets an original's bytes: (evidence id, SHA-256, size) -> its chunks.
OriginalBytes = Callable[[int, str, int], Iterable[bytes]]


class CaseMovedOn(CommandError):
    """A team command planned on a state of the case that another edit has since changed."""


def _require_head(conn: Any, expected: str) -> None:
    if not expected:
        return
    head = conn.execute("SELECT hash FROM audit ORDER BY seq DESC LIMIT 1").fetchone()
    if head is None or str(head[0]) != expected:
        raise CaseMovedOn("The case was edited while the sync was working out what to merge;"
                          " nothing was merged, and syncing again takes the new edit in.")


@dataclass(frozen=True)
class MergeRows:
    """Rows as a team merge decided them (`desk.team.merge`): whole rows by table and key
    (None deletes one), in one transaction with the merge entry, whose detail carries the
    merged entries and the conflicts. Originals come by their SHA-256 and are hashed."""

    rows: tuple[tuple[str, str, tuple[object, ...] | None], ...]
    detail: Mapping[str, object]
    originals: OriginalBytes | None = None
    action: str = SYNC_MERGE.name
    #: The custody head the merge was planned on: refused when the case has moved on since
    #: (the window's own edit during a background sync), so a plan never overwrites an edit
    #: it did not see. Empty: not checked.
    after: str = ""

    @property
    def description(self) -> str:
        return SYNC_MERGE.undo_text

    def mergeable_with(self, other: Command) -> bool:
        return False

    def apply(self, case: CaseFile) -> MergeRows:
        from desk.core import tracking

        tables = {t.name: t for t in tracking.tables()}
        order = {name: n for n, name in enumerate(tables)}
        for table, _, _ in self.rows:
            if table not in tables or table == "original_chunk":
                raise CommandError(f"A team merge cannot write {table} rows in this version.")
        deletes = sorted((r for r in self.rows if r[2] is None),
                         key=lambda r: (-order[r[0]], r[1]))
        writes = sorted((r for r in self.rows if r[2] is not None),
                        key=lambda r: (order[r[0]], r[1]))
        inverse: list[tuple[str, str, tuple[object, ...] | None]] = []
        items = sorted({f"{t}:{':'.join(str(v) for v in json.loads(k))}" for t, k, _ in self.rows})
        #: Evidence whose SHA-256 this merge changes: its original must be replaced whole.
        replaced: dict[int, int] = {}
        with case.edit(self.action, items, {**self.detail, "command": self.action}) as conn:
            _require_head(conn, self.after)
            for table, key, values in [*deletes, *writes]:
                spec = tables[table]
                key_values = json.loads(key)
                where = " AND ".join(f"{k} = ?" for k in spec.keys)
                old = conn.execute(f"SELECT {spec.value_sql()} FROM main.{table} WHERE {where}",
                                   key_values).fetchone()
                inverse.append((table, key, tuple(old) if old is not None else None))
                if values is None:
                    if old is not None:
                        conn.execute(f"DELETE FROM main.{table} WHERE {where}", key_values)
                    continue
                row = dict(zip(spec.columns, values, strict=True))
                twin = conn.execute("SELECT id FROM main.evidence WHERE sha256 = ? AND id != ?",
                                    (row["sha256"], row["id"])).fetchone() if (
                    table == "evidence") else None
                if twin is not None:
                    raise CommandError(
                        f"Evidence {row['id']} of another copy is the same file as evidence"
                        f" {twin[0]} here (SHA-256 {str(row['sha256'])[:12]}…), imported"
                        " under two numbers; a team merge cannot join them in this version."
                        " Nothing was merged.")
                if (table == "evidence" and old is not None
                        and old[spec.columns.index("sha256")] != row["sha256"]):
                    replaced[int(str(row["id"]))] = int(str(row["size"]))
                if table == "original":
                    eid = row["evidence_id"]
                    if old is not None and eid in replaced:
                        conn.execute("DELETE FROM main.original WHERE evidence_id = ?", (eid,))
                        replaced.pop(eid)
                        old = None
                    self._original(case, conn, row, old is not None)
                    continue
                if old is None:
                    conn.execute(f"INSERT INTO main.{table} ({', '.join(spec.columns)}) VALUES"
                                 f" ({', '.join('?' * len(spec.columns))})", values)
                else:
                    sets = [c for c in spec.columns if c not in spec.keys]
                    if sets:
                        conn.execute(f"UPDATE main.{table} SET"
                                     f" {', '.join(f'{c} = ?' for c in sets)} WHERE {where}",
                                     [row[c] for c in sets] + key_values)
            for eid, size in sorted(replaced.items()):
                # Another file now stands under this id; its original comes with it, or the
                # merge is refused: bytes never stay under a SHA-256 they do not have.
                if conn.execute("SELECT 1 FROM main.original_chunk WHERE evidence_id = ?",
                                (eid,)).fetchone() is not None:
                    raise CommandError(f"Evidence {eid} would change its file, and its original"
                                       " is stored in parts, which a team merge cannot replace"
                                       " in this version; nothing was merged.")
                conn.execute("DELETE FROM main.original WHERE evidence_id = ?", (eid,))
                self._original(case, conn, {"evidence_id": eid, "data": size}, False)
        return MergeRows(tuple(reversed(inverse)), {}, None, _invert_action(self.action))

    def _original(self, case: CaseFile, conn: Any, row: Row, exists: bool) -> None:
        """An original another reviewer imported: streamed in, refused unless it hashes to
        its evidence's SHA-256 (an original never changes, so one already here stays: its
        evidence's SHA-256 is the same, or `apply` has removed it to be replaced)."""
        import hashlib

        if exists:
            return
        eid, size = row["evidence_id"], row["data"]
        if not isinstance(eid, int) or not isinstance(size, int) or size < 0:
            raise CommandError(f"The original of evidence {eid} cannot be read.")
        found = conn.execute("SELECT sha256 FROM evidence WHERE id = ?", (eid,)).fetchone()
        if found is None or self.originals is None:
            raise CommandError(f"The original of evidence {eid} belongs to no evidence here.")
        sha = str(found[0])
        conn.execute("INSERT INTO original (evidence_id, data) VALUES (?, zeroblob(?))",
                     (eid, size))
        digest, written = hashlib.sha256(), 0
        with conn.blobopen("original", "data", eid) as blob:
            for chunk in self.originals(eid, sha, size):
                if written + len(chunk) > size:
                    raise CommandError(f"The original of evidence {eid} is longer than its"
                                       f" recorded {size:,} bytes.")
                blob.write(chunk)
                digest.update(chunk)
                written += len(chunk)
        if written != size or digest.hexdigest() != sha:
            raise CommandError(f"The original of evidence {eid} does not match its SHA-256;"
                               " nothing was merged.")


# --------------------------------------------------------------------------- renumbering

RENUMBER = _action("renumber items", "Renumber items")


@dataclass(frozen=True)
class Renumber:
    """Give items new ids, each with every row that points at it (`desk.team.renumber`: the
    same id given by two reviewers' copies; the later-made item moves). Rows move in place,
    so an original of any size moves without being copied."""

    moves: tuple[tuple[str, int, int], ...]
    action: str = RENUMBER.name
    #: As for `MergeRows.after`: the custody head the moves were planned on.
    after: str = ""

    @property
    def description(self) -> str:
        text = RENUMBER.undo_text
        return _invert_action(text) if self.action.startswith("undo ") else text

    def mergeable_with(self, other: Command) -> bool:
        return False

    def apply(self, case: CaseFile) -> Renumber:
        from desk.core import tracking

        pointing = tracking.references()
        movable = tracking.entity_tables()
        items = sorted({f"{t}:{n}" for t, old, new in self.moves for n in (old, new)})
        detail = {"command": self.action,
                  "moved": [{"table": t, "from": old, "to": new} for t, old, new in self.moves]}
        with case.edit(self.action, items, detail) as conn:
            _require_head(conn, self.after)
            # Children follow their parent within the transaction; checked at its commit.
            conn.execute("PRAGMA defer_foreign_keys = ON")
            for table, old, new in self.moves:
                if table not in movable:
                    raise CommandError(f"{table} rows cannot be renumbered.")
                if conn.execute(f"SELECT 1 FROM main.{table} WHERE id = ?",
                                (new,)).fetchone() is not None:
                    raise CommandError(f"{table} {new} exists already; nothing was renumbered.")
                moved = conn.execute(f"UPDATE main.{table} SET id = ? WHERE id = ?", (new, old))
                if moved.rowcount != 1:
                    raise CommandError(f"There is no {table} {old} to renumber.")
                for child, column in pointing.get(table, ()):
                    conn.execute(f"UPDATE main.{child} SET {column} = ? WHERE {column} = ?",
                                 (new, old))
        return Renumber(tuple((t, new, old) for t, old, new in reversed(self.moves)),
                        _invert_action(self.action))
