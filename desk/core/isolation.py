"""Untrusted files are parsed in worker processes with a time limit.

A crafted file can make a parser loop, exhaust memory or crash the interpreter; in a worker
that costs one process, which is killed and replaced, and the file gets a plain reason.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import sys
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess

from desk.core.errors import Rejected

#: Seconds one file may take to parse before its worker is killed.
PARSE_TIMEOUT_S = 20.0
#: Address-space cap of a worker; a decompression bomb that slips past the pixel limit dies here.
WORKER_MEMORY_BYTES = 4 * 1024**3


@dataclass(frozen=True)
class Outcome:
    """What a worker made of one file: a parsed image, or the reason it was rejected."""

    parsed: object | None
    reason: str = ""


def _limit_memory() -> None:
    if sys.platform.startswith("linux"):
        import resource

        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_AS, (WORKER_MEMORY_BYTES, WORKER_MEMORY_BYTES))


def worker_main(conn: Connection) -> None:
    """Loop of one worker: raw bytes in, Outcome out, until the pipe closes."""
    _limit_memory()
    from desk.core.parse import parse_image

    while True:
        try:
            data = conn.recv_bytes()
        except (EOFError, OSError):
            return
        try:
            outcome = Outcome(parse_image(data))
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
        self, timeout: float = PARSE_TIMEOUT_S, target: Callable[[Connection], None] | None = None
    ) -> None:
        self.timeout = timeout
        self._target = target or worker_main
        self._ctx = multiprocessing.get_context("spawn")
        self._proc: BaseProcess | None = None
        self._conn: Connection | None = None

    def _start(self) -> Connection:
        parent, child = self._ctx.Pipe(duplex=True)
        proc = self._ctx.Process(target=self._target, args=(child,), daemon=True,
                                 name="desk-parser")
        proc.start()
        child.close()
        self._proc, self._conn = proc, parent
        return parent

    def parse(self, data: bytes) -> Outcome:
        conn = self._conn or self._start()
        try:
            conn.send_bytes(data)
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

    def _kill(self) -> None:
        if self._conn is not None:
            self._conn.close()
        if self._proc is not None:
            if self._proc.is_alive():
                self._proc.kill()
            self._proc.join(5)
        self._proc = self._conn = None

    def close(self) -> None:
        """Let the worker exit on its own (closing the pipe), kill it if it lingers."""
        if self._conn is not None:
            self._conn.close()
            self._conn = None
        if self._proc is not None:
            self._proc.join(2)
            if self._proc.is_alive():
                self._proc.kill()
                self._proc.join(2)
            self._proc = None
