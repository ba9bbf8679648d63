"""Exporting a dossier without freezing the window, and the small jobs around it.

`export_dossier` runs in a worker thread on its own CaseFile. Two of its parts need the GUI
thread: printing the PDF (Qt WebEngine) and rendering the map pictures (an offscreen map
view). The worker hands those to `GuiThreadCalls`, which runs them on the GUI thread between
events while the worker waits; the window stays responsive meanwhile (both run their own
short event loops). Cancelling stops the export at its next step; a call the GUI thread has
not started yet is abandoned, one it has started is let finish (it has its own time limit).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Qt, QThread, Signal

if TYPE_CHECKING:
    from desk.core.casefile import CaseFile

CANCELLED = "Export cancelled; nothing was written."

#: Progress of an export, in percent, at the start of each step export_dossier names.
STEPS: dict[str, int] = {
    "reading the case": 3,
    "still": 10,  # stills run from here to "writing the HTML"
    "writing the HTML": 45,
    "printing the PDF": 55,
    "copying originals": 85,
    "signing": 95,
}


class Cancelled(Exception):
    """The reviewer cancelled while the worker waited for the GUI thread."""


@dataclass
class _Call:
    function: Callable[..., Any]
    args: tuple[Any, ...]
    done: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)
    started: bool = False
    abandoned: bool = False
    result: Any = None
    error: BaseException | None = None


class GuiThreadCalls(QObject):
    """Runs functions on the thread this object lives in (the GUI's) for worker threads."""

    _requested = Signal(object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.busy = False
        self._requested.connect(self._run, Qt.ConnectionType.QueuedConnection)

    def call(self, function: Callable[..., Any], *args: Any,
             cancel: Callable[[], bool] | None = None) -> Any:
        """From a worker: run `function(*args)` on the GUI thread and return its result."""
        job = _Call(function, args)
        self._requested.emit(job)
        while not job.done.wait(0.05):
            if cancel is not None and cancel():
                with job.lock:
                    if not job.started:
                        job.abandoned = True
                        raise Cancelled(CANCELLED)
        if job.error is not None:
            raise job.error
        return job.result

    def _run(self, job: _Call) -> None:
        with job.lock:
            if job.abandoned:
                return
            job.started = True
        self.busy = True
        try:
            job.result = job.function(*job.args)
        except BaseException as exc:  # noqa: BLE001 - handed back to the waiting worker
            job.error = exc
        finally:
            self.busy = False
            job.done.set()


class MapPictures:
    """Map pictures for a dossier, rendered on the GUI thread from the window's case.

    The same offscreen map the CLI uses, made on first use and reused for every frame.
    """

    def __init__(self, case: Callable[[], CaseFile | None]) -> None:
        self._case = case
        self._snapshotter: Any = None
        self.failed = False

    def png(self, evidence_id: int) -> bytes | None:
        if self.failed:
            return None
        if self._snapshotter is None:
            case = self._case()
            if case is None:
                return None
            try:
                from desk.ui.map.map_snapshot import MapSnapshotter

                self._snapshotter = MapSnapshotter(case)
            except Exception:  # noqa: BLE001 - no map view: the dossier draws its sketch
                self.failed = True
                return None
        return self._snapshotter.png(evidence_id)

    def close(self) -> None:
        if self._snapshotter is not None:
            self._snapshotter.close()
            self._snapshotter = None


@dataclass(frozen=True)
class ExportRequest:
    """What the reviewer asked for in the export dialog."""

    case_path: Path
    read_only: bool
    claim_id: int
    out_dir: Path
    formats: frozenset[str]
    url: str | None = None
    include_originals: bool = True
    key_file: Path | None = None
    replace: bool = False  # the reviewer agreed to replace the earlier dossier in out_dir


class ExportThread(QThread):
    """Writes one dossier; `progressed`, then `succeeded` (ExportResult) or `failed`."""

    progressed = Signal(int, str)  # percent, what is happening (in words)
    succeeded = Signal(object)
    failed = Signal(str)

    def __init__(self, request: ExportRequest, calls: GuiThreadCalls,
                 maps: MapPictures | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.request = request
        self._calls = calls
        self._maps = maps
        self._cancel = threading.Event()

    def cancel(self) -> None:
        self._cancel.set()

    @property
    def cancelling(self) -> bool:
        return self._cancel.is_set()

    def _progress(self, done: int, total: int, label: str) -> None:
        if label.startswith("still") and total:
            start, end = STEPS["still"], STEPS["writing the HTML"]
            percent = start + (end - start) * done // total
            text = f"Preparing pictures: {done} of {total}"
        else:
            percent = STEPS.get(label, 0)
            text = label[:1].upper() + label[1:] + "…"
        self.progressed.emit(percent, text)

    def _print_pdf(self, html: Path, pdf: Path, footer: str) -> None:
        from desk.ui.export.pdf_printer import print_pdf

        self._calls.call(print_pdf, html, pdf, footer, cancel=self._cancel.is_set)

    def _map_image(self, evidence_id: int) -> bytes | None:
        if self._maps is None or self._cancel.is_set():
            return None
        self.progressed.emit(STEPS["reading the case"],
                             f"Drawing the map of evidence {evidence_id}…")
        return self._calls.call(self._maps.png, evidence_id, cancel=self._cancel.is_set)

    def run(self) -> None:
        from desk.core.casefile import CaseFile, CaseFileError
        from desk.dossier import DossierError, export_dossier

        request = self.request
        try:
            with CaseFile.open(request.case_path, read_only=request.read_only) as case:
                result = export_dossier(
                    case, request.claim_id, request.out_dir, request.formats,
                    map_image=self._map_image if self._maps is not None else None,
                    pdf_printer=self._print_pdf, url=request.url,
                    include_originals=request.include_originals, key_file=request.key_file,
                    progress=self._progress, cancel=self._cancel.is_set,
                    replace=request.replace)
        except Cancelled:
            self.failed.emit(CANCELLED)
            return
        except (DossierError, CaseFileError) as exc:
            self.failed.emit(str(exc))
            return
        except OSError as exc:
            where = f" ({exc.filename})" if exc.filename else ""
            self.failed.emit(f"The dossier could not be written: {exc.strerror or exc}{where}.")
            return
        except Exception as exc:  # noqa: BLE001 - the reviewer gets a sentence, not a crash
            what = "The PDF could not be printed" if type(exc).__name__ == "PdfPrintError" \
                else "The dossier could not be written"
            self.failed.emit(f"{what}: {exc}")
            return
        self.progressed.emit(100, "Done")
        self.succeeded.emit(result)


class FunctionThread(QThread):
    """One plain function off the GUI thread (checking a dossier folder, rendering a preview)."""

    succeeded = Signal(object)
    failed = Signal(str)

    def __init__(self, work: Callable[[], object], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._work = work

    def run(self) -> None:
        try:
            result = self._work()
        except Exception as exc:  # noqa: BLE001 - reported to the reviewer
            self.failed.emit(f"{type(exc).__name__}: {exc}" if not str(exc) else str(exc))
            return
        self.succeeded.emit(result)
