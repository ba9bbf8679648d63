"""The map page: a Leaflet map (from xstatic, no CDN) with the scene embedded as JSON.

folium renders the page's shell ahead of time (resources/map/page_shell.html, kept in step
with folium by a test; see desk.mapping.shell), so neither folium nor numpy is needed at run
time; here desk fills in the scene. desk's own script (resources/map/desk_map.js) draws it
with a canvas layer, because 10,000 folium markers take half a minute to paint, and sets the
initial view from it. The scene goes in a `<script type="application/json">` block with every
`<`, `>` and `&` escaped, so no text from a case can end the block or open a tag.
A Content-Security-Policy allows only the page's own inline scripts (by hash), local files,
Qt's web channel and desk's tile scheme (and the hosts of any layer given by a web URL).
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from desk.mapping.assets import copy_assets
from desk.mapping.layers import TILE_SCHEME, BaseLayer
from desk.mapping.shell import DATA_MARKER, QWEBCHANNEL_JS, read_shell, shell_path

__all__ = ["DEFAULT_CENTER", "PAGE_NAME", "QWEBCHANNEL_JS", "initial_view", "json_for_html",
           "layer_data", "render_page", "write_page"]

PAGE_NAME = "index.html"
DEFAULT_CENTER = (49.7159, 37.5928)
_WEB_CHANNEL_TAG = f'<script src="{QWEBCHANNEL_JS}"></script>'


def json_for_html(value: object) -> str:
    """JSON that is safe inside an HTML script block and as a JavaScript expression."""
    text = json.dumps(value, ensure_ascii=True, allow_nan=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def layer_data(layers: Sequence[BaseLayer]) -> list[dict[str, Any]]:
    return [{"name": layer.name, "url": layer.url, "attribution": layer.attribution,
             "max_zoom": layer.max_zoom, "subdomains": layer.subdomains or "abc",
             "overlay": layer.overlay, "opacity": layer.opacity,
             "bounds": None if layer.bounds is None else list(layer.bounds),
             "min_zoom": layer.min_zoom, "pack": bool(layer.pack_key)}
            for layer in layers]


def initial_view(scene: dict[str, Any]) -> dict[str, Any]:
    """Where the map opens: the selected frame's camera or claimed place, else the middle of
    the scene's bounds (zoom 15), else a default place at zoom 3."""
    bounds = scene.get("bounds")
    selected = scene.get("selected") or {}
    centre = selected.get("camera") or (selected.get("claimed") or {}).get("at")
    if centre is None and bounds:
        centre = [(bounds[0][0] + bounds[1][0]) / 2, (bounds[0][1] + bounds[1][1]) / 2]
    lat, lon = centre or DEFAULT_CENTER
    zoom = scene.get("zoom")
    if not isinstance(zoom, int) or not 0 <= zoom <= 20:
        zoom = 15 if centre else 3
    return {"center": [float(lat), float(lon)], "zoom": zoom}


def render_page(scene: dict[str, Any], base_layers: Sequence[BaseLayer], *,
                bridge: bool = True) -> str:
    """The page's HTML. `bridge` includes Qt's web channel script (the desk window)."""
    html = read_shell()
    if html.count(DATA_MARKER) != 1 or html.count(_WEB_CHANNEL_TAG) != 1:
        raise RuntimeError(f"the map page shell {shell_path()} is damaged (one data marker and "
                           "one web-channel script expected): run python -m desk.mapping.shell")
    if not bridge:
        html = re.sub(r"[ \t]*" + re.escape(_WEB_CHANNEL_TAG) + r"\n?", "", html, count=1)
    payload = dict(scene)
    payload["base_layers"] = layer_data(base_layers)
    payload["view"] = initial_view(scene)
    html = _with_csp(html, base_layers)
    return html.replace(DATA_MARKER, json_for_html(payload), 1)


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
        f"img-src file: data: {TILE_SCHEME}: " + " ".join(tiles),
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
    # "\n" as rendered on every platform: the CSP hashes were taken over these exact bytes.
    target.write_text(render_page(scene, base_layers, bridge=bridge), encoding="utf-8",
                      newline="\n")
    return target
