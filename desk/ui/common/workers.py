"""Long work off the GUI thread: each worker opens its own CaseFile on the case's path.

A CaseFile (an SQLite connection) belongs to the thread that opened it, so the window's case
is never handed to a worker. Results and progress come back as queued signals.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QThread, Signal

if TYPE_CHECKING:
    from desk.core.casefile import CaseFile
    from desk.core.model import Provenance


def _describe(exc: BaseException) -> str:
    from desk.core.casefile import CaseFileError

    if isinstance(exc, CaseFileError):
        return str(exc)
    if isinstance(exc, OSError):
        return f"{exc.strerror or exc} ({exc.filename})" if exc.filename else str(exc)
    return f"Unexpected problem: {type(exc).__name__}: {exc}"


class ImportThread(QThread):
    """Runs `import_files` into the case at `case_path`; cancel() stops it between files."""

    #: done, total, IntakeItem of the file just handled.
    progressed = Signal(int, int, object)
    #: The IntakeReport (also when cancelled: `report.cancelled`).
    completed = Signal(object)
    #: The import could not run at all (the case could not be opened...).
    failed = Signal(str)

    def __init__(self, case_path: Path, paths: Sequence[Path],
                 provenance: Provenance | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.case_path = case_path
        self.paths = list(paths)
        self.provenance = provenance
        self._cancel = threading.Event()

    def cancel(self) -> None:
        self._cancel.set()

    @property
    def cancelling(self) -> bool:
        return self._cancel.is_set()

    def run(self) -> None:
        from desk.core.casefile import CaseFile
        from desk.core.intake import import_files

        try:
            case = CaseFile.open(self.case_path)
        except Exception as exc:  # noqa: BLE001 - reported to the reviewer, never raised
            self.failed.emit(_describe(exc))
            return
        try:
            report = import_files(
                case, self.paths, provenance=self.provenance,
                progress=lambda done, total, item: self.progressed.emit(done, total, item),
                cancel=self._cancel.is_set,
            )
        except Exception as exc:  # noqa: BLE001
            self.failed.emit(_describe(exc))
            return
        finally:
            case.close()
        self.completed.emit(report)


class CaseTask(QThread):
    """One function of a case run on its own connection (save a copy, export...)."""

    succeeded = Signal(object)
    failed = Signal(str)

    def __init__(self, case_path: Path, work: Callable[[CaseFile], object],
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.case_path = case_path
        self._work = work

    def run(self) -> None:
        from desk.core.casefile import CaseFile

        try:
            with CaseFile.open(self.case_path) as case:
                result = self._work(case)
        except Exception as exc:  # noqa: BLE001 - reported to the reviewer, never raised
            self.failed.emit(_describe(exc))
            return
        self.succeeded.emit(result)
