"""Tile packs on the real map page: the right tile in the right place (pixels read back from
the view), the pack's attribution and area shown, overlays drawn over the base, a pack with bad
tiles still a usable map, and a page that reaches no tile host itself."""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from desk.mapping import scene
from desk.mapping.layers import default_base_layers
from desk.mapping.page import DEFAULT_CENTER
from desk.mapping.tilepacks import open_pack
from desk.ui.map.map_view import MapView
from tests.mapping.packs import colour_of, tile_png, write_mbtiles, write_pmtiles
from tests.ui.map_fixtures import evaluate, flush_deletes, wait_probe

Z = 15
SIZE = (768, 512)


def _centre_tile() -> tuple[int, int, float, float]:
    """The zoom-15 tile under the map's default centre, and where in it the centre falls."""
    lat, lon = DEFAULT_CENTER
    n = 1 << Z
    fx = (lon + 180.0) / 360.0 * n
    fy = (1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n
    return int(fx), int(fy), fx - int(fx), fy - int(fy)


def _block(radius: int = 3) -> list[tuple[int, int, int]]:
    cx, cy, _, _ = _centre_tile()
    return [(Z, x, y) for x in range(cx - radius, cx + radius + 1)
            for y in range(cy - radius, cy + radius + 1)]


@pytest.fixture(autouse=True)
def _packs_closed(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Every pack a test opens is closed at its end, passed or failed."""
    opened: list[Any] = []
    real = open_pack

    def tracked(path: Any) -> Any:
        pack = real(path)
        opened.append(pack)
        return pack

    monkeypatch.setitem(globals(), "open_pack", tracked)
    yield
    for pack in opened:
        pack.close()


@pytest.fixture
def open_view(qtbot: Any) -> Iterator[Any]:
    made: list[MapView] = []

    def factory(packs: dict[str, Any], web: bool = False) -> MapView:
        view = MapView(base_layers=default_base_layers() if web else ())
        view.set_packs(packs)
        qtbot.addWidget(view)
        view.resize(*SIZE)
        view.show()
        data = scene.build_scene([], [], [])
        data["zoom"] = Z
        view.show_scene(data)
        qtbot.waitUntil(lambda: view.is_ready, timeout=15_000)
        made.append(view)
        return view

    yield factory
    for view in made:
        view.dispose()
    flush_deletes()


def _pixel(view: MapView, x: int, y: int) -> tuple[int, int, int]:
    colour = view.grab().toImage().pixelColor(x, y)
    return colour.red(), colour.green(), colour.blue()


@pytest.mark.parametrize("kind", ["mbtiles", "pmtiles"])
def test_the_packs_tiles_are_painted_where_they_belong(
        open_view: Any, qtbot: Any, tmp_path: Path, kind: str) -> None:
    writer = write_mbtiles if kind == "mbtiles" else write_pmtiles
    meta = {"name": "Kupiansk survey", "attribution": "© Drone survey <b>2024</b>",
            "type": "baselayer"}
    pack = open_pack(writer(tmp_path / f"survey.{kind}", _block(), metadata=meta))
    view = open_view({"survey": pack})
    wait_probe(qtbot, view, lambda s: s["painted"] and s["tiles_loaded"], timeout=15_000)
    cx, cy, ox, _ = _centre_tile()
    # The map centre is the default centre: its tile's colour is there, and the next tile to
    # the east starts where the centre's tile ends (away from the controls at the corners).
    middle = (SIZE[0] // 2, SIZE[1] // 2)
    expected = colour_of(Z, cx, cy)
    probe_x = middle[0] + round((1 - ox) * 256) + 20  # surely inside the tile to the east
    # Tiles arrive one by one: wait until both are painted, then both must be the right ones.
    qtbot.waitUntil(lambda: _pixel(view, *middle) == expected
                    and _pixel(view, probe_x, middle[1]) == colour_of(Z, cx + 1, cy),
                    timeout=10_000)
    attribution = evaluate(qtbot, view, "document.querySelector("
                                        "'.leaflet-control-attribution').textContent")
    assert "© Drone survey 2024" in attribution and "<b>" not in attribution
    assert not evaluate(qtbot, view, "deskMap.probe().offline")
    pack.close()


def test_an_overlay_pack_is_drawn_over_the_base_at_its_opacity(
        open_view: Any, qtbot: Any, tmp_path: Path) -> None:
    base = open_pack(write_mbtiles(tmp_path / "base.mbtiles", _block(),
                                   data=lambda z, x, y: tile_png(0, 0, 0)))
    over = open_pack(write_pmtiles(tmp_path / "over.pmtiles", _block(1),
                                   data=lambda z, x, y: tile_png(5, 5, 5)))
    from desk.mapping.layers import pack_layer

    view = open_view({})
    view.set_packs({"base": base, "over": over},
                   [pack_layer("base", base.info), pack_layer("over", over.info, "overlay", 0.5)])
    data = scene.build_scene([], [], [])
    data["zoom"] = Z
    view.show_scene(data)
    qtbot.waitUntil(lambda: view.is_ready, timeout=15_000)
    low, high = colour_of(0, 0, 0), colour_of(5, 5, 5)
    blended = tuple((a + b) / 2 for a, b in zip(low, high, strict=True))

    def mixed() -> bool:
        got = _pixel(view, SIZE[0] // 2, SIZE[1] // 2)
        return all(abs(g - b) <= 3 for g, b in zip(got, blended, strict=True))

    qtbot.waitUntil(mixed, timeout=10_000)
    labels = evaluate(qtbot, view, "Array.from(document.querySelectorAll("
                                   "'.leaflet-control-layers-overlays label')).map(l =>"
                                   " l.textContent.trim())")
    assert "PM test pack" in labels and "Tile pack areas" in labels
    areas = evaluate(qtbot, view, "deskMap.probe().pack_areas")
    assert areas == [list(base.info.bounds or ()), list(over.info.bounds or ())]
    base.close()
    over.close()


def test_a_pack_with_bad_tiles_leaves_a_usable_map_and_names_the_problem(
        open_view: Any, qtbot: Any, tmp_path: Path) -> None:
    cx, cy, _, _ = _centre_tile()

    def data(z: int, x: int, y: int) -> bytes:
        return b"<script>alert(1)</script>" if (x, y) == (cx, cy) else tile_png(z, x, y)

    pack = open_pack(write_mbtiles(tmp_path / "bad.mbtiles", _block(), data=data))
    view = open_view({"bad": pack})
    wait_probe(qtbot, view, lambda s: s["painted"], timeout=15_000)
    qtbot.waitUntil(lambda: "bad" in view.tile_problems, timeout=10_000)
    assert view.tile_problems["bad"] == "a tile is not a PNG image"
    probe_x = SIZE[0] // 2 + 300
    qtbot.waitUntil(lambda: _pixel(view, probe_x, SIZE[1] // 2) in
                    {colour_of(Z, cx + 1, cy), colour_of(Z, cx + 2, cy)}, timeout=10_000)
    assert evaluate(qtbot, view, "typeof deskMap.probe") == "function"  # the page still runs
    pack.close()


def test_the_page_reaches_no_tile_host_itself(open_view: Any, qtbot: Any) -> None:
    view = open_view({}, web=True)
    page = (view.folder / "index.html").read_text(encoding="utf-8")
    policy = re.search(r'Content-Security-Policy" content="([^"]+)"', page)[1]
    img = next(d for d in policy.split(";") if d.strip().startswith("img-src")).split()[1:]
    assert img == ["file:", "data:", "desk-tiles:"]
    assert "https://" not in page.split('id="desk-data">', 1)[1].split("</script>", 1)[0]
