"""Footers for the printed dossier: "Page i of N" and the record hash on every page.

Qt WebEngine exposes neither Chromium's header/footer templates nor CSS page counters, and a
position:fixed footer would overlap text. So the PDF is printed with a bottom margin and this
module stamps each page's footer into that margin, in the standard Helvetica font (no font
file needed, text stays searchable).

The stamp is an incremental update, the PDF's own way of amending a file: Chromium's bytes
stay as they are and the footers, the amended page dictionaries and a new document info
follow them, so stamping costs milliseconds whatever the pictures weigh (re-writing the whole
file through pypdf cost more than the rest of the export's own work). The printer's
timestamps are blanked in place (same length, so no offset moves) and its document info is
superseded, so the same HTML gives a PDF with the same text and, on one machine, usually the
same bytes (the print engine gives no such promise). A PDF this cannot amend (an encrypted
one, or one with cross-reference streams or object streams, which Chromium does not write)
is re-written whole by pypdf instead, with the same footers.
"""

from __future__ import annotations

import io
import logging
import re

from pypdf import PageObject, PdfReader, PdfWriter
from pypdf.generic import (
    ArrayObject,
    DecodedStreamObject,
    DictionaryObject,
    IndirectObject,
    NameObject,
    NumberObject,
    PdfObject,
    TextStringObject,
)

FONT_SIZE = 7.0
#: Footer baseline and rule, in points above the page's bottom edge (inside an 18 mm margin).
BASELINE = 24.0
RULE = 34.0
SIDE = 40.0  # ~14 mm, the printed side margins
FONT_NAME = "/DeskFooter"

# Helvetica advance widths (1/1000 em) for the characters of "Page 12 of 34".
_WIDTHS = {**dict.fromkeys("0123456789aego", 556), "P": 667, "f": 278, " ": 278}
_DATE = re.compile(rb"/(?:CreationDate|ModDate)\s*\([^()\\]*\)")


def _escape(text: str) -> bytes:
    raw = text.encode("cp1252", errors="replace")
    return raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")


def _width(text: str) -> float:
    return sum(_WIDTHS.get(c, 600) for c in text) * FONT_SIZE / 1000


def footer_content(footer: str, number: int, total: int, width: float) -> bytes:
    """The drawing of one page's footer: a rule, `footer` at the left, "Page i of N" right."""
    label = f"Page {number} of {total}"
    return (
        f"q 0.6 0.63 0.67 RG 0.4 w {SIDE:.1f} {RULE:.1f} m"
        f" {width - SIDE:.1f} {RULE:.1f} l S Q\n"
        f"BT {FONT_NAME} {FONT_SIZE:.1f} Tf 0.33 0.37 0.42 rg {SIDE:.1f} {BASELINE:.1f} Td ("
    ).encode("ascii") + _escape(footer) + (
        f") Tj ET\nBT {FONT_NAME} {FONT_SIZE:.1f} Tf 0.11 0.14 0.17 rg"
        f" {width - SIDE - _width(label):.1f} {BASELINE:.1f} Td ("
    ).encode("ascii") + _escape(label) + b") Tj ET\n"


def _font() -> DictionaryObject:
    return DictionaryObject({
        NameObject("/Type"): NameObject("/Font"),
        NameObject("/Subtype"): NameObject("/Type1"),
        NameObject("/BaseFont"): NameObject("/Helvetica"),
        NameObject("/Encoding"): NameObject("/WinAnsiEncoding"),
    })


def _info(footer: str, title: str) -> DictionaryObject:
    return DictionaryObject({
        NameObject("/Producer"): TextStringObject("desk"),
        NameObject("/Creator"): TextStringObject("desk"),
        NameObject("/Title"): TextStringObject(title or footer),
    })


def stamp_pages(pdf: bytes, footer: str, *, title: str = "") -> bytes:
    """The PDF with a footer rule, `footer` at the left and "Page i of N" at the right."""
    # Chromium's trailer under-counts its objects; pypdf copes and logs it: not news for users.
    logging.getLogger("pypdf").setLevel(logging.ERROR)
    try:
        return _amend(pdf, footer, title)
    except _CannotAmend:
        return _rewrite(pdf, footer, title)


class _CannotAmend(Exception):
    """The PDF is not the plain kind an incremental update is written for here."""


def _classic_xref_at(pdf: bytes, offset: object) -> bool:
    return isinstance(offset, int) and pdf[offset:offset + 4] == b"xref"


def _amend(pdf: bytes, footer: str, title: str) -> bytes:
    """The footers as an incremental update after Chromium's bytes (see the module's note)."""
    reader = PdfReader(io.BytesIO(pdf))
    start = pdf.rfind(b"startxref")
    try:
        xref_at = int(pdf[start + 9:start + 40].split()[0]) if start >= 0 else None
    except (ValueError, IndexError):
        xref_at = None
    if (reader.is_encrypted or reader.xref_objStm or not _classic_xref_at(pdf, xref_at)
            or "/Prev" in reader.trailer):
        raise _CannotAmend
    used = [n for table in reader.xref.values() for n in table]
    next_id = max([int(reader.trailer.get("/Size", 0)), *(n + 1 for n in used)])
    edits: dict[int, PdfObject] = {}  # object number -> its new body

    def add(body: PdfObject) -> IndirectObject:
        nonlocal next_id
        ref = IndirectObject(next_id, 0, None)
        edits[next_id] = body
        next_id += 1
        return ref

    font = add(_font())
    opening = DecodedStreamObject()
    opening.set_data(b"q\n")  # Chromium's drawing in its own graphics state, then the footer
    opening_ref = add(opening)
    pages = reader.pages
    total = len(pages)
    for number, page in enumerate(pages, start=1):
        ref = page.indirect_reference
        contents = page.raw_get("/Contents") if "/Contents" in page else None
        if ref is None or ref.generation != 0 or ref.idnum in edits:
            raise _CannotAmend
        if isinstance(contents, IndirectObject):
            drawn = [contents]
        elif isinstance(contents, ArrayObject):
            drawn = list(contents)
        elif contents is None:
            drawn = []
        else:
            raise _CannotAmend
        closing = DecodedStreamObject()
        closing.set_data(b"Q\n" + footer_content(footer, number, total,
                                                 float(page.mediabox.width)))
        amended = DictionaryObject({NameObject(k): page.raw_get(k) for k in page})
        amended[NameObject("/Contents")] = ArrayObject([opening_ref, *drawn, add(closing)])
        amended[NameObject("/Resources")] = _with_font(page, font, edits)
        edits[ref.idnum] = amended
    info = add(_info(footer, title))

    out = io.BytesIO()
    out.write(_without_dates(pdf, reader))
    if not pdf.endswith(b"\n"):
        out.write(b"\n")
    offsets: dict[int, int] = {}
    for idnum in sorted(edits):
        offsets[idnum] = out.tell()
        out.write(f"{idnum} 0 obj\n".encode("ascii"))
        edits[idnum].write_to_stream(out)
        out.write(b"\nendobj\n")
    table_at = out.tell()
    out.write(b"xref\n")
    for first, run in _runs(sorted(offsets)):
        out.write(f"{first} {len(run)}\n".encode("ascii"))
        out.writelines(f"{offsets[n]:010d} 00000 n \n".encode("ascii") for n in run)
    trailer = DictionaryObject({
        NameObject("/Size"): NumberObject(next_id),
        NameObject("/Root"): reader.trailer.raw_get("/Root"),
        NameObject("/Info"): info,
        NameObject("/Prev"): NumberObject(xref_at),
    })
    if "/ID" in reader.trailer:
        trailer[NameObject("/ID")] = reader.trailer.raw_get("/ID")
    out.write(b"trailer\n")
    trailer.write_to_stream(out)
    out.write(f"\nstartxref\n{table_at}\n%%EOF\n".encode("ascii"))
    return out.getvalue()


def _without_dates(pdf: bytes, reader: PdfReader) -> bytes:
    """Chromium's bytes with the print time in its document info blanked (same length)."""
    info = reader.trailer.raw_get("/Info") if "/Info" in reader.trailer else None
    if not isinstance(info, IndirectObject):
        return pdf
    start = reader.xref.get(info.generation, {}).get(info.idnum)
    end = pdf.find(b"endobj", start) if isinstance(start, int) else -1
    if not isinstance(start, int) or end < 0:
        return pdf
    body = _DATE.sub(lambda m: b" " * len(m.group(0)), pdf[start:end])
    return pdf[:start] + body + pdf[end:]


def _with_font(page: PageObject, font: IndirectObject, edits: dict[int, PdfObject]
               ) -> PdfObject:
    """The page's resources with the footer font added: a direct dictionary is amended in the
    page; an indirect one (or an indirect font dictionary) is amended once as an object."""
    raw = page.raw_get("/Resources") if "/Resources" in page else DictionaryObject()
    resources = raw.get_object() if isinstance(raw, IndirectObject) else raw
    if not isinstance(resources, DictionaryObject):
        raise _CannotAmend
    if isinstance(raw, IndirectObject) and raw.idnum in edits:
        return raw  # shared by an earlier page, already amended
    amended = DictionaryObject({NameObject(k): resources.raw_get(k) for k in resources})
    fonts_raw = resources.raw_get("/Font") if "/Font" in resources else DictionaryObject()
    fonts = fonts_raw.get_object() if isinstance(fonts_raw, IndirectObject) else fonts_raw
    if not isinstance(fonts, DictionaryObject) or FONT_NAME in fonts:
        raise _CannotAmend
    more = DictionaryObject({NameObject(k): fonts.raw_get(k) for k in fonts})
    more[NameObject(FONT_NAME)] = font
    if isinstance(fonts_raw, IndirectObject):
        if fonts_raw.generation != 0:
            raise _CannotAmend
        edits[fonts_raw.idnum] = more
        amended[NameObject("/Font")] = fonts_raw
    else:
        amended[NameObject("/Font")] = more
    if isinstance(raw, IndirectObject):
        if raw.generation != 0:
            raise _CannotAmend
        edits[raw.idnum] = amended
        return raw
    return amended


def _runs(numbers: list[int]) -> list[tuple[int, list[int]]]:
    """Sorted object numbers as runs of consecutive ones: the cross-reference subsections."""
    runs: list[tuple[int, list[int]]] = []
    for n in numbers:
        if runs and runs[-1][1][-1] == n - 1:
            runs[-1][1].append(n)
        else:
            runs.append((n, [n]))
    return runs


def _rewrite(pdf: bytes, footer: str, title: str) -> bytes:
    """The footers merged into each page by pypdf, which re-writes the whole file (slow with
    many pictures; for PDFs `_amend` cannot amend)."""
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    total = len(writer.pages)
    font = writer._add_object(_font())
    for number, page in enumerate(writer.pages, start=1):
        width = float(page.mediabox.width)
        overlay = PageObject.create_blank_page(width=width, height=float(page.mediabox.height))
        stream = DecodedStreamObject()
        stream.set_data(footer_content(footer, number, total, width))
        overlay[NameObject("/Contents")] = writer._add_object(stream)
        overlay[NameObject("/Resources")] = DictionaryObject({
            NameObject("/Font"): DictionaryObject({NameObject(FONT_NAME): font}),
            NameObject("/ProcSet"): ArrayObject([NameObject("/PDF"), NameObject("/Text")]),
        })
        page.merge_page(overlay)
    writer.metadata = {"/Producer": "desk", "/Creator": "desk", "/Title": title or footer}
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def page_count(pdf: bytes) -> int:
    return len(PdfReader(io.BytesIO(pdf)).pages)
