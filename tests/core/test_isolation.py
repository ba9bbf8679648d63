"""A parser that hangs or crashes costs one worker process, not the application."""

from __future__ import annotations

import os
import time
from multiprocessing.connection import Connection

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
