"""Footage into a case: a video original stored in parts, and frames taken from it as stills.

A video is hashed before any parser sees it, then probed, indexed and its first frame decoded
in a video worker (`desk.core.video_isolation`: time and memory limits), then copied into the
case in parts and hashed again on the way in: bytes that changed since the first hash are not
stored. The copy is one transaction with its custody entry, so a crash leaves the case as it
was.

A frame taken from a video becomes a still like any other (PNG of the upright picture, its own
SHA-256, thumbnail, perceptual hash) with its provenance: the video's id and SHA-256, the
frame's index, presentation time and the SHA-256 of its decoded pixels. The worker reads the
stored original itself (`case_video_source`), never a copy through a pipe. A frame already
taken from the same video is reported as a duplicate, not stored twice.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import json
import os
import sqlite3
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

from PIL import Image

from desk.core import audit, credentials, near_duplicates, original_store
from desk.core.c2pa_reading import unreadable
from desk.core.c2pa_sidecar import sidecar_bytes
from desk.core.casefile import CaseFile, CaseFileError, StreamedDescription
from desk.core.clock import utc_now
from desk.core.credentials import Credential
from desk.core.errors import Rejected
from desk.core.limits import (
    MAX_VIDEO_BYTES,
    STEP_TIMEOUT_S,
    THUMB_EDGE,
    VIDEO_FRAME_TIMEOUT_S,
)
from desk.core.metadata import read_metadata
from desk.core.model import Flag, Provenance
from desk.core.perceptual_hash import dct_hash, to_text
from desk.core.sanitize import clean_text
from desk.core.sniff import SNIFF_BYTES, sniff_video
from desk.core.sources import NotRead, Source, open_source
from desk.core.video_frames import FrameRequest, FrameTable, TakenFrame
from desk.core.video_isolation import VideoSession, take_frames_isolated
from desk.core.video_probe import VideoInfo

#: The custody-log action of frames taken from a video (one entry per stored batch).
TAKE_FRAMES = "take frames"
#: Bytes read from a video per step (hashing, copying into the case).
READ_BYTES = original_store.CHUNK_BYTES
#: Longest the worker may spend probing and indexing one video in all (six hours of
#: footage index in well under this; a stall is stopped sooner by the worker's own limit).
READ_VIDEO_LIMIT_S = 3600.0
#: Frames stored per transaction (and custody entry) while taking many.
FRAME_BATCH = 16
#: PNG compression of a taken frame: fast, lossless, and the same bytes on every run.
PNG_LEVEL = 1
#: Threads making frame stills (PNG, thumbnail, hash) while frames are taken, and how many
#: frames may wait for theirs beyond those being made.
STILL_THREADS = max(1, min(4, os.cpu_count() or 1))
IN_FLIGHT = STILL_THREADS + 1
THUMB_QUALITY = 82

Alive = Callable[[str, float], None]
#: Why a video was not read or stored: the reviewer cancelled the import while it was.
CANCELLED = "not read: the import was cancelled"


def case_video_source(case_path: str | os.PathLike[str],
                      evidence_id: int) -> original_store.CaseOriginalOpener:
    """A picklable `VideoSource` that opens a case's stored original (read-only, part by
    part) in whichever process calls it: how a video worker reads footage in a case."""
    return original_store.CaseOriginalOpener(case_path, evidence_id)


# --------------------------------------------------------------------------- intake


def is_video(source: Source) -> bool:
    """Whether the file is a video container desk reads, judged by its first bytes (a file
    that cannot be opened is not: the still intake says why)."""
    try:
        fd = open_source(source)
    except NotRead:
        return False
    try:
        head = os.pread(fd, SNIFF_BYTES, 0)
    except OSError:
        return False
    finally:
        os.close(fd)
    return sniff_video(head) is not None


@dataclass
class ReadVideo:
    """A video read for intake: its hash and size as first read, what the worker found, and
    a thumbnail of its first frame; or a reason it is not stored.

    `start_reading` returns it hashed, with the worker's reading still under way
    (`reading`); `finished` waits for that reading, which a store does only once the bytes
    are copied, so probing and copying share the machine's cores."""

    path: Path
    sha256: str = ""
    size: int = 0
    info: VideoInfo | None = None
    table: FrameTable | None = None
    thumbnail: bytes = b""
    thumb_size: tuple[int, int] = (0, 0)
    perceptual_hash: str = ""
    #: Its content credentials (absent, valid or invalid), read in the worker.
    credential: Credential | None = None
    reason: str = ""
    reading: Future[ReadVideo] | None = field(default=None, repr=False, compare=False)
    session: VideoSession | None = field(default=None, repr=False, compare=False)

    @property
    def in_case(self) -> bool:
        """Hashed to bytes the case held when the import began: not read further."""
        return not self.reason and self.info is None and self.reading is None

    def refused(self) -> str:
        """The worker's reason, if its reading has already ended in a refusal (no wait)."""
        if self.reading is None:
            return self.reason
        if not self.reading.done():
            return ""
        return self.reading.result().reason

    def finished(self, cancel: Callable[[], bool] | None = None,
                 limit_s: float = READ_VIDEO_LIMIT_S) -> ReadVideo:
        """The whole reading (NotRead with `CANCELLED` when `cancel()` turns true first)."""
        if self.reading is None:
            return self
        deadline = time.monotonic() + limit_s
        while True:
            try:
                return self.reading.result(timeout=0.1)
            except FutureTimeout:
                pass
            if cancel is not None and cancel():
                self.abandon()
                raise NotRead(CANCELLED) from None
            if time.monotonic() > deadline:
                self.abandon()
                return dataclasses.replace(
                    self, reading=None, session=None,
                    reason=f"reading the video took longer than {limit_s:g} s and was stopped")

    def abandon(self) -> None:
        """Stop the worker's reading (not wanted: a duplicate, a cancel)."""
        if self.session is not None and self.reading is not None and not self.reading.done():
            self.session.abort()


def hash_source(source: Source, alive: Alive | None = None,
                cancel: Callable[[], bool] | None = None) -> tuple[str, int]:
    """SHA-256 and size of a file read in parts (before any parser sees it); NotRead with
    `CANCELLED` when `cancel()` turns true on the way."""
    fd = open_source(source)
    try:
        digest = hashlib.sha256()
        size = 0
        while True:
            if alive is not None:
                alive("hashing the video", STEP_TIMEOUT_S)
            if cancel is not None and cancel():
                raise NotRead(CANCELLED)
            block = os.read(fd, READ_BYTES)
            if not block:
                break
            digest.update(block)
            size += len(block)
            if size > MAX_VIDEO_BYTES:
                raise NotRead(f"file too large: {size / 1e9:.1f} GB")
    except OSError as exc:
        raise NotRead(f"cannot read the file: {exc.strerror or type(exc).__name__}") from exc
    finally:
        os.close(fd)
    return digest.hexdigest(), size


def start_reading(source: Source, known: frozenset[str] = frozenset(),
                  alive: Alive | None = None, *, cancel: Callable[[], bool] | None = None,
                  timeout: float = VIDEO_FRAME_TIMEOUT_S) -> ReadVideo:
    """Hash a video, then (unless the case holds it already, `known`) start probing and
    indexing it and decoding its first frame in a worker, on a thread of its own; every
    refusal becomes `reason` (of the reading, once it has finished)."""
    found = ReadVideo(source.path)
    # The worker starts (loading FFmpeg takes a while) as the file is hashed; it is given
    # the file only once the hash is known.
    session = VideoSession(source.path, timeout=timeout)
    session.start()
    try:
        found.sha256, found.size = hash_source(source, alive, cancel)
    except NotRead as exc:
        session.close()
        found.reason = exc.reason
        return found
    if found.sha256 in known:
        session.close()
        return found
    reading: Future[ReadVideo] = Future()
    reading.set_running_or_notify_cancel()
    hashed = dataclasses.replace(found)
    sidecar = sidecar_bytes(source.path)
    threading.Thread(target=_read_in_worker, args=(session, hashed, reading, sidecar),
                     name="desk-video-read", daemon=True).start()
    found.reading, found.session = reading, session
    return found


def _read_in_worker(session: VideoSession, found: ReadVideo, reading: Future[ReadVideo],
                    sidecar: bytes | None = None) -> None:
    """The worker's part of a reading (on its thread): probe, index, first frame, content
    credentials (embedded, or the `.c2pa` sidecar's bytes)."""
    try:
        try:
            found.info, found.table = session.info, session.table
            first = session.frame(0)
        except Rejected as exc:
            found.info, found.table, found.reason = None, None, exc.reason
        else:
            found.thumbnail, found.thumb_size, found.perceptual_hash = _thumbnail(
                first.image(upright=True))
            found.credential = _credential(session, found.info.container, sidecar)
    except Exception as exc:  # noqa: BLE001 - a reading always ends, with a reason
        found.info, found.table = None, None
        found.reason = f"the video could not be read ({type(exc).__name__})"
    finally:
        session.close()
        reading.set_result(found)


def _credential(session: VideoSession, kind: str, sidecar: bytes | None) -> Credential:
    """The video's credentials; a reader that crashed or hung on them leaves the video in,
    with its credentials invalid and the reason said (the worker reads nothing else after)."""
    try:
        return session.credential(kind, sidecar)
    except Rejected as exc:
        return unreadable("sidecar" if sidecar else "embedded", exc.reason)


def _thumbnail(image: Image.Image) -> tuple[bytes, tuple[int, int], str]:
    """Thumbnail (JPEG), its size and perceptual hash of a picture, as intake makes them for
    a still (`image` itself is left as it was)."""
    thumb = image.copy()
    thumb.thumbnail((THUMB_EDGE, THUMB_EDGE))
    out = io.BytesIO()
    thumb.save(out, "JPEG", quality=THUMB_QUALITY)
    return out.getvalue(), thumb.size, to_text(dct_hash(thumb))


def _file_parts(source: Source, cancel: Callable[[], bool] | None,
                refused: Callable[[], str] | None = None) -> Iterator[bytes]:
    """The file's bytes in parts, from a descriptor opened as for hashing (NotRead with
    `CANCELLED` when `cancel()` turns true, or with the worker's reason as soon as it
    refuses the file: the caller's transaction rolls back)."""
    fd = open_source(source)
    try:
        while block := os.read(fd, READ_BYTES):
            if cancel is not None and cancel():
                raise NotRead(CANCELLED)
            if refused is not None and (reason := refused()):
                raise NotRead(reason)
            yield block
    finally:
        os.close(fd)


def store_video(case: CaseFile, source: Source, read: ReadVideo,
                provenance: Provenance, cancel: Callable[[], bool] | None = None) -> int:
    """Copy a video into the case with its description and frame table, in one transaction
    with its custody entry ("import"); the id. The copy runs while the worker is still
    reading the video (`start_reading`); a refusal of the worker raises NotRead with its
    reason and nothing is stored. Bytes that no longer hash to the first read raise a
    CaseFileError and nothing is stored."""
    def describe() -> StreamedDescription:
        whole = read.finished(cancel)
        if whole.reason or whole.info is None:
            raise NotRead(whole.reason or "the video could not be read")
        width, height = whole.info.display_size
        return StreamedDescription(whole.info.container, width, height,
                                   whole.info.metadata(), whole.thumbnail, whole.thumb_size)

    try:
        with case.transaction() as conn:
            eid = case.insert_streamed_evidence(
                conn, sha256=read.sha256, size=read.size,
                chunks=_file_parts(source, cancel, read.refused), provenance=provenance,
                describe=describe)
            whole = read.finished()  # read to the end by `describe`: no wait
            assert whole.info is not None
            conn.execute("INSERT INTO video (evidence_id, info, frame_table) VALUES (?, ?, ?)",
                         (eid, json.dumps(whole.info.to_json(), ensure_ascii=False,
                                          sort_keys=True),
                          json.dumps(whole.table.to_json(), separators=(",", ":"))
                          if whole.table is not None else ""))
            if whole.perceptual_hash:
                near_duplicates.store_hash(conn, eid, whole.perceptual_hash)
            if whole.credential is not None:
                credentials.store(conn, eid, whole.credential)
            audit.append(conn, case.actor, "import", [f"evidence:{eid}"],
                         {"files": [{"id": eid, "name": provenance.original_name,
                                     "sha256": read.sha256, "kind": "video"}]})
    finally:
        read.abandon()  # a store that failed part way leaves no worker reading for nothing
    return eid


def file_changed(exc: CaseFileError) -> bool:
    """Whether a refused store was the file changing under the import (a per-file reason),
    not the case refusing writes."""
    return "changed while it was imported" in str(exc)


# --------------------------------------------------------------------------- taking frames


@dataclass(frozen=True)
class TakenFrameResult:
    """One frame a `take_frames` request gave: the still's id and SHA-256 (of its PNG), the
    frame's index, time and pixel hash; `duplicate` when the case held it already."""

    id: int
    frame_index: int
    pts_s: float
    sha256: str
    pixels_sha256: str
    duplicate: bool = False
    timecode: str = ""

    def to_json(self) -> dict[str, object]:
        return {"id": self.id, "frame_index": self.frame_index, "pts_s": self.pts_s,
                "sha256": self.sha256, "pixels_sha256": self.pixels_sha256,
                "duplicate": self.duplicate, "timecode": self.timecode}


FrameProgress = Callable[[int, int], None]


class FramesStopped(Rejected):
    """The decoder refused the video part way through a request: `taken` holds the frames
    stored (or found) before that, which stay in the case."""

    def __init__(self, reason: str, taken: list[TakenFrameResult]) -> None:
        super().__init__(reason)
        self.taken = taken


@dataclass(frozen=True)
class FrameStill:
    """The still made of a frame: the upright picture as PNG (the same bytes every run), its
    size, and its thumbnail and perceptual hash made as intake makes a still's."""

    png: bytes
    width: int
    height: int
    thumbnail: bytes
    thumb_size: tuple[int, int]
    perceptual_hash: str

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.png).hexdigest()


def frame_still(frame: TakenFrame) -> FrameStill:
    image = frame.image(upright=True)
    out = io.BytesIO()
    image.save(out, "PNG", compress_level=PNG_LEVEL)
    thumbnail, thumb_size, perceptual = _thumbnail(image)  # as `parse_image` does for a PNG
    return FrameStill(out.getvalue(), image.width, image.height, thumbnail, thumb_size,
                      perceptual)


def expected_count(request: FrameRequest, table: FrameTable | None) -> int:
    """How many frames a request will give, when that is known beforehand (0 otherwise)."""
    if request.mode == "at":
        return min(len(request.times), request.limit)
    if table is None:
        return 0
    if request.mode == "keyframes":
        return min(len(table.keyframes), request.limit)
    if request.mode == "every" and request.every > 0 and table.frames:
        step = Fraction(str(request.every))  # as `VideoReader.every` counts them
        return min(int(table.seconds(table.frames - 1) // step) + 1, request.limit)
    return 0


def take_frames(case: CaseFile, video_id: int, request: FrameRequest, *,
                progress: FrameProgress | None = None,
                cancel: Callable[[], bool] | None = None,
                timeout: float = VIDEO_FRAME_TIMEOUT_S) -> list[TakenFrameResult]:
    """Take the frames `request` asks for from video `video_id` and store each as a still
    with its provenance; a frame taken before (same video, same index) is a duplicate.

    Frames are decoded in a video worker that reads the stored original; they are stored
    in batches, each one transaction with a "take frames" custody entry, so a cancel (or a
    refusal of the decoder part way) keeps the frames stored so far. `progress(done,
    expected)` is called after each frame (`expected` 0 when not known beforehand). A
    decoder's refusal raises `FramesStopped` (a `Rejected`) with the frames stored before it.
    """
    stored = case.video(video_id)
    if stored is None:
        raise CaseFileError(f"evidence {video_id} is not a video of this case")
    video = case.get_evidence(video_id)
    table = stored.frame_table()
    wanted = dataclasses.replace(request, images=True)
    total = expected_count(wanted, table)
    results: list[TakenFrameResult] = []
    batch: list[tuple[TakenFrame, FrameStill]] = []
    pending_index: dict[int, int] = {}  # frame index -> slot in results, for this batch

    def flush() -> None:
        for frame, sha, eid, new in _store_frames(case, video_id, video.sha256, video.name,
                                                  batch):
            slot = pending_index.pop(frame.frame_index)
            results[slot] = _result(eid, frame, sha, duplicate=not new)
        batch.clear()

    def store(frame: TakenFrame, still: FrameStill) -> None:
        results[pending_index[frame.frame_index]] = _result(0, frame, still.sha256)
        batch.append((frame, still))
        if len(batch) >= FRAME_BATCH:
            flush()

    source = case_video_source(case.path, video_id)
    stopped: Rejected | None = None
    # The PNG of a frame costs several times its decoding, and Pillow's encoder lets go of
    # the interpreter: stills are made on threads while the worker decodes the next frames,
    # so every core works. A few frames in flight at most (each holds its RGB image).
    makers = ThreadPoolExecutor(max_workers=STILL_THREADS, thread_name_prefix="frame-still")
    making: deque[tuple[TakenFrame, Future[FrameStill]]] = deque()
    try:
        for frame in _frames_until_refused(source, wanted, table, timeout, cancel):
            if isinstance(frame, Rejected):
                stopped = frame
                break
            existing = case.frame_taken(video_id, frame.frame_index)
            if existing is not None or frame.frame_index in pending_index:
                earlier = existing if existing is not None else -1
                results.append(_duplicate(case, earlier, frame, results, pending_index))
            else:
                pending_index[frame.frame_index] = len(results)
                results.append(_result(0, frame, ""))
                making.append((frame, makers.submit(frame_still, frame)))
                while len(making) > IN_FLIGHT:
                    made, future = making.popleft()
                    store(made, future.result())
            if progress is not None:
                progress(len(results), total)
            if cancel is not None and cancel():
                break
    finally:
        try:  # the frames already decoded are stored, whatever ended the loop
            while making:
                made, future = making.popleft()
                store(made, future.result())
        finally:
            makers.shutdown(cancel_futures=True)
            if batch:
                flush()
    # A frame repeated within one request shows the id and still its first taking got.
    first = {r.frame_index: r for r in results if not r.duplicate}
    done = [r if r.id and r.sha256 else _as_first(r, first.get(r.frame_index))
            for r in results]
    if stopped is not None:
        raise FramesStopped(stopped.reason, done)
    return done


def _frames_until_refused(source: original_store.CaseOriginalOpener, request: FrameRequest,
                          table: FrameTable | None, timeout: float,
                          cancel: Callable[[], bool] | None
                          ) -> Iterator[TakenFrame | Rejected]:
    """The worker's frames, then the refusal that ended them (if one did), as a value."""
    try:
        yield from take_frames_isolated(source, request, table=table, timeout=timeout,
                                        cancel=cancel)
    except Rejected as exc:
        yield exc


def _as_first(result: TakenFrameResult, first: TakenFrameResult | None) -> TakenFrameResult:
    if first is None:
        return result
    return dataclasses.replace(result, id=result.id or first.id,
                               sha256=result.sha256 or first.sha256)


def _result(eid: int, frame: TakenFrame, sha: str, *, duplicate: bool = False
            ) -> TakenFrameResult:
    return TakenFrameResult(eid, frame.frame_index, frame.pts_s, sha, frame.pixels_sha256,
                            duplicate, frame.timecode)


def _duplicate(case: CaseFile, existing: int, frame: TakenFrame,
               results: list[TakenFrameResult],
               pending_index: dict[int, int]) -> TakenFrameResult:
    if existing > 0:
        item = case.get_evidence(existing)
        return _result(existing, frame, item.sha256, duplicate=True)
    first = results[pending_index[frame.frame_index]]
    return TakenFrameResult(0, frame.frame_index, frame.pts_s, first.sha256,
                            frame.pixels_sha256, True, frame.timecode)


def _store_frames(case: CaseFile, video_id: int, video_sha256: str, video_name: str,
                  batch: list[tuple[TakenFrame, FrameStill]]
                  ) -> list[tuple[TakenFrame, str, int, bool]]:
    """Store a batch of frames as stills with their provenance: one transaction, one custody
    entry. A frame whose still is byte for byte one the case holds (a frame identical to
    another) is not stored again: its result names that still."""
    done: list[tuple[TakenFrame, str, int, bool]] = []
    logged: list[dict[str, object]] = []
    acquired = utc_now()
    # A PNG desk wrote holds no metadata of its own; the video's container facts are the
    # video's, on its item, and are not copied onto its frames as if the frame stated them.
    metadata = dataclasses.replace(read_metadata(None), flags=(Flag(
        "frame_of_video",
        f"A frame taken from video evidence {video_id} by desk: the still has no metadata of"
        " its own; what the video's container says is shown on the video."),))
    with case.transaction() as conn:
        for frame, still in batch:
            sha = still.sha256
            existing = case.evidence_id_for_hash(sha)
            if existing is not None:
                done.append((frame, sha, existing, False))
                continue
            name = f"{video_name} frame {frame.frame_index} {frame.timecode}"
            prov = Provenance(original_name=clean_text(name, 255), acquired_at=acquired,
                              acquired_by=case.actor,
                              notes=f"Frame {frame.frame_index} ({frame.timecode}) taken from"
                                    f" video evidence {video_id} (SHA-256 {video_sha256}).")
            eid = case.insert_evidence(
                conn, sha256=sha, data=still.png, fmt="png", width=still.width,
                height=still.height, metadata=metadata, provenance=prov,
                thumbnail=still.thumbnail, thumb_size=still.thumb_size)
            _insert_provenance(conn, eid, video_id, video_sha256, frame)
            if still.perceptual_hash:
                near_duplicates.store_hash(conn, eid, still.perceptual_hash)
            done.append((frame, sha, eid, True))
            logged.append({"id": eid, "frame_index": frame.frame_index,
                           "pts_s": frame.pts_s, "timecode": frame.timecode, "sha256": sha,
                           "pixels_sha256": frame.pixels_sha256})
        if logged:
            audit.append(conn, case.actor, TAKE_FRAMES,
                         [f"evidence:{video_id}", *(f"evidence:{x['id']}" for x in logged)],
                         {"video": video_id, "video_sha256": video_sha256, "frames": logged})
    return done


def _insert_provenance(conn: sqlite3.Connection, eid: int, video_id: int, video_sha256: str,
                       frame: TakenFrame) -> None:
    tb = frame.time_base
    conn.execute(
        "INSERT INTO video_frame (evidence_id, video_id, video_sha256, frame_index, pts,"
        " time_base, pts_s, timecode, pixels_sha256, pixel_format, rotation)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (eid, video_id, video_sha256, frame.frame_index, frame.pts,
         f"{tb.numerator}/{tb.denominator}", frame.pts_s, frame.timecode, frame.pixels_sha256,
         frame.pixel_format, frame.rotation))
