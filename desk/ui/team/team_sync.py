"""Syncing the open case with its team server in the background, for the team panel.

The case file stays the working copy: edits are committed to it as they are made, and a sync
(`desk.team.sync`, on a worker with its own connection) sends them and merges the others'. It
runs a few seconds after the reviewer's last edit, every minute while the case is open, and
on request; when the server cannot be reached the case is "offline" and the next try waits
longer each time (15 s up to 5 minutes), so work goes on and travels when the server is back.
A sync is never started while an import writes the case, and one the reviewer's own edit
overtook (`CaseChanged`) is run again at once. The password, when the server wants one that
libpq does not find (PGPASSWORD, ~/.pgpass), is asked for and kept in memory only.
"""

from __future__ import annotations

import contextlib
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer, Signal

from desk.ui.common.workers import Cancelled, Job, Jobs

if TYPE_CHECKING:
    from desk.core.casefile import CaseFile
    from desk.team.status import Colleague
    from desk.team.sync import SyncReport
    from desk.ui.common.workers import Control

#: States the panel shows.
NOT_SHARED, IDLE, SYNCING, OFFLINE, NEEDS_PASSWORD, FAILED, READ_ONLY = (
    "not shared", "in sync", "syncing", "offline", "needs password", "failed", "read-only")
#: After an edit, how long the window waits for the next before syncing it (ms).
AFTER_EDIT_MS = 4_000
#: Between syncs while nothing happens (ms).
EVERY_MS = 60_000
#: The first sync after a shared case opens (ms): once the window has painted.
FIRST_MS = 1_500
#: Waits between tries while the server cannot be reached (ms).
RETRY_MS = (15_000, 30_000, 60_000, 120_000, 300_000)


@dataclass
class Outcome:
    """What one sync came to, whatever happened (the worker never raises at the window)."""

    report: SyncReport | None = None
    colleagues: list[Colleague] = field(default_factory=list)
    #: One of the states above when it did not succeed.
    state: str = IDLE
    message: str = ""
    #: The case moved on under the sync's plan: run it again now.
    again: bool = False


def run_sync(path: Path, url: str, control: Control) -> Outcome:
    """One sync of the case at `path`, then who else works on it; on a worker thread."""
    from desk.team import status
    from desk.team.server import PasswordNeeded, TeamError, Unreachable
    from desk.team.sync import CaseChanged, sync

    def say(text: str) -> None:
        if control.cancelled():
            raise Cancelled  # between two whole steps: what arrived stays, the rest waits
        control.progress(0, 0, text)

    try:
        report = sync(path, url, progress=say)
    except CaseChanged as exc:
        return Outcome(state=IDLE, message=str(exc), again=True)
    except PasswordNeeded as exc:
        return Outcome(state=NEEDS_PASSWORD, message=str(exc))
    except Unreachable as exc:
        return Outcome(state=OFFLINE, message=str(exc))
    except TeamError as exc:
        return Outcome(state=FAILED, message=str(exc))
    try:
        found = status.colleagues(url, report.case)
    except TeamError:
        found = []  # the sync is done; who else is at work waits for the next one
    return Outcome(report, found)


class TeamSync(QObject):
    """The open case's link to its team server: state, timers and the sync worker."""

    #: The state, the server, the last sync or the colleagues changed: redraw.
    changed = Signal()
    #: A line of the running sync's progress.
    progressed = Signal(str)
    #: A sync merged others' edits or moved this copy's items: the window reads the case again.
    caseMerged = Signal(object)  # noqa: N815 - the SyncReport
    #: The server wants a password libpq did not find.
    passwordNeeded = Signal()  # noqa: N815

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.jobs = Jobs(self, max_threads=1)
        self.case_path: Path | None = None
        self.case_id = ""
        self.url: str | None = None  # as remembered: no password
        self._password: str | None = None
        #: Passwords given this session, by case id: a case closed and opened again (or read
        #: again after a merge) does not ask twice.
        self._passwords: dict[str, str] = {}
        self.state = NOT_SHARED
        self.message = ""
        self.colleagues: list[Colleague] = []
        self.last_at = ""
        self.last_report: SyncReport | None = None
        self.paused: bool = False  # an import is writing the case
        #: Syncs that came to an end since desk started (whatever their outcome).
        self.finished = 0
        self._job: Job | None = None
        self._again = False
        self._failures = 0
        self._timer = QTimer(self, singleShot=True)
        self._timer.timeout.connect(self.sync_now)

    # ----------------------------------------------------------------- the case

    def set_case(self, case: CaseFile | None) -> None:
        """Follow the window's case (None: closed). Reopening the same case keeps the state."""
        from desk.team import servers, status

        if case is None:
            self._stop()
            self.case_path, self.case_id, self.url = None, "", None
            self.state, self.message, self.colleagues = NOT_SHARED, "", []
            self.changed.emit()
            return
        shared_id = status.case_id(case)
        same = shared_id == self.case_id and self.case_path == case.path
        self.case_path = case.path
        if not same:
            self._stop()
            self.case_id = shared_id
            self.url = servers.remembered(shared_id)
            self._password = self._passwords.get(shared_id)
            self.colleagues, self.last_report, self._failures = [], None, 0
            last = servers.last_sync(shared_id)
            self.last_at = last.at if last is not None else ""
            self.message = last.error if last is not None else ""
        if case.read_only:
            self.state = READ_ONLY if self.url else NOT_SHARED
        elif self.url is None:
            self.state = NOT_SHARED
        elif not same:
            self.state = IDLE
            self._schedule(FIRST_MS)
        self.changed.emit()

    def set_server(self, url: str, password: str | None = None) -> None:
        """Share the case through `url` (remembered without its password) and sync now."""
        from desk.team import servers

        self.url = servers.without_password(url)
        self._password = password or servers.password_in(url)
        if self._password is not None:
            self._passwords[self.case_id] = self._password
        with contextlib.suppress(OSError):  # asked again next time; this session keeps it
            servers.remember(self.case_id, self.url)
        self.state, self.message, self._failures = IDLE, "", 0
        self.changed.emit()
        self.sync_now()

    def set_password(self, password: str) -> None:
        self._password = password
        self._passwords[self.case_id] = password
        self.sync_now()

    def forget_server(self) -> None:
        from desk.team import servers

        self._stop()
        with contextlib.suppress(OSError):
            servers.forget(self.case_id)
        self.url, self._password = None, None
        self.state, self.message, self.colleagues = NOT_SHARED, "", []
        self.changed.emit()

    # ----------------------------------------------------------------- when to sync

    def edited(self) -> None:
        """The reviewer changed the case: sync once the edits pause."""
        if self.url is not None and self.state not in (READ_ONLY, NEEDS_PASSWORD, OFFLINE):
            self._schedule(AFTER_EDIT_MS)

    def set_paused(self, paused: bool) -> None:
        """An import writes the case: no sync until it ends, then one."""
        self.paused = paused
        if not paused and self.url is not None and self.state != NEEDS_PASSWORD:
            self._schedule(AFTER_EDIT_MS)

    def _schedule(self, ms: int) -> None:
        if self._timer.isActive() and self._timer.remainingTime() <= ms:
            return
        self._timer.start(ms)

    @property
    def running(self) -> bool:
        return self._job is not None

    def sync_now(self) -> None:
        """Sync at once (a sync already running is followed by one more)."""
        self._timer.stop()
        if self.case_path is None or self.url is None or self.state == READ_ONLY:
            return
        if self._job is not None:
            self._again = True
            return
        if self.paused:
            return  # set_paused(False) brings it
        from desk.team import servers

        url = self.url if self._password is None else servers.with_password(
            self.url, self._password)
        path = self.case_path
        job = Job(lambda control: run_sync(path, url, control), name="team-sync")
        job.progressed.connect(lambda _d, _t, text: self.progressed.emit(str(text)))
        job.succeeded.connect(self._on_done)
        job.failed.connect(lambda message: self._on_done(Outcome(state=FAILED,
                                                                 message=message)))
        job.cancelled.connect(self._on_cancelled)
        self._job = self.jobs.start(job)
        self.state, self.message = SYNCING, ""
        self.changed.emit()

    def cancel(self) -> None:
        if self._job is not None:
            self._job.cancel()

    def shutdown(self) -> None:
        """Before the window closes: a running sync stops after its current whole step."""
        self._stop()
        self.jobs.shutdown()

    def _stop(self) -> None:
        self._timer.stop()
        job, self._job = self._job, None
        self._again = False
        if job is not None:
            job.cancel()

    # ----------------------------------------------------------------- outcomes

    def _on_cancelled(self) -> None:
        self._job = None
        self.state, self.message = IDLE, "Sync stopped; what had arrived is kept."
        self.changed.emit()

    def _on_done(self, outcome: Outcome) -> None:
        from desk.team import servers

        self._job = None
        self.finished += 1
        now = datetime.now(UTC).isoformat(timespec="seconds")
        report = outcome.report
        if report is not None:
            self.state, self.message, self._failures = IDLE, "", 0
            self.last_at, self.last_report, self.colleagues = now, report, outcome.colleagues
            outcome_record = servers.LastSync(now, report.entries_sent, report.entries_received,
                                              report.conflicts)
        else:
            self.state, self.message = outcome.state, outcome.message
            outcome_record = servers.LastSync(now, error=outcome.message)
        if self.case_id:
            with contextlib.suppress(OSError):
                servers.record_sync(self.case_id, outcome_record)
        self.changed.emit()
        if report is not None and (report.entries_received or report.renumbered):
            self.caseMerged.emit(report)
        if outcome.again or self._again:
            self._again = False
            self._schedule(200)
        elif self.state == OFFLINE:
            wait = RETRY_MS[min(self._failures, len(RETRY_MS) - 1)]
            self._failures += 1
            self._schedule(wait)
        elif self.state == NEEDS_PASSWORD:
            self.passwordNeeded.emit()
        elif self.state == IDLE:
            self._schedule(EVERY_MS)

    def retry_in_s(self) -> float | None:
        """Seconds to the next planned sync, or None."""
        if not self._timer.isActive():
            return None
        return max(0.0, self._timer.remainingTime() / 1000)


def ago(iso: str, now: float | None = None) -> str:
    """'just now', '4 min ago', '2 h ago', or the date, for an ISO time."""
    try:
        then = datetime.fromisoformat(iso).timestamp()
    except ValueError:
        return iso
    seconds = (time.time() if now is None else now) - then
    if seconds < 45:
        return "just now"
    if seconds < 3600:
        return f"{round(seconds / 60)} min ago"
    if seconds < 86400:
        return f"{round(seconds / 3600)} h ago"
    return iso[:10]
