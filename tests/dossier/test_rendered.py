"""The dossier rendered by Chromium (Qt WebEngine): payloads stay inert, nothing is fetched,
and the PDF has numbered pages with the record hash on each.

A local server on 127.0.0.1 stands in for "the internet": payloads point at it, and it must
see no request. JavaScript is on in the probe page, so only the dossier's own escaping and
CSP keep the canary unset; a positive control proves the probe would notice.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

pytest.importorskip("PySide6.QtWebEngineCore")

from pypdf import PdfReader
from PySide6.QtCore import QCoreApplication, QEvent, QUrl
from PySide6.QtWebEngineCore import (
    QWebEnginePage,
    QWebEngineProfile,
    QWebEngineSettings,
)

from desk.core.casefile import CaseFile
from desk.dossier import export_dossier
from desk.ui.export.pdf_printer import ensure_app, print_pdf
from tests.dossier.conftest import build_case

pytestmark = pytest.mark.slow


class _Counter(BaseHTTPRequestHandler):
    hits: list[str] = []  # noqa: RUF012 - shared on purpose: the server's record

    def do_GET(self) -> None:
        type(self).hits.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.end_headers()
        self.wfile.write(b"x")

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def canary_server() -> Iterator[tuple[str, list[str]]]:
    _Counter.hits = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Counter)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", _Counter.hits
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def _probe(qtbot: object, html_path: Path, expression: str) -> object:
    """Load a file with JavaScript on, wait, and evaluate `expression` in the page."""
    ensure_app()
    profile = QWebEngineProfile()
    page = QWebEnginePage(profile)
    settings = page.settings()
    settings.setAttribute(QWebEngineSettings.WebAttribute.JavascriptEnabled, True)
    # A file:// page may not fetch http:// by default; allow it, so only the dossier's own
    # escaping and CSP stand between a payload and the canary server.
    settings.setAttribute(QWebEngineSettings.WebAttribute.LocalContentCanAccessRemoteUrls, True)
    try:
        with qtbot.waitSignal(page.loadFinished, timeout=60_000):  # type: ignore[attr-defined]
            page.load(QUrl.fromLocalFile(str(html_path)))
        # Every image, style and frame has loaded or failed by loadFinished (their onload and
        # onerror handlers ran before it); a timer set now runs after whatever the page had
        # queued by then: wait for it, then read.
        _evaluate(qtbot, page, "(window.__desk_flushed = false, setTimeout(function () {"
                               " window.__desk_flushed = true; }, 0), 0)")
        qtbot.waitUntil(  # type: ignore[attr-defined]
            lambda: _evaluate(qtbot, page, "window.__desk_flushed") is True, timeout=10_000)
        return _evaluate(qtbot, page, expression)
    finally:
        page.deleteLater()
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
        profile.deleteLater()
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


def _evaluate(qtbot: object, page: QWebEnginePage, expression: str) -> object:
    result: dict[str, object] = {}
    page.runJavaScript(expression, 0, lambda value: result.setdefault("value", value))
    qtbot.waitUntil(lambda: "value" in result, timeout=10_000)  # type: ignore[attr-defined]
    return result["value"]


CANARY = "String(window.__desk_xss)"


def _hostile_dossier(tmp_path: Path, server: str) -> Path:
    calls = (f'<img src="{server}/img"><link rel=stylesheet href="{server}/css">'
             f'<iframe src="{server}/frame"></iframe><svg><image href="{server}/svg"/></svg>'
             f'<style>@import "{server}/import";</style>')
    built = build_case(tmp_path / "hostile.deskcase", hostile=True, extra=calls)
    out = tmp_path / "d"
    with CaseFile.open(built.path) as case:
        export_dossier(case, 1, out, {"html", "json"})
    return out / "dossier.html"


def test_probe_notices_a_script_that_runs(qtbot: object, tmp_path: Path,
                                          canary_server: tuple[str, list[str]]) -> None:
    server, hits = canary_server
    control = tmp_path / "control.html"
    control.write_text(f'<script>window.__desk_xss=1</script><img src="{server}/ping">')
    assert _probe(qtbot, control, CANARY) == "1"
    assert hits == ["/ping"]


def test_payloads_do_not_run_or_call_out(qtbot: object, tmp_path: Path,
                                         canary_server: tuple[str, list[str]]) -> None:
    server, hits = canary_server
    html = _hostile_dossier(tmp_path, server)
    assert _probe(qtbot, html, CANARY) == "undefined"
    assert _probe(qtbot, html, "document.images.length > 0 && [...document.images].every("
                               "i => i.src.startsWith('data:'))") is True
    assert hits == []


def test_escaping_alone_holds_without_the_csp(qtbot: object, tmp_path: Path,
                                              canary_server: tuple[str, list[str]]) -> None:
    server, hits = canary_server
    html = _hostile_dossier(tmp_path, server)
    text = html.read_text(encoding="utf-8")
    start = text.index('<meta http-equiv="Content-Security-Policy"')
    bare = tmp_path / "no_csp.html"
    bare.write_text(text[:start] + text[text.index(">", start) + 1:], encoding="utf-8")
    assert "Content-Security-Policy" not in bare.read_text(encoding="utf-8")
    assert _probe(qtbot, bare, CANARY) == "undefined"
    assert hits == []


def test_pdf_pages_are_numbered_and_carry_the_record_hash(tmp_path: Path) -> None:
    built = build_case(tmp_path / "case.deskcase", stills=3)
    with CaseFile.open(built.path) as case:
        result = export_dossier(case, 1, tmp_path / "d", {"html", "json", "pdf"},
                                pdf_printer=print_pdf)
        again = export_dossier(case, 1, tmp_path / "e", {"pdf"}, pdf_printer=print_pdf)
    pdf = (tmp_path / "d" / "dossier.pdf").read_bytes()
    reader = PdfReader(io.BytesIO(pdf))
    total = len(reader.pages)
    assert total >= 3  # summary, three evidence cards with stills, custody log
    texts = [page.extract_text() for page in reader.pages]
    for number, text in enumerate(texts, start=1):
        assert f"Page {number} of {total}" in text
        assert result.record_sha256 in text
    whole = "\n".join(texts)
    for expected in ("Misleading", "Forces captured the town", "Original found", "AWAY",
                     "How to verify this dossier", "frame_2.jpg"):
        assert expected.lower() in whole.lower(), expected  # headings print upper-case
    other = PdfReader(io.BytesIO((tmp_path / "e" / "dossier.pdf").read_bytes()))
    assert [p.extract_text() for p in other.pages] == texts  # same text, print after print
    assert again.record_sha256 == result.record_sha256
    mediabox = reader.pages[0].mediabox
    assert round(float(mediabox.width)) in (595, 596) and round(float(mediabox.height)) in (
        841, 842)


def test_cli_prints_a_pdf_without_a_display(built_path_for_cli: Path, tmp_path: Path) -> None:
    """The CLI path: no QApplication yet, no QT_QPA_PLATFORM, no DISPLAY; the printer copes."""
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items()
           if k not in ("QT_QPA_PLATFORM", "QTWEBENGINE_DISABLE_SANDBOX", "DISPLAY",
                        "WAYLAND_DISPLAY")}
    script = "import sys\nfrom desk.cli import main\nsys.exit(main(sys.argv[1:]))\n"
    out = tmp_path / "d"
    done = subprocess.run(
        [sys.executable, "-c", script, "export", str(built_path_for_cli), "--claim", "1",
         "--format", "pdf", "--out", str(out)],
        env=env, capture_output=True, text=True, timeout=240,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert (out / "dossier.pdf").read_bytes().startswith(b"%PDF")
    assert sorted(p.name for p in out.iterdir()) == [
        "dossier.json", "dossier.pdf", "manifest.json", "manifest.sig", "originals",
        "public_key.pem"]


@pytest.fixture
def built_path_for_cli(tmp_path: Path) -> Path:
    return build_case(tmp_path / "cli.deskcase").path
