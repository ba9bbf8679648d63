"""desk beside ExifTool: every capture time and GPS position ExifTool reports, desk finds with
the same value and the same source, and no save time is ever desk's capture time.

Run over the images made here (EXIF, XMP and IPTC written by Pillow, by hand and by ExifTool
itself) and over real files from Pillow's test corpus (tests/data/metadata_samples, see its
README). ExifTool is a test tool only (`.ci/run` installs it); without it the test is skipped
on a developer's machine and fails in CI, where it must run.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from desk.core.capture_sources import SAVE_SOURCES
from desk.core.model import Metadata
from desk.core.parse import parse_image
from tests.core import imaging
from tests.core.test_iptc import jpeg_with_iptc, record
from tests.core.test_xmp import jpeg_with_xmp, packet, png_with_xmp, tiff_with_xmp, webp_with_xmp

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "metadata_samples"
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".tif", ".tiff", ".webp")

#: ExifTool tag (-G1) -> the source desk names for the same capture time.
CAPTURE_TAGS = {
    "ExifIFD:DateTimeOriginal": "EXIF DateTimeOriginal",
    "ExifIFD:CreateDate": "EXIF DateTimeDigitized",
    "XMP-exif:DateTimeOriginal": "XMP exif:DateTimeOriginal",
    "XMP-exif:DateTimeDigitized": "XMP exif:DateTimeDigitized",
    "XMP-photoshop:DateCreated": "XMP photoshop:DateCreated",
    "XMP-xmp:CreateDate": "XMP CreateDate",
    "Nintendo:TimeStamp": "MakerNote Nintendo TimeStamp",
}
#: ExifTool's IPTC date and time tags, which desk reads as one value.
IPTC_PAIRS = {
    ("IPTC:DateCreated", "IPTC:TimeCreated"): "IPTC DateCreated+TimeCreated",
    ("IPTC:DigitalCreationDate", "IPTC:DigitalCreationTime"):
        "IPTC DigitalCreationDate+DigitalCreationTime",
}
#: Save times (when the file or its metadata was written): never a capture time.
SAVE_TAGS = {
    "IFD0:ModifyDate": "IFD0 DateTime",
    "XMP-xmp:ModifyDate": "XMP ModifyDate",
    "XMP-xmp:MetadataDate": "XMP MetadataDate",
    "PNG:ModifyDate": None,  # the PNG tIME chunk: desk does not read it
}
#: Time tags that are neither, and why: a new kind in a sample fails the test until placed.
NOT_TIMES_OF_THE_PICTURE = re.compile(
    r"System:.*"  # the file system's times of this copy
    r"|Composite:.*"  # ExifTool's own combinations of the tags above
    r"|ExifIFD:(SubSecTime.*|OffsetTime.*)"  # parts of the times above, read with them
    r"|ICC-header:ProfileDateTime"  # when the colour profile was made
    r"|XMP-xmpMM:HistoryWhen"  # editing steps: desk's edit readings
    r"|GPS:GPS(TimeStamp|DateStamp)"  # the GPS fix's UTC time: desk's gps.time_utc
    r"|IFD[1-9]:ModifyDate"  # save times of further pages
)
GPS_AXES = ("GPSLatitude", "GPSLongitude")
_EXIFTOOL_TIME = re.compile(r"(\d{4}):(\d{2}):(\d{2})(?: (\d{2}):(\d{2}):(\d{2})(?:\.\d+)?)?"
                            r"(Z|[+-]\d{2}:\d{2})?")


@pytest.fixture(scope="module")
def exiftool() -> str:
    found = shutil.which("exiftool")
    if found is None:
        if os.environ.get("CI"):
            pytest.fail("exiftool is missing: .ci/run installs libimage-exiftool-perl")
        pytest.skip("exiftool is not installed (CI installs it)")
    return found


def exiftool_report(tool: str, files: list[Path]) -> dict[str, dict[str, object]]:
    done = subprocess.run([tool, "-j", "-G1", "-a", "-n", "-time:all", "-gps:all",
                           *map(str, files)], capture_output=True, text=True, timeout=120,
                          check=False)
    return {Path(entry["SourceFile"]).name: entry for entry in json.loads(done.stdout)}


def _time(text: str) -> tuple[datetime, bool, str | None] | None:
    """(wall clock, has a time, offset) of an ExifTool or desk (ISO) time; None: no date."""
    text = text.strip()
    if re.match(r"\d{4}-\d{2}-\d{2}", text):  # desk's ISO form
        text = text.replace("-", ":", 2).replace("T", " ")
    match = _EXIFTOOL_TIME.fullmatch(text)
    if match is None:
        return None
    parts = match.groups()
    try:
        if parts[3] is None:
            return datetime(*map(int, parts[:3])), False, None
        moment = datetime(*map(int, parts[:6]))  # type: ignore[arg-type]
    except ValueError:
        return None
    zone = parts[6]
    return moment, True, "+00:00" if zone == "Z" else zone


def _same_time(exiftool_value: str, desk_value: str) -> bool:
    ours, theirs = _time(desk_value), _time(exiftool_value)
    assert ours is not None and theirs is not None
    if not theirs[1] or not ours[1]:
        return ours[0].date() == theirs[0].date()
    # ExifTool gives EXIF's offset in its own tag; desk keeps it with the time it belongs to.
    return ours[0] == theirs[0] and (theirs[2] is None or ours[2] == theirs[2])


def _iptc_value(entry: dict[str, object], date_tag: str, time_tag: str) -> str:
    day = str(entry[date_tag])
    clock = entry.get(time_tag)
    return f"{day} {clock}" if clock is not None else day


def check_parity(name: str, entry: dict[str, object], metadata: Metadata) -> None:
    """The assertions of this test for one file."""
    readings = {(r.field, r.source): r.value for r in metadata.readings}
    codes = {f.code for f in metadata.flags}
    expected: dict[str, str] = {}
    for tag, value in entry.items():
        if tag in CAPTURE_TAGS:
            expected[CAPTURE_TAGS[tag]] = str(value)
        elif tag in SAVE_TAGS or tag.startswith(("IPTC:", "GPS:", "XMP-exif:GPS")) \
                or tag == "SourceFile" or tag.startswith("ExifTool:"):
            continue
        elif isinstance(value, str) and _EXIFTOOL_TIME.match(value) and \
                not NOT_TIMES_OF_THE_PICTURE.fullmatch(tag):
            pytest.fail(f"{name}: ExifTool reports {tag} = {value}; say whether it is a"
                        " capture time, a save time or neither")
    for (date_tag, time_tag), source in IPTC_PAIRS.items():
        if date_tag in entry:
            expected[source] = _iptc_value(entry, date_tag, time_tag)
    for source, value in expected.items():
        if _time(value) is None:  # ExifTool shows what is there; desk says it is no date
            assert "invalid_capture_time" in codes or value.strip(" :") == "", (name, source)
            continue
        found = readings.get(("captured_at", source))
        assert found is not None, f"{name}: desk misses {source} = {value}"
        assert _same_time(value, found), f"{name}: {source} is {value}, desk says {found}"
    if metadata.captured_at is not None:
        assert metadata.captured_at_source in expected, name
        assert _same_time(expected[str(metadata.captured_at_source)], metadata.captured_at)
    assert metadata.captured_at_source not in SAVE_SOURCES, name
    assert not [r for r in metadata.readings if r.field == "captured_at"
                and r.source in SAVE_SOURCES], name
    _check_gps(name, entry, metadata, readings, codes)


def _check_gps(name: str, entry: dict[str, object], metadata: Metadata,
               readings: dict[tuple[str, str], str], codes: set[str]) -> None:
    exif = [entry.get(f"GPS:{axis}") for axis in GPS_AXES]
    if all(isinstance(v, int | float) for v in exif):
        signs = [-1 if entry.get(f"GPS:{axis}Ref") in ("S", "W") else 1 for axis in GPS_AXES]
        lat, lon = (float(v) * s for v, s in zip(exif, signs, strict=True))  # type: ignore[arg-type]
        if abs(lat) > 90 or abs(lon) > 180:
            assert "invalid_gps" in codes, name
        else:
            _same_place(name, readings.get(("gps", "EXIF GPS")), lat, lon)
    xmp = [entry.get(f"XMP-exif:{axis}") for axis in GPS_AXES]
    if all(isinstance(v, int | float) for v in xmp):
        lat, lon = (float(v) for v in xmp)  # type: ignore[arg-type]
        _same_place(name, readings.get(("gps", "XMP exif:GPSLatitude/GPSLongitude")), lat, lon)
    if metadata.gps is not None:
        assert any(r.field == "gps" and r.used for r in metadata.readings), name


def _same_place(name: str, found: str | None, lat: float, lon: float) -> None:
    assert found is not None, f"{name}: desk misses the position {lat}, {lon}"
    ours = [float(part) for part in found.split(",")]
    assert ours == pytest.approx([lat, lon], abs=1e-5), f"{name}: {found} vs {lat}, {lon}"


# --- the files -----------------------------------------------------------------------------------


def made_here(folder: Path, tool: str) -> Iterator[Path]:
    """Images written here: EXIF by Pillow, XMP and IPTC by desk's tests, and by ExifTool."""
    london = {"GPSLatitudeRef": "N", "GPSLatitude": imaging.dms(imaging.LONDON_LAT),
              "GPSLongitudeRef": "W", "GPSLongitude": imaging.dms(imaging.LONDON_LON)}
    xmp = packet('xmp:CreateDate="2021-11-30T19:02:10-05:00" xmp:ModifyDate="2022-01-04T10:00'
                 ':00-05:00" photoshop:DateCreated="2021-11-30" exif:GPSLatitude="48,51.4N"'
                 ' exif:GPSLongitude="2,21.1333E" exif:DateTimeOriginal='
                 '"2021-11-30T19:02:10-05:00"')
    files = {
        "exif.jpg": imaging.make_jpeg(64, 48, exif={
            "DateTimeOriginal": "2022:03:01 08:14:00", "OffsetTimeOriginal": "+02:00",
            "DateTimeDigitized": "2022:03:01 08:14:00", "DateTime": "2022:04:01 10:00:00"},
            gps=london),
        "saved_only.jpg": imaging.make_jpeg(64, 48, exif={"DateTime": "2022:04:01 10:00:00"}),
        "xmp.jpg": jpeg_with_xmp(xmp, exif={"DateTime": "2022:01:04 10:00:00"}, gps=london),
        "xmp.png": png_with_xmp(xmp),
        "xmp.tif": tiff_with_xmp(xmp),
        "xmp.webp": webp_with_xmp(xmp),
        "iptc.jpg": jpeg_with_iptc(record(55, b"20220301") + record(60, b"081400+0200")
                                   + record(62, b"20220302")),
    }
    for file_name, data in files.items():
        (folder / file_name).write_bytes(data)
        yield folder / file_name
    plain = folder / "plain.jpg"
    plain.write_bytes(imaging.make_jpeg(64, 48))
    by_exiftool = folder / "by_exiftool.jpg"
    subprocess.run([tool, "-q", "-o", str(by_exiftool),
                    "-XMP-xmp:CreateDate=2020:06:01 08:30:00+03:00",
                    "-XMP-photoshop:DateCreated=2020:06:01 08:30:05",
                    "-XMP-exif:GPSLatitude=50.45", "-XMP-exif:GPSLatitudeRef=N",
                    "-XMP-exif:GPSLongitude=30.5233", "-XMP-exif:GPSLongitudeRef=E",
                    "-IPTC:DateCreated=2020:06:01", "-IPTC:TimeCreated=08:30:00+03:00",
                    "-IPTC:DigitalCreationDate=2020:06:01",
                    "-IPTC:DigitalCreationTime=08:31:00+03:00",
                    "-EXIF:ModifyDate=2024:01:01 00:00:00", str(plain)],
                   check=True, timeout=60)
    yield by_exiftool


def test_desk_finds_what_exiftool_finds_in_images_made_here(exiftool: str,
                                                            tmp_path: Path) -> None:
    files = list(made_here(tmp_path, exiftool))
    report = exiftool_report(exiftool, files)
    assert len(report) == len(files)
    for path in files:
        metadata = parse_image(path.read_bytes()).metadata
        check_parity(path.name, report[path.name], metadata)
    exiftool_made = parse_image((tmp_path / "by_exiftool.jpg").read_bytes()).metadata
    assert exiftool_made.captured_at == "2020-06-01T08:30:05+03:00"
    assert exiftool_made.captured_at_source == "XMP photoshop:DateCreated"
    assert exiftool_made.saved_at_source == "IFD0 DateTime"


def test_desk_finds_what_exiftool_finds_in_real_samples(exiftool: str) -> None:
    files = sorted(p for p in SAMPLES.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
    assert len(files) >= 15
    report = exiftool_report(exiftool, files)
    for path in files:
        metadata = parse_image(path.read_bytes()).metadata
        check_parity(path.name, report[path.name], metadata)


def test_the_samples_cover_what_matters() -> None:
    """The corpus keeps a file for each source and each trap (by what desk reads in it)."""
    seen: dict[str, set[str]] = {}
    for path in SAMPLES.iterdir():
        if path.suffix.lower() in IMAGE_SUFFIXES:
            metadata = parse_image(path.read_bytes()).metadata
            for reading in metadata.readings:
                seen.setdefault(reading.source, set()).add(path.name)
            if metadata.captured_at is None and metadata.saved_at is not None:
                seen.setdefault("saved but not captured", set()).add(path.name)
    for source in ("EXIF DateTimeOriginal", "XMP CreateDate", "XMP photoshop:DateCreated",
                   "XMP exif:DateTimeOriginal", "IPTC DateCreated+TimeCreated",
                   "MakerNote Nintendo TimeStamp", "EXIF GPS", "IFD0 DateTime",
                   "XMP ModifyDate", "saved but not captured"):
        assert seen.get(source), source
