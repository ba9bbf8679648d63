"""Untrusted files are parsed in worker processes with a time limit.

A crafted file can make a parser loop, exhaust memory or crash the interpreter; in a worker
that costs one process, which is killed and replaced, and the file gets a plain reason.

Starting a worker (a fresh interpreter loading the readers) costs a few tenths of a second
of both time and CPU, as much as parsing a dozen 12 MP stills. `LANES` keeps started workers
between imports: the window warms them when a case opens, `desk import` as it starts, so an
import's first files do not wait for interpreters to start.
"""

from __future__ import annotations

import atexit
import contextlib
import multiprocessing
import os
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing import shared_memory
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import TYPE_CHECKING

from desk.core.errors import Rejected

if TYPE_CHECKING:
    from desk.core.parse import ParsedImage  # a type only: loading the readers is the worker's job

#: Seconds one file may take to parse before its worker is killed.
PARSE_TIMEOUT_S = 20.0
#: Address-space cap of a worker; a decompression bomb that slips past the pixel limit dies here.
WORKER_MEMORY_BYTES = 4 * 1024**3


@dataclass(frozen=True)
class Outcome:
    """What a worker made of one file: a parsed image, or the reason it was rejected."""

    parsed: ParsedImage | None
    reason: str = ""


if TYPE_CHECKING:
    #: The lane's end of the pipe: (shared block name or "", size, sidecar follows) out, an
    #: Outcome back.
    LaneEnd = Connection[tuple[str, int, bool], Outcome]
    #: The worker's end of the same pipe.
    WorkerEnd = Connection[Outcome, tuple[str, int, bool]]


def _buffer(block: shared_memory.SharedMemory) -> memoryview:
    """The block's bytes; a closed block has none, which the callers treat as a broken lane."""
    buf = block.buf
    if buf is None:
        raise OSError(f"shared memory block {block.name} is closed")
    return buf


def _limit_memory() -> None:
    limit_memory(WORKER_MEMORY_BYTES)


def limit_memory(limit_bytes: int) -> None:
    """Cap this (worker) process's address space, so a bomb fails to allocate instead of
    taking the machine's memory. Linux only: elsewhere the time limit is the guard."""
    if sys.platform.startswith("linux"):
        import resource

        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_AS, (limit_bytes, limit_bytes))


class _SharedInput:
    """The worker's view of its lane's shared-memory block (re-attached when the lane grows it).

    Passing multi-megabyte originals through the pipe cost several copies and dozens of reads
    per file; a shared block costs one copy on each side. The lane owns and unlinks the block.
    """

    def __init__(self) -> None:
        self._block: shared_memory.SharedMemory | None = None

    def read(self, name: str, size: int) -> bytes:
        if self._block is None or self._block.name != name:
            self.close()
            self._block = shared_memory.SharedMemory(name=name)
        return bytes(_buffer(self._block)[:size])

    def close(self) -> None:
        if self._block is not None:
            self._block.close()
            self._block = None


#: Files up to this size travel to the parser through shared memory, larger ones by pipe.
SHARED_INPUT_MAX = 64 * 1024 * 1024
SHARED_INPUT_MIN = 16 * 1024 * 1024


def _shm_has_room(size: int) -> bool:
    if not sys.platform.startswith("linux"):
        return True  # elsewhere shared memory is not a size-limited tmpfs
    try:
        stats = os.statvfs("/dev/shm")
    except OSError:
        return False
    return stats.f_bavail * stats.f_frsize >= size


def worker_main(conn: WorkerEnd) -> None:
    """Loop of one worker: a file's bytes in (shared memory), an Outcome out (the pipe)."""
    _limit_memory()
    from desk.core.parse import parse_image

    shared = _SharedInput()
    while True:
        try:
            name, size, has_sidecar = conn.recv()
            data = shared.read(name, size) if name else conn.recv_bytes()
            sidecar = conn.recv_bytes() if has_sidecar else None  # a C2PA .c2pa beside it
        except (EOFError, OSError):
            shared.close()
            return
        try:
            outcome = Outcome(parse_image(data, sidecar))
        except Rejected as exc:
            outcome = Outcome(None, exc.reason)
        except MemoryError:
            outcome = Outcome(None, "image needs more memory than allowed to decode")
        except Exception as exc:  # noqa: BLE001 - every parser failure becomes a reason
            outcome = Outcome(None, f"unreadable image ({type(exc).__name__})")
        try:
            conn.send(outcome)
        except (OSError, ValueError):
            return


class ParserLane:
    """One worker process and its pipe; restarted after a kill or crash."""

    def __init__(
        self, timeout: float = PARSE_TIMEOUT_S, target: Callable[[WorkerEnd], None] | None = None
    ) -> None:
        self.timeout = timeout
        self._target = target or worker_main
        self._ctx = multiprocessing.get_context("spawn")
        self._proc: BaseProcess | None = None
        self._conn: LaneEnd | None = None
        self._block: shared_memory.SharedMemory | None = None
        #: The `parse_context` it was handed out under (a pool's lane only).
        self.context: tuple[object, ...] | None = None

    def _start(self) -> LaneEnd:
        parent, child = self._ctx.Pipe(duplex=True)
        proc = self._ctx.Process(target=self._target, args=(child,), daemon=True,
                                 name="desk-parser")
        proc.start()
        child.close()
        self._proc, self._conn = proc, parent
        return parent

    def start(self) -> None:
        """Start the worker now (it loads its readers while the caller does other work)."""
        if self._conn is None:
            self._start()

    @property
    def alive(self) -> bool:
        return self._conn is not None and self._proc is not None and self._proc.is_alive()

    def parse(self, data: bytes, sidecar: bytes | None = None) -> Outcome:
        conn = self._conn or self._start()
        block = self._block_for(len(data))
        try:
            if block is not None:
                _buffer(block)[: len(data)] = data
                conn.send((block.name, len(data), sidecar is not None))
            else:
                conn.send(("", len(data), sidecar is not None))
                conn.send_bytes(data)
            if sidecar is not None:
                conn.send_bytes(sidecar)
            if not conn.poll(self.timeout):
                self._kill()
                return Outcome(
                    None,
                    f"parsing took longer than {self.timeout:g} s and was stopped"
                    " (the file may be crafted to hang image readers)",
                )
            return conn.recv()
        except (EOFError, OSError, BrokenPipeError):
            code = self._proc.exitcode if self._proc else None
            self._kill()
            if code is not None and code < 0:
                return Outcome(None, f"the image reader crashed on this file (signal {-code})")
            return Outcome(None, "the image reader crashed on this file")

    def _block_for(self, size: int) -> shared_memory.SharedMemory | None:
        """The lane's input block (grown when a file does not fit), or None for the pipe.

        Large files and a small or full /dev/shm go through the pipe: writing past what a
        tmpfs can hold would kill the process with SIGBUS instead of raising an error.
        """
        if size > SHARED_INPUT_MAX:
            return None
        if self._block is not None and self._block.size >= max(size, 1):
            return self._block
        self._release_block()
        wanted = max(size, SHARED_INPUT_MIN)
        if not _shm_has_room(2 * wanted):
            return None
        try:
            self._block = shared_memory.SharedMemory(create=True, size=wanted)
        except OSError:
            return None
        return self._block

    def _release_block(self) -> None:
        if self._block is not None:
            self._block.close()
            self._block.unlink()
            self._block = None

    def _kill(self) -> None:
        if self._conn is not None:
            self._conn.close()
        if self._proc is not None:
            if self._proc.is_alive():
                self._proc.kill()
            self._proc.join(5)
        self._proc = self._conn = None

    def abort(self) -> None:
        """Kill the worker from another thread, so a parse stuck on the pipe sees its end.

        Only the process is touched: the thread using the lane cleans up its pipe and block.
        """
        proc = self._proc
        if proc is not None:
            with contextlib.suppress(OSError, ValueError, AttributeError):
                proc.kill()

    def close(self) -> None:
        """Let the worker exit on its own (closing the pipe), kill it if it lingers."""
        self._close_worker()
        self._release_block()

    def _close_worker(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None
        if self._proc is not None:
            self._proc.join(2)
            if self._proc.is_alive():
                self._proc.kill()
                self._proc.join(2)
            self._proc = None


def parse_context() -> tuple[object, ...]:
    """What a worker reads from its surroundings once and keeps: its configuration folder
    (from the environment it was started with) and the reviewer's C2PA trust anchors there.
    A kept worker started under another is not used: a trust anchor added since counts."""
    from desk.core.identity import user_config_dir

    folder = user_config_dir()
    try:
        anchors = (folder / "c2pa-trust-anchors.pem").stat()  # c2pa_reading.USER_ANCHORS
        stamp: tuple[object, ...] = (anchors.st_mtime_ns, anchors.st_size, anchors.st_ino)
    except OSError:
        stamp = ()
    return (str(folder), *stamp)


class LanePool:
    """Started parser lanes kept between imports (see the module's note).

    A lane is used by one reading thread at a time: `take` hands one out (started, or a new
    one when none is idle), `give_back` keeps it for the next import if its worker is alive
    and the pool is not full. Idle workers wait on their pipe, costing memory only.
    """

    def __init__(self, keep: int = 8) -> None:
        self._keep = keep
        self._idle: list[tuple[tuple[object, ...], ParserLane]] = []
        self._lock = threading.Lock()

    def _usable(self, context: tuple[object, ...]) -> None:
        """Drop (and end) idle lanes that died or were started under another context."""
        with self._lock:
            keep = [(c, lane) for c, lane in self._idle if c == context and lane.alive]
            drop = [lane for c, lane in self._idle if not (c == context and lane.alive)]
            self._idle = keep
        for lane in drop:
            lane.close()

    def warm(self, count: int) -> None:
        """Have `count` started lanes ready (the workers start in the background)."""
        count = max(0, min(count, self._keep))
        context = parse_context()
        self._usable(context)
        with self._lock:
            missing = count - len(self._idle)
        for _ in range(missing):
            lane = ParserLane()
            try:
                lane.start()
            except OSError:
                return  # no processes to spare now: the import starts its own as it goes
            with self._lock:
                self._idle.append((context, lane))

    def take(self, timeout: float = PARSE_TIMEOUT_S) -> ParserLane:
        context = parse_context()
        self._usable(context)
        with self._lock:
            lane = self._idle.pop()[1] if self._idle else None
        if lane is None:
            lane = ParserLane(timeout)
        lane.context = context
        lane.timeout = timeout
        return lane

    def give_back(self, lane: ParserLane) -> None:
        lane._release_block()  # the next file may be smaller; /dev/shm is not held idle
        with self._lock:
            if lane.alive and len(self._idle) < self._keep and lane.context is not None:
                self._idle.append((lane.context, lane))
                return
        lane.close()

    @property
    def idle(self) -> int:
        with self._lock:
            return len(self._idle)

    def close(self) -> None:
        """End every idle worker (a case closed, or the program ends)."""
        with self._lock:
            idle, self._idle = self._idle, []
        for _, lane in idle:
            lane.close()


#: The process's parser lanes (see `LanePool`).
LANES = LanePool()
atexit.register(LANES.close)


def warm_parsers(count: int | None = None) -> None:
    """Start parser workers ahead of an import (one per core by default)."""
    LANES.warm(count if count is not None else min(os.cpu_count() or 1, 8))
