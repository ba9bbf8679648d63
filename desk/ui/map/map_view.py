"""MapView: the Leaflet page in a locked-down QWebEngineView.

The page is written to a private folder and loaded from the file (setHtml fails silently above
2 MB). Its profile lets it reach only that folder, Qt's web channel script and desk's tile
scheme: tiles of tile packs and of the online servers come through it, fetched from Python
and kept in the cache of tiles seen, so the page itself reaches no host. Navigation away, new
windows, drops and permission requests are refused. desk talks to the page with
`deskMap.<function>(<JSON>)` and hears back only through the checked slots of MapBridge.
"""

from __future__ import annotations

import functools
import json
import logging
import re
import shutil
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QUrl, Signal
from PySide6.QtWebChannel import QWebChannel
from PySide6.QtWebEngineCore import (
    QWebEnginePage,
    QWebEngineProfile,
    QWebEngineSettings,
    QWebEngineUrlRequestInfo,
    QWebEngineUrlRequestInterceptor,
)
from PySide6.QtWebEngineWidgets import QWebEngineView
from PySide6.QtWidgets import QWidget

from desk import __version__
from desk.mapping.layers import (
    TILE_SCHEME,
    BaseLayer,
    default_base_layers,
    pack_layer,
    tile_url,
)
from desk.mapping.page import QWEBCHANNEL_JS, json_for_html, write_page
from desk.ui.map.map_bridge import MapBridge
from desk.ui.map.tile_scheme import TileSchemeHandler, TileServer, install

if TYPE_CHECKING:
    from desk.mapping.tile_cache import TileCache
    from desk.mapping.tilepacks import TilePack

log = logging.getLogger(__name__)

_FUNCTION = re.compile(r"^[A-Za-z]\w*$")


class MapRequestFilter(QWebEngineUrlRequestInterceptor):
    """Lets through the page's own folder, the web channel script and the tile hosts only."""

    def __init__(self, folder: Path, hosts: frozenset[str], parent: Any = None) -> None:
        super().__init__(parent)
        self._folder = folder.resolve()
        self._hosts = hosts
        self.blocked: list[str] = []

    def allows(self, url: QUrl) -> bool:
        scheme = url.scheme()
        if scheme == "file":
            try:
                Path(url.toLocalFile()).resolve().relative_to(self._folder)
            except ValueError:
                return False
            return True
        if scheme == "qrc":
            return url == QUrl(QWEBCHANNEL_JS)
        if scheme in ("http", "https"):
            return url.host().lower() in self._hosts
        return scheme in ("data", TILE_SCHEME)

    def interceptRequest(self, info: QWebEngineUrlRequestInfo) -> None:  # noqa: N802 - Qt's name
        url = info.requestUrl()
        if not self.allows(url):
            self.blocked.append(url.toString())
            info.block(True)


class MapPage(QWebEnginePage):
    """Refuses every navigation but loading its own page, and every new window."""

    def __init__(self, profile: QWebEngineProfile, parent: QWidget) -> None:
        super().__init__(profile, parent)
        self.page_url: QUrl | None = None
        self.console: list[str] = []

    def acceptNavigationRequest(self, url: QUrl | str, kind: QWebEnginePage.NavigationType,  # noqa: N802
                                is_main_frame: bool) -> bool:
        url = QUrl(url)
        allowed = (
            is_main_frame
            and self.page_url is not None
            and url.toString().split("#", 1)[0] == self.page_url.toString()
            and kind in (QWebEnginePage.NavigationType.NavigationTypeTyped,
                         QWebEnginePage.NavigationType.NavigationTypeReload)
        )
        if not allowed:
            log.info("map: refused navigation to %s", url.toString()[:200])
        return allowed

    def createWindow(self, kind: QWebEnginePage.WebWindowType) -> None:  # noqa: N802
        return None

    def javaScriptConsoleMessage(self, level: QWebEnginePage.JavaScriptConsoleMessageLevel,  # noqa: N802
                                 message: str, line: int, source: str) -> None:
        self.console.append(message)
        log.debug("map console: %s (%s:%s)", message, source, line)


class MapView(QWebEngineView):
    """The map page; call `show_scene` once, then the small update methods."""

    #: The page is loaded and its bridge connected; queued calls have run.
    ready = Signal()

    def __init__(self, parent: QWidget | None = None, *,
                 base_layers: Sequence[BaseLayer] | None = None,
                 tile_cache: TileCache | None = None) -> None:
        super().__init__(parent)
        self.setAcceptDrops(False)
        self.base_layers = tuple(default_base_layers() if base_layers is None else base_layers)
        self.pack_layers: tuple[BaseLayer, ...] = ()
        #: Problems of tile packs met while serving (a pack per message), for the layer list.
        self.tile_problems: dict[str, str] = {}
        self._folder = Path(tempfile.mkdtemp(prefix="desk-map-"))
        self.destroyed.connect(functools.partial(shutil.rmtree, self._folder, True))
        # Off the record: nothing a page does is kept on disk.
        profile = QWebEngineProfile()
        profile.setHttpUserAgent(f"{profile.httpUserAgent()} desk/{__version__} (evidence review)")
        # The page reaches no tile host itself: online tiles come through desk's scheme too.
        self.requests = MapRequestFilter(self._folder, frozenset(), profile)
        profile.setUrlRequestInterceptor(self.requests)
        self.tiles = TileSchemeHandler(profile, on_problem=self.tile_problems.__setitem__)
        install(profile, self.tiles)
        self.tiles.set_servers(self._servers(), tile_cache)
        #: The cache of tiles seen this view was given (a second map, in a dialog, shares it).
        self.tile_cache = tile_cache
        page = MapPage(profile, self)
        # The profile must outlive its page: as the page's child it is deleted after it.
        profile.setParent(page)
        settings = page.settings()
        attribute = QWebEngineSettings.WebAttribute
        for name, on in (
            ("LocalContentCanAccessRemoteUrls", True),  # tile images from the allowed hosts
            ("LocalContentCanAccessFileUrls", True),  # leaflet.js beside the page
            ("JavascriptCanOpenWindows", False),
            ("JavascriptCanAccessClipboard", False),
            ("JavascriptCanPaste", False),
            ("LocalStorageEnabled", False),
            ("PluginsEnabled", False),
            ("PdfViewerEnabled", False),
            ("FullScreenSupportEnabled", False),
            ("ScreenCaptureEnabled", False),
            ("AutoLoadIconsForPage", False),
            ("NavigateOnDropEnabled", False),
            ("WebRTCPublicInterfacesOnly", True),
        ):
            if hasattr(attribute, name):
                settings.setAttribute(getattr(attribute, name), on)
        if hasattr(page, "permissionRequested"):
            page.permissionRequested.connect(lambda permission: permission.deny())
        self.bridge = MapBridge()
        self.events = self.bridge.events
        channel = QWebChannel(page)
        self.bridge.setParent(channel)
        channel.registerObject("bridge", self.bridge)
        page.setWebChannel(channel)
        self._page = page
        self.setPage(page)
        self._ready = False
        self._pending: list[str] = []
        #: What the page draws beyond the scene, sent again to every page loaded.
        self._overlays: list[dict[str, Any]] = []
        self._compare: dict[str, Any] = {}
        self.events.ready.connect(self._on_ready)

    # ----------------------------------------------------------------- imagery

    def _servers(self) -> dict[str, TileServer]:
        from desk.ui.map.map_settings import headers_for  # the organisation's key, if any

        return {f"web{index}": TileServer(layer.url, layer.subdomains, headers_for(layer.url))
                for index, layer in enumerate(self.base_layers)
                if layer.url.startswith(("http://", "https://"))}

    def set_base_layers(self, layers: Sequence[BaseLayer]) -> None:
        """Other online layers (the settings changed), shown from the next `show_scene`."""
        self.base_layers = tuple(layers)
        self.tiles.set_servers(self._servers(), self.tile_cache)

    def page_layers(self) -> list[BaseLayer]:
        """The layers as the page gets them: base packs first (offline imagery the reviewer
        chose is what the map opens on), then the online servers through the scheme, then
        overlays."""
        web = [replace(layer, url=tile_url(f"web{index}"))
               if layer.url.startswith(("http://", "https://")) else layer
               for index, layer in enumerate(self.base_layers)]
        bases = [layer for layer in self.pack_layers if not layer.overlay]
        overlays = [layer for layer in self.pack_layers if layer.overlay]
        return [*bases, *web, *overlays]

    def set_packs(self, packs: Mapping[str, TilePack],
                  layers: Sequence[BaseLayer] | None = None) -> None:
        """Tile packs to show from the next `show_scene` (key -> open pack); `layers` gives
        each pack's role and opacity (default: as the pack states)."""
        self.tiles.set_packs(dict(packs))
        self.tile_problems.clear()
        self.pack_layers = tuple(layers) if layers is not None else tuple(
            pack_layer(key, pack.info) for key, pack in packs.items())

    def set_overlays(self, overlays: Sequence[dict[str, Any]]) -> None:
        """Reference overlays to draw (CaseImagery.overlays), now and on every page loaded."""
        self._overlays = [dict(o) for o in overlays]
        self.call("setOverlays", self._overlays)

    def set_overlay_opacity(self, overlay_id: int, opacity: float) -> None:
        """A live preview while the reviewer drags an opacity slider (nothing is saved)."""
        for overlay in self._overlays:
            if overlay["id"] == overlay_id:
                overlay["opacity"] = opacity
        self.call("setOverlayOpacity", int(overlay_id), float(opacity))

    def set_compare(self, **options: object) -> None:
        """How overlays are compared with the map: shown, swipe, position (0-1), flicker."""
        known = {"shown", "swipe", "position", "flicker"}
        if not set(options) <= known:
            raise ValueError(f"not a compare option: {sorted(set(options) - known)}")
        self._compare.update(options)
        self.call("setCompare", options)

    @property
    def overlays(self) -> list[dict[str, Any]]:
        return list(self._overlays)

    def set_offline(self, offline: bool) -> None:
        """Work offline: the map shows packs and the cache of tiles seen, and fetches nothing."""
        self.tiles.offline = offline

    # ----------------------------------------------------------------- loading

    @property
    def folder(self) -> Path:
        return self._folder

    @property
    def is_ready(self) -> bool:
        return self._ready

    def show_scene(self, scene: dict[str, Any]) -> None:
        """(Re)load the page with a scene: for a new case; edits use `set_scene`."""
        self._ready = False
        self._pending.clear()
        if self._overlays:
            self.call("setOverlays", self._overlays)
        if self._compare:
            self.call("setCompare", self._compare)
        self._remember_ids(scene)
        path = write_page(self._folder, scene, self.page_layers())
        url = QUrl.fromLocalFile(str(path))
        self._page.page_url = url
        self.load(url)

    def _on_ready(self) -> None:
        self._ready = True
        pending, self._pending = self._pending, []
        for script in pending:
            self._page.runJavaScript(script, 0)
        self.ready.emit()

    def _remember_ids(self, scene: dict[str, Any]) -> None:
        ids = set(scene.get("points", {}).get("id", ()))
        selected = scene.get("selected")
        if selected:
            ids.add(int(selected["id"]))
        self.bridge.set_known_ids(ids)
        tracks = {int(m["id"]) for m in scene.get("movements", ())}
        tracks.update(int(t["id"]) for t in (selected or {}).get("tracks", ()))
        self.bridge.set_known_movements(tracks)

    # ----------------------------------------------------------------- talking to the page

    def call(self, function: str, *args: object) -> None:
        """Run `deskMap.<function>(...)` with JSON arguments, once the page is ready."""
        if not _FUNCTION.match(function):
            raise ValueError(f"not a map function: {function!r}")
        script = f"deskMap.{function}({', '.join(json_for_html(a) for a in args)});"
        if self._ready:
            self._page.runJavaScript(script, 0)
        else:
            self._pending.append(script)

    def set_scene(self, scene: dict[str, Any]) -> None:
        """Show changed data without reloading (after an edit, undo or import)."""
        self._remember_ids(scene)
        self.call("setData", scene, False)

    def select(self, detail: dict[str, Any] | None, centre: bool) -> None:
        if detail:
            self.bridge.set_known_ids({*self.bridge._known, int(detail["id"])})
            self.bridge.set_known_movements(
                {*self.bridge._movements, *(int(t["id"]) for t in detail.get("tracks", ()))})
        self.call("select", detail, centre)

    def preview(self, detail: dict[str, Any] | None) -> None:
        self.call("preview", detail)

    def set_mode(self, mode: str) -> None:
        self.call("setMode", mode)

    def show_place(self, lat: float, lon: float, name: str) -> None:
        self.call("showPlace", lat, lon, name)

    def evaluate(self, expression: str, callback: Callable[[Any], None]) -> None:
        """Evaluate JavaScript and hand the JSON-decoded result to `callback` (tests, bench)."""
        self._page.runJavaScript(f"JSON.stringify({expression})", 0,
                                 lambda text: callback(json.loads(text) if text else None))

    def probe(self, callback: Callable[[dict[str, Any] | None], None]) -> None:
        """What the map shows right now, as the page reports it."""
        self.evaluate("window.deskMap ? deskMap.probe() : null", callback)

    @property
    def console(self) -> list[str]:
        return self._page.console

    # ----------------------------------------------------------------- teardown

    def dispose(self) -> None:
        """Close the page before the app ends: QtWebEngine crashes at exit otherwise."""
        self._ready = False
        self._pending.clear()
        self.close()
        self._page.deleteLater()
        self.deleteLater()
        shutil.rmtree(self._folder, ignore_errors=True)
