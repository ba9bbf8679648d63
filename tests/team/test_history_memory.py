"""A long-lived process (the window's background sync) keeps readings of merge details by
size, not by count: a busy case's merges run to megabytes each, and a reviewer's process must
not grow without end. No server is needed: this is the reading of texts."""

from __future__ import annotations

import json
import threading

import pytest

from desk.core.replay import LogEntry
from desk.team import history


def _merge_text(n: int, size: int) -> str:
    return json.dumps({"merged": [], "n": n, "pad": "x" * size})


def test_readings_are_kept_up_to_their_budget_and_the_oldest_go_first() -> None:
    reads: list[str] = []
    kept = history._Kept(lambda text: reads.append(text) or json.loads(text), budget=10_000)
    texts = [_merge_text(n, 2_000) for n in range(12)]
    for text in texts:
        kept(text)
    assert kept.chars <= 10_000
    reads.clear()
    kept(texts[-1])
    assert reads == []  # the most recent is kept
    kept(texts[0])
    assert reads == [texts[0]]  # the oldest went to make room


def test_a_text_larger_than_a_quarter_of_the_budget_is_read_each_time_never_kept() -> None:
    reads: list[str] = []
    kept = history._Kept(lambda text: reads.append(text) or len(text), budget=10_000)
    big = _merge_text(0, 5_000)
    assert kept(big) == kept(big) == len(big)
    assert len(reads) == 2 and kept.chars == 0


def test_the_merge_readings_stay_within_their_budget_however_many_merges() -> None:
    for n in range(400):
        history._detail(_merge_text(n, 100_000))
    assert history._detail.chars <= history.KEPT_CHARS


def test_readings_from_two_threads_at_once_agree() -> None:
    kept = history._Kept(json.loads, budget=50_000)
    texts = [_merge_text(n, 500) for n in range(300)]
    failures: list[BaseException] = []

    def read_all() -> None:
        try:
            for text in texts * 3:
                assert kept(text)["n"] == json.loads(text)["n"]
        except BaseException as exc:  # noqa: BLE001 - reported below
            failures.append(exc)

    threads = [threading.Thread(target=read_all) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not failures and kept.chars <= 50_000


def _entry(seq: int, prev: str, name: str, action: str = "edit claim",
           detail: str = "{}") -> LogEntry:
    return LogEntry(seq, f"2026-01-01T00:00:{seq:02d}Z", "r", action, "[]", detail, "1", prev,
                    name, "", "", "")


def test_a_sync_reads_each_merge_once_however_small_the_kept_readings(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Which edit follows which is asked of every pair of edits of a row; the merges on their
    chains were read again each time once a busy case's merges outgrew the readings kept
    (80 s a sync in a 50-reviewer run). Now a history reads each merge once, and answers as
    before: an edit follows what is on its chain and what a merge on its chain carries."""
    reads: list[str] = []
    tiny = history._Kept(lambda text: reads.append(text) or history._read_carried(text),
                         budget=1)  # keeps nothing
    monkeypatch.setattr(history, "_carried", tiny)
    genesis = _entry(1, "", "g")
    other = [_entry(2, "g", "o2"), _entry(3, "o2", "o3")]  # another reviewer's branch
    carried = json.dumps({"merged": [history.entry_json(e) for e in other],
                          "pad": "x" * 10_000})
    merge = _entry(2, "g", "m", history.MERGE_ACTION, carried)
    mine = [genesis, merge, *(_entry(n, "m" if n == 3 else f"e{n - 1}", f"e{n}")
                              for n in range(3, 30))]
    server = history.ServerHistory([*mine, *other])
    edits = mine[2:]
    answers = {(a.hash, b.hash): server.follows(a, b) for a in edits for b in [*edits, *other]}
    assert len(reads) == 1  # the merge, once, for 27 x 29 questions
    assert answers[("e10", "o3")] and answers[("e3", "o2")]  # carried by the merge below
    assert answers[("e10", "e4")] and not answers[("e4", "e10")]
    assert not answers[("e5", "e5")]
    assert server.lacking(["g", "m", *(e.hash for e in edits)]) == other
    assert len(reads) == 1
