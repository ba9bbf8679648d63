"""Files are recognized by their bytes, never their names; anything else gets a plain reason."""

from __future__ import annotations

import random

import pytest

from desk.core.errors import Rejected
from desk.core.sniff import sniff_format
from tests.core import imaging


def _reason(head: bytes) -> str:
    with pytest.raises(Rejected) as caught:
        sniff_format(head)
    return caught.value.reason


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (imaging.make_jpeg(16, 16), "jpeg"),
        (imaging.make_png(16, 16), "png"),
        (imaging.make_webp(16, 16), "webp"),
        (imaging.make_tiff(16, 16), "tiff"),
        (b"MM\x00*\x00\x00\x00\x08", "tiff"),
        (b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic", "heic"),
        (b"\x00\x00\x00\x18ftypmif1\x00\x00\x00\x00mif1heix", "heic"),
    ],
)
def test_allowed_formats_are_recognized(data: bytes, expected: str) -> None:
    assert sniff_format(data[:1024]) == expected


@pytest.mark.parametrize(
    ("head", "reason"),
    [
        (b"", "empty file"),
        (imaging.pdf_bytes(), "not an image: looks like a PDF"),
        (b"\n\n%PDF-1.4 after junk", "not an image: looks like a PDF"),
        (imaging.eps_bytes(), "not an image: looks like PostScript/EPS"),
        (imaging.binary_eps_bytes(), "not an image: looks like PostScript/EPS"),
        (b"PK\x03\x04\x14\x00\x00\x00", "not an image: looks like a ZIP archive"),
        (b"GIF89a\x01\x00\x01\x00", "unsupported format: GIF"),
        (b"\x7fELF\x02\x01\x01", "not an image: looks like a program (ELF executable)"),
        (b"MZ\x90\x00\x03\x00", "not an image: looks like a Windows program"),
        (
            b"\x00\x00\x00\x20ftypisom\x00\x00\x02\x00isomiso2mp41",
            "not a still image: looks like a video",
        ),
        (b"\x00\x00\x00\x14ftypqt  \x00\x00\x02\x00qt  ", "not a still image: looks like a video"),
        (b"\x00\x00\x00\x1cftypavif\x00\x00\x00\x00mif1miaf", "unsupported format: AVIF"),
        (b"\xef\xbb\xbf  <!DOCTYPE html><html>", "not an image: looks like a web page (HTML)"),
        (
            b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg">',
            "not an image: looks like an SVG drawing (vector graphics are not accepted)",
        ),
        (b"<?xml version='1.0'?><note/>", "not an image: looks like an XML document"),
        (bytes(range(7, 200)), "not an image: unrecognized content"),
    ],
)
def test_other_content_is_refused_with_what_it_looks_like(head: bytes, reason: str) -> None:
    assert _reason(head) == reason


def test_random_bytes_are_unrecognized() -> None:
    data = random.Random(20240501).randbytes(4096)
    assert _reason(data) == "not an image: unrecognized content"


def test_rejected_reads_as_its_reason() -> None:
    error = Rejected("truncated JPEG")
    assert str(error) == error.reason == "truncated JPEG"
