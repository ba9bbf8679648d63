"""The case file's schema, its version and the migrations that bring older files up to it."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable
from functools import cache, lru_cache

#: "DESK" in ASCII: lets desk (and `file`) tell a case file from any other SQLite database.
APPLICATION_ID = 0x4445534B

#: user_version = MAJOR * 1000 + MINOR. A newer minor adds things older desks may ignore;
#: a newer major changes meaning, so older desks refuse it.
SCHEMA_MAJOR = 1
SCHEMA_MINOR = 6
USER_VERSION = SCHEMA_MAJOR * 1000 + SCHEMA_MINOR

#: Blobs (multi-megabyte originals) read and write faster with large pages.
PAGE_SIZE = 32768
#: SQLite's page cache on a writable case, in KiB. An original is written as a zeroblob and
#: then its bytes; when its pages leave the cache between the two (SQLite's default is 2 MB),
#: each is written to the file twice and read back once. This holds a whole part of a chunked
#: original (8 MB) or a large still with room to spare; pages are only taken as they are used.
WRITE_CACHE_KIB = 32 * 1024

TABLES: dict[str, str] = {
    "meta": """CREATE TABLE meta (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
    )""",
    "evidence": """CREATE TABLE evidence (
        id INTEGER PRIMARY KEY,
        sha256 TEXT NOT NULL UNIQUE,
        size INTEGER NOT NULL,
        format TEXT NOT NULL,
        width INTEGER NOT NULL,
        height INTEGER NOT NULL,
        captured_at TEXT,
        utc_offset TEXT,
        gps_lat REAL,
        gps_lon REAL,
        gps_alt REAL,
        gps_direction REAL,
        gps_time TEXT,
        make TEXT,
        model TEXT,
        software TEXT,
        flags TEXT NOT NULL DEFAULT '[]',
        exif TEXT NOT NULL DEFAULT '{}',
        original_name TEXT NOT NULL DEFAULT '',
        source_url TEXT NOT NULL DEFAULT '',
        platform TEXT NOT NULL DEFAULT '',
        uploader TEXT NOT NULL DEFAULT '',
        published_at TEXT NOT NULL DEFAULT '',
        acquired_at TEXT NOT NULL DEFAULT '',
        acquired_by TEXT NOT NULL DEFAULT '',
        notes TEXT NOT NULL DEFAULT '',
        imported_at TEXT NOT NULL
    )""",
    # Originals and thumbnails live apart so that browsing thumbnails never pages
    # through multi-megabyte originals.
    "original": """CREATE TABLE original (
        evidence_id INTEGER PRIMARY KEY REFERENCES evidence(id),
        data BLOB NOT NULL
    )""",
    "thumbnail": """CREATE TABLE thumbnail (
        evidence_id INTEGER PRIMARY KEY REFERENCES evidence(id),
        width INTEGER NOT NULL,
        height INTEGER NOT NULL,
        data BLOB NOT NULL
    )""",
    "claim": """CREATE TABLE claim (
        id INTEGER PRIMARY KEY,
        text TEXT NOT NULL,
        claimant TEXT NOT NULL DEFAULT '',
        first_appearance_url TEXT NOT NULL DEFAULT '',
        first_appearance_date TEXT NOT NULL DEFAULT '',
        appearances TEXT NOT NULL DEFAULT '[]',
        created_at TEXT NOT NULL
    )""",
    "statement": """CREATE TABLE statement (
        id INTEGER PRIMARY KEY,
        claim_id INTEGER NOT NULL REFERENCES claim(id),
        speaker TEXT NOT NULL,
        text TEXT NOT NULL,
        said_at TEXT NOT NULL DEFAULT '',
        source_url TEXT NOT NULL DEFAULT '',
        venue TEXT NOT NULL DEFAULT ''
    )""",
    "claim_evidence": """CREATE TABLE claim_evidence (
        claim_id INTEGER NOT NULL REFERENCES claim(id),
        evidence_id INTEGER NOT NULL REFERENCES evidence(id),
        stance TEXT NOT NULL,
        note TEXT NOT NULL DEFAULT '',
        PRIMARY KEY (claim_id, evidence_id)
    )""",
    "verdict": """CREATE TABLE verdict (
        claim_id INTEGER PRIMARY KEY REFERENCES claim(id),
        rating TEXT NOT NULL,
        confidence TEXT NOT NULL,
        summary TEXT NOT NULL DEFAULT '',
        rationale TEXT NOT NULL DEFAULT '',
        checklist TEXT NOT NULL DEFAULT '{}',
        reviewer TEXT NOT NULL DEFAULT '',
        decided_at TEXT NOT NULL DEFAULT ''
    )""",
    # A verdict still missing its rating or confidence: the reviewer's work so far, kept in
    # the case so a crash or a closed window loses none of it (format 1.1).
    "verdict_draft": """CREATE TABLE verdict_draft (
        claim_id INTEGER PRIMARY KEY REFERENCES claim(id),
        rating TEXT,
        confidence TEXT,
        summary TEXT NOT NULL DEFAULT '',
        rationale TEXT NOT NULL DEFAULT '',
        checklist TEXT NOT NULL DEFAULT '{}'
    )""",
    "geolocation": """CREATE TABLE geolocation (
        evidence_id INTEGER PRIMARY KEY REFERENCES evidence(id),
        lat REAL NOT NULL,
        lon REAL NOT NULL,
        precision_m REAL NOT NULL,
        heading REAL,
        fov REAL,
        camera_height_m REAL NOT NULL,
        confidence TEXT NOT NULL,
        method TEXT NOT NULL DEFAULT ''
    )""",
    # The horizon belongs to the frame (it can be marked before the camera is placed); its
    # ends are normalized image heights at the left and right edges, so it may tilt.
    "horizon": """CREATE TABLE horizon (
        evidence_id INTEGER PRIMARY KEY REFERENCES evidence(id),
        y_left REAL NOT NULL,
        y_right REAL NOT NULL
    )""",
    "landmark": """CREATE TABLE landmark (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL,
        lat REAL NOT NULL,
        lon REAL NOT NULL,
        kind TEXT NOT NULL DEFAULT '',
        notes TEXT NOT NULL DEFAULT '',
        is_reference INTEGER NOT NULL DEFAULT 0
    )""",
    "movement": """CREATE TABLE movement (
        id INTEGER PRIMARY KEY,
        evidence_id INTEGER NOT NULL REFERENCES evidence(id),
        label TEXT NOT NULL DEFAULT '',
        color TEXT NOT NULL DEFAULT '#e4572e',
        x1 REAL NOT NULL,
        y1 REAL NOT NULL,
        x2 REAL NOT NULL,
        y2 REAL NOT NULL,
        start_lat REAL,
        start_lon REAL,
        end_lat REAL,
        end_lon REAL,
        bearing REAL,
        reference_id INTEGER REFERENCES landmark(id)
    )""",
    # A shadow on a frame (format 1.4): the bearing it points on the ground (degrees from true
    # north, base to tip) within a tolerance, optionally the object's height and the shadow's
    # length (they give the sun's elevation), and where it is drawn on the frame (normalized
    # like a movement arrow; all four or none). The sun cast it: chronolocation reads it.
    "shadow": """CREATE TABLE shadow (
        id INTEGER PRIMARY KEY,
        evidence_id INTEGER NOT NULL REFERENCES evidence(id),
        label TEXT NOT NULL DEFAULT '',
        bearing REAL NOT NULL,
        tolerance REAL NOT NULL,
        object_height_m REAL,
        shadow_length_m REAL,
        size_tolerance REAL NOT NULL DEFAULT 0.1,
        x1 REAL,
        y1 REAL,
        x2 REAL,
        y2 REAL
    )""",
    # The question chronolocation answers for a frame (format 1.5): the days asked about
    # (first..last, local dates at the camera) and the time a claim gives (ISO 8601, '' for
    # none). The shadows of the frame are the evidence; this is what they are tested against.
    "time_question": """CREATE TABLE time_question (
        evidence_id INTEGER PRIMARY KEY REFERENCES evidence(id),
        first_day TEXT NOT NULL,
        last_day TEXT NOT NULL,
        claimed_at TEXT NOT NULL DEFAULT ''
    )""",
    # Tile packs the case's map uses (format 1.5): referenced by path and SHA-256, never
    # copied in (they run to gigabytes), so a colleague who opens the case is told which
    # pack it expects and whether the one on their machine is it. Base layer or overlay.
    "tile_pack": """CREATE TABLE tile_pack (
        id INTEGER PRIMARY KEY,
        path TEXT NOT NULL,
        sha256 TEXT NOT NULL,
        size INTEGER NOT NULL,
        format TEXT NOT NULL,
        name TEXT NOT NULL DEFAULT '',
        attribution TEXT NOT NULL DEFAULT '',
        role TEXT NOT NULL DEFAULT 'base',
        opacity REAL NOT NULL DEFAULT 1.0,
        added_at TEXT NOT NULL
    )""",
    # A still of the case laid over the map as a reference (format 1.5): an older drone
    # still, a satellite crop. Placed by three or more point pairs (JSON [[x, y, lat, lon],
    # ...], image pixels to map), from which desk fits the placement; drawn at `opacity`.
    "overlay": """CREATE TABLE overlay (
        id INTEGER PRIMARY KEY,
        evidence_id INTEGER NOT NULL REFERENCES evidence(id),
        pairs TEXT NOT NULL,
        opacity REAL NOT NULL DEFAULT 0.7,
        label TEXT NOT NULL DEFAULT ''
    )""",
    # What a file says about itself beyond the evidence row (format 1.5), read at intake and
    # immutable like the rest of the parsed metadata. Where the capture time came from, the
    # file's save time (never shown as a capture time) and every date, place, camera and
    # editing value read, each with its source (JSON list). `origin` is 'intake' (EXIF, XMP,
    # IPTC and maker notes read from the file) or 'upgrade' (the 1.5 upgrade moved an IFD0
    # DateTime out of the capture time; nothing else of the file was read).
    "metadata_source": """CREATE TABLE metadata_source (
        evidence_id INTEGER PRIMARY KEY REFERENCES evidence(id),
        captured_at_source TEXT,
        saved_at TEXT,
        saved_at_source TEXT,
        readings TEXT NOT NULL DEFAULT '[]',
        origin TEXT NOT NULL DEFAULT 'intake'
    )""",
    # C2PA content credentials (format 1.5): absent, valid or invalid, with the signer, the
    # claim generator, the actions and the problems found (JSON lists).
    "credential": """CREATE TABLE credential (
        evidence_id INTEGER PRIMARY KEY REFERENCES evidence(id),
        state TEXT NOT NULL,
        signer TEXT NOT NULL DEFAULT '',
        generator TEXT NOT NULL DEFAULT '',
        actions TEXT NOT NULL DEFAULT '[]',
        problems TEXT NOT NULL DEFAULT '[]',
        manifest TEXT NOT NULL DEFAULT ''
    )""",
    # A perceptual hash of each still (format 1.5): near-duplicates (re-encodes, resizes,
    # small crops) are the items whose hashes differ in few bits.
    "perceptual_hash": """CREATE TABLE perceptual_hash (
        evidence_id INTEGER PRIMARY KEY REFERENCES evidence(id),
        kind TEXT NOT NULL,
        value TEXT NOT NULL
    )""",
    # Originals too large for one blob (format 1.6): SQLite keeps a blob under about 1 GB,
    # and a video runs to gigabytes. Such an original has no `original` row; its bytes are
    # these parts in `seq` order (each `original_store.CHUNK_BYTES` but the last), and the
    # evidence row's SHA-256 is of the whole. Read back part by part, never whole.
    "original_chunk": """CREATE TABLE original_chunk (
        evidence_id INTEGER NOT NULL REFERENCES evidence(id),
        seq INTEGER NOT NULL,
        data BLOB NOT NULL,
        PRIMARY KEY (evidence_id, seq)
    )""",
    # A video item (format 1.6): what its container says (`VideoInfo.to_json`, read at
    # intake, immutable) and its frame table (every frame's time and the keyframes, from the
    # packets), kept so the window seeks without reading the whole file again.
    "video": """CREATE TABLE video (
        evidence_id INTEGER PRIMARY KEY REFERENCES evidence(id),
        info TEXT NOT NULL,
        frame_table TEXT NOT NULL DEFAULT ''
    )""",
    # A still taken from a video (format 1.6): which video (id and SHA-256), which frame
    # (index from 0, presentation time in the stream's time base and in seconds, timecode)
    # and the SHA-256 of the decoded pixels (`video_frames.pixels_sha256`), so a reader
    # re-derives the frame from the original. The still's own SHA-256 is of its PNG.
    "video_frame": """CREATE TABLE video_frame (
        evidence_id INTEGER PRIMARY KEY REFERENCES evidence(id),
        video_id INTEGER NOT NULL REFERENCES evidence(id),
        video_sha256 TEXT NOT NULL,
        frame_index INTEGER NOT NULL,
        pts INTEGER NOT NULL,
        time_base TEXT NOT NULL,
        pts_s REAL NOT NULL,
        timecode TEXT NOT NULL,
        pixels_sha256 TEXT NOT NULL,
        pixel_format TEXT NOT NULL DEFAULT '',
        rotation INTEGER NOT NULL DEFAULT 0
    )""",
    # Append-only custody log; each row carries the hash of the one before it. Since format
    # 1.3 each entry also holds the digests of the rows its edit changed (before and after),
    # so a direct edit of the data shows, and is signed by its reviewer's key, so a
    # recomputed chain shows. Older entries keep '' in those columns.
    "audit": """CREATE TABLE audit (
        seq INTEGER PRIMARY KEY,
        at TEXT NOT NULL,
        actor TEXT NOT NULL,
        action TEXT NOT NULL,
        items TEXT NOT NULL,
        detail TEXT NOT NULL,
        version TEXT NOT NULL,
        prev_hash TEXT NOT NULL,
        hash TEXT NOT NULL,
        rows TEXT NOT NULL DEFAULT '',
        signer TEXT NOT NULL DEFAULT '',
        signature TEXT NOT NULL DEFAULT ''
    )""",
}

INDEXES: dict[str, str] = {
    "statement_claim": "CREATE INDEX statement_claim ON statement(claim_id)",
    "claim_evidence_evidence":
        "CREATE INDEX claim_evidence_evidence ON claim_evidence(evidence_id)",
    "movement_evidence": "CREATE INDEX movement_evidence ON movement(evidence_id)",
    "shadow_evidence": "CREATE INDEX shadow_evidence ON shadow(evidence_id)",
    # At most one landmark is the case's default reference point (format 1.2): the
    # movement finding of every arrow without a reference of its own depends on it.
    "landmark_one_reference":
        "CREATE UNIQUE INDEX landmark_one_reference ON landmark(is_reference)"
        " WHERE is_reference = 1",
    # A frame of a video is taken once (format 1.6): taking it again finds the same still.
    "video_frame_once":
        "CREATE UNIQUE INDEX video_frame_once ON video_frame(video_id, frame_index)",
}


#: Columns format 1.3 added to the custody log, as the migration adds them.
AUDIT_SEAL_COLUMNS = (
    "rows TEXT NOT NULL DEFAULT ''",
    "signer TEXT NOT NULL DEFAULT ''",
    "signature TEXT NOT NULL DEFAULT ''",
)

#: Tables SQLite itself may add to a file desk made (ANALYZE), with the SQL it gives them.
SQLITE_OWN = {"sqlite_stat1": "CREATE TABLE sqlite_stat1(tbl,idx,stat)"}


def create_schema(conn: sqlite3.Connection) -> None:
    """Create every table and index of the current schema (inside the caller's transaction)."""
    for sql in TABLES.values():
        conn.execute(sql)
    for sql in INDEXES.values():
        conn.execute(sql)


#: Migrations are code: MIGRATIONS[v] turns a file at user_version v into the next version.
#: Each returns what the custody log should say it changed beyond the format (or nothing).
Migration = Callable[[sqlite3.Connection], dict[str, object] | None]


def _add_verdict_drafts(conn: sqlite3.Connection) -> dict[str, object] | None:
    conn.execute(TABLES["verdict_draft"])
    return None


def _one_reference_point(conn: sqlite3.Connection) -> dict[str, object] | None:
    """Older desks could mark two landmarks as the reference point; the first one keeps it."""
    ids = [int(r[0]) for r in conn.execute(
        "SELECT id FROM landmark WHERE is_reference != 0 ORDER BY id")]
    conn.execute("UPDATE landmark SET is_reference = 1 WHERE is_reference != 0")
    if len(ids) > 1:
        conn.execute(f"UPDATE landmark SET is_reference = 0 WHERE id IN"
                     f" ({','.join('?' * (len(ids) - 1))})", ids[1:])
    conn.execute(INDEXES["landmark_one_reference"])
    if len(ids) > 1:
        return {"reference_point_kept": ids[0], "reference_point_unset": ids[1:]}
    return None


def _seal_custody(conn: sqlite3.Connection) -> dict[str, object] | None:
    """Format 1.3: custody entries carry row digests and signatures. The upgrade's own entry
    records every row as it stands, the baseline later direct edits are measured against."""
    for column in AUDIT_SEAL_COLUMNS:
        conn.execute(f"ALTER TABLE audit ADD COLUMN {column}")
    return {"baseline": "every row of the case"}


def _add_shadows(conn: sqlite3.Connection) -> dict[str, object] | None:
    """Format 1.4: shadows on frames, the sun's witness to when a frame was filmed."""
    conn.execute(TABLES["shadow"])
    conn.execute(INDEXES["shadow_evidence"])
    return None


def _describe_files(conn: sqlite3.Connection) -> dict[str, object] | None:
    """Format 1.5: the time question of chronolocation, tile packs, reference overlays,
    metadata sources, content credentials and perceptual hashes. Items imported before it
    have no rows there: desk says they were not read, never that they are absent."""
    for name in TABLES:
        if ADDED_IN.get(name) == 1005:
            conn.execute(TABLES[name])
    from desk.core.metadata_rows import move_save_times  # it needs the tables made above

    return move_save_times(conn)


def _add_footage(conn: sqlite3.Connection) -> dict[str, object] | None:
    """Format 1.6: chunked originals, videos and the frames taken from them."""
    for name, sql in (*TABLES.items(), *INDEXES.items()):
        if ADDED_IN.get(name) == 1006:
            conn.execute(sql)
    return None


MIGRATIONS: dict[int, tuple[int, Migration]] = {
    1000: (1001, _add_verdict_drafts),
    1001: (1002, _one_reference_point),
    1002: (1003, _seal_custody),
    1003: (1004, _add_shadows),
    1004: (1005, _describe_files),
    1005: (1006, _add_footage),
}

#: The format that added each table or index after 1.0: older formats lack them.
ADDED_IN: dict[str, int] = {
    "verdict_draft": 1001,
    "landmark_one_reference": 1002,
    "shadow": 1004,
    "shadow_evidence": 1004,
    "time_question": 1005,
    "tile_pack": 1005,
    "overlay": 1005,
    "metadata_source": 1005,
    "credential": 1005,
    "perceptual_hash": 1005,
    "original_chunk": 1006,
    "video": 1006,
    "video_frame": 1006,
    "video_frame_once": 1006,
}

#: The format whose upgrade entry records the baseline of every row.
SEALED_FROM = 1003


def normalized_sql(sql: str | None) -> str | None:
    """SQL text compared by its tokens' layout-free form: ALTER TABLE and older desks lay the
    same statement out differently, and only the words and punctuation carry meaning."""
    if sql is None:
        return None
    if len(sql) <= 8192:  # desk's own statements: every opening of a case compares them all
        return _normalized_short(sql)
    return _normalize(sql)


def _normalize(sql: str) -> str:
    return _PUNCTUATION_SPACE.sub(r"\1", " ".join(sql.split()))


_PUNCTUATION_SPACE = re.compile(r"\s*([(),])\s*")
_normalized_short = lru_cache(maxsize=1024)(_normalize)


SchemaObject = tuple[str, str, str, str | None]


@cache
def objects_at(version: int = USER_VERSION) -> tuple[SchemaObject, ...]:
    """(type, name, tbl_name, normalized sql) of every object a case at `version` holds, as
    SQLite lists them: the one schema a case file of that format may have."""
    conn = sqlite3.connect(":memory:")
    try:
        for name, sql in TABLES.items():
            if version < ADDED_IN.get(name, 1000):
                continue
            if name == "audit" and version < SEALED_FROM:
                for column in AUDIT_SEAL_COLUMNS:
                    sql = sql.replace(f",\n        {column}", "")
            conn.execute(sql)
        for name, sql in INDEXES.items():
            if version < ADDED_IN.get(name, 1000):
                continue
            conn.execute(sql)
        rows = conn.execute("SELECT type, name, tbl_name, sql FROM sqlite_master").fetchall()
    finally:
        conn.close()
    return tuple(sorted((t, n, tb, normalized_sql(q)) for t, n, tb, q in rows))
