"""How fast tiles reach the map from a tile pack.

    python bench/tiles.py [--size-gb 2] [--pack PATH] [--keep]

Builds an MBTiles pack of about `--size-gb` GB (zoom 10–17 over a town, JPEG tiles of photo-like
noise, ~30 KB each, with the spec's unique index), unless `--pack` names one, and measures side
by side in one run:

- one tile served through the desk-tiles: scheme handler, as the page asks for it: each tile's
  round trip from JavaScript (`new Image()` to its load event) in a real Qt WebEngine page, one
  tile at a time; and the handler's own time (Python, from the request to the reply);
- a bare SQLite read of the same tile (the floor), with the ratio of the two;
- the first full paint of a 1600 × 1000 map view at zoom 17 from the pack: the real desk map
  page (MapView), from loading the page until every visible tile has loaded and two animation
  frames have passed.

Goals: median < 3 ms, p99 < 20 ms per tile; first paint < 400 ms. Ends with
`RESULT tile_median_ms`, `RESULT tile_p99_ms` and `RESULT tiles_first_paint_ms` lines.
"""

from __future__ import annotations

import argparse
import io
import math
import os
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
if hasattr(os, "geteuid") and os.geteuid() == 0:  # a measurement tool, never the shipped app
    os.environ.setdefault("QTWEBENGINE_DISABLE_SANDBOX", "1")

from PIL import Image

TOWN = (49.7159, 37.5928)  # Kupiansk TV tower
ZOOMS = range(10, 18)
SAMPLES = 400


def _tile_xy(lat: float, lon: float, z: int) -> tuple[float, float]:
    n = 1 << z
    x = (lon + 180.0) / 360.0 * n
    y = (1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n
    return x, y


def _noise_tiles(count: int) -> list[bytes]:
    """Distinct photo-like JPEG tiles (noise over gradients compresses like imagery)."""
    rng = random.Random(7)
    tiles = []
    for n in range(count):
        base = Image.radial_gradient("L").resize((256, 256)).convert("RGB")
        noise = Image.effect_noise((256, 256), 60 + n % 40).convert("RGB")
        tile = Image.blend(base, noise, 0.55)
        tile = Image.merge("RGB", [band.point(lambda v, k=k: (v + k) % 256) for band, k in
                                   zip(tile.split(), (rng.randrange(256), rng.randrange(256),
                                                      rng.randrange(256)), strict=True)])
        out = io.BytesIO()
        tile.save(out, "JPEG", quality=88)
        tiles.append(out.getvalue())
    return tiles


def build_pack(path: Path, size_gb: float) -> tuple[int, int]:
    """A pack of about size_gb GB centred on the town; returns (tiles, bytes)."""
    blobs = _noise_tiles(64)
    mean = statistics.fmean(len(b) for b in blobs)
    wanted = int(size_gb * 1e9 / mean)
    # Most tiles at zoom 17 (as a real pack of a town): fill a square around the town there,
    # with every lower zoom's tiles covering the same area.
    side17 = int(math.sqrt(wanted * 0.75))
    cx, cy = (int(v) for v in _tile_xy(*TOWN, 17))
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode = OFF")
    conn.execute("PRAGMA synchronous = OFF")
    conn.execute("CREATE TABLE metadata (name TEXT, value TEXT)")
    conn.execute("CREATE TABLE tiles (zoom_level INTEGER, tile_column INTEGER, tile_row INTEGER,"
                 " tile_data BLOB)")
    conn.execute("CREATE UNIQUE INDEX tile_index ON tiles (zoom_level, tile_column, tile_row)")
    count = size = 0
    for z in ZOOMS:
        shift = 17 - z
        half = max(1, (side17 >> shift) // 2)
        zx, zy = cx >> shift, cy >> shift
        rows = []
        for x in range(zx - half, zx + half):
            for y in range(zy - half, zy + half):
                blob = blobs[(x * 31 + y * 17 + z) % len(blobs)]
                rows.append((z, x, (1 << z) - 1 - y, blob))
                size += len(blob)
            if len(rows) > 5000:
                conn.executemany("INSERT INTO tiles VALUES (?, ?, ?, ?)", rows)
                count += len(rows)
                rows = []
        conn.executemany("INSERT INTO tiles VALUES (?, ?, ?, ?)", rows)
        count += len(rows)
    meta = {"name": "Benchmark pack", "format": "jpg", "minzoom": "10", "maxzoom": "17",
            "attribution": "synthetic imagery", "bounds": "37.3,49.5,37.9,49.9"}
    conn.executemany("INSERT INTO metadata VALUES (?, ?)", list(meta.items()))
    conn.commit()
    conn.close()
    return count, size


def _sample_tiles(path: Path, count: int) -> list[tuple[int, int, int]]:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    rows = conn.execute("SELECT zoom_level, tile_column, tile_row FROM tiles WHERE zoom_level"
                        " = 17 ORDER BY random() LIMIT ?", (count,)).fetchall()
    conn.close()
    return [(z, x, (1 << z) - 1 - row) for z, x, row in rows]


def bare_reads(path: Path, tiles: list[tuple[int, int, int]]) -> list[float]:
    """The floor: the same lookup in SQLite, nothing else (ms per tile)."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    times = []
    for z, x, y in tiles:
        start = time.perf_counter()
        conn.execute("SELECT tile_data FROM tiles WHERE zoom_level = ? AND tile_column = ? AND"
                     " tile_row = ?", (z, x, (1 << z) - 1 - y)).fetchone()
        times.append((time.perf_counter() - start) * 1000)
    conn.close()
    return times


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def through_scheme(path: Path, tiles: list[tuple[int, int, int]]) -> tuple[list[float],
                                                                          list[float]]:
    """(page round trips, handler times) in ms, one tile at a time, in a real page."""
    import json

    from PySide6.QtCore import QEventLoop, QTimer, QUrl
    from PySide6.QtWebEngineCore import QWebEnginePage, QWebEngineProfile

    from desk.mapping.tilepacks import open_pack
    from desk.ui.map.tile_scheme import TileSchemeHandler, install, tile_url_template

    pack = open_pack(path)
    profile = QWebEngineProfile()
    handler = TileSchemeHandler(profile)
    handler.set_packs({"bench": pack})
    install(profile, handler)
    handler_times: list[float] = []
    original = pack.tile

    def timed(z: int, x: int, y: int) -> bytes | None:
        start = time.perf_counter()
        data = original(z, x, y)
        handler_times.append((time.perf_counter() - start) * 1000)
        return data

    pack.tile = timed  # type: ignore[method-assign]
    folder = Path(tempfile.mkdtemp(prefix="desk-bench-tiles-"))
    page_file = folder / "page.html"
    page_file.write_text("<!doctype html><html><head><meta http-equiv='Content-Security-Policy'"
                         " content=\"img-src desk-tiles:; script-src 'unsafe-inline'\">"
                         "</head><body></body></html>", encoding="utf-8")
    page = QWebEnginePage(profile)
    profile.setParent(page)  # the profile must outlive its page: as its child it goes after
    loop = QEventLoop()
    page.loadFinished.connect(lambda _ok: loop.quit())
    page.load(QUrl.fromLocalFile(str(page_file)))
    loop.exec()
    urls = [tile_url_template("bench").format(z=z, x=x, y=y) for z, x, y in tiles]
    script = ("(async () => { const out = [];"
              f" for (const u of {json.dumps(urls)}) {{"
              "  const t0 = performance.now();"
              "  await new Promise((ok, bad) => { const i = new Image(); i.onload = ok;"
              "   i.onerror = bad; i.src = u; });"
              "  out.push(performance.now() - t0); }"
              " window.__benchTimes = JSON.stringify(out); })(); 0")
    page.runJavaScript(script, 0)
    result: dict[str, str] = {}

    def poll() -> None:
        def got(value: object) -> None:
            if isinstance(value, str) and value:
                result["times"] = value
                loop.quit()
        page.runJavaScript("window.__benchTimes || null", 0, got)

    timer = QTimer()
    timer.timeout.connect(poll)
    timer.start(50)
    loop.exec()
    timer.stop()
    page.deleteLater()
    QTimer.singleShot(0, loop.quit)
    loop.exec()
    pack.close()
    round_trips = json.loads(result["times"])
    return [float(t) for t in round_trips], handler_times


def first_paint(path: Path, runs: int = 3) -> list[float]:
    """ms from loading the desk map page to every visible tile of a 1600×1000 view at zoom 17
    loaded from the pack and two animation frames drawn (the real MapView; the first load
    warms the engine up and is not counted)."""
    from PySide6.QtCore import QEventLoop, QTimer

    from desk.mapping import scene
    from desk.mapping.tilepacks import open_pack
    from desk.ui.map.map_view import MapView

    pack = open_pack(path)
    times = []
    for run in range(runs + 1):
        view = MapView(base_layers=())
        view.set_packs({"bench": pack})
        view.resize(1600, 1000)
        view.show()
        data = scene.build_scene([], [], [])
        data["zoom"] = 17
        data["selected"] = None
        state: dict[str, object] = {}
        loop = QEventLoop()

        def poll(view: MapView = view, state: dict[str, object] = state,
                 loop: QEventLoop = loop) -> None:
            def seen(value: object) -> None:
                if isinstance(value, dict) and value.get("tiles_loaded") and value.get(
                        "painted"):
                    state["at"] = time.perf_counter()
                    loop.quit()
            if view.is_ready:
                view.evaluate("(function () { var p = deskMap.probe(); return p; })()", seen)

        timer = QTimer()
        timer.timeout.connect(poll)
        timer.start(4)
        QTimer.singleShot(30_000, loop.quit)
        start = time.perf_counter()
        view.show_scene(data)
        loop.exec()
        timer.stop()
        if run and "at" in state:
            times.append((float(state["at"]) - start) * 1000)  # type: ignore[arg-type]
            print(f"  paint run {run}: {view.tiles.served} tiles served from the pack")
        view.dispose()
        QTimer.singleShot(50, loop.quit)
        loop.exec()
    pack.close()
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size-gb", type=float, default=2.0)
    parser.add_argument("--pack", type=Path, help="use this pack instead of building one")
    parser.add_argument("--keep", action="store_true", help="keep the built pack")
    parser.add_argument("--no-paint", action="store_true", help="skip the first-paint figure")
    args = parser.parse_args()

    from PySide6 import QtWebEngineWidgets  # noqa: F401 - before the QApplication

    from desk.ui.map.tile_scheme import register_scheme

    register_scheme()
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([])
    folder = Path(tempfile.mkdtemp(prefix="desk-bench-pack-"))
    pack = args.pack
    if pack is None:
        pack = folder / "bench.mbtiles"
        start = time.perf_counter()
        count, size = build_pack(pack, args.size_gb)
        print(f"built {pack}: {count:,} tiles, {size / 1e9:.2f} GB of tiles,"
              f" {pack.stat().st_size / 1e9:.2f} GB file, {time.perf_counter() - start:.0f} s")
    tiles = _sample_tiles(pack, SAMPLES)
    bare = bare_reads(pack, tiles)
    trips, handler = through_scheme(pack, tiles)
    print(f"bare SQLite read   median {statistics.median(bare):.3f} ms,"
          f" p99 {_pct(bare, 0.99):.3f} ms")
    print(f"handler (Python)   median {statistics.median(handler):.3f} ms,"
          f" p99 {_pct(handler, 0.99):.3f} ms")
    print(f"page round trip    median {statistics.median(trips):.3f} ms,"
          f" p99 {_pct(trips, 0.99):.3f} ms")
    print(f"ratio, page round trip to bare read (medians):"
          f" {statistics.median(trips) / statistics.median(bare):.1f}")
    paint = [] if args.no_paint else first_paint(pack)
    if paint:
        print(f"first full paint at zoom 17, 1600×1000: {', '.join(f'{t:.0f}' for t in paint)}"
              " ms")
    print(f"RESULT tile_median_ms {statistics.median(trips):.2f} ms")
    print(f"RESULT tile_p99_ms {_pct(trips, 0.99):.2f} ms")
    if paint:
        print(f"RESULT tiles_first_paint_ms {statistics.median(paint):.0f} ms")
    if not args.keep and args.pack is None:
        pack.unlink()
    del app
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
