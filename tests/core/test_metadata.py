"""EXIF becomes the facts a reviewer weighs, and every doubtful value says why it was dropped."""

from __future__ import annotations

import io
import time

import exifread
import pytest

from desk.core.metadata import EXIF_READ_BUDGET, exif_work, normalize, read_exif
from desk.core.model import Flag, Gps, Metadata
from tests.core import imaging
from tests.core.imaging import (
    LONG,
    MAKER_NOTE,
    UNDEFINED,
    Entry,
    ascii_entry,
    build_tiff,
    byte_entry,
    exif_app1,
    gps_ifd_bytes,
    rational_entry,
)

GOOD_EXIF: dict[int | str, object] = {
    "Make": "Canon",
    "Model": "EOS R6",
    "Software": "Adobe Photoshop 25.0",
    "DateTimeOriginal": "2024:05:01 10:20:30",
    "OffsetTimeOriginal": "+03:00",
}


def _gps(lat_ref: str = "N", lon_ref: str = "W", **extra: object) -> dict[int | str, object]:
    return {
        "GPSLatitudeRef": lat_ref,
        "GPSLatitude": imaging.dms(imaging.LONDON_LAT),
        "GPSLongitudeRef": lon_ref,
        "GPSLongitude": imaging.dms(imaging.LONDON_LON),
        **extra,
    }


def _metadata(jpeg: bytes) -> Metadata:
    """What the parser gets: exifread's tags for the whole file, normalized."""
    return normalize(exifread.process_file(io.BytesIO(jpeg), details=False))


def _codes(metadata: Metadata) -> list[str]:
    return [flag.code for flag in metadata.flags]


def _with_exif(*ifd0: Entry, exif: list[Entry] | None = None) -> Metadata:
    return read_exif(exif_app1(build_tiff(list(ifd0), exif=exif)))


# --- the ordinary cases -------------------------------------------------------------------------


def test_good_exif_is_normalized_exactly() -> None:
    jpeg = imaging.make_jpeg(
        exif=GOOD_EXIF,
        gps=_gps(
            GPSAltitudeRef=1,
            GPSAltitude=imaging.rational(125, 10),
            GPSImgDirectionRef="T",
            GPSImgDirection=imaging.rational(2705, 10),
            GPSDateStamp="2024:05:01",
            GPSTimeStamp=(imaging.rational(7), imaging.rational(20), imaging.rational(30)),
        ),
    )
    metadata = _metadata(jpeg)

    assert metadata.captured_at == "2024-05-01T10:20:30+03:00"
    assert metadata.utc_offset == "+03:00"
    assert metadata.make == "Canon"
    assert metadata.model == "EOS R6"
    assert metadata.software == "Adobe Photoshop 25.0"
    gps = metadata.gps
    assert gps is not None
    assert gps.lat == pytest.approx(imaging.LONDON_LAT_DEG, abs=1e-6)
    assert gps.lon == pytest.approx(imaging.LONDON_LON_DEG, abs=1e-6)
    assert gps.altitude == -12.5  # AltitudeRef 1: below sea level
    assert gps.direction == 270.5
    assert gps.time_utc == "2024-05-01T07:20:30+00:00"
    assert metadata.flags == (
        Flag("edited_software", "Software field suggests editing: Adobe Photoshop 25.0"),
    )
    assert metadata.raw["Image Make"] == "Canon"
    assert metadata.raw["GPS GPSLatitudeRef"] == "N"
    assert list(metadata.raw) == sorted(metadata.raw)


def test_no_exif_at_all_is_flagged_as_stripped() -> None:
    expected = Metadata(
        flags=(
            Flag(
                "no_metadata",
                "No metadata: typical of social-media re-uploads and screenshots, "
                "which strip EXIF.",
            ),
        )
    )
    assert normalize({}) == expected
    assert read_exif(None) == expected
    assert _metadata(imaging.make_jpeg()) == expected


def test_exif_without_time_or_position_says_so() -> None:
    metadata = _metadata(imaging.make_jpeg(exif={"Make": "Apple"}))
    assert metadata.make == "Apple"
    assert metadata.flags == (
        Flag("no_capture_time", "No capture time in the metadata."),
        Flag("no_gps", "No GPS position in the metadata."),
    )


def test_capture_time_falls_back_to_digitized_but_never_to_the_file_time() -> None:
    digitized = _metadata(imaging.make_jpeg(exif={"DateTimeDigitized": "2023:12:31 23:59:59"}))
    assert digitized.captured_at == "2023-12-31T23:59:59"
    assert digitized.captured_at_source == "EXIF DateTimeDigitized"
    assert digitized.utc_offset is None
    # IFD0 DateTime says when the file was last written (a Photoshop save, say): a save time.
    saved = _metadata(
        imaging.make_jpeg(exif={"DateTime": "2023:01:02 03:04:05", "OffsetTime": "-05:30"})
    )
    assert saved.captured_at is None
    assert saved.captured_at_source is None
    assert saved.utc_offset is None
    assert (saved.saved_at, saved.saved_at_source) == ("2023-01-02T03:04:05-05:30",
                                                       "IFD0 DateTime")
    assert "no_capture_time" in _codes(saved)


# --- capture time that cannot be trusted --------------------------------------------------------


@pytest.mark.parametrize(
    "value", ["0000:00:00 00:00:00", "2024:02:30 10:00:00", "2024:05:01 25:00:00", "yesterday"]
)
def test_invalid_capture_time_is_dropped_with_a_flag(value: str) -> None:
    metadata = _metadata(imaging.make_jpeg(exif={"DateTimeOriginal": value}))
    assert metadata.captured_at is None
    assert metadata.utc_offset is None
    assert metadata.flags[0] == Flag(
        "invalid_capture_time", f"Capture time is not a valid date: {value}"
    )


def test_blank_capture_time_counts_as_missing() -> None:
    metadata = _metadata(imaging.make_jpeg(exif={"DateTimeOriginal": "    :  :     :  :  "}))
    assert metadata.captured_at is None
    assert "no_capture_time" in _codes(metadata)


@pytest.mark.parametrize("offset", ["+25:00", "03:00", "+03:75", "garbage"])
def test_impossible_utc_offset_is_ignored(offset: str) -> None:
    metadata = _metadata(
        imaging.make_jpeg(
            exif={"DateTimeOriginal": "2024:05:01 10:20:30", "OffsetTimeOriginal": offset}
        )
    )
    assert metadata.captured_at == "2024-05-01T10:20:30"
    assert metadata.utc_offset is None


# --- GPS that cannot be trusted -----------------------------------------------------------------


def test_zero_denominator_rejects_the_gps_block() -> None:
    metadata = read_exif(gps_ifd_bytes(lat=((51, 0), (30, 1), (0, 1))))
    assert metadata.gps is None
    assert Flag("invalid_gps", "GPS block unusable: latitude has a zero denominator") in (
        metadata.flags
    )


@pytest.mark.parametrize(
    ("kwargs", "why"),
    [
        ({"lat": ((51, 1), (60, 1), (0, 1))}, "latitude minutes or seconds are 60 or more"),
        ({"lon": ((0, 1), (7, 1), (6000, 100))}, "longitude minutes or seconds are 60 or more"),
        ({"lat": ((91, 1), (0, 1), (0, 1))}, "latitude 91.000000 is outside ±90"),
        ({"lon": ((181, 1), (0, 1), (0, 1))}, "longitude 181.000000 is outside ±180"),
        ({"lon": ((0, 1), (7, 1), (1, 0))}, "longitude has a zero denominator"),
        ({"lat_ref": "X"}, 'latitude reference must be N or S, not "X"'),
        ({"lon_ref": "N"}, 'longitude reference must be E or W, not "N"'),
        ({"lat_ref": None}, "latitude reference must be N or S, not missing"),
        ({"lon": None}, "longitude is missing"),
        (
            {"extra": [rational_entry(0x0006, (0, 0))]},
            "altitude has a zero denominator",
        ),
    ],
)
def test_unusable_gps_is_dropped_with_the_reason(kwargs: dict[str, object], why: str) -> None:
    metadata = read_exif(gps_ifd_bytes(**kwargs))  # type: ignore[arg-type]
    assert metadata.gps is None
    assert Flag("invalid_gps", f"GPS block unusable: {why}") in metadata.flags
    assert "no_gps" not in _codes(metadata)


def test_null_island_is_not_a_position() -> None:
    metadata = read_exif(gps_ifd_bytes(lat=((0, 1), (0, 1), (0, 1)), lon=((0, 1), (0, 1), (0, 1))))
    assert metadata.gps is None
    assert _codes(metadata) == ["no_capture_time", "null_island"]


def test_empty_gps_ifd_means_no_position() -> None:
    metadata = read_exif(exif_app1(build_tiff([ascii_entry(0x010F, "TestCam")], gps=[])))
    assert metadata.gps is None
    assert metadata.make == "TestCam"
    assert _codes(metadata) == ["no_capture_time", "no_gps"]


def test_gps_ifd_with_only_a_version_means_no_position() -> None:
    tiff = build_tiff([ascii_entry(0x010F, "TestCam")], gps=[byte_entry(0x0000, 2, 3, 0, 0)])
    metadata = read_exif(exif_app1(tiff))
    assert metadata.gps is None
    assert _codes(metadata) == ["no_capture_time", "no_gps"]


def test_gps_pointer_past_the_end_is_harmless() -> None:
    dangling = Entry(imaging.GPS_IFD_POINTER, LONG, 1, offset=0xFFFFFF00)
    metadata = _with_exif(ascii_entry(0x010F, "TestCam"), dangling)
    assert metadata.gps is None
    assert metadata.make == "TestCam"
    assert "no_gps" in _codes(metadata)


def test_magnetic_camera_direction_is_pointed_out() -> None:
    extra = [ascii_entry(0x0010, "M"), rational_entry(0x0011, (90, 1))]
    metadata = read_exif(gps_ifd_bytes(extra=extra))
    assert metadata.gps is not None
    assert metadata.gps.direction == 90.0
    assert "magnetic_direction" in _codes(metadata)


# --- contradictions ------------------------------------------------------------------------------


def _timed(
    capture: str, offset: str | None, gps_date: str, gps_time: tuple[int, int, int]
) -> Metadata:
    exif: dict[int | str, object] = {"DateTimeOriginal": capture}
    if offset is not None:
        exif["OffsetTimeOriginal"] = offset
    gps = _gps(
        GPSDateStamp=gps_date, GPSTimeStamp=tuple(imaging.rational(part) for part in gps_time)
    )
    return _metadata(imaging.make_jpeg(exif=exif, gps=gps))


def test_gps_time_contradicting_capture_time_is_flagged() -> None:
    metadata = _timed("2024:05:01 10:20:30", "+03:00", "2024:05:01", (2, 20, 30))
    assert Flag("time_mismatch", "GPS time and capture time disagree by 5.0 h") in metadata.flags


def test_gps_time_agreeing_with_capture_time_is_not_flagged() -> None:
    metadata = _timed("2024:05:01 10:20:30", "+03:00", "2024:05:01", (7, 40, 0))
    assert "time_mismatch" not in _codes(metadata)


def test_without_offset_only_gaps_no_time_zone_explains_are_flagged() -> None:
    zone_sized = _timed("2024:05:01 10:00:00", None, "2024:05:01", (23, 0, 0))  # 13 h
    assert "time_mismatch" not in _codes(zone_sized)
    impossible = _timed("2024:05:01 10:00:00", None, "2024:05:02", (3, 30, 0))  # 17.5 h
    assert (
        Flag(
            "time_mismatch",
            "GPS time and capture time disagree by 17.5 h, more than any time zone explains",
        )
        in impossible.flags
    )


@pytest.mark.parametrize(
    "software",
    [
        "Adobe Photoshop Lightroom Classic 13.2 (Windows)",
        "GIMP 2.10.36",
        "Snapseed 2.0",
        "Canva",
        "Samsung Photo Editor 3.0",
        "Capture One 23 Macintosh",
        "Paint.NET 5.0",
    ],
)
def test_editing_software_is_flagged(software: str) -> None:
    metadata = _metadata(imaging.make_jpeg(exif={"Software": software}))
    assert Flag("edited_software", f"Software field suggests editing: {software}") in (
        metadata.flags
    )


@pytest.mark.parametrize("software", ["HDR+ 1.0.540104767zd", "17.4.1", "Ver.1.10", "Pixel 8"])
def test_camera_firmware_is_not_flagged_as_editing(software: str) -> None:
    assert "edited_software" not in _codes(
        _metadata(imaging.make_jpeg(exif={"Software": software}))
    )


def test_file_saved_after_capture_is_flagged() -> None:
    exif = {"DateTimeOriginal": "2024:05:01 10:00:00", "DateTime": "2024:05:03 10:00:00"}
    metadata = _metadata(imaging.make_jpeg(exif=exif))
    assert (
        Flag(
            "datetime_modified",
            "File was modified after capture (saved 2 days after it was taken).",
        )
        in metadata.flags
    )


def test_in_camera_save_time_is_not_flagged() -> None:
    exif = {"DateTimeOriginal": "2024:05:01 10:00:00", "DateTime": "2024:05:01 10:00:40"}
    assert "datetime_modified" not in _codes(_metadata(imaging.make_jpeg(exif=exif)))


# --- hostile strings and structures -------------------------------------------------------------


def test_control_and_bidi_characters_in_make_are_stripped() -> None:
    hostile = "Can\u202eon\x1b[2J\x00 EOS".encode()
    metadata = _with_exif(Entry(0x010F, imaging.ASCII, len(hostile) + 1, hostile + b"\x00"))
    assert metadata.make == "Canon[2J"  # exifread stops at the NUL; escapes lose their ESC
    assert metadata.raw["Image Make"] == "Canon[2J"


def test_raw_table_skips_blobs_and_maker_notes_and_is_capped() -> None:
    many = [ascii_entry(0xC000 + index, f"value {index}") for index in range(450)]
    blob = Entry(0xC4A5, UNDEFINED, 300, bytes(300))  # PrintIM-like binary blob
    note = Entry(MAKER_NOTE, UNDEFINED, 16, b"Nikon\x00\x02\x00" + bytes(8))
    metadata = _with_exif(*many, blob, exif=[note])
    assert len(metadata.raw) == 400
    assert list(metadata.raw) == sorted(metadata.raw)
    assert not any("MakerNote" in key or "0xC4A5" in key for key in metadata.raw)


def test_maker_note_with_absurd_count_is_skipped_quickly() -> None:
    note = Entry(MAKER_NOTE, UNDEFINED, 0x7FFFFFFF, offset=8)
    started = time.perf_counter()
    metadata = _with_exif(ascii_entry(0x010F, "NIKON CORPORATION"), exif=[note])
    assert time.perf_counter() - started < 1.0
    assert metadata.make == "NIKON CORPORATION"
    assert "exif_unreadable" not in _codes(metadata)


def test_exif_too_costly_to_read_is_skipped_quickly() -> None:
    # 5,000 entries of 999 fractions each: exifread would spend many seconds on 60 KB.
    entries = [Entry(0xC000 + index, imaging.RATIONAL, 999, offset=8) for index in range(5000)]
    tiff = build_tiff(entries)
    assert exif_work(tiff) > EXIF_READ_BUDGET
    started = time.perf_counter()
    metadata = read_exif(exif_app1(tiff))
    assert time.perf_counter() - started < 1.0
    assert metadata == Metadata(
        flags=(Flag("exif_unreadable", "EXIF block is malformed and was skipped"),)
    )


def test_overlapping_directory_chain_is_bounded() -> None:
    # Every IFD's "next" pointer leads to another IFD two bytes further on.
    block = bytearray(b"II*\x00\x08\x00\x00\x00") + bytearray(60_000)
    for offset in range(8, 59_000, 2):
        block[offset : offset + 2] = (0x1000).to_bytes(2, "little")
    started = time.perf_counter()
    metadata = read_exif(bytes(block))
    assert time.perf_counter() - started < 2.0
    assert isinstance(metadata, Metadata)


@pytest.mark.parametrize(
    "block", [b"Exif\x00\x00", b"Exif\x00\x00garbage", b"II*\x00\xff\xff\xff\xff", b"\x00" * 10]
)
def test_malformed_exif_block_becomes_a_flag(block: bytes) -> None:
    metadata = read_exif(block)
    assert metadata.gps is None
    assert metadata.captured_at is None
    assert set(_codes(metadata)) <= {"exif_unreadable", "no_metadata", "no_capture_time", "no_gps"}


def test_normalize_survives_odd_values() -> None:
    class Odd:
        printable = "odd"
        values = (object(),)
        field_type = 5

    tags = {"GPS GPSLatitude": Odd(), "GPS GPSLongitude": Odd(), "Image Make": Odd()}
    metadata = normalize(tags)  # type: ignore[arg-type]
    assert metadata.gps is None
    assert Flag("invalid_gps", "GPS block unusable: latitude is not a number") in (metadata.flags)


def test_gps_dataclass_values_are_plain_floats() -> None:
    metadata = read_exif(gps_ifd_bytes())
    assert metadata.gps == Gps(
        lat=pytest.approx(imaging.LONDON_LAT_DEG, abs=1e-9),  # type: ignore[arg-type]
        lon=pytest.approx(imaging.LONDON_LON_DEG, abs=1e-9),  # type: ignore[arg-type]
    )
    assert type(metadata.gps.lat) is float


def test_make_stored_as_bytes_instead_of_ascii_still_reads_as_text() -> None:
    make = b"Sony\x00"
    metadata = _with_exif(Entry(0x010F, UNDEFINED, len(make), make))
    assert metadata.make == "Sony"
