"""Tiles from a pack reach a real Qt WebEngine page through desk-tiles:, and nothing else does:
a page asks by key, never by path, and a bad tile is a blank, not a broken map."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QUrl
from PySide6.QtWebEngineCore import QWebEnginePage, QWebEngineProfile
from PySide6.QtWebEngineWidgets import QWebEngineView
from pytestqt.qtbot import QtBot

from desk.mapping.tilepacks import open_pack
from desk.ui.map.tile_scheme import TileSchemeHandler, install, tile_url_template
from tests.mapping.packs import colour_of, every_tile, tile_png, write_mbtiles, write_pmtiles

_PAGE = """<!doctype html><html><head>
<meta http-equiv="Content-Security-Policy" content="default-src 'none';
 img-src desk-tiles:; style-src 'unsafe-inline'">
<style>body{margin:0;background:#fff} img{display:block;float:left;width:256px;height:256px}
</style></head><body>%s</body></html>"""


def _bad_tile(z: int, x: int, y: int) -> bytes:
    return b"<html><script>alert(1)</script>" if (z, x, y) == (1, 1, 1) else tile_png(z, x, y)


@pytest.fixture
def profile(qtbot: QtBot) -> Iterator[QWebEngineProfile]:
    profile = QWebEngineProfile()  # off the record: nothing of the test stays on disk
    yield profile
    for view in _views:  # pages go before their profile
        view.page().deleteLater()
        view.deleteLater()
    _views.clear()
    qtbot.wait(50)


_views: list[QWebEngineView] = []


def _load(qtbot: QtBot, profile: QWebEngineProfile, tmp_path: Path, srcs: list[str]
          ) -> tuple[QWebEngineView, list[int]]:
    images = "".join(f'<img id="i{n}" src="{src}">' for n, src in enumerate(srcs))
    page_file = tmp_path / "page.html"
    page_file.write_text(_PAGE % images, encoding="utf-8")
    view = QWebEngineView()
    _views.append(view)
    page = QWebEnginePage(profile, view)
    view.setPage(page)
    view.resize(256 * len(srcs) + 32, 300)  # room for every tile in one row
    view.show()
    with qtbot.waitSignal(view.loadFinished, timeout=20_000):
        view.load(QUrl.fromLocalFile(str(page_file)))
    widths: list[int] = []

    def measured() -> bool:
        page.runJavaScript(
            "JSON.stringify(Array.from(document.images).every(i => i.complete) &&"
            " Array.from(document.images).map(i => i.naturalWidth))",
            0, lambda result: widths.__setitem__(slice(None), json.loads(result) or []))
        return bool(widths)

    qtbot.waitUntil(measured, timeout=20_000)
    return view, widths


@pytest.mark.parametrize("kind", ["mbtiles", "pmtiles"])
def test_a_page_gets_each_tile_from_the_pack_by_key(
        qtbot: QtBot, profile: QWebEngineProfile, tmp_path: Path, kind: str) -> None:
    writer = write_mbtiles if kind == "mbtiles" else write_pmtiles
    pack = open_pack(writer(tmp_path / f"p.{kind}", every_tile(2), data=_bad_tile))
    try:
        _serve_by_key(qtbot, profile, tmp_path, pack)
    finally:
        pack.close()


def _serve_by_key(qtbot: QtBot, profile: QWebEngineProfile, tmp_path: Path, pack: Any) -> None:
    problems: list[tuple[str, str]] = []
    handler = TileSchemeHandler(profile, on_problem=lambda k, p: problems.append((k, p)))
    handler.set_packs({"survey": pack})
    install(profile, handler)
    template = tile_url_template("survey")
    wanted = [(2, 1, 2), (2, 3, 0), (1, 1, 1), (5, 0, 0)]
    srcs = [template.format(z=z, x=x, y=y) for z, x, y in wanted]
    srcs.append("desk-tiles:other/0/0/0")  # a key the map was not given
    srcs.append("desk-tiles:../../etc/passwd")  # a path is never a key
    view, widths = _load(qtbot, profile, tmp_path, srcs)
    # The two real tiles load; the web page posing as a tile, the tile beyond the pack and
    # the foreign and path-like requests do not.
    assert widths == [256, 256, 0, 0, 0, 0]
    assert handler.served == 2
    assert problems == [("survey", "a tile is not a PNG image")]
    expected = [colour_of(z, x, y) for z, x, y in wanted[:2]]

    def painted() -> list[tuple[int, int, int]]:
        shot = view.grab().toImage()
        colours = [shot.pixelColor(n * 256 + 128, 128) for n in range(2)]
        return [(c.red(), c.green(), c.blue()) for c in colours]

    qtbot.waitUntil(lambda: painted() == expected, timeout=10_000)


class _TileServer:
    """A tile server on 127.0.0.1: PNG tiles of known colours, one HTML page posing as a
    tile, and a count of what it was asked."""

    def __init__(self) -> None:
        import http.server
        import threading

        owner = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                owner.asked.append(self.path)
                parts = self.path.strip("/").removesuffix(".png").split("/")
                z, x, y = (int(p) for p in parts)
                if (z, x, y) == (3, 3, 3):
                    body, kind = b"<html>rate limited</html>", "text/html"
                else:
                    body, kind = tile_png(z, x, y), "image/png"
                self.send_response(200)
                self.send_header("Content-Type", kind)
                self.send_header("Cache-Control", "max-age=3600")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.asked: list[str] = []
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def test_tiles_seen_online_paint_from_the_cache_when_offline(
        qtbot: QtBot, profile: QWebEngineProfile, tmp_path: Path) -> None:
    from desk.mapping.tile_cache import TileCache
    from desk.ui.map.tile_scheme import TileServer

    server = _TileServer()
    cache = TileCache(tmp_path / "cache" / "tiles.sqlite")
    handler = TileSchemeHandler(profile)
    install(profile, handler)
    source = TileServer(f"http://127.0.0.1:{server.port}/{{z}}/{{x}}/{{y}}.png")
    handler.set_servers({"org": source}, cache)
    wanted = [(3, 1, 2), (3, 4, 5), (3, 3, 3)]
    srcs = [tile_url_template("org").format(z=z, x=x, y=y) for z, x, y in wanted]
    try:
        _, widths = _load(qtbot, profile, tmp_path, srcs)
    finally:
        server.stop()
    assert widths == [256, 256, 0]  # the HTML "tile" is a blank, never shown
    assert handler.fetched == 2 and len(cache) == 2
    # The network is gone: a new page with a new handler paints the same view from the cache.
    handler.set_servers({}, None)
    other = QWebEngineProfile()
    offline = TileSchemeHandler(other)
    install(other, offline)
    offline.set_servers({"org": source}, cache)
    view, widths = _load(qtbot, other, tmp_path, srcs[:2])
    assert widths == [256, 256]
    assert offline.from_cache == 2 and offline.fetched == 0
    expected = [colour_of(z, x, y) for z, x, y in wanted[:2]]

    def painted() -> list[tuple[int, int, int]]:
        shot = view.grab().toImage()
        colours = [shot.pixelColor(n * 256 + 128, 128) for n in range(2)]
        return [(c.red(), c.green(), c.blue()) for c in colours]

    qtbot.waitUntil(lambda: painted() == expected, timeout=10_000)
    view.page().deleteLater()
    cache.close()


def test_working_offline_never_reaches_the_server(
        qtbot: QtBot, profile: QWebEngineProfile, tmp_path: Path) -> None:
    from desk.mapping.tile_cache import TileCache
    from desk.ui.map.tile_scheme import TileServer

    server = _TileServer()
    cache = TileCache(tmp_path / "tiles.sqlite")
    handler = TileSchemeHandler(profile)
    install(profile, handler)
    handler.offline = True
    handler.set_servers({"org": TileServer(f"http://127.0.0.1:{server.port}/{{z}}/{{x}}/{{y}}")},
                        cache)
    try:
        _, widths = _load(qtbot, profile, tmp_path, [tile_url_template("org").format(
            z=2, x=1, y=1)])
    finally:
        server.stop()
    assert widths == [0] and server.asked == []
    cache.close()
