"""Case files as older desks wrote them, made from a new case, for upgrade tests."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from desk.core import audit, schema


def downgrade(path: Path, version: int) -> None:
    """Rewrite the case at `path` as case format `version` (1000 to 1005) would hold it:
    without the later tables and indexes, and before 1003 with the custody log of before
    format 1.3 (unsealed entries, hashed the old way)."""
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("BEGIN")
        if version < 1006:
            for table in ("video_frame", "video", "original_chunk"):  # indexes go with them
                conn.execute(f"DROP TABLE {table}")
        if version < 1005:
            for table in (t for t, v in schema.ADDED_IN.items() if v == 1005):
                conn.execute(f"DROP TABLE {table}")
        if version < 1004:
            conn.execute("DROP TABLE shadow")  # its index goes with it
        if version < schema.SEALED_FROM:
            rows = conn.execute(
                "SELECT seq, at, actor, action, items, detail, version FROM audit ORDER BY seq"
            ).fetchall()
            prev = audit.GENESIS
            for seq, at, actor, action, items, detail, made_with in rows:
                digest = audit.entry_hash(seq, at, actor, action, items, detail, made_with, prev)
                conn.execute("UPDATE audit SET prev_hash = ?, hash = ? WHERE seq = ?",
                             (prev, digest, seq))
                prev = digest
            for column in ("signature", "signer", "rows"):
                conn.execute(f"ALTER TABLE audit DROP COLUMN {column}")
        if version < 1002:
            conn.execute("DROP INDEX landmark_one_reference")
        if version < 1001:
            conn.execute("DROP TABLE verdict_draft")
        conn.execute(f"PRAGMA user_version = {version}")
        conn.execute("COMMIT")
    finally:
        conn.close()
