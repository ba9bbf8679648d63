"""The map's settings on this machine: how large the cache of tiles seen may grow, and the
organisation's own tile server (URL template, API key header, attribution, highest zoom).

Both belong to the machine and the reviewer, not to a case: a case handed to a colleague
never carries a key. The key is kept with the app's settings (QSettings; the file is made
readable by its owner only), given to the tile scheme handler as a request header, and
written nowhere else: not into the map page, the cache (tiles are cached by URL, and the key
is not in the URL), a pack, a case, a dossier or a log.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence

from PySide6.QtCore import QSettings

from desk.mapping.area_download import OrgServer, ServerSettingsError
from desk.mapping.layers import BaseLayer, default_base_layers
from desk.mapping.tile_cache import DEFAULT_LIMIT_BYTES

log = logging.getLogger(__name__)

#: The key the map panel reads the cache's limit from when it opens the cache.
CACHE_KEY = "map/tile_cache_mb"
MIN_CACHE_MB, MAX_CACHE_MB = 10, 200_000
_ORG = "map/org_server/"
_FIELDS = ("template", "header_name", "header_value", "attribution", "max_zoom")


def cache_limit_mb() -> int:
    value = QSettings().value(CACHE_KEY, DEFAULT_LIMIT_BYTES // 2**20)
    try:
        mb = int(str(value))
    except (TypeError, ValueError):
        mb = DEFAULT_LIMIT_BYTES // 2**20
    return max(MIN_CACHE_MB, min(MAX_CACHE_MB, mb))


def set_cache_limit_mb(mb: int) -> None:
    QSettings().setValue(CACHE_KEY, max(MIN_CACHE_MB, min(MAX_CACHE_MB, int(mb))))


def org_server() -> OrgServer | None:
    """The organisation's tile server as set up here, None if none (or one that no longer
    checks out, which the settings dialog then shows for fixing)."""
    settings = QSettings()
    template = str(settings.value(_ORG + "template", "") or "")
    if not template:
        return None
    try:
        return OrgServer(template, str(settings.value(_ORG + "header_name", "") or ""),
                         str(settings.value(_ORG + "header_value", "") or ""),
                         str(settings.value(_ORG + "attribution", "") or ""),
                         int(str(settings.value(_ORG + "max_zoom", 19))))
    except (ServerSettingsError, TypeError, ValueError) as exc:
        log.warning("map: the organisation tile server in the settings is not usable (%s)",
                    type(exc).__name__)  # the message could quote the key's header
        return None


def stored_fields() -> dict[str, str]:
    """What is stored, checked or not (for the settings dialog to show)."""
    settings = QSettings()
    return {name: str(settings.value(_ORG + name, "") or "") for name in _FIELDS}


def save_org_server(server: OrgServer | None) -> None:
    settings = QSettings()
    if server is None:
        settings.remove(_ORG.rstrip("/"))
    else:
        for name in _FIELDS:
            settings.setValue(_ORG + name, getattr(server, name))
    settings.sync()
    _owner_only(settings.fileName())


def _owner_only(path: str) -> None:
    """The settings file holds an API key: readable by its owner only (where that means
    something; Windows keeps QSettings in the user's registry)."""
    if path and os.path.isfile(path) and os.name == "posix":
        try:
            os.chmod(path, 0o600)
        except OSError:
            log.warning("map: the settings file's permissions could not be narrowed")


def org_layer(server: OrgServer) -> BaseLayer:
    """The organisation's server as a map layer: credited as configured."""
    return BaseLayer(name=f"Organisation imagery ({server.host})", url=server.template,
                     attribution=server.credit, max_zoom=server.max_zoom)


def web_layers(given: Sequence[BaseLayer] | None) -> tuple[BaseLayer, ...]:
    """The map's online layers: the organisation's server first (the imagery its reviewers
    are meant to use), then the ones given (None: the app's public providers)."""
    rest = tuple(default_base_layers() if given is None else given)
    server = org_server()
    if server is None:
        return rest
    return (org_layer(server), *(layer for layer in rest if layer.url != server.template))


def headers_for(template: str) -> dict[str, str]:
    """The request headers of the tile server with this URL template: the organisation's
    key for its own server, nothing for any other."""
    server = org_server()
    return server.headers() if server is not None and server.template == template else {}
