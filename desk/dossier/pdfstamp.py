"""Footers for the printed dossier: "Page i of N" and the record hash on every page.

Qt WebEngine exposes neither Chromium's header/footer templates nor CSS page counters, and a
position:fixed footer would overlap text. So the PDF is printed with a bottom margin and this
module stamps each page's footer into that margin with pypdf, in the standard Helvetica font
(no font file needed, text stays searchable). The printer's timestamps are dropped from the
document info, so the same HTML gives a PDF with the same text and, on one machine, usually
the same bytes (the print engine gives no such promise).
"""

from __future__ import annotations

import io
import logging

from pypdf import PageObject, PdfReader, PdfWriter
from pypdf.generic import (
    ArrayObject,
    DecodedStreamObject,
    DictionaryObject,
    NameObject,
)

FONT_SIZE = 7.0
#: Footer baseline and rule, in points above the page's bottom edge (inside an 18 mm margin).
BASELINE = 24.0
RULE = 34.0
SIDE = 40.0  # ~14 mm, the printed side margins

# Helvetica advance widths (1/1000 em) for the characters of "Page 12 of 34".
_WIDTHS = {**dict.fromkeys("0123456789aego", 556), "P": 667, "f": 278, " ": 278}


def _escape(text: str) -> bytes:
    raw = text.encode("cp1252", errors="replace")
    return raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")


def _width(text: str) -> float:
    return sum(_WIDTHS.get(c, 600) for c in text) * FONT_SIZE / 1000


def stamp_pages(pdf: bytes, footer: str, *, title: str = "") -> bytes:
    """The PDF with a footer rule, `footer` at the left and "Page i of N" at the right."""
    # Chromium's trailer under-counts its objects; pypdf copes and logs it: not news for users.
    logging.getLogger("pypdf").setLevel(logging.ERROR)
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    total = len(writer.pages)
    font = writer._add_object(DictionaryObject({
        NameObject("/Type"): NameObject("/Font"),
        NameObject("/Subtype"): NameObject("/Type1"),
        NameObject("/BaseFont"): NameObject("/Helvetica"),
        NameObject("/Encoding"): NameObject("/WinAnsiEncoding"),
    }))
    for number, page in enumerate(writer.pages, start=1):
        width = float(page.mediabox.width)
        label = f"Page {number} of {total}"
        content = (
            f"q 0.6 0.63 0.67 RG 0.4 w {SIDE:.1f} {RULE:.1f} m"
            f" {width - SIDE:.1f} {RULE:.1f} l S Q\n"
            f"BT /DeskFooter {FONT_SIZE:.1f} Tf 0.33 0.37 0.42 rg {SIDE:.1f} {BASELINE:.1f} Td ("
        ).encode("ascii") + _escape(footer) + (
            f") Tj ET\nBT /DeskFooter {FONT_SIZE:.1f} Tf 0.11 0.14 0.17 rg"
            f" {width - SIDE - _width(label):.1f} {BASELINE:.1f} Td ("
        ).encode("ascii") + _escape(label) + b") Tj ET\n"
        overlay = PageObject.create_blank_page(width=width, height=float(page.mediabox.height))
        stream = DecodedStreamObject()
        stream.set_data(content)
        overlay[NameObject("/Contents")] = writer._add_object(stream)
        overlay[NameObject("/Resources")] = DictionaryObject({
            NameObject("/Font"): DictionaryObject({NameObject("/DeskFooter"): font}),
            NameObject("/ProcSet"): ArrayObject([NameObject("/PDF"), NameObject("/Text")]),
        })
        page.merge_page(overlay)
    writer.metadata = {"/Producer": "desk", "/Creator": "desk", "/Title": title or footer}
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def page_count(pdf: bytes) -> int:
    return len(PdfReader(io.BytesIO(pdf)).pages)

