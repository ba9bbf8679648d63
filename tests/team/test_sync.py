"""`desk team sync` through a real PostgreSQL: two reviewers' copies that parted converge, edits of
different things are all kept, the same field edited twice is a listed conflict until a further
edit, forged entries are refused, and a killed sync is finished by running it again."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from desk.core import commands
from desk.core.casefile import CaseFile
from desk.core.model import Statement
from desk.core.replay import LogEntry, current_rows, log_entries
from desk.team import conflicts, history, merge
from tests.team.builders import (
    Team,
    add_claim,
    add_original,
    as_reviewer,
    desk_json,
    env_for,
    make_case,
    noise,
    originals_of,
    run_desk,
)

ROOT = Path(__file__).resolve().parents[2]


def _state(path: Path) -> dict[tuple[str, str], str]:
    """Every row's digest: two copies in the same state have the same rows, value for value."""
    with CaseFile.open(path, read_only=True) as case:
        return {(t, k): d for t, k, d, _ in current_rows(case.conn)}


def _verifies(capsys: pytest.CaptureFixture[str], path: Path) -> dict[str, object]:
    code, out, err = run_desk(capsys, "verify", path, "--json")
    report = json.loads(out)
    assert code == 0 and report["ok"], out + err
    assert isinstance(report, dict)
    return report


def _as(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, who: str) -> None:
    as_reviewer(monkeypatch, tmp_path / f"{who.lower()}-config", who)


def test_two_copies_that_edited_different_things_converge_with_every_edit(
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, team: Team,
        tmp_path: Path, two_copies: tuple[Path, Path, str]) -> None:
    alice, erin, _ = two_copies
    # Erin imports a still, adds a claim and rewords the first claim's claimant.
    with CaseFile.open(erin) as case:
        add_original(case, noise(60_000, 21), "erin.jpg")
        add_claim(case, "Erin's claim")
        commands.edit_claim(1, claimant="Erin's source").apply(case)
    erin_sent = desk_json(capsys, "team", "sync", erin, team.url(team.erin))
    assert erin_sent["entries_sent"] == 3 and erin_sent["entries_received"] == 0
    # Alice, offline meanwhile, rewords the same claim's text (another field) and adds a
    # statement to it.
    _as(monkeypatch, tmp_path, "Alice")
    with CaseFile.open(alice) as case:
        commands.edit_claim(1, text="Drones attacked the residence at night").apply(case)
        commands.add_statement(case, Statement(0, 1, "Governor", "Nothing happened")
                               ).apply(case)
    # A plain push of a copy whose history parted is still refused, and says to sync.
    code, _, err = run_desk(capsys, "team", "push", alice, team.url(team.alice))
    assert code == 2 and "parted" in err and "desk team sync" in err
    merged = desk_json(capsys, "team", "sync", alice, team.url(team.alice))
    assert (merged["entries_sent"], merged["entries_received"]) == (3, 3)
    assert merged["merged"] is True and merged["conflicts"] == 0
    assert merged["originals_received"] == 1
    # Erin syncs: she gets Alice's edits; nothing more to merge after that.
    _as(monkeypatch, tmp_path, "Erin")
    back = desk_json(capsys, "team", "sync", erin, team.url(team.erin))
    assert back["entries_received"] == 2 and back["conflicts"] == 0
    _as(monkeypatch, tmp_path, "Alice")
    settled = desk_json(capsys, "team", "sync", alice, team.url(team.alice))
    assert (settled["entries_sent"], settled["entries_received"]) == (0, 0)
    assert _state(alice) == _state(erin)
    with CaseFile.open(alice, read_only=True) as case:
        claim = next(c for c in case.list_claims() if c.id == 1)
        assert (claim.text, claim.claimant) == ("Drones attacked the residence at night",
                                                "Erin's source")
        assert len(case.list_evidence()) == 3
        assert {c.text for c in case.list_claims()} >= {"Erin's claim"}
        assert [s.text for s in case.statements(1)] == ["Nothing happened"]
    assert originals_of(alice) == originals_of(erin)
    assert len(_verifies(capsys, erin)["signers"]) == 2  # type: ignore[arg-type]
    _verifies(capsys, alice)
    # Alice's chain is hers and her merge's; the merge carries Erin's entries whole, each
    # still signed with Erin's key.
    with CaseFile.open(alice, read_only=True) as case:
        carried = [e for entry in log_entries(case.conn) for e in history.carried(entry)]
    assert len(carried) == 3 and {e.actor for e in carried} == {"Erin"}
    assert all(history.entry_problem(e) is None for e in carried)
    assert len({e.signer for e in carried}) == 1


def _reword_on_both(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
                    team: Team, tmp_path: Path, alice: Path, erin: Path) -> None:
    """Erin, then Alice, reword claim 1; Alice's sync meets the conflict (hers is the later
    edit, so it stands). Alice is the reviewer afterwards."""
    with CaseFile.open(erin) as case:
        commands.edit_claim(1, text="Erin's wording").apply(case)
    desk_json(capsys, "team", "sync", erin, team.url(team.erin))
    time.sleep(1.1)  # the log records times to the second: Alice's edit is the later one
    _as(monkeypatch, tmp_path, "Alice")
    with CaseFile.open(alice) as case:
        commands.edit_claim(1, text="Alice's wording").apply(case)
    assert desk_json(capsys, "team", "sync", alice, team.url(team.alice))["conflicts"] == 1


def test_the_same_field_edited_twice_is_a_conflict_until_a_further_edit(
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, team: Team,
        tmp_path: Path, two_copies: tuple[Path, Path, str]) -> None:
    alice, erin, _ = two_copies
    _reword_on_both(capsys, monkeypatch, team, tmp_path, alice, erin)
    listed = desk_json(capsys, "team", "conflicts", alice)["conflicts"]
    assert isinstance(listed, list) and len(listed) == 1
    conflict = listed[0]
    assert (conflict["entity"], conflict["field"]) == ("claim:1", "text")
    values = {(v["value"], v["reviewer"]) for v in conflict["values"]}
    assert values == {("Erin's wording", "Erin"), ("Alice's wording", "Alice")}
    assert all(v["at"] for v in conflict["values"])
    # The later edit (Alice's) stands in both copies once Erin syncs; nothing is lost.
    _as(monkeypatch, tmp_path, "Erin")
    desk_json(capsys, "team", "sync", erin, team.url(team.erin))
    assert _state(alice) == _state(erin)
    for path in (alice, erin):
        with CaseFile.open(path, read_only=True) as case:
            assert next(c for c in case.list_claims() if c.id == 1).text == "Alice's wording"
        assert len(desk_json(capsys, "team", "conflicts", path)["conflicts"]) == 1  # type: ignore[arg-type]
    code, out, _ = run_desk(capsys, "team", "conflicts", erin)
    assert code == 0 and "Erin's wording by Erin" in out and "Alice's wording by Alice" in out
    # Erin settles it with a further edit; after the syncs neither copy lists it.
    with CaseFile.open(erin) as case:
        commands.edit_claim(1, text="Agreed wording").apply(case)
    desk_json(capsys, "team", "sync", erin, team.url(team.erin))
    _as(monkeypatch, tmp_path, "Alice")
    desk_json(capsys, "team", "sync", alice, team.url(team.alice))
    for path in (alice, erin):
        assert desk_json(capsys, "team", "conflicts", path)["conflicts"] == []
        with CaseFile.open(path, read_only=True) as case:
            assert next(c for c in case.list_claims() if c.id == 1).text == "Agreed wording"
        _verifies(capsys, path)


def test_a_conflict_resolved_by_keeping_the_earlier_value_settles_it_on_both_copies(
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, team: Team,
        tmp_path: Path, two_copies: tuple[Path, Path, str]) -> None:
    alice, erin, _ = two_copies
    _reword_on_both(capsys, monkeypatch, team, tmp_path, alice, erin)
    code, out, _ = run_desk(capsys, "team", "conflicts", alice)
    assert code == 0 and "1) Erin's wording by Erin" in out and "2) Alice's wording" in out
    listed = desk_json(capsys, "team", "conflicts", alice)["conflicts"]
    assert isinstance(listed, list)
    erins = 1 + [v["value"] for v in listed[0]["values"]].index("Erin's wording")
    # A value the conflict does not list is refused in one line, and nothing is written.
    before, entries = _state(alice), len(_entries(alice))
    for keep in ("3", "0"):
        code, out, err = run_desk(capsys, "team", "resolve", alice, "--entity", "claim:1",
                                  "--field", "text", "--keep", keep)
        assert code == 2 and out == "" and "there is no value" in err
        assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    code, _, err = run_desk(capsys, "team", "resolve", alice, "--entity", "claim:1",
                            "--field", "claimant", "--keep", "1")
    assert code == 2 and "no open conflict" in err
    assert _state(alice) == before and len(_entries(alice)) == entries
    # Alice keeps Erin's wording: one undoable edit that settles the conflict.
    resolved = desk_json(capsys, "team", "resolve", alice, "--entity", "claim:1", "--field",
                         "text", "--keep", str(erins))
    assert resolved == {"resolved": {"entity": "claim:1", "field": "text",
                                     "value": "Erin's wording"}, "open_conflicts": 0}
    assert _entries(alice)[-1].action == "resolve conflict"
    desk_json(capsys, "team", "sync", alice, team.url(team.alice))
    _as(monkeypatch, tmp_path, "Erin")
    desk_json(capsys, "team", "sync", erin, team.url(team.erin))
    _as(monkeypatch, tmp_path, "Alice")
    desk_json(capsys, "team", "sync", alice, team.url(team.alice))
    assert _state(alice) == _state(erin)
    for path in (alice, erin):
        assert desk_json(capsys, "team", "conflicts", path)["conflicts"] == []
        with CaseFile.open(path, read_only=True) as case:
            assert next(c for c in case.list_claims() if c.id == 1).text == "Erin's wording"
        _verifies(capsys, path)


def _entries(path: Path) -> list[LogEntry]:
    with CaseFile.open(path, read_only=True) as case:
        return log_entries(case.conn)


def _with_conflict(path: Path, conflict: dict[str, object]) -> None:
    """A merge entry recording one conflict (what a sync writes), made offline."""
    with CaseFile.open(path) as case:
        commands.MergeRows((), {"merged": [], "conflicts": [conflict]}).apply(case)


def _conflict(field: str, *values: object, table: str = "claim", key: str = "[1]"
              ) -> dict[str, object]:
    return {"entity": f"{table}:1", "field": field, "table": table, "key": key,
            "what": f"{table} 1", "values": [{"value": v, "reviewer": who, "at": at}
                                             for v, who, at in zip(values, ("Erin", "Alice"),
                                                                   ("2026-01-01T10:00:00Z",
                                                                    "2026-01-01T10:00:05Z"),
                                                                   strict=False)]}


@pytest.mark.parametrize(("conflict", "choice", "says"), [
    (_conflict(merge.WHOLE_ROW, "kept", None), 0,
     r"\(one side deleted it\): restore or delete the item itself"),
    (_conflict("text", "a", "b"), 2, "lists 2 values; there is no value 3"),
    (_conflict("text", "a", "b"), -1, "there is no value 0"),
    (_conflict("data", {"sha256": "ab" * 32}, {"sha256": "cd" * 32}, table="original"), 0,
     "original rows cannot be edited"),
    (_conflict("original_name", {"sha256": "ab" * 32}, "b", table="evidence"), 0,
     "A file's bytes cannot be chosen here"),
    (_conflict("text", "a", "b", key="not json"), 0, "cannot be read"),
])
def test_keeping_a_value_is_refused_when_it_cannot_be_kept(
        tmp_path: Path, conflict: dict[str, object], choice: int, says: str) -> None:
    path = make_case(tmp_path / "case.deskcase")
    with CaseFile.open(path) as case, pytest.raises(commands.CommandError, match=says):
        conflicts.keep(case, conflict, choice)


def test_resolve_says_what_it_kept_and_undoes(capsys: pytest.CaptureFixture[str],
                                              tmp_path: Path) -> None:
    path = make_case(tmp_path / "case.deskcase")
    _with_conflict(path, _conflict("text", "Erin's wording", "Alice's wording"))
    code, out, err = run_desk(capsys, "team", "resolve", path, "--entity", "claim:1",
                              "--field", "text", "--keep", "2")
    assert code == 0, err
    assert out.startswith("kept \"Alice's wording\" (Alice, 2026-01-01T10:00:05Z) for"
                          " claim 1, text")
    with CaseFile.open(path, read_only=True) as case:
        assert conflicts.case_conflicts(case) == []
        assert case.get_claim(1).text == "Alice's wording"
    # Built, not applied, by `keep`: the window applies it and may undo it.
    _with_conflict(path, _conflict("claimant", "Erin's source", "Alice's source"))
    with CaseFile.open(path) as case:
        keep = conflicts.keep(case, conflicts.find(case, "claim:1", "claimant"), 0)
        assert case.get_claim(1).claimant == "State TV"
        undo = keep.apply(case)
        assert case.get_claim(1).claimant == "Erin's source"
        assert conflicts.case_conflicts(case) == []
        redo = undo.apply(case)
        assert case.get_claim(1).claimant == "State TV"
        # Undoing the kept value reopens the conflict it settled; redoing settles it again.
        assert [c["field"] for c in conflicts.case_conflicts(case)] == ["claimant"]
        redo.apply(case)
        assert conflicts.case_conflicts(case) == []
        assert case.verify().ok


def test_a_kept_value_undone_reopens_the_conflict_on_the_other_copy_too(
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, team: Team,
        tmp_path: Path, two_copies: tuple[Path, Path, str]) -> None:
    alice, erin, _ = two_copies
    _reword_on_both(capsys, monkeypatch, team, tmp_path, alice, erin)
    with CaseFile.open(alice) as case:
        keep = conflicts.keep(case, conflicts.find(case, "claim:1", "text"), 0)
        keep.apply(case).apply(case)  # kept, then undone
        assert len(conflicts.case_conflicts(case)) == 1
    desk_json(capsys, "team", "sync", alice, team.url(team.alice))
    _as(monkeypatch, tmp_path, "Erin")
    desk_json(capsys, "team", "sync", erin, team.url(team.erin))
    for path in (alice, erin):
        listed = desk_json(capsys, "team", "conflicts", path)["conflicts"]
        assert isinstance(listed, list) and [c["field"] for c in listed] == ["text"], path


def _push_parted(path: Path, url: str) -> None:
    """This copy's entries to the server as a branch of their own, nothing merged (a sync cut
    off after its push, or two pushes that crossed)."""
    from desk.team import push
    from desk.team.server import connect

    with CaseFile.open(path, read_only=True) as case:
        local = push.read_local(case)
        pg = connect(url)
        try:
            push.send(pg, url, local, None, lambda _t: None, parted_ok=True)
        finally:
            pg.close()


def _claims(path: Path) -> dict[str, int]:
    with CaseFile.open(path, read_only=True) as case:
        return {c.text: c.id for c in case.list_claims()}


def test_one_id_given_twice_keeps_both_items_and_the_later_moves(
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, team: Team,
        tmp_path: Path, two_copies: tuple[Path, Path, str]) -> None:
    alice, erin, _ = two_copies
    with CaseFile.open(erin) as case:
        add_claim(case, "Erin's claim")
    desk_json(capsys, "team", "sync", erin, team.url(team.erin))
    _as(monkeypatch, tmp_path, "Alice")
    with CaseFile.open(alice) as case:
        add_claim(case, "Alice's claim")  # claim 2 here too
    synced = desk_json(capsys, "team", "sync", alice, team.url(team.alice))
    _as(monkeypatch, tmp_path, "Erin")
    again = desk_json(capsys, "team", "sync", erin, team.url(team.erin))
    _as(monkeypatch, tmp_path, "Alice")
    desk_json(capsys, "team", "sync", alice, team.url(team.alice))  # Erin's move, if hers
    # Two claims, not two versions of one: both stand, under two ids, in both copies; the
    # later-made one moved (in the same second, the larger entry hash's: either may), and
    # nothing is a conflict.
    for path in (alice, erin):
        claims = _claims(path)
        assert {"Erin's claim", "Alice's claim"} <= set(claims)
        assert claims["Erin's claim"] != claims["Alice's claim"]
        assert desk_json(capsys, "team", "conflicts", path)["conflicts"] == []
        _verifies(capsys, path)
    assert _state(alice) == _state(erin)
    moved = [*synced["renumbered"], *again["renumbered"]]  # type: ignore[misc]
    assert len(moved) == 1 and moved[0]["table"] == "claim" and moved[0]["from"] == 2


def test_two_files_imported_as_one_id_each_keep_their_bytes_in_every_copy(
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, team: Team,
        tmp_path: Path, two_copies: tuple[Path, Path, str]) -> None:
    """Erin and Alice each import a file as evidence 3 and make claim 2 of it; Alice's reaches
    the server before she learns of Erin's (a push, no sync), so every copy meets the clash
    before it is resolved: Erin's, a fresh pull's and, after Alice's sync, all of them."""
    alice, erin, case_id = two_copies
    erin_file, alice_file = noise(70_000, 41), noise(70_000, 42)  # one size: one row digest
    with CaseFile.open(erin) as case:
        erin_still = add_original(case, erin_file, "erin.jpg")
        erin_claim = add_claim(case, "Erin's claim")
        commands.link_evidence(erin_claim, erin_still, "supports").apply(case)
    desk_json(capsys, "team", "sync", erin, team.url(team.erin))
    time.sleep(1.1)  # Alice's items are made later: hers move
    _as(monkeypatch, tmp_path, "Alice")
    with CaseFile.open(alice) as case:
        alice_still = add_original(case, alice_file, "alice.jpg")
        alice_claim = add_claim(case, "Alice's claim")
        commands.link_evidence(alice_claim, alice_still, "contradicts").apply(case)
        commands.add_statement(case, Statement(0, alice_claim, "Governor", "41 drones")
                               ).apply(case)
        commands.edit_claim(alice_claim, claimant="Alice's source").apply(case)
    assert (alice_still, alice_claim) == (erin_still, erin_claim)
    _push_parted(alice, team.url(team.alice))  # cut off before merging, as in a race
    _as(monkeypatch, tmp_path, "Erin")
    desk_json(capsys, "team", "sync", erin, team.url(team.erin))
    assert originals_of(erin)[hashlib.sha256(erin_file).hexdigest()] == erin_file
    _verifies(capsys, erin)  # Erin's file stays under its own SHA-256
    _as(monkeypatch, tmp_path, "Mo")
    fresh = tmp_path / "fresh.deskcase"
    assert run_desk(capsys, "team", "pull", team.url(team.erin), "--case", case_id, "--out",
                    fresh)[0] == 0
    _verifies(capsys, fresh)
    _as(monkeypatch, tmp_path, "Alice")
    synced = desk_json(capsys, "team", "sync", alice, team.url(team.alice))
    assert {(m["table"], m["from"]) for m in synced["renumbered"]} == {  # type: ignore[union-attr]
        ("evidence", alice_still), ("claim", alice_claim)}
    _as(monkeypatch, tmp_path, "Erin")
    desk_json(capsys, "team", "sync", erin, team.url(team.erin))
    _as(monkeypatch, tmp_path, "Mo")
    desk_json(capsys, "team", "sync", fresh, team.url(team.erin))
    assert _state(alice) == _state(erin) == _state(fresh)
    for path in (alice, erin, fresh):
        _verifies(capsys, path)
        assert desk_json(capsys, "team", "conflicts", path)["conflicts"] == []
        held = originals_of(path)
        assert held[hashlib.sha256(erin_file).hexdigest()] == erin_file
        assert held[hashlib.sha256(alice_file).hexdigest()] == alice_file
        with CaseFile.open(path, read_only=True) as case:
            by_name = {e.provenance.original_name: e.id for e in case.list_evidence()}
            claims = {c.text: c for c in case.list_claims()}
            assert by_name["erin.jpg"] == erin_still and by_name["alice.jpg"] != erin_still
            mine = claims["Alice's claim"]
            assert claims["Erin's claim"].id == erin_claim and mine.id != erin_claim
            assert mine.claimant == "Alice's source"
            assert [s.text for s in case.statements(mine.id)] == ["41 drones"]
            assert case.statements(erin_claim) == []
            links = {(link.claim_id, link.evidence_id): str(link.stance)
                     for link in case.claim_evidence()}
            assert links[(erin_claim, erin_still)] == "supports"
            assert links[(mine.id, by_name["alice.jpg"])] == "contradicts"
            assert (mine.id, erin_still) not in links


def test_a_fresh_pull_of_a_forked_history_merges_every_branch(
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, team: Team,
        tmp_path: Path, two_copies: tuple[Path, Path, str]) -> None:
    alice, erin, case_id = two_copies
    with CaseFile.open(erin) as case:
        commands.edit_claim(1, claimant="Erin's source").apply(case)
    desk_json(capsys, "team", "sync", erin, team.url(team.erin))
    _as(monkeypatch, tmp_path, "Alice")
    with CaseFile.open(alice) as case:
        add_claim(case, "Alice's claim")
    # Alice's entries reach the server as a branch of their own; she is cut off before merging.
    _push_parted(alice, team.url(team.alice))
    fresh = tmp_path / "fresh.deskcase"
    _as(monkeypatch, tmp_path, "Mo")
    assert run_desk(capsys, "team", "pull", team.url(team.erin), "--case", case_id, "--out",
                 fresh)[0] == 0
    with CaseFile.open(fresh, read_only=True) as case:
        assert {c.text for c in case.list_claims()} >= {"Alice's claim"}
        assert next(c for c in case.list_claims() if c.id == 1).claimant == "Erin's source"
    _verifies(capsys, fresh)


def test_a_forged_entry_on_another_branch_is_refused_and_nothing_is_merged(
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, team: Team,
        tmp_path: Path, two_copies: tuple[Path, Path, str]) -> None:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from desk.core import audit

    alice, _, case_id = two_copies
    seq, head = team.db.sql("SELECT seq, hash FROM desk.entries WHERE case_id = %s"
                            " ORDER BY n DESC LIMIT 1", (case_id,))[0]
    victim = audit.raw_public_hex(Ed25519PrivateKey.generate())
    at, rows = "2026-01-01T00:00:00Z", "[]"
    import hashlib

    digest = audit.entry_hash(int(str(seq)) + 1, at, "Erin", "record verdict", "[]", "{}",
                              "0.1.0", str(head), hashlib.sha256(rows.encode()).hexdigest(),
                              victim)
    signature = Ed25519PrivateKey.generate().sign(audit.SIGNED_PREFIX + digest.encode()).hex()
    done = team.db.psql(team.erin, (
        "INSERT INTO desk.entries (case_id, seq, at, actor, action, items, detail, version,"
        " prev_hash, hash, rows_text, signer, signature) VALUES"
        f" ('{case_id}', {int(str(seq)) + 1}, '{at}', 'Erin', 'record verdict', '[]', '{{}}',"
        f" '0.1.0', '{head}', '{digest}', '{rows}', '{victim}', '{signature}')"))
    assert done.returncode == 0, done.stderr
    _as(monkeypatch, tmp_path, "Alice")
    with CaseFile.open(alice) as case:
        add_claim(case, "Alice's claim")
    before = _state(alice)
    code, _, err = run_desk(capsys, "team", "sync", alice, team.url(team.alice))
    assert code == 2 and "does not carry a valid signature" in err and "nothing was merged" in err
    assert _state(alice) == before
    _verifies(capsys, alice)


@pytest.mark.slow
def test_a_killed_sync_is_finished_by_running_it_again(
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, team: Team,
        tmp_path: Path, two_copies: tuple[Path, Path, str]) -> None:
    import random

    alice, erin, _ = two_copies
    with CaseFile.open(erin) as case:
        add_original(case, noise(3 * 1024 * 1024, 31), "erin-big.jpg")
        commands.edit_claim(1, claimant="Erin's source").apply(case)
    desk_json(capsys, "team", "sync", erin, team.url(team.erin))
    _as(monkeypatch, tmp_path, "Alice")
    with CaseFile.open(alice) as case:
        add_original(case, noise(3 * 1024 * 1024, 32), "alice-big.jpg")
        add_claim(case, "Alice's claim")
    env = env_for(tmp_path / "alice-config", "Alice")
    rng = random.Random(18)
    killed = 0
    for _ in range(6):
        proc = subprocess.Popen([sys.executable, "-m", "desk", "team", "sync", str(alice),
                                 team.url(team.alice)], cwd=ROOT, env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            proc.wait(timeout=rng.uniform(0.3, 2.5))
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=30)
            killed += 1
        _verifies(capsys, alice)  # whole after every kill: as it was, or merged
    done = subprocess.run([sys.executable, "-m", "desk", "team", "sync", str(alice),
                           team.url(team.alice), "--json"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    _as(monkeypatch, tmp_path, "Erin")
    desk_json(capsys, "team", "sync", erin, team.url(team.erin))
    # Both made evidence 3 and claim 2; in the same second the larger entry hash moves, so
    # Erin's may be the one that moved, which Alice learns of at her next sync.
    _as(monkeypatch, tmp_path, "Alice")
    desk_json(capsys, "team", "sync", alice, team.url(team.alice))
    assert _state(alice) == _state(erin)
    for path in (alice, erin):
        _verifies(capsys, path)
        with CaseFile.open(path, read_only=True) as case:
            names = {e.provenance.original_name for e in case.list_evidence()}
        assert {"erin-big.jpg", "alice-big.jpg"} <= names
    hashes = team.db.sql("SELECT hash, count(*) FROM desk.entries GROUP BY hash"
                         " HAVING count(*) > 1")
    assert hashes == []  # no entry twice
    assert os.path.exists(alice) and killed >= 0


def test_three_reviewers_syncing_in_any_order_converge_on_one_state(
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, team: Team,
        tmp_path: Path, two_copies: tuple[Path, Path, str]) -> None:
    from desk.team import members
    from tests.team.conftest import PASSWORD

    alice, erin, case_id = two_copies
    bo_login = team.db.login("bo")
    members.add_member(team.db.admin_url, "geo", "reviewer", bo_login, PASSWORD)
    _as(monkeypatch, tmp_path, "Bo")
    bo = tmp_path / "bo.deskcase"
    assert run_desk(capsys, "team", "pull", team.url(bo_login), "--case", case_id, "--out",
                 bo)[0] == 0
    urls = {alice: team.url(team.alice), erin: team.url(team.erin), bo: team.url(bo_login)}
    names = {alice: "Alice", erin: "Erin", bo: "Bo"}
    # Each edits claim 1's text (one field, three values) and a field of their own.
    own = {alice: {"claimant": "Alice's source"}, erin: {"first_appearance_url":
                                                         "https://t.me/erin/1"},
           bo: {"first_appearance_date": "2025-11-20"}}
    for path in (alice, erin, bo):
        _as(monkeypatch, tmp_path, names[path])
        with CaseFile.open(path) as case:
            commands.edit_claim(1, text=f"{names[path]}'s wording", **own[path]).apply(case)
        time.sleep(1.1)  # Bo's edit is the latest
    for order in ((erin, bo, alice), (alice, erin, bo), (bo, alice, erin)):
        for path in order:
            _as(monkeypatch, tmp_path, names[path])
            desk_json(capsys, "team", "sync", path, urls[path])
    assert _state(alice) == _state(erin) == _state(bo)
    with CaseFile.open(alice, read_only=True) as case:
        claim = next(c for c in case.list_claims() if c.id == 1)
    assert claim.text == "Bo's wording"
    assert (claim.claimant, claim.first_appearance_url, claim.first_appearance_date) == (
        "Alice's source", "https://t.me/erin/1", "2025-11-20")
    for path in (alice, erin, bo):
        listed = desk_json(capsys, "team", "conflicts", path)["conflicts"]
        assert isinstance(listed, list) and listed
        assert {c["field"] for c in listed} == {"text"}
        _verifies(capsys, path)



def test_one_file_imported_by_both_under_one_id_is_one_item_with_its_provenance_in_conflict(
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, team: Team,
        tmp_path: Path, two_copies: tuple[Path, Path, str]) -> None:
    alice, erin, _ = two_copies
    data = noise(50_000, 77)  # the same clip, saved by both from the same channel
    with CaseFile.open(erin) as case:
        add_original(case, data, "erin.jpg")
    desk_json(capsys, "team", "sync", erin, team.url(team.erin))
    _as(monkeypatch, tmp_path, "Alice")
    with CaseFile.open(alice) as case:
        add_original(case, data, "alice.jpg")
    synced = desk_json(capsys, "team", "sync", alice, team.url(team.alice))
    assert synced["renumbered"] == []
    _as(monkeypatch, tmp_path, "Erin")
    desk_json(capsys, "team", "sync", erin, team.url(team.erin))
    assert _state(alice) == _state(erin)
    for path in (alice, erin):
        _verifies(capsys, path)
        with CaseFile.open(path, read_only=True) as case:
            assert [e.sha256 for e in case.list_evidence()].count(
                hashlib.sha256(data).hexdigest()) == 1
        listed = desk_json(capsys, "team", "conflicts", path)["conflicts"]
        assert isinstance(listed, list)
        names = next(c for c in listed if c["field"] == "original_name")
        assert {v["value"] for v in names["values"]} == {"erin.jpg", "alice.jpg"}


def test_one_file_imported_under_two_ids_is_refused_clearly_and_loses_nothing(
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, team: Team,
        tmp_path: Path, two_copies: tuple[Path, Path, str]) -> None:
    alice, erin, _ = two_copies
    data = noise(50_000, 78)
    with CaseFile.open(erin) as case:
        add_original(case, data, "erin.jpg")  # evidence 3
    desk_json(capsys, "team", "sync", erin, team.url(team.erin))
    time.sleep(1.1)  # Erin's evidence 3 is made first: Alice's other file moves to 5
    _as(monkeypatch, tmp_path, "Alice")
    with CaseFile.open(alice) as case:
        add_original(case, noise(50_000, 79), "other.jpg")  # evidence 3
        add_original(case, data, "alice.jpg")  # evidence 4
    code, _, err = run_desk(capsys, "team", "sync", alice, team.url(team.alice))
    assert code == 2 and "is the same file as evidence" in err and "Nothing was merged" in err
    assert "Traceback" not in err
    _verifies(capsys, alice)
    with CaseFile.open(alice, read_only=True) as case:
        assert {e.provenance.original_name for e in case.list_evidence()} >= {
            "other.jpg", "alice.jpg"}
