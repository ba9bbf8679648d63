"""Tiles from packs reach the map page through a URL scheme of desk's own (desk-tiles:), served
from Python inside the process: no local HTTP port another program could reach, and the
page's Content-Security-Policy can name the scheme as the only local image source besides
files.

A URL is `desk-tiles:<pack key>/<z>/<x>/<y>`; the key is the one the map was given for the
pack, never a path, so a page cannot ask for a file. A tile a pack cannot give (absent,
rejected as not an image, a pack that fails mid-read) is answered "not found", which Leaflet
shows as a blank tile; the reason is kept for the layer list, once per pack.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QBuffer, QByteArray, QObject
from PySide6.QtWebEngineCore import (
    QWebEngineProfile,
    QWebEngineUrlRequestJob,
    QWebEngineUrlScheme,
    QWebEngineUrlSchemeHandler,
)

if TYPE_CHECKING:  # the packs' module brings sqlite3, which the window loads only with a pack
    from desk.mapping.tilepacks import TilePack

SCHEME = b"desk-tiles"
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
    """The Leaflet URL template of the pack served under `key`."""
    return f"{SCHEME.decode()}:{key}/{{z}}/{{x}}/{{y}}"


class TileSchemeHandler(QWebEngineUrlSchemeHandler):
    """Answers desk-tiles: requests from the packs it was given (key -> open pack)."""

    def __init__(self, parent: QObject | None = None,
                 on_problem: Callable[[str, str], None] | None = None) -> None:
        super().__init__(parent)
        self._packs: dict[str, TilePack] = {}
        self._on_problem = on_problem
        self._told: set[str] = set()
        self.served = 0

    def set_packs(self, packs: dict[str, TilePack]) -> None:
        self._packs = dict(packs)
        self._told.clear()

    def requestStarted(self, job: QWebEngineUrlRequestJob) -> None:  # noqa: N802 - Qt's name
        url = job.requestUrl()
        match = _PATH.match(url.path())
        if job.requestMethod() != QByteArray(b"GET") or match is None:
            job.fail(QWebEngineUrlRequestJob.Error.UrlInvalid)
            return
        key, z, x, y = match.group(1), *(int(g) for g in match.groups()[1:])
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
        buffer = QBuffer(job)  # lives as long as the job that reads it
        buffer.setData(QByteArray(data))
        buffer.open(QBuffer.OpenModeFlag.ReadOnly)
        job.reply(QByteArray(pack.info.mime_type.encode()), buffer)
        self.served += 1

    def _tell(self, key: str, problem: str) -> None:
        if key in self._told:
            return
        self._told.add(key)
        if self._on_problem is not None:
            self._on_problem(key, problem)


def install(profile: QWebEngineProfile, handler: TileSchemeHandler) -> None:
    """Serve desk-tiles: in pages of `profile` (once per profile)."""
    if profile.urlSchemeHandler(QByteArray(SCHEME)) is None:
        profile.installUrlSchemeHandler(QByteArray(SCHEME), handler)
