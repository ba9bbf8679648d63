"""A long-lived process (the window's background sync) keeps readings of merge details by
size, not by count: a busy case's merges run to megabytes each, and a reviewer's process must
not grow without end. No server is needed: this is the reading of texts."""

from __future__ import annotations

import json
import threading

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
