"""A bounded cache of the map tiles a reviewer has seen, so a view seen online paints offline.

Only tiles the map fetched because the reviewer looked at them are kept (no bulk fetching of
public providers: their usage policies forbid it). The cache honours what the tile server
says: `Cache-Control: no-store` is never kept; `max-age`/`Expires` say how long a tile is
fresh, after which it is asked for again (with its `ETag`/`Last-Modified`) when online and
still shown when offline, marked stale. The least recently used tiles go first once the size
limit is reached.

The cache is the machine's, disposable, and never evidence: a cache file that is damaged is
set aside and a new one started, with a note, never an error in the reviewer's way.
"""

from __future__ import annotations

import email.utils
import re
import sqlite3
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from desk.mapping.tilepacks import TileRejected, check_tile

#: The default size limit (settings may change it).
DEFAULT_LIMIT_BYTES = 500 * 1024 * 1024
#: Without any freshness header, a tile is fresh this long (imagery changes slowly).
DEFAULT_FRESH_S = 7 * 24 * 3600
_SCHEMA = """
CREATE TABLE IF NOT EXISTS tile (
    url TEXT PRIMARY KEY,
    data BLOB NOT NULL,
    mime TEXT NOT NULL,
    size INTEGER NOT NULL,
    fetched_at REAL NOT NULL,
    fresh_until REAL NOT NULL,
    etag TEXT NOT NULL DEFAULT '',
    last_modified TEXT NOT NULL DEFAULT '',
    used_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS tile_used ON tile(used_at);
"""
_MAX_AGE = re.compile(r"(?:^|,)\s*(?:s-maxage|max-age)\s*=\s*\"?(\d{1,10})\"?", re.IGNORECASE)


@dataclass(frozen=True)
class CachedTile:
    data: bytes
    mime: str
    fresh: bool
    etag: str = ""
    last_modified: str = ""


def _header(headers: Mapping[str, str], name: str) -> str:
    for key, value in headers.items():
        if key.lower() == name:
            return value
    return ""


def freshness(headers: Mapping[str, str], now: float) -> float | None:
    """Until when a response may be shown without asking again; None: never keep it."""
    control = _header(headers, "cache-control").lower()
    if "no-store" in control:
        return None
    if "no-cache" in control:
        return now  # kept for offline use, asked again whenever online
    found = _MAX_AGE.search(control)
    if found:
        return now + int(found.group(1))
    expires = _header(headers, "expires")
    if expires:
        try:
            when = email.utils.parsedate_to_datetime(expires)
        except (TypeError, ValueError, IndexError):
            return now  # an unreadable Expires means "already expired" (RFC 9111)
        return when.timestamp() if when.tzinfo else now
    return now + DEFAULT_FRESH_S


class TileCache:
    """One SQLite file of tiles by URL, at most `limit_bytes` of tile data."""

    def __init__(self, path: Path, limit_bytes: int = DEFAULT_LIMIT_BYTES) -> None:
        self.path = Path(path)
        self.limit_bytes = max(0, int(limit_bytes))
        self.notes: list[str] = []
        self._conn = self._open()
        self._total = int(self._conn.execute("SELECT coalesce(sum(size), 0) FROM tile")
                          .fetchone()[0])

    def _open(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            return self._connect()
        except sqlite3.DatabaseError as exc:
            aside = self.path.with_name(self.path.name + f".damaged-{int(time.time())}")
            self.path.replace(aside)
            self.notes.append(f"the tile cache was damaged ({exc}); it was set aside as"
                              f" {aside.name} and a new one started")
            return self._connect()

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        try:
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = NORMAL")  # a lost tile is fetched again
            conn.executescript(_SCHEMA)
            if conn.execute("PRAGMA quick_check").fetchone()[0] != "ok":
                raise sqlite3.DatabaseError("its pages do not check out")
        except sqlite3.DatabaseError:
            conn.close()
            raise
        return conn

    def close(self) -> None:
        self._conn.close()

    @property
    def size_bytes(self) -> int:
        return self._total

    def __len__(self) -> int:
        return int(self._conn.execute("SELECT count(*) FROM tile").fetchone()[0])

    def get(self, url: str, now: float | None = None) -> CachedTile | None:
        at = time.time() if now is None else now
        row = self._conn.execute("SELECT data, mime, fresh_until, etag, last_modified FROM tile"
                                 " WHERE url = ?", (url,)).fetchone()
        if row is None:
            return None
        self._conn.execute("UPDATE tile SET used_at = ? WHERE url = ?", (at, url))
        data, mime, fresh_until, etag, last_modified = row
        return CachedTile(bytes(data), mime, at < fresh_until, etag, last_modified)

    def put(self, url: str, data: bytes, mime: str, headers: Mapping[str, str],
            now: float | None = None) -> bool:
        """Keep a tile the map fetched, if the server allows and it is an image; True if kept."""
        at = time.time() if now is None else now
        until = freshness(headers, at)
        if until is None or len(data) > self.limit_bytes:
            return False
        try:
            check_tile(data, mime.rsplit("/", 1)[-1])
        except TileRejected:
            return False
        self._conn.execute("BEGIN IMMEDIATE")
        try:
            old = self._conn.execute("SELECT size FROM tile WHERE url = ?", (url,)).fetchone()
            self._conn.execute(
                "INSERT OR REPLACE INTO tile (url, data, mime, size, fetched_at, fresh_until,"
                " etag, last_modified, used_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (url, data, mime[:100], len(data), at, until, _header(headers, "etag")[:200],
                 _header(headers, "last-modified")[:100], at))
            total = self._total + len(data) - (old[0] if old else 0)
            total -= self._evict(total)
            self._conn.execute("COMMIT")
        except BaseException:
            self._conn.execute("ROLLBACK")
            raise
        self._total = total
        return True

    def revalidated(self, url: str, headers: Mapping[str, str], now: float | None = None
                    ) -> None:
        """The server answered 304 Not Modified: the tile is fresh again."""
        at = time.time() if now is None else now
        until = freshness(headers, at)
        if until is None:
            row = self._conn.execute("DELETE FROM tile WHERE url = ? RETURNING size",
                                     (url,)).fetchone()
            self._total -= row[0] if row else 0
            return
        self._conn.execute("UPDATE tile SET fresh_until = ?, used_at = ? WHERE url = ?",
                           (until, at, url))

    def _evict(self, total: int) -> int:
        """Delete the least recently used tiles until `total` fits the limit; bytes freed."""
        excess = total - self.limit_bytes
        if excess <= 0:
            return 0
        freed = 0
        doomed: list[str] = []
        for url, size in self._conn.execute("SELECT url, size FROM tile ORDER BY used_at, url"):
            doomed.append(url)
            freed += size
            if freed >= excess:
                break
        self._conn.executemany("DELETE FROM tile WHERE url = ?", [(u,) for u in doomed])
        return freed

    def set_limit(self, limit_bytes: int) -> None:
        self.limit_bytes = max(0, int(limit_bytes))
        self._conn.execute("BEGIN IMMEDIATE")
        self._total -= self._evict(self._total)
        self._conn.execute("COMMIT")

    def clear(self) -> None:
        self._conn.execute("DELETE FROM tile")
        self._conn.execute("VACUUM")
        self._total = 0
