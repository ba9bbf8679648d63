"""Originals on their way to the server: a still goes in one read (hashed once, the same bytes
sent), a larger original in checked chunks, and a part the server already holds with other
bytes stops the upload of that original before anything of it is sent."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from desk.core.casefile import CaseFile
from desk.team import originals
from desk.team.server import TeamError, connect
from tests.team.builders import Team, make_case, noise, originals_of

CASE_1 = "c" * 64


def _case_with(path: Path, data: bytes) -> tuple[Path, str]:
    make_case(path, originals=[data])
    return path, hashlib.sha256(data).hexdigest()


@pytest.mark.parametrize("chunk_size", [originals.CHUNK_SIZE, 16_384])
def test_an_original_arrives_whole_in_one_chunk_or_in_many(
        team: Team, tmp_path: Path, chunk_size: int) -> None:
    data = noise(100_000, 7)
    path, sha = _case_with(tmp_path / "c.deskcase", data)
    pg = connect(team.url(team.alice))
    try:
        with CaseFile.open(path, read_only=True) as case:
            pg.execute("INSERT INTO desk.cases (id, title, team_id, format) VALUES"
                       " (%s, 't', 'geo', 1)", (CASE_1,))
            done = originals.upload(pg, CASE_1, case.conn, 1, sha, len(data),
                                    chunk_size=chunk_size)
        assert (done.sent, done.already_stored) == (len(data), False)
        got = b"".join(originals.download(pg, 1, sha, len(data)))
        assert got == data
        row = pg.execute("SELECT chunks, server_checked FROM desk.originals WHERE sha256 = %s",
                         (sha,)).fetchone()
        assert row == (-(-len(data) // chunk_size), True)
    finally:
        pg.close()
    assert originals_of(path) == {sha: data}


@pytest.mark.parametrize("chunk_size", [originals.CHUNK_SIZE, 16_384])
def test_a_part_the_server_holds_with_other_bytes_stops_the_upload(
        team: Team, tmp_path: Path, chunk_size: int) -> None:
    data = noise(50_000, 8)
    path, sha = _case_with(tmp_path / "c.deskcase", data)
    # Someone with SQL access put other bytes under this original's first part.
    team.db.sql("INSERT INTO desk.original_chunks (sha256, n, data) VALUES (%s, 0, %s)",
                (sha, b"not the still"))
    pg = connect(team.url(team.alice))
    try:
        with CaseFile.open(path, read_only=True) as case:
            pg.execute("INSERT INTO desk.cases (id, title, team_id, format) VALUES"
                       " (%s, 't', 'geo', 1)", (CASE_1,))
            with pytest.raises(TeamError, match="different part 0"):
                originals.upload(pg, CASE_1, case.conn, 1, sha, len(data), chunk_size=chunk_size)
        assert pg.execute("SELECT 1 FROM desk.originals WHERE sha256 = %s",
                          (sha,)).fetchone() is None
    finally:
        pg.close()
