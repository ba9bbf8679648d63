"""Printing the dossier HTML to PDF with Qt WebEngine (Chromium's print engine).

The one Qt part of the dossier: an offscreen, off-the-record page with JavaScript off and
every request other than the dossier file itself refused, printed to A4 with a bottom margin
that `desk.dossier.pdfstamp` fills with the page number and the record hash. Works from the
CLI (it makes a QApplication when there is none) and from the window (GUI thread only).

Starting Chromium (its context, a zygote, a renderer process) takes a good part of a second
and none of it needs the dossier, so `print_pdf.session()` opens the page on a blank local
file first: `export_dossier` opens it before it decodes the stills and calls `idle()` while it
waits for them, and again while it copies the originals during the printing itself.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
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
        self.allowed = allowed.toString()
        self.blocked: list[str] = []

    def interceptRequest(self, info: QWebEngineUrlRequestInfo) -> None:  # noqa: N802 - Qt API
        url = info.requestUrl()
        if url.scheme() == "data" or url.toString() == self.allowed:
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


class PrintSession:
    """One page set up for printing, opened on a blank local file so Chromium starts at once.

    Use it on the GUI thread: `idle()` while other work runs, then `start()` with the dossier
    (it loads the file and asks for the PDF, without waiting), `idle()` again, and `finish()`
    for the PDF with its footers; `render()` is the bare print, `close()` ends the page. The
    blank file is local like the dossier, so the dossier loads into the renderer the blank
    page started (Chromium gives each site its own process, and a data: page is another site).
    """

    def __init__(self, *, timeout_s: float = TIMEOUT_S) -> None:
        app = ensure_app()
        if QThread.currentThread() is not app.thread():
            raise PdfPrintError("PDF printing must run on the GUI thread.")
        self._timeout_s = timeout_s
        self._deadline = time.monotonic() + timeout_s
        self._closed = False
        self._folder = Path(tempfile.mkdtemp(prefix="desk-print-"))
        blank = self._folder / "blank.html"
        blank.write_text("<!doctype html><title></title>", encoding="utf-8")
        blank_url = QUrl.fromLocalFile(str(blank))
        self._profile = QWebEngineProfile()  # no storage name: off the record, nothing on disk
        self._interceptor = _OnlyThisFile(blank_url)
        self._profile.setUrlRequestInterceptor(self._interceptor)
        self._page = QWebEnginePage(self._profile)
        settings = self._page.settings()
        settings.setAttribute(QWebEngineSettings.WebAttribute.JavascriptEnabled, False)
        settings.setAttribute(QWebEngineSettings.WebAttribute.LocalContentCanAccessRemoteUrls,
                              False)
        settings.setAttribute(QWebEngineSettings.WebAttribute.LocalContentCanAccessFileUrls,
                              False)
        settings.setAttribute(QWebEngineSettings.WebAttribute.PluginsEnabled, False)
        self._loop: QEventLoop | None = None
        self._state: dict[str, object] = {}
        self._html: Path | None = None
        self._job: tuple[Path, str] | None = None
        self._page.loadFinished.connect(self._loaded)
        self._page.load(blank_url)

    def idle(self) -> None:
        """Let Chromium get on with starting or printing while the caller works."""
        QCoreApplication.processEvents()

    def ready(self) -> None:
        """Wait until the blank page is up (Chromium started); `start` does it first."""
        self._wait_for(lambda: "blank" in self._state, "Chromium did not start")
        if not self._state["blank"]:
            raise PdfPrintError("Chromium could not open a blank page")

    def start(self, html_path: Path, pdf_path: Path | None = None, footer_text: str = ""
              ) -> None:
        """Load `html_path` and ask for its PDF; returns at once (see `finish`)."""
        self.ready()
        del self._state["blank"]
        url = QUrl.fromLocalFile(str(Path(html_path).resolve()))
        self._interceptor.allowed = url.toString()
        self._html = Path(html_path)
        self._job = (Path(pdf_path), footer_text) if pdf_path is not None else None
        self._deadline = time.monotonic() + self._timeout_s
        self._page.load(url)

    def render(self, html_path: Path) -> bytes:
        """Chromium's PDF of the page, without footers: the bare print."""
        self.start(html_path)
        return self._result()

    def finish(self) -> None:
        """Wait for the PDF `start` asked for; stamp its footers and write it (atomically)."""
        if self._job is None:
            raise PdfPrintError("finish() without start() naming a PDF")
        pdf_path, footer_text = self._job
        stamped = stamp_pages(self._result(), footer_text, title=footer_text)
        tmp = pdf_path.with_name(f".{pdf_path.name}.part")
        tmp.write_bytes(stamped)
        os.replace(tmp, pdf_path)

    def close(self) -> None:
        """End the page, then its profile (the other order makes Qt WebEngine warn or crash)."""
        if self._closed:
            return
        self._closed = True
        self._page.loadFinished.disconnect(self._loaded)
        self._page.deleteLater()
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
        QCoreApplication.processEvents()
        self._profile.deleteLater()
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
        shutil.rmtree(self._folder, ignore_errors=True)

    def __enter__(self) -> PrintSession:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    # ------------------------------------------------------------------------- internals

    def _loaded(self, ok: bool) -> None:
        if self._html is None:
            self._state["blank"] = ok
        elif not ok:
            self._state["error"] = f"the dossier page did not load ({self._html})"
        elif "printing" not in self._state:
            self._state["printing"] = True
            self._page.printToPdf(self._printed, page_layout())
        if self._loop is not None:
            self._loop.quit()

    def _printed(self, data: object) -> None:
        self._state["pdf"] = bytes(data)  # type: ignore[call-overload]
        if self._loop is not None:
            self._loop.quit()

    def _result(self) -> bytes:
        self._wait_for(lambda: "pdf" in self._state or "error" in self._state,
                       f"printing took longer than {self._timeout_s:.0f} s")
        if "error" in self._state:
            raise PdfPrintError(str(self._state.pop("error")))
        pdf = self._state.pop("pdf")
        self._state.pop("printing", None)
        self._html = None
        if not isinstance(pdf, bytes) or not pdf.startswith(b"%PDF"):
            raise PdfPrintError("Chromium returned no PDF")
        self._state["blank"] = True  # the page is free for another print
        return pdf

    def _wait_for(self, done: Callable[[], bool], timeout_message: str) -> None:
        """Run Qt's events until `done()` holds, or raise at the time limit."""
        if done():
            return
        remaining = self._deadline - time.monotonic()
        loop = QEventLoop()
        timer = QTimer()
        timer.setSingleShot(True)
        timer.timeout.connect(loop.quit)
        self._loop = loop
        try:
            while not done():
                if remaining <= 0:
                    raise PdfPrintError(timeout_message)
                timer.start(max(1, int(remaining * 1000)))
                loop.exec()
                remaining = self._deadline - time.monotonic()
        finally:
            timer.stop()
            self._loop = None


def render_pdf(html_path: Path, *, timeout_s: float = TIMEOUT_S) -> bytes:
    """Chromium's PDF of the page, without footers."""
    with PrintSession(timeout_s=timeout_s) as session:
        return session.render(html_path)


class _Printer:
    """`print_pdf`: a PdfPrinter (a callable) that can also open a session ahead of time."""

    def __call__(self, html_path: Path, pdf_path: Path, footer_text: str) -> None:
        """Print `html_path` to `pdf_path` (A4) with `footer_text` and "Page i of N" on every
        page."""
        with PrintSession() as session:
            session.start(html_path, pdf_path, footer_text)
            session.finish()

    def session(self) -> PrintSession:
        return PrintSession()


print_pdf = _Printer()
