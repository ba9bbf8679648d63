"""Printing the dossier HTML to PDF with Qt WebEngine (Chromium's print engine).

The one Qt part of the dossier: an offscreen, off-the-record page with JavaScript off and
every request other than the dossier file itself refused, printed to A4 with a bottom margin
that `desk.dossier.pdfstamp` fills with the page number and the record hash. Works from the
CLI (it makes a QApplication when there is none) and from the window (GUI thread only).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from PySide6.QtCore import (
    QCoreApplication,
    QEvent,
    QEventLoop,
    QMarginsF,
    Qt,
    QThread,
    QTimer,
    QtMsgType,
    QUrl,
    qInstallMessageHandler,
)
from PySide6.QtGui import QPageLayout, QPageSize
from PySide6.QtWebEngineCore import (
    QWebEnginePage,
    QWebEngineProfile,
    QWebEngineSettings,
    QWebEngineUrlRequestInfo,
    QWebEngineUrlRequestInterceptor,
)

from desk.dossier.pdfstamp import stamp_pages
from desk.ui.shell.sandbox import disable_sandbox_if_root

#: A4 margins in millimetres (left, top, right, bottom); the bottom one holds the stamped footer.
MARGINS_MM = (14.0, 14.0, 14.0, 18.0)
TIMEOUT_S = 120.0

_app: QCoreApplication | None = None


class PdfPrintError(RuntimeError):
    """Printing failed (the page did not load, Chromium returned nothing, or it took too long)."""


class _OnlyThisFile(QWebEngineUrlRequestInterceptor):
    """Refuses every request but the dossier file: the CSP already forbids them; belt and braces."""

    def __init__(self, allowed: QUrl) -> None:
        super().__init__()
        self._allowed = allowed.toString()
        self.blocked: list[str] = []

    def interceptRequest(self, info: QWebEngineUrlRequestInfo) -> None:  # noqa: N802 - Qt API
        url = info.requestUrl()
        if url.scheme() == "data" or url.toString() == self._allowed:
            return
        self.blocked.append(url.toString()[:200])
        info.block(True)


def _quiet(kind: QtMsgType, context: object, message: str) -> None:
    """Only Qt's critical and fatal messages reach a CLI user's terminal."""
    if kind in (QtMsgType.QtCriticalMsg, QtMsgType.QtFatalMsg):
        sys.stderr.write(f"desk: Qt: {message}\n")


def ensure_app() -> QCoreApplication:
    """The running Qt application, or a new headless one for the CLI."""
    global _app
    disable_sandbox_if_root()  # the page printed is our own file, JavaScript off
    app = QCoreApplication.instance()
    if app is None:
        if (sys.platform.startswith("linux") and "QT_QPA_PLATFORM" not in os.environ
                and not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY")):
            os.environ["QT_QPA_PLATFORM"] = "offscreen"  # a headless server has no screen
        # Printing needs no GPU; without these, a headless run fills the terminal with
        # Chromium's and Qt's notes about missing GL, D-Bus and Vulkan.
        os.environ.setdefault("QTWEBENGINE_CHROMIUM_FLAGS", "--disable-gpu --log-level=3")
        qInstallMessageHandler(_quiet)
        QCoreApplication.setAttribute(Qt.ApplicationAttribute.AA_ShareOpenGLContexts)
        from PySide6.QtWidgets import QApplication

        from desk.ui.map.tile_scheme import register_scheme

        register_scheme()  # map pictures from tile packs; declared before the application
        app = QApplication([sys.argv[0] if sys.argv and sys.argv[0] else "desk"])
        _app = app
    return app


def page_layout() -> QPageLayout:
    left, top, right, bottom = MARGINS_MM
    return QPageLayout(QPageSize(QPageSize.PageSizeId.A4), QPageLayout.Orientation.Portrait,
                       QMarginsF(left, top, right, bottom), QPageLayout.Unit.Millimeter)


def render_pdf(html_path: Path, *, timeout_s: float = TIMEOUT_S) -> bytes:
    """Chromium's PDF of the page, without footers."""
    app = ensure_app()
    if QThread.currentThread() is not app.thread():
        raise PdfPrintError("PDF printing must run on the GUI thread.")
    url = QUrl.fromLocalFile(str(Path(html_path).resolve()))
    profile = QWebEngineProfile()  # no storage name: off the record, nothing kept on disk
    interceptor = _OnlyThisFile(url)
    profile.setUrlRequestInterceptor(interceptor)
    page = QWebEnginePage(profile)
    settings = page.settings()
    settings.setAttribute(QWebEngineSettings.WebAttribute.JavascriptEnabled, False)
    settings.setAttribute(QWebEngineSettings.WebAttribute.LocalContentCanAccessRemoteUrls, False)
    settings.setAttribute(QWebEngineSettings.WebAttribute.LocalContentCanAccessFileUrls, False)
    settings.setAttribute(QWebEngineSettings.WebAttribute.PluginsEnabled, False)
    loop = QEventLoop()
    state: dict[str, object] = {}

    def finished(data: object) -> None:
        state["pdf"] = bytes(data)  # type: ignore[call-overload]
        loop.quit()

    def loaded(ok: bool) -> None:
        if not ok:
            state["error"] = f"the dossier page did not load ({html_path})"
            loop.quit()
            return
        page.printToPdf(finished, page_layout())

    def timed_out() -> None:
        state["error"] = f"printing took longer than {timeout_s:.0f} s"
        loop.quit()

    timer = QTimer()
    timer.setSingleShot(True)
    timer.timeout.connect(timed_out)
    page.loadFinished.connect(loaded)
    timer.start(int(timeout_s * 1000))
    page.load(url)
    try:
        if "pdf" not in state and "error" not in state:
            loop.exec()
    finally:
        timer.stop()
        page.loadFinished.disconnect(loaded)
        # The page must go before its profile, or Qt WebEngine warns and may crash at exit.
        page.deleteLater()
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
        QCoreApplication.processEvents()
        profile.deleteLater()
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    if "error" in state:
        raise PdfPrintError(str(state["error"]))
    pdf = state.get("pdf")
    if not isinstance(pdf, bytes) or not pdf.startswith(b"%PDF"):
        raise PdfPrintError("Chromium returned no PDF")
    return pdf


def print_pdf(html_path: Path, pdf_path: Path, footer_text: str) -> None:
    """Print `html_path` to `pdf_path` (A4) with `footer_text` and "Page i of N" on every page."""
    stamped = stamp_pages(render_pdf(html_path), footer_text, title=footer_text)
    target = Path(pdf_path)
    tmp = target.with_name(f".{target.name}.part")
    tmp.write_bytes(stamped)
    os.replace(tmp, target)
