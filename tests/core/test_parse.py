"""One untrusted file in: an image with a thumbnail and checked metadata, or a plain reason."""

from __future__ import annotations

import io
import random
import re
import sys
import time

import pytest
from PIL import Image

from desk.core import heif, parse
from desk.core.errors import Rejected
from desk.core.limits import THUMB_EDGE
from desk.core.model import Flag
from desk.core.parse import ParsedImage, parse_image
from tests.core import imaging
from tests.core.imaging import (
    MAKER_NOTE,
    UNDEFINED,
    Entry,
    ascii_entry,
    build_tiff,
    exif_app1,
    gps_ifd_bytes,
    make_jpeg_with_raw_app1,
)


def _reason(data: bytes) -> str:
    with pytest.raises(Rejected) as caught:
        parse_image(data)
    return caught.value.reason


def _codes(parsed: ParsedImage) -> list[str]:
    return [flag.code for flag in parsed.metadata.flags]


def _thumbnail(parsed: ParsedImage) -> Image.Image:
    thumb = Image.open(io.BytesIO(parsed.thumbnail), formats=["JPEG"])
    thumb.load()
    assert thumb.format == "JPEG"
    assert thumb.mode == "RGB"
    assert thumb.size == (parsed.thumb_width, parsed.thumb_height)
    assert max(thumb.size) <= THUMB_EDGE
    return thumb


# --- refusals ------------------------------------------------------------------------------------


def test_empty_file() -> None:
    assert _reason(b"") == "empty file"


def test_file_over_the_size_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parse, "MAX_FILE_BYTES", 1_000_000)
    assert _reason(b"\xff\xd8\xff" + bytes(2_000_000)) == "file too large: 2 MB"


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (imaging.pdf_bytes(), "not an image: looks like a PDF"),
        (imaging.eps_bytes(), "not an image: looks like PostScript/EPS"),
        (imaging.binary_eps_bytes(), "not an image: looks like PostScript/EPS"),
        (random.Random(7).randbytes(50_000), "not an image: unrecognized content"),
    ],
)
def test_non_images_named_jpg_are_refused(data: bytes, reason: str) -> None:
    assert _reason(data) == reason


def test_truncated_jpeg() -> None:
    assert _reason(imaging.truncated(imaging.make_jpeg(), 0.5)) == "truncated JPEG"


def test_jpeg_cut_inside_its_header() -> None:
    assert _reason(imaging.make_jpeg()[:100]) == "truncated JPEG"


def test_truncated_png() -> None:
    assert _reason(imaging.truncated(imaging.make_png(200, 150), 0.6)) == "truncated PNG"


def test_png_whose_header_claims_a_huge_size_is_refused_before_decoding() -> None:
    started = time.perf_counter()
    assert _reason(imaging.png_with_header_size(30_000, 30_000)) == "image too large: 30000x30000"
    assert time.perf_counter() - started < 1.0


def test_real_png_decompression_bomb_is_refused() -> None:
    bomb = imaging.png_bomb(30_000, 30_000)
    assert len(bomb) < 1_000_000
    assert _reason(bomb) == "image too large: 30000x30000"


def test_pillow_bomb_check_is_the_second_line(monkeypatch: pytest.MonkeyPatch) -> None:
    """Were the header check to miss, Pillow's own limits (error and warning) still refuse."""
    monkeypatch.setattr(parse, "_header_size", lambda data, fmt: None)
    assert _reason(imaging.png_with_header_size(30_000, 30_000)) == (
        "image too large: over 120 megapixels"
    )
    # Between the limit and twice the limit Pillow only warns; the warning is an error here.
    assert _reason(imaging.png_with_header_size(12_000, 10_001)) == (
        "image too large: over 120 megapixels"
    )


def test_image_without_pixels_is_refused() -> None:
    assert _reason(imaging.png_with_header_size(0, 48)) == "invalid image size: 0x48"


def test_heic_without_its_plugin_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    heif.enable_heif.cache_clear()
    monkeypatch.setitem(sys.modules, "pi_heif", None)
    try:
        heic = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + bytes(100)
        assert _reason(heic) == "HEIC support is not installed"
    finally:
        heif.enable_heif.cache_clear()


_PLAIN_REASON = re.compile(r"[A-Za-z][\w .,:;()+/-]*")


@pytest.mark.parametrize(
    "maker", [imaging.make_jpeg, imaging.make_png, imaging.make_webp, imaging.make_tiff]
)
def test_damaged_files_give_plain_reasons_never_tracebacks(maker: object) -> None:
    original: bytes = maker(96, 64)  # type: ignore[operator]
    rng = random.Random(len(original))
    for _ in range(60):
        damaged = bytearray(original)
        for _ in range(rng.randint(1, 8)):
            damaged[rng.randrange(len(damaged))] = rng.randrange(256)
        data = bytes(damaged[: rng.randint(len(damaged) // 2, len(damaged))])
        try:
            parsed = parse_image(data)
        except Rejected as exc:
            assert _PLAIN_REASON.fullmatch(exc.reason), exc.reason
            assert "object at" not in exc.reason
            assert len(exc.reason) <= 120
        else:
            _thumbnail(parsed)


# --- hostile metadata in a good image ------------------------------------------------------------


def test_gps_with_zero_denominator_is_imported_without_position() -> None:
    parsed = parse_image(make_jpeg_with_raw_app1(gps_ifd_bytes(lat=((51, 0), (30, 1), (0, 1)))))
    assert parsed.format == "jpeg"
    assert parsed.metadata.gps is None
    assert Flag("invalid_gps", "GPS block unusable: latitude has a zero denominator") in (
        parsed.metadata.flags
    )


def test_maker_note_with_absurd_count_parses_quickly() -> None:
    note = Entry(MAKER_NOTE, UNDEFINED, 0x7FFFFFFF, offset=26)
    app1 = exif_app1(build_tiff([ascii_entry(0x010F, "NIKON CORPORATION")], exif=[note]))
    started = time.perf_counter()
    parsed = parse_image(make_jpeg_with_raw_app1(app1, 320, 240))
    assert time.perf_counter() - started < 2.0
    assert (parsed.width, parsed.height) == (320, 240)
    assert parsed.metadata.make == "NIKON CORPORATION"
    assert not any("MakerNote" in key for key in parsed.metadata.raw)


def test_empty_gps_ifd_is_imported_without_position() -> None:
    app1 = exif_app1(build_tiff([ascii_entry(0x010F, "TestCam")], gps=[]))
    parsed = parse_image(make_jpeg_with_raw_app1(app1))
    assert parsed.metadata.gps is None
    assert _codes(parsed) == ["no_capture_time", "no_gps"]


def test_malformed_exif_does_not_reject_the_image() -> None:
    parsed = parse_image(make_jpeg_with_raw_app1(b"Exif\x00\x00II*\x00" + bytes(range(256)) * 4))
    assert parsed.format == "jpeg"
    assert (parsed.width, parsed.height) == (64, 48)
    _thumbnail(parsed)


def test_exif_too_costly_to_read_is_skipped_not_fatal() -> None:
    entries = [Entry(0xC000 + index, imaging.RATIONAL, 999, offset=8) for index in range(5000)]
    started = time.perf_counter()
    parsed = parse_image(make_jpeg_with_raw_app1(exif_app1(build_tiff(entries))))
    assert time.perf_counter() - started < 2.0
    assert parsed.metadata.flags == (
        Flag("exif_unreadable", "EXIF block is malformed and was skipped"),
    )


# --- accepted images -----------------------------------------------------------------------------


def test_good_jpeg_gives_exact_metadata_and_flags() -> None:
    jpeg = imaging.make_jpeg(
        4000 // 5,
        3000 // 5,
        exif={
            "Make": "Canon",
            "Model": "EOS R6",
            "Software": "Adobe Photoshop 25.0",
            "DateTimeOriginal": "2024:05:01 10:20:30",
            "OffsetTimeOriginal": "+03:00",
        },
        gps={
            "GPSLatitudeRef": "N",
            "GPSLatitude": imaging.dms(imaging.LONDON_LAT),
            "GPSLongitudeRef": "W",
            "GPSLongitude": imaging.dms(imaging.LONDON_LON),
        },
    )
    parsed = parse_image(jpeg)
    metadata = parsed.metadata
    assert (parsed.format, parsed.width, parsed.height) == ("jpeg", 800, 600)
    assert metadata.captured_at == "2024-05-01T10:20:30+03:00"
    assert metadata.utc_offset == "+03:00"
    assert (metadata.make, metadata.model, metadata.software) == (
        "Canon",
        "EOS R6",
        "Adobe Photoshop 25.0",
    )
    assert metadata.gps is not None
    assert metadata.gps.lat == pytest.approx(51.507369, abs=1e-6)
    assert metadata.gps.lon == pytest.approx(-0.127739, abs=1e-6)
    assert metadata.flags == (
        Flag("edited_software", "Software field suggests editing: Adobe Photoshop 25.0"),
    )


def test_stripped_jpeg_is_flagged_no_metadata() -> None:
    parsed = parse_image(imaging.make_jpeg())
    assert _codes(parsed) == ["no_metadata"]
    assert parsed.metadata.raw == {}


def test_time_mismatch_reaches_the_parsed_image() -> None:
    jpeg = imaging.make_jpeg(
        exif={"DateTimeOriginal": "2024:05:01 10:20:30", "OffsetTimeOriginal": "+03:00"},
        gps={
            "GPSLatitudeRef": "N",
            "GPSLatitude": imaging.dms(imaging.LONDON_LAT),
            "GPSLongitudeRef": "W",
            "GPSLongitude": imaging.dms(imaging.LONDON_LON),
            "GPSDateStamp": "2024:05:01",
            "GPSTimeStamp": (imaging.rational(2), imaging.rational(20), imaging.rational(30)),
        },
    )
    assert Flag("time_mismatch", "GPS time and capture time disagree by 5.0 h") in (
        parse_image(jpeg).metadata.flags
    )


def test_control_and_bidi_characters_in_make_are_stripped() -> None:
    make = "Evil\u202eCam\x1b]0;pwned\x07".encode()
    app1 = exif_app1(build_tiff([Entry(0x010F, imaging.ASCII, len(make) + 1, make + b"\x00")]))
    assert parse_image(make_jpeg_with_raw_app1(app1)).metadata.make == "EvilCam]0;pwned"


def test_thumbnail_is_a_small_jpeg_pillow_can_open() -> None:
    parsed = parse_image(imaging.make_jpeg(2000, 1500))
    thumb = _thumbnail(parsed)
    assert thumb.size == (320, 240)
    assert (parsed.width, parsed.height) == (2000, 1500)


def test_large_jpeg_is_decoded_reduced_and_fast() -> None:
    jpeg = imaging.make_jpeg(4000, 3000, quality=90)
    parse_image(jpeg)  # warm-up: plugin imports
    started = time.perf_counter()
    parsed = parse_image(jpeg)
    elapsed = time.perf_counter() - started
    assert (parsed.width, parsed.height, parsed.thumb_width) == (4000, 3000, 320)
    assert elapsed < 0.5  # typically ~10 ms for this smooth picture; generous for slow CI


def test_exif_orientation_is_applied_to_thumbnail_and_size() -> None:
    parsed = parse_image(imaging.make_jpeg(640, 480, exif={"Orientation": 6}))
    assert (parsed.width, parsed.height) == (480, 640)
    thumb = _thumbnail(parsed)
    assert thumb.size == (240, 320)
    # The red block drawn top-left is top-right once the camera's 90° turn is undone.
    red, green, blue = thumb.getpixel((thumb.width - 10, 10))  # type: ignore[misc]
    assert red > 200 and green < 60 and blue < 60


def test_png_with_alpha_is_flattened_on_white() -> None:
    parsed = parse_image(imaging.make_png(200, 100, "RGBA"))
    assert (parsed.format, parsed.width, parsed.height) == ("png", 200, 100)
    thumb = _thumbnail(parsed)
    assert thumb.getpixel((thumb.width // 2, 0)) >= (245, 245, 245)  # alpha 0 at the top


@pytest.mark.parametrize("mode", ["1", "L", "LA", "P", "I;16", "RGB"])
def test_png_modes_parse(mode: str) -> None:
    parsed = parse_image(imaging.make_png(120, 80, mode))
    assert (parsed.format, parsed.thumb_width, parsed.thumb_height) == ("png", 120, 80)
    _thumbnail(parsed)


def test_sixteen_bit_png_is_scaled_not_clipped() -> None:
    thumb = _thumbnail(parse_image(imaging.make_png(64, 256, "I;16")))
    top, bottom = thumb.getpixel((32, 2)), thumb.getpixel((32, 253))
    assert top[0] < 20 and 200 < bottom[0] < 255  # type: ignore[index]


@pytest.mark.parametrize("mode", ["L", "CMYK"])
def test_grey_and_cmyk_jpegs_parse(mode: str) -> None:
    parsed = parse_image(imaging.make_jpeg(400, 300, mode=mode))
    assert (parsed.width, parsed.height) == (400, 300)
    _thumbnail(parsed)


def test_progressive_jpeg_parses() -> None:
    parsed = parse_image(imaging.make_jpeg(1200, 900, progressive=True))
    assert (parsed.thumb_width, parsed.thumb_height) == (320, 240)


def test_webp_parses_with_its_exif() -> None:
    parsed = parse_image(imaging.make_webp(300, 200, exif={"Make": "Google"}))
    assert (parsed.format, parsed.width, parsed.height) == ("webp", 300, 200)
    assert parsed.metadata.make == "Google"
    _thumbnail(parsed)


@pytest.mark.parametrize("mode", ["RGB", "CMYK"])
def test_tiff_parses_with_its_tags(mode: str) -> None:
    parsed = parse_image(imaging.make_tiff(500, 400, mode, exif={"Make": "Hasselblad"}))
    assert (parsed.format, parsed.width, parsed.height) == ("tiff", 500, 400)
    assert parsed.metadata.make == "Hasselblad"
    assert (parsed.thumb_width, parsed.thumb_height) == (320, 256)
    _thumbnail(parsed)


def test_heic_parses_with_its_exif() -> None:
    parsed = parse_image(imaging.apple_heic())
    assert (parsed.format, parsed.width, parsed.height) == ("heic", 160, 120)
    assert parsed.metadata.make == "Apple"
    assert parsed.metadata.captured_at == "2024-05-01T10:20:30"
    _thumbnail(parsed)


def test_parsed_image_crosses_a_process_boundary() -> None:
    import pickle

    parsed = parse_image(make_jpeg_with_raw_app1(gps_ifd_bytes()))
    assert pickle.loads(pickle.dumps(parsed)) == parsed
