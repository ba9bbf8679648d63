"""Tiles from packs reach the map page through a URL scheme of desk's own (desk-tiles:), served
from Python inside the process: no local HTTP port another program could reach, and the
page's Content-Security-Policy can name the scheme as the only local image source besides
files.

A URL is `desk-tiles:<key>/<z>/<x>/<y>`; the key is the one the map was given for a pack or
a tile server, never a path or a host, so a page cannot ask for a file or another server.
A tile a pack cannot give (absent, rejected as not an image, a pack that fails mid-read) is
answered "not found", which Leaflet shows as a blank tile; the reason is kept for the layer
list, once per pack.

Tiles of online servers come the same way: fetched here (the server's cache headers obeyed,
the tile checked to be an image), kept in the cache of tiles seen, and served from it when
the network is gone, so a view seen once paints offline.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from PySide6.QtCore import QBuffer, QByteArray, QObject, QUrl
from PySide6.QtNetwork import QNetworkAccessManager, QNetworkReply, QNetworkRequest
from PySide6.QtWebEngineCore import (
    QWebEngineProfile,
    QWebEngineUrlRequestJob,
    QWebEngineUrlScheme,
    QWebEngineUrlSchemeHandler,
)

from desk import __version__
from desk.mapping.layers import TILE_SCHEME, tile_url

if TYPE_CHECKING:  # the packs' module brings sqlite3, which the window loads only with a pack
    from desk.mapping.tile_cache import TileCache
    from desk.mapping.tilepacks import TilePack

SCHEME = TILE_SCHEME.encode()
_PATH = re.compile(r"^([A-Za-z0-9_-]{1,64})/(\d{1,2})/(\d{1,8})/(\d{1,8})(?:\.[a-z]{3,4})?$")


def register_scheme() -> None:
    """Declare the scheme to Qt WebEngine; must run before the QApplication exists."""
    if QWebEngineUrlScheme.schemeByName(SCHEME).name() == SCHEME:
        return
    scheme = QWebEngineUrlScheme(SCHEME)
    scheme.setSyntax(QWebEngineUrlScheme.Syntax.Path)
    # Local like file: (the map page is a file, and a local page may not reach remote
    # schemes), so web content can never ask for it; secure, so it mixes with https tiles;
    # CORS-enabled, so tiles drawn to the map's canvas for a snapshot do not taint it.
    scheme.setFlags(QWebEngineUrlScheme.Flag.LocalScheme
                    | QWebEngineUrlScheme.Flag.SecureScheme
                    | QWebEngineUrlScheme.Flag.CorsEnabled)
    QWebEngineUrlScheme.registerScheme(scheme)


def tile_url_template(key: str) -> str:
    """The Leaflet URL template of the tiles served under `key`."""
    return tile_url(key)


@dataclass(frozen=True)
class TileServer:
    """An online tile server the map may use: a URL template ({z} {x} {y}, optionally {s}),
    and headers it needs (an organisation's API key)."""

    template: str
    subdomains: str = ""
    headers: dict[str, str] = field(default_factory=dict)

    def url(self, z: int, x: int, y: int) -> str:
        text = self.template.replace("{z}", str(z)).replace("{x}", str(x))
        text = text.replace("{y}", str(y)).replace("{r}", "")
        if "{s}" in text:
            pool = self.subdomains or "abc"
            text = text.replace("{s}", pool[(x + y) % len(pool)])
        return text


#: How desk names itself to tile servers (their usage policies ask for an identifying agent).
USER_AGENT = f"desk/{__version__} (evidence review)"
#: How long a tile server has to answer before the cache (or a blank) is used.
FETCH_TIMEOUT_MS = 15_000


class TileSchemeHandler(QWebEngineUrlSchemeHandler):
    """Answers desk-tiles: requests from the packs it was given (key -> open pack)."""

    def __init__(self, parent: QObject | None = None,
                 on_problem: Callable[[str, str], None] | None = None) -> None:
        super().__init__(parent)
        self._packs: dict[str, TilePack] = {}
        self._servers: dict[str, TileServer] = {}
        self._cache: TileCache | None = None
        self._network: QNetworkAccessManager | None = None
        self._on_problem = on_problem
        self._told: set[str] = set()
        self.served = 0
        self.fetched = 0
        self.from_cache = 0
        #: Work offline: never reach a tile server; show what the cache holds.
        self.offline = False

    def set_packs(self, packs: dict[str, TilePack]) -> None:
        self._packs = dict(packs)
        self._told.clear()

    def set_servers(self, servers: dict[str, TileServer], cache: TileCache | None) -> None:
        self._servers = dict(servers)
        self._cache = cache

    def requestStarted(self, job: QWebEngineUrlRequestJob) -> None:  # noqa: N802 - Qt's name
        url = job.requestUrl()
        match = _PATH.match(url.path())
        if job.requestMethod() != QByteArray(b"GET") or match is None:
            job.fail(QWebEngineUrlRequestJob.Error.UrlInvalid)
            return
        key, z, x, y = match.group(1), *(int(g) for g in match.groups()[1:])
        server = self._servers.get(key)
        if server is not None:
            self._from_server(job, server, z, x, y)
            return
        pack = self._packs.get(key)
        if pack is None:
            job.fail(QWebEngineUrlRequestJob.Error.UrlNotFound)
            return
        from desk.mapping.tilepacks import TilePackError, TileRejected

        try:
            data = pack.tile(z, x, y)
        except (TileRejected, TilePackError, OSError) as exc:
            self._tell(key, str(exc))
            data = None
        if data is None:
            job.fail(QWebEngineUrlRequestJob.Error.UrlNotFound)
            return
        _reply(job, data, pack.info.mime_type)
        self.served += 1

    # ----------------------------------------------------------------- tile servers

    def _from_server(self, job: QWebEngineUrlRequestJob, server: TileServer, z: int, x: int,
                     y: int) -> None:
        if not (0 <= z <= 24 and x < (1 << z) and y < (1 << z)):
            job.fail(QWebEngineUrlRequestJob.Error.UrlNotFound)
            return
        url = server.url(z, x, y)
        cached = self._cache.get(url) if self._cache is not None else None
        if cached is not None and (cached.fresh or self.offline):
            _reply(job, cached.data, cached.mime)
            self.from_cache += 1
            return
        if self.offline:
            job.fail(QWebEngineUrlRequestJob.Error.UrlNotFound)
            return
        if self._network is None:
            self._network = QNetworkAccessManager(self)
        request = QNetworkRequest(QUrl(url))
        request.setTransferTimeout(FETCH_TIMEOUT_MS)
        # A server given a key is followed to its own origin only: the key must not go along.
        policy = (QNetworkRequest.RedirectPolicy.SameOriginRedirectPolicy if server.headers
                  else QNetworkRequest.RedirectPolicy.NoLessSafeRedirectPolicy)
        request.setAttribute(QNetworkRequest.Attribute.RedirectPolicyAttribute, policy)
        request.setHeader(QNetworkRequest.KnownHeaders.UserAgentHeader, USER_AGENT)
        for name, value in server.headers.items():
            request.setRawHeader(name.encode("latin-1"), value.encode("latin-1"))
        if cached is not None:  # stale: ask whether it changed
            if cached.etag:
                request.setRawHeader(b"If-None-Match", cached.etag.encode("latin-1"))
            if cached.last_modified:
                request.setRawHeader(b"If-Modified-Since",
                                     cached.last_modified.encode("latin-1"))
        reply = self._network.get(request)
        alive = [True]
        job.destroyed.connect(lambda: alive.__setitem__(0, False))  # the page moved on
        reply.finished.connect(lambda: self._fetched(job, alive, reply, url, cached))

    def _fetched(self, job: QWebEngineUrlRequestJob, alive: list[bool], reply: QNetworkReply,
                 url: str, cached: object) -> None:
        from desk.mapping.tile_cache import CachedTile
        from desk.mapping.tilepacks import TileRejected, check_tile

        reply.deleteLater()
        status = reply.attribute(QNetworkRequest.Attribute.HttpStatusCodeAttribute)
        headers = {bytes(k).decode("latin-1"): bytes(v).decode("latin-1")
                   for k, v in reply.rawHeaderPairs()}
        stale = cached if isinstance(cached, CachedTile) else None
        data: bytes | None = None
        mime = ""
        if reply.error() == QNetworkReply.NetworkError.NoError and status == 200:
            body = bytes(reply.readAll().data())
            mime = str(reply.header(QNetworkRequest.KnownHeaders.ContentTypeHeader) or "")
            try:
                data = check_tile(body, "image")
            except TileRejected:
                data = None
            if data is not None:
                self.fetched += 1
                if self._cache is not None:
                    self._cache.put(url, data, mime or "image/png", headers)
        elif status == 304 and stale is not None:
            if self._cache is not None:
                self._cache.revalidated(url, headers)
            data, mime = stale.data, stale.mime
        elif stale is not None:  # offline or the server failed: the last copy seen
            data, mime = stale.data, stale.mime
            self.from_cache += 1
        if not alive[0]:
            return
        if data is None:
            job.fail(QWebEngineUrlRequestJob.Error.UrlNotFound)
            return
        _reply(job, data, mime if mime.startswith("image/") else "image/png")

    def _tell(self, key: str, problem: str) -> None:
        if key in self._told:
            return
        self._told.add(key)
        if self._on_problem is not None:
            self._on_problem(key, problem)


def _reply(job: QWebEngineUrlRequestJob, data: bytes, mime: str) -> None:
    buffer = QBuffer(job)  # lives as long as the job that reads it
    buffer.setData(QByteArray(data))
    buffer.open(QBuffer.OpenModeFlag.ReadOnly)
    job.reply(QByteArray(mime.encode("latin-1", "replace")), buffer)


def install(profile: QWebEngineProfile, handler: TileSchemeHandler) -> None:
    """Serve desk-tiles: in pages of `profile` (once per profile)."""
    if profile.urlSchemeHandler(QByteArray(SCHEME)) is None:
        profile.installUrlSchemeHandler(QByteArray(SCHEME), handler)
