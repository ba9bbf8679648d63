"""The one way the window runs long work: a `Job` on a worker thread, owned by a `Jobs`.

A job runs one function on its own thread and reports back through queued signals, so the
window never waits and every handler runs on the GUI thread. The function receives a
`Control`: it reports progress, asks whether the reviewer cancelled, and runs the few calls
that must happen on the GUI thread (Qt WebEngine prints and draws only there) while the
worker waits. A job that needs the case opens its own CaseFile on the case's path
(`on_case`): an SQLite connection belongs to the thread that opened it, so the window's is
never handed over.

Each widget that runs jobs owns one `Jobs`: it starts them (at most `max_threads` at once,
the others wait their turn) and, when the widget closes, `shutdown()` cancels them, waits
for those that write, and makes sure nothing they report afterwards reaches a closed widget.
Whatever goes wrong reaches the reviewer as one plain line, never a traceback.
"""

from __future__ import annotations

import functools
import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from PySide6.QtCore import QObject, Qt, QTimer, Signal

if TYPE_CHECKING:
    from desk.core.casefile import CaseFile

log = logging.getLogger(__name__)

T = TypeVar("T")
#: What a job runs, on its worker thread.
Work = Callable[["Control"], object]

#: A failure message longer than this is cut (a reviewer reads a line, not a dump).
MESSAGE_LIMIT = 300
#: How often a worker waiting for the GUI thread looks whether the reviewer cancelled (s).
POLL_S = 0.05

#: Every job from its start until its end has been handled: a worker thread then never
#: reports to a deleted object, even when its owner shut down and forgot it.
_LIVE: set[Job] = set()


class Cancelled(Exception):
    """Raised inside the work to end the job as cancelled (see `Control.check`)."""


def one_line(text: object) -> str:
    """A message as one plain line: whitespace (newlines included) folded, the length capped."""
    line = " ".join(str(text).split())
    return line if len(line) <= MESSAGE_LIMIT else line[:MESSAGE_LIMIT - 1] + "…"


def describe(exc: BaseException) -> str:
    """Why a job failed, in words: the case's own message, the OS's, or the kind of error."""
    from desk.core.casefile import CaseFileError

    if isinstance(exc, CaseFileError):
        return one_line(exc)
    if isinstance(exc, OSError):
        reason = (exc.strerror or "the system refused it").rstrip(".")
        reason = reason[:1].lower() + reason[1:]
        if exc.filename:
            return one_line(f"{exc.filename} could not be used: {reason}.")
        return one_line(f"A file could not be used: {reason}.")
    # Not the exception's text (a class name, a traceback, a library's jargon): a sentence,
    # with the details in the log for whoever looks into it.
    log.error("unexpected problem in background work", exc_info=exc)
    return ("This stopped on a problem desk did not expect; nothing more was done. The"
            " details are in desk's log.")


def on_case(case_path: Path, work: Callable[[CaseFile, Control], T], *,
            read_only: bool = False) -> Callable[[Control], T]:
    """Work of the case at `case_path`, done on a connection the worker opens and closes."""

    def run(control: Control) -> T:
        from desk.core.casefile import CaseFile

        with CaseFile.open(case_path, read_only=read_only) as case:
            return work(case, control)

    return run


@dataclass
class _Call:
    """A function a worker asked the GUI thread to run, and what became of it."""

    function: Callable[..., Any]
    args: tuple[Any, ...]
    done: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)
    started: bool = False
    abandoned: bool = False
    result: Any = None
    error: BaseException | None = None


class Control:
    """The work's side of its job, used on the worker thread."""

    def __init__(self, job: Job) -> None:
        self._job = job

    def progress(self, done: int, total: int, detail: object = None) -> None:
        """`done` of `total`, and what was just done (a file's result, a sentence…)."""
        self._job._report.emit("progress", (done, total, detail))

    def cancelled(self) -> bool:
        """Whether the reviewer asked to stop (core functions take this as `cancel`)."""
        return self._job._cancel.is_set()

    def check(self) -> None:
        """End the job as cancelled here if the reviewer asked to stop."""
        if self.cancelled():
            raise Cancelled

    def on_gui_thread(self, function: Callable[..., T], *args: Any) -> T:
        """Run `function(*args)` on the GUI thread and return its result (or raise its error).

        If the reviewer cancels before the GUI thread has started the call, it is abandoned
        and `Cancelled` is raised; once started, it is let finish (it has its own limits).
        """
        if threading.get_ident() == self._job._gui_thread:
            return function(*args)  # already there (a job run inline)
        call = _Call(function, args)
        self._job._call_requested.emit(call)
        while not call.done.wait(POLL_S):
            if self.cancelled():
                with call.lock:
                    if not call.started:
                        call.abandoned = True
                        raise Cancelled
        if call.error is not None:
            raise call.error
        return call.result  # type: ignore[no-any-return]


class Job(QObject):
    """One function run on a worker thread; create it, connect, hand it to `Jobs.start`.

    Exactly one of `succeeded`, `failed` or `cancelled` is emitted, then `finished`; all on
    the GUI thread, after every `progressed`. The work ends as cancelled by raising
    `Cancelled` (or never runs if cancelled while waiting its turn); a work that stops
    early on its own terms (an import's partial report) simply returns.
    """

    progressed = Signal(int, int, object)  # done, total, detail
    succeeded = Signal(object)  # what the work returned
    failed = Signal(str)  # why, in one plain line
    cancelled = Signal()
    finished = Signal()

    _report = Signal(str, object)  # worker → GUI thread: ("progress" | an outcome, value)
    _call_requested = Signal(object)  # worker → GUI thread: a _Call to run there

    def __init__(self, work: Work, *, name: str = "job",
                 describe: Callable[[BaseException], str] = describe) -> None:
        super().__init__()
        self.name = name
        self._work = work
        self._describe = describe
        self._cancel = threading.Event()
        self._thread: threading.Thread | None = None
        self._gui_thread = threading.get_ident()
        self._state = "new"  # new → waiting → running → over
        self._silenced = False  # the owner shut down: deliver nothing more
        self._calling = False  # a GUI-thread call of this job is running right now
        self._owner_done: Callable[[Job], None] | None = None
        self.outcome = ""  # "succeeded", "failed" or "cancelled" once over
        self._report.connect(self._on_report, Qt.ConnectionType.QueuedConnection)
        self._call_requested.connect(self._run_call, Qt.ConnectionType.QueuedConnection)

    def __repr__(self) -> str:
        return f"<Job {self.name} {self._state}>"

    # ----------------------------------------------------------------- GUI side

    def cancel(self) -> None:
        """Ask the work to stop at its next check; a job still waiting its turn never runs."""
        self._cancel.set()

    @property
    def cancelling(self) -> bool:
        return self._cancel.is_set()

    @property
    def running(self) -> bool:
        """Started and not over yet (waiting its turn counts)."""
        return self._state in ("waiting", "running")

    @property
    def over(self) -> bool:
        return self._state == "over"

    def _launch(self) -> None:
        self._state = "running"
        _LIVE.add(self)
        self._thread = threading.Thread(target=self._run, name=f"desk-{self.name}",
                                        daemon=True)
        self._thread.start()

    def _join(self, timeout_s: float | None = None) -> bool:
        """Wait for the worker thread to return; True when it has (or never started)."""
        thread = self._thread
        if thread is None:
            return True
        thread.join(timeout_s)
        return not thread.is_alive()

    def _on_report(self, kind: str, value: object) -> None:
        if kind == "progress":
            if not self._silenced:
                self.progressed.emit(*value)  # type: ignore[misc]
            return
        self._join()  # it is returning: after this no worker holds the job any more
        self._end(kind, value)

    def _end(self, kind: str, value: object) -> None:
        self._state = "over"
        self.outcome = kind
        if self in _LIVE:  # let go on the next turn of the loop, not inside our own event
            QTimer.singleShot(0, functools.partial(_LIVE.discard, self))
        if self._owner_done is not None:
            self._owner_done(self)
        if self._silenced:
            return
        if kind == "succeeded":
            self.succeeded.emit(value)
        elif kind == "failed":
            self.failed.emit(str(value))
        else:
            self.cancelled.emit()
        self.finished.emit()

    def _run_call(self, call: _Call) -> None:
        with call.lock:
            if call.abandoned:
                return
            call.started = True
        self._calling = True
        try:
            call.result = call.function(*call.args)
        except BaseException as exc:  # noqa: BLE001 - handed back to the waiting worker
            call.error = exc
        finally:
            self._calling = False
            call.done.set()

    # ----------------------------------------------------------------- worker side

    def _run(self) -> None:
        kind = "failed"
        value: object = "The work stopped unexpectedly."
        try:
            if self._cancel.is_set():
                raise Cancelled
            value = self._work(Control(self))
            kind = "succeeded"
        except Cancelled:
            kind, value = "cancelled", None
        except Exception as exc:  # the reviewer reads one line, never a traceback
            log.debug("job %s failed", self.name, exc_info=True)
            try:
                value = one_line(self._describe(exc))
            except Exception:  # noqa: BLE001 - a describer that fails still gives a line
                value = describe(exc)
        finally:
            self._report.emit(kind, value)


class Jobs(QObject):
    """The jobs of one widget: started here, at most `max_threads` at a time, and stopped
    together when the widget closes."""

    def __init__(self, parent: QObject | None = None, *, max_threads: int = 4) -> None:
        super().__init__(parent)
        self.max_threads = max(1, max_threads)
        self._active: list[Job] = []
        self._waiting: deque[Job] = deque()

    @property
    def running(self) -> list[Job]:
        """Jobs started here and not over (running or waiting their turn)."""
        return [*self._active, *self._waiting]

    def start(self, job: Job) -> Job:
        """Run `job` now, or when a thread is free. Connecting right after this is safe:
        nothing is delivered before control returns to the event loop."""
        if job._state != "new":
            raise ValueError(f"{job!r} was started already")
        job._owner_done = self._job_over
        if len(self._active) < self.max_threads:
            self._active.append(job)
            job._launch()
        else:
            job._state = "waiting"
            self._waiting.append(job)
        return job

    def run(self, work: Work, *, name: str = "job",
            describe: Callable[[BaseException], str] = describe) -> Job:
        """`start(Job(work, ...))`: a job from a function, started."""
        return self.start(Job(work, name=name, describe=describe))

    def _job_over(self, job: Job) -> None:
        if job in self._active:
            self._active.remove(job)
        while self._waiting and len(self._active) < self.max_threads:
            following = self._waiting.popleft()
            if following.cancelling:
                following._end("cancelled", None)  # its turn came after it was cancelled
            else:
                self._active.append(following)
                following._launch()

    def stop(self, job: Job, wait_s: float = 30.0) -> bool:
        """Cancel `job` and wait up to `wait_s` for its thread; it then reports nothing more.

        True when the work has ended. A job whose GUI-thread call is running further up this
        very stack cannot end before we return, and one that outlasts `wait_s` keeps running:
        both end on their own, silently (their CaseFile is their own).
        """
        job.cancel()
        job._silenced = True
        if job in self._waiting:
            self._waiting.remove(job)
            job._state = "over"
            job.outcome = "cancelled"
            return True
        if job.over or job not in self._active:
            return True
        ended = not job._calling and job._join(wait_s)
        if job in self._active:
            self._active.remove(job)
        if ended:
            job._state = "over"
            job.outcome = job.outcome or "cancelled"
        self._job_over(job)  # hand its thread slot to the next (none after shutdown)
        return ended

    def shutdown(self, wait_s: float = 30.0) -> bool:
        """Cancel every job, wait (up to `wait_s` in all) for those running; True if all ended.

        Call it before the widget closes: afterwards no job reports to it. Work that writes
        (import, export, a copy) stops at its next step, so the wait is short; work that only
        reads (a search, a decode) may be given `wait_s=0` and is left to finish unheard.
        """
        waiting = list(self._waiting)
        self._waiting.clear()
        for job in waiting:
            job.cancel()
            job._silenced = True
            job._state = "over"
            job.outcome = "cancelled"
        active = list(self._active)
        for job in active:
            job.cancel()  # all at once: they stop in parallel
        deadline = time.monotonic() + wait_s
        ended = True
        for job in active:
            ended = self.stop(job, max(0.0, deadline - time.monotonic())) and ended
        return ended
