"""The case file: one SQLite file per case, the application's file format.

Every change is one transaction with its custody-log entry, so a crash loses at most the edit
in flight and the log never disagrees with the data. A file from elsewhere is untrusted until
its header, version and schema check out.
"""

from __future__ import annotations

import io
import json
import os
import sqlite3
import tempfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from enum import Enum
from pathlib import Path
from typing import Any, BinaryIO, TypeVar, cast

from desk import __version__
from desk.core import audit, original_store, schema, signing, tracking
from desk.core.clock import utc_now
from desk.core.identity import reviewer_name
from desk.core.imagery import ReferenceOverlay, TilePackRef, pairs_from_text
from desk.core.metadata_rows import insert_sources, with_sources
from desk.core.model import (
    AuditEntry,
    Claim,
    ClaimEvidence,
    Confidence,
    Evidence,
    Flag,
    FrameOf,
    Geolocation,
    Gps,
    Horizon,
    Landmark,
    Metadata,
    Movement,
    Provenance,
    Rating,
    Shadow,
    Stance,
    Statement,
    TimeQuestion,
    Verdict,
    VerdictDraft,
)

SUFFIX = ".deskcase"
_E = TypeVar("_E", bound=Enum)
_D = TypeVar("_D")

_SQLITE_MAGIC = b"SQLite format 3\x00"


class CaseFileError(Exception):
    """A case file that cannot be used, with a message meant for the reviewer."""


class NotACaseFile(CaseFileError):
    pass


class CaseTooNew(CaseFileError):
    pass


class CaseCorrupt(CaseFileError):
    pass


@dataclass(frozen=True)
class StreamedDescription:
    """What a streamed original is, known once its bytes are in (see
    `CaseFile.insert_streamed_evidence`)."""

    fmt: str
    width: int
    height: int
    metadata: Metadata
    thumbnail: bytes
    thumb_size: tuple[int, int]


@dataclass
class VerifyReport:
    checked: int = 0
    problems: list[str] = field(default_factory=list)
    #: fingerprint of each key that signed custody entries -> the entries it signed
    signers: dict[str, list[int]] = field(default_factory=dict)
    head: AuditEntry | None = None
    #: What the check could not cover, said plainly (an older log without row digests).
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


_EVIDENCE_COLUMNS = (
    "id, sha256, size, format, width, height, captured_at, utc_offset, gps_lat, gps_lon, gps_alt,"
    " gps_direction, gps_time, make, model, software, flags, exif, original_name, source_url,"
    " platform, uploader, published_at, acquired_at, acquired_by, notes, imported_at"
)


def _evidence_from_row(row: tuple[Any, ...]) -> Evidence:
    """One row of `_EVIDENCE_COLUMNS`; SQLite gives values whose types the schema fixes."""
    (eid, sha, size, fmt, width, height, captured_at, utc_offset, lat, lon, alt, direction,
     gps_time, make, model, software, flags, exif, original_name, source_url, platform,
     uploader, published_at, acquired_at, acquired_by, notes, imported_at) = row
    gps = Gps(lat, lon, alt, direction, gps_time) if lat is not None and lon is not None else None
    try:
        flag_list = tuple(Flag(str(f["code"]), str(f["message"])) for f in json.loads(flags))
    except (ValueError, TypeError, KeyError):
        flag_list = (Flag("stored_flags_unreadable", "Stored metadata flags could not be read"),)
    try:
        raw = {str(k): str(v) for k, v in json.loads(exif).items()}
    except (ValueError, TypeError, AttributeError):
        raw = {}
    metadata = Metadata(captured_at, utc_offset, gps, make, model, software, flag_list, raw)
    provenance = Provenance(original_name, source_url, platform, uploader, published_at,
                            acquired_at, acquired_by, notes)
    return Evidence(eid, sha, size, fmt, width, height, metadata, provenance, imported_at)


def _describe_sqlite_error(path: Path, exc: sqlite3.Error | UnicodeDecodeError) -> str:
    if isinstance(exc, UnicodeDecodeError):  # SQLite gave text from a damaged page
        return f"{path.name} is damaged and cannot be opened safely (text that is not UTF-8)."
    text = str(exc)
    if "not a database" in text or "malformed" in text or "corrupt" in text:
        return f"{path.name} is damaged and cannot be opened safely ({text})."
    if "locked" in text or "busy" in text:
        return f"{path.name} is in use by another program; close it there and try again."
    if "readonly" in text or "unable to open" in text:
        return f"{path.name} cannot be opened: {text}."
    return f"{path.name} could not be read: {text}."


class CaseFile:
    """An open case. Not thread-safe: each thread that works on a case opens its own."""

    def __init__(self, path: Path, conn: sqlite3.Connection, *, read_only: bool = False,
                 damage: list[str] | None = None) -> None:
        self.path = path
        self._conn: sqlite3.Connection | None = conn
        self.read_only = read_only
        #: What was found wrong with the file when it was opened (only a damaged_ok open).
        self.damage: list[str] = list(damage or [])
        self.actor = reviewer_name()
        self._depth = 0

    # ----------------------------------------------------------------- opening and closing

    @classmethod
    def create(cls, path: str | os.PathLike[str], title: str) -> CaseFile:
        """Make a new case, written beside the target and renamed: it exists whole or not at all."""
        target = Path(path)
        if target.exists():
            raise CaseFileError(f"{target.name} already exists; choose another name.")
        if not target.parent.is_dir():
            raise CaseFileError(f"The folder {target.parent} does not exist.")
        fd, tmp_name = tempfile.mkstemp(prefix=".desk-new-", suffix=SUFFIX, dir=target.parent)
        os.close(fd)
        tmp = Path(tmp_name)
        try:
            tmp.unlink()
            conn = sqlite3.connect(tmp, isolation_level=None, factory=tracking.Connection)
            try:
                conn.execute(f"PRAGMA page_size = {schema.PAGE_SIZE}")
                conn.execute("PRAGMA journal_mode = DELETE")
                conn.execute("PRAGMA synchronous = FULL")
                conn.execute("BEGIN IMMEDIATE")
                conn.execute(f"PRAGMA application_id = {schema.APPLICATION_ID}")
                conn.execute(f"PRAGMA user_version = {schema.USER_VERSION}")
                schema.create_schema(conn)
                conn.signing_key = _reviewer_key(target)
                tracking.watch(conn)
                now = utc_now()
                conn.executemany(
                    "INSERT INTO meta (key, value) VALUES (?, ?)",
                    [("title", title), ("created_at", now), ("created_with", __version__),
                     ("description", "")],
                )
                audit.append(conn, reviewer_name(), "create case", (), {"title": title})
                conn.execute("COMMIT")
            finally:
                conn.close()
            os.replace(tmp, target)
            _fsync_dir(target.parent)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        return cls.open(target)

    @classmethod
    def open(cls, path: str | os.PathLike[str], *, read_only: bool = False,
             damaged_ok: bool = False) -> CaseFile:
        """Open and check a case file; every refusal is a CaseFileError with a plain message.

        A file the user may not write (or `read_only=True`) opens for reading only. A damaged
        file never opens for writing; with `read_only` and `damaged_ok` (for `verify`, which
        reports the damage) it opens for reading, with what is wrong in `damage`.
        """
        target = Path(path)
        if not target.is_file():
            raise CaseFileError(f"There is no case file at {target}.")
        try:
            with target.open("rb") as fh:
                header = fh.read(100)
        except OSError as exc:
            raise CaseFileError(f"{target.name} cannot be read: {exc.strerror or exc}.") from exc
        if len(header) < 100 or not header.startswith(_SQLITE_MAGIC):
            raise NotACaseFile(f"{target.name} is not a desk case file.")
        if int.from_bytes(header[68:72], "big") != schema.APPLICATION_ID:
            raise NotACaseFile(
                f"{target.name} is an SQLite database but not a desk case file."
            )
        writable = os.access(target, os.W_OK)
        if writable and Path(f"{target}-journal").exists():
            # A crash left a hot journal: roll it back first. Until then the header may
            # declare pages a commit was still writing (the file looks cut off), and a
            # read-only open would fail.
            _roll_back_hot_journal(target)
        damage = _damage(target)
        if damage and not (read_only and damaged_ok):
            raise CaseCorrupt(
                f"{target.name} is damaged ({damage[0]}); it was not opened, so nothing can be"
                " written into it. `desk verify` reports what is damaged.")
        read_only = read_only or not writable
        mode = "ro" if read_only else "rw"
        try:
            conn = sqlite3.connect(
                f"{target.resolve().as_uri()}?mode={mode}", uri=True, isolation_level=None,
                factory=tracking.Connection,
            )
        except sqlite3.Error as exc:
            raise CaseFileError(_describe_sqlite_error(target, exc)) from exc
        try:
            conn.execute("PRAGMA trusted_schema = OFF")
            conn.execute("PRAGMA busy_timeout = 10000")
            if not read_only:
                conn.execute("PRAGMA journal_mode = DELETE")
                conn.execute(f"PRAGMA cache_size = -{schema.WRITE_CACHE_KIB}")
            conn.execute("PRAGMA synchronous = FULL")
            conn.execute("PRAGMA foreign_keys = ON")
            if not damage:
                # Check the schema before any migration runs: an upgrade writes through
                # whatever the file defines.
                _check_schema(target, conn, allow_older=True)
            if not read_only:
                conn.signing_key = _reviewer_key(target)
            upgraded = _check_version(target, conn, read_only)
            if not damage:
                if upgraded:
                    _check_schema(target, conn)  # the upgrade's result is desk's schema too
                _check_integrity(target, conn, skip=("original", "original_chunk"))
            if not read_only:
                tracking.watch(conn)
        except (sqlite3.Error, UnicodeDecodeError) as exc:  # the latter: a damaged page's text
            conn.close()
            if damaged_ok and read_only:
                return cls(target, _bare_connection(target), read_only=True,
                           damage=[*damage, _describe_sqlite_error(target, exc)])
            raise CaseCorrupt(_describe_sqlite_error(target, exc)) from exc
        except CaseCorrupt as exc:
            conn.close()
            if damaged_ok and read_only:
                return cls(target, _bare_connection(target), read_only=True,
                           damage=[*damage, str(exc)])
            raise
        except BaseException:
            conn.close()
            raise
        return cls(target, conn, read_only=read_only, damage=damage)

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def __enter__(self) -> CaseFile:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def conn(self) -> sqlite3.Connection:
        if self._conn is None:
            raise CaseFileError("The case is closed.")
        return self._conn

    # ----------------------------------------------------------------- writing

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One atomic unit; nested uses join the outer transaction."""
        if self.read_only:
            raise CaseFileError(f"{self.path.name} is read-only; save a copy to edit it.")
        conn = self.conn
        if self._depth:
            self._depth += 1
            try:
                yield conn
            finally:
                self._depth -= 1
            return
        try:
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as exc:
            raise CaseFileError(_describe_sqlite_error(self.path, exc)) from exc
        self._depth = 1
        try:
            yield conn
            if tracking.pending(conn):
                raise CaseFileError(
                    "desk refused to save a change that has no custody-log entry; nothing was"
                    " changed. Please report this.")
            conn.execute("COMMIT")
        except sqlite3.Error as exc:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise CaseFileError(
                f"The change was not saved to {self.path.name} ({exc}); nothing was changed."
            ) from exc
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        finally:
            self._depth = 0

    @contextmanager
    def edit(self, action: str, items: Iterable[str] = (), detail: object = "") -> Iterator[
        sqlite3.Connection
    ]:
        """A change and its custody-log entry, committed together or not at all."""
        with self.transaction() as conn:
            yield conn
            audit.append(conn, self.actor, action, items, detail)

    def log(self, action: str, items: Iterable[str] = (), detail: object = "") -> None:
        """Record an event that changes no data (an export, a verification) in the custody log."""
        with self.transaction() as conn:
            audit.append(conn, self.actor, action, items, detail)

    def save_as(self, destination: str | os.PathLike[str]) -> Path:
        """Copy the whole case through SQLite's backup API (consistent even mid-use)."""
        target = Path(destination)
        if target.resolve() == self.path.resolve():
            raise CaseFileError("Choose a different file name for the copy.")
        if not target.parent.is_dir():
            raise CaseFileError(f"The folder {target.parent} does not exist.")
        fd, tmp_name = tempfile.mkstemp(prefix=".desk-copy-", suffix=SUFFIX, dir=target.parent)
        os.close(fd)
        tmp = Path(tmp_name)
        try:
            dest = sqlite3.connect(tmp, isolation_level=None, factory=tracking.Connection)
            try:
                self.conn.backup(dest, pages=256)
                dest.execute("PRAGMA journal_mode = DELETE")
                if audit.has_seal_columns(dest):
                    dest.signing_key = _reviewer_key(self.path)
                # The copy records where it came from; the source is not written to, so a
                # read-only or received case can be copied without changing it.
                dest.execute("BEGIN IMMEDIATE")
                audit.append(dest, self.actor, "save copy", (), {"from": self.path.name})
                dest.execute("COMMIT")
            finally:
                dest.close()
            os.replace(tmp, target)
            _fsync_dir(target.parent)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        return target

    # ----------------------------------------------------------------- case-level facts

    def meta(self, key: str, default: str = "") -> str:
        row = self.conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return str(row[0]) if row else default

    @property
    def title(self) -> str:
        return self.meta("title", self.path.stem)

    @property
    def description(self) -> str:
        return self.meta("description")

    def set_meta(self, key: str, value: str) -> None:
        with self.edit("set case " + key, (), {key: value}) as conn:
            conn.execute(
                "INSERT INTO meta (key, value) VALUES (?, ?)"
                " ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                (key, value),
            )

    # ----------------------------------------------------------------- evidence

    def evidence_count(self) -> int:
        return int(self.conn.execute("SELECT count(*) FROM evidence").fetchone()[0])

    def list_evidence(self, after_id: int = 0) -> list[Evidence]:
        """All evidence, or only items with ids above `after_id` (new since the last look)."""
        rows = self.conn.execute(
            f"SELECT {_EVIDENCE_COLUMNS} FROM evidence WHERE id > ? ORDER BY id", (after_id,)
        )
        return _with_footage(self.conn, with_sources(self.conn,
                                                     [_evidence_from_row(r) for r in rows]))

    def get_evidence(self, evidence_id: int) -> Evidence:
        row = self.conn.execute(
            f"SELECT {_EVIDENCE_COLUMNS} FROM evidence WHERE id = ?", (evidence_id,)
        ).fetchone()
        if row is None:
            raise KeyError(f"no evidence {evidence_id}")
        return _with_footage(self.conn, with_sources(self.conn, [_evidence_from_row(row)]))[0]

    def evidence_id_for_hash(self, sha256: str) -> int | None:
        row = self.conn.execute("SELECT id FROM evidence WHERE sha256 = ?", (sha256,)).fetchone()
        return int(row[0]) if row else None

    def known_hashes(self) -> set[str]:
        return {r[0] for r in self.conn.execute("SELECT sha256 FROM evidence")}

    def original(self, evidence_id: int) -> bytes:
        """A still's original whole, in memory. A video (or any original too large to load
        whole) is refused with a CaseFileError: it is read through `open_original`."""
        row = self.conn.execute(
            "SELECT CAST(data AS BLOB) FROM original WHERE evidence_id = ?", (evidence_id,)
        ).fetchone()
        if row is not None:
            return bytes(row[0])
        try:
            return original_store.read_whole(self.conn, evidence_id)
        except original_store.OriginalMissing:
            raise KeyError(f"no original for evidence {evidence_id}") from None
        except ValueError as exc:
            raise CaseFileError(f"{exc}.") from exc

    def open_original(self, evidence_id: int) -> BinaryIO:
        """An original as a read-only, seekable file read part by part (any size, either
        form of storage); the caller closes it. KeyError when the case holds none."""
        try:
            reader = original_store.OriginalReader(self.conn, evidence_id)
        except original_store.OriginalMissing as exc:
            raise KeyError(str(exc)) from None
        return cast(BinaryIO, io.BufferedReader(reader, original_store.READ_BYTES))

    def original_size(self, evidence_id: int) -> int:
        try:
            return original_store.stored_size(self.conn, evidence_id)
        except original_store.OriginalMissing as exc:
            raise KeyError(str(exc)) from None

    def video(self, evidence_id: int) -> StoredVideo | None:
        """What a video item's container said at intake and its frame table (None when the
        item is not a video)."""
        row = self.conn.execute("SELECT info, frame_table FROM video WHERE evidence_id = ?",
                                (evidence_id,)).fetchone()
        if row is None:
            return None
        return StoredVideo(evidence_id, _json_object(row[0]), str(row[1] or ""))

    def frames_of(self, video_id: int) -> list[Evidence]:
        """The stills taken from a video, in frame order."""
        ids = [int(r[0]) for r in self.conn.execute(
            "SELECT evidence_id FROM video_frame WHERE video_id = ? ORDER BY frame_index",
            (video_id,))]
        by_id = {e.id: e for e in self._evidence_with_ids(ids)}
        return [by_id[i] for i in ids if i in by_id]

    def frame_taken(self, video_id: int, frame_index: int) -> int | None:
        """The still already taken from this frame of this video, if any."""
        row = self.conn.execute(
            "SELECT evidence_id FROM video_frame WHERE video_id = ? AND frame_index = ?",
            (video_id, frame_index)).fetchone()
        return int(row[0]) if row else None

    def _evidence_with_ids(self, ids: list[int]) -> list[Evidence]:
        found: list[Evidence] = []
        for start in range(0, len(ids), 500):
            chunk = ids[start:start + 500]
            rows = self.conn.execute(
                f"SELECT {_EVIDENCE_COLUMNS} FROM evidence WHERE id IN"
                f" ({','.join('?' * len(chunk))}) ORDER BY id", chunk)
            found.extend(_evidence_from_row(r) for r in rows)
        return _with_footage(self.conn, with_sources(self.conn, found))

    def thumbnail(self, evidence_id: int) -> bytes | None:
        row = self.conn.execute(
            "SELECT CAST(data AS BLOB) FROM thumbnail WHERE evidence_id = ?", (evidence_id,)
        ).fetchone()
        return bytes(row[0]) if row else None

    def thumbnails(self, evidence_ids: Iterable[int]) -> dict[int, bytes]:
        ids = list(evidence_ids)
        result: dict[int, bytes] = {}
        for start in range(0, len(ids), 500):
            chunk = ids[start:start + 500]
            marks = ",".join("?" * len(chunk))
            for eid, data in self.conn.execute(
                f"SELECT evidence_id, CAST(data AS BLOB) FROM thumbnail"
                f" WHERE evidence_id IN ({marks})", chunk
            ):
                result[int(eid)] = bytes(data)
        return result

    def insert_evidence(
        self,
        conn: sqlite3.Connection,
        *,
        sha256: str,
        data: bytes,
        fmt: str,
        width: int,
        height: int,
        metadata: Metadata,
        provenance: Provenance,
        thumbnail: bytes,
        thumb_size: tuple[int, int],
    ) -> int:
        """Store one original with its metadata (inside the caller's transaction); one larger
        than `original_store.CHUNK_ABOVE` is stored in parts."""
        eid = self._insert_evidence_row(conn, sha256=sha256, size=len(data), fmt=fmt,
                                        width=width, height=height, metadata=metadata,
                                        provenance=provenance)
        if len(data) > original_store.CHUNK_ABOVE:
            view = memoryview(data)
            step = original_store.CHUNK_BYTES
            original_store.write_chunks(conn, eid, (view[i:i + step]
                                                    for i in range(0, len(data), step)))
        else:
            # Incremental blob I/O writes the bytes straight into the pages; binding them as
            # a parameter would make SQLite copy every multi-megabyte original once more.
            conn.execute("INSERT INTO original (evidence_id, data) VALUES (?, zeroblob(?))",
                         (eid, len(data)))
            if data:
                with conn.blobopen("original", "data", eid) as blob:
                    blob.write(data)
        self._insert_thumbnail(conn, eid, thumbnail, thumb_size)
        return eid

    def insert_streamed_evidence(
        self,
        conn: sqlite3.Connection,
        *,
        sha256: str,
        size: int,
        chunks: Iterable[bytes],
        provenance: Provenance,
        fmt: str = "",
        width: int = 0,
        height: int = 0,
        metadata: Metadata | None = None,
        thumbnail: bytes = b"",
        thumb_size: tuple[int, int] = (0, 0),
        describe: Callable[[], StreamedDescription] | None = None,
    ) -> int:
        """Store an original of any size from a stream, in parts (inside the caller's
        transaction), hashing it as it is written: bytes that do not hash to `sha256` (the
        hash taken before any parser saw the file) or do not add up to `size` are refused
        with a CaseFileError, and the caller's transaction rolls back.

        The bytes go in before their row, so `describe`, when given, is asked for the
        description (format, pixels, metadata, thumbnail) only once they are in: a video is
        probed in its worker while it is copied. Whatever it raises rolls the store back."""
        # The parts name the row they belong to before it exists: the check waits for commit.
        conn.execute("PRAGMA defer_foreign_keys = ON")
        eid = int(conn.execute("SELECT coalesce(max(id), 0) + 1 FROM evidence").fetchone()[0])
        written_sha, written = original_store.write_chunks(conn, eid, chunks)
        if written != size or written_sha != sha256:
            raise CaseFileError(
                f"{provenance.original_name or 'the file'} changed while it was imported"
                f" ({written:,} bytes hashing to {written_sha[:12]}…, where {size:,} hashing"
                f" to {sha256[:12]}… were read first); it was not stored")
        if describe is not None:
            d = describe()
            fmt, width, height, metadata = d.fmt, d.width, d.height, d.metadata
            thumbnail, thumb_size = d.thumbnail, d.thumb_size
        self._insert_evidence_row(conn, sha256=sha256, size=size, fmt=fmt, width=width,
                                  height=height, metadata=metadata or Metadata(),
                                  provenance=provenance, eid=eid)
        self._insert_thumbnail(conn, eid, thumbnail, thumb_size)
        return eid

    def _insert_thumbnail(self, conn: sqlite3.Connection, eid: int, thumbnail: bytes,
                          thumb_size: tuple[int, int]) -> None:
        conn.execute(
            "INSERT INTO thumbnail (evidence_id, width, height, data) VALUES (?, ?, ?, ?)",
            (eid, thumb_size[0], thumb_size[1], thumbnail),
        )

    def _insert_evidence_row(self, conn: sqlite3.Connection, *, sha256: str, size: int,
                             fmt: str, width: int, height: int, metadata: Metadata,
                             provenance: Provenance, eid: int | None = None) -> int:
        gps = metadata.gps
        flags = json.dumps([{"code": f.code, "message": f.message} for f in metadata.flags],
                           ensure_ascii=False)
        exif = json.dumps(metadata.raw, ensure_ascii=False, sort_keys=True)
        cur = conn.execute(
            "INSERT INTO evidence (id, sha256, size, format, width, height, captured_at,"
            " utc_offset, gps_lat, gps_lon, gps_alt, gps_direction, gps_time, make, model,"
            " software, flags, exif, original_name, source_url, platform, uploader,"
            " published_at, acquired_at, acquired_by, notes, imported_at)"
            f" VALUES ({', '.join('?' * 27)})",
            (eid, sha256, size, fmt, width, height, metadata.captured_at, metadata.utc_offset,
             gps.lat if gps else None, gps.lon if gps else None, gps.altitude if gps else None,
             gps.direction if gps else None, gps.time_utc if gps else None,
             metadata.make, metadata.model, metadata.software, flags, exif,
             provenance.original_name, provenance.source_url, provenance.platform,
             provenance.uploader, provenance.published_at, provenance.acquired_at,
             provenance.acquired_by, provenance.notes, utc_now()),
        )
        eid = int(cur.lastrowid or 0)
        insert_sources(conn, eid, metadata)
        return eid

    # ----------------------------------------------------------------- claims and verdicts

    def list_claims(self) -> list[Claim]:
        rows = self.conn.execute(
            "SELECT id, text, claimant, first_appearance_url, first_appearance_date, appearances,"
            " created_at FROM claim ORDER BY id"
        )
        return [Claim(r[0], r[1], r[2], r[3], r[4], _json_list(r[5]), r[6]) for r in rows]

    def get_claim(self, claim_id: int) -> Claim:
        for claim in self.list_claims():
            if claim.id == claim_id:
                return claim
        raise KeyError(f"no claim {claim_id}")

    def statements(self, claim_id: int | None = None) -> list[Statement]:
        sql = "SELECT id, claim_id, speaker, text, said_at, source_url, venue FROM statement"
        args: tuple[object, ...] = ()
        if claim_id is not None:
            sql += " WHERE claim_id = ?"
            args = (claim_id,)
        return [Statement(*r) for r in self.conn.execute(sql + " ORDER BY said_at, id", args)]

    def claim_evidence(
        self, claim_id: int | None = None, *, evidence_id: int | None = None
    ) -> list[ClaimEvidence]:
        sql = "SELECT claim_id, evidence_id, stance, note FROM claim_evidence WHERE 1"
        args: tuple[object, ...] = ()
        if claim_id is not None:
            sql += " AND claim_id = ?"
            args += (claim_id,)
        if evidence_id is not None:
            sql += " AND evidence_id = ?"
            args += (evidence_id,)
        return [
            ClaimEvidence(r[0], r[1], _enum(Stance, r[2], Stance.CONTEXT), r[3])
            for r in self.conn.execute(sql + " ORDER BY claim_id, evidence_id", args)
        ]

    def verdict(self, claim_id: int) -> Verdict | None:
        row = self.conn.execute(
            "SELECT claim_id, rating, confidence, summary, rationale, checklist, reviewer,"
            " decided_at FROM verdict WHERE claim_id = ?",
            (claim_id,),
        ).fetchone()
        if row is None:
            return None
        return Verdict(row[0], _enum(Rating, row[1], Rating.UNPROVEN),
                       _enum(Confidence, row[2], Confidence.LOW), row[3], row[4],
                       _checklist(row[5]), row[6], row[7])

    def verdict_draft(self, claim_id: int) -> VerdictDraft | None:
        """The reviewer's unfinished verdict of a claim (None when there is none)."""
        row = self.conn.execute(
            "SELECT claim_id, rating, confidence, summary, rationale, checklist"
            " FROM verdict_draft WHERE claim_id = ?",
            (claim_id,),
        ).fetchone()
        if row is None:
            return None
        return VerdictDraft(row[0], _enum(Rating, row[1], None) if row[1] else None,
                            _enum(Confidence, row[2], None) if row[2] else None,
                            row[3], row[4], _checklist(row[5]))

    # ----------------------------------------------------------------- places and movement

    def geolocation(self, evidence_id: int) -> Geolocation | None:
        for geo in self.geolocations([evidence_id]):
            return geo
        return None

    def geolocations(self, evidence_ids: Iterable[int] | None = None) -> list[Geolocation]:
        sql = ("SELECT evidence_id, lat, lon, precision_m, heading, fov, camera_height_m,"
               " confidence, method FROM geolocation")
        args: list[int] = []
        if evidence_ids is not None:
            args = list(evidence_ids)
            sql += f" WHERE evidence_id IN ({','.join('?' * len(args))})"
        return [
            Geolocation(r[0], r[1], r[2], r[3], r[4], r[5], r[6],
                        _enum(Confidence, r[7], Confidence.LOW), r[8])
            for r in self.conn.execute(sql + " ORDER BY evidence_id", args)
        ]

    def horizon(self, evidence_id: int) -> Horizon | None:
        row = self.conn.execute(
            "SELECT evidence_id, y_left, y_right FROM horizon WHERE evidence_id = ?",
            (evidence_id,),
        ).fetchone()
        return Horizon(*row) if row else None

    def horizons(self) -> dict[int, Horizon]:
        rows = self.conn.execute("SELECT evidence_id, y_left, y_right FROM horizon")
        return {r[0]: Horizon(*r) for r in rows}

    def landmarks(self) -> list[Landmark]:
        rows = self.conn.execute(
            "SELECT id, name, lat, lon, kind, notes, is_reference FROM landmark ORDER BY id"
        )
        return [Landmark(r[0], r[1], r[2], r[3], r[4], r[5], bool(r[6])) for r in rows]

    def movements(self, evidence_id: int | None = None) -> list[Movement]:
        sql = ("SELECT id, evidence_id, label, color, x1, y1, x2, y2, start_lat, start_lon,"
               " end_lat, end_lon, bearing, reference_id FROM movement")
        args: tuple[object, ...] = ()
        if evidence_id is not None:
            sql += " WHERE evidence_id = ?"
            args = (evidence_id,)
        return [Movement(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], _real(r[8]),
                         _real(r[9]), _real(r[10]), _real(r[11]), _real(r[12]), r[13])
                for r in self.conn.execute(sql + " ORDER BY id", args)]

    def shadows(self, evidence_id: int | None = None) -> list[Shadow]:
        """The shadows marked on a frame (or on every frame), in the order they were added."""
        sql = f"SELECT {_SHADOW_COLUMNS} FROM shadow"
        args: tuple[object, ...] = ()
        if evidence_id is not None:
            sql += " WHERE evidence_id = ?"
            args = (evidence_id,)
        rows = self.conn.execute(sql + " ORDER BY id", args)
        return [s for s in (_shadow_from_row(r) for r in rows) if s is not None]

    def shadow(self, shadow_id: int) -> Shadow | None:
        row = self.conn.execute(f"SELECT {_SHADOW_COLUMNS} FROM shadow WHERE id = ?",
                                (shadow_id,)).fetchone()
        return None if row is None else _shadow_from_row(row)

    def time_question(self, evidence_id: int) -> TimeQuestion | None:
        """The days a frame is asked about and the claimed time (None when not set, or when
        a case from elsewhere holds dates desk cannot read)."""
        row = self.conn.execute("SELECT evidence_id, first_day, last_day, claimed_at FROM"
                                " time_question WHERE evidence_id = ?", (evidence_id,)).fetchone()
        return None if row is None else _time_question_from_row(row)

    def tile_packs(self) -> list[TilePackRef]:
        """The tile packs the case's map uses, base layers first, in the order added."""
        rows = self.conn.execute(
            "SELECT id, path, sha256, size, format, name, attribution, role, opacity, added_at"
            " FROM tile_pack ORDER BY role != 'base', id")
        return [TilePackRef(*r) for r in rows]

    def overlays(self) -> list[ReferenceOverlay]:
        """Stills laid over the map, in the order placed (later ones drawn on top); a row
        whose pairs desk cannot read (a case edited elsewhere) is left out."""
        found = []
        for oid, eid, text, opacity, label in self.conn.execute(
                "SELECT id, evidence_id, pairs, opacity, label FROM overlay ORDER BY id"):
            pairs = pairs_from_text(text) if isinstance(text, str) else None
            if pairs is None or not isinstance(opacity, int | float):
                continue
            found.append(ReferenceOverlay(oid, eid, pairs, float(opacity), str(label)))
        return found

    # ----------------------------------------------------------------- custody

    def audit_entries(self) -> list[AuditEntry]:
        return audit.entries(self.conn)

    def custody_head(self) -> AuditEntry | None:
        """The last custody entry: what a dossier pins as the state it was exported from."""
        log = self.audit_entries()
        return log[-1] if log else None

    def verify(self, *, evidence_ids: Iterable[int] | None = None,
               full: bool = True) -> VerifyReport:
        """Re-hash originals, check the custody chain, its seals and signatures, every row
        against the digests the log recorded, and the database itself.

        `full=False` with `evidence_ids` is the check an export makes: every row and the whole
        log, but only those originals and only the small tables' pages.
        """
        report = VerifyReport()
        report.problems.extend(f"database: {d}" for d in self.damage)
        self._verify_database(report, full)
        self._verify_originals(report, evidence_ids)
        self._verify_custody(report)
        return report

    def _verify_database(self, report: VerifyReport, full: bool) -> None:
        targets = [None] if full else [t for t in schema.TABLES
                                       if t not in ("original", "original_chunk")]
        for table in targets:
            sql = "PRAGMA integrity_check" if table is None else (
                f'PRAGMA integrity_check("{table}")')
            try:
                for (message,) in self.conn.execute(sql):
                    if message != "ok":
                        report.problems.append(f"database: {message}")
            except sqlite3.DatabaseError as exc:
                report.problems.append(f"database: the check itself failed ({exc})")
                if full:
                    report.problems.extend(_findings_of_cut_file(self.path))

    def _verify_originals(self, report: VerifyReport, evidence_ids: Iterable[int] | None) -> None:
        import hashlib

        wanted = None if evidence_ids is None else set(evidence_ids)
        try:
            rows = self.conn.execute(
                "SELECT e.id, e.sha256, e.original_name, o.evidence_id IS NULL"
                " AND NOT EXISTS (SELECT 1 FROM original_chunk c WHERE c.evidence_id = e.id)"
                " FROM evidence e LEFT JOIN original o ON o.evidence_id = e.id ORDER BY e.id"
            ).fetchall()
        except sqlite3.DatabaseError as exc:
            report.problems.append(f"evidence: the list of items cannot be read ({exc})")
            return
        for eid, sha, name, missing in rows:
            if wanted is not None and eid not in wanted:
                continue
            report.checked += 1
            label = f"evidence {eid} ({name or 'unnamed'})"
            if missing:
                report.problems.append(f"{label}: the original is missing")
                continue
            digest = hashlib.sha256()
            try:  # streamed, one read at a time: memory stays flat for any size
                for chunk in original_store.iter_original(self.conn, eid):
                    digest.update(chunk)
            except (sqlite3.Error, OSError, original_store.OriginalMissing) as exc:
                report.problems.append(f"{label}: the original cannot be read ({exc})")
                continue
            if digest.hexdigest() != sha:
                report.problems.append(
                    f"{label}: the original no longer matches its SHA-256"
                    f" (recorded {str(sha)[:12]}…, now {digest.hexdigest()[:12]}…)"
                )

    def _verify_custody(self, report: VerifyReport) -> None:
        try:
            version = int(self.conn.execute("PRAGMA user_version").fetchone()[0])
            chain = audit.examine(self.conn, sealed_format=version >= schema.SEALED_FROM)
        except sqlite3.DatabaseError as exc:
            report.problems.append(f"custody log: it cannot be read ({exc})")
            return
        report.problems.extend(chain.problems)
        report.signers = chain.signers
        report.head = chain.head
        if not chain.sealed:
            report.notes.append(
                "The custody log predates row digests (case format 1.2 or older), so a direct"
                " edit of the data cannot be detected; opening the case for editing upgrades it.")
            return
        first = chain.sealed[0].seq
        if first > 1:
            report.notes.append(
                f"Row digests start at custody entry {first} (the upgrade to case format 1.3);"
                " a direct edit made before then cannot be detected.")
        expected, problems = tracking.replay(chain.sealed)
        report.problems.extend(problems)
        try:
            actual = tracking.snapshot(self.conn)
        except sqlite3.DatabaseError as exc:
            report.problems.append(f"data: the rows cannot all be read ({exc})")
            return
        report.problems.extend(tracking.compare(expected, actual))


# --------------------------------------------------------------------------- helpers


@dataclass(frozen=True)
class StoredVideo:
    """A video item's stored facts: the container's description (`VideoInfo.to_json`, as
    read at intake) and its frame table JSON ('' when none was kept)."""

    evidence_id: int
    info: dict[str, Any]
    frame_table_json: str

    def frame_table(self) -> Any:
        """The frame table as `desk.core.video_frames.FrameTable`, or None when none was
        kept or the stored one does not read (a case from elsewhere)."""
        if not self.frame_table_json:
            return None
        from desk.core.video_frames import FrameTable

        try:
            return FrameTable.from_json(json.loads(self.frame_table_json))
        except (ValueError, TypeError):
            return None


def _json_object(text: object) -> dict[str, Any]:
    try:
        value = json.loads(str(text))
    except (ValueError, TypeError):
        return {}
    return value if isinstance(value, dict) else {}


_FRAME_COLUMNS = ("evidence_id, video_id, video_sha256, frame_index, pts_s, timecode,"
                  " pixels_sha256, pts, time_base")


def _with_footage(conn: sqlite3.Connection, items: list[Evidence]) -> list[Evidence]:
    """Mark videos and give frames their provenance (a case of format 1.5 or older has
    neither table until it is upgraded: read-only, it has no footage)."""
    if not items:
        return items
    present = {str(r[0]) for r in conn.execute(
        "SELECT name FROM main.sqlite_master WHERE type = 'table'"
        " AND name IN ('video', 'video_frame')")}
    if not present:
        return items
    low, high = min(i.id for i in items), max(i.id for i in items)
    videos = {int(r[0]) for r in conn.execute(
        "SELECT evidence_id FROM video WHERE evidence_id BETWEEN ? AND ?", (low, high))
    } if "video" in present else set()
    frames: dict[int, FrameOf] = {}
    if "video_frame" in present:
        for r in conn.execute(f"SELECT {_FRAME_COLUMNS} FROM video_frame"
                              " WHERE evidence_id BETWEEN ? AND ?", (low, high)):
            try:
                frames[int(r[0])] = FrameOf(int(r[1]), str(r[2]), int(r[3]), float(r[4]),
                                            str(r[5]), str(r[6]), int(r[7]), str(r[8]))
            except (TypeError, ValueError):
                continue
    for item in items:
        if item.id in videos:
            item.kind = "video"
        item.frame_of = frames.get(item.id)
    return items


def _json_list(text: str) -> list[str]:
    try:
        value = json.loads(text)
    except (ValueError, TypeError):
        return []
    return [str(v) for v in value] if isinstance(value, list) else []


def _checklist(stored: str) -> dict[str, bool | None]:
    """A stored checklist; null is "not applicable", kept as None, never folded into False."""
    try:
        return {str(k): None if v is None else bool(v) for k, v in json.loads(stored).items()}
    except (ValueError, TypeError, AttributeError):
        return {}


def _enum(kind: type[_E], value: object, default: _D) -> _E | _D:
    """The stored value as its enum member; `default` for a value this version does not know."""
    try:
        return kind(value)
    except ValueError:
        return default


def _real(value: object) -> float | None:
    """An optional REAL column as the model types it: SQLite keeps text put in a REAL column, and
    a case from elsewhere may hold some, so anything but a number reads as absent."""
    return float(value) if isinstance(value, int | float) else None


_SHADOW_COLUMNS = ("id, evidence_id, bearing, tolerance, label, object_height_m,"
                   " shadow_length_m, size_tolerance, x1, y1, x2, y2")


def _shadow_from_row(r: tuple[Any, ...]) -> Shadow | None:
    """One row of `_SHADOW_COLUMNS`; None when its bearing is not a number (text kept in a
    REAL column by a case from elsewhere), since a shadow without a bearing says nothing."""
    bearing, tolerance, size = _real(r[2]), _real(r[3]), _real(r[7])
    if bearing is None or tolerance is None:
        return None
    return Shadow(r[0], r[1], bearing, tolerance, str(r[4]), _real(r[5]), _real(r[6]),
                  0.1 if size is None else size, _real(r[8]), _real(r[9]), _real(r[10]),
                  _real(r[11]))


def _time_question_from_row(r: tuple[Any, ...]) -> TimeQuestion | None:
    try:
        first, last = date.fromisoformat(str(r[1])), date.fromisoformat(str(r[2]))
    except ValueError:
        return None
    if first > last:
        return None
    return TimeQuestion(int(r[0]), first, last, r[3] if isinstance(r[3], str) else "")


def _fsync_dir(folder: Path) -> None:
    """Make a rename durable; not every platform can open a folder for this."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _check_version(path: Path, conn: tracking.Connection, read_only: bool) -> bool:
    """Refuse a newer major format; upgrade an older one. Whether it upgraded."""
    version = int(conn.execute("PRAGMA user_version").fetchone()[0])
    start = version
    key = conn.signing_key
    major, minor = divmod(version, 1000)
    if major > schema.SCHEMA_MAJOR:
        raise CaseTooNew(
            f"{path.name} was made by a newer desk (case format {major}.{minor}); this desk"
            f" {__version__} reads format {schema.SCHEMA_MAJOR}.x. Update desk to open it."
        )
    if major < 1:
        raise NotACaseFile(f"{path.name} has no case format version; it is not a desk case.")
    while version < schema.USER_VERSION:
        if read_only:
            raise CaseFileError(
                f"{path.name} uses an older case format and is read-only, so it cannot be"
                " upgraded. Copy it somewhere writable and open the copy."
            )
        step = schema.MIGRATIONS.get(version)
        if step is None:
            raise CaseFileError(
                f"{path.name} uses case format {major}.{minor}, which this desk cannot upgrade."
            )
        target, migrate = step
        conn.execute("BEGIN IMMEDIATE")
        try:
            changed = migrate(conn)
            conn.execute(f"PRAGMA user_version = {int(target)}")
            # Entries are sealed from format 1.3 on; the upgrade to it records every row as
            # the baseline that later edits are measured against.
            conn.signing_key = key if target >= schema.SEALED_FROM else None
            audit.append(conn, reviewer_name(), "upgrade case format", (),
                         {"from": version, "to": target, **(changed or {})},
                         rows=tracking.baseline(conn) if target == schema.SEALED_FROM else None)
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            conn.signing_key = key
            raise
        version = target
    conn.signing_key = key
    return version != start


def _check_schema(path: Path, conn: sqlite3.Connection, *, allow_older: bool = False) -> None:
    """Refuse any schema but desk's own, compared whole: every object's type, name, table and
    SQL. SQLite builds each object from its SQL text whatever the row's `type` says, so a
    trigger or view a case brought would run a stranger's SQL; nothing is looked for by kind.

    A newer minor format may add tables and indexes (never anything else); with
    `allow_older` the file may be the exact schema of an older format desk can upgrade.
    """
    version = int(conn.execute("PRAGMA user_version").fetchone()[0])
    found = sorted(
        (str(t), str(n), str(tb), schema.normalized_sql(q if q is None else str(q)))
        for t, n, tb, q in conn.execute("SELECT type, name, tbl_name, sql FROM sqlite_master"))
    found = [o for o in found if schema.SQLITE_OWN.get(o[1]) is None
             or o[3] != schema.normalized_sql(schema.SQLITE_OWN[o[1]]) or o[0] != "table"]
    if version < schema.USER_VERSION and allow_older:
        expected = schema.objects_at(version)
    else:
        expected = schema.objects_at()
    extra = [o for o in found if o not in expected]
    missing = [o for o in expected if o not in found]
    if version > schema.USER_VERSION:
        # Tables and plain indexes of a newer minor are data an older desk may ignore.
        extra = [o for o in extra if not (
            (o[0] == "table" and (o[3] or "").startswith("CREATE TABLE "))
            or (o[0] == "index" and (o[3] or "").startswith(("CREATE INDEX ",
                                                             "CREATE UNIQUE INDEX "))))]
    if extra:
        names = ", ".join(f"{o[0]} {o[1]}" for o in extra[:3])
        raise CaseCorrupt(
            f"{path.name} contains database objects desk did not create ({names}); it was not"
            " opened, because a case from elsewhere may carry code that would run here.")
    if missing:
        names = ", ".join(f"{o[0]} {o[1]}" for o in missing[:3])
        raise CaseCorrupt(f"{path.name} is incomplete or altered: it lacks desk's {names}"
                          " as desk defines it; it was not opened.")
    temp = conn.execute("SELECT type, name FROM sqlite_temp_master"
                        " WHERE name NOT LIKE 'desk_watch_%' AND name != 'desk_touched'"
                        ).fetchall()
    if temp:
        raise CaseCorrupt(f"{path.name} brought temporary objects ({temp[0][1]}); it was not"
                          " opened.")


def _roll_back_hot_journal(path: Path) -> None:
    """Let SQLite restore the file from the journal a crash left (its first read does), on a
    bare connection that runs nothing the file defines."""
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=rw", uri=True)
    except sqlite3.Error:
        return  # the open that follows says what is wrong
    try:
        conn.execute("PRAGMA trusted_schema = OFF")
        conn.execute("PRAGMA busy_timeout = 10000")
        conn.execute("PRAGMA schema_version").fetchone()
    except sqlite3.Error:
        pass  # likewise
    finally:
        conn.close()


def _damage(path: Path) -> list[str]:
    """Damage that can be seen without reading the whole file: a file cut shorter than its
    header says (a truncated copy or download)."""
    try:
        with path.open("rb") as fh:
            header = fh.read(100)
        size = path.stat().st_size
    except OSError as exc:
        return [f"it cannot be read: {exc.strerror or exc}"]
    page_size = int.from_bytes(header[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    pages = int.from_bytes(header[28:32], "big")
    counter_valid = header[24:28] == header[92:96]
    if counter_valid and pages and size < pages * page_size:
        return [f"the file is cut off: it holds {size:,} bytes of the {pages * page_size:,}"
                " its header declares"]
    if size % max(page_size, 512):
        return [f"the file is cut off: {size:,} bytes is not a whole number of"
                f" {page_size:,}-byte pages"]
    return []


#: A cut-off file larger than this is not copied to read SQLite's findings from it.
_PAD_COPY_LIMIT = 2 << 30


def _findings_of_cut_file(path: Path, limit: int = 20) -> list[str]:
    """SQLite reads nothing of a file shorter than its header says; a copy padded back to that
    length lets its integrity check say which pages and tables were lost."""
    try:
        with path.open("rb") as fh:
            header = fh.read(100)
        page_size = int.from_bytes(header[16:18], "big")
        page_size = 65536 if page_size == 1 else page_size
        declared = int.from_bytes(header[28:32], "big") * page_size
        size = path.stat().st_size
        if not (size < declared <= _PAD_COPY_LIMIT):
            return []
        with tempfile.TemporaryDirectory(prefix="desk-verify-") as folder:
            copy = Path(folder) / "padded.deskcase"
            with path.open("rb") as src, copy.open("wb") as dst:
                while chunk := src.read(1 << 20):
                    dst.write(chunk)
                dst.truncate(declared)
            conn = _bare_connection(copy)
            try:
                messages = [str(m) for (m,) in conn.execute(
                    f"PRAGMA integrity_check({int(limit)})") if m != "ok"]
            finally:
                conn.close()
    except (OSError, sqlite3.Error):
        return []
    lines = [line for m in messages for line in m.splitlines()
             if line.strip() and not line.startswith("***")][:limit]
    if not lines:
        return []
    return [f"database: {declared - size:,} bytes are missing from the end; SQLite's check of"
            f" the rest finds (first {len(lines)}):", *(f"database:   {line}" for line in lines)]


def _bare_connection(path: Path) -> sqlite3.Connection:
    """A read-only connection to a damaged file, for reporting what is in it."""
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, isolation_level=None,
                           factory=tracking.Connection)
    conn.execute("PRAGMA trusted_schema = OFF")
    conn.execute("PRAGMA query_only = ON")
    return conn


def _reviewer_key(path: Path) -> object:
    """The reviewer's signing key, which signs every custody entry desk writes."""
    try:
        return signing.load_or_create_key()
    except (OSError, signing.KeyUnusable) as exc:
        raise CaseFileError(
            f"{path.name} cannot be opened for editing: {exc} desk signs every custody-log"
            " entry with that key; restore the key file, or move it away to make a new key."
        ) from exc


def _check_integrity(path: Path, conn: sqlite3.Connection, skip: tuple[str, ...]) -> None:
    """Check every table but the large originals (those are re-hashed by `desk verify`)."""
    for table in schema.TABLES:
        if table in skip:
            continue
        for (message,) in conn.execute(f'PRAGMA integrity_check("{table}")'):
            if message != "ok":
                raise CaseCorrupt(f"{path.name} is damaged ({table}: {message}).")
