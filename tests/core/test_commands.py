"""Edits return their inverse: undo and redo restore exactly, and each step is logged."""

from __future__ import annotations

from pathlib import Path

import pytest

from desk.core import commands
from desk.core.casefile import CaseFile, CaseFileError
from desk.core.model import (
    Claim,
    Confidence,
    Geolocation,
    Rating,
    Statement,
    Verdict,
)


def test_claim_add_undo_redo(case_path: Path) -> None:
    with CaseFile.create(case_path, "undo") as case:
        add = commands.add_claim(case, Claim(0, "Kupiansk captured", claimant="State TV"))
        undo = add.apply(case)
        assert [c.claimant for c in case.list_claims()] == ["State TV"]
        redo = undo.apply(case)
        assert case.list_claims() == []
        redo.apply(case)
        assert [c.text for c in case.list_claims()] == ["Kupiansk captured"]
        actions = [e.action for e in case.audit_entries()]
        assert actions[-3:] == ["add claim", "undo add claim", "add claim"]


def test_partial_edit_restores_only_what_it_changed(case_path: Path) -> None:
    with CaseFile.create(case_path, "edit") as case:
        commands.add_claim(case, Claim(0, "old text", claimant="A")).apply(case)
        inverse = commands.edit_claim(1, text="new text").apply(case)
        commands.edit_claim(1, claimant="B").apply(case)
        inverse.apply(case)
        claim = case.get_claim(1)
        assert (claim.text, claim.claimant) == ("old text", "B")


def test_delete_claim_takes_its_statements_and_undo_brings_them_back(case_path: Path) -> None:
    with CaseFile.create(case_path, "cascade") as case:
        commands.add_claim(case, Claim(0, "drones")).apply(case)
        commands.add_statement(case, Statement(0, 1, "Foreign minister", "91 drones")).apply(case)
        commands.add_statement(case, Statement(0, 1, "Governor", "41 drones")).apply(case)
        commands.set_verdict(Verdict(1, Rating.UNPROVEN, Confidence.HIGH, "no proof")).apply(case)
        undo = commands.delete_claim(case, 1).apply(case)
        assert case.list_claims() == [] and case.statements() == []
        assert case.verdict(1) is None
        undo.apply(case)
        assert [s.text for s in case.statements(1)] == ["91 drones", "41 drones"]
        verdict = case.verdict(1)
        assert verdict is not None and verdict.rating is Rating.UNPROVEN


def test_geolocation_set_and_cleared(case_path: Path) -> None:
    with CaseFile.create(case_path, "geo") as case:
        with case.transaction() as conn:
            from desk.core.model import Metadata, Provenance

            case.insert_evidence(conn, sha256="cd" * 32, data=b"x", fmt="jpeg", width=1,
                                 height=1, metadata=Metadata(), provenance=Provenance(),
                                 thumbnail=b"", thumb_size=(1, 1))
        undo = commands.set_geolocation(Geolocation(1, 49.71, 37.61, heading=300.0)).apply(case)
        geo = case.geolocation(1)
        assert geo is not None and geo.heading == 300.0
        undo.apply(case)
        assert case.geolocation(1) is None


def test_provenance_edit_and_immutable_fields(case_path: Path) -> None:
    with CaseFile.create(case_path, "prov") as case:
        with pytest.raises(ValueError):
            commands.set_provenance(1, "sha256", "00")
        assert not hasattr(commands, "edit_row")  # no generic edit outside the core
        bad = commands._RowEdit("evidence", (("id", 1),), (("sha256", "00"),), "tamper")
        with pytest.raises(CaseFileError, match="cannot be edited"):
            bad.apply(case)


def test_drag_edits_merge(case_path: Path) -> None:
    a = commands.move_camera(1, 1.0, 2.0)
    b = commands.move_camera(1, 1.5, 2.5)
    c = commands.move_camera(2, 1.5, 2.5)
    assert a.mergeable_with(b)
    assert not a.mergeable_with(c)
    assert not a.mergeable_with(commands.set_view(1, 10.0, 60.0))


def test_a_verdict_draft_is_kept_in_the_case_and_becomes_the_verdict(case_path: Path) -> None:
    from desk.core.model import VerdictDraft

    with CaseFile.create(case_path, "draft") as case:
        commands.add_claim(case, Claim(0, "91 drones")).apply(case)
        draft = VerdictDraft(1, rationale="No images, no debris, no geolocation.",
                             checklist={"source": True, "movement": None})
        commands.save_verdict_draft(case, draft).apply(case)
        draft = VerdictDraft(1, Rating.UNPROVEN, None, draft.summary, draft.rationale,
                             draft.checklist)
        commands.save_verdict_draft(case, draft).apply(case)
    with CaseFile.open(case_path) as case:  # what a crash or a closed window leaves
        kept = case.verdict_draft(1)
        assert kept == draft and not kept.complete
        assert case.verdict(1) is None
        verdict = Verdict(1, Rating.UNPROVEN, Confidence.HIGH, "", kept.rationale,
                          kept.checklist)
        undo = commands.record_verdict(case, verdict).apply(case)
        assert case.verdict(1) == verdict and case.verdict_draft(1) is None
        undo.apply(case)
        assert case.verdict(1) is None and case.verdict_draft(1) == draft
        actions = [e.action for e in case.audit_entries()]
        assert actions.count("edit verdict draft") == 2


def test_an_emptied_draft_is_removed_and_deleting_the_claim_takes_its_draft(
        case_path: Path) -> None:
    from desk.core.model import VerdictDraft

    with CaseFile.create(case_path, "draft") as case:
        commands.add_claim(case, Claim(0, "claim")).apply(case)
        commands.save_verdict_draft(case, VerdictDraft(1, summary="first thoughts")).apply(case)
        commands.save_verdict_draft(case, VerdictDraft(1)).apply(case)
        assert case.verdict_draft(1) is None
        with pytest.raises(CaseFileError):
            commands.save_verdict_draft(case, VerdictDraft(1))
        commands.save_verdict_draft(case, VerdictDraft(1, Rating.FALSE)).apply(case)
        undo = commands.delete_claim(case, 1).apply(case)
        assert case.verdict_draft(1) is None
        undo.apply(case)
        assert case.verdict_draft(1) == VerdictDraft(1, Rating.FALSE)
