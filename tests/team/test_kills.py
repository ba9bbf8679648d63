"""Pushes and pulls killed at random moments (SIGKILL, a real `desk` process): the server keeps
whole entries only, a repeat push finishes the job, and a pull leaves no FILE or a whole one."""

from __future__ import annotations

import os
import random
import subprocess
import sys
import time
from pathlib import Path

import pytest

from desk.core.casefile import CaseFile
from desk.core.replay import log_entries
from desk.team import pull, push
from tests.team.builders import (
    Team,
    add_claim,
    add_original,
    make_case,
    noise,
    originals_of,
)
from tests.team.conftest import TeamDb

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]


def _desk_process(*args: object) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-m", "desk", *(str(a) for a in args)],
                            cwd=ROOT, env=dict(os.environ), stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)


def _timed(proc: subprocess.Popen[bytes]) -> float:
    """How long a whole run takes here (kills are timed against it: machines differ)."""
    start = time.monotonic()
    assert proc.wait(timeout=300) == 0
    return time.monotonic() - start


def _run_then_kill(proc: subprocess.Popen[bytes], after: float) -> bool:
    """Kill the process `after` seconds in; whether it was still running then."""
    try:
        proc.wait(timeout=after)
        return False
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=30)
        return True


def _server_log(db: TeamDb, case_id: str) -> list[tuple[int, str]]:
    return [(int(str(s)), str(h)) for s, h in db.sql(
        "SELECT seq, hash FROM desk.entries WHERE case_id = %s ORDER BY seq", (case_id,))]


def _local_log(path: Path) -> list[tuple[int, str]]:
    with CaseFile.open(path, read_only=True) as case:
        return [(e.seq, e.hash) for e in log_entries(case.conn)]


def _check_originals_whole(db: TeamDb) -> None:
    """Every original the server counts as stored has all its bytes."""
    broken = db.sql(
        "SELECT o.sha256 FROM desk.originals o LEFT JOIN desk.original_chunks c"
        " USING (sha256) GROUP BY o.sha256, o.size, o.chunks"
        " HAVING coalesce(sum(octet_length(c.data)), 0) <> o.size OR count(c.n) <> o.chunks")
    assert broken == []


def test_pushes_killed_at_random_moments_then_repeated_leave_server_and_copy_consistent(
        team: Team, tmp_path: Path) -> None:
    rng = random.Random(18)
    case = make_case(tmp_path / "mine.deskcase",
                     originals=[noise(17 * 1024 * 1024, 31), noise(3 * 1024 * 1024, 32)])
    case_id = _local_log(case)[0][1]
    url = team.url(team.alice)
    whole_run = _timed(_desk_process("team", "push", case, url))
    outcomes = []
    for round_ in range(5):
        # Each round brings new work: an original of a few chunks and a claim.
        with CaseFile.open(case) as c:
            add_original(c, noise(rng.randrange(9, 20) * 1024 * 1024, 100 + round_),
                         f"clip_{round_}.mp4")
            add_claim(c, f"Claim of round {round_}")
        before = len(_server_log(team.db, case_id))
        local = _local_log(case)
        killed = _run_then_kill(_desk_process("team", "push", case, url),
                                rng.uniform(0.3, 1.1) * whole_run)
        server = _server_log(team.db, case_id)
        # Whole entries only: all of this push's, or none of them; always the copy's own.
        assert len(server) in (before, len(local)), (round_, before, len(server), len(local))
        assert server == local[:len(server)]
        _check_originals_whole(team.db)
        outcomes.append((killed, len(server) - before))
    print(f"a whole push took {whole_run:.1f} s; rounds (killed, entries landed):", outcomes)
    with CaseFile.open(case, read_only=True) as c:
        final = push.push(c, url)
    assert final.entries_on_server == len(_local_log(case))
    assert _server_log(team.db, case_id) == _local_log(case)
    with CaseFile.open(case, read_only=True) as c:
        again = push.push(c, url)
    assert (again.entries_sent, again.originals_sent, again.rows_sent) == (0, 0, 0)
    copy = tmp_path / "copy.deskcase"
    pull.pull(team.url(team.erin), case_id, copy)
    assert originals_of(copy) == originals_of(case)
    with CaseFile.open(copy, read_only=True) as c:
        report = c.verify()
    assert report.ok, report.problems
    # Every chunk was stored once, however often the pushes were cut off.
    assert team.db.sql("SELECT count(*) FROM desk.original_chunks c LEFT JOIN desk.originals"
                       " o USING (sha256) WHERE o.sha256 IS NULL") == [(0,)]


def test_pulls_killed_at_random_moments_leave_no_file_or_a_whole_one(
        team: Team, tmp_path: Path) -> None:
    rng = random.Random(81)
    case = make_case(tmp_path / "mine.deskcase",
                     originals=[noise(25 * 1024 * 1024, 41), noise(2 * 1024 * 1024, 42)])
    with CaseFile.open(case, read_only=True) as c:
        case_id = push.push(c, team.url(team.alice)).case
    out = tmp_path / "pulled" / "copy.deskcase"
    out.parent.mkdir()
    whole_run = _timed(_desk_process("team", "pull", team.url(team.erin), "--case", case_id,
                                     "--out", out))
    out.unlink()
    whole = 0
    for _ in range(4):
        _run_then_kill(_desk_process("team", "pull", team.url(team.erin), "--case", case_id,
                                     "--out", out), rng.uniform(0.3, 1.0) * whole_run)
        leftovers = [p.name for p in out.parent.iterdir() if p != out]
        assert all(name.startswith(".desk-replay-") for name in leftovers), leftovers
        if out.exists():
            whole += 1
            with CaseFile.open(out, read_only=True) as c:
                assert c.verify().ok
            out.unlink()
        for name in leftovers:
            (out.parent / name).unlink()
    print(f"a whole pull took {whole_run:.1f} s; pulls done before their kill: {whole}")
    pull.pull(team.url(team.erin), case_id, out)
    assert originals_of(out) == originals_of(case)
