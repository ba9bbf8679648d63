"""How fast the map paints 10,000 geolocated points (JSON + one canvas layer).

    python bench/map_points.py [N]      (default 10,000 points)

Measured offscreen with the real QtWebEngine page, after one warm-up load (the window keeps
its web engine running, so a cold engine start is not what a reviewer waits for). Each run
builds the scene, writes the page to its folder, loads it from the file and waits for the
page's "painted" report (sent through the bridge two animation frames after the canvas layer
first drew). Target: under 1 s. Ends with `RESULT map_points_10000_s <seconds> s`.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
if hasattr(os, "geteuid") and os.geteuid() == 0:  # a measurement tool, never the shipped app
    os.environ.setdefault("QTWEBENGINE_DISABLE_SANDBOX", "1")

from PySide6 import QtWebEngineWidgets  # noqa: F401 - before the QApplication
from PySide6.QtCore import QEvent, QEventLoop, QTimer
from PySide6.QtWidgets import QApplication

from desk.core.model import Confidence, Geolocation, Landmark
from desk.mapping import scene
from desk.mapping.page import write_page
from desk.ui.map.map_view import MapView

RUNS = 3
CONFIDENCES = (Confidence.HIGH, Confidence.MODERATE, Confidence.LOW)


def data(count: int) -> tuple[list[scene.Item], list[Geolocation], list[Landmark]]:
    """Points spread over a district (about 20 x 20 km), with names, headings and confidences."""
    side = max(1, int(count ** 0.5))
    items = [scene.Item(i, f"frame_{i:05d}_from_telegram_channel.jpg", None)
             for i in range(1, count + 1)]
    geos = [Geolocation(i, 49.62 + (i % side) * 0.18 / side, 37.48 + (i // side) * 0.28 / side,
                        heading=float((i * 37) % 360), fov=60.0,
                        confidence=CONFIDENCES[i % 3]) for i in range(1, count + 1)]
    landmarks = [Landmark(1, "TV mast", 49.7165, 37.5882, "tower"),
                 Landmark(2, "Kupiansk centre", 49.7097, 37.6156, is_reference=True)]
    return items, geos, landmarks


def wait_painted(view: MapView, timeout_s: float = 60.0) -> float:
    """Run the event loop until the page reports its first paint; returns the JS timestamp."""
    loop = QEventLoop()
    box: dict[str, float] = {}

    def done(ms: float) -> None:
        box["ms"] = ms
        loop.quit()

    view.events.painted.connect(done)
    QTimer.singleShot(int(timeout_s * 1000), loop.quit)
    loop.exec()
    view.events.painted.disconnect(done)
    if "ms" not in box:
        raise SystemExit("the map did not report a paint in time")
    return box["ms"]


def main() -> int:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    app = QApplication.instance() or QApplication(sys.argv[:1])
    items, geos, landmarks = data(count)
    view = MapView(base_layers=())  # offline: tiles would measure the network, not desk
    view.resize(1280, 800)
    view.show()

    warm = scene.build_scene(items[:10], geos[:10], landmarks)
    view.show_scene(warm)
    wait_painted(view)

    totals, builds, writes, loads, in_page = [], [], [], [], []
    size = 0
    for _ in range(RUNS):
        start = time.perf_counter()
        data_scene = scene.build_scene(items, geos, landmarks)
        built = time.perf_counter()
        page = write_page(view.folder, data_scene, view.base_layers)
        written = time.perf_counter()
        size = page.stat().st_size
        view.show_scene(data_scene)  # writes again (the same bytes) and loads from the file
        loaded_at = time.perf_counter()
        js_ms = wait_painted(view)
        end = time.perf_counter()
        builds.append(built - start)
        writes.append(written - built)
        loads.append(end - loaded_at)
        in_page.append(js_ms / 1000)
        totals.append(end - start - (written - built))  # the page is written once per show
    print(f"points: {count:,}; page: {size / 1e6:.2f} MB, loaded from its file")
    print(f"build scene (Python):        median {statistics.median(builds):.3f} s")
    print(f"write page:                  median {statistics.median(writes):.3f} s")
    print(f"load to first paint (Qt):    median {statistics.median(loads):.3f} s")
    print(f"navigation to paint (page):  median {statistics.median(in_page):.3f} s")
    print(f"total, scene to first paint: {', '.join(f'{t:.3f}' for t in totals)} s")
    view.dispose()
    app.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    app.processEvents()
    print(f"RESULT map_points_{count}_s {statistics.median(totals):.3f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
