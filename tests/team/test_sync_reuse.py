"""What a long-lived process (the window, a reviewer syncing every few seconds) keeps between
syncs, against a real PostgreSQL: its connection, used again while the server keeps it and
replaced when the server dropped it; and the entries it read, read on from where it stopped,
and read whole again when the server no longer holds the last one it saw."""

from __future__ import annotations

import time
from pathlib import Path

import psycopg
import pytest

from desk.core import commands
from desk.core.casefile import CaseFile
from desk.core.replay import log_entries
from desk.team import history, server
from desk.team.server import close_idle
from desk.team.sync import sync
from tests.team.builders import Team, add_claim, as_reviewer


def _backends(team: Team, login: str) -> list[int]:
    return [int(str(r[0])) for r in team.db.sql(
        "SELECT pid FROM pg_stat_activity WHERE usename = %s", (login,))]


def test_syncs_in_a_row_use_one_connection_and_a_dropped_one_is_replaced(
        monkeypatch: pytest.MonkeyPatch, team: Team, tmp_path: Path,
        two_copies: tuple[Path, Path, str]) -> None:
    _, erin, _ = two_copies
    close_idle()
    url = team.url(team.erin)
    sync(erin, url)
    kept = _backends(team, team.erin)
    assert len(kept) == 1  # left open for the next sync, not one per sync
    with CaseFile.open(erin) as case:
        add_claim(case, "Erin's second claim")
    assert sync(erin, url).entries_sent == 1
    assert _backends(team, team.erin) == kept
    # The server ends the idle connection (a restart, an administrator, a timeout).
    team.db.sql("SELECT pg_terminate_backend(%s)", (kept[0],))
    with CaseFile.open(erin) as case:
        add_claim(case, "Erin's third claim")
    report = sync(erin, url)
    assert report.entries_sent == 1
    now = _backends(team, team.erin)
    assert len(now) == 1 and now != kept
    close_idle()
    assert _backends(team, team.erin) == []


def test_a_connection_no_sync_came_for_is_closed(
        monkeypatch: pytest.MonkeyPatch, team: Team, two_copies: tuple[Path, Path, str]) -> None:
    _, erin, _ = two_copies
    close_idle()
    monkeypatch.setattr(server, "IDLE_KEEP_S", 0.3)
    sync(erin, team.url(team.erin))
    assert len(_backends(team, team.erin)) == 1
    deadline = time.monotonic() + 10
    while _backends(team, team.erin) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _backends(team, team.erin) == []  # the window stopped syncing: the slot is free


def _others_edit(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, team: Team, alice: Path,
                 text: str) -> None:
    as_reviewer(monkeypatch, tmp_path / "alice-config", "Alice")
    with CaseFile.open(alice) as case:
        commands.edit_claim(1, text=text).apply(case)
    sync(alice, team.url(team.alice))
    as_reviewer(monkeypatch, tmp_path / "erin-config", "Erin")


def test_a_process_reads_on_from_the_last_entry_and_whole_when_that_is_gone(
        monkeypatch: pytest.MonkeyPatch, team: Team, tmp_path: Path,
        two_copies: tuple[Path, Path, str]) -> None:
    alice, erin, case_id = two_copies
    with CaseFile.open(erin, read_only=True) as case:
        mine = history.known(log_entries(case.conn))
    with psycopg.connect(team.url(team.erin)) as pg:
        assert history.read_history(pg, case_id, mine).entries == []
        _others_edit(monkeypatch, tmp_path, team, alice, "Drones at dawn")
        first = history.read_history(pg, case_id, mine).entries
        assert [e.action for e in first] == ["edit claim"]
        _others_edit(monkeypatch, tmp_path, team, alice, "Drones at dusk")
        both = history.read_history(pg, case_id, mine)
        assert [e.hash for e in both.entries[:1]] == [first[0].hash]
        assert len(both.entries) == 2
        whole = history.read_history(pg, case_id)  # no copy's knowledge: every entry, read
        assert [e for e in whole.entries if e.hash not in mine] == both.entries
        # The entry last read is no longer where it was (another server at this address):
        # the next reading is of the whole case, not of what follows a stranger.
        key = next(k for k in history._seen if k[1] == case_id)
        history._seen[key].last = (history._seen[key].last[0], "f" * 64)
        again = history.read_history(pg, case_id, mine)
        assert again.entries == both.entries


def test_what_others_merged_is_kept_by_what_it_carries_not_by_its_rows(
        monkeypatch: pytest.MonkeyPatch, team: Team, tmp_path: Path,
        two_copies: tuple[Path, Path, str]) -> None:
    alice, erin, case_id = two_copies
    # Erin adds a claim; Alice edits, merges Erin's claim in, and edits again after the merge.
    with CaseFile.open(erin) as case:
        add_claim(case, "Erin's claim")
    sync(erin, team.url(team.erin))
    _others_edit(monkeypatch, tmp_path, team, alice, "Drones at dawn")
    _others_edit(monkeypatch, tmp_path, team, alice, "Drones at dusk")
    with CaseFile.open(erin, read_only=True) as case:
        mine = history.known(log_entries(case.conn))
    with psycopg.connect(team.url(team.erin)) as pg:
        server = history.read_history(pg, case_id, mine)
    (merge,) = [e for e in server.entries if e.action == history.MERGE_ACTION]
    first, second = [e for e in server.entries if e.action == "edit claim"]
    assert merge.detail == ""  # kept without the entries it carries, only their hashes
    (erins,) = [e for e in mine.values() if e.action == "add claim" and e.actor == "Erin"]
    assert server.lacking(mine) == [first, second]  # a merge is bookkeeping, not an edit
    assert server.follows(merge, first) and server.follows(second, merge)
    assert server.follows(second, erins)  # made on top of what the merge carried
    assert not server.follows(first, erins) and not server.follows(first, second)


def test_which_edit_made_each_item_is_read_on_and_matches_a_whole_reading(
        monkeypatch: pytest.MonkeyPatch, team: Team, tmp_path: Path,
        two_copies: tuple[Path, Path, str]) -> None:
    from desk.team import renumber

    alice, erin, _ = two_copies

    def whole(log: list[history.LogEntry]) -> renumber.Producers:
        return renumber._producers_of([*log, *history.known_edits(log)], {})

    def chain_of(path: Path) -> list[history.LogEntry]:
        with CaseFile.open(path, read_only=True) as case:
            return log_entries(case.conn)

    url = team.url(team.erin)
    earlier = renumber._chain_producers(chain_of(erin))
    snapshot = {row: {d: list(m) for d, m in made.items()} for row, made in earlier.items()}
    for n in range(3):
        with CaseFile.open(erin) as case:
            add_claim(case, f"Erin's claim {n}")
        sync(erin, url)
        log = chain_of(erin)
        assert renumber._chain_producers(log) == whole(log)
    # What was handed out before stays as it was; a copy whose chain parted is read whole.
    assert earlier == snapshot
    as_reviewer(monkeypatch, tmp_path / "alice-config", "Alice")
    with CaseFile.open(alice) as case:
        add_claim(case, "Alice's claim")
    sync(alice, team.url(team.alice))
    for path in (alice, erin):
        log = chain_of(path)
        assert renumber._chain_producers(log) == whole(log)
        assert any(table == "claim" for table, _ in renumber._chain_producers(log))
