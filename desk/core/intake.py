"""Bringing files into a case: hash first, parse in isolation, store in large transactions.

Reading and hashing happen on threads (both release the GIL), parsing in worker processes,
and the one SQLite connection writes on the calling thread, so both cores stay busy. Every
step of a file (open, read, hash, parse) has a time limit, so no file can hang an import;
which files are read at all is `desk.core.sources`' business (no links out of a folder, no
special files).
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import threading
from collections import deque
from collections.abc import Callable, Generator, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path

from desk.core import audit, credentials, near_duplicates
from desk.core.c2pa_sidecar import NOT_EVIDENCE, is_sidecar, sidecar_bytes
from desk.core.casefile import CaseFile, CaseFileError
from desk.core.clock import utc_now
from desk.core.isolation import LANES, PARSE_TIMEOUT_S, ParserLane
from desk.core.limits import MAX_STUCK_FILES, STEP_TIMEOUT_S
from desk.core.model import Provenance
from desk.core.parse import ParsedImage
from desk.core.readers import ReadPool, Stuck, Task
from desk.core.sanitize import clean_text
from desk.core.sources import NotRead, Source, collect_sources, read_source
from desk.core.video_intake import (
    CANCELLED,
    ReadVideo,
    file_changed,
    is_video,
    start_reading,
    store_video,
)

IMPORTED = "imported"
DUPLICATE = "duplicate"
REJECTED = "rejected"
#: A file that was fine but is not in the case: the case refused a later batch.
NOT_STORED = "not stored"

#: A transaction is committed after this many files or bytes, whichever comes first.
BATCH_FILES = 24
BATCH_BYTES = 96 * 1024 * 1024
#: Files read ahead of the writer (and their bytes): enough that the parsers keep working
#: while a batch is written, few enough that memory stays flat.
WINDOW_FILES = 32
WINDOW_BYTES = 256 * 1024 * 1024

HANGING = ("not read: earlier files of this import never finished reading, so the rest was"
           " not read (a disk or network share may be hanging)")


@dataclass(frozen=True)
class IntakeItem:
    path: str
    status: str
    sha256: str = ""
    evidence_id: int | None = None
    reason: str = ""

    def to_json(self) -> dict[str, object]:
        data: dict[str, object] = {"path": self.path}
        if self.sha256:
            data["sha256"] = self.sha256
        if self.evidence_id is not None:
            data["id"] = self.evidence_id
        if self.reason:
            data["reason"] = self.reason
        return data


@dataclass
class IntakeReport:
    items: list[IntakeItem] = field(default_factory=list)
    total: int = 0
    cancelled: bool = False
    #: Why the import stopped before storing everything ("" when it did not): the case refused
    #: a batch after earlier ones were stored. Those stay; the rest is `not_stored`.
    stopped: str = ""

    def _with(self, status: str) -> list[IntakeItem]:
        return [i for i in self.items if i.status == status]

    @property
    def imported(self) -> list[IntakeItem]:
        return self._with(IMPORTED)

    @property
    def duplicates(self) -> list[IntakeItem]:
        return self._with(DUPLICATE)

    @property
    def rejected(self) -> list[IntakeItem]:
        return self._with(REJECTED)

    @property
    def not_stored(self) -> list[IntakeItem]:
        return self._with(NOT_STORED)

    def to_json(self) -> dict[str, object]:
        return {
            "imported": [i.to_json() for i in self.imported],
            "duplicates": [i.to_json() for i in self.duplicates],
            "rejected": [i.to_json() for i in self.rejected],
            "cancelled": self.cancelled,
            "not_stored": [i.to_json() for i in self.not_stored],
            "stopped": self.stopped or None,
        }


ProgressFn = Callable[[int, int, IntakeItem], None]
CancelFn = Callable[[], bool]


def collect_files(paths: Iterable[str | os.PathLike[str]]) -> list[Path]:
    """Files an import would read: those named, plus the regular files under folders named
    (recursively, hidden ones skipped, links inside folders not followed)."""
    return [s.path for s in collect_sources(paths) if not s.reason]


@dataclass
class _Job:
    path: Path
    sha256: str = ""
    data: bytes = b""
    parsed: ParsedImage | None = None
    reason: str = ""
    duplicate_of: int | None = None
    #: A video (recognised by content): hashed and read in a video worker, stored in parts.
    video: ReadVideo | None = None
    source: Source | None = None


class _Reader:
    """Per-thread parser lanes, and the hashes the case held when the import began."""

    def __init__(self, known: frozenset[str], timeout: float,
                 cancel: CancelFn | None = None) -> None:
        self._known = known
        self._cancel = cancel
        self._local = threading.local()
        self._timeout = timeout

    def lane(self) -> ParserLane:
        lane: ParserLane | None = getattr(self._local, "lane", None)
        if lane is None:
            lane = LANES.take(self._timeout)
            self._local.lane = lane
        return lane

    def thread_done(self) -> None:
        """A reading thread ends: its parser worker is kept for the next import."""
        lane: ParserLane | None = getattr(self._local, "lane", None)
        if lane is not None:
            self._local.lane = None
            LANES.give_back(lane)

    def run(self, task: Task[Source, _Job]) -> _Job:
        source = task.item
        job = _Job(source.path)
        if is_sidecar(source.path):
            job.reason = NOT_EVIDENCE
            return job
        if not source.reason and is_video(source):
            # Footage may be gigabytes: hashed and stored in parts, never read whole.
            job.source = source
            job.video = start_reading(source, self._known, task.step, cancel=self._cancel)
            job.sha256 = job.video.sha256
            return job
        try:
            data = read_source(source, lambda: task.step("reading the file", STEP_TIMEOUT_S))
        except NotRead as exc:
            job.reason = exc.reason
            return job
        task.step("hashing the file", STEP_TIMEOUT_S)
        job.sha256 = hashlib.sha256(data).hexdigest()
        if job.sha256 in self._known:  # already in the case: no need to parse it again
            job.duplicate_of = -1
            return job
        if task.abandoned:
            return job
        task.step("reading its content credentials sidecar", STEP_TIMEOUT_S)
        sidecar = sidecar_bytes(source.path)
        lane = self.lane()
        task.on_abandon = lane.abort
        task.step("parsing", lane.timeout + STEP_TIMEOUT_S)
        outcome = lane.parse(data, sidecar)
        task.on_abandon = None
        if outcome.parsed is None:
            job.reason = outcome.reason
        else:
            job.parsed = outcome.parsed
            job.data = data
        return job


def import_files(
    case: CaseFile,
    paths: Iterable[str | os.PathLike[str]],
    *,
    provenance: Provenance | None = None,
    progress: ProgressFn | None = None,
    cancel: CancelFn | None = None,
    workers: int | None = None,
    timeout: float = PARSE_TIMEOUT_S,
    stored: Callable[[list[IntakeItem]], None] | None = None,
) -> IntakeReport:
    """Import files and folders; each file ends imported, duplicate or rejected with a reason.

    `provenance` fills the fields shared by the batch (source URL, acquired by...); the
    original file name and acquisition time are taken per file. `stored` is told after each
    committed batch which items are now in the case (with their ids), so a view can grow.

    When the case refuses a batch (locked by another program, disk full) the import stops:
    if earlier batches were stored, the report lists them as imported, every other file as
    `not stored`, and says why in `stopped`; if nothing was stored yet, the `CaseFileError`
    is raised as it is, because nothing was changed.
    """
    LANES.warm(min(workers or os.cpu_count() or 1, 8))  # workers start while files are listed
    own = {case.path.absolute(), Path(f"{case.path}-journal").absolute()}
    sources = [s for s in collect_sources(paths) if s.path.absolute() not in own]
    report = IntakeReport(total=len(sources))
    template = provenance or Provenance()
    lanes = max(1, min(workers or os.cpu_count() or 1, 8, len(sources) or 1))
    reader = _Reader(frozenset(case.known_hashes()), timeout, cancel)
    pending: list[tuple[int, _Job, IntakeItem]] = []
    pending_bytes = 0
    seen: set[str] = set()
    failure: CaseFileError | None = None

    def flush() -> bool:
        """Store what is pending; False when the case refused it (the import stops)."""
        nonlocal pending_bytes, failure
        if not pending:
            return True
        try:
            stored_items = _store(case, [(job, item) for _, job, item in pending], template)
        except CaseFileError as exc:
            failure = exc
            why = _not_stored_reason(exc)
            for slot, _, item in pending:
                report.items[slot] = replace(item, status=NOT_STORED, evidence_id=None,
                                             reason=why)
            pending.clear()
            return False
        for (slot, _, _), item in zip(pending, stored_items, strict=True):
            report.items[slot] = item
        if stored is not None:
            stored([i for i in stored_items if i.status == IMPORTED])
        pending.clear()
        pending_bytes = 0
        return True

    done = 0
    pool: ReadPool[Source, _Job] = ReadPool(reader.run, lanes, max_stuck=MAX_STUCK_FILES,
                                            on_exit=reader.thread_done)
    try:
        jobs = _in_order(pool, sources, cancel, window=WINDOW_FILES)
        try:
            for job in jobs:
                done += 1
                if job.video is not None:
                    item = _video_item(case, job, template, seen, flush, cancel)
                    if isinstance(item, IntakeItem) and item.reason == CANCELLED:
                        report.cancelled = True  # neither read whole nor stored: not listed
                        break
                    if not isinstance(item, IntakeItem):  # the case refused writing: stop
                        failure = failure or item or CaseFileError(
                            "the case could not be written")
                        report.items.append(IntakeItem(str(job.path), NOT_STORED,
                                                       job.sha256,
                                                       reason=_not_stored_reason(failure)))
                        break
                    report.items.append(item)
                    if item.status == IMPORTED and stored is not None:
                        stored([item])
                    if progress is not None:
                        progress(done, len(sources), item)
                    if cancel is not None and cancel():
                        report.cancelled = True
                        break
                    continue
                if job.sha256 in seen:  # the same bytes earlier in this batch
                    job.duplicate_of, job.parsed, job.data = -1, None, b""
                item = _item_for(job)
                if job.sha256 and job.parsed is not None:
                    seen.add(job.sha256)
                if item.status == IMPORTED:
                    pending.append((len(report.items), job, item))
                    pending_bytes += len(job.data)
                elif item.status == DUPLICATE:
                    item = replace(item, evidence_id=_id_for(case, job.sha256))
                report.items.append(item)
                if (len(pending) >= BATCH_FILES or pending_bytes >= BATCH_BYTES) and not flush():
                    break
                if progress is not None:
                    progress(done, len(sources), item)
                if cancel is not None and cancel():
                    report.cancelled = True
                    break
            if failure is None:
                flush()
        finally:
            jobs.close()
    finally:
        pool.close(wait=timeout + 2 * STEP_TIMEOUT_S)
    if failure is not None:
        _after_failure(case, report, sources, failure)
        if not report.imported:
            raise failure  # nothing was stored in this run: the case's own message is true
        return report
    for slot, item in enumerate(report.items):  # duplicates of files stored later in the run
        if item.status == DUPLICATE and item.evidence_id is None:
            report.items[slot] = replace(item, evidence_id=_id_for(case, item.sha256))
    _log_rejections(case, report)
    return report


def _video_item(case: CaseFile, job: _Job, template: Provenance, seen: set[str],
                flush: Callable[[], bool], cancel: CancelFn | None
                ) -> IntakeItem | CaseFileError | None:
    """Store one read video (after the stills before it); its item, or why the case refused
    writing (None: it refused the stills before it), and the import stops."""
    read = job.video
    assert read is not None and job.source is not None
    path = str(job.path)
    if read.reason:
        return IntakeItem(path, REJECTED, read.sha256, None, read.reason)
    if read.sha256 in seen or read.in_case:
        read.abandon()
        return IntakeItem(path, DUPLICATE, read.sha256, _id_for(case, read.sha256),
                          "already in the case")
    if not flush():
        read.abandon()
        return None
    existing = _id_for(case, read.sha256)
    if existing is not None:
        read.abandon()
        return IntakeItem(path, DUPLICATE, read.sha256, existing, "already in the case")
    prov = replace(template, original_name=clean_text(job.path.name, 255),
                   acquired_at=template.acquired_at or utc_now(),
                   acquired_by=template.acquired_by or case.actor)
    try:
        eid = store_video(case, job.source, read, prov, cancel)
    except NotRead as exc:
        return IntakeItem(path, REJECTED, read.sha256, None, exc.reason)
    except CaseFileError as exc:
        if file_changed(exc):
            return IntakeItem(path, REJECTED, read.sha256, None, str(exc))
        return exc
    seen.add(read.sha256)
    return IntakeItem(path, IMPORTED, read.sha256, eid)


def _after_failure(
    case: CaseFile, report: IntakeReport, sources: list[Source], failure: CaseFileError
) -> None:
    """Name every file that is not in the case; the rejections are not logged (the case
    refused writing just now, and a second wait for its lock would only delay the report)."""
    why = _not_stored_reason(failure)
    report.stopped = str(failure)
    report.items.extend(IntakeItem(str(s.path), NOT_STORED, reason=why)
                        for s in sources[len(report.items):])
    lost = {i.sha256 for i in report.not_stored if i.sha256}
    for slot, item in enumerate(report.items):
        if item.status == DUPLICATE and item.evidence_id is None:
            eid = _id_for(case, item.sha256)
            if eid is None and item.sha256 in lost:
                report.items[slot] = replace(item, status=NOT_STORED, reason=why)
            else:
                report.items[slot] = replace(item, evidence_id=eid)


def _not_stored_reason(exc: CaseFileError) -> str:
    """The short reason each unstored file carries (the full sentence is in `stopped`)."""
    text = f"{exc} {exc.__cause__ or ''}".lower()
    if "locked" in text or "busy" in text or "in use" in text:
        return "not stored: the case is in use by another program"
    if "read-only" in text or "readonly" in text:
        return "not stored: the case is read-only"
    if "full" in text:
        return "not stored: the disk is full"
    return "not stored: the case could not be written"


def _id_for(case: CaseFile, sha256: str) -> int | None:
    """The evidence id of stored bytes; None when unknown or the case cannot be read now."""
    try:
        return case.evidence_id_for_hash(sha256)
    except (sqlite3.Error, CaseFileError):
        return None


def _in_order(
    pool: ReadPool[Source, _Job],
    sources: list[Source],
    cancel: CancelFn | None,
    window: int,
) -> Generator[_Job, None, None]:
    """Results in file order with a bounded number (and size) in flight."""
    queue: deque[Task[Source, _Job]] = deque()
    in_flight = 0
    index = 0
    try:
        while index < len(sources) or queue:
            while index < len(sources) and len(queue) < window and not pool.broken:
                size = sources[index].size
                if queue and in_flight + size > WINDOW_BYTES:
                    break
                if cancel is not None and cancel():
                    index = len(sources)
                    break
                queue.append(pool.submit(sources[index]))
                in_flight += size
                index += 1
            if queue:
                task = queue.popleft()
                in_flight -= task.item.size
                yield _wait(pool, task)
            elif index < len(sources):  # the pool is broken: the rest is not read
                yield _Job(sources[index].path, reason=HANGING)
                index += 1
    finally:
        for task in queue:
            task.future.cancel()


def _wait(pool: ReadPool[Source, _Job], task: Task[Source, _Job]) -> _Job:
    if pool.broken and task.future.cancel():  # not started yet: do not start it now
        return _Job(task.item.path, reason=HANGING)
    try:
        return pool.result(task)
    except Stuck as exc:
        return _Job(task.item.path, reason=f"{exc.stage} took longer than {exc.seconds:g} s"
                    " and was stopped (a hanging disk or network share, or a file crafted to"
                    " hang readers)")


def _item_for(job: _Job) -> IntakeItem:
    path = str(job.path)
    if job.duplicate_of is not None:
        return IntakeItem(path, DUPLICATE, job.sha256, None, "already in the case")
    if job.parsed is None:
        return IntakeItem(path, REJECTED, job.sha256, None, job.reason or "unreadable")
    return IntakeItem(path, IMPORTED, job.sha256)


def _store(
    case: CaseFile, batch: list[tuple[_Job, IntakeItem]], template: Provenance
) -> list[IntakeItem]:
    """Write one batch in one transaction with one custody entry naming every file."""
    results: list[IntakeItem] = []
    logged: list[dict[str, object]] = []
    acquired_at = utc_now()
    with case.transaction() as conn:
        for job, item in batch:
            parsed = job.parsed
            assert parsed is not None
            existing = case.evidence_id_for_hash(job.sha256)
            if existing is not None:
                results.append(replace(item, status=DUPLICATE, evidence_id=existing,
                                       reason="already in the case"))
                continue
            prov = replace(
                template,
                original_name=clean_text(job.path.name, 255),
                acquired_at=template.acquired_at or acquired_at,
                acquired_by=template.acquired_by or case.actor,
            )
            eid = case.insert_evidence(
                conn,
                sha256=job.sha256,
                data=job.data,
                fmt=parsed.format,
                width=parsed.width,
                height=parsed.height,
                metadata=parsed.metadata,
                provenance=prov,
                thumbnail=parsed.thumbnail,
                thumb_size=(parsed.thumb_width, parsed.thumb_height),
            )
            if parsed.credential is not None:
                credentials.store(conn, eid, parsed.credential)
            if parsed.perceptual_hash:
                near_duplicates.store_hash(conn, eid, parsed.perceptual_hash)
            results.append(replace(item, evidence_id=eid))
            logged.append({"id": eid, "name": prov.original_name, "sha256": job.sha256})
        if logged:
            audit.append(conn, case.actor, "import", [f"evidence:{x['id']}" for x in logged],
                         {"files": logged})
    return results


def _log_rejections(case: CaseFile, report: IntakeReport) -> None:
    rejected = report.rejected
    if rejected:
        case.log(
            "reject files",
            (),
            {"files": [{"name": clean_text(Path(i.path).name, 255), "sha256": i.sha256,
                        "reason": i.reason} for i in rejected]},
        )
