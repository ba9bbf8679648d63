"""Originals on the team server: stored once per SHA-256 across every case, in chunks.

An upload is claimed for the case first (a login reads only the originals its cases claim),
then sent chunk by chunk, each chunk committed on its own so a killed push resumes where it
stopped: the server hashes every chunk it receives, and a resumed upload compares those hashes
with its own instead of sending the bytes again. The original counts as stored only when the
row naming it is added, which the server refuses unless the chunks add up (and, for originals
up to `migrations.SERVER_HASH_LIMIT`, hash to the name). Nothing holds a whole original in
memory: at most one chunk at a time.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass

import psycopg

from desk.core import original_store
from desk.team.server import TeamError

#: Bytes per chunk: large enough that a 3 GB case is a few hundred round trips, small enough
#: that one chunk in memory on either side is harmless.
CHUNK_SIZE = 8 << 20

Pg = psycopg.Connection[tuple[object, ...]]


@dataclass
class Upload:
    sha256: str
    #: Bytes this push sent (0 when the server held the original already, for any case).
    sent: int
    already_stored: bool


def _local_chunks(conn: sqlite3.Connection, eid: int, chunk_size: int) -> Iterator[bytes]:
    # Either form of storage: one blob, or parts (format 1.6: videos and large originals).
    yield from original_store.iter_original(conn, eid, chunk_size)


def _local_hashes(conn: sqlite3.Connection, eid: int, chunk_size: int) -> tuple[str, list[bytes]]:
    whole = hashlib.sha256()
    parts: list[bytes] = []
    for chunk in _local_chunks(conn, eid, chunk_size):
        whole.update(chunk)
        parts.append(hashlib.sha256(chunk).digest())
    return whole.hexdigest(), parts


def upload(pg: Pg, case_id: str, conn: sqlite3.Connection, eid: int, sha: str, size: int,
           *, chunk_size: int = CHUNK_SIZE) -> Upload:
    """Make sure the server stores the original of evidence `eid` for the case."""
    with pg.transaction():
        pg.execute("INSERT INTO desk.case_originals (case_id, sha256) VALUES (%s, %s)"
                   " ON CONFLICT DO NOTHING", (case_id, sha))
    stored = pg.execute("SELECT size FROM desk.originals WHERE sha256 = %s", (sha,)).fetchone()
    if stored is not None:
        if stored[0] != size:
            raise TeamError(f"the server stores original {sha[:12]}… with {stored[0]:,} bytes,"
                            f" not the {size:,} of evidence {eid}")
        return Upload(sha, 0, True)
    if size <= chunk_size:
        return _upload_one(pg, conn, eid, sha, size, chunk_size)
    # Hashed whole before anything is sent: chunks are never removed from the server, so the
    # bytes of an original that no longer matches its SHA-256 must never reach it.
    whole, parts = _local_hashes(conn, eid, chunk_size)
    if whole != sha:
        raise TeamError(f"the original of evidence {eid} in your case no longer matches its"
                        " SHA-256 (`desk verify` says more); nothing of it was sent")
    held = {int(str(n)): (bytes(h) if isinstance(h, bytes | memoryview) else b"", str(who))
            for n, h, who in pg.execute(
                "SELECT n, chunk_sha256, uploaded_by FROM desk.original_chunks"
                " WHERE sha256 = %s", (sha,))}
    for n, (theirs, who) in held.items():
        if n >= len(parts) or theirs != parts[n]:
            raise TeamError(f"the server holds a different part {n} of original {sha[:12]}…"
                            f" (sent by {who}) than evidence {eid} has; an administrator must"
                            " look at it; nothing of this original was sent")
    sent = 0
    last = len(parts) - 1
    completed = False
    for n, chunk in enumerate(_local_chunks(conn, eid, chunk_size)):
        if n >= len(parts) or hashlib.sha256(chunk).digest() != parts[n]:
            raise TeamError(f"the original of evidence {eid} changed while it was being sent")
        if n in held:
            continue
        with pg.transaction():
            pg.execute("INSERT INTO desk.original_chunks (sha256, n, data) VALUES (%s, %s, %b)"
                       " ON CONFLICT DO NOTHING", (sha, n, chunk))
            if n == last:
                _complete(pg, sha, size, chunk_size, len(parts))
                completed = True
        sent += len(chunk)
    if not completed:
        with pg.transaction():
            _complete(pg, sha, size, chunk_size, len(parts))
    return Upload(sha, sent, False)


def _upload_one(pg: Pg, conn: sqlite3.Connection, eid: int, sha: str, size: int,
                chunk_size: int) -> Upload:
    """An original of one chunk (a still): read and hashed once, and these same bytes sent,
    so nothing can change between the check and the send (the usual path reads twice)."""
    data = b"".join(_local_chunks(conn, eid, chunk_size))
    digest = hashlib.sha256(data)
    if len(data) != size or digest.hexdigest() != sha:
        raise TeamError(f"the original of evidence {eid} in your case no longer matches its"
                        " SHA-256 (`desk verify` says more); nothing of it was sent")
    held = pg.execute("SELECT chunk_sha256, uploaded_by FROM desk.original_chunks"
                      " WHERE sha256 = %s AND n = 0", (sha,)).fetchone()
    theirs = held[0] if held is not None else None
    if held is not None and (not isinstance(theirs, bytes | memoryview)
                             or bytes(theirs) != digest.digest()):
        raise TeamError(f"the server holds a different part 0 of original {sha[:12]}… (sent"
                        f" by {held[1]}) than evidence {eid} has; an administrator must look"
                        " at it; nothing of this original was sent")
    with pg.transaction():
        if held is None:
            pg.execute("INSERT INTO desk.original_chunks (sha256, n, data) VALUES (%s, 0, %b)"
                       " ON CONFLICT DO NOTHING", (sha, data))
        _complete(pg, sha, size, chunk_size, 1)
    return Upload(sha, 0 if held is not None else size, False)


def _complete(pg: Pg, sha: str, size: int, chunk_size: int, chunks: int) -> None:
    pg.execute("INSERT INTO desk.originals (sha256, size, chunk_size, chunks)"
               " VALUES (%s, %s, %s, %s) ON CONFLICT DO NOTHING",
               (sha, size, chunk_size, chunks))


def download(pg: Pg, eid: int, sha: str, size: int) -> Iterator[bytes]:
    """The original's chunks in order, one query each (never the whole file in memory); the
    caller hashes them (`desk.core.replay` refuses bytes that do not hash to `sha`)."""
    row = pg.execute("SELECT size, chunks FROM desk.originals WHERE sha256 = %s",
                     (sha,)).fetchone()
    if row is None:
        raise TeamError(f"the server does not hold the original of evidence {eid}"
                        f" ({sha[:12]}…); whoever pushed the case pushes it again")
    stored_size, chunks = int(str(row[0])), int(str(row[1]))
    if stored_size != size:
        raise TeamError(f"the server's original of evidence {eid} has {stored_size:,} bytes,"
                        f" not its recorded {size:,}")
    with pg.cursor(binary=True) as cur:
        for n in range(chunks):
            found = cur.execute("SELECT data FROM desk.original_chunks"
                                " WHERE sha256 = %s AND n = %s", (sha, n)).fetchone()
            if found is None:
                raise TeamError(f"part {n} of the original of evidence {eid} is missing on"
                                " the server")
            data = found[0]
            yield bytes(data) if isinstance(data, bytes | memoryview) else b""


#: Bytes of small originals sent in one transaction (each wholly in one chunk).
BATCH_BYTES = 64 << 20


def upload_small(pg: Pg, case_id: str, conn: sqlite3.Connection,
                 items: list[tuple[int, str, int]]) -> tuple[list[Upload], int]:
    """Originals no larger than one chunk, many per transaction (a case of stills is mostly
    these): claimed, checked against their SHA-256 here, sent, and stored by the server's own
    check, a batch at a time, so a killed push keeps whole batches and resumes after them.
    Returns the uploads done and the bytes sent."""
    with pg.transaction(), pg.cursor() as cur:
        cur.executemany("INSERT INTO desk.case_originals (case_id, sha256) VALUES (%s, %s)"
                        " ON CONFLICT DO NOTHING", [(case_id, sha) for _, sha, _ in items])
    stored = {str(r[0]): int(str(r[1])) for r in pg.execute(
        "SELECT sha256, size FROM desk.originals WHERE sha256 = ANY(%s)",
        ([sha for _, sha, _ in items],))}
    done: list[Upload] = []
    batch: list[tuple[str, int, bytes]] = []
    sent = 0

    def flush() -> None:
        if not batch:
            return
        with pg.transaction(), pg.pipeline(), pg.cursor() as cur:
            for sha, size, data in batch:
                cur.execute("INSERT INTO desk.original_chunks (sha256, n, data)"
                            " VALUES (%s, 0, %b) ON CONFLICT DO NOTHING", (sha, data))
                _complete(cur.connection, sha, size, CHUNK_SIZE, 1 if size else 0)
        batch.clear()

    pending = 0
    for eid, sha, size in items:
        if sha in stored:
            if stored[sha] != size:
                raise TeamError(f"the server stores original {sha[:12]}… with"
                                f" {stored[sha]:,} bytes, not the {size:,} of evidence {eid}")
            done.append(Upload(sha, 0, True))
            continue
        data = b"".join(_local_chunks(conn, eid, CHUNK_SIZE))
        if len(data) != size or hashlib.sha256(data).hexdigest() != sha:
            raise TeamError(f"the original of evidence {eid} in your case no longer matches its"
                            " SHA-256 (`desk verify` says more); nothing of it was sent")
        stored[sha] = size  # the same original twice in one case is sent once
        batch.append((sha, size, data))
        done.append(Upload(sha, size, False))
        sent += size
        pending += size
        if pending >= BATCH_BYTES:
            flush()
            pending = 0
    flush()
    return done, sent
