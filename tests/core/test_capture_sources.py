"""Choosing the capture time among a file's sources: best first, its offset kept, save times
never taken, and every disagreement named."""

from __future__ import annotations

from datetime import datetime

import pytest

from desk.core import capture_sources as cs
from desk.core.capture_sources import Stamp
from desk.core.parse import parse_image
from tests.core import imaging
from tests.core.test_iptc import jpeg_with_iptc, record
from tests.core.test_xmp import jpeg_with_xmp, packet


def stamp(source: str, text: str, offset: str | None = None, has_time: bool = True) -> Stamp:
    return Stamp(source, datetime.fromisoformat(text), offset, has_time,
                 source if offset else None)


def test_the_shutter_time_wins_over_the_digitized_time_whatever_the_order() -> None:
    stamps = [stamp("XMP CreateDate", "2022-03-01T08:14:00"),
              stamp("EXIF DateTimeDigitized", "2022-03-01T08:14:00"),
              stamp("MakerNote Nintendo TimeStamp", "2022-03-01T08:14:00"),
              stamp("IPTC DateCreated+TimeCreated", "2022-03-01T08:14:00"),
              stamp("EXIF DateTimeOriginal", "2022-03-01T08:14:00")]
    for order in (stamps, stamps[::-1]):
        assert cs.resolve_capture(order).chosen == stamps[-1]
    assert [s.source for s in sorted(stamps, key=lambda s: cs.rank(s.source))] == [
        "EXIF DateTimeOriginal", "IPTC DateCreated+TimeCreated", "MakerNote Nintendo TimeStamp",
        "EXIF DateTimeDigitized", "XMP CreateDate"]


def test_a_source_with_a_time_beats_a_better_one_with_a_date_only() -> None:
    resolved = cs.resolve_capture([stamp("IPTC DateCreated+TimeCreated", "2022-03-01",
                                         has_time=False),
                                   stamp("XMP CreateDate", "2022-03-01T08:14:00")])
    assert resolved.chosen is not None and resolved.chosen.source == "XMP CreateDate"
    assert resolved.flags == ()


def test_the_offset_of_an_agreeing_source_is_kept() -> None:
    resolved = cs.resolve_capture([stamp("EXIF DateTimeOriginal", "2022-03-01T08:14:00"),
                                   stamp("XMP CreateDate", "2022-03-01T08:14:20", "+02:00")])
    assert (resolved.offset, resolved.offset_source) == ("+02:00", "XMP CreateDate")
    apart = cs.resolve_capture([stamp("EXIF DateTimeOriginal", "2022-03-01T08:14:00"),
                                stamp("XMP CreateDate", "2022-03-01T09:14:00", "+02:00")])
    assert apart.offset is None  # a source that disagrees lends nothing


@pytest.mark.parametrize(("other", "disagrees"), [
    (stamp("XMP CreateDate", "2022-03-01T08:14:59"), False),  # within a minute
    (stamp("XMP CreateDate", "2022-03-01T08:15:30"), True),
    (stamp("XMP CreateDate", "2022-03-01T07:14:00", "+01:00"), False),  # same instant
    (stamp("XMP CreateDate", "2022-03-01T08:14:00", "+01:00"), True),  # an hour apart
    (stamp("XMP CreateDate", "2022-03-01", has_time=False), False),
    (stamp("XMP CreateDate", "2022-03-02", has_time=False), True),
])
def test_tolerance_of_a_minute_after_offsets(other: Stamp, disagrees: bool) -> None:
    chosen = stamp("EXIF DateTimeOriginal", "2022-03-01T08:14:00", "+02:00")
    flags = cs.resolve_capture([chosen, other]).flags
    assert bool(flags) is disagrees


def test_the_disagreement_flag_names_each_source_and_its_time() -> None:
    flags = cs.resolve_capture([stamp("EXIF DateTimeOriginal", "2022-03-01T08:14:00"),
                                stamp("XMP CreateDate", "2021-11-30T19:02:00", "-05:00"),
                                stamp("EXIF DateTimeDigitized", "2022-03-01T08:14:00")]).flags
    assert [(f.code, f.message) for f in flags] == [(
        "capture_sources_disagree",
        "Capture-time sources disagree: EXIF DateTimeOriginal says 2022-03-01 08:14,"
        " XMP CreateDate says 2021-11-30 19:02 UTC-05:00.")]


def test_save_times_are_resolved_apart_and_never_chosen_as_capture() -> None:
    saved = cs.resolve_saved([stamp("XMP MetadataDate", "2023-01-01T00:00:00"),
                              stamp("XMP ModifyDate", "2023-01-02T00:00:00", "+01:00"),
                              stamp("IFD0 DateTime", "2023-01-02T00:00:00")])
    assert saved.chosen is not None and saved.chosen.source == "IFD0 DateTime"
    assert (saved.offset, saved.offset_source) == ("+01:00", "XMP ModifyDate")
    jpeg = jpeg_with_xmp(packet('xmp:ModifyDate="2023-01-02T00:00:00" xmp:MetadataDate='
                                '"2023-01-02T00:00:00"'), exif={"DateTime": "2023:01:02 00:00:00"})
    metadata = parse_image(jpeg).metadata
    assert metadata.captured_at is None and metadata.captured_at_source is None
    assert metadata.saved_at_source == "IFD0 DateTime"
    assert all(r.field == "saved_at" for r in metadata.readings if r.source in cs.SAVE_SOURCES)


@pytest.mark.parametrize(("text", "iso"), [
    ("2022-03-01T08:14:05.25+02:00", "2022-03-01T08:14:05+02:00"),
    ("2022-03-01T08:14Z", "2022-03-01T08:14:00+00:00"),
    ("2022-03-01", "2022-03-01"),
    ("2022:03:01 08:14:05", "2022-03-01T08:14:05"),  # EXIF's form, as some writers put it
    ("2022-03", None), ("2022", None), ("2022-02-30T10:00:00", None), ("soon", None),
    ("2022-03-01T08:14:00+15:00", "2022-03-01T08:14:00"),  # no clock is UTC+15: offset dropped
])
def test_xmp_date_forms(text: str, iso: str | None) -> None:
    found = cs.xmp_stamp("XMP CreateDate", text)
    assert (found.iso if found else None) == iso


def test_an_invalid_xmp_date_is_flagged_and_the_next_source_used() -> None:
    jpeg = jpeg_with_xmp(packet('photoshop:DateCreated="2022-13-01" xmp:CreateDate='
                                '"2022-03-01T08:14:00"'))
    metadata = parse_image(jpeg).metadata
    assert metadata.captured_at_source == "XMP CreateDate"
    assert {f.code: f.message for f in metadata.flags}["invalid_capture_time"] == (
        "Capture time is not a valid date: 2022-13-01 (XMP photoshop:DateCreated)")


def test_exif_and_xmp_disagreeing_in_one_file() -> None:
    jpeg = jpeg_with_xmp(packet('xmp:CreateDate="2021-11-30T19:02:00"'),
                         exif={"DateTimeOriginal": "2022:03:01 08:14:00"})
    metadata = parse_image(jpeg).metadata
    assert metadata.captured_at == "2022-03-01T08:14:00"
    assert metadata.captured_at_source == "EXIF DateTimeOriginal"
    assert {f.code: f.message for f in metadata.flags}["capture_sources_disagree"] == (
        "Capture-time sources disagree: EXIF DateTimeOriginal says 2022-03-01 08:14,"
        " XMP CreateDate says 2021-11-30 19:02.")
    used = [r for r in metadata.readings if r.field == "captured_at" and r.used]
    assert [r.source for r in used] == ["EXIF DateTimeOriginal"]


def test_modified_after_capture_names_a_save_source_other_than_ifd0() -> None:
    jpeg = jpeg_with_xmp(packet('xmp:ModifyDate="2022-03-03T08:14:00"'),
                         exif={"DateTimeOriginal": "2022:03:01 08:14:00"})
    assert {f.code: f.message for f in parse_image(jpeg).metadata.flags}[
        "datetime_modified"] == ("File was modified after capture (saved 2 days after it was"
                                 " taken, by its XMP ModifyDate).")


def test_history_of_creation_only_is_not_editing() -> None:
    assert cs.edit_history_flag([("created", "Camera firmware", "2022-03-01T08:14:00")]) is None
    flag = cs.edit_history_flag([("saved", "GIMP", "")] * 5)
    assert flag is not None
    assert flag.message == ("XMP editing history records 5 steps: saved by GIMP; saved by GIMP;"
                            " saved by GIMP; and 2 more.")


def test_every_source_shows_in_the_readings_best_first() -> None:
    iim = record(55, b"20220301") + record(60, b"081400")
    jpeg = jpeg_with_iptc(iim, exif={"DateTimeOriginal": "2022:03:01 08:14:00",
                                     "DateTimeDigitized": "2022:03:01 08:14:00",
                                     "DateTime": "2022:03:05 10:00:00", "Make": "Canon"})
    metadata = parse_image(jpeg).metadata
    assert [(r.field, r.source, r.used) for r in metadata.readings] == [
        ("captured_at", "EXIF DateTimeOriginal", True),
        ("captured_at", "IPTC DateCreated+TimeCreated", False),
        ("captured_at", "EXIF DateTimeDigitized", False),
        ("saved_at", "IFD0 DateTime", True),
        ("make", "IFD0 Make", True),
    ]
    assert metadata.saved_at == "2022-03-05T10:00:00"


def test_a_jpeg_without_exif_but_with_xmp_is_not_called_stripped() -> None:
    metadata = parse_image(jpeg_with_xmp(packet('xmp:CreatorTool="Snapseed"'))).metadata
    codes = [f.code for f in metadata.flags]
    assert "no_metadata" not in codes
    assert "no_capture_time" in codes and "edited_software" in codes
    assert imaging.make_jpeg() and parse_image(imaging.make_jpeg()).metadata.flags[0].code == \
        "no_metadata"
