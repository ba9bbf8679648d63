"""Base layers (tiles) the map may use when online, named and attributed through xyzservices.

The hosts of these layers are the only remote hosts the map view may reach, so the list is
also the network allow-list.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from xyzservices import TileProvider  # a dict of settings; xyzservices ships no types


@dataclass(frozen=True)
class BaseLayer:
    name: str
    url: str  # Leaflet URL template: {z}/{x}/{y}, optionally {s}
    attribution: str  # plain text; the page escapes it
    max_zoom: int = 19
    subdomains: str = ""

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
