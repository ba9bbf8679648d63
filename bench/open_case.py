"""How long from `desk CASE` to a window listing a case with thumbnails: 1,000 and 10,000 items.

    python bench/open_case.py [--items 1000] [--large-items 10000] [--runs 3] [--rebuild]
                              [--no-import-check]

Builds (once, cached in the temp folder) a case of 1,000 1280x720 stills and one of 10,000
small distinct stills (320x180, unrelated to each other by perceptual hash), both imported
through the real intake. Then it starts the app offscreen in a fresh process per run (with
its bytecode cached, as an installed desk's is) and reports the time from process start to
the first paint of the evidence list with real thumbnails in it, and within that the time
from the open request; then the longest event-loop stall in the 2 s after (the map's first
load falls in it) and the cost of scrolling the whole list a page at a time. It also
measures the window's longest event-loop stall during a 200-file import (the import runs in
a worker; the window must stay responsive).

Targets (issue 16): the 1,000-item case < 0.6 s (`open_case_s`), the 10,000-item case
< 1.2 s (`open_case_10k_s`), start-up to an empty window < 1.5 s (`startup_s`).
Figures only: this is never part of the pass/fail suite.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CACHE = Path(tempfile.gettempdir()) / "desk-bench-open-case"


# --------------------------------------------------------------------------- the case


def make_stills(folder: Path, count: int, width: int = 1280, height: int = 720) -> list[Path]:
    """Distinct stills (a seeded street scene each), some with capture time and GPS."""
    import random

    from PIL import Image, ImageDraw

    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(count):
        path = folder / f"frame-{i:05d}.jpg"
        paths.append(path)
        if path.exists():
            continue
        rng = random.Random(i)
        image = Image.new("RGB", (width, height), (rng.randrange(90, 160),
                                                   rng.randrange(120, 190), 220))
        draw = ImageDraw.Draw(image)
        horizon = int(height * rng.uniform(0.4, 0.6))
        draw.rectangle((0, horizon, width, height), fill=(90, 95, 80))
        for _ in range(12):
            x, w = rng.randrange(width), rng.randrange(40, 200)
            h = rng.randrange(40, 300)
            shade = rng.randrange(60, 200)
            draw.rectangle((x, horizon - h, x + w, horizon), fill=(shade, shade, shade + 20))
        image.save(path, "JPEG", quality=82, exif=_exif(i))
    return paths


def _exif(i: int) -> bytes:
    """Capture time on two items in three, GPS on every other one."""
    from PIL import Image

    exif = Image.Exif()
    if i % 3:
        exif[0x0132] = f"2024:04:{1 + i % 28:02d} {i % 24:02d}:{i % 60:02d}:00"
        exif.get_ifd(0x8769)[0x9003] = exif[0x0132]
    if i % 2:
        gps = exif.get_ifd(0x8825)
        gps[1], gps[3] = "N", "E"
        gps[2] = (49.0, 42.0, float(i % 60))
        gps[4] = (37.0, 36.0, float(i % 60))
    return exif.tobytes() if len(exif) else b""


def make_small_stills(folder: Path, count: int) -> list[Path]:
    """Small distinct stills (320x180, about 3 kB): a seeded pattern of coarse tiles each, so
    their perceptual hashes are as far apart as unrelated pictures' (the street scenes above
    are alike enough to chain thousands of items into one near-duplicate group)."""
    import random

    from PIL import Image

    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(count):
        path = folder / f"item-{i:05d}.jpg"
        paths.append(path)
        if path.exists():
            continue
        rng = random.Random(1_000_003 * i)
        tiles = Image.new("RGB", (16, 9))
        tiles.putdata([(rng.randrange(256), rng.randrange(256), rng.randrange(256))
                       for _ in range(16 * 9)])
        image = tiles.resize((320, 180), Image.Resampling.BILINEAR)
        image.save(path, "JPEG", quality=80, exif=_exif(i))
    return paths


def build_case(count: int, rebuild: bool, *, small: bool = False) -> Path:
    """The cached case of `count` stills imported through the real intake; `small` stills
    (320x180, a few kB each) keep a 10,000-item case quick to build and to hold."""
    sys.path.insert(0, str(ROOT))
    from desk.core.casefile import CaseFile, CaseFileError
    from desk.core.intake import import_files

    case_path = CACHE / f"bench-{count}{'-small' if small else ''}.deskcase"
    if case_path.exists() and not rebuild:
        try:
            with CaseFile.open(case_path) as case:
                if case.evidence_count() == count:
                    return case_path
        except CaseFileError:
            pass
    case_path.unlink(missing_ok=True)
    started = time.perf_counter()
    stills = make_small_stills(CACHE / "stills-small", count) if small else \
        make_stills(CACHE / "stills", count)
    print(f"made {count} stills in {time.perf_counter() - started:.1f} s", flush=True)
    started = time.perf_counter()
    with CaseFile.create(case_path, f"Benchmark: {count} stills") as case:
        report = import_files(case, stills)
    print(f"imported {len(report.imported)} in {time.perf_counter() - started:.1f} s",
          flush=True)
    return case_path


# --------------------------------------------------------------------------- child runs


def child_open(case_path: str | None) -> None:
    """Runs in a fresh process: start the app like `desk CASE`, report when thumbnails show."""
    spawned = float(os.environ["DESK_BENCH_T0"])
    from PySide6.QtCore import QEvent, QObject, QTimer

    import desk.ui  # noqa: F401 - first, as `desk` does
    from desk.ui.shell.app import create_application
    from desk.ui.shell.main_window import MainWindow

    figures: dict[str, float] = {"imports_s": time.time() - spawned}
    app = create_application()
    window = MainWindow()
    window.resize(1400, 900)
    window.show()
    app.processEvents()
    figures["window_shown_s"] = time.time() - spawned
    if case_path is None:
        print(json.dumps(figures))
        return

    list_view = window.evidence_list
    model = window.model
    done: dict[str, float] = {}

    class FirstThumbnailPaint(QObject):
        def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
            if event.type() == QEvent.Type.Paint and "painted" not in done:
                first = list_view.indexAt(list_view.viewport().rect().topLeft())
                if first.isValid() and model.cached_thumbnail(
                        model.evidence(first.row()).id) is not None:
                    done["painted"] = time.time()
            return False

    spy = FirstThumbnailPaint()
    list_view.viewport().installEventFilter(spy)
    figures["open_requested_s"] = time.time() - spawned
    window.open_case(Path(case_path))
    figures["case_opened_s"] = time.time() - spawned
    deadline = time.time() + 60
    while "painted" not in done and time.time() < deadline:
        app.processEvents()
    figures["thumbnails_painted_s"] = done.get("painted", float("nan")) - spawned
    figures["rows"] = model.rowCount()

    # Usable means it stays responsive: the longest gap between 10 ms timer ticks while the
    # work queued behind the first paint (the map's first load among it) runs.
    ticks: list[float] = []
    timer = QTimer()
    timer.setInterval(10)
    timer.timeout.connect(lambda: ticks.append(time.perf_counter()))
    timer.start()
    ticks.append(time.perf_counter())
    settle = time.perf_counter() + 2.0
    while time.perf_counter() < settle:
        app.processEvents()
    timer.stop()
    figures["after_open_max_stall_ms"] = 1000 * max(
        (b - a for a, b in itertools.pairwise(ticks)), default=0.0)
    figures["map_loaded"] = float(window.map_panel is not None)

    # Scroll the whole list a page at a time, painting each page with its thumbnails.
    bar = list_view.verticalScrollBar()
    pages: list[float] = []
    while bar.value() < bar.maximum():
        started = time.perf_counter()
        bar.setValue(bar.value() + list_view.viewport().height())
        list_view.viewport().repaint()
        app.processEvents()  # the model reads the page's thumbnails...
        list_view.viewport().repaint()  # ...and the page is painted with them
        pages.append(time.perf_counter() - started)
    figures["scroll_pages"] = len(pages)
    figures["scroll_max_page_ms"] = 1000 * max(pages, default=0.0)
    figures["scroll_mean_page_ms"] = 1000 * statistics.fmean(pages) if pages else 0.0
    window.close()
    print(json.dumps(figures))


def child_import(case_path: str, folder: str) -> None:
    """Import a folder through the window and record the longest gap between timer ticks."""
    from PySide6.QtCore import QTimer

    import desk.ui  # noqa: F401
    from desk.ui.shell.app import create_application
    from desk.ui.shell.main_window import MainWindow

    app = create_application()
    window = MainWindow()
    window.resize(1400, 900)
    window.show()
    window.open_case(Path(case_path))
    ticks: list[float] = []
    timer = QTimer()
    timer.setInterval(10)
    timer.timeout.connect(lambda: ticks.append(time.perf_counter()))
    finished: dict[str, object] = {}
    window.importFinished.connect(lambda report: finished.setdefault("report", report))
    started = time.perf_counter()
    timer.start()
    window.import_paths([Path(folder)])
    while "report" not in finished and time.perf_counter() - started < 300:
        app.processEvents()
    elapsed = time.perf_counter() - started
    timer.stop()
    gaps = [b - a for a, b in itertools.pairwise(ticks)]
    report = finished.get("report")
    imported = len(report.imported) if report is not None else 0  # type: ignore[attr-defined]
    window.close()
    print(json.dumps({"import_s": elapsed, "imported": imported,
                      "max_stall_ms": 1000 * max(gaps, default=0.0),
                      "p99_stall_ms": 1000 * sorted(gaps)[int(len(gaps) * 0.99)] if gaps else 0,
                      "ticks": len(ticks)}))


def spawn(*args: str) -> dict[str, float]:
    """One child run. Its bytecode is cached (in the bench's folder, never in the source
    tree) as an installed desk's is, even where PYTHONDONTWRITEBYTECODE is set: otherwise
    every run would compile desk's modules again and count that as start-up."""
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", DESK_BENCH_T0=repr(time.time()),
               DESK_CONFIG_DIR=str(CACHE / "config"),
               XDG_CONFIG_HOME=str(CACHE / "config"),
               PYTHONPYCACHEPREFIX=str(CACHE / "pycache"))
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    result = subprocess.run([sys.executable, __file__, *args], capture_output=True, text=True,
                            env=env, cwd=ROOT, check=False)
    if result.returncode != 0:
        sys.exit(f"benchmark child failed:\n{result.stderr}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def open_runs(case_path: Path, runs: int) -> list[dict[str, float]]:
    """Open the case in `runs` fresh processes; print each run's figures."""
    results = [spawn("--child-open", str(case_path)) for _ in range(runs)]
    for i, run in enumerate(results, 1):
        print(f"run {i}: imports {run['imports_s']:.3f} s, window shown"
              f" {run['window_shown_s']:.3f} s, case opened {run['case_opened_s']:.3f} s,"
              f" list with thumbnails {run['thumbnails_painted_s']:.3f} s"
              f" ({int(run['rows'])} rows; open to thumbnails"
              f" {run['thumbnails_painted_s'] - run['open_requested_s']:.3f} s); longest stall"
              f" in the 2 s after {run['after_open_max_stall_ms']:.0f} ms"
              f" (map {'loaded' if run['map_loaded'] else 'not loaded'} in it);"
              f" scrolling {int(run['scroll_pages'])} pages:"
              f" mean {run['scroll_mean_page_ms']:.1f} ms, worst {run['scroll_max_page_ms']:.1f} ms"
              " per page")
    opening = statistics.median(r["thumbnails_painted_s"] - r["open_requested_s"]
                                for r in results)
    print(f"median from open to the list with thumbnails: {opening:.3f} s")
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=1000)
    parser.add_argument("--large-items", type=int, default=10000,
                        help="items of the large case (small stills); 0 skips it")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--no-import-check", action="store_true")
    args = parser.parse_args()

    case_path = build_case(args.items, args.rebuild)
    print(f"case: {case_path} ({case_path.stat().st_size / 1e6:.0f} MB, {args.items} stills)")
    large_path = build_case(args.large_items, args.rebuild, small=True) \
        if args.large_items else None
    if large_path is not None:
        print(f"large case: {large_path} ({large_path.stat().st_size / 1e6:.0f} MB,"
              f" {args.large_items} small stills)")

    spawn("--child-open")  # warm-up: fills the bytecode cache, not counted
    startups = [spawn("--child-open")["window_shown_s"] for _ in range(args.runs)]
    print(f"start-up to an empty window: {', '.join(f'{s:.3f}' for s in startups)} s")
    print(f"RESULT startup_s {statistics.median(startups):.3f} s")

    print(f"{args.items} stills:")
    runs = open_runs(case_path, args.runs)
    large = None
    if large_path is not None:
        print(f"{args.large_items} small stills:")
        large = open_runs(large_path, args.runs)

    if not args.no_import_check:
        import shutil

        from desk.core.casefile import CaseFile

        target = CACHE / "import-check.deskcase"
        target.unlink(missing_ok=True)
        CaseFile.create(target, "Import check").close()
        folder = CACHE / "import-200"
        if not folder.exists():
            folder.mkdir()
            for still in sorted((CACHE / "stills").glob("*.jpg"))[:200]:
                shutil.copyfile(still, folder / still.name)
        check = spawn("--child-import", str(target), str(folder))
        print(f"import of {check['imported']} files through the window: {check['import_s']:.1f} s,"
              f" longest event-loop stall {check['max_stall_ms']:.0f} ms"
              f" (99th percentile {check['p99_stall_ms']:.0f} ms)")
        print(f"RESULT import_200_max_stall_ms {check['max_stall_ms']:.0f} ms")

    seconds = statistics.median(r["thumbnails_painted_s"] for r in runs)
    print(f"RESULT open_case_s {seconds:.3f} s")
    if large is not None:
        seconds = statistics.median(r["thumbnails_painted_s"] for r in large)
        print(f"RESULT open_case_10k_s {seconds:.3f} s")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child-open":
        child_open(sys.argv[2] if len(sys.argv) > 2 else None)
    elif len(sys.argv) > 1 and sys.argv[1] == "--child-import":
        child_import(sys.argv[2], sys.argv[3])
    else:
        main()
