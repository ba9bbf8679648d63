"""The verification checklist is tri-state: done, open, or not applicable (null in the case).

Not applicable is the reviewer's decision that a check has nothing to apply to (a movement
check for a claim without footage): it is neither done nor open, so it raises no warning and
the dossier says so in words.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

from desk.core import commands
from desk.core.casefile import CaseFile
from desk.dossier import export_dossier, preflight
from desk.dossier.data import checklist_items

ALL_DONE = {"source_identified": True, "original_found": True, "date_checked": True,
            "location_checked": True, "movement_checked": True,
            "alternatives_considered": True}


def _set_checklist(case: CaseFile, **values: bool | None) -> None:
    verdict = case.verdict(1)
    assert verdict is not None
    commands.set_verdict(replace(verdict, checklist={**ALL_DONE, **values})).apply(case)


def test_null_survives_the_case_file_as_not_applicable(opened: CaseFile) -> None:
    _set_checklist(opened, movement_checked=None, original_found=False)
    verdict = opened.verdict(1)
    assert verdict is not None
    assert verdict.checklist["movement_checked"] is None
    assert verdict.checklist["original_found"] is False
    assert verdict.checklist["date_checked"] is True
    stored = opened.conn.execute("SELECT checklist FROM verdict WHERE claim_id = 1").fetchone()
    assert json.loads(stored[0])["movement_checked"] is None


def test_not_applicable_items_are_neither_done_nor_open(opened: CaseFile) -> None:
    _set_checklist(opened, movement_checked=None, original_found=False)
    states = {i["key"]: i["state"] for i in checklist_items(opened.verdict(1))}
    assert states["movement_checked"] == "not_applicable"
    assert states["original_found"] == "open"
    assert states["source_identified"] == "done"
    assert preflight(opened, 1) == ["Checklist item open: Original found."]


def test_dossier_prints_not_applicable_in_words(opened: CaseFile, tmp_path: Path) -> None:
    _set_checklist(opened, movement_checked=None, original_found=False)
    result = export_dossier(opened, 1, tmp_path / "d", {"html", "json"})
    assert result.warnings == ["Checklist item open: Original found."]
    record = json.loads((tmp_path / "d" / "dossier.json").read_text(encoding="utf-8"))
    assert record["open_items"] == ["Original found"]
    assert record["not_applicable_items"] == ["Movement and time checked (where relevant)"]
    html = (tmp_path / "d" / "dossier.html").read_text(encoding="utf-8")
    assert "– N/A</span><span>Movement and time checked (where relevant)" in html
    assert "○ OPEN</span><span>Movement" not in html
    assert "1 of 5 applicable checklist items are open" in html
    assert "Not applicable to this claim" in html


def test_all_not_applicable_or_done_means_no_callout(opened: CaseFile, tmp_path: Path) -> None:
    _set_checklist(opened, movement_checked=None)
    assert preflight(opened, 1) == []
    export_dossier(opened, 1, tmp_path / "d", {"html", "json"})
    html = (tmp_path / "d" / "dossier.html").read_text(encoding="utf-8")
    assert "checklist items are open" not in html
