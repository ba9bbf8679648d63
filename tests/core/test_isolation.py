"""A parser that hangs or crashes costs one worker process, not the application."""

from __future__ import annotations

import os
import time
from multiprocessing.connection import Connection
from pathlib import Path

import pytest

from desk.core.isolation import ParserLane
from tests.core.imaging import make_jpeg


def hanging_worker(conn: Connection) -> None:
    conn.recv()
    time.sleep(600)


def crashing_worker(conn: Connection) -> None:
    conn.recv()
    os.abort()


def test_a_hanging_parse_is_stopped_within_the_time_limit() -> None:
    lane = ParserLane(timeout=1.0, target=hanging_worker)
    started = time.monotonic()
    outcome = lane.parse(b"anything")
    assert time.monotonic() - started < 15
    assert outcome.parsed is None
    assert "longer than 1 s" in outcome.reason
    lane.close()


def test_a_crashing_parser_is_reported_and_replaced() -> None:
    lane = ParserLane(timeout=20.0, target=crashing_worker)
    outcome = lane.parse(b"anything")
    assert outcome.parsed is None
    assert outcome.reason.startswith("the image reader crashed")
    lane.close()


def test_the_lane_keeps_working_after_a_rejection() -> None:
    lane = ParserLane(timeout=20.0)
    try:
        assert lane.parse(b"not an image at all").reason
        outcome = lane.parse(make_jpeg(64, 48))
        assert outcome.parsed is not None
    finally:
        lane.close()


def test_files_too_large_for_shared_memory_go_through_the_pipe(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from desk.core import isolation

    monkeypatch.setattr(isolation, "SHARED_INPUT_MAX", 0)
    lane = ParserLane(timeout=20.0)
    try:
        outcome = lane.parse(make_jpeg(64, 48))
        assert outcome.parsed is not None
        assert lane._block is None
    finally:
        lane.close()


def test_started_workers_are_kept_between_imports_and_a_dead_one_is_not(tmp_path: Path) -> None:
    from desk.core.casefile import CaseFile
    from desk.core.intake import import_files
    from desk.core.isolation import LanePool

    pool = LanePool(keep=2)
    pool.warm(2)
    assert pool.idle == 2
    first = pool.take(timeout=5.0)
    assert first.alive and first.timeout == 5.0
    pid = first._proc.pid if first._proc else None
    assert first.parse(make_jpeg(64, 48)).parsed is not None
    pool.give_back(first)
    again = pool.take()
    assert again is first and again._proc is not None and again._proc.pid == pid
    again.abort()  # killed (a time limit, a crash): never handed out again
    again._proc.join(5)
    pool.give_back(again)
    assert pool.idle == 1
    pool.close()
    assert pool.idle == 0

    # The process's own pool: a second import parses in the workers the first one started.
    from desk.core.isolation import LANES

    LANES.close()
    src = tmp_path / "src"
    src.mkdir()
    for i in range(4):
        (src / f"{i}.jpg").write_bytes(make_jpeg(64 + i, 48))
    with CaseFile.create(tmp_path / "a.deskcase", "a") as case:
        assert len(import_files(case, [src], workers=2).imported) == 4
    kept = {lane._proc.pid for _, lane in LANES._idle if lane._proc is not None}
    assert len(kept) == 2
    with CaseFile.create(tmp_path / "b.deskcase", "b") as case:
        assert len(import_files(case, [src], workers=2).imported) == 4
    assert {lane._proc.pid for _, lane in LANES._idle if lane._proc is not None} == kept


def test_a_kept_worker_started_before_a_trust_anchor_was_added_is_not_used(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from desk.core.isolation import LanePool

    pool = LanePool(keep=2)
    pool.warm(1)
    first = pool.take()
    pool.give_back(first)
    # The reviewer adds a trust anchor: a worker that read the old list must not parse more.
    anchors = Path(os.environ["DESK_CONFIG_DIR"]) / "c2pa-trust-anchors.pem"
    anchors.parent.mkdir(parents=True, exist_ok=True)
    anchors.write_text("-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n")
    fresh = pool.take()
    assert fresh is not first and not first.alive
    pool.give_back(fresh)
    # Another configuration folder (another user's settings): the same.
    monkeypatch.setenv("DESK_CONFIG_DIR", str(tmp_path / "other"))
    assert pool.take() is not fresh
    pool.close()
