"""Threads that read files for an import, every step of every file under a time limit.

A read from a hung network share or FUSE file system can block a thread inside the kernel for
good, and no thread can be stopped from outside. So each task carries a deadline that its
thread moves forward at each step (opening, each read, hashing, parsing); when a deadline
passes, the waiting side gives the file up with a reason and starts a fresh thread in place of
the stuck one, which is left behind as a daemon (it cannot keep the program from exiting).
After a few stuck files the source is taken to be hanging and the rest is not read.
"""

from __future__ import annotations

import math
import queue
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from typing import Generic, TypeVar

S = TypeVar("S")
T = TypeVar("T")

#: Longest single wait of the waiting side, so it re-reads a deadline a thread has moved.
_POLL_S = 5.0


class Stuck(Exception):
    """A task whose current step overran its time limit; `stage` says which step."""

    def __init__(self, stage: str, seconds: float) -> None:
        super().__init__(f"{stage} took longer than {seconds:g} s")
        self.stage = stage
        self.seconds = seconds


class Task(Generic[S, T]):
    """One item of work, its result, and the deadline of the step it is in."""

    def __init__(self, item: S) -> None:
        self.item = item
        self.future: Future[T] = Future()
        self.deadline = math.inf  # not timed while it waits for a thread
        self.stage = "waiting"
        self.limit = 0.0
        self.abandoned = False
        #: Called (from the waiting side) when the task is given up, e.g. to kill its parser.
        self.on_abandon: Callable[[], None] | None = None

    def step(self, stage: str, seconds: float) -> None:
        """Begin a step (or show progress within one) that may take up to `seconds`."""
        self.stage, self.limit = stage, seconds
        self.deadline = time.monotonic() + seconds


class ReadPool(Generic[S, T]):
    """A fixed number of live daemon threads running `work` on submitted items."""

    def __init__(
        self,
        work: Callable[[Task[S, T]], T],
        threads: int,
        *,
        max_stuck: int,
        on_exit: Callable[[], None] = lambda: None,
        name: str = "desk-intake",
    ) -> None:
        self._work = work
        self._on_exit = on_exit
        self._name = name
        self._max_stuck = max_stuck
        self._queue: queue.SimpleQueue[Task[S, T] | None] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._live: dict[threading.Thread, Task[S, T] | None] = {}
        self.stuck = 0
        for _ in range(max(1, threads)):
            self._start()

    @property
    def broken(self) -> bool:
        """True once more files got stuck than the pool replaces threads for."""
        return self.stuck > self._max_stuck

    def _start(self) -> None:
        thread = threading.Thread(target=self._loop, name=self._name, daemon=True)
        with self._lock:
            self._live[thread] = None
        thread.start()

    def submit(self, item: S) -> Task[S, T]:
        task: Task[S, T] = Task(item)
        self._queue.put(task)
        return task

    def _loop(self) -> None:
        me = threading.current_thread()
        try:
            while True:
                task = self._queue.get()
                if task is None:
                    return
                if not task.future.set_running_or_notify_cancel():
                    continue
                with self._lock:
                    self._live[me] = task
                try:
                    result = self._work(task)
                except BaseException as exc:  # noqa: BLE001 - handed to the waiting side
                    task.future.set_exception(exc)
                else:
                    task.future.set_result(result)
                with self._lock:
                    if task.abandoned:  # a fresh thread already took this one's place
                        return
                    self._live[me] = None
        finally:
            self._on_exit()

    def result(self, task: Task[S, T]) -> T:
        """The task's result; raises `Stuck` when its current step overruns its limit."""
        while True:
            remaining = task.deadline - time.monotonic()
            try:
                return task.future.result(timeout=min(max(remaining, 0.0), _POLL_S))
            except TimeoutError:
                pass
            if time.monotonic() < task.deadline:
                continue  # the thread moved the deadline on: it is making progress
            with self._lock:
                if task.future.done():
                    continue
                task.abandoned = True
                self.stuck += 1
                for thread, current in list(self._live.items()):
                    if current is task:
                        del self._live[thread]
                replace = not self.broken
            if task.on_abandon is not None:
                task.on_abandon()
            if replace:
                self._start()
            raise Stuck(task.stage, task.limit)

    def close(self, wait: float) -> None:
        """Let idle threads end; wait up to `wait` seconds in all for busy ones."""
        with self._lock:
            threads = list(self._live)
        for _ in threads:
            self._queue.put(None)
        until = time.monotonic() + wait
        for thread in threads:
            thread.join(max(0.0, until - time.monotonic()))
