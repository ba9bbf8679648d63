"""IPTC IIM: the caption block's dates and place are read with their sources, and a block whose
lengths lie is read as far as it is true, with a notice, never a crash."""

from __future__ import annotations

import io
import struct

from desk.core.iptc import MAX_RECORDS, read_iptc
from desk.core.isolation import ParserLane
from desk.core.parse import parse_image
from tests.core import imaging


def record(dataset: int, value: bytes, number: int = 2) -> bytes:
    return b"\x1c" + bytes([number, dataset]) + struct.pack(">H", len(value)) + value


def app13(iim: bytes) -> bytes:
    """A Photoshop APP13 segment holding one IPTC-NAA resource (0x0404)."""
    resource = b"8BIM" + struct.pack(">H", 0x0404) + b"\x00\x00" + struct.pack(">I", len(iim))
    resource += iim + (b"\x00" if len(iim) % 2 else b"")
    body = b"Photoshop 3.0\x00" + resource
    return b"\xff\xed" + struct.pack(">H", len(body) + 2) + body


def jpeg_with_iptc(iim: bytes, exif: dict[int | str, object] | None = None) -> bytes:
    jpeg = imaging.make_jpeg(64, 48, exif=exif)
    return jpeg[:2] + app13(iim) + jpeg[2:]


CAPTION = (record(55, b"20220301") + record(60, b"081400+0200") + record(62, b"20220301")
           + record(63, b"081401+0200") + record(90, b"Kupiansk")
           + record(101, "Україна".encode()))


def test_iptc_date_and_time_are_the_capture_time_with_their_offset() -> None:
    metadata = parse_image(jpeg_with_iptc(CAPTION)).metadata
    assert metadata.captured_at == "2022-03-01T08:14:00+02:00"
    assert metadata.captured_at_source == "IPTC DateCreated+TimeCreated"
    assert metadata.utc_offset == "+02:00"
    readings = {(r.field, r.source): r.value for r in metadata.readings}
    assert readings[("captured_at", "IPTC DigitalCreationDate+DigitalCreationTime")] == \
        "2022-03-01T08:14:01+02:00"
    assert readings[("city", "IPTC City")] == "Kupiansk"
    assert readings[("country", "IPTC Country")] == "Україна"
    assert "capture_sources_disagree" not in [f.code for f in metadata.flags]


def test_a_date_only_iptc_is_compared_on_the_date() -> None:
    same_day = jpeg_with_iptc(record(55, b"20220301"),
                              exif={"DateTimeOriginal": "2022:03:01 23:59:00"})
    assert "capture_sources_disagree" not in [f.code for f in parse_image(same_day).metadata.flags]
    other_day = jpeg_with_iptc(record(55, b"20211130"),
                               exif={"DateTimeOriginal": "2022:03:01 08:14:00"})
    metadata = parse_image(other_day).metadata
    assert metadata.captured_at_source == "EXIF DateTimeOriginal"
    assert {f.code: f.message for f in metadata.flags}["capture_sources_disagree"] == (
        "Capture-time sources disagree: EXIF DateTimeOriginal says 2022-03-01 08:14,"
        " IPTC DateCreated+TimeCreated says 2021-11-30.")


def test_a_date_alone_never_becomes_the_capture_time() -> None:
    metadata = parse_image(jpeg_with_iptc(record(55, b"20220301"))).metadata
    assert metadata.captured_at is None
    assert {f.code: f.message for f in metadata.flags}["no_capture_time"] == (
        "No capture time in the metadata (IPTC DateCreated+TimeCreated gives only the date"
        " 2022-03-01).")


def test_iptc_in_a_tiff_is_read_too() -> None:
    out = io.BytesIO()
    imaging.picture(32, 24).save(out, "TIFF", tiffinfo={33723: CAPTION})
    metadata = parse_image(out.getvalue()).metadata
    assert metadata.captured_at_source == "IPTC DateCreated+TimeCreated"


# --- hostile blocks ------------------------------------------------------------------------------


def _notice(iim: bytes) -> str:
    metadata = parse_image(jpeg_with_iptc(iim)).metadata
    return {f.code: f.message for f in metadata.flags}["iptc_malformed"]


def test_a_length_past_the_end_keeps_what_came_before() -> None:
    lying = record(55, b"20220301") + b"\x1c\x02\x3c" + struct.pack(">H", 30000) + b"0814"
    metadata = parse_image(jpeg_with_iptc(lying)).metadata
    assert [r.value for r in metadata.readings if r.source.startswith("IPTC")] == ["2022-03-01"]
    assert _notice(lying) == ("IPTC block is malformed: record 2:60 claims 30,000 bytes but the"
                              " block ends 4 bytes later; the rest was not read.")


def test_an_absurd_extended_length_is_refused() -> None:
    huge = b"\x1c\x02\x37\x80\x04" + b"\xff\xff\xff\xff" + b"2022"
    assert "claims 4,294,967,295 bytes" in _notice(huge)
    too_wide = b"\x1c\x02\x37\x80\x09" + b"\x01" * 9
    assert "extended length of 9 bytes" in _notice(too_wide)


def test_a_huge_count_of_records_stops_at_the_limit() -> None:
    many = record(10, b"") * (MAX_RECORDS + 5)
    assert read_iptc(many).flags[0].message == (
        f"IPTC block is malformed: more than {MAX_RECORDS:,} records; the rest was not read.")


def test_garbage_and_cut_headers_are_named() -> None:
    assert "unexpected byte 0x41" in _notice(record(55, b"20220301") + b"ABC")
    assert "cut off" in _notice(record(55, b"20220301") + b"\x1c\x02")
    assert read_iptc(record(55, b"20220301") + b"\x00\x00\x00").flags == ()  # padding is fine


def test_hostile_iptc_goes_through_the_isolated_parser_without_harm() -> None:
    blocks = [b"\x1c" * 60000, b"\x1c\x02\x37\x80\x04\xff\xff\xff\xff",
              b"\x1c\x02\x37\xff\xff" + b"\x00" * 100, record(55, b"9999") * 5000]
    lane = ParserLane()
    try:
        outcomes = [lane.parse(jpeg_with_iptc(block[:60000])) for block in blocks]
    finally:
        lane.close()
    for outcome in outcomes:
        assert outcome.parsed is not None, outcome.reason
