"""The footer stamp amends Chromium's PDF in place, and the PDF carries stills sized for paper.

The stamp is an incremental update: a reader (pypdf, poppler) must see every page with its
footer, the printer's own bytes must stay a prefix of the file, and the print time must be
gone. A PDF the stamp cannot amend (already amended, so with a /Prev) is rewritten whole
with the same footers. The printed stills are smaller than the HTML dossier's, which stays
byte for byte what it was.
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from PIL import Image
from pypdf import PdfReader

from desk.core.casefile import CaseFile
from desk.dossier import pdfstamp
from desk.dossier.export import export_dossier
from desk.dossier.images import PRINT_BOX, SCREEN_BOX, renditions
from desk.ui.export.pdf_printer import PrintSession, print_pdf
from tests.dossier.conftest import build_case

pytestmark = pytest.mark.slow

PAGES = 3


def _chromium_pdf(tmp_path: Path) -> bytes:
    html = tmp_path / "pages.html"
    body = "".join(f'<section style="break-after: page">Section {i}</section>'
                   for i in range(1, PAGES + 1))
    html.write_text(f"<!doctype html><title>t</title>{body}", encoding="utf-8")
    with PrintSession() as session:
        return session.render(html)


def _texts(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


def test_the_stamp_is_an_incremental_update_every_reader_sees(qapp: object,
                                                               tmp_path: Path) -> None:
    printed = _chromium_pdf(tmp_path)
    assert b"/CreationDate" in printed
    stamped = pdfstamp.stamp_pages(printed, "claim 1 · record 3fc0", title="Dossier")

    texts = _texts(stamped)
    assert len(texts) == PAGES
    for number, text in enumerate(texts, start=1):
        assert f"Section {number}" in text  # Chromium's drawing is still there
        assert f"Page {number} of {PAGES}" in text
        assert "record 3fc0" in text
    # Chromium's bytes are kept (the print time blanked in place), the footers follow them.
    blanked = re.sub(rb"/(?:CreationDate|ModDate)\s*\([^()\\]*\)",
                     lambda m: b" " * len(m.group(0)), printed)
    assert stamped.startswith(blanked.rstrip(b"\n"))
    assert b"/Prev" in stamped[len(blanked):]
    assert PdfReader(io.BytesIO(stamped)).metadata.get("/CreationDate") is None
    assert PdfReader(io.BytesIO(stamped)).metadata.title == "Dossier"

    if shutil.which("pdftotext"):  # poppler reads the update too, without complaint
        out = subprocess.run(["pdftotext", "-", "-"], input=stamped, capture_output=True,
                             check=True)
        assert out.stderr == b""
        assert out.stdout.decode().count(f"of {PAGES}") == PAGES


def test_a_pdf_that_cannot_be_amended_is_rewritten_with_the_same_footers(
        qapp: object, tmp_path: Path) -> None:
    once = pdfstamp.stamp_pages(_chromium_pdf(tmp_path), "first footer")
    twice = pdfstamp.stamp_pages(once, "second footer")  # has a /Prev: rewritten whole
    assert not twice.startswith(once[:-64])
    for number, text in enumerate(_texts(twice), start=1):
        assert "second footer" in text and f"Page {number} of {PAGES}" in text


def test_one_session_prints_twice_and_reports_a_page_that_does_not_load(
        qapp: object, tmp_path: Path) -> None:
    first, second = tmp_path / "a.html", tmp_path / "b.html"
    first.write_text("<!doctype html><p>first page</p>", encoding="utf-8")
    second.write_text("<!doctype html><p>second page</p>", encoding="utf-8")
    with PrintSession() as session:
        session.start(first, tmp_path / "a.pdf", "footer a")
        session.idle()
        session.finish()
        assert "second page" in _texts(session.render(second))[0]
    assert "footer a" in _texts((tmp_path / "a.pdf").read_bytes())[0]
    assert not list(tmp_path.glob(".*.part"))


def test_the_pdf_embeds_print_sized_stills_and_the_html_keeps_its_own(
        qapp: object, tmp_path: Path) -> None:
    built = build_case(tmp_path / "case.deskcase", stills=2)
    with CaseFile.open(built.path) as case:
        export_dossier(case, 1, tmp_path / "html", {"html", "json"})
        export_dossier(case, 1, tmp_path / "both", {"html", "json", "pdf"},
                       pdf_printer=print_pdf)
    # The HTML a reader verifies is the same bytes with or without a PDF beside it.
    assert (tmp_path / "html" / "dossier.html").read_bytes() == \
        (tmp_path / "both" / "dossier.html").read_bytes()
    assert not (tmp_path / "both" / ".print.html").exists()

    reader = PdfReader(tmp_path / "both" / "dossier.pdf")
    sizes = [(image.image.width, image.image.height)
             for page in reader.pages for image in page.images
             if image.image is not None and image.image.width > 200]
    assert sizes, "the PDF shows the stills"
    for width, height in sizes:
        assert width <= PRINT_BOX[0] and height <= PRINT_BOX[1]


def test_renditions_come_from_one_decode_and_fit_each_box() -> None:
    out = io.BytesIO()
    Image.new("RGB", (1920, 1080), (90, 120, 150)).save(out, "JPEG", quality=90)
    screen, paper = renditions(out.getvalue(), "JPEG", [SCREEN_BOX, PRINT_BOX])
    with Image.open(io.BytesIO(screen)) as a, Image.open(io.BytesIO(paper)) as b:
        assert a.size == (960, 540)
        assert b.size[1] == PRINT_BOX[1] and b.size[0] < a.size[0]
