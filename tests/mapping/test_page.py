"""The map page as written to disk: local files only, data as inert JSON, a strict CSP."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from pathlib import Path

import pytest

from desk.core.model import Geolocation, Gps, Landmark
from desk.mapping import page, scene
from desk.mapping.layers import BaseLayer, allowed_hosts, default_base_layers

PAYLOADS = [
    '<img src=x onerror="window.__pwned=1">',
    "</script><script>window.__pwned=1</script>",
    "`${window.__pwned=1}`",
    "{{ 7*7 }}{% for x in range(3) %}loop{% endfor %}",
    "\u2028\u2029 & \\ ' \" <!-- -->",
]


def _scene() -> dict:
    items = [scene.Item(i + 1, text, Gps(49.7 + i / 100, 37.6)) for i, text in enumerate(PAYLOADS)]
    geos = [Geolocation(1, 49.7159, 37.5928, heading=262, fov=62)]
    landmarks = [Landmark(i + 1, text, 49.71, 37.59 + i / 100) for i, text in enumerate(PAYLOADS)]
    return scene.build_scene(items, geos, landmarks, selected=1)


def _data(html: str) -> dict:
    match = re.search(r'<script type="application/json" id="desk-data">(.*?)</script>', html,
                      re.DOTALL)
    assert match
    return json.loads(match[1])


def test_only_local_files_and_the_web_channel_are_loaded(tmp_path: Path) -> None:
    path = page.write_page(tmp_path, _scene(), default_base_layers())
    html = path.read_text(encoding="utf-8")
    refs = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert refs, "the page loads its scripts"
    for ref in refs:
        assert ref == page.QWEBCHANNEL_JS or (tmp_path / ref).is_file(), ref
    for cdn in ("cdn.", "jsdelivr", "cdnjs", "jquery", "bootstrap", "awesome", "unpkg"):
        assert cdn not in html.lower()
    assert (tmp_path / "images" / "layers.png").is_file()  # Leaflet's own CSS images


def test_the_web_channel_is_left_out_of_pages_without_the_bridge() -> None:
    with_bridge = page.render_page(_scene(), default_base_layers())
    without = page.render_page(_scene(), default_base_layers(), bridge=False)
    assert with_bridge.count(page.QWEBCHANNEL_JS) == 1
    assert page.QWEBCHANNEL_JS not in without
    assert _data(without) == _data(with_bridge)
    assert "leaflet.js" in without and "deskMap.start(" in without


def test_a_damaged_shell_fails_loudly(monkeypatch: pytest.MonkeyPatch) -> None:
    shell = page.read_shell()
    for broken in (shell.replace(page.QWEBCHANNEL_JS, "qwebchannel.js"),
                   shell.replace(page.DATA_MARKER, ""),
                   shell.replace("</head>", f"{page.DATA_MARKER}</head>")):
        monkeypatch.setattr(page, "read_shell", lambda text=broken: text)
        with pytest.raises(RuntimeError, match=r"python -m desk\.mapping\.shell"):
            page.render_page(_scene(), (), bridge=False)


def test_the_map_opens_on_the_selected_camera() -> None:
    data = _data(page.render_page(_scene(), ()))
    assert data["view"] == {"center": [49.7159, 37.5928], "zoom": 15}
    # No camera: the claimed place; nothing selected: the middle of everything; nothing: zoomed
    # out on the default place.
    claimed = {"selected": {"id": 1, "claimed": {"at": [50.1, 36.2], "label": "x"}}}
    assert page.initial_view(claimed) == {"center": [50.1, 36.2], "zoom": 15}
    bounds = {"selected": None, "bounds": [[49.0, 37.0], [50.0, 38.0]]}
    assert page.initial_view(bounds) == {"center": [49.5, 37.5], "zoom": 15}
    assert page.initial_view({}) == {"center": list(page.DEFAULT_CENTER), "zoom": 3}


def test_data_is_inert_json_and_not_a_template() -> None:
    html = page.render_page(_scene(), ())
    data = _data(html)
    assert sorted(data["names"].values()) == sorted(PAYLOADS)
    assert [lm["name"] for lm in data["landmarks"]] == PAYLOADS
    assert "{{ 7*7 }}" in data["landmarks"][3]["name"] and "49" not in data["names"]["4"]
    block = html.split('id="desk-data">', 1)[1].split("</script>", 1)[0]
    assert "<" not in block and ">" not in block and "\u2028" not in block


def test_content_security_policy_pins_scripts_and_tile_hosts() -> None:
    layers = default_base_layers()
    html = page.render_page(_scene(), layers)
    policy = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', html)[1]
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";"))
    assert directives["default-src"] == "'none'"
    assert "'unsafe-inline'" not in directives["script-src"]
    assert "'unsafe-eval'" not in directives["script-src"]
    assert directives["img-src"].split() == ["file:", "data:", "desk-tiles:",
                                             "https://server.arcgisonline.com",
                                             "https://tile.openstreetmap.org"]
    inline = re.findall(r"<script>(.*?)</script>", html, re.DOTALL)
    assert len(inline) == directives["script-src"].count("'sha256-")
    for body in inline:
        digest = base64.b64encode(hashlib.sha256(body.encode("utf-8")).digest()).decode()
        assert f"'sha256-{digest}'" in directives["script-src"].split()
    assert any("deskMap.start(" in body for body in inline)
    assert html.index("Content-Security-Policy") < html.index("<script")


def test_default_layers_are_osm_and_satellite_with_attribution() -> None:
    osm, satellite = default_base_layers()
    assert osm.url == "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
    assert "OpenStreetMap contributors" in osm.attribution
    assert "Esri" in satellite.attribution and "World_Imagery" in satellite.url
    assert allowed_hosts((osm, satellite)) == {"tile.openstreetmap.org",
                                               "server.arcgisonline.com"}


def test_subdomain_templates_allow_each_subdomain() -> None:
    layer = BaseLayer("x", "https://{s}.tiles.example/{z}/{x}/{y}.png", "x", subdomains="ab")
    assert layer.hosts == {"a.tiles.example", "b.tiles.example"}
    assert layer.origins == {"https://a.tiles.example", "https://b.tiles.example"}


def test_ten_thousand_points_make_a_page_over_two_megabytes(tmp_path: Path) -> None:
    items = [scene.Item(i, f"frame_{i:05d}_" + "x" * 180, None) for i in range(1, 10_001)]
    geos = [Geolocation(i, 49 + i / 10_000, 37 + i / 10_000, heading=i % 360) for i in
            range(1, 10_001)]
    path = page.write_page(tmp_path, scene.build_scene(items, geos, []), ())
    assert path.stat().st_size > 2_000_000
    assert len(_data(path.read_text(encoding="utf-8"))["points"]["id"]) == 10_000
