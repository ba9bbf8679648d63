"""The map page: a folium map (Leaflet from xstatic, no CDN) with the scene embedded as JSON.

folium builds the Leaflet map; desk's own script (resources/map/desk_map.js) draws the scene
with a canvas layer, because 10,000 folium markers take half a minute to paint. No data is
passed to folium as HTML: the scene goes in a `<script type="application/json">` block with
every `<`, `>` and `&` escaped, so no text from a case can end the block or open a tag, and
it is added after folium has rendered (branca re-reads its output as a Jinja template).
A Content-Security-Policy allows only the page's own inline scripts (by hash), local files,
Qt's web channel and the chosen tile servers.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import folium
from branca.element import Element, MacroElement
from jinja2 import Template

from desk.mapping.assets import copy_assets
from desk.mapping.layers import BaseLayer

PAGE_NAME = "index.html"
QWEBCHANNEL_JS = "qrc:///qtwebchannel/qwebchannel.js"
DEFAULT_CENTER = (49.7159, 37.5928)
_DATA_MARKER = "__DESK_MAP_DATA__"


def json_for_html(value: object) -> str:
    """JSON that is safe inside an HTML script block and as a JavaScript expression."""
    text = json.dumps(value, ensure_ascii=True, allow_nan=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def layer_data(layers: Sequence[BaseLayer]) -> list[dict[str, Any]]:
    return [{"name": layer.name, "url": layer.url, "attribution": layer.attribution,
             "max_zoom": layer.max_zoom, "subdomains": layer.subdomains or "abc"}
            for layer in layers]


class _Start(MacroElement):
    """Hands the folium map object to desk's script once folium has created it."""

    _template = Template(
        "{% macro script(this, kwargs) %}"
        "deskMap.start({{ this._parent.get_name() }}, document.getElementById('desk-data'));"
        "{% endmacro %}"
    )


def render_page(scene: dict[str, Any], base_layers: Sequence[BaseLayer], *,
                bridge: bool = True) -> str:
    """The page's HTML. `bridge` includes Qt's web channel script (the desk window)."""
    bounds = scene.get("bounds")
    selected = scene.get("selected") or {}
    centre = selected.get("camera") or (selected.get("claimed") or {}).get("at")
    if centre is None and bounds:
        centre = [(bounds[0][0] + bounds[1][0]) / 2, (bounds[0][1] + bounds[1][1]) / 2]
    fmap = folium.Map(location=list(centre or DEFAULT_CENTER), zoom_start=15 if centre else 3,
                      tiles=None, prefer_canvas=True, control_scale=False, max_zoom=20,
                      world_copy_jump=True, fade_animation=False)
    # Per instance, so no other folium map in the process loses its defaults.
    fmap.default_js = ([("qwebchannel", QWEBCHANNEL_JS)] if bridge else []) + [
        ("leaflet", "leaflet.js"), ("desk_map", "desk_map.js")]
    fmap.default_css = [("leaflet_css", "leaflet.css"), ("desk_map_css", "desk_map.css")]
    # The data never passes through folium: branca compiles rendered macro output as a Jinja
    # template again, so "{{ ... }}" in a file name would run as a template. It is spliced
    # into the finished page instead, in place of a constant marker.
    fmap.get_root().header.add_child(Element(
        f'<script type="application/json" id="desk-data">{_DATA_MARKER}</script>'),
        name="desk_data")
    fmap.add_child(_Start(), name="desk_start")
    html = fmap.get_root().render()
    if html.count(_DATA_MARKER) != 1:
        raise RuntimeError("the map page template changed: no single place for the data")
    payload = dict(scene)
    payload["base_layers"] = layer_data(base_layers)
    html = _with_csp(html, base_layers)
    return html.replace(_DATA_MARKER, json_for_html(payload), 1)


_INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.DOTALL)


def _with_csp(html: str, base_layers: Sequence[BaseLayer]) -> str:
    hashes = sorted({
        "'sha256-" + base64.b64encode(hashlib.sha256(body.encode("utf-8")).digest()).decode()
        + "'"
        for body in _INLINE_SCRIPT.findall(html)
    })
    tiles = sorted({origin for layer in base_layers for origin in layer.origins})
    policy = "; ".join([
        "default-src 'none'",
        "script-src file: qrc: " + " ".join(hashes),
        "style-src file: 'unsafe-inline'",
        "img-src file: data: " + " ".join(tiles),
        "font-src file: data:",
        "connect-src 'none'",
        "object-src 'none'",
        "frame-src 'none'",
        "base-uri 'none'",
        "form-action 'none'",
    ])
    meta = f'<meta http-equiv="Content-Security-Policy" content="{policy}">'
    return html.replace("<head>", "<head>\n    " + meta, 1)


def write_page(folder: Path, scene: dict[str, Any], base_layers: Sequence[BaseLayer], *,
               bridge: bool = True) -> Path:
    """Write the page and its assets into `folder`; large scenes must load from a file."""
    folder = Path(folder)
    copy_assets(folder)
    target = folder / PAGE_NAME
    target.write_text(render_page(scene, base_layers, bridge=bridge), encoding="utf-8")
    return target
