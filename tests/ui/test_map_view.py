"""MapView's lock-down and loading: tiles only from the chosen hosts, offline notice when they
fail, no navigation or windows, a bridge that takes only checked numbers, big pages by file."""

from __future__ import annotations

import http.server
import io
import logging
import socket
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from PySide6.QtCore import QUrl

from desk.core.model import Geolocation
from desk.mapping import scene
from desk.mapping.layers import BaseLayer
from desk.mapping.page import DEFAULT_CENTER
from desk.ui.map.map_bridge import MapBridge
from desk.ui.map.map_view import MapRequestFilter, MapView
from tests.ui.map_fixtures import evaluate, flush_deletes, wait_probe


class TileServer:
    def __init__(self) -> None:
        buffer = io.BytesIO()
        Image.new("RGB", (256, 256), (120, 170, 120)).save(buffer, "PNG")
        png = buffer.getvalue()
        self.requests: list[tuple[str, str]] = []
        record = self.requests

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                record.append((self.path, self.headers.get("User-Agent", "")))
                self.send_response(200)
                self.send_header("Content-Type", "image/png")
                self.send_header("Content-Length", str(len(png)))
                self.end_headers()
                self.wfile.write(png)

            def log_message(self, *args: object) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def tiles() -> Iterator[TileServer]:
    server = TileServer()
    try:
        yield server
    finally:
        server.close()


@pytest.fixture
def view_factory(qtbot: Any) -> Iterator[Any]:
    made: list[MapView] = []

    def factory(scene_data: dict[str, Any], layers: tuple[BaseLayer, ...] = ()) -> MapView:
        view = MapView(base_layers=layers)
        qtbot.addWidget(view)
        view.resize(800, 600)
        view.show()
        view.show_scene(scene_data)
        qtbot.waitUntil(lambda: view.is_ready, timeout=15_000)
        made.append(view)
        return view

    yield factory
    for view in made:
        view.dispose()
    flush_deletes()


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _small_scene() -> dict[str, Any]:
    items = [scene.Item(1, "frame", None)]
    return scene.build_scene(items, [Geolocation(1, 49.7159, 37.5928, heading=262, fov=62)], [])


def test_tiles_load_from_the_chosen_host_and_the_notice_stays_hidden(
        view_factory: Any, tiles: TileServer, qtbot: Any) -> None:
    layer = BaseLayer("Local tiles", f"http://127.0.0.1:{tiles.port}/{{z}}/{{x}}/{{y}}.png",
                      "© test tiles")
    view = view_factory(_small_scene(), (layer,))
    state = wait_probe(qtbot, view, lambda s: s["painted"] and bool(tiles.requests))
    qtbot.waitUntil(lambda: not probe_offline(qtbot, view))
    state = wait_probe(qtbot, view, lambda s: s["notice"] == "")
    assert state["grid"] is False
    path, agent = tiles.requests[0]
    assert path.endswith(".png")
    assert "desk/" in agent and "evidence review" in agent
    assert evaluate(qtbot, view, "document.querySelector('.leaflet-control-attribution')"
                                 ".textContent").endswith("© test tiles")


def test_the_map_opens_on_the_selected_camera_or_zoomed_out(view_factory: Any, qtbot: Any
                                                            ) -> None:
    """The page's shell is the same for every scene: the view comes from the scene's data."""
    camera = (48.4647, 35.0462)
    items = [scene.Item(1, "frame", None)]
    selected = view_factory(scene.build_scene(
        items, [Geolocation(1, *camera, heading=90, fov=60)], [], selected=1))
    state = wait_probe(qtbot, selected, lambda s: s["painted"])
    assert state["centre"] == pytest.approx(list(camera), abs=0.005)
    assert state["zoom"] >= 15
    empty = view_factory(scene.build_scene([], [], []))
    state = wait_probe(qtbot, empty, lambda s: s["painted"])
    assert state["centre"] == pytest.approx(list(DEFAULT_CENTER))
    assert state["zoom"] == 3


def probe_offline(qtbot: Any, view: MapView) -> bool:
    return bool(evaluate(qtbot, view, "deskMap.probe().offline"))


def test_unreachable_tiles_show_the_offline_notice(view_factory: Any, qtbot: Any) -> None:
    layer = BaseLayer("Nowhere", f"http://127.0.0.1:{_closed_port()}/{{z}}/{{x}}/{{y}}.png", "x")
    view = view_factory(_small_scene(), (layer,))
    state = wait_probe(qtbot, view, lambda s: s["offline"], timeout=10_000)
    assert state["notice"] == "offline: no map tiles"
    assert state["grid"] is True
    assert state["points"] == 1


def test_navigation_windows_and_other_hosts_are_refused(view_factory: Any, tiles: TileServer,
                                                        qtbot: Any,
                                                        caplog: pytest.LogCaptureFixture
                                                        ) -> None:
    caplog.set_level(logging.INFO, logger="desk.ui.map.map_view")
    view = view_factory(_small_scene())
    page_url = view.url()
    image, fetched = (f"http://127.0.0.1:{tiles.port}/img.png",
                      f"http://127.0.0.1:{tiles.port}/fetch")
    evaluate(qtbot, view, f"(function () {{"
                          f" new Image().src = '{image}';"
                          f" try {{ fetch('{fetched}'); }} catch (e) {{}}"
                          f" window.__opened = window.open('https://example.org/');"
                          f" location.href = 'https://example.org/';"
                          f" return 1; }})()")

    def refused(url: str) -> bool:  # by the page's policy or by the request filter
        return (any(url in message for message in view.console)
                or any(url in blocked for blocked in view.requests.blocked))

    # Every attempt has been dealt with: both requests refused, the navigation turned down.
    qtbot.waitUntil(lambda: refused(image) and refused(fetched)
                    and "refused navigation to https://example.org/" in caplog.text)
    assert evaluate(qtbot, view, "window.__opened === null") is True
    assert view.url() == page_url
    assert evaluate(qtbot, view, "typeof window.deskMap") == "object"  # still our page
    assert tiles.requests == []


def test_request_filter_allows_only_the_page_folder_the_channel_and_tile_hosts(
        tmp_path: Path) -> None:
    folder = tmp_path / "page"
    folder.mkdir()
    rules = MapRequestFilter(folder, frozenset({"tile.openstreetmap.org"}))
    assert rules.allows(QUrl.fromLocalFile(str(folder / "leaflet.js")))
    assert rules.allows(QUrl("qrc:///qtwebchannel/qwebchannel.js"))
    assert rules.allows(QUrl("https://tile.openstreetmap.org/3/4/2.png"))
    assert not rules.allows(QUrl.fromLocalFile(str(tmp_path / "secret.txt")))
    assert not rules.allows(QUrl.fromLocalFile(str(folder / ".." / "secret.txt")))
    assert not rules.allows(QUrl("qrc:///other/resource.js"))
    assert not rules.allows(QUrl("https://evil.example/x.png"))
    assert not rules.allows(QUrl("http://127.0.0.1:8000/canary"))
    assert not rules.allows(QUrl("ftp://tile.openstreetmap.org/x"))


def test_the_page_sees_only_the_bridge_slots(view_factory: Any, qtbot: Any) -> None:
    view = view_factory(_small_scene())
    evaluate(qtbot, view, "(function () { new QWebChannel(qt.webChannelTransport, function (c) {"
                          " var b = c.objects.bridge; window.__bridge = b;"
                          " window.__methods = Object.keys(b).filter(function (k) {"
                          "   return typeof b[k] === 'function'; }).sort(); }); return 1; })()")
    qtbot.waitUntil(lambda: evaluate(qtbot, view, "window.__methods || null") is not None)
    helpers = {"unwrapQObject", "unwrapProperties", "propertyUpdate", "signalEmitted"}
    methods = {m for m in evaluate(qtbot, view, "window.__methods")
               if "(" not in m and m not in helpers}
    # QWebChannel publishes QObject.deleteLater with any object; the bridge ignores it.
    assert methods == {"ready", "painted", "mapClicked", "pointSelected", "cameraMoved",
                       "headingChanged", "trackDrawn", "trackMoved", "measureAdd",
                       "measureHover", "measureFinish", "measureCancel", "deleteLater"}, methods
    clicks: list[tuple[float, float]] = []
    view.events.clicked.connect(lambda lat, lon: clicks.append((lat, lon)))
    before = view.bridge.rejected
    evaluate(qtbot, view, "(function () { var b = window.__bridge;"
                          " b.mapClicked(95, 10); b.mapClicked(10, 200); b.mapClicked(-90.5, 1);"
                          " b.cameraMoved(999, 49, 37, true); b.headingChanged(1, 400, 60, true);"
                          " b.headingChanged(1, 90, 0.5, true); b.pointSelected(-1);"
                          " b.deleteLater(); b.trackDrawn(49, 37, 49, 37);"
                          " b.trackDrawn(49, 37, 49, 181); b.trackMoved(7, 0, 49, 37);"
                          " b.measureAdd(91, 0); b.measureHover(0, -181);"
                          " b.mapClicked(49.7, 37.6); return 1; })()")
    qtbot.waitUntil(lambda: len(clicks) == 1)
    assert clicks == [pytest.approx((49.7, 37.6))]
    qtbot.waitUntil(lambda: view.bridge.rejected - before >= 12)
    flush_deletes()
    assert view.bridge.objectName() == ""  # still alive: deleteLater from the page was ignored


def test_bridge_checks_types_and_ranges() -> None:
    bridge = MapBridge()
    bridge.set_known_ids({3})
    bridge.set_known_movements({5})
    seen: list[tuple[object, ...]] = []
    events = bridge.events
    events.clicked.connect(lambda *a: seen.append(("click", *a)))
    events.point_picked.connect(lambda *a: seen.append(("pick", *a)))
    events.camera_dragged.connect(lambda *a: seen.append(("camera", *a)))
    events.view_dragged.connect(lambda *a: seen.append(("view", *a)))
    events.track_drawn.connect(lambda *a: seen.append(("track", *a)))
    events.track_moved.connect(lambda *a: seen.append(("end", *a)))
    bridge.mapClicked(91.0, 0.0)
    bridge.mapClicked(float("inf"), 0.0)
    bridge.pointSelected(4)  # not on the map
    bridge.pointSelected(True)  # type: ignore[arg-type]
    bridge.cameraMoved(3, 49.0, 181.0, True)
    bridge.headingChanged(3, -1.0, 60.0, False)
    bridge.headingChanged(3, 90.0, 180.0, False)
    bridge.trackDrawn(49.7, 37.6, 49.7, 37.6)  # no length, no direction
    bridge.trackDrawn(49.7, 37.6, float("nan"), 37.6)
    bridge.trackMoved(3, 0, 49.7, 37.6)  # an evidence id is not a movement
    bridge.trackMoved(5, 2, 49.7, 37.6)  # a track has two ends only
    bridge.trackMoved(5, True, 49.7, 37.6)  # type: ignore[arg-type]
    assert seen == []
    assert bridge.rejected == 12
    bridge.mapClicked(49.7, 37.6)
    bridge.pointSelected(3)
    bridge.cameraMoved(3, 49.7, 37.6, True)
    bridge.headingChanged(3, 360.0, 62.0, False)
    bridge.trackDrawn(49.7, 37.6, 49.71, 37.61)
    bridge.trackMoved(5, 1, 49.7, 37.6)
    assert seen == [("click", 49.7, 37.6), ("pick", 3), ("camera", 3, 49.7, 37.6, True),
                    ("view", 3, 0.0, 62.0, False), ("track", 49.7, 37.6, 49.71, 37.61),
                    ("end", 5, 1, 49.7, 37.6)]


def test_a_page_over_two_megabytes_loads_from_its_file(view_factory: Any, qtbot: Any) -> None:
    items = [scene.Item(i, f"frame_{i:05d}_" + "x" * 180, None) for i in range(1, 10_001)]
    geos = [Geolocation(i, 49.5 + (i % 100) / 200, 37.3 + (i // 100) / 200, heading=i % 360)
            for i in range(1, 10_001)]
    view = view_factory(scene.build_scene(items, geos, []))
    assert (view.folder / "index.html").stat().st_size > 2_000_000
    state = wait_probe(qtbot, view, lambda s: s["painted"])
    assert state["points"] == 10_000


def test_the_key_folds_on_a_narrow_map_and_a_click_unfolds_it(view_factory: Any, qtbot: Any
                                                               ) -> None:
    folded = "document.querySelector('.desk-legend').classList.contains('desk-legend-folded')"
    view = view_factory(_small_scene())
    wait_probe(qtbot, view, lambda s: s["painted"])
    assert evaluate(qtbot, view, folded) is False
    view.resize(420, 600)
    qtbot.waitUntil(lambda: evaluate(qtbot, view, folded) is True, timeout=5_000)
    evaluate(qtbot, view, "document.querySelector('.desk-legend').click(), 1")
    assert evaluate(qtbot, view, folded) is False
    # Our listener runs after Leaflet's (added when the map was made), and two frames after
    # it Leaflet has re-measured the map and told the key.
    evaluate(qtbot, view, "(window.__resized = 0, window.addEventListener('resize', () =>"
                          " requestAnimationFrame(() => requestAnimationFrame(() =>"
                          " { window.__resized = window.innerWidth; }))), 1)")
    view.resize(400, 600)  # the reviewer opened it: a resize no longer folds it away
    qtbot.waitUntil(lambda: 0 < evaluate(qtbot, view, "window.__resized") < 420)
    assert evaluate(qtbot, view, folded) is False
