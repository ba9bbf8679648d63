"""The export dialog's preview of a dossier: the HTML, shown in a locked-down web view.

The dossier holds untrusted text and pictures. Its own Content-Security-Policy already forbids
scripts and remote loads; here, as in the map view and the PDF printer, the view adds its own
walls: JavaScript off, an off-the-record profile that lets through only the preview file and
data: pictures, no navigation away (links are reported, not followed), no new windows, no
context menu. The page is written to a private folder and loaded by URL (setHtml fails above
2 MB, and a dossier with pictures is larger).
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtWebEngineCore import (
    QWebEnginePage,
    QWebEngineProfile,
    QWebEngineSettings,
    QWebEngineUrlRequestInfo,
    QWebEngineUrlRequestInterceptor,
)
from PySide6.QtWebEngineWidgets import QWebEngineView
from PySide6.QtWidgets import QWidget


class PreviewRequestFilter(QWebEngineUrlRequestInterceptor):
    """Lets through the current preview file and data: pictures; refuses everything else."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.allowed = ""
        self.blocked: list[str] = []

    def interceptRequest(self, info: QWebEngineUrlRequestInfo) -> None:  # noqa: N802 - Qt's name
        url = info.requestUrl()
        if url.scheme() == "data" or (self.allowed and url.toString() == self.allowed):
            return
        self.blocked.append(url.toString()[:200])
        info.block(True)


class PreviewPage(QWebEnginePage):
    """Loads its own file and nothing else; a clicked link is reported, never followed."""

    linkRefused = Signal(str)  # noqa: N815

    def __init__(self, profile: QWebEngineProfile, parent: QWidget) -> None:
        super().__init__(profile, parent)
        self.page_url: QUrl | None = None

    def acceptNavigationRequest(self, url: QUrl | str,  # noqa: N802 - Qt's name
                                kind: QWebEnginePage.NavigationType,
                                is_main_frame: bool) -> bool:
        url = QUrl(url)
        own = self.page_url is not None and \
            url.toString().split("#", 1)[0] == self.page_url.toString()
        if own and kind in (QWebEnginePage.NavigationType.NavigationTypeTyped,
                            QWebEnginePage.NavigationType.NavigationTypeReload,
                            QWebEnginePage.NavigationType.NavigationTypeLinkClicked):
            return True  # the page itself, or a #fragment inside it
        if kind == QWebEnginePage.NavigationType.NavigationTypeLinkClicked:
            self.linkRefused.emit(url.toString()[:500])
        return False

    def createWindow(self, kind: QWebEnginePage.WebWindowType) -> None:  # noqa: N802
        return None


class DossierPreview(QWebEngineView):
    """Shows dossier HTML; call `dispose` before the dialog goes (Qt WebEngine needs it)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("DossierPreview")
        self.setAcceptDrops(False)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.NoContextMenu)
        self._folder = Path(tempfile.mkdtemp(prefix="desk-preview-"))
        self._serial = 0
        profile = QWebEngineProfile()  # no storage name: off the record
        self.requests = PreviewRequestFilter(profile)
        profile.setUrlRequestInterceptor(self.requests)
        page = PreviewPage(profile, self)
        profile.setParent(page)  # the profile outlives its page: deleted after it
        settings = page.settings()
        attribute = QWebEngineSettings.WebAttribute
        for name, on in (
            ("JavascriptEnabled", False),
            ("JavascriptCanOpenWindows", False),
            ("LocalContentCanAccessRemoteUrls", False),
            ("LocalContentCanAccessFileUrls", False),
            ("LocalStorageEnabled", False),
            ("PluginsEnabled", False),
            ("PdfViewerEnabled", False),
            ("AutoLoadIconsForPage", False),
            ("NavigateOnDropEnabled", False),
        ):
            if hasattr(attribute, name):
                settings.setAttribute(getattr(attribute, name), on)
        if hasattr(page, "permissionRequested"):
            page.permissionRequested.connect(lambda permission: permission.deny())
        self.preview_page = page
        self.linkRefused = page.linkRefused
        self.setPage(page)

    @property
    def folder(self) -> Path:
        return self._folder

    def show_html(self, html: str) -> QUrl:
        """Write the dossier to a fresh file in the private folder and load it."""
        self._serial += 1
        for old in self._folder.glob("preview-*.html"):
            old.unlink(missing_ok=True)
        path = self._folder / f"preview-{self._serial}.html"
        path.write_text(html, encoding="utf-8")
        url = QUrl.fromLocalFile(str(path))
        self.requests.allowed = url.toString()
        self.preview_page.page_url = url
        self.load(url)
        return url

    def dispose(self) -> None:
        """Close the page and remove the preview files."""
        self.requests.allowed = ""
        self.stop()
        self.close()
        self.preview_page.deleteLater()
        self.deleteLater()
        shutil.rmtree(self._folder, ignore_errors=True)
