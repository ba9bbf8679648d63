"""Bringing files into a case: hash first, parse in isolation, store in large transactions.

Reading and hashing happen on threads (both release the GIL), parsing in worker processes,
and the one SQLite connection writes on the calling thread, so both cores stay busy.
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path

from desk.core import audit
from desk.core.casefile import CaseFile
from desk.core.clock import utc_now
from desk.core.isolation import PARSE_TIMEOUT_S, ParserLane
from desk.core.limits import MAX_FILE_BYTES
from desk.core.model import Provenance
from desk.core.parse import ParsedImage
from desk.core.sanitize import clean_text

IMPORTED = "imported"
DUPLICATE = "duplicate"
REJECTED = "rejected"

#: A transaction is committed after this many files or bytes, whichever comes first.
BATCH_FILES = 24
BATCH_BYTES = 96 * 1024 * 1024
#: Files read ahead of the writer (and their bytes): enough that the parsers keep working
#: while a batch is written, few enough that memory stays flat.
WINDOW_FILES = 32
WINDOW_BYTES = 256 * 1024 * 1024


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

    def to_json(self) -> dict[str, object]:
        return {
            "imported": [i.to_json() for i in self.imported],
            "duplicates": [i.to_json() for i in self.duplicates],
            "rejected": [i.to_json() for i in self.rejected],
            "cancelled": self.cancelled,
        }


ProgressFn = Callable[[int, int, IntakeItem], None]
CancelFn = Callable[[], bool]


def collect_files(paths: Iterable[str | os.PathLike[str]]) -> list[Path]:
    """Files named, plus every file under folders named (recursively, hidden ones skipped)."""
    found: list[Path] = []
    seen: set[Path] = set()
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            for root, dirs, files in os.walk(path):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for name in sorted(files):
                    if not name.startswith("."):
                        _add(found, seen, Path(root) / name)
        else:
            _add(found, seen, path)
    return found


def _add(found: list[Path], seen: set[Path], path: Path) -> None:
    key = path.absolute()
    if key not in seen:
        seen.add(key)
        found.append(path)


@dataclass
class _Job:
    path: Path
    sha256: str = ""
    data: bytes = b""
    parsed: ParsedImage | None = None
    reason: str = ""
    duplicate_of: int | None = None


class _Reader:
    """Per-thread parser lanes, and the hashes the case held when the import began."""

    def __init__(self, known: frozenset[str], timeout: float) -> None:
        self._known = known
        self._lock = threading.Lock()
        self._local = threading.local()
        self._lanes: list[ParserLane] = []
        self._timeout = timeout

    def lane(self) -> ParserLane:
        lane = getattr(self._local, "lane", None)
        if lane is None:
            lane = ParserLane(self._timeout)
            self._local.lane = lane
            with self._lock:
                self._lanes.append(lane)
        return lane

    def run(self, path: Path) -> _Job:
        job = _Job(path)
        try:
            size = path.stat().st_size
            if not path.is_file():
                job.reason = "not a regular file"
                return job
            if size > MAX_FILE_BYTES:
                job.reason = f"file too large: {size / 1e6:.0f} MB"
                return job
            with path.open("rb") as fh:
                # Ask for what stat promised (plus one byte, to notice a file still growing):
                # a read of MAX_FILE_BYTES would allocate that much for every file.
                data = fh.read(min(size, MAX_FILE_BYTES) + 1)
            if len(data) > MAX_FILE_BYTES:
                job.reason = f"file too large: {len(data) / 1e6:.0f} MB"
                return job
        except OSError as exc:
            job.reason = f"cannot read the file: {exc.strerror or type(exc).__name__}"
            return job
        job.sha256 = hashlib.sha256(data).hexdigest()
        if job.sha256 in self._known:  # already in the case: no need to parse it again
            job.duplicate_of = -1
            return job
        outcome = self.lane().parse(data)
        if outcome.parsed is None:
            job.reason = outcome.reason
        else:
            job.parsed = outcome.parsed
            job.data = data
        return job

    def close(self) -> None:
        for lane in self._lanes:
            lane.close()


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
    """
    own = {case.path.absolute(), Path(f"{case.path}-journal").absolute()}
    files = [f for f in collect_files(paths) if f.absolute() not in own]
    report = IntakeReport(total=len(files))
    template = provenance or Provenance()
    lanes = max(1, min(workers or os.cpu_count() or 1, 8, len(files) or 1))
    reader = _Reader(frozenset(case.known_hashes()), timeout)
    pending: list[tuple[int, _Job, IntakeItem]] = []
    pending_bytes = 0
    seen: set[str] = set()

    def flush() -> None:
        nonlocal pending_bytes
        if pending:
            stored_items = _store(case, [(job, item) for _, job, item in pending], template)
            for (slot, _, _), item in zip(pending, stored_items, strict=True):
                report.items[slot] = item
            if stored is not None:
                stored([i for i in stored_items if i.status == IMPORTED])
            pending.clear()
            pending_bytes = 0

    done = 0
    try:
        with ThreadPoolExecutor(lanes, thread_name_prefix="desk-intake") as pool:
            for job in _in_order(pool, reader, files, cancel, window=WINDOW_FILES):
                done += 1
                if job.sha256 in seen:  # the same bytes earlier in this batch
                    job.duplicate_of, job.parsed, job.data = -1, None, b""
                item = _item_for(job)
                if job.sha256 and job.parsed is not None:
                    seen.add(job.sha256)
                if item.status == IMPORTED:
                    pending.append((len(report.items), job, item))
                    pending_bytes += len(job.data)
                elif item.status == DUPLICATE:
                    item = replace(item, evidence_id=case.evidence_id_for_hash(job.sha256))
                report.items.append(item)
                if len(pending) >= BATCH_FILES or pending_bytes >= BATCH_BYTES:
                    flush()
                if progress is not None:
                    progress(done, len(files), item)
                if cancel is not None and cancel():
                    report.cancelled = True
                    break
            flush()
    finally:
        reader.close()
    for slot, item in enumerate(report.items):  # duplicates of files stored later in the run
        if item.status == DUPLICATE and item.evidence_id is None:
            report.items[slot] = replace(item, evidence_id=case.evidence_id_for_hash(item.sha256))
    _log_rejections(case, report)
    return report


def _in_order(
    pool: ThreadPoolExecutor,
    reader: _Reader,
    files: list[Path],
    cancel: CancelFn | None,
    window: int,
) -> Iterator[_Job]:
    """Results in file order with a bounded number (and size) in flight."""
    queue: deque[tuple[Future[_Job], int]] = deque()
    in_flight = 0
    index = 0
    try:
        while index < len(files) or queue:
            while index < len(files) and len(queue) < window:
                size = _size_of(files[index])
                if queue and in_flight + size > WINDOW_BYTES:
                    break
                if cancel is not None and cancel():
                    index = len(files)
                    break
                queue.append((pool.submit(reader.run, files[index]), size))
                in_flight += size
                index += 1
            if queue:
                future, size = queue.popleft()
                in_flight -= size
                yield future.result()
    finally:
        for future, _ in queue:
            future.cancel()


def _size_of(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


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
