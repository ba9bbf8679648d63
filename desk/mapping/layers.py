"""The map's layers: online tile servers (named and attributed through xyzservices) and tile
packs, each a base layer or an overlay.

The hosts of the online layers are the only remote hosts desk fetches map tiles from, so the
list is also the network allow-list. The page itself reaches none: every tile comes to it
through desk's own URL scheme (TILE_SCHEME), served from Python.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from xyzservices import TileProvider  # a dict of settings; xyzservices ships no types

    from desk.mapping.tilepacks import PackInfo


#: The URL scheme through which the map page gets every tile (served from Python: packs, and
#: online servers through the cache of tiles seen), never from a host directly.
TILE_SCHEME = "desk-tiles"


@dataclass(frozen=True)
class BaseLayer:
    name: str
    url: str  # Leaflet URL template: {z}/{x}/{y}, optionally {s}
    attribution: str  # plain text; the page escapes it
    max_zoom: int = 19
    subdomains: str = ""
    #: Drawn over the base layer (a pack that says it is an overlay, or chosen as one).
    overlay: bool = False
    opacity: float = 1.0
    #: west, south, east, north: where a pack has tiles (outlined on the map).
    bounds: tuple[float, float, float, float] | None = None
    min_zoom: int = 0
    #: The key a tile pack is served under (desk-tiles:<key>/z/x/y); "" for online servers.
    pack_key: str = ""

    @property
    def hosts(self) -> frozenset[str]:
        template = urlsplit(self.url).hostname or ""
        if "{s}" in template:  # Leaflet's default subdomains are a, b, c
            return frozenset(template.replace("{s}", s) for s in (self.subdomains or "abc"))
        return frozenset({template}) if template else frozenset()

    @property
    def origins(self) -> frozenset[str]:
        """scheme://host[:port] of every tile server, for the page's Content-Security-Policy."""
        parts = urlsplit(self.url)
        port = f":{parts.port}" if parts.port else ""
        return frozenset(f"{parts.scheme}://{host}{port}" for host in self.hosts)


def tile_url(key: str) -> str:
    """The page's URL template for tiles served under `key`."""
    return f"{TILE_SCHEME}:{key}/{{z}}/{{x}}/{{y}}"


def pack_layer(key: str, info: PackInfo, role: str | None = None,
               opacity: float = 1.0) -> BaseLayer:
    """A tile pack as a map layer: named, attributed and bounded as the pack states."""
    overlay = (role == "overlay") if role is not None else info.layer_type == "overlay"
    return BaseLayer(name=info.name, url=tile_url(key), attribution=info.attribution,
                     max_zoom=info.max_zoom, overlay=overlay, opacity=opacity,
                     bounds=info.bounds, min_zoom=info.min_zoom, pack_key=key)


def _from_provider(name: str, provider: TileProvider) -> BaseLayer:
    attribution = str(provider["attribution"]).replace("(C)", "©")
    return BaseLayer(
        name=name,
        url=str(provider.build_url()),
        attribution=attribution,
        max_zoom=int(provider.get("max_zoom", 19)),
        subdomains="".join(provider.get("subdomains", "")),
    )


def default_base_layers() -> tuple[BaseLayer, ...]:
    """OpenStreetMap and a satellite layer (Esri World Imagery), the first shown by default."""
    import xyzservices.providers as providers

    return (
        _from_provider("OpenStreetMap", providers.OpenStreetMap.Mapnik),
        _from_provider("Satellite (Esri World Imagery)", providers.Esri.WorldImagery),
    )


def allowed_hosts(layers: Iterable[BaseLayer]) -> frozenset[str]:
    hosts: set[str] = set()
    for layer in layers:
        hosts |= layer.hosts
    return frozenset(hosts)
