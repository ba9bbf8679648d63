"""Tiles from a pack reach a real Qt WebEngine page through desk-tiles:, and nothing else does:
a page asks by key, never by path, and a bad tile is a blank, not a broken map."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

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
    view.resize(256 * len(srcs), 256)
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
    pack.close()
