"""Exporting a dossier without freezing the window: the export as a `Job` (see workers).

`export_dossier` runs on the job's worker thread with its own CaseFile. Two of its parts
need the GUI thread: printing the PDF (Qt WebEngine) and rendering the map pictures (an
offscreen map view). The work hands those to `Control.on_gui_thread`, which runs them between
events while the worker waits; the window stays responsive meanwhile (both run their own
short event loops). Cancelling stops the export at its next step; a call the GUI thread has
not started yet is abandoned, one it has started is let finish (it has its own time limit).

A case that fails verification is not an error of the export but an answer the reviewer acts
on: the job then succeeds with a `CaseRefused` (its findings, nothing written), and the
dialog may ask for the same export again with `force`.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from desk.ui.common.workers import Cancelled, Control, Job, one_line

if TYPE_CHECKING:
    from desk.core.casefile import CaseFile
    from desk.dossier import ExportResult

CANCELLED = "Export cancelled; nothing was written."

#: Progress of an export, in percent, at the start of each step export_dossier names.
STEPS: dict[str, int] = {
    "verifying the case": 1,
    "reading the case": 3,
    "still": 10,  # stills run from here to "writing the HTML"
    "writing the HTML": 45,
    "printing the PDF": 55,
    "copying originals": 85,
    "signing": 95,
}


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
    force: bool = False  # the reviewer chose to export a case that fails verification


@dataclass(frozen=True)
class CaseRefused:
    """The export stopped before writing anything: the case fails verification."""

    request: ExportRequest
    problems: tuple[str, ...]


def export_job(request: ExportRequest, maps: MapPictures | None = None) -> Job:
    """A job writing one dossier: `progressed` (percent of 100, what happens in words), then
    `succeeded` (ExportResult, or CaseRefused when the case fails verification and the request
    is not forced), `failed` (a sentence) or `cancelled` (nothing was written either way)."""
    return Job(functools.partial(_export, request, maps), name="export",
               describe=describe_export_error)


def describe_export_error(exc: BaseException) -> str:
    """Why the dossier was not written, as the reviewer reads it."""
    from desk.core.casefile import CaseFileError
    from desk.dossier import DossierError

    if isinstance(exc, (DossierError, CaseFileError)):
        return one_line(exc)
    if isinstance(exc, OSError):
        where = f" ({exc.filename})" if exc.filename else ""
        return one_line(f"The dossier could not be written: {exc.strerror or exc}{where}.")
    what = "The PDF could not be printed" if type(exc).__name__ == "PdfPrintError" \
        else "The dossier could not be written"
    return one_line(f"{what}: {exc}" if str(exc) else f"{what} ({type(exc).__name__}).")


def step_progress(done: int, total: int, label: str) -> tuple[int, str]:
    """export_dossier's steps as a percentage and a sentence."""
    if label.startswith("still") and total:
        start, end = STEPS["still"], STEPS["writing the HTML"]
        return start + (end - start) * done // total, f"Preparing pictures: {done} of {total}"
    return STEPS.get(label, 0), label[:1].upper() + label[1:] + "…"


def _export(request: ExportRequest, maps: MapPictures | None, control: Control
            ) -> ExportResult | CaseRefused:
    from desk.core.casefile import CaseFile
    from desk.dossier import DossierError, export_dossier
    from desk.dossier.export import CaseFailsVerification

    def progress(done: int, total: int, label: str) -> None:
        percent, text = step_progress(done, total, label)
        control.progress(percent, 100, text)

    def print_pdf(html: Path, pdf: Path, footer: str) -> None:
        from desk.ui.export.pdf_printer import print_pdf as print_on_gui_thread

        control.on_gui_thread(print_on_gui_thread, html, pdf, footer)

    def map_image(evidence_id: int) -> bytes | None:
        if maps is None or control.cancelled():
            return None
        control.progress(STEPS["reading the case"], 100,
                         f"Drawing the map of evidence {evidence_id}…")
        return control.on_gui_thread(maps.png, evidence_id)

    try:
        with CaseFile.open(request.case_path, read_only=request.read_only) as case:
            result = export_dossier(
                case, request.claim_id, request.out_dir, request.formats,
                map_image=map_image if maps is not None else None,
                pdf_printer=print_pdf, url=request.url,
                include_originals=request.include_originals, key_file=request.key_file,
                progress=progress, cancel=control.cancelled,
                replace=request.replace, force=request.force)
    except CaseFailsVerification as refusal:
        return CaseRefused(request, tuple(refusal.problems))
    except DossierError:
        if control.cancelled():  # export_dossier's own way of saying it stopped
            raise Cancelled from None
        raise
    control.progress(100, 100, "Done")
    return result
