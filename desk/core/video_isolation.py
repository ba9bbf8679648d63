"""Probing and decoding videos in a worker process, with time and memory limits.

A video decoder is the largest parser desk runs on untrusted bytes. As for stills
(`desk.core.isolation`), the work happens in a spawned process whose address space is capped
(`VIDEO_WORKER_MEMORY_BYTES`); if it crashes, the caller gets a reason; if it goes silent for
longer than its time limit, it is killed and the caller gets a reason. Long work (indexing a
long video's frames, scoring every frame for scene changes) sends a heartbeat about once a
second, so the limit bounds a stall, not honest work on a big file.

The worker reads the file itself (a path, or a picklable callable that opens the case's
stored original): videos may be gigabytes and are never sent through a pipe. Frames come
back one at a time; a caller that stops iterating (cancel) ends the worker.

`probe_isolated` and `take_frames_isolated` use a worker each; a `VideoSession` keeps one
open on one video for the window's scrubbing (seek, step, frame by frame).
"""

from __future__ import annotations

import contextlib
import dataclasses
import io
import multiprocessing
import os
import time
from collections.abc import Callable, Iterator
from multiprocessing import shared_memory
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import TYPE_CHECKING, Any, BinaryIO, cast

from desk.core.errors import Rejected
from desk.core.isolation import _shm_has_room, limit_memory
from desk.core.limits import (
    VIDEO_FRAME_TIMEOUT_S,
    VIDEO_PROBE_TIMEOUT_S,
    VIDEO_WORKER_MEMORY_BYTES,
)
from desk.core.video_container import Heartbeat, VideoSource, open_binary

if TYPE_CHECKING:
    from desk.core.credentials import Credential
    from desk.core.video_frames import FrameRequest, FrameTable, TakenFrame, VideoReader
    from desk.core.video_probe import VideoInfo

#: One request to the worker: (operation, arguments).
Request = tuple[str, tuple[Any, ...]]
#: One message back: ("alive", n), ("item", value), ("done", value) or ("failed", reason).
Reply = tuple[str, Any]


def _reason_of(exc: BaseException) -> str:
    if isinstance(exc, Rejected):
        return exc.reason
    if isinstance(exc, MemoryError):
        return "the video needs more memory than desk allows to decode"
    return f"unreadable video ({type(exc).__name__})"


class _Worker:
    """The worker's side: one open video at most (`open`), and the operations on it."""

    def __init__(self, conn: Connection[Reply, Request]) -> None:
        self.conn = conn
        self.reader: VideoReader | None = None
        self.stack = contextlib.ExitStack()
        self.shared = _SharedImages()

    def heartbeat(self, count: int) -> None:
        self.conn.send(("alive", count))

    def run(self, op: str, args: tuple[Any, ...]) -> None:
        from desk.core.video_frames import VideoReader, take_frames
        from desk.core.video_probe import probe_video

        if op == "probe":
            source, count = args
            info = probe_video(source, count_frames=count, progress=self.heartbeat)
            self.conn.send(("done", info))
        elif op == "take":
            source, request, table = args
            for frame in take_frames(source, request, table, self.heartbeat):
                self.conn.send(("item", frame))
            self.conn.send(("done", None))
        elif op == "open":
            source, table = args
            self.close()
            info = probe_video(source)
            self.reader = self.stack.enter_context(
                VideoReader.open(source, table, self.heartbeat))
            self.conn.send(("done", (info, self.reader.table)))
        elif op in ("frame", "frame_at", "step"):
            reader = self.reader
            if reader is None:
                raise Rejected("no video is open")
            value, image, block = args
            if op == "frame":
                frame = reader.frame(value, image=image)
            elif op == "frame_at":
                frame = reader.frame_at(value, image=image)
            else:
                frame = reader.step(value, image=image)
            self.conn.send(("done", self.shared.put(frame, block)))
        elif op == "credential":
            source, kind, sidecar = args
            self.conn.send(("done", _read_credential(source, kind, sidecar, self.heartbeat)))
        elif op == "session_take":
            if self.reader is None:
                raise Rejected("no video is open")
            for frame in self.reader.take(args[0]):
                self.conn.send(("item", frame))
            self.conn.send(("done", None))
        else:
            raise Rejected(f"unknown video operation {op!r}")

    def close(self) -> None:
        self.reader = None
        self.stack.close()
        self.stack = contextlib.ExitStack()
        self.shared.close()


def _read_credential(source: VideoSource, kind: str, sidecar: bytes | None,
                     progress: Callable[[int], None]) -> Credential:
    """The video's content credentials (in the worker: the native reader hashes the whole
    file, and each megabyte it reads is a heartbeat, so a big file is not a stall)."""
    from desk.core.c2pa_reading import read_video_credential

    beat = Heartbeat(progress)
    with open_binary(source) as raw:
        size = raw.seek(0, os.SEEK_END)
        raw.seek(0)
        return read_video_credential(cast(BinaryIO, _Beating(raw, beat)), kind, size, sidecar)


class _Beating(io.RawIOBase):
    """A file whose reads count as heartbeats (one per read, which the reader makes in
    blocks)."""

    def __init__(self, raw: BinaryIO, beat: Heartbeat) -> None:
        super().__init__()
        self._raw = raw
        self._beat = beat

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        return self._raw.seek(offset, whence)

    def tell(self) -> int:
        return self._raw.tell()

    def read(self, size: int = -1) -> bytes:
        self._beat.beat()
        return self._raw.read(size)

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        self._beat.beat()
        return self._raw.readinto(buffer)  # type: ignore[attr-defined,no-any-return]


#: (name, size) of the lane's shared block for one frame's image, or None.
Block = tuple[str, int] | None


class _SharedImages:
    """The worker's view of its lane's shared block: a frame's RGB image goes there instead
    of through the pipe (a 1080p image is 6 MB; pickling and piping it cost more than
    decoding the frame). The lane owns, grows and unlinks the block."""

    def __init__(self) -> None:
        self._block: shared_memory.SharedMemory | None = None

    def put(self, frame: TakenFrame, block: Block) -> TakenFrame | tuple[TakenFrame, int]:
        """The frame to send: without its image and with the image's length when the image
        went into the block, else whole (the lane then grows its block for the next time)."""
        size = len(frame.rgb)
        if block is None or not size or size > block[1]:
            return frame
        name = block[0]
        if self._block is None or self._block.name != name:
            self.close()
            self._block = shared_memory.SharedMemory(name=name)
        buffer = self._block.buf
        if buffer is None:
            return frame
        buffer[:size] = frame.rgb
        return dataclasses.replace(frame, rgb=b""), size

    def close(self) -> None:
        if self._block is not None:
            self._block.close()
            self._block = None


def video_worker_main(conn: Connection[Reply, Request]) -> None:
    """Loop of one video worker: requests in, replies out, until the pipe closes."""
    limit_memory(VIDEO_WORKER_MEMORY_BYTES)
    import av

    av.logging.set_level(None)
    worker = _Worker(conn)
    while True:
        try:
            op, args = conn.recv()
        except (EOFError, OSError):
            worker.close()
            return
        try:
            worker.run(op, args)
        except Exception as exc:  # noqa: BLE001 - every failure becomes a reason
            try:
                conn.send(("failed", _reason_of(exc)))
            except (OSError, ValueError):
                return
            if isinstance(exc, MemoryError):
                worker.close()


class VideoLane:
    """One video worker and its pipe, started on first use and after a kill or crash."""

    def __init__(self, timeout: float = VIDEO_FRAME_TIMEOUT_S,
                 target: Callable[[Connection[Reply, Request]], None] | None = None) -> None:
        self.timeout = timeout
        self._target = target or video_worker_main
        self._ctx = multiprocessing.get_context("spawn")
        self._proc: BaseProcess | None = None
        self._conn: Connection[Request, Reply] | None = None
        self._block: shared_memory.SharedMemory | None = None
        self._wanted_block = 0

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.is_alive()

    def start(self) -> None:
        """Start the worker now (it loads its libraries while the caller does other work);
        it reads nothing until asked."""
        if self._conn is not None and not self.running:
            self._kill()
        if self._conn is None:
            self._start()

    def _start(self) -> Connection[Request, Reply]:
        parent, child = self._ctx.Pipe(duplex=True)
        proc = self._ctx.Process(target=self._target, args=(child,), daemon=True,
                                 name="desk-video")
        proc.start()
        child.close()
        self._proc, self._conn = proc, parent
        return parent

    def call(self, op: str, *args: Any, timeout: float | None = None,
             cancel: Callable[[], bool] | None = None) -> Iterator[Any]:
        """Run `op` in the worker: its items, then its result, as they come.

        Raises `Rejected` with a reason when the worker refuses the file, goes silent for
        longer than `timeout` seconds (killed), or crashes. A `cancel()` that turns true, or a
        caller that stops iterating, ends the worker (the next call starts another).
        """
        limit = self.timeout if timeout is None else timeout
        if self._conn is not None and not self.running:
            self._kill()  # killed from another thread, or died: start afresh
        conn = self._conn or self._start()
        finished = False
        try:
            try:
                conn.send((op, args))
            except (OSError, ValueError) as exc:
                raise Rejected(self._crashed()) from exc
            while True:
                kind, value = self._next(conn, limit, cancel)
                if kind == "alive":
                    continue
                if kind == "item":
                    yield value
                    continue
                if kind == "done":
                    finished = True
                    yield value
                    return
                finished = True
                raise Rejected(str(value))
        finally:
            if not finished:
                self._kill()

    def _next(self, conn: Connection[Request, Reply], limit: float,
              cancel: Callable[[], bool] | None) -> Reply:
        deadline = time.monotonic() + limit
        while True:
            if cancel is not None and cancel():
                raise _Cancelled
            left = deadline - time.monotonic()
            if left <= 0:
                self._kill()
                raise Rejected(
                    f"reading the video took longer than {limit:g} s without progress and was"
                    " stopped (the file may be crafted to hang video decoders)")
            try:
                if conn.poll(min(left, 0.1 if cancel is not None else left)):
                    return conn.recv()
            except (EOFError, OSError) as exc:
                raise Rejected(self._crashed()) from exc

    def frame(self, op: str, value: float, image: bool, *,
              timeout: float | None = None) -> TakenFrame:
        """One frame (`op` is "frame", "frame_at" or "step"), its image through shared memory."""
        block = self._shared_block() if image else None
        result: Any = None
        for result in self.call(op, value, image, block, timeout=timeout):  # noqa: B007
            pass
        if isinstance(result, tuple):
            bare: TakenFrame = result[0]
            assert self._block is not None and self._block.buf is not None
            return dataclasses.replace(bare, rgb=bytes(self._block.buf[: result[1]]))
        if image and len(result.rgb) > self._wanted_block:
            self._wanted_block = len(result.rgb)  # the next frame goes through a larger block
        taken: TakenFrame = result
        return taken

    def _shared_block(self) -> Block:
        """The lane's block (made or grown to the largest image seen), or None: a first
        frame, and a /dev/shm without room, go through the pipe."""
        wanted = self._wanted_block
        if not wanted:
            return None
        if self._block is None or self._block.size < wanted:
            self._release_block()
            if not _shm_has_room(2 * wanted):
                return None
            try:
                self._block = shared_memory.SharedMemory(create=True, size=wanted)
            except OSError:
                return None
        return self._block.name, self._block.size

    def _release_block(self) -> None:
        if self._block is not None:
            self._block.close()
            with contextlib.suppress(FileNotFoundError):
                self._block.unlink()
            self._block = None

    def _crashed(self) -> str:
        proc = self._proc
        if proc is not None:
            proc.join(2)
        code = proc.exitcode if proc is not None else None
        self._kill()
        if code is not None and code < 0:
            return f"the video reader crashed on this file (signal {-code})"
        return "the video reader crashed on this file"

    def _kill(self) -> None:
        if self._conn is not None:
            self._conn.close()
        if self._proc is not None:
            if self._proc.is_alive():
                self._proc.kill()
            self._proc.join(5)
        self._proc = self._conn = None

    def abort(self) -> None:
        """Kill the worker, from any thread (a call in progress ends with a reason; the next
        call starts another worker)."""
        proc = self._proc
        if proc is not None:
            with contextlib.suppress(OSError, ValueError, AttributeError, AssertionError):
                proc.kill()
                proc.join(2)

    def close(self) -> None:
        """Let the worker end on its own (pipe closed); kill it if it lingers."""
        self._release_block()
        if self._conn is not None:
            self._conn.close()
            self._conn = None
        if self._proc is not None:
            self._proc.join(2)
            if self._proc.is_alive():
                self._proc.kill()
                self._proc.join(2)
            self._proc = None


class _Cancelled(Exception):
    """The caller's cancel() turned true: the worker is killed and nothing more is taken."""


def _result(lane: VideoLane, op: str, *args: Any, timeout: float | None = None) -> Any:
    """The single result of an operation that yields no items."""
    result: Any = None
    for result in lane.call(op, *args, timeout=timeout):  # noqa: B007 - the last is the result
        pass
    return result


def probe_isolated(source: VideoSource, *, count_frames: bool = False,
                   timeout: float = VIDEO_PROBE_TIMEOUT_S,
                   target: Callable[[Connection[Reply, Request]], None] | None = None,
                   ) -> VideoInfo:
    """`desk.core.video_probe.probe_video` in a worker; `Rejected` with a reason otherwise."""
    lane = VideoLane(timeout, target)
    try:
        info: VideoInfo = _result(lane, "probe", source, count_frames)
        return info
    finally:
        lane.close()


def take_frames_isolated(source: VideoSource, request: FrameRequest, *,
                         table: FrameTable | None = None,
                         timeout: float = VIDEO_FRAME_TIMEOUT_S,
                         cancel: Callable[[], bool] | None = None,
                         target: Callable[[Connection[Reply, Request]], None] | None = None,
                         ) -> Iterator[TakenFrame]:
    """The frames `request` asks for, taken in a worker, one at a time.

    `timeout` bounds each wait for the next frame (the worker's heartbeat resets it). Ends
    early, without a reason, when `cancel()` turns true; a refusal or a stuck or crashed
    decoder raises `Rejected` (the frames already yielded stay good).
    """
    lane = VideoLane(timeout, target)
    try:
        for item in lane.call("take", source, request, table, cancel=cancel):
            if item is not None:
                yield item
    except _Cancelled:
        return
    finally:
        lane.close()


@dataclasses.dataclass(frozen=True)
class OpenVideo:
    """What a session learnt on opening its video."""

    info: VideoInfo
    table: FrameTable


class VideoSession:
    """One video kept open in a worker, for scrubbing: any frame by index or time, the next
    or previous one, keyframe times. After a crash or a stall the worker is replaced and the
    video reopened (with its frame table, so quickly) on the next request."""

    def __init__(self, source: VideoSource, *, table: FrameTable | None = None,
                 timeout: float = VIDEO_FRAME_TIMEOUT_S,
                 target: Callable[[Connection[Reply, Request]], None] | None = None) -> None:
        self.source = source
        self._table = table
        self._lane = VideoLane(timeout, target)
        self._opened: OpenVideo | None = None

    def __enter__(self) -> VideoSession:
        self.open()
        return self

    def start(self) -> None:
        """Start the worker ahead of `open` (see `VideoLane.start`)."""
        self._lane.start()

    def abort(self) -> None:
        """Kill the worker from any thread (a request in progress ends with a reason)."""
        self._lane.abort()

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def open(self) -> OpenVideo:
        """Probe and index the video in the worker (the index may take a while: heartbeats
        keep it alive); `Rejected` with a reason for a video desk does not read."""
        if self._opened is None or not self._lane.running:
            info, table = _result(self._lane, "open", self.source, self._table)
            self._table = table
            self._opened = OpenVideo(info, table)
        return self._opened

    @property
    def info(self) -> VideoInfo:
        return self.open().info

    @property
    def table(self) -> FrameTable:
        return self.open().table

    def keyframe_times(self) -> list[float]:
        return self.table.keyframe_times()

    def frame(self, index: int, *, image: bool = True) -> TakenFrame:
        return self._ask("frame", index, image)

    def frame_at(self, seconds: float, *, image: bool = True) -> TakenFrame:
        return self._ask("frame_at", seconds, image)

    def step(self, delta: int = 1, *, image: bool = True) -> TakenFrame:
        """The frame `delta` after (before) the last one this session returned."""
        return self._ask("step", delta, image)

    def credential(self, kind: str, sidecar: bytes | None = None) -> Credential:
        """The video's content credentials, read in the worker (`Rejected` when it crashes
        or stalls on them)."""
        credential: Credential = _result(self._lane, "credential", self.source, kind, sidecar)
        return credential

    def take(self, request: FrameRequest,
             cancel: Callable[[], bool] | None = None) -> Iterator[TakenFrame]:
        """Many frames from the open video (a cancel ends the worker; it is replaced later)."""
        self.open()
        try:
            for item in self._lane.call("session_take", request, cancel=cancel):
                if item is not None:
                    yield item
        except _Cancelled:
            return

    def _ask(self, op: str, value: float, image: bool) -> TakenFrame:
        self.open()
        return self._lane.frame(op, value, image)

    def close(self) -> None:
        self._lane.close()
        self._opened = None
