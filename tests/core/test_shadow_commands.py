"""Shadows are recorded through named commands: each edit undoes exactly, is in the custody
log, refuses values that say nothing, and a shadow changed behind desk's back is named."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from pathlib import Path

import pytest

from desk.core import commands
from desk.core.casefile import CaseFile
from desk.core.commands import CommandError
from desk.core.model import Metadata, Provenance, Shadow


def _frame(case: CaseFile) -> int:
    with case.edit("import", ["evidence:1"]) as conn:
        return case.insert_evidence(conn, sha256=hashlib.sha256(b"frame").hexdigest(),
                                    data=b"frame", fmt="jpeg", width=1, height=1,
                                    metadata=Metadata(),
                                    provenance=Provenance(original_name="frame.jpg"),
                                    thumbnail=b"t", thumb_size=(1, 1))


def test_a_shadow_is_added_edited_and_every_step_undoes(case_path: Path) -> None:
    with CaseFile.create(case_path, "shadows") as case:
        frame = _frame(case)
        add = commands.add_shadow(case, Shadow(0, frame, 314.0, 4.0, label="  lamp   post ",
                                               x1=0.4, y1=0.8, x2=0.3, y2=0.85))
        remove = add.apply(case)
        sid = commands.created_id(add)
        shadow = case.shadow(sid or 0)
        assert shadow is not None and shadow.label == "lamp post" and shadow.drawn
        assert (shadow.bearing, shadow.tolerance) == (314.0, 4.0) and not shadow.measured

        back = commands.set_shadow_bearing(shadow, 310.0, 3.0).apply(case)
        assert (case.shadows(frame)[0].bearing, case.shadows(frame)[0].tolerance) == (310, 3)
        back.apply(case)
        assert case.shadows(frame)[0].bearing == 314.0

        commands.measure_shadow(shadow, 2.0, 13.5, 0.05).apply(case)
        measured = case.shadows(frame)[0]
        assert measured.measured and measured.size_tolerance == 0.05
        moved = commands.move_shadow(measured, 0.5, 0.7, 0.45, 0.72)
        undo_move = moved.apply(case)
        assert case.shadows(frame)[0].x1 == 0.5
        assert moved.mergeable_with(commands.move_shadow(measured, 0.6, 0.7, 0.45, 0.72))
        undo_move.apply(case)
        assert case.shadows(frame)[0].x1 == 0.4
        commands.label_shadow(measured, "mast").apply(case)

        undo_delete = commands.delete_shadow(case.shadows(frame)[0]).apply(case)
        assert case.shadows() == []
        undo_delete.apply(case)
        assert case.shadows(frame)[0].label == "mast"
        remove.apply(case)
        assert case.shadows() == []

        actions = [e.action for e in case.audit_entries()]
        for name in ("add shadow", "set shadow bearing", "measure shadow", "move shadow",
                     "label shadow", "delete shadow", "undo delete shadow", "undo add shadow"):
            assert name in actions
        assert all(a in commands.ACTIONS or a.startswith("undo ") or a in
                   {"create case", "import"} for a in actions)
        assert case.verify().ok


@pytest.mark.parametrize("shadow, words", [
    (Shadow(0, 1, 400.0, 4.0), "0 to 360"),
    (Shadow(0, 1, 310.0, 0.0), "more than 0"),
    (Shadow(0, 1, 310.0, 120.0), "at most 90"),
    (Shadow(0, 1, 310.0, 4.0, object_height_m=-2.0), "object's height"),
    (Shadow(0, 1, 310.0, 4.0, size_tolerance=1.5), "size tolerance"),
    (Shadow(0, 1, 310.0, 4.0, x1=0.1, y1=0.2), "both ends"),
    (Shadow(0, 1, 310.0, 4.0, x1=0.1, y1=0.2, x2=3.0, y2=0.2), "position on the frame"),
    (Shadow(0, 9, 310.0, 4.0), "no evidence 9"),
])
def test_values_that_say_nothing_are_refused_and_nothing_written(
        case_path: Path, shadow: Shadow, words: str) -> None:
    with CaseFile.create(case_path, "refusals") as case:
        _frame(case)
        entries = len(case.audit_entries())
        with pytest.raises(CommandError, match=words):
            commands.add_shadow(case, shadow).apply(case)
        assert case.shadows() == [] and len(case.audit_entries()) == entries


def test_a_shadow_edited_outside_desk_is_named_by_verify(case_path: Path) -> None:
    with CaseFile.create(case_path, "tamper") as case:
        frame = _frame(case)
        commands.add_shadow(case, Shadow(0, frame, 314.0, 4.0)).apply(case)
        assert case.verify().ok
    conn = sqlite3.connect(case_path)
    conn.execute("UPDATE shadow SET bearing = 134.0")
    conn.commit()
    conn.close()
    with CaseFile.open(case_path, read_only=True) as case:
        problems = case.verify().problems
    assert any("shadow 1 was changed outside desk" in p for p in problems)


def test_text_smuggled_into_a_shadows_numbers_reads_as_no_shadow(case_path: Path) -> None:
    with CaseFile.create(case_path, "text in reals") as case:
        frame = _frame(case)
        commands.add_shadow(case, Shadow(0, frame, 314.0, 4.0, object_height_m=2.0)).apply(case)
    conn = sqlite3.connect(case_path)
    conn.execute("UPDATE shadow SET object_height_m = 'tall'")
    conn.execute("INSERT INTO shadow (id, evidence_id, bearing, tolerance) VALUES"
                 " (2, 1, 'north', 4)")
    conn.commit()
    conn.close()
    with CaseFile.open(case_path, read_only=True) as case:
        (shadow,) = case.shadows()
        assert shadow.object_height_m is None and shadow.bearing == 314.0
        assert case.shadow(2) is None
        detail = json.loads(case.audit_entries()[-1].detail)
        assert detail["table"] == "shadow"
