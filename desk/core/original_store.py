"""Originals of any size inside the case file: one blob when small, parts when large.

SQLite keeps a blob under about 1 GB and a video runs to gigabytes, so an original above
`CHUNK_ABOVE` (and every video) is stored as parts of `CHUNK_BYTES` in `original_chunk`,
hashed whole while it is written. Reading one back streams: `OriginalReader` is a seekable,
read-only file over either form that holds at most one read's bytes and no lock between
reads (a video worker reads the case while the window writes frames into it).
"""

from __future__ import annotations

import bisect
import hashlib
import io
import os
import sqlite3
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, cast

from desk.core.limits import MAX_FILE_BYTES

#: Bytes per part of a chunked original: few rows for a 4 GB file, little memory per read.
CHUNK_BYTES = 8 * 1024 * 1024
#: Originals larger than this are stored in parts (videos always are).
CHUNK_ABOVE = 64 * 1024 * 1024
#: Largest original `CaseFile.original` hands over whole; larger ones are read as a stream.
WHOLE_LIMIT = MAX_FILE_BYTES
#: Bytes a streaming read (hashing, copying) asks for at a time.
READ_BYTES = 1024 * 1024


class OriginalMissing(KeyError):
    """The case holds no bytes (or not all the parts) of an original."""


def write_chunks(conn: sqlite3.Connection, evidence_id: int,
                 chunks: Iterable[bytes | memoryview], *,
                 part_bytes: int = CHUNK_BYTES) -> tuple[str, int]:
    """Store an original as parts (inside the caller's transaction) from `chunks` of any
    size; (SHA-256 of the whole, size). Memory: one part."""
    digest = hashlib.sha256()
    size = 0
    seq = 0
    buffer = bytearray()

    def put(part: bytes | bytearray) -> None:
        nonlocal seq
        cur = conn.execute("INSERT INTO original_chunk (evidence_id, seq, data)"
                           " VALUES (?, ?, zeroblob(?))", (evidence_id, seq, len(part)))
        with conn.blobopen("original_chunk", "data", int(cur.lastrowid or 0)) as blob:
            blob.write(part)
        seq += 1

    for chunk in chunks:
        digest.update(chunk)
        size += len(chunk)
        buffer += chunk
        while len(buffer) >= part_bytes:
            put(buffer[:part_bytes])
            del buffer[:part_bytes]
    if buffer or seq == 0:
        put(buffer)
    return digest.hexdigest(), size


def fill_parts(conn: sqlite3.Connection, evidence_id: int,
               chunks: Iterable[bytes]) -> tuple[str, int]:
    """Write an original's bytes into parts already made as zero blobs (a case rebuilt from
    its log: the parts' lengths are what the log recorded), in order; (SHA-256, bytes
    written). Bytes beyond the parts are counted, not written, so the caller can refuse."""
    parts = _parts(conn, evidence_id)
    digest = hashlib.sha256()
    written = 0
    index, offset = 0, 0
    for chunk in chunks:
        digest.update(chunk)
        view = memoryview(chunk)
        while view and index < len(parts):
            rowid, length = parts[index].rowid, parts[index].length
            take = min(length - offset, len(view))
            with conn.blobopen("original_chunk", "data", rowid) as blob:
                blob.seek(offset)
                blob.write(view[:take])
            view = view[take:]
            offset += take
            if offset == length:
                index, offset = index + 1, 0
        written += len(chunk)
    return digest.hexdigest(), written


@dataclass(frozen=True)
class _Part:
    rowid: int
    start: int
    length: int


def _parts(conn: sqlite3.Connection, evidence_id: int) -> list[_Part]:
    rows = conn.execute("SELECT rowid, seq, length(data) FROM original_chunk"
                        " WHERE evidence_id = ? ORDER BY seq", (evidence_id,)).fetchall()
    parts: list[_Part] = []
    start = 0
    for expected, (rowid, seq, length) in enumerate(rows):
        if seq != expected:
            raise OriginalMissing(f"part {expected} of the original of evidence {evidence_id}"
                                  " is missing")
        parts.append(_Part(int(rowid), start, int(length or 0)))
        start += int(length or 0)
    return parts


def is_chunked(conn: sqlite3.Connection, evidence_id: int) -> bool:
    return conn.execute("SELECT 1 FROM original_chunk WHERE evidence_id = ? LIMIT 1",
                        (evidence_id,)).fetchone() is not None


def stored_size(conn: sqlite3.Connection, evidence_id: int) -> int:
    """Bytes the case holds of an original (OriginalMissing when it holds none)."""
    row = conn.execute("SELECT length(data) FROM original WHERE evidence_id = ?",
                       (evidence_id,)).fetchone()
    if row is not None:
        return int(row[0] or 0)
    parts = _parts(conn, evidence_id)
    if not parts:
        raise OriginalMissing(f"no original for evidence {evidence_id}")
    return parts[-1].start + parts[-1].length


class OriginalReader(io.RawIOBase):
    """A stored original as a read-only, seekable binary file, read part by part.

    Each read opens the blob it needs and closes it again, so no read transaction (and no
    lock) outlives a call. `owns` closes the connection with the reader.
    """

    def __init__(self, conn: sqlite3.Connection, evidence_id: int, *, owns: bool = False
                 ) -> None:
        super().__init__()
        self._conn = conn
        self._owns = owns
        self.evidence_id = evidence_id
        row = conn.execute("SELECT length(data) FROM original WHERE evidence_id = ?",
                           (evidence_id,)).fetchone()
        if row is not None:
            self._table = "original"
            self._parts = [_Part(evidence_id, 0, int(row[0] or 0))]
        else:
            self._table = "original_chunk"
            self._parts = _parts(conn, evidence_id)
            if not self._parts:
                raise OriginalMissing(f"no original for evidence {evidence_id}")
        self._starts = [p.start for p in self._parts]
        self.size = self._parts[-1].start + self._parts[-1].length
        self._pos = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        if self.closed:
            raise ValueError("seek of a closed original")
        base = {os.SEEK_SET: 0, os.SEEK_CUR: self._pos, os.SEEK_END: self.size}.get(whence)
        if base is None:
            raise ValueError(f"invalid whence {whence}")
        target = base + offset
        if target < 0:
            raise ValueError("negative seek position")
        self._pos = target
        return target

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        if self.closed:
            raise ValueError("read of a closed original")
        out = memoryview(buffer).cast("B")
        done = 0
        while done < len(out) and self._pos < self.size:
            index = bisect.bisect_right(self._starts, self._pos) - 1
            part = self._parts[index]
            offset = self._pos - part.start
            want = min(len(out) - done, part.length - offset)
            if want <= 0:  # an empty last part
                break
            try:
                with self._conn.blobopen(self._table, "data", part.rowid,
                                         readonly=True) as blob:
                    blob.seek(offset)
                    data = blob.read(want)
            except sqlite3.Error as exc:
                raise OSError(f"the original of evidence {self.evidence_id} cannot be read"
                              f" ({exc})") from exc
            if not data:
                break
            out[done:done + len(data)] = data
            done += len(data)
            self._pos += len(data)
        return done

    def close(self) -> None:
        if not self.closed and self._owns:
            self._conn.close()
        super().close()


def iter_original(conn: sqlite3.Connection, evidence_id: int,
                  block: int = READ_BYTES) -> Iterator[bytes]:
    """An original's bytes in blocks of `block` (the last shorter), either form."""
    reader = OriginalReader(conn, evidence_id)
    try:
        while chunk := reader.read(block):
            yield chunk
    finally:
        reader.close()


def read_whole(conn: sqlite3.Connection, evidence_id: int, name: str = "") -> bytes:
    """An original's bytes in memory, for stills; a large one is refused with a reason."""
    size = stored_size(conn, evidence_id)
    if size > WHOLE_LIMIT:
        label = name or f"evidence {evidence_id}"
        raise ValueError(
            f"the original of {label} is {size / 1e9:.1f} GB, too large to load whole; it is"
            " read as a stream (a video is shown frame by frame)")
    return b"".join(iter_original(conn, evidence_id, CHUNK_BYTES))


class CaseOriginalOpener:
    """A picklable opener of one stored original (a `VideoSource`): a video worker calls it
    in its own process and reads the case file itself, read-only, never through a pipe."""

    def __init__(self, case_path: str | os.PathLike[str], evidence_id: int) -> None:
        self.case_path = str(Path(case_path).resolve())
        self.evidence_id = int(evidence_id)

    def __call__(self) -> BinaryIO:
        try:
            conn = sqlite3.connect(f"{Path(self.case_path).as_uri()}?mode=ro", uri=True,
                                   isolation_level=None, check_same_thread=False)
        except sqlite3.Error as exc:
            raise OSError(f"the case cannot be read ({exc})") from exc
        try:
            conn.execute("PRAGMA trusted_schema = OFF")
            conn.execute("PRAGMA query_only = ON")
            conn.execute("PRAGMA busy_timeout = 10000")
            reader = OriginalReader(conn, self.evidence_id, owns=True)
        except (sqlite3.Error, OriginalMissing) as exc:
            conn.close()
            raise OSError(f"the original of evidence {self.evidence_id} cannot be read"
                          f" ({exc})") from exc
        return cast(BinaryIO, io.BufferedReader(reader, READ_BYTES))

    def __repr__(self) -> str:
        return f"CaseOriginalOpener({self.case_path!r}, {self.evidence_id})"
